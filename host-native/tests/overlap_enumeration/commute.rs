//! Which calls of two requests commute: what each reads and writes in the world. Two calls
//! that touch nothing in common, or only read what they share, leave the world and both
//! requests the same in either order, so only one order of them need be played (sleep
//! sets, Godefroid 1996: every state is still visited, and every order of the calls that
//! do not commute is played).
//!
//! A call after which its request answers reads the whole world too: the lie detector
//! checks the answer against it.

use index_sync_core::Effect;
use index_sync_native::fakes::ai_class;

/// A part of the world a call touches.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Key(String),
    /// Every key under a prefix (a list).
    Prefix(String),
    Vector(String),
    /// Every vector (a query).
    Vectors,
    /// A text-index entry.
    Words(String),
    /// Every text-index entry (a query).
    AllWords,
    Lease,
    State,
    /// A user's quota counters.
    Quota(String),
    /// The count of calls a planned fault waits on: which of them fails depends on order.
    Fault,
}

fn overlap(a: &Part, b: &Part) -> bool {
    match (a, b) {
        (Part::Key(k), Part::Prefix(p)) | (Part::Prefix(p), Part::Key(k)) => k.starts_with(p),
        (Part::Prefix(p), Part::Prefix(q)) => p.starts_with(q) || q.starts_with(p),
        (Part::Vector(_), Part::Vectors) | (Part::Vectors, Part::Vector(_)) => true,
        (Part::Words(_), Part::AllWords) | (Part::AllWords, Part::Words(_)) => true,
        _ => a == b,
    }
}

/// What one call reads and writes.
#[derive(Clone, Debug, Default)]
pub struct Footprint {
    reads: Vec<Part>,
    writes: Vec<Part>,
    /// It reads everything: its request answered after it.
    reads_all: bool,
}

impl Footprint {
    /// The footprint of `effect`; `faulted` names the call or class a planned fault aims at.
    pub fn of(effect: &Effect, faulted: Option<&str>) -> Self {
        let mut f = Self::default();
        match effect {
            Effect::KvGet { keys } => f.reads = keys.iter().cloned().map(Part::Key).collect(),
            Effect::KvPut { key, .. } | Effect::KvDelete { key } => {
                f.writes = vec![Part::Key(key.clone())]
            }
            Effect::KvList { prefix, .. } => f.reads = vec![Part::Prefix(prefix.clone())],
            Effect::AiRun { .. } => {}
            Effect::VectorizeUpsert { vectors } => {
                f.writes = vectors.iter().map(|v| Part::Vector(v.id.clone())).collect()
            }
            Effect::VectorizeDeleteByIds { ids } => {
                f.writes = ids.iter().cloned().map(Part::Vector).collect()
            }
            Effect::VectorizeQuery { .. } => f.reads = vec![Part::Vectors],
            Effect::TextIndexPut { entries } => {
                f.writes = entries.iter().map(|e| Part::Words(e.id.clone())).collect()
            }
            Effect::TextIndexDelete { ids } => {
                f.writes = ids.iter().cloned().map(Part::Words).collect()
            }
            Effect::TextIndexQuery { .. } => f.reads = vec![Part::AllWords],
            Effect::CoordinatorAcquire { .. } | Effect::CoordinatorRelease { .. } => {
                f.writes = vec![Part::Lease]
            }
            Effect::CoordinatorReadState { .. } => f.reads = vec![Part::State],
            Effect::CoordinatorWriteState { .. } => {
                f.reads = vec![Part::Lease];
                f.writes = vec![Part::State];
            }
            Effect::CoordinatorCharge { user, .. } | Effect::CoordinatorCredit { user, .. } => {
                f.writes = vec![Part::Quota(user.clone())]
            }
            Effect::CoordinatorUsage { user, .. } => f.reads = vec![Part::Quota(user.clone())],
        }
        let class = match effect {
            Effect::AiRun { input, .. } => ai_class(input),
            _ => effect.call_name(),
        };
        if faulted.is_some_and(|target| target == effect.call_name() || target == class) {
            f.writes.push(Part::Fault);
        }
        f
    }

    /// The same call, after which its request answered.
    pub fn answered(mut self) -> Self {
        self.reads_all = true;
        self
    }

    fn sees(&self, part: &Part) -> bool {
        self.reads_all
            || self
                .reads
                .iter()
                .chain(&self.writes)
                .any(|p| overlap(p, part))
    }

    /// Whether the two calls may end differently in one order than in the other.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        self.writes.iter().any(|w| other.sees(w)) || other.writes.iter().any(|w| self.sees(w))
    }
}
