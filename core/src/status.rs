//! `status`: what one project's index holds, for people and agents (an MCP tool
//! `index_status`): its chunks and files and when a complete sync last found the listing to
//! be exactly the index. Answered from the tenant's record state (`record_state.rs`) in one
//! coordinator call, without the lease: every request that changes the index removes the
//! state first, so a state read is true when read.
//!
//! The state covers the project when it has an entry for the whole project, or part
//! entries (a listing sent in parts, `hashPrefixes`) whose prefixes together cover every
//! lower-case hexadecimal hash (the SHA-256 digests `index-sync` sends; where entries
//! overlap, the shorter prefix's is taken). Part entries are summed: chunks exactly (each
//! hash is in one part), files once per part holding some of their chunks (an upper bound),
//! and the oldest part's time. Otherwise the project is not known to be indexed: it changed
//! since its last complete sync, or was never synced completely.

use std::collections::BTreeSet;

use serde_json::json;

use crate::calendar::timestamp;
use crate::effect::{Outcome, Reply, Response, Step, WRONG_REPLY};
use crate::error::{RequestError, RequestErrorKind};
use crate::lease::read_state;
use crate::operation::{Budget, Procedure};
use crate::record_state::{CleanScope, RecordState};
use crate::request::StatusRequest;

/// The digits of the hashes whose prefixes can cover a project.
const HEX_DIGITS: &str = "0123456789abcdef";

enum Stage {
    Read,
    Reading,
    Respond(Response),
    Done,
}

/// A `status` in progress.
pub(crate) struct IndexStatus {
    request: StatusRequest,
    stage: Stage,
}

impl IndexStatus {
    pub(crate) fn new(request: StatusRequest) -> Self {
        Self {
            request,
            stage: Stage::Read,
        }
    }

    fn response(&self, state: Option<&RecordState>) -> Response {
        let project = &self.request.tenant.project;
        let counted = state.and_then(covering).and_then(|scopes| {
            scopes.iter().try_fold((0, 0, u64::MAX), |(c, f, at), s| {
                Some((c + s.chunks?, f + s.files?, at.min(s.at?)))
            })
        });
        let body = match counted {
            Some((chunks, files, at)) => json!({
                "projectId": project,
                "indexed": true,
                "chunks": chunks,
                "files": files,
                "checkedAt": timestamp(at),
            }),
            None => json!({
                "projectId": project,
                "indexed": false,
                "message": "the index changed since its last complete sync, or was never synced \
                            completely: its counts are recorded when a complete sync finds its \
                            listing to be exactly the index (index-sync index or push)",
            }),
        };
        Response { status: 200, body }
    }
}

/// The entries that together cover the project: the whole project's, or parts whose
/// prefixes cover every hexadecimal hash; `None` when they do not.
fn covering(state: &RecordState) -> Option<Vec<&CleanScope>> {
    if let Some(whole) = state.scopes.iter().find(|s| s.prefixes.is_empty()) {
        return Some(vec![whole]);
    }
    let mut used = BTreeSet::new();
    cover(state, String::new(), &mut used)
        .then(|| used.into_iter().map(|i| &state.scopes[i]).collect())
}

/// Whether every hash that starts with `prefix` is under some entry's prefix; the entries
/// used are added to `used`.
fn cover(state: &RecordState, prefix: String, used: &mut BTreeSet<usize>) -> bool {
    let named = state
        .scopes
        .iter()
        .position(|s| s.prefixes.contains(&prefix));
    if let Some(i) = named {
        used.insert(i);
        return true;
    }
    let longer = state
        .scopes
        .iter()
        .flat_map(|s| &s.prefixes)
        .any(|p| p.len() > prefix.len() && p.starts_with(prefix.as_str()));
    longer
        && HEX_DIGITS
            .chars()
            .all(|digit| cover(state, format!("{prefix}{digit}"), used))
}

fn unavailable(message: String) -> Response {
    let error = RequestError::new(RequestErrorKind::CoordinatorUnavailable, message);
    Response {
        status: error.status(),
        body: error.to_body(),
    }
}

impl Procedure for IndexStatus {
    fn poll(&mut self, budget: &Budget) -> Step {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Read if budget.calls() == 0 => {
                let error = RequestError::new(
                    RequestErrorKind::BudgetSpent,
                    "the operation budget is spent",
                );
                Step::Respond(Response {
                    status: error.status(),
                    body: error.to_body(),
                })
            }
            Stage::Read => {
                self.stage = Stage::Reading;
                Step::Io(vec![read_state(&self.request.tenant)])
            }
            Stage::Respond(response) => Step::Respond(response),
            Stage::Reading | Stage::Done => Step::Done,
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        let response = match outcomes.into_iter().next() {
            Some(Ok(Reply::CoordinatorReadState { state })) => {
                // A state of another form vouches for nothing.
                let state = state.as_deref().and_then(RecordState::decode);
                self.response(state.as_ref())
            }
            Some(Err(e)) => unavailable(format!(
                "the coordinator could not be asked for the record state ({}: {}); resend",
                e.code, e.message
            )),
            _ => unavailable(format!("the record state: {WRONG_REPLY}")),
        };
        self.stage = Stage::Respond(response);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(prefixes: &[&str], chunks: u64, files: u64, at: u64) -> CleanScope {
        CleanScope {
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            digest: String::new(),
            refresh_due: 0,
            chunks: Some(chunks),
            files: Some(files),
            at: Some(at),
            words: false,
        }
    }

    fn counts(scopes: Vec<CleanScope>) -> Option<(u64, u64)> {
        let state = RecordState { scopes };
        covering(&state).map(|s| {
            (
                s.iter().map(|s| s.chunks.unwrap()).sum(),
                s.iter().map(|s| s.files.unwrap()).sum(),
            )
        })
    }

    #[test]
    fn parts_count_when_their_prefixes_cover_every_hex_hash() {
        assert_eq!(counts(vec![part(&[], 5, 2, 1)]), Some((5, 2)));
        assert_eq!(counts(vec![]), None);
        let low = part(&["0", "1", "2", "3", "4", "5", "6", "7"], 10, 3, 1);
        let high = part(&["8", "9", "a", "b", "c", "d", "e"], 20, 4, 2);
        assert_eq!(counts(vec![low.clone(), high.clone()]), None, "no f");
        let f = part(&["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"], 1, 1, 3);
        assert_eq!(counts(vec![low.clone(), high.clone(), f.clone()]), None);
        let f_rest = part(&["f8", "f9", "fa", "fb", "fc", "fd", "fe", "ff"], 2, 1, 4);
        assert_eq!(
            counts(vec![low.clone(), high.clone(), f, f_rest]),
            Some((33, 9))
        );
        let whole_f = part(&["f"], 3, 1, 5);
        let overlapping = part(&["f0"], 100, 100, 6);
        assert_eq!(
            counts(vec![low, high, overlapping, whole_f]),
            Some((33, 8)),
            "the shorter prefix where two overlap"
        );
        assert_eq!(counts(vec![part(&["g"], 1, 1, 1)]), None, "not a hex digit");
    }
}
