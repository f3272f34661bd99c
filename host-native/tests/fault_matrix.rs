//! The fault matrix: for each kind of host call (KV read, KV write, summary, embedding,
//! upsert, the coordinator's lease and record state) and each position it takes in an
//! operation, fail that one call (an error, and separately a time-out whose effect did
//! happen). After the request the invariants hold, the response accounts for every chunk
//! (or refuses the whole request with a retryable status), and resending what it names
//! completes the index. Run through the engine and through the component.

use std::collections::BTreeSet;

use index_sync_core::{Config, RequestKind, Response};
use index_sync_native::checker::Ledger;
use index_sync_native::component::ComponentHost;
use index_sync_native::fakes::{FaultMode, World};
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

const CONFIG: &str = r#"{"kvBulkGetSize": 4, "embeddingBatchSize": 3, "upsertBatchSize": 5, "summaryConcurrency": 2}"#;
const CLASSES: [&str; 9] = [
    "kv.get",
    "kv.put",
    "kv.delete",
    "ai.run:summary",
    "ai.run:embedding",
    "vectorize.upsert",
    "coordinator.acquire",
    "coordinator.writeState",
    "coordinator.release",
];

/// Resends of a request refused whole (409 `tenant_busy`, 503) before a test gives up: a
/// lease whose release failed keeps the tenant's other requests out until it runs out
/// (`leaseSeconds`, 120 s by default), and a client waits `retryAfterSeconds` between.
const MAX_RESENDS: usize = 200;

type Factory = fn() -> Box<dyn Host>;

fn engine() -> Box<dyn Host> {
    Box::new(EngineHost::from_json(CONFIG).expect("config"))
}

fn component() -> Box<dyn Host> {
    Box::new(ComponentHost::new(CONFIG).expect("component"))
}

/// Twelve chunks: 0-2 hold code bob already indexed (shared cache hits), 3-4 alice already
/// has, 10 and 11 share one piece of code.
fn chunk(i: usize) -> Value {
    let n = i.min(10);
    let code = format!("fn step_{n}(input: &str) -> usize {{ input.len() + {n} }}");
    json!({"hash": format!("h{i}"), "code": code, "filePath": format!("src/step_{i}.rs")})
}

struct Run {
    host: Box<dyn Host>,
    world: World,
    ledger: Ledger,
    config: Config,
}

impl Run {
    fn new(factory: Factory) -> Self {
        let mut run = Self {
            host: factory(),
            world: World::new(),
            ledger: Ledger::default(),
            config: Config::from_json(CONFIG).expect("config"),
        };
        run.send(
            RequestKind::Init,
            "bob",
            json!({"projectId": "p", "chunks": (0..3).map(chunk).collect::<Vec<_>>()}),
        );
        run.send(
            RequestKind::Init,
            "alice",
            json!({"projectId": "p", "chunks": (3..5).map(chunk).collect::<Vec<_>>()}),
        );
        run
    }

    /// Sends until the request is not refused whole, as a client does: after a 409 it
    /// waits `retryAfterSeconds` (the fake clock moves), after a 503 it resends.
    fn serve(&mut self, kind: RequestKind, user: &str, body: Value) -> Response {
        for _ in 0..MAX_RESENDS {
            let response = self.send(kind, user, body.clone());
            match response.status {
                409 => {
                    let wait = response.body["error"]["retryAfterSeconds"].as_u64();
                    self.world.advance(wait.expect("a 409 says when to resend"));
                }
                503 => {}
                _ => return response,
            }
        }
        panic!("{kind:?} by {user} still refused after {MAX_RESENDS} resends")
    }

    fn send(&mut self, kind: RequestKind, user: &str, body: Value) -> Response {
        self.ledger.record(kind, user, &body);
        let response = self
            .host
            .serve(&mut self.world, kind, user, body.to_string().as_bytes());
        let broken = self.ledger.check_world(&self.world, &self.config);
        assert!(broken.is_empty(), "after {kind:?} by {user}: {broken:?}");
        response
    }
}

fn hashes(body: &Value, field: &str) -> Vec<String> {
    body[field]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    v.as_str()
                        .or(v["hash"].as_str())
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One faulted run: alice inits all twelve with one call failing, then resends what she is
/// told until nothing is left.
fn faulted(factory: Factory, class: &str, position: usize, mode: FaultMode) {
    let at = format!("{class} #{position} {mode:?}");
    let mut run = Run::new(factory);
    run.world.fail_after(class, position, mode);
    let all: Vec<Value> = (0..12).map(chunk).collect();
    let response = run.serve(
        RequestKind::Init,
        "alice",
        json!({"projectId": "p", "chunks": all}),
    );
    assert_eq!(response.status, 200, "{at}: {}", response.body);
    let mut named: Vec<String> = ["indexed", "cached", "failed", "deferred"]
        .iter()
        .flat_map(|f| hashes(&response.body, f))
        .collect();
    named.sort();
    let mut expected: Vec<String> = (0..12).map(|i| format!("h{i}")).collect();
    expected.sort();
    assert_eq!(named, expected, "{at}: every chunk once in the response");
    let mut resend: BTreeSet<String> = ["failed", "deferred"]
        .iter()
        .flat_map(|f| hashes(&response.body, f))
        .collect();
    for _ in 0..3 {
        if resend.is_empty() {
            break;
        }
        let chunks: Vec<Value> = all
            .iter()
            .filter(|c| resend.contains(c["hash"].as_str().unwrap_or_default()))
            .cloned()
            .collect();
        let r = run.serve(
            RequestKind::Sync,
            "alice",
            json!({"phase": 2, "projectId": "p", "chunks": chunks}),
        );
        resend = ["failed", "deferred"]
            .iter()
            .flat_map(|f| hashes(&r.body, f))
            .collect();
    }
    assert!(
        resend.is_empty(),
        "{at}: still not indexed after resending: {resend:?}"
    );
    let phase1 = json!({"phase": 1, "projectId": "p", "chunks": (0..12).map(|i| json!({"hash": format!("h{i}")})).collect::<Vec<_>>()});
    let r = run.serve(RequestKind::Sync, "alice", phase1);
    assert_eq!(hashes(&r.body, "cached").len(), 12, "{at}: {}", r.body);
    let search = run.send(
        RequestKind::Search,
        "alice",
        json!({"projectId": "p", "query": "step_7 input len", "topK": 3}),
    );
    let shown = run.ledger.check_search("alice", "p", &search);
    assert!(shown.is_empty(), "{at}: {shown:?}");
}

/// The calls of each class alice's init makes without faults.
fn baseline(factory: Factory) -> Vec<(&'static str, u64)> {
    let mut run = Run::new(factory);
    let before = run.world.call_classes().clone();
    run.send(
        RequestKind::Init,
        "alice",
        json!({"projectId": "p", "chunks": (0..12).map(chunk).collect::<Vec<_>>()}),
    );
    CLASSES
        .iter()
        .map(|c| {
            (
                *c,
                run.world.call_classes().get(c).copied().unwrap_or(0)
                    - before.get(c).copied().unwrap_or(0),
            )
        })
        .collect()
}

fn matrix(factory: Factory) -> usize {
    let counts = baseline(factory);
    // 3 marker reads + 3 cache reads; 6 cache writes + a journal + 10 markers; the
    // journal's delete; 6 summaries; 2 embedding batches; 2 upserts; the lease taken and
    // renewed after the AI calls, the record state removed, the lease released.
    assert_eq!(
        counts,
        [
            ("kv.get", 6),
            ("kv.put", 17),
            ("kv.delete", 1),
            ("ai.run:summary", 6),
            ("ai.run:embedding", 2),
            ("vectorize.upsert", 2),
            ("coordinator.acquire", 2),
            ("coordinator.writeState", 1),
            ("coordinator.release", 1)
        ]
    );
    let mut faults = 0;
    for (class, count) in counts {
        for position in 0..count as usize {
            for mode in [FaultMode::Error, FaultMode::Timeout] {
                faulted(factory, class, position, mode);
                faults += 1;
            }
        }
    }
    faults
}

#[test]
fn every_single_fault_is_reported_and_healed_by_resending_engine() {
    let faults = matrix(engine);
    println!("engine: {faults} faults injected");
}

#[test]
fn every_single_fault_is_reported_and_healed_by_resending_component() {
    let faults = matrix(component);
    println!("component: {faults} faults injected");
}

#[test]
fn a_failed_phase_1_read_never_answers_cached() {
    for position in 0..3 {
        let mut run = Run::new(engine);
        run.world.fail_after("kv.get", position, FaultMode::Error);
        let phase1 = json!({"phase": 1, "projectId": "p", "chunks": (0..12).map(|i| json!({"hash": format!("h{i}")})).collect::<Vec<_>>()});
        let r = run.send(RequestKind::Sync, "alice", phase1);
        let cached = hashes(&r.body, "cached");
        assert!(cached.iter().all(|h| h == "h3" || h == "h4"), "{cached:?}");
        assert_eq!(cached.len() + hashes(&r.body, "needed").len(), 12);
    }
}

#[test]
fn a_failed_search_call_is_a_503_with_its_code() {
    for (class, code) in [
        ("ai.run:embedding", "ai_unavailable"),
        ("vectorize.query", "vectorize_unavailable"),
    ] {
        let mut run = Run::new(engine);
        run.world.fail_after(class, 0, FaultMode::Timeout);
        let r = run.send(
            RequestKind::Search,
            "bob",
            json!({"projectId": "p", "query": "step"}),
        );
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (503, Some(code))
        );
    }
}
