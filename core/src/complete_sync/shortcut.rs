//! The record state's part in a complete sync: the shortcut of an unchanged listing, and the
//! state written when a listing proved to be exactly the index (`record_state.rs`).

use std::collections::HashSet;

use super::{Answer, CompleteSync};
use crate::effect::{Effect, Outcome, Reply};
use crate::lease::write_state;
use crate::listing::SeenMarker;
use crate::marker::MarkerRead;
use crate::operation::Budget;
use crate::record_state::{CleanScope, RecordState, digest_of, scope_prefixes};

/// What the record state's read found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum StateRead {
    Unread,
    Absent,
    Present(RecordState),
    /// The read failed, or the value is of another form: it may exist.
    Unknown,
}

impl StateRead {
    pub(super) fn from_outcome(outcome: Option<Outcome>) -> Self {
        match outcome {
            Some(Ok(Reply::CoordinatorReadState { state })) => match state {
                None => Self::Absent,
                Some(value) => RecordState::decode(&value).map_or(Self::Unknown, Self::Present),
            },
            _ => Self::Unknown,
        }
    }

    /// Whether a key may be there to delete.
    pub(super) fn may_exist(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

impl CompleteSync {
    /// Answers from the record state when it vouches for this scope and listing: every
    /// listed chunk cached, nothing to remove. Returns whether it did.
    pub(super) fn shortcut(&mut self) -> bool {
        let StateRead::Present(state) = &self.state else {
            return false;
        };
        let digest = match &self.root_only {
            Some(digest) => digest.clone(),
            None => digest_of(&self.listed),
        };
        if !state.vouches(&self.scope, &digest, self.now, self.config.hybrid) {
            return false;
        }
        self.unchanged = true;
        self.answers = self
            .listed
            .iter()
            .map(|l| Answer::Cached {
                marker: SeenMarker {
                    hash: l.hash.clone(),
                    key: String::new(),
                    read: None,
                },
                // Not due, so never rewritten: its files need no digest.
                read: MarkerRead {
                    due: false,
                    written_at: None,
                    paths: None,
                    hash: None,
                    words: false,
                },
            })
            .collect();
        true
    }

    /// The record state once the listing proved to be exactly the index: every listed
    /// chunk cached, nothing left to remove, the record listed and its journals read
    /// whole, with the listing's counts of chunks and files for `status`; written to the coordinator under the lease, which refuses it if the lease
    /// ran out meanwhile.
    pub(super) fn record_clean(&self, budget: &Budget) -> Vec<Effect> {
        let (removed, left) = self.removal_fates();
        let Some(token) = self.token else {
            return Vec::new();
        };
        let clean = budget.calls() > 0
            && self
                .answers
                .iter()
                .all(|a| matches!(a, Answer::Cached { .. }))
            && removed.is_empty()
            && left.is_empty()
            && self.listing.complete()
            && !self.unread_journals
            && self.removal.as_ref().is_none_or(|r| !r.journals_left());
        if !clean {
            return Vec::new();
        }
        // The first marker to fall due: those refreshed now, the others when written.
        let refresh_due = self
            .answers
            .iter()
            .zip(&self.refreshed)
            .map(|(a, refreshed)| match a {
                Answer::Cached { read, .. } if !refreshed => read.written_at.unwrap_or(0),
                _ => self.now,
            })
            .min()
            .unwrap_or(self.now)
            .saturating_add(self.config.marker_refresh_after());
        let files: HashSet<&str> = self
            .listed
            .iter()
            .flat_map(|l| l.locations.iter().flatten())
            .map(|place| place.file_path.as_str())
            .collect();
        let own = CleanScope {
            prefixes: scope_prefixes(&self.scope),
            digest: digest_of(&self.listed),
            refresh_due,
            chunks: Some(self.listed.len() as u64),
            files: Some(files.len() as u64),
            at: Some(self.now),
            words: self.config.hybrid,
        };
        let state = match &self.state {
            StateRead::Present(state) => state.clone().with(own),
            _ => RecordState::default().with(own),
        };
        vec![write_state(&self.tenant, token, Some(state.encode()))]
    }
}
