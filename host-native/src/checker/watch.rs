//! A request in flight under the checker's eye: driven one host call at a time (alone, or
//! among other requests of its tenant), its answer is checked the moment it is given, on
//! the world as it then is: the lie detector (`answers.rs`), (f) (`removal.rs`), and what
//! a search shows, (c) and (i) (`search.rs`). What
//! the request does after its response, and what other requests do meanwhile, cannot hide
//! a lie.

use index_sync_core::{Config, Effect, RequestKind, Response};
use serde_json::Value;

use super::Ledger;
use crate::concurrent::Request;
use crate::fakes::World;
use crate::runner::Host;

/// One request, watched.
pub struct Watched {
    kind: RequestKind,
    user: String,
    body: Value,
    request: Box<dyn Request>,
    /// Whether its answer was checked.
    checked: bool,
    /// What its answer broke.
    broken: Vec<String>,
    /// A search's world right after its Vectorize query, when the text index is asked
    /// after it (hybrid search): its answer reads two instants.
    first_read: Option<Box<World>>,
}

impl Watched {
    /// Records what the request sends in `ledger`, then starts it on `host` at the world's
    /// clock, run to its first call; an answer given before any call is checked at once.
    pub fn start(
        host: &mut dyn Host,
        world: &World,
        ledger: &mut Ledger,
        config: &Config,
        kind: RequestKind,
        user: &str,
        body: Value,
    ) -> Result<Self, String> {
        ledger.record(kind, user, &body);
        let request = host.begin(kind, user, body.to_string().as_bytes(), world.now)?;
        let mut watched = Self {
            kind,
            user: user.to_owned(),
            body,
            request,
            checked: false,
            broken: Vec::new(),
            first_read: None,
        };
        watched.check_answer(world, ledger, config);
        Ok(watched)
    }

    /// Serves one request alone, its answer checked when given; returns the response and
    /// what the answer broke.
    pub fn serve(
        host: &mut dyn Host,
        world: &mut World,
        ledger: &mut Ledger,
        config: &Config,
        kind: RequestKind,
        user: &str,
        body: Value,
    ) -> Result<(Response, Vec<String>), String> {
        let mut watched = Self::start(host, world, ledger, config, kind, user, body)?;
        while watched.next_call().is_some() {
            watched.make_call(world, ledger, config);
        }
        let response = watched
            .response()
            .cloned()
            .ok_or_else(|| format!("{} {} gave no response", kind.as_str(), watched.body))?;
        Ok((response, watched.broken))
    }

    /// The call it would make next; `None` once it is over.
    pub fn next_call(&self) -> Option<&'static str> {
        self.request.next_call()
    }

    /// The call it would make next, whole, when its host can tell.
    pub fn next_effect(&self) -> Option<&Effect> {
        self.request.next_effect()
    }

    /// Makes its next call against `world`; when that gives the response, checks it.
    pub fn make_call(&mut self, world: &mut World, ledger: &Ledger, config: &Config) {
        let vector_query = self.next_call() == Some("vectorize.query");
        self.request.make_call(world);
        if vector_query && self.next_call() == Some("textIndex.query") {
            self.first_read = Some(Box::new(world.clone()));
        }
        self.check_answer(world, ledger, config);
    }

    /// Its response, once given.
    pub fn response(&self) -> Option<&Response> {
        self.request.response()
    }

    /// What its answer broke, once checked.
    pub fn broken(&self) -> &[String] {
        &self.broken
    }

    /// The request: its kind, its user and its body.
    pub fn request(&self) -> (RequestKind, &str, &Value) {
        (self.kind, &self.user, &self.body)
    }

    fn check_answer(&mut self, world: &World, ledger: &Ledger, config: &Config) {
        if self.checked {
            return;
        }
        let Some(response) = self.request.response() else {
            return;
        };
        self.checked = true;
        let (kind, user, body) = (self.kind, self.user.as_str(), &self.body);
        self.broken
            .extend(ledger.check_answer(world, config, kind, user, body, response));
        self.broken
            .extend(ledger.check_step(world, config, kind, user, body, response));
        if kind == RequestKind::Search {
            self.broken.extend(ledger.check_search(
                user,
                body["projectId"].as_str().unwrap_or_default(),
                response,
            ));
            // A hybrid search reads Vectorize, then the text index: its answer must be true
            // at one of the two.
            let at_answer = ledger.check_results(world, config, user, body, response);
            let at_first_read = match (&self.first_read, at_answer.is_empty()) {
                (Some(first), false) => ledger.check_results(first, config, user, body, response),
                _ => at_answer.clone(),
            };
            if !at_first_read.is_empty() {
                self.broken.extend(at_answer);
            }
        }
    }
}
