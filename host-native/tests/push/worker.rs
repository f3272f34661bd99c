//! The stand-in Worker: the engine over the in-memory fakes behind a loopback HTTP server
//! that knows two tokens and can be told to answer "later", to stall, or to serve while
//! another client holds the project. Like a real Worker, it sends a refusal's
//! `retryAfterSeconds` as a `Retry-After` header too.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use index_sync_core::RequestKind;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};
use tiny_http::{Header, Response, Server};

/// How the stand-in answers the next request instead of serving it.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// This status, with this `Retry-After` when given.
    Status(u16, Option<&'static str>),
    /// Starts an answer and stalls, the connection held open: a network failure the
    /// client sees as its timeout.
    Stall,
    /// Serves the request through the engine while another client holds the tenant's lease:
    /// the engine's own `409 tenant_busy`.
    Busy,
}

/// How long the other client's lease of a [`Fault::Busy`] would last: it is given back
/// right after the refused request, long before.
const OTHER_LEASE_SECONDS: u64 = 120;

#[derive(Default)]
pub struct Stand {
    pub world: World,
    faults: VecDeque<Fault>,
    /// Requests that reached the stand-in: (path, status answered; 0 for a drop).
    seen: Vec<(String, u16)>,
}

/// The stand-in Worker on a loopback port.
pub struct Worker {
    pub url: String,
    pub stand: Arc<Mutex<Stand>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

const TOKENS: [(&str, &str); 2] = [("tok-alice", "alice"), ("tok-bob", "bob")];

impl Worker {
    pub fn start() -> Self {
        Self::with_config("{}")
    }

    /// The stand-in with this engine config (quotas, for example).
    pub fn with_config(config: &'static str) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("a loopback port"));
        let url = format!("http://{}", server.server_addr());
        let stand = Arc::new(Mutex::new(Stand::default()));
        let (server2, stand2) = (Arc::clone(&server), Arc::clone(&stand));
        let thread = std::thread::spawn(move || {
            let mut host = EngineHost::from_json(config).expect("a valid config");
            for request in server2.incoming_requests() {
                serve(&mut host, &stand2, request);
            }
        });
        Self {
            url,
            stand,
            server,
            thread: Some(thread),
        }
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.stand.lock().unwrap().faults.extend(faults);
    }

    /// Requests seen since the last call.
    pub fn seen(&self) -> Vec<(String, u16)> {
        std::mem::take(&mut self.stand.lock().unwrap().seen)
    }

    /// The engine's search for `user`, answered directly.
    pub fn search(&self, user: &str, query: &str) -> Vec<Value> {
        let mut stand = self.stand.lock().unwrap();
        let mut host = EngineHost::from_json("{}").unwrap();
        let body = json!({"projectId": "demo", "query": query, "topK": 10}).to_string();
        let response = host.serve(&mut stand.world, RequestKind::Search, user, body.as_bytes());
        assert_eq!(response.status, 200, "{}", response.body);
        response.body["results"].as_array().unwrap().clone()
    }

    pub fn calls(&self, name: &str) -> u64 {
        let stand = self.stand.lock().unwrap();
        stand.world.calls().get(name).copied().unwrap_or(0)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(host: &mut EngineHost, stand: &Mutex<Stand>, mut request: tiny_http::Request) {
    let json = |status: u16, body: &Value| {
        Response::from_string(body.to_string())
            .with_status_code(status)
            .with_header(Header::from_bytes("content-type", "application/json").unwrap())
    };
    let path = request.url().to_owned();
    let mut stand = stand.lock().unwrap();
    let busy = matches!(stand.faults.front(), Some(Fault::Busy));
    if let Some(fault) = stand.faults.pop_front().filter(|_| !busy) {
        match fault {
            Fault::Stall => {
                stand.seen.push((path, 0));
                // Promises 1,000 bytes and sends one.
                let cut = Response::new(
                    200.into(),
                    Vec::new(),
                    std::io::Cursor::new(b"{".to_vec()),
                    Some(1000),
                    None,
                );
                let _ = request.respond(cut);
            }
            Fault::Status(status, retry_after) => {
                stand.seen.push((path, status));
                let mut response = json(
                    status,
                    &json!({"error": {"code": "later", "message": "busy"}}),
                );
                if let Some(after) = retry_after {
                    response.add_header(Header::from_bytes("retry-after", after).unwrap());
                }
                let _ = request.respond(response);
            }
            Fault::Busy => unreachable!("served below"),
        }
        return;
    }
    let user = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("authorization"))
        .and_then(|h| h.value.as_str().strip_prefix("Bearer "))
        .and_then(|token| TOKENS.iter().find(|(t, _)| *t == token))
        .map(|(_, user)| *user);
    let kind = path
        .strip_prefix("/v1/index/")
        .and_then(|k| RequestKind::from_str(k).ok());
    let (status, body) = match (user, kind) {
        (None, _) => (
            401,
            json!({"error": {"code": "unauthenticated", "message": "no valid token"}}),
        ),
        (_, None) => (
            404,
            json!({"error": {"code": "not_found", "message": "no such route"}}),
        ),
        (Some(user), Some(kind)) => {
            let mut bytes = Vec::new();
            request.as_reader().read_to_end(&mut bytes).unwrap();
            let response = if busy {
                serve_while_busy(host, &mut stand.world, kind, user, &bytes)
            } else {
                host.serve(&mut stand.world, kind, user, &bytes)
            };
            (response.status, response.body)
        }
    };
    stand.seen.push((path, status));
    let mut response = json(status, &body);
    if let Some(seconds) = body["error"]["retryAfterSeconds"].as_u64() {
        response.add_header(Header::from_bytes("retry-after", seconds.to_string()).unwrap());
    }
    let _ = request.respond(response);
}

/// Serves the request while another client holds the lease of its tenant (the body's
/// project), taken before it and given back after it, straight in the fake coordinator.
fn serve_while_busy(
    host: &mut EngineHost,
    world: &mut World,
    kind: RequestKind,
    user: &str,
    bytes: &[u8],
) -> index_sync_core::Response {
    let body: Value = serde_json::from_slice(bytes).unwrap_or_default();
    let project = body["projectId"].as_str().unwrap_or_default().to_owned();
    let now = world.now;
    let lease = world
        .coordinator
        .acquire(user, &project, OTHER_LEASE_SECONDS, None, now);
    let index_sync_core::Lease::Granted(token) = lease else {
        panic!("the project was free before the other client took it: {lease:?}");
    };
    let response = host.serve(world, kind, user, bytes);
    world.coordinator.release(user, &project, token);
    response
}
