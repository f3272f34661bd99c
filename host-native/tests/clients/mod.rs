//! One tenant's clients, for the tests of overlapping requests (random schedules, the
//! enumeration of small cases): requests started together and driven one host call at a
//! time in an order the test chooses, under the checker's eye (the invariants after every
//! call, each answer checked when given: `Watched`); a client's resends; and the sync a
//! client makes at the end, which must bring the index exactly to its listing.
#![allow(dead_code)] // each test file uses its own share of these

pub mod filters;

use std::collections::BTreeSet;

use index_sync_core::{Config, RequestKind, Response};
use index_sync_native::checker::{Ledger, Watched, listed};
use index_sync_native::fakes::World;
use index_sync_native::runner::EngineHost;
use serde_json::{Value, json};

/// The tenant whose requests overlap.
pub const USER: &str = "alice@example.com";
pub const PROJECT: &str = "p";

/// Most times a client sends one request while it is refused whole: enough to wait out a
/// lease left held by a release that failed (`leaseSeconds`, 120 s by default) one second
/// apart.
pub const MAX_SENDS: usize = 300;

/// Most rounds of the final sync (a complete phase 1, then phase 2 of what it needs): what
/// a small budget defers, and faults left in the plan, take a few.
pub const MAX_ROUNDS: usize = 40;

/// Whether a response refuses the whole request: nothing was done, send it again.
pub fn refused(response: &Response) -> bool {
    matches!(
        response.body["error"]["code"].as_str(),
        Some("tenant_busy" | "coordinator_unavailable")
    )
}

/// The check a violation is of: `(a)` to `(i)` (`checker`), or the final sync's verdict.
pub fn check_of(violation: &str) -> &'static str {
    const CHECKS: [&str; 9] = [
        "(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)", "(i)",
    ];
    if violation.contains("final sync") {
        return "final sync";
    }
    CHECKS
        .into_iter()
        .find(|c| violation.contains(c))
        .unwrap_or("other")
}

/// The hashes a response lists under `field`.
pub fn hashes(body: &Value, field: &str) -> BTreeSet<String> {
    body[field]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().or(v["hash"].as_str()).map(str::to_owned))
        .collect()
}

/// A request to send: its kind and body.
pub type Ask = (RequestKind, Value);

/// A chunk as a phase-1 listing names it: its hash and place (file, and lines when the
/// chunk gives them), without its code.
pub fn listing_entry(chunk: &Value) -> Value {
    let mut entry = json!({"hash": chunk["hash"], "filePath": chunk["filePath"]});
    for lines in ["startLine", "endLine"] {
        if let Some(line) = chunk.get(lines) {
            entry[lines] = line.clone();
        }
    }
    entry
}

/// What a client can do next while requests are in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Request `i` makes its next call, of this name.
    Call(usize, &'static str),
    /// Request `i`, refused whole, is sent again (a new request, started now).
    Resend(usize),
}

/// The world, the engine and the checker's ledger of one test.
pub struct Clients {
    /// The config as JSON.
    pub json: Value,
    pub host: EngineHost,
    pub config: Config,
    pub world: World,
    pub ledger: Ledger,
}

impl Clients {
    /// A fresh world; with `permissive`, a coordinator that orders nothing (every lease
    /// granted, every state written), as the engine was before the tenant's lease.
    pub fn new(config: &Value, permissive: bool) -> Self {
        let mut world = World::new();
        world.coordinator.permissive = permissive;
        Self {
            json: config.clone(),
            host: EngineHost::from_json(&config.to_string()).expect("config"),
            config: Config::from_json(&config.to_string()).expect("config"),
            world,
            ledger: Ledger::default(),
        }
    }

    /// Another test from this one's world and ledger as they are now.
    pub fn fork(&self) -> Self {
        Self {
            json: self.json.clone(),
            host: EngineHost::from_json(&self.json.to_string()).expect("config"),
            config: self.config.clone(),
            world: self.world.clone(),
            ledger: self.ledger.clone(),
        }
    }

    /// Starts one request now, watched.
    pub fn start(&mut self, (kind, body): &Ask) -> Watched {
        Watched::start(
            &mut self.host,
            &self.world,
            &mut self.ledger,
            &self.config,
            *kind,
            USER,
            body.clone(),
        )
        .expect("the engine starts every request")
    }

    /// Makes the next call of `request`, then checks the invariants; returns what broke.
    pub fn call(&mut self, request: &mut Watched) -> Vec<String> {
        request.make_call(&mut self.world, &self.ledger, &self.config);
        self.ledger.check_world(&self.world, &self.config)
    }

    /// Runs `asks` together: `choose` picks each next move among those possible (the calls
    /// of the requests in flight, and a resend of each request refused whole while it has
    /// `resends` left). Returns what broke: invariants after each call, answers when given,
    /// and any response that is neither served nor refused whole.
    pub fn together(
        &mut self,
        asks: &[Ask],
        resends: usize,
        choose: &mut dyn FnMut(&[Move]) -> usize,
    ) -> Vec<String> {
        let mut requests: Vec<Watched> = asks.iter().map(|a| self.start(a)).collect();
        let mut left = vec![resends; asks.len()];
        let mut broken = Vec::new();
        loop {
            let mut moves: Vec<Move> = Vec::new();
            for (i, r) in requests.iter().enumerate() {
                if let Some(call) = r.next_call() {
                    moves.push(Move::Call(i, call));
                } else if left[i] > 0 && r.response().is_some_and(refused) {
                    moves.push(Move::Resend(i));
                }
            }
            if moves.is_empty() {
                break;
            }
            match moves[choose(&moves) % moves.len()] {
                Move::Call(i, _) => broken.extend(self.call(&mut requests[i])),
                Move::Resend(i) => {
                    left[i] -= 1;
                    broken.extend(answered(&requests[i]));
                    requests[i] = self.start(&asks[i]);
                }
            }
        }
        for r in &requests {
            broken.extend(answered(r));
        }
        broken
    }

    /// Sends one request alone, as a client does: sent again while refused whole (which must
    /// have done nothing but ask the coordinator), after `retryAfterSeconds`; each answer
    /// checked when given.
    pub fn send(&mut self, ask: &Ask) -> Result<Response, Vec<String>> {
        let (response, broken) = self.send_through(ask);
        match response {
            Some(response) if broken.is_empty() => Ok(response),
            _ => Err(broken),
        }
    }

    /// [`Clients::send`], going on whatever broke: the last response (none when refused
    /// to the end), and everything that broke on the way.
    fn send_through(&mut self, ask: &Ask) -> (Option<Response>, Vec<String>) {
        let mut broken = Vec::new();
        for _ in 0..MAX_SENDS {
            let before = self.world.calls().clone();
            let mut request = self.start(ask);
            while request.next_call().is_some() {
                broken.extend(self.call(&mut request));
            }
            broken.extend(answered(&request));
            let response = request.response().cloned().expect("answered");
            if !refused(&response) {
                return (Some(response), broken);
            }
            let made: Vec<&str> = self
                .world
                .calls()
                .iter()
                .filter(|(name, n)| {
                    before.get(*name) != Some(n) && !name.starts_with("coordinator.")
                })
                .map(|(name, _)| *name)
                .collect();
            if !made.is_empty() {
                broken.push(format!("refused ({}), yet it made {made:?}", response.body));
            }
            let wait = response.body["error"]["retryAfterSeconds"].as_u64();
            self.world.advance(wait.unwrap_or(0));
        }
        broken.push(format!("{:?} refused {MAX_SENDS} times", ask.1));
        (None, broken)
    }

    /// The sync a client makes to bring the index to `chunks` (with their code): a complete
    /// phase 1, then phase 2 of what it needs, until a complete phase 1 finds every chunk
    /// cached and nothing left to remove; then the index must be exactly the listing.
    /// Returns what broke on the way, each once, then what keeps the index from being
    /// exactly the listing: it goes on past what broke, so that its own verdict is given.
    pub fn converge(&mut self, chunks: &[Value]) -> Vec<String> {
        let listing: Vec<Value> = chunks.iter().map(listing_entry).collect();
        let check = json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": listing});
        let wanted: BTreeSet<String> = listed(&check["chunks"]).into_keys().collect();
        let mut broken: Vec<String> = Vec::new();
        let mut note = |found: Vec<String>| {
            for b in found {
                if !broken.contains(&b) {
                    broken.push(b);
                }
            }
        };
        for _ in 0..MAX_ROUNDS {
            let (r, found) = self.send_through(&(RequestKind::Sync, check.clone()));
            note(found);
            let Some(r) = r.filter(|r| r.status == 200) else {
                note(vec!["the final sync was not served".into()]);
                return broken;
            };
            let needed = hashes(&r.body, "needed");
            let done = hashes(&r.body, "cached") == wanted && r.body["moreToRemove"] == false;
            if done {
                let mut end = self.ledger.check_index(
                    &self.world,
                    &self.config,
                    USER,
                    PROJECT,
                    &[],
                    &listed(&check["chunks"]),
                );
                end.extend(self.ledger.check_world(&self.world, &self.config));
                note(
                    end.into_iter()
                        .map(|b| format!("after the final sync: {b}"))
                        .collect(),
                );
                return broken;
            }
            let upload: Vec<Value> = chunks
                .iter()
                .filter(|c| needed.contains(c["hash"].as_str().unwrap_or_default()))
                .cloned()
                .collect();
            if !upload.is_empty() {
                let body = json!({"phase": 2, "projectId": PROJECT, "chunks": upload});
                note(self.send_through(&(RequestKind::Sync, body)).1);
            }
        }
        note(vec![format!(
            "the final sync did not settle in {MAX_ROUNDS} rounds"
        )]);
        broken
    }
}

/// What a request's answer broke, and a response that is neither served nor refused whole
/// (nor a search whose AI or Vectorize call failed, which it says).
pub fn answered(request: &Watched) -> Vec<String> {
    let mut broken = request.broken().to_vec();
    let search_failed = |r: &Response| {
        request.request().0 == RequestKind::Search
            && r.status == 503
            && matches!(
                r.body["error"]["code"].as_str(),
                Some("ai_unavailable" | "vectorize_unavailable")
            )
    };
    if let Some(r) = request.response()
        && r.status != 200
        && !refused(r)
        && !search_failed(r)
    {
        broken.push(format!("answered {}: {}", r.status, r.body));
    }
    broken
}
