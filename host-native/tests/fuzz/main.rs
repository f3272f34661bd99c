//! A seeded fuzz loop over everything that reads untrusted input: request bodies, the
//! engine's config, values read back from KV (which another version or a person may have
//! written) and the JSON outcomes a host hands back. No panic; every refusal is a clear
//! error; a refused request writes nothing.
//!
//! `cargo test` runs a short loop; for a long run:
//! `INDEX_SYNC_FUZZ_EXECS=1000000 cargo test --release -p index-sync-native --test fuzz -- --nocapture`

mod mutate;

use index_sync_core::marker::{MarkerRead, paths_digest, read_marker, read_marker_metadata};
use index_sync_core::names::{cache_key, marker_key, sha256_hex};
use index_sync_core::wire::outcomes_from_wire;
use index_sync_core::{CacheEntry, Config, Effect, Engine, RequestKind};
use index_sync_native::checker::Ledger;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use mutate::{Rng, execs, mutate, mutate_json};
use serde_json::{Value, json};

/// Executions one fake world lives for in the request-body loop.
const WORLD_LIFETIME: usize = 5_000;

fn bodies() -> Vec<(RequestKind, Vec<u8>)> {
    let chunk = |i: u32| json!({"hash": format!("h{i}"), "code": format!("fn f{i}() {{}}"), "filePath": "a.rs"});
    [
        (
            RequestKind::Init,
            json!({"userId": "u", "projectId": "p", "chunks": [chunk(1), chunk(2)]}),
        ),
        (
            RequestKind::Sync,
            json!({"phase": 1, "projectId": "p", "chunks": [{"hash": "h1"}, {"hash": "h3"}]}),
        ),
        (
            RequestKind::Sync,
            json!({"phase": 2, "projectId": "p", "chunks": [chunk(3)]}),
        ),
        (
            RequestKind::Search,
            json!({"projectId": "p", "query": "f1", "topK": 3}),
        ),
        (
            RequestKind::Search,
            json!({"projectId": "p", "query": "f1", "topK": 2, "pathPrefix": "a", "include": ["**/*.rs", "[a-c]?.rs"], "exclude": ["b/", "\\*x"], "lang": ["rs", "TS"]}),
        ),
        (
            RequestKind::Sync,
            json!({"phase": 1, "complete": true, "projectId": "p", "chunks": [{"hash": "h1", "filePath": "a.rs"}, {"hash": "h1", "filePath": "b.rs"}, {"hash": "h4"}]}),
        ),
        (
            RequestKind::Sync,
            json!({"phase": 1, "complete": true, "hashPrefixes": ["h", "x"], "projectId": "p", "chunks": [{"hash": "h2", "filePath": "a.rs"}]}),
        ),
        (
            RequestKind::Remove,
            json!({"projectId": "p", "hashes": ["h1", "h9"]}),
        ),
        (RequestKind::Remove, json!({"projectId": "p", "all": true})),
        (
            RequestKind::Init,
            json!({"projectId": "p", "chunks": [
                {"hash": "h5", "code": "fn f5() {}", "filePath": "a.rs", "startLine": 3, "endLine": 9},
                {"hash": "h5", "code": "fn f5() {}", "filePath": "a.rs", "startLine": 12, "endLine": 18},
                {"hash": "h6", "code": "fn f6() {}", "filePath": "b:1-2.rs"}]}),
        ),
        (
            RequestKind::Sync,
            json!({"phase": 1, "complete": true, "projectId": "p", "chunks": [
                {"hash": "h5", "filePath": "a.rs", "startLine": 4, "endLine": 10},
                {"hash": "h6", "filePath": "b:1-2.rs", "startLine": 1, "endLine": 1}]}),
        ),
    ]
    .into_iter()
    .map(|(k, b)| (k, b.to_string().into_bytes()))
    .collect()
}

#[test]
fn request_bodies_never_panic_and_refusals_write_nothing() {
    let corpus: Vec<Vec<u8>> = bodies().into_iter().map(|(_, b)| b).collect();
    let seeds = bodies();
    let mut rng = Rng(0x1dec_5eed);
    let mut host = EngineHost::from_json("{}").expect("config");
    let config = Config::default();
    let fresh = |host: &mut EngineHost| {
        let mut world = World::new();
        let mut ledger = Ledger::default();
        ledger.record(
            RequestKind::Init,
            "u",
            &serde_json::from_slice(&seeds[0].1).expect("json"),
        );
        host.serve(&mut world, RequestKind::Init, "u", &seeds[0].1);
        (world, ledger)
    };
    let (mut world, mut ledger) = fresh(&mut host);
    let n = execs(20_000);
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..n {
        // A fresh world now and then keeps each check of the whole world cheap.
        if i % WORLD_LIFETIME == 0 {
            (world, ledger) = fresh(&mut host);
        }
        let (kind, seed) = &seeds[rng.below(seeds.len())];
        let kind = if rng.below(10) == 0 {
            [
                RequestKind::Init,
                RequestKind::Sync,
                RequestKind::Search,
                RequestKind::Remove,
            ][rng.below(4)]
        } else {
            *kind
        };
        let body = if rng.below(2) == 0 {
            mutate(&mut rng, seed, &corpus)
        } else {
            let mut value: Value = serde_json::from_slice(seed).expect("seed json");
            mutate_json(&mut rng, &mut value);
            value.to_string().into_bytes()
        };
        let before = world.calls().clone();
        let response = host.serve(&mut world, kind, "u", &body);
        *statuses.entry(response.status).or_insert(0u64) += 1;
        match response.status {
            200 => {
                if let Ok(value) = serde_json::from_slice(&body) {
                    ledger.record(kind, "u", &value);
                    let broken = ledger.check_step(&world, &config, kind, "u", &value, &response);
                    assert!(broken.is_empty(), "exec {i}: {broken:?}");
                }
            }
            400 | 401 | 403 | 413 => {
                assert_eq!(
                    world.calls(),
                    &before,
                    "exec {i}: a refused request made calls"
                );
                let code = response.body["error"]["code"].as_str().unwrap_or_default();
                let message = response.body["error"]["message"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    !code.is_empty() && !message.is_empty(),
                    "exec {i}: {}",
                    response.body
                );
            }
            other => panic!(
                "exec {i}: status {other} for {}",
                String::from_utf8_lossy(&body)
            ),
        }
        if i % 1_000 == 999 {
            let broken = ledger.check_world(&world, &config);
            assert!(broken.is_empty(), "exec {i}: {broken:?}");
        }
    }
    println!("request bodies: {n} executions, statuses {statuses:?}");
}

#[test]
fn configs_never_panic() {
    let seed = serde_json::to_vec(&Config::default()).expect("config json");
    let corpus = vec![
        seed.clone(),
        br#"{"markerTtlSeconds": 60, "cacheScope": "user"}"#.to_vec(),
    ];
    let mut rng = Rng(0x000c_0f19);
    let n = execs(20_000);
    let mut accepted = 0;
    for _ in 0..n {
        let text = {
            let pick = rng.below(2);
            String::from_utf8_lossy(&mutate(&mut rng, &corpus[pick], &corpus)).into_owned()
        };
        if let Ok(config) = Config::from_json(&text) {
            accepted += usize::from(Engine::new(config).is_ok());
        }
    }
    println!("configs: {n} executions, {accepted} accepted");
}

#[test]
fn values_read_back_from_kv_never_panic_nor_serve_foreign_data() {
    let config = Config::default();
    let code = "fn f1() {}";
    let marker = marker_key(&config, "u", "p", "h1");
    let cache = cache_key(&config, "u", &sha256_hex(code));
    let good_entry = CacheEntry {
        summary: "s".into(),
        embedding: vec![0.0; 768],
        identity: config.cache_identity(),
        content_hash: sha256_hex(code),
    }
    .encode();
    let corpus = vec![
        br#"{"writtenAt": 1767225600}"#.to_vec(),
        format!(
            r#"{{"writtenAt":1767225600,"paths":"{}"}}"#,
            paths_digest(&["a.rs"])
        )
        .into_bytes(),
        b"1".to_vec(),
        good_entry.into_bytes(),
    ];
    let mut rng = Rng(0x005e_ed4b);
    let n = execs(2_000);
    let mut host = EngineHost::from_json("{}").expect("config");
    let init =
        json!({"projectId": "p", "chunks": [{"hash": "h1", "code": code, "filePath": "a.rs"}]})
            .to_string();
    let phase1 = br#"{"phase": 1, "projectId": "p", "chunks": [{"hash": "h1"}]}"#;
    let complete = br#"{"phase": 1, "complete": true, "projectId": "p", "chunks": [{"hash": "h1", "filePath": "a.rs"}]}"#;
    for i in 0..n {
        let mut world = World::new();
        let mut ledger = Ledger::default();
        let value = {
            let pick = rng.below(corpus.len());
            if rng.below(2) == 0 {
                String::from_utf8_lossy(&mutate(&mut rng, &corpus[pick], &corpus)).into_owned()
            } else {
                let mut value: Value = serde_json::from_slice(&corpus[pick]).expect("seed json");
                mutate_json(&mut rng, &mut value);
                value.to_string()
            }
        };
        let key = if rng.below(2) == 0 { &marker } else { &cache };
        // A marker's metadata is what a complete sync reads: mutated too, for markers.
        let metadata = (key == &marker).then(|| {
            let mut value = json!({"writtenAt": world.now, "paths": paths_digest(&["a.rs"])});
            mutate_json(&mut rng, &mut value);
            value
        });
        world
            .kv
            .put_with(key, &value, None, metadata.as_ref(), world.now)
            .expect("a put");
        let r = host.serve(&mut world, RequestKind::Sync, "u", phase1);
        assert_eq!(r.status, 200, "exec {i}");
        let r = host.serve(&mut world, RequestKind::Sync, "u", complete);
        assert_eq!(r.status, 200, "exec {i}");
        ledger.record(
            RequestKind::Init,
            "u",
            &serde_json::from_str(&init).expect("json"),
        );
        let r = host.serve(&mut world, RequestKind::Init, "u", init.as_bytes());
        assert_eq!(r.status, 200, "exec {i}");
        // A value that is no marker of ours (nor the seed's "1") counts as absent, and a
        // cache value is served only when it is an entry of this config for this very code;
        // anything else is a miss, recomputed and overwritten, so the invariants hold. (A
        // marker or entry forged in the right form is not detectable without redoing the
        // work: whoever can write KV owns the index.)
        let genuine = if key == &cache {
            CacheEntry::decode(&config, &config.cache_identity(), &sha256_hex(code), &value)
                .is_some()
        } else {
            let live =
                |m: Option<MarkerRead>| m.is_some_and(|m| m.holds(Some(&paths_digest(&["a.rs"]))));
            live(read_marker(&config, &value, world.now))
                || live(
                    metadata
                        .as_ref()
                        .and_then(|m| read_marker_metadata(&config, m, world.now)),
                )
        };
        if !genuine {
            let broken = ledger.check_world(&world, &config);
            assert!(broken.is_empty(), "exec {i} with {value:?}: {broken:?}");
        }
    }
    println!("KV values: {n} executions");
}

#[test]
fn host_outcomes_never_panic() {
    let batch = vec![
        Effect::KvGet {
            keys: vec!["a".into(), "b".into()],
        },
        Effect::KvPut {
            key: "a".into(),
            value: "v".into(),
            ttl_seconds: None,
            metadata: None,
        },
        Effect::AiRun {
            model: "m".into(),
            input: json!({}),
        },
        Effect::VectorizeUpsert { vectors: vec![] },
        Effect::VectorizeQuery {
            vector: vec![],
            top_k: 1,
            filter: json!({}),
        },
        Effect::KvList {
            prefix: "p".into(),
            cursor: None,
            limit: 10,
        },
        Effect::KvDelete { key: "a".into() },
        Effect::VectorizeDeleteByIds { ids: vec![] },
    ];
    let seed = br#"[{"texts": {"at": 0, "lengths": [3, null]}}, {"ok": null}, {"embeddings": {"rows": 2, "at": [1, 5]}}, {"error": {"code": "timeout", "message": "m"}}, {"ok": {"matches": [{"id": "i", "score": 0.5, "metadata": {}}]}}, {"ok": {"keys": [{"name": "pa", "metadata": {"writtenAt": 1}}], "cursor": "pa"}}, {"ok": null}, {"ok": null}]"#;
    let summary = br#"[{"ok": ["x", null]}, {"ok": null}, {"ok": {"response": "s"}}]"#;
    let corpus = vec![seed.to_vec(), summary.to_vec()];
    let text = "xé\u{0}yz".as_bytes();
    let floats = [0.5, 1.0, -2.0, f32::NAN, 3.0];
    let mut rng = Rng(0x0c0e);
    let n = execs(20_000);
    for _ in 0..n {
        let base = &corpus[rng.below(corpus.len())];
        let json = String::from_utf8_lossy(&mutate(&mut rng, base, &corpus)).into_owned();
        if let Ok(outcomes) = outcomes_from_wire(&batch, &json, &floats, text) {
            assert_eq!(outcomes.len(), batch.len());
        }
    }
    println!("host outcomes: {n} executions");
}
