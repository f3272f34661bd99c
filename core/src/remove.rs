//! `remove`: the caller's chunks (`hashes`) or the caller's whole project (`all`) leave the
//! index: vectors, markers and journals; never the shared cache, which other tenants use.
//! The tenant's lease comes first (`lease.rs`: a request of the tenant that holds it gets
//! this one refused). For `all`, the tenant's record is listed; what does not fit the
//! budget is `deferred`, and `moreToRemove` says to send the request again. With quotas
//! configured, the vectors of the chunks whose marker is found and deleted go back to the
//! user's quota (`quota.rs`); for `hashes`, their markers are read first (one bulk read
//! per 100), so that naming chunks the tenant never had frees nothing.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::error::RequestError;
use crate::journal::{journal_reads, journals_read};
use crate::lease::{LeaseAnswer, write_state};
use crate::listing::Listing;
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::removal::{Doomed, Fate, OldJournal, Removal};
use crate::request::{RemoveRequest, RemoveTarget, Tenant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The lease is asked for; then `List` (for `all`), `ReadMarkers` (for `hashes` with
    /// quotas) or `Decide`.
    Lease,
    ReadMarkers,
    /// The markers' reads are in flight.
    MarkersRead,
    List,
    ReadJournals,
    Decide,
    Remove,
    Respond,
    Done,
}

/// A `remove` in progress.
pub(crate) struct Remove {
    config: Arc<Config>,
    now: u64,
    tenant: Tenant,
    names: TenantNames,
    /// The lease's token, once held.
    token: Option<u64>,
    /// `Some` for `all`: the tenant's record, listed.
    listing: Option<Listing>,
    doomed: Vec<Doomed>,
    journal_keys: Vec<String>,
    journals: Vec<OldJournal>,
    unknown_left: bool,
    /// A record state an older engine kept in KV, found by the listing: it goes too.
    legacy_state: Option<String>,
    /// Chunks named whose markers the budget left no room to read: deferred.
    unread: Vec<String>,
    /// Refused: the lease was not granted.
    refusal: Option<RequestError>,
    removal: Option<Removal>,
    stage: Stage,
}

impl Remove {
    pub(crate) fn new(config: Arc<Config>, request: RemoveRequest, now: u64) -> Self {
        let RemoveRequest { tenant, target } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let (listing, doomed) = match target {
            RemoveTarget::All => (Some(Listing::new(&config, names.roots())), Vec::new()),
            RemoveTarget::Hashes(hashes) => {
                let doomed = hashes
                    .into_iter()
                    .map(|hash| Doomed {
                        marker: names.marker_key(&hash),
                        hash,
                        listed: false,
                        counted: false,
                    })
                    .collect();
                (None, doomed)
            }
        };
        Self {
            config,
            now,
            tenant,
            names,
            token: None,
            listing,
            doomed,
            journal_keys: Vec::new(),
            journals: Vec::new(),
            unknown_left: false,
            legacy_state: None,
            unread: Vec::new(),
            refusal: None,
            removal: None,
            stage: Stage::Lease,
        }
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    fn decide(&mut self) {
        let mut seen: HashSet<String> = self.doomed.iter().map(|d| d.hash.clone()).collect();
        // A journal's chunk whose marker was not found: it may be in a page that could not
        // be read, so it is deleted too (a missing key is no error), before the vector.
        for journal in &self.journals {
            for hash in &journal.hashes {
                if seen.insert(hash.clone()) {
                    self.doomed.push(Doomed {
                        marker: self.names.marker_key(hash),
                        hash: hash.clone(),
                        listed: false,
                        counted: false,
                    });
                }
            }
        }
        let token = self.token.unwrap_or_default();
        let mut invalidate = vec![write_state(&self.tenant, token, None)];
        invalidate.extend(self.legacy_state.take().map(|key| Effect::KvDelete { key }));
        self.removal = Some(
            Removal::new(
                self.config.clone(),
                self.names.clone(),
                self.now,
                std::mem::take(&mut self.doomed),
                std::mem::take(&mut self.journals),
                HashSet::new(),
            )
            .invalidating(invalidate)
            .crediting(self.config.quotas.map(|_| self.tenant.clone()), self.now),
        );
    }

    /// For `hashes` with quotas: reads the named chunks' markers, as many as the budget can
    /// then remove (the rest are deferred), so that only a marker found frees a vector.
    fn read_markers(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        // Reading `k` markers, then removing those chunks: the reads, a journal written and
        // deleted and `k` marker deletes in KV; besides, the record state's removal, the
        // credit and the vector deletes.
        let fits = |k: usize| {
            let kv = k.div_ceil(size) + 2 + k;
            kv <= budget.kv() && kv + 2 + self.config.vector_deletes(k) <= budget.calls()
        };
        let mut readable = 0;
        while readable < self.doomed.len() && fits(readable + 1) {
            readable += 1;
        }
        self.unread = self
            .doomed
            .split_off(readable)
            .into_iter()
            .map(|d| d.hash)
            .collect();
        self.doomed
            .chunks(size)
            .map(|group| Effect::KvGet {
                keys: group.iter().map(|d| d.marker.clone()).collect(),
            })
            .collect()
    }

    /// A marker found counts its chunk's vector as the user's. A chunk whose marker could
    /// not be read is deferred: removed now, it would free nothing, and the user's count
    /// would stay high.
    fn markers_read(&mut self, outcomes: Vec<Outcome>) {
        let size = self.config.kv_bulk_get_size;
        let mut unread = Vec::new();
        let doomed = std::mem::take(&mut self.doomed);
        let mut outcomes = outcomes.into_iter();
        for group in doomed.chunks(size) {
            match outcomes.next() {
                Some(Ok(Reply::KvGet { values })) if values.len() == group.len() => {
                    for (doomed, value) in group.iter().zip(values) {
                        let counted = value.is_some();
                        self.doomed.push(Doomed {
                            counted,
                            ..doomed.clone()
                        });
                    }
                }
                _ => unread.extend(group.iter().map(|d| d.hash.clone())),
            }
        }
        unread.append(&mut self.unread);
        self.unread = unread;
    }

    fn response(&self) -> Response {
        let (mut removed, mut failed, mut deferred) = (Vec::new(), Vec::new(), Vec::new());
        for (hash, fate) in self.removal.iter().flat_map(Removal::fates) {
            match fate {
                Fate::Removed => removed.push(json!(hash)),
                Fate::Failed(e) => failed.push(json!({
                    "hash": hash,
                    "error": { "code": e.code, "message": e.message },
                })),
                Fate::Deferred => deferred.push(json!(hash)),
            }
        }
        deferred.extend(self.unread.iter().map(|hash| json!(hash)));
        // `all` leaves nothing behind, journals included, before it says it is done.
        let journals =
            self.listing.is_some() && self.removal.as_ref().is_some_and(Removal::journals_left);
        let more = self.unknown_left || journals || !failed.is_empty() || !deferred.is_empty();
        Response {
            status: 200,
            body: json!({
                "removed": removed,
                "failed": failed,
                "deferred": deferred,
                "moreToRemove": more,
            }),
        }
    }
}

impl Procedure for Remove {
    fn wants_lease(&self) -> bool {
        self.stage == Stage::Lease
    }

    fn leased(&mut self, answer: LeaseAnswer) {
        if let LeaseAnswer::Held(token) = answer {
            self.token = Some(token);
            self.stage = match (&self.listing, self.config.quotas) {
                (Some(_), _) => Stage::List,
                (None, Some(_)) => Stage::ReadMarkers,
                (None, None) => Stage::Decide,
            };
        } else {
            self.refusal = answer.refusal();
            self.stage = Stage::Respond;
        }
    }

    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                // An empty batch yields to the operation, which asks for the lease
                // (`wants_lease`) before polling again.
                Stage::Lease => return Step::Io(Vec::new()),
                Stage::List => {
                    let listing = self.listing.as_mut().expect("listed for all");
                    let batch = listing.next(budget);
                    if batch.is_empty() {
                        let record = listing.record(&self.names, &self.config, self.now);
                        self.unknown_left |= !listing.complete();
                        self.legacy_state = record.state;
                        self.doomed = record
                            .markers
                            .into_iter()
                            .map(|m| Doomed {
                                hash: m.hash,
                                marker: m.key,
                                listed: true,
                                counted: true,
                            })
                            .collect();
                        self.journal_keys = record.journals;
                        self.stage = Stage::ReadJournals;
                    }
                    batch
                }
                Stage::ReadMarkers => {
                    self.stage = Stage::MarkersRead;
                    self.read_markers(budget)
                }
                Stage::MarkersRead => {
                    self.stage = Stage::Decide;
                    Vec::new()
                }
                Stage::ReadJournals => {
                    self.stage = Stage::Decide;
                    let (batch, unread) =
                        journal_reads(&mut self.journal_keys, &self.config, budget);
                    self.unknown_left |= unread;
                    batch
                }
                Stage::Decide => {
                    self.decide();
                    self.stage = Stage::Remove;
                    Vec::new()
                }
                Stage::Remove => match self.removal.as_mut().map(|r| r.next(budget)) {
                    Some(batch) if !batch.is_empty() => batch,
                    _ => {
                        self.stage = Stage::Respond;
                        Vec::new()
                    }
                },
                Stage::Respond => {
                    self.stage = Stage::Done;
                    return Step::Respond(match self.refusal.take() {
                        Some(e) => Response {
                            status: e.status(),
                            body: e.to_body(),
                        },
                        None => self.response(),
                    });
                }
                Stage::Done => return Step::Done,
            };
            if !batch.is_empty() {
                return Step::Io(batch);
            }
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        match self.stage {
            Stage::List => {
                if let Some(listing) = &mut self.listing {
                    listing.handle(outcomes);
                }
            }
            Stage::MarkersRead => self.markers_read(outcomes),
            Stage::Decide => {
                let (journals, unread) = journals_read(&self.journal_keys, &self.config, outcomes);
                self.journals = journals;
                self.unknown_left |= unread;
            }
            Stage::Remove => {
                if let Some(removal) = &mut self.removal {
                    removal.handle(outcomes);
                }
            }
            _ => {}
        }
    }
}
