//! `usage`: the caller's own counters against the quotas (`quota.rs`), per project and in
//! total, read from the coordinator in one call: the AI units of today (UTC) and the
//! vectors held. With quotas off the counters are not kept: they answer 0, and `quotas` is
//! `null` to say so. Never anyone else's figures: the user is the host's.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::calendar::{date, day_of, reset_at};
use crate::config::Config;
use crate::effect::{Effect, Outcome, ProjectUsage, Reply, Response, Step, WRONG_REPLY};
use crate::error::{RequestError, RequestErrorKind};
use crate::operation::{Budget, Procedure};
use crate::request::UsageRequest;

enum Stage {
    Ask,
    Asking,
    Respond(Response),
    Done,
}

/// A `usage` in progress.
pub(crate) struct Usage {
    config: Arc<Config>,
    request: UsageRequest,
    day: u32,
    stage: Stage,
}

impl Usage {
    pub(crate) fn new(config: Arc<Config>, request: UsageRequest, now: u64) -> Self {
        Self {
            config,
            request,
            day: day_of(now),
            stage: Stage::Ask,
        }
    }

    /// The figures: each project with a counter above 0 (or the one asked about), in
    /// project order, and the user's totals over all of them.
    fn response(&self, mut found: Vec<ProjectUsage>) -> Response {
        found.retain(|p| p.ai_today > 0 || p.vectors > 0);
        found.sort_by(|a, b| a.project.cmp(&b.project));
        found.dedup_by(|a, b| a.project == b.project);
        let total_ai: u64 = found.iter().map(|p| u64::from(p.ai_today)).sum();
        let total_vectors: u64 = found.iter().map(|p| u64::from(p.vectors)).sum();
        let listed: Vec<Value> = match &self.request.project {
            None => found.iter().map(project_figures).collect(),
            Some(asked) => vec![project_figures(
                found
                    .iter()
                    .find(|p| &p.project == asked)
                    .unwrap_or(&ProjectUsage {
                        project: asked.clone(),
                        ai_today: 0,
                        vectors: 0,
                    }),
            )],
        };
        Response {
            status: 200,
            body: json!({
                "day": date(self.day),
                "resetAt": reset_at(self.day),
                "quotas": self.config.quotas,
                "aiChunksToday": total_ai,
                "vectorsHeld": total_vectors,
                "projects": listed,
            }),
        }
    }
}

fn project_figures(p: &ProjectUsage) -> Value {
    json!({"projectId": p.project, "aiChunksToday": p.ai_today, "vectorsHeld": p.vectors})
}

fn refusal(kind: RequestErrorKind, message: String) -> Response {
    let error = RequestError::new(kind, message);
    Response {
        status: error.status(),
        body: error.to_body(),
    }
}

impl Procedure for Usage {
    fn poll(&mut self, budget: &Budget) -> Step {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Ask if budget.calls() == 0 => Step::Respond(refusal(
                RequestErrorKind::BudgetSpent,
                "the operation budget is spent".into(),
            )),
            Stage::Ask => {
                self.stage = Stage::Asking;
                Step::Io(vec![Effect::CoordinatorUsage {
                    user: self.request.user.clone(),
                    day: self.day,
                }])
            }
            Stage::Respond(response) => Step::Respond(response),
            Stage::Asking | Stage::Done => Step::Done,
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        let response = match outcomes.into_iter().next() {
            Some(Ok(Reply::CoordinatorUsage { projects })) => self.response(projects),
            Some(Err(e)) => refusal(
                RequestErrorKind::CoordinatorUnavailable,
                format!(
                    "the coordinator could not be asked for the counters ({}: {}); resend",
                    e.code, e.message
                ),
            ),
            _ => refusal(
                RequestErrorKind::CoordinatorUnavailable,
                format!("the coordinator's counters: {WRONG_REPLY}"),
            ),
        };
        self.stage = Stage::Respond(response);
    }
}
