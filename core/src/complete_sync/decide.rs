//! What a complete sync's listing and the tenant's record make together: each listed hash
//! answered, each chunk of the record the listing lacks removed, and the response.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::{Answer, CompleteSync};
use crate::effect::Response;
use crate::lease::write_state;
use crate::listing::SeenMarker;
use crate::removal::{Doomed, Fate, Removal};
use crate::request::Scope;

impl CompleteSync {
    pub(super) fn covers(&self, hash: &str) -> bool {
        match &self.scope {
            Scope::Project => true,
            Scope::HashPrefixes(prefixes) => prefixes.iter().any(|p| hash.starts_with(p.as_str())),
        }
    }

    /// Answers each listed hash from the record and starts removing what it does not name.
    pub(super) fn decide(&mut self) {
        let markers = std::mem::take(&mut self.markers);
        let complete = self.listing.complete();
        let by_hash: HashMap<&str, &SeenMarker> =
            markers.iter().map(|m| (m.hash.as_str(), m)).collect();
        for (answer, listed) in self.answers.iter_mut().zip(&self.listed) {
            *answer = match by_hash.get(listed.hash.as_str()) {
                Some(marker) => match &marker.read {
                    Some(read) if read.holds(listed.locations_digest().as_deref()) => {
                        Answer::Cached {
                            marker: (*marker).clone(),
                            read: read.clone(),
                        }
                    }
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
                    marker: marker.key.clone(),
                    listed: true,
                    counted: true,
                });
            }
        }
        // A journal's chunk the listing found no marker of: its marker may still be in a
        // page that could not be read, so it is deleted too (deleting a missing key is
        // harmless), before the vector.
        for journal in &self.journals {
            for hash in &journal.hashes {
                if !listed.contains(hash.as_str()) && self.covers(hash) && seen.insert(hash) {
                    doomed.push(Doomed {
                        hash: hash.clone(),
                        marker: self.names.marker_key(hash),
                        listed: false,
                        counted: false,
                    });
                }
            }
        }
        let quotas = self.config.quotas.is_some();
        let gone: HashSet<&str> = doomed.iter().map(|d| d.hash.as_str()).collect();
        let confirmed = markers
            .iter()
            .filter(|m| !gone.contains(m.hash.as_str()))
            .map(|m| m.hash.clone())
            .collect();
        let invalidate = if !doomed.is_empty() && self.state.may_exist() {
            let token = self.token.unwrap_or_default();
            vec![write_state(&self.tenant, token, None)]
        } else {
            Vec::new()
        };
        self.removal = Some(
            Removal::new(
                self.config.clone(),
                self.names.clone(),
                self.now,
                doomed,
                std::mem::take(&mut self.journals),
                confirmed,
            )
            .invalidating(invalidate)
            .crediting(quotas.then(|| self.tenant.clone()), self.now),
        );
    }

    /// The chunks removed, and those left to remove.
    pub(super) fn removal_fates(&self) -> (Vec<&str>, Vec<&str>) {
        let (mut removed, mut left) = (Vec::new(), Vec::new());
        for (hash, fate) in self.removal.iter().flat_map(Removal::fates) {
            if *fate == Fate::Removed {
                removed.push(hash);
            } else {
                left.push(hash);
            }
        }
        (removed, left)
    }

    pub(super) fn response(&self) -> Response {
        let pick = |want: fn(&Answer) -> bool| -> Vec<&str> {
            self.listed
                .iter()
                .zip(&self.answers)
                .filter(|(_, a)| want(a))
                .map(|(l, _)| l.hash.as_str())
                .collect()
        };
        let (removed, left) = self.removal_fates();
        // A root-only phase 1 that the record state does not vouch for knows nothing else.
        let unknown = self.root_only.is_some() && !self.unchanged;
        let more = !unknown
            && !self.unchanged
            && (!left.is_empty() || !self.listing.complete() || self.unread_journals);
        Response {
            status: 200,
            body: json!({
                "needed": pick(|a| *a == Answer::Needed),
                "cached": pick(|a| matches!(a, Answer::Cached { .. })),
                "deferred": pick(|a| *a == Answer::Deferred),
                "removed": removed,
                "removeDeferred": left,
                "moreToRemove": more,
                "unchanged": self.unchanged,
            }),
        }
    }
}
