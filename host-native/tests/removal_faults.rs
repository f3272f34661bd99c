//! The fault matrix of removal: a complete sync that removes and moves chunks, and a
//! `remove` of the whole project, each with one call failing (an error, and separately a
//! time-out whose effect did happen) at every position of every kind of call it makes.
//! After each request the invariants hold (no marker without its vector, no vector without
//! a record, nothing the response calls removed is left); the response accounts for every
//! chunk (or refuses the whole request with a retryable status, resent as a client does);
//! syncing again as told finishes the job; another tenant's chunks are never touched. The
//! coordinator's calls (the record state read and written, the lease taken and given back)
//! are faulted like the others. Run through the engine and through the component.

mod common;

use std::collections::BTreeSet;

use common::hashes;
use index_sync_core::{Config, RequestKind, Response};
use index_sync_native::checker::Ledger;
use index_sync_native::component::ComponentHost;
use index_sync_native::fakes::{FaultMode, World};
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

const CONFIG: &str = r#"{"kvBulkGetSize": 4, "embeddingBatchSize": 3, "upsertBatchSize": 5, "summaryConcurrency": 2, "kvListPageSize": 4, "deleteBatchSize": 3}"#;
const CLASSES: [&str; 10] = [
    "kv.list",
    "kv.get",
    "kv.put",
    "kv.delete",
    "vectorize.deleteByIds",
    "vectorize.upsert",
    "coordinator.readState",
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

fn code(i: usize) -> String {
    format!("fn part_{i}(input: &str) -> usize {{ input.len() * {i} }}")
}

fn chunk(i: usize, path: &str) -> Value {
    json!({"hash": format!("h{i:02}"), "code": code(i), "filePath": path})
}

fn path(i: usize) -> String {
    format!("src/part_{i}.rs")
}

/// What alice's project holds after her edits: chunks 0-5, with 4 moved and 5 copied.
fn edited() -> Vec<Value> {
    let mut chunks: Vec<Value> = (0..4).map(|i| chunk(i, &path(i))).collect();
    chunks.push(chunk(4, "lib/moved.rs"));
    chunks.push(chunk(5, &path(5)));
    chunks.push(chunk(5, "lib/copy.rs"));
    chunks
}

fn listing(chunks: &[Value]) -> Value {
    let listed: Vec<Value> = chunks
        .iter()
        .map(|c| json!({"hash": c["hash"], "filePath": c["filePath"]}))
        .collect();
    json!({"phase": 1, "complete": true, "projectId": "p", "chunks": listed})
}

struct Run {
    host: Box<dyn Host>,
    world: World,
    ledger: Ledger,
    config: Config,
}

impl Run {
    /// Alice has indexed chunks 0-11, and synced them; bob has the same code 0-2 in a project
    /// of the same name.
    fn new(factory: Factory) -> Self {
        let mut run = Self {
            host: factory(),
            world: World::new(),
            ledger: Ledger::default(),
            config: Config::from_json(CONFIG).expect("config"),
        };
        let alice: Vec<Value> = (0..12).map(|i| chunk(i, &path(i))).collect();
        let all = alice.clone();
        let bob: Vec<Value> = (0..3).map(|i| chunk(i, "bob.rs")).collect();
        run.serve(
            RequestKind::Init,
            "alice",
            json!({"projectId": "p", "chunks": alice}),
        );
        run.serve(
            RequestKind::Init,
            "bob",
            json!({"projectId": "p", "chunks": bob}),
        );
        // A clean complete sync: the record state now vouches for the whole listing.
        let r = run.serve(RequestKind::Sync, "alice", listing(&all));
        assert_eq!(hashes(&r.body, "cached").len(), 12);
        run
    }

    /// Sends until the request is not refused whole, as a client does: after a 409 it
    /// waits `retryAfterSeconds` (the fake clock moves), after a 503 it resends. The
    /// response served is a 200.
    fn serve(&mut self, kind: RequestKind, user: &str, body: Value) -> Response {
        for _ in 0..MAX_RESENDS {
            let response = self.send(kind, user, body.clone());
            match response.status {
                409 => {
                    let wait = response.body["error"]["retryAfterSeconds"].as_u64();
                    self.world.advance(wait.expect("a 409 says when to resend"));
                }
                503 => {}
                _ => {
                    assert_eq!(response.status, 200, "{kind:?}: {}", response.body);
                    return response;
                }
            }
        }
        panic!("{kind:?} by {user} still refused after {MAX_RESENDS} resends")
    }

    /// Sends once; the invariants hold after it, whatever it answered.
    fn send(&mut self, kind: RequestKind, user: &str, body: Value) -> Response {
        self.ledger.record(kind, user, &body);
        let response = self
            .host
            .serve(&mut self.world, kind, user, body.to_string().as_bytes());
        let mut broken = self.ledger.check_world(&self.world, &self.config);
        broken.extend(self.ledger.check_step(
            &self.world,
            &self.config,
            kind,
            user,
            &body,
            &response,
        ));
        assert!(broken.is_empty(), "after {kind:?} by {user}: {broken:?}");
        response
    }

    /// Complete syncs and phase 2 as a client does, until nothing is needed or left.
    fn sync_until_done(&mut self, at: &str) {
        let project = edited();
        for _ in 0..4 {
            let r = self.serve(RequestKind::Sync, "alice", listing(&project));
            let needed = hashes(&r.body, "needed");
            if needed.is_empty() && r.body["moreToRemove"] == false {
                return;
            }
            let chunks: Vec<Value> = project
                .iter()
                .filter(|c| needed.contains(c["hash"].as_str().unwrap_or_default()))
                .cloned()
                .collect();
            if !chunks.is_empty() {
                let body = json!({"phase": 2, "projectId": "p", "chunks": chunks});
                self.serve(RequestKind::Sync, "alice", body);
            }
        }
        panic!("{at}: the sync never finished");
    }

    /// Bob's three chunks are as he left them.
    fn bob_untouched(&self, at: &str) {
        for i in 0..3 {
            let names = index_sync_core::names::TenantNames::new(&self.config, "bob", "p");
            let hash = format!("h{i:02}");
            assert!(
                self.world
                    .kv
                    .read(&names.marker_key(&hash), self.world.now)
                    .is_some(),
                "{at}"
            );
            assert!(
                self.world.vectorize.get(&names.vector_id(&hash)).is_some(),
                "{at}"
            );
        }
    }
}

/// The calls of each class a request makes on a fresh run, without faults.
fn baseline(factory: Factory, request: &dyn Fn(&mut Run) -> Response) -> Vec<(&'static str, u64)> {
    let mut run = Run::new(factory);
    let before = run.world.calls().clone();
    request(&mut run);
    CLASSES
        .iter()
        .map(|c| {
            (
                *c,
                run.world.calls().get(c).copied().unwrap_or(0)
                    - before.get(c).copied().unwrap_or(0),
            )
        })
        .collect()
}

fn complete_sync(run: &mut Run) -> Response {
    run.serve(RequestKind::Sync, "alice", listing(&edited()))
}

fn remove_all(run: &mut Run) -> Response {
    run.serve(
        RequestKind::Remove,
        "alice",
        json!({"projectId": "p", "all": true}),
    )
}

fn sync_matrix(factory: Factory) -> usize {
    let counts = baseline(factory, &complete_sync);
    // The record state read from the coordinator, and (since it does not vouch for the
    // edited listing) the lease taken and the state read again under it; 12 markers in 3
    // pages (the record state is no KV key any more, and no KV read); 6 removed: the record
    // state removed (one write), a journal, 6 marker deletes and the journal's delete, 2
    // vector batches; the lease released.
    assert_eq!(
        counts,
        [
            ("kv.list", 3),
            ("kv.get", 0),
            ("kv.put", 1),
            ("kv.delete", 7),
            ("vectorize.deleteByIds", 2),
            ("vectorize.upsert", 0),
            ("coordinator.readState", 2),
            ("coordinator.acquire", 1),
            ("coordinator.writeState", 1),
            ("coordinator.release", 1),
        ]
    );
    let mut faults = 0;
    for (class, count) in counts {
        for position in 0..count as usize {
            for mode in [FaultMode::Error, FaultMode::Timeout] {
                let at = format!("sync: {class} #{position} {mode:?}");
                let mut run = Run::new(factory);
                run.world.fail_after(class, position, mode);
                let r = complete_sync(&mut run);
                let listed: BTreeSet<String> = (0..6).map(|i| format!("h{i:02}")).collect();
                let answered: Vec<String> = ["needed", "cached", "deferred"]
                    .iter()
                    .flat_map(|f| hashes(&r.body, f))
                    .collect();
                assert_eq!(answered.len(), listed.len(), "{at}: each listed chunk once");
                assert_eq!(
                    answered.into_iter().collect::<BTreeSet<_>>(),
                    listed,
                    "{at}"
                );
                let gone: BTreeSet<String> = (6..12).map(|i| format!("h{i:02}")).collect();
                let told: BTreeSet<String> = ["removed", "removeDeferred"]
                    .iter()
                    .flat_map(|f| hashes(&r.body, f))
                    .collect();
                if r.body["moreToRemove"] == false {
                    assert_eq!(told, gone, "{at}: every chunk the listing lacks is removed");
                } else {
                    assert!(told.is_subset(&gone), "{at}: {told:?}");
                }
                run.sync_until_done(&at);
                run.bob_untouched(&at);
                faults += 1;
            }
        }
    }
    faults
}

fn remove_matrix(factory: Factory) -> usize {
    let counts = baseline(factory, &remove_all);
    // The lease taken; 12 markers in 3 pages (the record state is no KV key any more); the
    // record state removed (one write, no read), a journal, 12 marker deletes and the
    // journal's delete, 4 vector batches; the lease released.
    assert_eq!(
        counts,
        [
            ("kv.list", 3),
            ("kv.get", 0),
            ("kv.put", 1),
            ("kv.delete", 13),
            ("vectorize.deleteByIds", 4),
            ("vectorize.upsert", 0),
            ("coordinator.readState", 0),
            ("coordinator.acquire", 1),
            ("coordinator.writeState", 1),
            ("coordinator.release", 1),
        ]
    );
    let mut faults = 0;
    for (class, count) in counts {
        for position in 0..count as usize {
            for mode in [FaultMode::Error, FaultMode::Timeout] {
                let at = format!("remove: {class} #{position} {mode:?}");
                let mut run = Run::new(factory);
                run.world.fail_after(class, position, mode);
                let mut r = remove_all(&mut run);
                for _ in 0..3 {
                    if r.body["moreToRemove"] == false {
                        break;
                    }
                    r = remove_all(&mut run);
                }
                assert_eq!(r.body["moreToRemove"], false, "{at}: {}", r.body);
                run.bob_untouched(&at);
                faults += 1;
            }
        }
    }
    faults
}

#[test]
fn every_single_fault_of_a_removing_sync_is_healed_by_syncing_again_engine() {
    println!("engine: {} faults injected", sync_matrix(engine));
}

#[test]
fn every_single_fault_of_a_removing_sync_is_healed_by_syncing_again_component() {
    println!("component: {} faults injected", sync_matrix(component));
}

#[test]
fn every_single_fault_of_remove_all_is_healed_by_removing_again_engine() {
    println!("engine: {} faults injected", remove_matrix(engine));
}

#[test]
fn every_single_fault_of_remove_all_is_healed_by_removing_again_component() {
    println!("component: {} faults injected", remove_matrix(component));
}
