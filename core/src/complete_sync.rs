//! `sync` phase 1 with `"complete": true`: the listing is the tenant's whole project (or,
//! with `hashPrefixes`, the whole of one part of it). The tenant's record is listed (its
//! markers come with their metadata, so no marker is read one by one); each listed hash is
//! cached when a live marker holds it at the same files, else needed; every chunk of the
//! record in scope that the listing does not name is removed, as the budget allows, and
//! named in `removed`. `moreToRemove` says a later complete sync has more to remove.
//! Due markers of cached chunks are rewritten after the response.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::json;

use crate::config::Config;
use crate::effect::{Effect, Outcome, Response, Step};
use crate::journal::{journal_reads, journals_read};
use crate::listing::{Listing, SeenMarker};
use crate::marker::MarkerRead;
use crate::names::TenantNames;
use crate::operation::{Budget, Procedure};
use crate::removal::{Doomed, Fate, OldJournal, Removal};
use crate::request::{CheckRequest, Listed, Scope};
use crate::sync_check::refresh_marker;

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
    List,
    ReadJournals,
    /// The journals' reads are in flight; then the answers and the removal are decided.
    Decide,
    Remove,
    Respond,
    Refresh,
    Done,
}

/// A complete phase 1 in progress.
pub(crate) struct CompleteSync {
    config: Arc<Config>,
    now: u64,
    names: TenantNames,
    listed: Vec<Listed>,
    scope: Scope,
    listing: Listing,
    /// The markers the listing found.
    markers: Vec<SeenMarker>,
    /// Journal keys found, and the chunks of those read.
    journal_keys: Vec<String>,
    journals: Vec<OldJournal>,
    /// Journals that could not be read: what they name is unknown.
    unread_journals: bool,
    answers: Vec<Answer>,
    removal: Option<Removal>,
    stage: Stage,
}

impl CompleteSync {
    pub(crate) fn new(config: Arc<Config>, request: CheckRequest, scope: Scope, now: u64) -> Self {
        let CheckRequest { tenant, listed, .. } = request;
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
            config,
            now,
            names,
            listed,
            scope,
            journal_keys: Vec::new(),
            journals: Vec::new(),
            unread_journals: false,
            removal: None,
            stage: Stage::List,
        }
    }

    fn covers(&self, hash: &str) -> bool {
        match &self.scope {
            Scope::Project => true,
            Scope::HashPrefixes(prefixes) => prefixes.iter().any(|p| hash.starts_with(p.as_str())),
        }
    }

    /// Answers each listed hash from the record and starts removing what it does not name.
    fn decide(&mut self) {
        let markers = std::mem::take(&mut self.markers);
        let complete = self.listing.complete();
        let by_hash: HashMap<&str, &SeenMarker> =
            markers.iter().map(|m| (m.hash.as_str(), m)).collect();
        for (answer, listed) in self.answers.iter_mut().zip(&self.listed) {
            *answer = match by_hash.get(listed.hash.as_str()) {
                Some(marker) => match &marker.read {
                    Some(read) if read.holds(listed.paths.as_deref()) => Answer::Cached {
                        marker: (*marker).clone(),
                        read: read.clone(),
                    },
                    _ => Answer::Needed,
                },
                None if complete => Answer::Needed,
                None => Answer::Deferred,
            };
        }
        let listed: HashSet<&str> = self.listed.iter().map(|l| l.hash.as_str()).collect();
        let mut doomed: Vec<Doomed> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for marker in &markers {
            seen.insert(&marker.hash);
            if !listed.contains(marker.hash.as_str()) && self.covers(&marker.hash) {
                doomed.push(Doomed {
                    hash: marker.hash.clone(),
                    marker: Some(marker.key.clone()),
                });
            }
        }
        for journal in &self.journals {
            for hash in &journal.hashes {
                if !listed.contains(hash.as_str()) && self.covers(hash) && seen.insert(hash) {
                    doomed.push(Doomed {
                        hash: hash.clone(),
                        marker: None,
                    });
                }
            }
        }
        let gone: HashSet<&str> = doomed.iter().map(|d| d.hash.as_str()).collect();
        let confirmed = markers
            .iter()
            .filter(|m| !gone.contains(m.hash.as_str()))
            .map(|m| m.hash.clone())
            .collect();
        self.removal = Some(Removal::new(
            self.config.clone(),
            self.names.clone(),
            self.now,
            doomed,
            std::mem::take(&mut self.journals),
            confirmed,
        ));
    }

    fn response(&self) -> Response {
        let pick = |want: fn(&Answer) -> bool| -> Vec<&str> {
            self.listed
                .iter()
                .zip(&self.answers)
                .filter(|(_, a)| want(a))
                .map(|(l, _)| l.hash.as_str())
                .collect()
        };
        let (mut removed, mut left) = (Vec::new(), Vec::new());
        for (hash, fate) in self.removal.iter().flat_map(Removal::fates) {
            if *fate == Fate::Removed {
                removed.push(hash);
            } else {
                left.push(hash);
            }
        }
        let more = !left.is_empty() || !self.listing.complete() || self.unread_journals;
        Response {
            status: 200,
            body: json!({
                "needed": pick(|a| *a == Answer::Needed),
                "cached": pick(|a| matches!(a, Answer::Cached { .. })),
                "deferred": pick(|a| *a == Answer::Deferred),
                "removed": removed,
                "removeDeferred": left,
                "moreToRemove": more,
            }),
        }
    }

    fn refresh(&self, budget: &Budget) -> Vec<Effect> {
        self.answers
            .iter()
            .filter_map(|a| match a {
                Answer::Cached { marker, read } if read.due => Some((marker, read)),
                _ => None,
            })
            .take(budget.kv())
            .map(|(marker, read)| refresh_marker(&self.names, &marker.hash, read, self.now))
            .collect()
    }
}

impl Procedure for CompleteSync {
    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
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
        match self.stage {
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
            // Refresh outcomes need nothing: a marker whose rewrite failed is still valid
            // until its lifetime ends, and is due again next time.
            _ => {}
        }
    }
}
