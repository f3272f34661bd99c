//! `search`: embed the query, ask Vectorize for the caller's own vectors only, and answer
//! with each result's places, code, summary and score, best first. A result names every
//! place holding its code (`locations`: file and lines; `filePaths`, the files; `filePath`,
//! the first of them, the seed's field) and the code's first lines (`snippet`). Filters on
//! those places (`filter.rs`) keep the results found at matching places, at those places
//! only. With `hybrid`, the tenant's text index is asked beside Vectorize, for the chunks
//! holding the query's words, and the two rankings are fused (`fusion.rs`).

mod filter;
mod fusion;
mod results;

use std::sync::Arc;

use serde_json::json;

use crate::ai::{embedding_call, embeddings_of};
use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply, Response, Step, WRONG_REPLY};
use crate::error::{RequestError, RequestErrorKind};
use crate::operation::{Budget, Procedure};
use crate::request::{SearchRequest, Tenant};
use crate::words::query_terms;

pub use filter::Filter;

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

    /// Results are asked of Vectorize: `topK`, or with a filter `maxTopK`, the filtered
    /// best `topK` of which are kept (`filter.rs`). A hybrid search asks both rankings for
    /// `maxTopK`: a result low in one may be high in the fusion.
    fn query_top_k(&self) -> u32 {
        match self.request.filter {
            Some(_) => self.config.max_top_k,
            None if self.config.hybrid => self.config.max_top_k,
            None => self.request.top_k,
        }
    }

    /// The text index's query, with `hybrid`, when the query has words that are not stop
    /// words.
    fn text_query(&self) -> Option<Effect> {
        let terms = query_terms(&self.request.query);
        let Tenant { user, project } = &self.request.tenant;
        (self.config.hybrid && !terms.is_empty()).then(|| Effect::TextIndexQuery {
            user: user.clone(),
            project: project.clone(),
            terms,
            top_k: self.config.max_top_k,
        })
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
                let dense = Effect::VectorizeQuery {
                    vector,
                    top_k: self.query_top_k(),
                    filter: json!({ "userId": user, "projectId": project }),
                };
                Step::Io(std::iter::once(dense).chain(self.text_query()).collect())
            }
            Stage::Respond(response) => Step::Respond(response),
            Stage::Embedding | Stage::Querying | Stage::Done => Step::Done,
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        let mut outcomes = outcomes.into_iter();
        let outcome = outcomes.next();
        self.stage = match (&self.stage, outcome) {
            (Stage::Embedding, Some(Ok(reply))) => match embeddings_of(&self.config, reply, 1) {
                Ok(mut vectors) => Stage::Query(vectors.remove(0)),
                Err(e) => Stage::Respond(unavailable(RequestErrorKind::AiUnavailable, e)),
            },
            (Stage::Embedding, other) => {
                Stage::Respond(unavailable(RequestErrorKind::AiUnavailable, failure(other)))
            }
            (Stage::Querying, Some(Ok(Reply::VectorizeQuery { matches }))) => {
                match outcomes.next() {
                    None => Stage::Respond(results::response(&self.request, matches)),
                    Some(Ok(Reply::TextIndexQuery { matches: words })) => {
                        let fused = fusion::fuse(self.config.rrf_k, vec![matches, words]);
                        Stage::Respond(results::response(&self.request, fused))
                    }
                    other => Stage::Respond(unavailable(
                        RequestErrorKind::TextIndexUnavailable,
                        failure(other),
                    )),
                }
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
