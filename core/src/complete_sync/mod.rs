//! `sync` phase 1 with `"complete": true`: the listing is the tenant's whole project (or,
//! with `hashPrefixes`, the whole of one part of it).
//!
//! 1. Read the tenant's record state from the coordinator (one call): when it vouches for
//!    this scope with this listing's digest, every listed chunk is cached and nothing is
//!    removed, and that is the answer (`"unchanged": true`): no marker is listed or read
//!    (`shortcut.rs`). A root-only phase 1, which sends the digest alone, is answered so, or
//!    `"unchanged": false`. Neither takes the tenant's lease: the state is read in one call
//!    from the one consistent place, and every request that changes the index removes it
//!    first, under the lease.
//! 2. Else take the tenant's lease (`lease.rs`; refused, the request is answered 409
//!    `tenant_busy`), read the state again, and list the tenant's record (markers come with
//!    their metadata, so no marker is read one by one) and read the journals found; each
//!    listed hash is cached when a live marker holds it at the same files, else needed;
//!    every chunk of the record in scope that the listing does not name is removed, as the
//!    budget allows (`decide.rs`), the record state removed first.
//! 3. Respond: `removed`, `removeDeferred`, `moreToRemove` (a later complete sync has more to
//!    remove). After the response, rewrite due markers of cached chunks, and when the
//!    listing proved to be exactly the index, write the record state for next time; then
//!    the lease is released.

mod decide;
mod shortcut;

use std::sync::Arc;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step};
use crate::error::RequestError;
use crate::journal::{journal_reads, journals_read};
use crate::lease::{LeaseAnswer, read_state};
use crate::listing::{Listing, SeenMarker};
use crate::marker::MarkerRead;
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::removal::{OldJournal, Removal};
use crate::request::{CheckRequest, Listed, Scope, Tenant};
use crate::sync_check::refresh_marker;
use shortcut::StateRead;

#[derive(Clone, Debug, PartialEq)]
enum Answer {
    Needed,
    Cached {
        marker: SeenMarker,
        read: MarkerRead,
    },
    Deferred,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    ReadState,
    /// The state's read is in flight: then the shortcut, or the lease.
    Shortcut,
    /// The lease is asked for; then the state is read again, under it.
    Lease,
    List,
    ReadJournals,
    /// The journals' reads are in flight; then the answers and the removal are decided.
    Decide,
    Remove,
    Respond,
    Refresh,
    Record,
    Done,
}

/// A complete phase 1 in progress.
pub(crate) struct CompleteSync {
    config: Arc<Config>,
    now: u64,
    tenant: Tenant,
    names: TenantNames,
    /// The lease's token, once held.
    token: Option<u64>,
    /// Refused: the lease was not granted.
    refusal: Option<RequestError>,
    listed: Vec<Listed>,
    /// The digest a root-only phase 1 sent instead of its listing.
    root_only: Option<String>,
    scope: Scope,
    state: StateRead,
    /// Answered from the record state.
    unchanged: bool,
    listing: Listing,
    /// The markers the listing found.
    markers: Vec<SeenMarker>,
    /// Journal keys found, and the chunks of those read.
    journal_keys: Vec<String>,
    journals: Vec<OldJournal>,
    /// Journals that could not be read: what they name is unknown.
    unread_journals: bool,
    answers: Vec<Answer>,
    /// Per answer, whether its marker's refresh was written.
    refreshed: Vec<bool>,
    /// The answers whose refresh is in flight.
    refreshing: Vec<usize>,
    removal: Option<Removal>,
    stage: Stage,
}

impl CompleteSync {
    pub(crate) fn new(config: Arc<Config>, request: CheckRequest, scope: Scope, now: u64) -> Self {
        let CheckRequest {
            tenant,
            listed,
            digest,
            ..
        } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let prefixes = match &scope {
            Scope::Project => names.roots(),
            Scope::HashPrefixes(prefixes) => prefixes
                .iter()
                .flat_map(|p| names.roots_for(p))
                .chain(std::iter::once(names.journal_root()))
                .collect(),
        };
        Self {
            listing: Listing::new(&config, prefixes),
            markers: Vec::new(),
            answers: vec![Answer::Deferred; listed.len()],
            refreshed: vec![false; listed.len()],
            refreshing: Vec::new(),
            root_only: digest,
            config,
            now,
            tenant,
            names,
            token: None,
            refusal: None,
            listed,
            scope,
            state: StateRead::Unread,
            unchanged: false,
            journal_keys: Vec::new(),
            journals: Vec::new(),
            unread_journals: false,
            removal: None,
            stage: Stage::ReadState,
        }
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    fn refresh(&mut self, budget: &Budget) -> Vec<Effect> {
        let due: Vec<usize> = (0..self.answers.len())
            .filter(|&i| matches!(&self.answers[i], Answer::Cached { read, .. } if read.due))
            .take(budget.kv())
            .collect();
        self.refreshing = due.clone();
        due.into_iter()
            .filter_map(|i| match &self.answers[i] {
                Answer::Cached { marker, read } => {
                    Some(refresh_marker(&self.names, &marker.hash, read, self.now))
                }
                _ => None,
            })
            .collect()
    }
}

impl Procedure for CompleteSync {
    fn wants_lease(&self) -> bool {
        self.stage == Stage::Lease
    }

    fn leased(&mut self, answer: LeaseAnswer) {
        if let LeaseAnswer::Held(token) = answer {
            self.token = Some(token);
            self.stage = Stage::ReadState;
        } else {
            self.refusal = answer.refusal();
            self.stage = Stage::Respond;
        }
    }

    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                Stage::ReadState => {
                    self.stage = Stage::Shortcut;
                    vec![read_state(&self.tenant)]
                }
                Stage::Shortcut => {
                    // A root-only phase 1 has no listing to compare: vouched for, or not.
                    self.stage = if self.shortcut() || self.root_only.is_some() {
                        Stage::Respond
                    } else if self.token.is_none() {
                        Stage::Lease
                    } else {
                        Stage::List
                    };
                    Vec::new()
                }
                // An empty batch yields to the operation, which asks for the lease
                // (`wants_lease`) before polling again.
                Stage::Lease => return Step::Io(Vec::new()),
                Stage::List => {
                    let batch = self.listing.next(budget);
                    if batch.is_empty() {
                        let record = self.listing.record(&self.names, &self.config, self.now);
                        self.markers = record.markers;
                        self.journal_keys = record.journals;
                        self.stage = Stage::ReadJournals;
                    }
                    batch
                }
                Stage::ReadJournals => {
                    self.stage = Stage::Decide;
                    let (batch, unread) =
                        journal_reads(&mut self.journal_keys, &self.config, budget);
                    self.unread_journals |= unread;
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
                    if let Some(e) = self.refusal.take() {
                        self.stage = Stage::Done;
                        return Step::Respond(Response {
                            status: e.status(),
                            body: e.to_body(),
                        });
                    }
                    self.stage = if self.unchanged || self.root_only.is_some() {
                        Stage::Done
                    } else {
                        Stage::Refresh
                    };
                    return Step::Respond(self.response());
                }
                Stage::Refresh => {
                    self.stage = Stage::Record;
                    self.refresh(budget)
                }
                Stage::Record => {
                    self.stage = Stage::Done;
                    self.record_clean(budget)
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
            Stage::Shortcut => self.state = StateRead::from_outcome(outcomes.into_iter().next()),
            Stage::List => self.listing.handle(outcomes),
            Stage::Decide => {
                let (journals, unread) = journals_read(&self.journal_keys, &self.config, outcomes);
                self.journals = journals;
                self.unread_journals |= unread;
            }
            Stage::Remove => {
                if let Some(removal) = &mut self.removal {
                    removal.handle(outcomes);
                }
            }
            Stage::Record => {
                for (i, outcome) in std::mem::take(&mut self.refreshing)
                    .into_iter()
                    .zip(outcomes)
                {
                    self.refreshed[i] = matches!(outcome, Ok(Reply::KvPut));
                }
            }
            // A state that could not be written only costs a listing next time.
            _ => {}
        }
    }
}
