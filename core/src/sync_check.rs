//! `sync` phase 1: which of these hashes must the client send? Answered from THIS tenant's
//! markers alone (invariant 2), read in bulk: cached when a live marker holds the chunk at
//! the places the client names, files and lines (any places when it names no file). Cached markers are rewritten
//! only when due, after the response, within what is left of the budget. A listing marked
//! `complete` is answered by `complete_sync.rs` instead.
//!
//! Answers must be true when given, whatever other requests of the tenant do meanwhile
//! (invariant 9). A marker read in one call is: every request that changes the index keeps
//! marker and vector in step at every moment (a marker is written after its vector, deleted
//! before it, and deleted before its vector names other places). A listing read in several
//! calls is not (a chunk read early could be removed before the last read), so it is read
//! under the tenant's lease (`lease.rs`). Rewriting due markers changes the record, so it
//! takes the lease too, after the response, and rewrites only the markers a second read
//! finds as they were; refused, it leaves them for next time.

use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::error::RequestError;
use crate::lease::LeaseAnswer;
use crate::marker::{MarkerRead, NewMarker, read_marker};
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::request::{CheckRequest, Listed, Tenant};

#[derive(Clone, PartialEq, Eq)]
enum Seen {
    Unread,
    Needed,
    Cached(MarkerRead),
    Deferred,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The lease is asked for before a lookup of several reads; then `Lookup`.
    Lease,
    Lookup,
    Respond,
    /// The lease is asked for before due markers are rewritten; then `Reread`.
    RefreshLease,
    /// The due markers are read again, under the lease.
    Reread,
    Refresh,
    Done,
}

/// Phase 1 of a sync.
pub(crate) struct SyncCheck {
    config: Arc<Config>,
    now: u64,
    listed: Vec<Listed>,
    tenant: Tenant,
    names: TenantNames,
    seen: Vec<Seen>,
    /// Whether the lease is held.
    leased: bool,
    /// Refused: the lease was not granted for a lookup of several reads.
    refusal: Option<RequestError>,
    /// The due markers read again (indices into `listed`), in read order.
    rereading: Vec<usize>,
    stage: Stage,
}

impl SyncCheck {
    pub(crate) fn new(config: Arc<Config>, request: CheckRequest, now: u64) -> Self {
        let CheckRequest { tenant, listed, .. } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let seen = vec![Seen::Unread; listed.len()];
        let stage = if listed.len() > config.kv_bulk_get_size {
            Stage::Lease
        } else {
            Stage::Lookup
        };
        Self {
            config,
            now,
            listed,
            tenant,
            names,
            seen,
            leased: false,
            refusal: None,
            rereading: Vec::new(),
            stage,
        }
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The listed chunks whose markers are due for a rewrite.
    fn due(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.listed.len()).filter(|&i| matches!(&self.seen[i], Seen::Cached(read) if read.due))
    }

    /// Bulk reads of the markers that fit the budget; their keys are made here, for those
    /// alone.
    fn lookup(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        let readable = budget.kv().saturating_mul(size).min(self.listed.len());
        for seen in &mut self.seen[readable..] {
            *seen = Seen::Deferred;
        }
        self.listed[..readable]
            .chunks(size)
            .map(|listed| Effect::KvGet {
                keys: listed
                    .iter()
                    .map(|l| self.names.marker_key(&l.hash))
                    .collect(),
            })
            .collect()
    }

    fn response(&self) -> Response {
        let pick = |want: fn(&Seen) -> bool| -> Vec<&str> {
            self.listed
                .iter()
                .zip(&self.seen)
                .filter(|(_, s)| want(s))
                .map(|(l, _)| l.hash.as_str())
                .collect()
        };
        Response {
            status: 200,
            body: json!({
                "needed": pick(|s| matches!(s, Seen::Needed | Seen::Unread)),
                "cached": pick(|s| matches!(s, Seen::Cached(_))),
                "deferred": pick(|s| *s == Seen::Deferred),
            }),
        }
    }

    /// The due markers, read again under the lease.
    fn reread(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        let due: Vec<usize> = self.due().collect();
        // Each read must leave room for the rewrites it allows.
        let readable = due.len().min(budget.kv().saturating_sub(1) / 2 * size);
        self.rereading = due[..readable].to_vec();
        self.rereading
            .chunks(size)
            .map(|group| Effect::KvGet {
                keys: group
                    .iter()
                    .map(|&i| self.names.marker_key(&self.listed[i].hash))
                    .collect(),
            })
            .collect()
    }

    /// Marks as no longer due the markers the second read did not find as they were.
    fn reread_outcomes(&mut self, outcomes: Vec<Outcome>) {
        let size = self.config.kv_bulk_get_size;
        let rereading = std::mem::take(&mut self.rereading);
        let mut again = vec![false; self.listed.len()];
        for (group, outcome) in rereading.chunks(size).zip(outcomes) {
            let Ok(Reply::KvGet { values }) = outcome else {
                continue;
            };
            for (&i, value) in group.iter().zip(values) {
                let read = value.and_then(|v| read_marker(&self.config, &v, self.now));
                again[i] =
                    matches!(&self.seen[i], Seen::Cached(before) if Some(before) == read.as_ref());
            }
        }
        for (i, seen) in self.seen.iter_mut().enumerate() {
            if let Seen::Cached(read) = seen
                && read.due
                && !again[i]
            {
                read.due = false;
            }
        }
    }

    fn refresh(&self, budget: &Budget) -> Vec<Effect> {
        self.due()
            .take(budget.kv())
            .filter_map(|i| match &self.seen[i] {
                Seen::Cached(read) => Some(refresh_marker(
                    &self.names,
                    &self.listed[i].hash,
                    read,
                    self.now,
                )),
                _ => None,
            })
            .collect()
    }
}

impl Procedure for SyncCheck {
    fn wants_lease(&self) -> bool {
        matches!(self.stage, Stage::Lease | Stage::RefreshLease)
    }

    fn leased(&mut self, answer: LeaseAnswer) {
        let held = matches!(answer, LeaseAnswer::Held(_));
        self.leased = held;
        self.stage = match (self.stage, held) {
            (Stage::Lease, true) => Stage::Lookup,
            (Stage::Lease, false) => {
                self.refusal = answer.refusal();
                Stage::Respond
            }
            (_, true) => Stage::Reread,
            // Refused: the markers are rewritten another time.
            (_, false) => Stage::Done,
        };
    }

    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                // An empty batch yields to the operation, which asks for the lease
                // (`wants_lease`) before polling again.
                Stage::Lease | Stage::RefreshLease => return Step::Io(Vec::new()),
                Stage::Lookup => {
                    self.stage = Stage::Respond;
                    self.lookup(budget)
                }
                Stage::Respond => {
                    if let Some(e) = self.refusal.take() {
                        self.stage = Stage::Done;
                        return Step::Respond(Response {
                            status: e.status(),
                            body: e.to_body(),
                        });
                    }
                    let due = self.due().next().is_some();
                    self.stage = match (due, self.leased) {
                        (false, _) => Stage::Done,
                        (true, true) => Stage::Refresh,
                        (true, false) => Stage::RefreshLease,
                    };
                    return Step::Respond(self.response());
                }
                Stage::Reread => {
                    self.stage = Stage::Refresh;
                    self.reread(budget)
                }
                Stage::Refresh => {
                    self.stage = Stage::Done;
                    self.refresh(budget)
                }
                Stage::Done => return Step::Done,
            };
            if !batch.is_empty() {
                return Step::Io(batch);
            }
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        if self.stage == Stage::Refresh && !self.rereading.is_empty() {
            self.reread_outcomes(outcomes);
            return;
        }
        // Refresh outcomes need nothing: a marker whose rewrite failed is still valid until
        // its TTL, and is due again next time.
        if self.stage != Stage::Respond {
            return;
        }
        let size = self.config.kv_bulk_get_size;
        for (group, outcome) in outcomes.into_iter().enumerate() {
            let start = group * size;
            let end = (start + size).min(self.listed.len());
            let values = match outcome {
                Ok(Reply::KvGet { values }) if values.len() == end - start => values,
                // A failed read answers "needed": the client sends the chunk, which is
                // always safe (indexing is idempotent), never "cached" on a guess.
                _ => {
                    self.seen[start..end].fill(Seen::Needed);
                    continue;
                }
            };
            let listed = &self.listed[start..end];
            for ((seen, value), listed) in self.seen[start..end].iter_mut().zip(values).zip(listed)
            {
                *seen = match value.and_then(|v| read_marker(&self.config, &v, self.now)) {
                    Some(read) if read.holds(listed.locations_digest().as_deref()) => {
                        Seen::Cached(read)
                    }
                    _ => Seen::Needed,
                };
            }
        }
    }
}

/// The rewrite of a live marker that is due: the same files, written now. A marker of the
/// seed's or an older form is rewritten in today's form, its files still unknown.
pub(crate) fn refresh_marker(
    names: &TenantNames,
    hash: &str,
    read: &MarkerRead,
    now: u64,
) -> Effect {
    let key = names.marker_key(hash);
    let (value, metadata) = NewMarker {
        now,
        paths: read.paths.as_deref(),
        hash: names.key_is_cut(&key).then_some(hash),
        words: read.words,
    }
    .encode();
    Effect::KvPut {
        key,
        value,
        ttl_seconds: None,
        metadata: Some(metadata),
    }
}
