//! Removing chunks from a tenant's index: the step `remove` and a complete sync share.
//!
//! 1. plan what fits the budget; the rest is deferred;
//! 2. write a journal naming the planned chunks (their markers go before their vectors),
//!    and remove the tenant's record state (`record_state.rs`), which no longer holds, from
//!    the coordinator under the tenant's lease (`lease.rs`);
//! 3. delete their markers, one KV delete each (the binding has no bulk delete);
//! 4. with `hybrid`, delete the words of the chunks whose marker is gone from the text
//!    index, then the vectors of the chunks whose marker (and words) are gone,
//!    `deleteBatchSize` ids a call: a chunk's words never outlive its vector;
//! 5. delete the journal once every vector it names is gone, and drop (or shrink) the
//!    older journals whose chunks are now settled; with quotas configured, give the user
//!    back the vectors of the chunks whose marker was found and is now deleted
//!    (`quota.rs`: one coordinator call, none when there are none).
//!
//! Whatever call fails or times out, each chunk keeps a marker and its vector, or has
//! neither, or is still named by a journal: never a vector without a record (invariant 8),
//! never a marker without its vector (invariant 4). The shared cache is never touched.

mod deletes;
mod journals;

use std::collections::HashSet;
use std::sync::Arc;

use crate::calendar::day_of;
use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply};
use crate::error::ChunkError;
use crate::journal::Journal;
use crate::lease::state_written;
use crate::names::TenantNames;
use crate::operation::Budget;
use crate::request::Tenant;

/// One chunk to remove.
#[derive(Clone, Debug)]
pub(crate) struct Doomed {
    /// Its hash.
    pub hash: String,
    /// Its marker key (deleted before its vector; deleting a key that is not there is no
    /// error).
    pub marker: String,
    /// Whether a listing found that marker: the chunk is then reachable through it for as
    /// long as it is not deleted. A chunk named by a journal only, or by a client, may have
    /// no marker: while its vector stands, only a journal reaches it.
    pub listed: bool,
    /// Whether its marker was found (by a listing, or read): its vector counts against the
    /// user's quota, and is given back once the marker is deleted.
    pub counted: bool,
}

/// An older journal, read: its chunks are settled when each is removed or kept reachable.
#[derive(Clone, Debug)]
pub(crate) struct OldJournal {
    /// Its key.
    pub key: String,
    /// The chunks it names.
    pub hashes: Vec<String>,
}

/// How one chunk's removal ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fate {
    /// Marker and vector are gone.
    Removed,
    /// A call failed; resending completes it.
    Failed(ChunkError),
    /// Not attempted: over the budget.
    Deferred,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Plan,
    Journal,
    Markers,
    Words,
    Vectors,
    Cleanup,
    Retire,
    Done,
}

enum Purpose {
    Journal,
    /// With the error code of its failure.
    Invalidate(&'static str),
    Marker(usize),
    Vectors(Vec<usize>),
    /// The text index's entries of these chunks (with `hybrid`).
    Words(Vec<usize>),
    Rewrite(usize),
    Drop,
    /// The quotas' credit of the vectors freed: one that failed leaves the user's count
    /// high, never low.
    Credit,
}

struct Item {
    doomed: Doomed,
    planned: bool,
    /// Its marker may still be there (its delete was not made or failed): its vector stays.
    marker_left: bool,
    vector_gone: bool,
    /// Its words' delete from the text index failed: why.
    words_left: Option<ChunkError>,
    fate: Fate,
}

/// A removal in progress.
pub(crate) struct Removal {
    config: Arc<Config>,
    names: TenantNames,
    now: u64,
    items: Vec<Item>,
    journal: Option<Journal>,
    journal_kept: bool,
    old: Vec<OldJournal>,
    /// Chunks that keep a marker outside this removal: settled for the old journals.
    confirmed: HashSet<String>,
    /// Old journals rewritten smaller: delete the old key once the new one is written.
    retiring: Vec<usize>,
    /// Journals dropped, of its own and the old ones.
    dropped: usize,
    /// What must succeed before anything is deleted: the record state's removal.
    invalidate: Vec<Effect>,
    /// The journal or the record state could not be written: nothing is deleted.
    delete_nothing: bool,
    /// With quotas configured: the tenant and UTC day the freed vectors are credited to.
    credit_to: Option<(Tenant, u32)>,
    stage: Stage,
    awaiting: Vec<Purpose>,
}

impl Removal {
    pub(crate) fn new(
        config: Arc<Config>,
        names: TenantNames,
        now: u64,
        doomed: Vec<Doomed>,
        old: Vec<OldJournal>,
        confirmed: HashSet<String>,
    ) -> Self {
        let items = doomed
            .into_iter()
            .map(|doomed| Item {
                marker_left: true,
                doomed,
                planned: false,
                vector_gone: false,
                words_left: None,
                fate: Fate::Deferred,
            })
            .collect();
        Self {
            config,
            names,
            now,
            items,
            journal: None,
            journal_kept: false,
            old,
            confirmed,
            retiring: Vec::new(),
            dropped: 0,
            invalidate: Vec::new(),
            delete_nothing: false,
            credit_to: None,
            stage: Stage::Plan,
            awaiting: Vec::new(),
        }
    }

    /// Makes `calls` with the journal (the record state's removal from the coordinator, a
    /// record state an older engine kept in KV): nothing is removed unless all succeed.
    pub(crate) fn invalidating(mut self, calls: Vec<Effect>) -> Self {
        self.invalidate = calls;
        self
    }

    /// Gives the vectors it frees back to `tenant`'s quotas, at `now` (with quotas
    /// configured).
    pub(crate) fn crediting(mut self, tenant: Option<Tenant>, now: u64) -> Self {
        self.credit_to = tenant.map(|t| (t, day_of(now)));
        self
    }

    /// Each chunk's hash and how its removal ended (valid once `next` is empty).
    pub(crate) fn fates(&self) -> impl Iterator<Item = (&str, &Fate)> {
        self.items.iter().map(|i| (i.doomed.hash.as_str(), &i.fate))
    }

    /// Whether a journal is left that this removal would have dropped had every call
    /// succeeded and fitted: a later removal reads it again.
    pub(crate) fn journals_left(&self) -> bool {
        let own = self.journal.as_ref().map(|j| j.key.as_str());
        let old = self
            .old
            .iter()
            .filter(|j| Some(j.key.as_str()) != own)
            .count();
        self.dropped < usize::from(own.is_some()) + old
    }

    /// The next batch; empty when the removal is over.
    pub(crate) fn next(&mut self, budget: &Budget) -> Vec<Effect> {
        loop {
            let batch = match self.stage {
                Stage::Plan => {
                    self.plan(budget);
                    self.stage = Stage::Journal;
                    Vec::new()
                }
                Stage::Journal => {
                    self.stage = Stage::Markers;
                    self.write_journal()
                }
                Stage::Markers => {
                    self.stage = Stage::Words;
                    self.delete_markers()
                }
                Stage::Words => {
                    self.stage = Stage::Vectors;
                    self.delete_words()
                }
                Stage::Vectors => {
                    self.stage = Stage::Cleanup;
                    self.delete_vectors()
                }
                Stage::Cleanup => {
                    self.stage = Stage::Retire;
                    self.clean_up(budget)
                }
                Stage::Retire => {
                    self.stage = Stage::Done;
                    self.retire(budget)
                }
                Stage::Done => return Vec::new(),
            };
            if !batch.is_empty() {
                return batch;
            }
        }
    }

    /// Admits chunks in order while their calls fit, after keeping two calls for each old
    /// journal's clean-up, and one for the quotas' credit.
    fn plan(&mut self, budget: &Budget) {
        let reserve = 2 * self.old.len();
        let credit = usize::from(self.credit_to.is_some());
        let calls = budget.calls().saturating_sub(reserve + credit);
        let kv = budget.kv().saturating_sub(reserve);
        let (mut markers, mut chunks) = (0usize, 0usize);
        for item in &mut self.items {
            let (m, c) = (markers + 1, chunks + 1);
            // The journal's write and delete, the record state's delete, the markers, the
            // vector batches (and the text index's).
            let kv_cost = 2 + self.invalidate.iter().filter(|e| e.is_kv()).count() + m;
            let other = self.invalidate.iter().filter(|e| !e.is_kv()).count();
            if kv_cost > kv || kv_cost + other + self.config.vector_deletes(c) > calls {
                break;
            }
            (markers, chunks) = (m, c);
            item.planned = true;
        }
    }

    /// The outcomes of the last batch, in order.
    pub(crate) fn handle(&mut self, outcomes: Vec<Outcome>) {
        for (purpose, outcome) in std::mem::take(&mut self.awaiting).into_iter().zip(outcomes) {
            match purpose {
                Purpose::Journal => {
                    self.journal_kept = matches!(outcome, Ok(Reply::KvPut));
                    if !self.journal_kept {
                        self.block(failure(ChunkError::KV_WRITE, "journal", outcome));
                    }
                }
                Purpose::Invalidate(code) => match outcome {
                    Ok(Reply::KvDelete) => {}
                    other if state_written(&other) => {}
                    Ok(Reply::CoordinatorWriteState { .. }) => self.block(ChunkError::new(
                        ChunkError::TENANT_BUSY,
                        "the tenant's lease ran out and another request took it",
                    )),
                    other => self.block(failure(code, "record state", other)),
                },
                Purpose::Marker(i) => match outcome {
                    Ok(Reply::KvDelete) => self.items[i].marker_left = false,
                    other => {
                        self.items[i].fate =
                            Fate::Failed(failure(ChunkError::KV_DELETE, "marker", other));
                    }
                },
                // A chunk whose words stay keeps its vector; the journal names both until
                // a resend removes them.
                Purpose::Words(group) => {
                    if !matches!(outcome, Ok(Reply::TextIndexDelete)) {
                        let error = failure(ChunkError::TEXT_INDEX, "words", outcome);
                        for i in group {
                            self.items[i].words_left = Some(error.clone());
                            self.items[i].fate = Fate::Failed(error.clone());
                        }
                    }
                }
                Purpose::Vectors(group) => {
                    let fate = match outcome {
                        Ok(Reply::VectorizeDeleteByIds) => Fate::Removed,
                        other => {
                            Fate::Failed(failure(ChunkError::VECTORIZE_DELETE, "vectors", other))
                        }
                    };
                    for i in group {
                        self.items[i].vector_gone = fate == Fate::Removed;
                        self.items[i].fate = fate.clone();
                    }
                }
                Purpose::Rewrite(j) => {
                    if matches!(outcome, Ok(Reply::KvPut)) {
                        self.retiring.push(j);
                    }
                }
                Purpose::Credit => {}
                // A journal left behind costs a read at a later listing, nothing more.
                Purpose::Drop => {
                    if matches!(outcome, Ok(Reply::KvDelete)) {
                        self.dropped += 1;
                    }
                }
            }
        }
    }
}

impl Removal {
    /// Nothing planned is removed: each planned chunk fails with `error`. Its journal, if
    /// written, only costs a read at a later listing.
    fn block(&mut self, error: ChunkError) {
        for item in self.items.iter_mut().filter(|i| i.planned) {
            item.fate = Fate::Failed(error.clone());
        }
        self.delete_nothing = true;
    }
}

fn failure(code: &'static str, what: &str, outcome: Outcome) -> ChunkError {
    let message = match outcome {
        Err(e) => format!("{what}: {}: {}", e.code, e.message),
        Ok(_) => format!("{what}: {}", crate::effect::WRONG_REPLY),
    };
    ChunkError::new(code, message)
}
