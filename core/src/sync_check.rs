//! `sync` phase 1: which of these hashes must the client send? Answered from THIS tenant's
//! markers alone (invariant 2), read in bulk; cached markers are rewritten only when due,
//! after the response, within what is left of the budget.

use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::marker::{marker_value, read_marker};
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::request::CheckRequest;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Unread,
    Needed,
    Cached { due: bool },
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
    hashes: Vec<String>,
    names: TenantNames,
    seen: Vec<Seen>,
    stage: Stage,
}

impl SyncCheck {
    pub(crate) fn new(config: Arc<Config>, request: CheckRequest, now: u64) -> Self {
        let CheckRequest { tenant, hashes } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let seen = vec![Seen::Unread; hashes.len()];
        Self {
            config,
            now,
            hashes,
            names,
            seen,
            stage: Stage::Lookup,
        }
    }

    /// Bulk reads of the markers that fit the budget; their keys are made here, for those
    /// alone.
    fn lookup(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        let readable = budget.kv().saturating_mul(size).min(self.hashes.len());
        for seen in &mut self.seen[readable..] {
            *seen = Seen::Deferred;
        }
        self.hashes[..readable]
            .chunks(size)
            .map(|hashes| Effect::KvGet {
                keys: hashes.iter().map(|h| self.names.marker_key(h)).collect(),
            })
            .collect()
    }

    fn response(&self) -> Response {
        let pick = |want: fn(Seen) -> bool| -> Vec<&str> {
            self.hashes
                .iter()
                .zip(&self.seen)
                .filter(|(_, s)| want(**s))
                .map(|(h, _)| h.as_str())
                .collect()
        };
        Response {
            status: 200,
            body: json!({
                "needed": pick(|s| matches!(s, Seen::Needed | Seen::Unread)),
                "cached": pick(|s| matches!(s, Seen::Cached { .. })),
                "deferred": pick(|s| s == Seen::Deferred),
            }),
        }
    }

    fn refresh(&self, budget: &Budget) -> Vec<Effect> {
        self.hashes
            .iter()
            .zip(&self.seen)
            .filter(|(_, s)| **s == Seen::Cached { due: true })
            .take(budget.kv())
            .map(|(hash, _)| Effect::KvPut {
                key: self.names.marker_key(hash),
                value: marker_value(self.now),
                ttl_seconds: Some(self.config.marker_ttl_seconds),
            })
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
            let end = (start + size).min(self.hashes.len());
            let values = match outcome {
                Ok(Reply::KvGet { values }) if values.len() == end - start => values,
                // A failed read answers "needed": the client sends the chunk, which is
                // always safe (indexing is idempotent), never "cached" on a guess.
                _ => {
                    self.seen[start..end].fill(Seen::Needed);
                    continue;
                }
            };
            for (seen, value) in self.seen[start..end].iter_mut().zip(values) {
                *seen = match value.and_then(|v| read_marker(&self.config, &v, self.now)) {
                    Some(due) => Seen::Cached { due },
                    None => Seen::Needed,
                };
            }
        }
    }
}
