//! `search`: embed the query, ask Vectorize for the caller's own vectors only, and answer
//! with file paths, summaries and scores, best first. A result names every file holding
//! its code (`filePaths`) and the first of them (`filePath`, the seed's field).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::ai::{embedding_call, embeddings_of};
use crate::config::Config;
use crate::effect::{Effect, Match, Outcome, Reply, Response, Step, WRONG_REPLY};
use crate::error::{RequestError, RequestErrorKind};
use crate::operation::{Budget, Procedure};
use crate::request::{SearchRequest, Tenant};

enum Stage {
    Embed,
    Embedding,
    Query(Vec<f32>),
    Querying,
    Respond(Response),
    Done,
}

/// A search in progress.
pub(crate) struct Search {
    config: Arc<Config>,
    request: SearchRequest,
    stage: Stage,
}

impl Search {
    pub(crate) fn new(config: Arc<Config>, request: SearchRequest) -> Self {
        Self {
            config,
            request,
            stage: Stage::Embed,
        }
    }

    /// Only vectors whose metadata names this tenant exactly. The query's filter already
    /// asks for that; this also guards against an index whose metadata index truncates
    /// long values (Vectorize indexes 64 bytes per field).
    fn results(&self, matches: Vec<Match>) -> Response {
        let Tenant { user, project } = &self.request.tenant;
        let results: Vec<Value> = matches
            .into_iter()
            .filter_map(|m| {
                let meta = m.metadata?;
                let field = |name: &str| meta.get(name).and_then(Value::as_str).map(str::to_owned);
                (field("userId")?.as_str() == user && field("projectId")?.as_str() == project).then(
                    || {
                        let file_path = field("filePath").unwrap_or_default();
                        let file_paths: Vec<&str> = match meta.get("filePaths") {
                            Some(Value::Array(paths)) => {
                                paths.iter().filter_map(Value::as_str).collect()
                            }
                            // A vector written before files were listed (or by the seed).
                            _ => vec![file_path.as_str()],
                        };
                        json!({
                            "filePath": file_path,
                            "filePaths": file_paths,
                            "hash": field("hash").unwrap_or_default(),
                            "summary": field("summary").unwrap_or_default(),
                            "score": m.score,
                        })
                    },
                )
            })
            .collect();
        Response {
            status: 200,
            body: json!({ "results": results }),
        }
    }
}

fn unavailable(kind: RequestErrorKind, what: String) -> Response {
    let error = RequestError::new(kind, what);
    Response {
        status: error.status(),
        body: error.to_body(),
    }
}

impl Procedure for Search {
    fn poll(&mut self, budget: &Budget) -> Step {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        if matches!(stage, Stage::Embed | Stage::Query(_)) && budget.calls() == 0 {
            return Step::Respond(unavailable(
                RequestErrorKind::BudgetSpent,
                "the operation budget is spent".into(),
            ));
        }
        match stage {
            Stage::Embed => {
                self.stage = Stage::Embedding;
                Step::Io(vec![embedding_call(
                    &self.config,
                    vec![self.request.query.clone()],
                )])
            }
            Stage::Query(vector) => {
                self.stage = Stage::Querying;
                let Tenant { user, project } = &self.request.tenant;
                Step::Io(vec![Effect::VectorizeQuery {
                    vector,
                    top_k: self.request.top_k,
                    filter: json!({ "userId": user, "projectId": project }),
                }])
            }
            Stage::Respond(response) => Step::Respond(response),
            Stage::Embedding | Stage::Querying | Stage::Done => Step::Done,
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        let outcome = outcomes.into_iter().next();
        self.stage = match (&self.stage, outcome) {
            (Stage::Embedding, Some(Ok(reply))) => match embeddings_of(&self.config, reply, 1) {
                Ok(mut vectors) => Stage::Query(vectors.remove(0)),
                Err(e) => Stage::Respond(unavailable(RequestErrorKind::AiUnavailable, e)),
            },
            (Stage::Embedding, other) => {
                Stage::Respond(unavailable(RequestErrorKind::AiUnavailable, failure(other)))
            }
            (Stage::Querying, Some(Ok(Reply::VectorizeQuery { matches }))) => {
                Stage::Respond(self.results(matches))
            }
            (Stage::Querying, other) => Stage::Respond(unavailable(
                RequestErrorKind::VectorizeUnavailable,
                failure(other),
            )),
            _ => Stage::Done,
        };
    }
}

fn failure(outcome: Option<Outcome>) -> String {
    match outcome {
        Some(Err(e)) => format!("{}: {}", e.code, e.message),
        _ => WRONG_REPLY.into(),
    }
}
