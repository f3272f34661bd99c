//! The protocol of `sync/` against the engine over the in-memory fakes: a sync that changes
//! the index ends with one closing listing, which records the index clean at the cost of a
//! listing (no marker read, AI call or vector write), so that the next sync of the same
//! folder is one root-only request.

use std::collections::BTreeMap;

use index_sync_core::RequestKind;
use index_sync_core::names::sha256_hex;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::Value;

use super::super::chunker::Chunk;
use super::{Transport, sync_project};

const USER: &str = "alice@example.com";
const PROJECT: &str = "closing";
/// Chunks of the project: over one page of a KV list (1,000 keys), under one part.
const CHUNKS: usize = 1_200;

/// The engine over fakes, recording each request's host calls.
struct Engine {
    host: EngineHost,
    world: World,
    /// Each request's calls, by name, in order.
    requests: Vec<BTreeMap<&'static str, u64>>,
}

impl Transport for Engine {
    fn send(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String> {
        let before = self.world.calls().clone();
        let response = self
            .host
            .serve(&mut self.world, kind, USER, body.to_string().as_bytes());
        let calls = self
            .world
            .calls()
            .iter()
            .map(|(name, n)| (*name, n - before.get(name).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        self.requests.push(calls);
        (response.status == 200)
            .then_some(response.body.clone())
            .ok_or_else(|| format!("{}: {}", response.status, response.body))
    }
}

/// A project of [`CHUNKS`] functions, four to a file, each at its lines.
fn project(shift: u32) -> Vec<Chunk> {
    (0..CHUNKS)
        .map(|i| {
            let code = format!("pub fn item_{i}() -> usize {{\n    {i}\n}}");
            let start = 4 * (i % 4) as u32 + 1 + shift;
            Chunk {
                hash: sha256_hex(&code),
                code,
                file_path: format!("src/file_{}.rs", i / 4),
                start_line: start,
                end_line: start + 2,
                context_lines: 0,
            }
        })
        .collect()
}

#[test]
fn a_sync_that_changes_the_index_closes_with_a_listing_that_records_it_clean() {
    let mut engine = Engine {
        host: EngineHost::from_json("{}").unwrap(),
        world: World::new(),
        requests: Vec::new(),
    };
    let first = sync_project(&mut engine, PROJECT, &project(0), &mut |_, _, _| {}).unwrap();
    assert_eq!(first.indexed, CHUNKS);
    assert_eq!(first.closing_requests, 1);
    assert_eq!(first.closing_unclean, 0);
    let closing = engine.requests.last().unwrap().clone();
    println!("the closing listing of {CHUNKS} chunks: {closing:?}");
    let count = |name: &str| closing.get(name).copied().unwrap_or(0);
    for spared in [
        "ai.run",
        "vectorize.upsert",
        "vectorize.deleteByIds",
        "kv.put",
        "kv.delete",
        "kv.get",
    ] {
        assert_eq!(count(spared), 0, "{spared}: {closing:?}");
    }
    assert_eq!(count("kv.list"), 2, "1,200 markers, 1,000 a page");
    assert_eq!(count("coordinator.acquire"), 1);
    assert_eq!(
        count("coordinator.writeState"),
        1,
        "the clean state, written"
    );

    engine.requests.clear();
    let again = sync_project(&mut engine, PROJECT, &project(0), &mut |_, _, _| {}).unwrap();
    assert_eq!((again.phase1_requests, again.unchanged_parts), (1, 1));
    assert_eq!(again.closing_requests, 0);
    assert_eq!(
        engine.requests,
        [BTreeMap::from([("coordinator.readState", 1)])],
        "the next sync of the same folder: one request, one call"
    );

    // Every line shifted: re-upserted with the new lines (no AI call), then closed again.
    engine.requests.clear();
    let shifted = sync_project(&mut engine, PROJECT, &project(1), &mut |_, _, _| {}).unwrap();
    assert_eq!((shifted.needed, shifted.indexed), (CHUNKS, CHUNKS));
    assert_eq!(shifted.closing_requests, 1);
    assert!(
        engine
            .requests
            .iter()
            .all(|calls| !calls.contains_key("ai.run"))
    );
    let after = sync_project(&mut engine, PROJECT, &project(1), &mut |_, _, _| {}).unwrap();
    assert_eq!(after.phase1_requests, 1);
}

#[test]
fn a_quota_stops_phase_2_and_nothing_refused_is_sent_again() {
    let mut engine = Engine {
        host: EngineHost::from_json(r#"{"quotas": {"aiChunksPerUserPerDay": 150}}"#).unwrap(),
        world: World::new(),
        requests: Vec::new(),
    };
    let summary = sync_project(&mut engine, PROJECT, &project(0), &mut |_, _, _| {}).unwrap();
    assert_eq!(summary.indexed, 150, "the quota's worth, in request order");
    assert_eq!(
        summary.phase2_requests, 2,
        "100 indexed, then 50 indexed and 50 refused: no third batch, no resend"
    );
    assert_eq!(summary.not_indexed.len(), CHUNKS - 150);
    let message = summary
        .quota_exceeded
        .as_deref()
        .expect("stopped by the quota");
    assert!(message.contains("aiChunksPerUserPerDay"), "{message}");
    assert!(!summary.complete());
    assert!(
        summary
            .not_indexed
            .values()
            .all(|why| why.contains("aiChunksPerUserPerDay")),
        "each chunk left says why"
    );
    assert_eq!(summary.closing_requests, 0, "not recorded clean: it is not");
    let quota = summary.quota.expect("the engine's quota figures");
    assert_eq!(quota["aiChunksLeft"], 0, "{quota}");
    let ai_calls: u64 = engine.requests.iter().filter_map(|c| c.get("ai.run")).sum();
    assert!(ai_calls > 0);
}
