//! Overlapping requests of one tenant, replayed call by call (`concurrently`, tests/README.md):
//! every request in flight waits before each host call until the schedule grants it, and
//! each call is made whole against the one shared world before the next is allowed.
//!
//! A host lends requests that can be driven that way ([`Request`]): the engine's operation
//! is sans-IO, so it is simply polled ([`EngineRequest`]); the component runs each request
//! on a thread of its own, with its imports held until granted (`component/concurrent.rs`).

use std::collections::BTreeMap;

use index_sync_core::{Effect, Engine, Operation, Outcome, RequestKind, Response, Step};

use crate::fakes::World;

/// One request in flight, driven one host call at a time.
pub trait Request {
    /// The name of the call it would make next (`kv.get`, ...); `None` once it has answered
    /// (its whole operation over, the work after the response included).
    fn next_call(&self) -> Option<&'static str>;
    /// Makes that call against `world`, then runs until the request wants its next call
    /// or has answered.
    fn make_call(&mut self, world: &mut World);
    /// Its response, once given.
    fn response(&self) -> Option<&Response>;
    /// The call it would make next, whole, when the host can tell (the engine's effect;
    /// what it reads and writes lets a test tell which calls of two requests commute).
    fn next_effect(&self) -> Option<&Effect> {
        None
    }
}

/// The engine's operation as a [`Request`]: the effects of a batch are made one by one, in
/// batch order, and the outcomes handed back once the batch is whole.
pub struct EngineRequest {
    operation: Operation,
    batch: Vec<Effect>,
    outcomes: Vec<Outcome>,
    response: Option<Response>,
    done: bool,
}

impl EngineRequest {
    /// Starts a request at the world's clock and runs it to its first call.
    pub fn start(engine: &Engine, kind: RequestKind, user: &str, body: &[u8], now: u64) -> Self {
        let mut request = Self {
            operation: engine.start(kind, user, body, now),
            batch: Vec::new(),
            outcomes: Vec::new(),
            response: None,
            done: false,
        };
        request.advance();
        request
    }

    /// Polls until a call is due or the operation is over.
    fn advance(&mut self) {
        while self.batch.is_empty() && !self.done {
            match self.operation.poll() {
                Step::Io(mut batch) => {
                    batch.reverse(); // made from the end: `pop` takes batch order
                    self.batch = batch;
                }
                Step::Respond(response) => self.response = Some(response),
                Step::Done => self.done = true,
            }
        }
    }
}

impl Request for EngineRequest {
    fn next_call(&self) -> Option<&'static str> {
        self.batch.last().map(Effect::call_name)
    }

    fn make_call(&mut self, world: &mut World) {
        let Some(effect) = self.batch.pop() else {
            return;
        };
        self.outcomes.push(world.perform(effect));
        if self.batch.is_empty() {
            self.operation.handle(std::mem::take(&mut self.outcomes));
            self.advance();
        }
    }

    fn response(&self) -> Option<&Response> {
        self.response.as_ref()
    }

    fn next_effect(&self) -> Option<&Effect> {
        self.batch.last()
    }
}

/// One entry of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `"a"`: its next call.
    Next(String),
    /// `"a*"`: until it has answered.
    ToEnd(String),
    /// `{"request": "a", "calls": N}`: its next N calls.
    Calls(String, usize),
    /// `{"request": "a", "before": NAME}`: until its next call is of NAME, or it answered.
    Before(String, String),
}

impl Grant {
    /// The request it grants calls to.
    pub fn request(&self) -> &str {
        match self {
            Grant::Next(r) | Grant::ToEnd(r) | Grant::Calls(r, _) | Grant::Before(r, _) => r,
        }
    }
}

/// A request's own calls during the step, by name (billed counts included).
pub type Calls = BTreeMap<&'static str, u64>;

/// Replays `requests` (started in the order given) against `world` as `schedule` grants
/// their calls, then runs those still going to their end one after another. Returns each
/// request's own calls, in the order given. A grant naming no request is an error.
pub fn interleave(
    world: &mut World,
    requests: &mut [(String, Box<dyn Request>)],
    schedule: &[Grant],
) -> Result<Vec<Calls>, String> {
    let mut calls: Vec<Calls> = vec![Calls::new(); requests.len()];
    let mut make = |world: &mut World, i: usize, request: &mut Box<dyn Request>| {
        let before = world.calls().clone();
        request.make_call(world);
        for (name, count) in world.calls() {
            let made = count - before.get(name).copied().unwrap_or(0);
            if made > 0 {
                *calls[i].entry(name).or_default() += made;
            }
        }
    };
    for grant in schedule {
        let i = requests
            .iter()
            .position(|(name, _)| name == grant.request())
            .ok_or_else(|| format!("the schedule names no request {:?}", grant.request()))?;
        let request = &mut requests[i].1;
        match grant {
            Grant::Next(_) => {
                if request.next_call().is_some() {
                    make(world, i, request);
                }
            }
            Grant::Calls(_, n) => {
                for _ in 0..*n {
                    if request.next_call().is_none() {
                        break;
                    }
                    make(world, i, request);
                }
            }
            Grant::ToEnd(_) => {
                while request.next_call().is_some() {
                    make(world, i, request);
                }
            }
            Grant::Before(_, name) => {
                while request.next_call().is_some_and(|next| next != name) {
                    make(world, i, request);
                }
            }
        }
    }
    for (i, (_, request)) in requests.iter_mut().enumerate() {
        while request.next_call().is_some() {
            make(world, i, request);
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use index_sync_core::Config;
    use serde_json::json;

    fn init(engine: &Engine, world: &World, hash: &str) -> Box<dyn Request> {
        let body = json!({"projectId": "p", "chunks": [
            {"hash": hash, "code": format!("fn {hash}() {{}}"), "filePath": "a.rs"}]});
        Box::new(EngineRequest::start(
            engine,
            RequestKind::Init,
            "alice",
            body.to_string().as_bytes(),
            world.now,
        ))
    }

    #[test]
    fn the_second_of_two_overlapping_writers_is_refused_and_the_first_completes() {
        let engine = Engine::new(Config::default()).unwrap();
        let mut world = World::new();
        let mut requests = vec![
            ("a".to_owned(), init(&engine, &world, "x")),
            ("b".to_owned(), init(&engine, &world, "y")),
        ];
        assert_eq!(requests[0].1.next_call(), Some("coordinator.acquire"));
        let schedule = [
            Grant::Before("a".into(), "vectorize.upsert".into()),
            Grant::ToEnd("b".into()),
        ];
        let calls = interleave(&mut world, &mut requests, &schedule).unwrap();
        assert_eq!(requests[1].1.response().unwrap().status, 409);
        assert_eq!(calls[1].get("coordinator.acquire"), Some(&1));
        assert_eq!(
            calls[1].len(),
            1,
            "refused at its first call: {:?}",
            calls[1]
        );
        assert_eq!(requests[0].1.response().unwrap().status, 200);
        assert_eq!(calls[0].get("vectorize.upsert"), Some(&1));
        assert!(requests.iter().all(|(_, r)| r.next_call().is_none()));
    }

    #[test]
    fn a_grant_for_a_request_that_answered_does_nothing_and_unknown_names_are_errors() {
        let engine = Engine::new(Config::default()).unwrap();
        let mut world = World::new();
        let mut requests = vec![("a".to_owned(), init(&engine, &world, "x"))];
        let schedule = [Grant::ToEnd("a".into()), Grant::Calls("a".into(), 3)];
        assert!(interleave(&mut world, &mut requests, &schedule).is_ok());
        let unknown = [Grant::Next("z".into())];
        assert!(interleave(&mut world, &mut requests, &unknown).is_err());
    }
}
