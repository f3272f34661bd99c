//! `sync` phase 1: which of these hashes must the client send? Answered from THIS tenant's
//! markers alone (invariant 2), read in bulk: cached when a live marker holds the chunk at
//! the files the client names (any files when it names none). Cached markers are rewritten
//! only when due, after the response, within what is left of the budget. A listing marked
//! `complete` is answered by `complete_sync.rs` instead.

use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::marker::{MarkerRead, NewMarker, read_marker};
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::request::{CheckRequest, Listed};

#[derive(Clone, PartialEq, Eq)]
enum Seen {
    Unread,
    Needed,
    Cached(MarkerRead),
    Deferred,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Lookup,
    Respond,
    Refresh,
    Done,
}

/// Phase 1 of a sync.
pub(crate) struct SyncCheck {
    config: Arc<Config>,
    now: u64,
    listed: Vec<Listed>,
    names: TenantNames,
    seen: Vec<Seen>,
    stage: Stage,
}

impl SyncCheck {
    pub(crate) fn new(config: Arc<Config>, request: CheckRequest, now: u64) -> Self {
        let CheckRequest { tenant, listed, .. } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let seen = vec![Seen::Unread; listed.len()];
        Self {
            config,
            now,
            listed,
            names,
            seen,
            stage: Stage::Lookup,
        }
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

    fn refresh(&self, budget: &Budget) -> Vec<Effect> {
        self.listed
            .iter()
            .zip(&self.seen)
            .filter_map(|(l, s)| match s {
                Seen::Cached(read) if read.due => Some((l, read)),
                _ => None,
            })
            .take(budget.kv())
            .map(|(listed, read)| refresh_marker(&self.names, &listed.hash, read, self.now))
            .collect()
    }
}

impl Procedure for SyncCheck {
    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                Stage::Lookup => {
                    self.stage = Stage::Respond;
                    self.lookup(budget)
                }
                Stage::Respond => {
                    self.stage = Stage::Refresh;
                    return Step::Respond(self.response());
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
                    Some(read) if read.holds(listed.paths_digest().as_deref()) => {
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
    }
    .encode();
    Effect::KvPut {
        key,
        value,
        ttl_seconds: None,
        metadata: Some(metadata),
    }
}
