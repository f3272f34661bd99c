//! `remove`: the caller's chunks (`hashes`) or the caller's whole project (`all`) leave the
//! index: vectors, markers and journals; never the shared cache, which other tenants use.
//! For `all`, the tenant's record is listed first; what does not fit the budget is
//! `deferred`, and `moreToRemove` says to send the request again.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::journal::{journal_reads, journals_read};
use crate::listing::Listing;
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::removal::{Doomed, Fate, OldJournal, Removal};
use crate::request::{RemoveRequest, RemoveTarget};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    ReadState,
    /// The state's read is in flight.
    StateRead,
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
    names: TenantNames,
    /// `Some` for `all`: the tenant's record, listed.
    listing: Option<Listing>,
    doomed: Vec<Doomed>,
    journal_keys: Vec<String>,
    journals: Vec<OldJournal>,
    unknown_left: bool,
    /// Whether the tenant's record state may exist (deleted before anything changes).
    state: bool,
    removal: Option<Removal>,
    stage: Stage,
}

impl Remove {
    pub(crate) fn new(config: Arc<Config>, request: RemoveRequest, now: u64) -> Self {
        let RemoveRequest { tenant, target } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let (listing, doomed, stage) = match target {
            RemoveTarget::All => (
                Some(Listing::new(&config, names.roots())),
                Vec::new(),
                Stage::List,
            ),
            RemoveTarget::Hashes(hashes) => {
                let doomed = hashes
                    .into_iter()
                    .map(|hash| Doomed {
                        marker: names.marker_key(&hash),
                        hash,
                    })
                    .collect();
                (None, doomed, Stage::ReadState)
            }
        };
        Self {
            config,
            now,
            names,
            listing,
            doomed,
            journal_keys: Vec::new(),
            journals: Vec::new(),
            unknown_left: false,
            state: true,
            removal: None,
            stage,
        }
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
                    });
                }
            }
        }
        let state = self.state.then(|| self.names.state_key());
        self.removal = Some(
            Removal::new(
                self.config.clone(),
                self.names.clone(),
                self.now,
                std::mem::take(&mut self.doomed),
                std::mem::take(&mut self.journals),
                HashSet::new(),
            )
            .invalidating(state),
        );
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
    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                Stage::ReadState => {
                    self.stage = Stage::StateRead;
                    vec![Effect::KvGet {
                        keys: vec![self.names.state_key()],
                    }]
                }
                Stage::StateRead => {
                    self.stage = Stage::Decide;
                    Vec::new()
                }
                Stage::List => {
                    let listing = self.listing.as_mut().expect("listed for all");
                    let batch = listing.next(budget);
                    if batch.is_empty() {
                        let record = listing.record(&self.names, &self.config, self.now);
                        self.unknown_left |= !listing.complete();
                        // Not found by a complete listing: absent. Else it may be there.
                        self.state = record.state.is_some() || !listing.complete();
                        self.doomed = record
                            .markers
                            .into_iter()
                            .map(|m| Doomed {
                                hash: m.hash,
                                marker: m.key,
                            })
                            .collect();
                        self.journal_keys = record.journals;
                        self.stage = Stage::ReadJournals;
                    }
                    batch
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
                    return Step::Respond(self.response());
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
            Stage::StateRead => {
                let absent = matches!(outcomes.first(), Some(Ok(Reply::KvGet { values })) if values.first() == Some(&None));
                self.state = !absent;
            }
            Stage::List => {
                if let Some(listing) = &mut self.listing {
                    listing.handle(outcomes);
                }
            }
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
