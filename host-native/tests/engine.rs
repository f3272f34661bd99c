//! The engine driven directly over the fakes, for what scenario files cannot say: several
//! configs over one world, values another version wrote, and host-call counts at scale.

use index_sync_core::names::{cache_key, marker_key, sha256_hex, vector_id};
use index_sync_core::{CacheEntry, Config, Engine, RequestKind, Response};
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

fn host(config: Value) -> EngineHost {
    EngineHost::from_json(&config.to_string()).expect("a valid config")
}

fn serve(
    host: &mut EngineHost,
    world: &mut World,
    kind: RequestKind,
    user: &str,
    body: Value,
) -> Response {
    host.serve(world, kind, user, body.to_string().as_bytes())
}

fn chunks(n: usize, salt: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let code = format!("fn item_{salt}_{i}() -> u32 {{ {i} }}");
            json!({"hash": sha256_hex(&code), "code": code, "filePath": format!("src/{i}.rs")})
        })
        .collect()
}

/// Every host call so far (the per-key billed counts, `kv.keys*`, are no calls).
fn host_calls(world: &World) -> u64 {
    world
        .calls()
        .iter()
        .filter(|(name, _)| !name.starts_with("kv.keys"))
        .map(|(_, n)| n)
        .sum()
}

fn calls(world: &World, name: &str) -> u64 {
    world.calls().get(name).copied().unwrap_or(0)
}

#[test]
fn a_cache_entry_made_under_another_model_is_never_served() {
    let mut world = World::new();
    let code = "fn shared() {}";
    let body =
        json!({"projectId": "p", "chunks": [{"hash": "h", "code": code, "filePath": "a.rs"}]});
    let mut old = host(json!({}));
    assert_eq!(
        serve(
            &mut old,
            &mut world,
            RequestKind::Init,
            "alice",
            body.clone()
        )
        .status,
        200
    );
    let before = calls(&world, "ai.run");
    let mut new =
        host(json!({"embeddingModel": "@cf/baai/bge-small-en-v1.5", "embeddingDimensions": 384}));
    let response = serve(&mut new, &mut world, RequestKind::Init, "bob", body.clone());
    assert_eq!(response.body["indexed"], json!(["h"]));
    assert_eq!(
        calls(&world, "ai.run") - before,
        2,
        "summary and embedding made anew"
    );
    let mut reprompted = host(json!({"summaryPrompt": "Describe it."}));
    let before = calls(&world, "ai.run");
    serve(
        &mut reprompted,
        &mut world,
        RequestKind::Init,
        "carol",
        body,
    );
    assert_eq!(
        calls(&world, "ai.run") - before,
        2,
        "another prompt is another entry"
    );
}

#[test]
fn a_legacy_marker_counts_as_present_and_is_rewritten_once() {
    let mut world = World::new();
    let config = Config::default();
    let key = marker_key(&config, "alice", "p", "h");
    world
        .kv
        .put(&key, "1", Some(3600), world.now)
        .expect("a put");
    let mut engine = host(json!({}));
    let phase1 = json!({"phase": 1, "projectId": "p", "chunks": [{"hash": "h"}]});
    let response = serve(
        &mut engine,
        &mut world,
        RequestKind::Sync,
        "alice",
        phase1.clone(),
    );
    assert_eq!(response.body["cached"], json!(["h"]));
    assert_eq!(
        calls(&world, "kv.put"),
        1,
        "the seed's \"1\" is due for a rewrite"
    );
    assert!(
        world
            .kv
            .read(&key, world.now)
            .is_some_and(|v| v.contains("writtenAt"))
    );
    serve(&mut engine, &mut world, RequestKind::Sync, "alice", phase1);
    assert_eq!(
        calls(&world, "kv.put"),
        1,
        "rewritten once, not on every read"
    );
    let with_files =
        json!({"phase": 1, "projectId": "p", "chunks": [{"hash": "h", "filePath": "a.rs"}]});
    let response = serve(
        &mut engine,
        &mut world,
        RequestKind::Sync,
        "alice",
        with_files,
    );
    assert_eq!(
        response.body["needed"],
        json!(["h"]),
        "a marker that never named its files cannot vouch for these"
    );
}

#[test]
fn foreign_cache_values_are_misses_and_are_replaced() {
    let mut world = World::new();
    let config = Config::default();
    let code = "fn f() {}";
    let key = cache_key(&config, "u", &sha256_hex(code));
    world
        .kv
        .put(
            &key,
            "{\"summary\": \"pwned\", \"embedding\": [1]}",
            None,
            world.now,
        )
        .expect("a put");
    let mut engine = host(json!({}));
    let body =
        json!({"projectId": "p", "chunks": [{"hash": "h", "code": code, "filePath": "f.rs"}]});
    let response = serve(&mut engine, &mut world, RequestKind::Init, "u", body);
    assert_eq!(response.body["indexed"], json!(["h"]));
    assert_eq!(calls(&world, "ai.run"), 2);
    let id = vector_id(&config, "u", "p", "h");
    let (_, meta) = world.vectorize.get(&id).expect("the vector");
    assert_eq!(meta["summary"], "Summary: fn f() {}");
}

#[test]
fn phase_1_of_ten_thousand_cached_hashes_takes_a_hundred_reads() {
    let mut world = World::new();
    let mut engine = host(json!({"operationBudget": 10_000, "kvOperationBudget": 10_000}));
    let all = chunks(10_000, "w1");
    // Index them first, in requests the budget allows.
    for part in all.chunks(300) {
        let r = serve(
            &mut engine,
            &mut world,
            RequestKind::Init,
            "alice",
            json!({"projectId": "p", "chunks": part}),
        );
        assert_eq!(r.body["deferred"], json!([]));
    }
    let mut engine = host(json!({}));
    let (gets, puts) = (calls(&world, "kv.get"), calls(&world, "kv.put"));
    let hashes: Vec<Value> = all.iter().map(|c| json!({"hash": c["hash"]})).collect();
    let r = serve(
        &mut engine,
        &mut world,
        RequestKind::Sync,
        "alice",
        json!({"phase": 1, "projectId": "p", "chunks": hashes}),
    );
    assert_eq!(r.body["cached"].as_array().map(Vec::len), Some(10_000));
    assert_eq!(calls(&world, "kv.get") - gets, 100);
    assert_eq!(
        calls(&world, "kv.put") - puts,
        0,
        "fresh markers are not rewritten"
    );
    println!(
        "phase 1 of 10,000 cached hashes: {} kv.get, 0 kv.put",
        calls(&world, "kv.get") - gets
    );
}

#[test]
fn indexing_a_thousand_new_chunks_stays_within_every_budget_and_completes_on_resend() {
    let all = chunks(1_000, "w2");
    for (budget, kv_budget) in [(1_000, 1_000), (50, 50), (10_000, 1_000), (10_000, 10_000)] {
        let mut world = World::new();
        let mut engine = host(json!({"operationBudget": budget, "kvOperationBudget": kv_budget}));
        let mut invocations = 0;
        loop {
            let before = host_calls(&world);
            let kv_ops = |w: &World| {
                ["kv.get", "kv.put", "kv.delete", "kv.list"]
                    .map(|n| calls(w, n))
                    .iter()
                    .sum::<u64>()
            };
            let kv_before = kv_ops(&world);
            let r = serve(
                &mut engine,
                &mut world,
                RequestKind::Init,
                "alice",
                json!({"projectId": "p", "chunks": all}),
            );
            invocations += 1;
            let used = host_calls(&world) - before;
            let kv_used = kv_ops(&world) - kv_before;
            assert!(
                used <= budget as u64 && kv_used <= kv_budget as u64,
                "{used} calls, {kv_used} KV"
            );
            assert_eq!(r.body["failed"], json!([]));
            if r.body["deferred"] == json!([]) {
                break;
            }
            assert!(invocations < 200, "no progress");
        }
        println!(
            "1,000 new chunks, budget {budget}/{kv_budget}: {invocations} invocations, {} ai.run, {} vectorize.upsert, {} kv.get, {} kv.put",
            calls(&world, "ai.run"),
            calls(&world, "vectorize.upsert"),
            calls(&world, "kv.get"),
            calls(&world, "kv.put"),
        );
        assert_eq!(world.vectorize.ids().count(), 1_000);
        if budget == 10_000 && kv_budget == 10_000 {
            assert_eq!(invocations, 1);
            assert_eq!(
                calls(&world, "ai.run"),
                1_010,
                "1,000 summaries and 10 embedding batches"
            );
            assert_eq!(calls(&world, "vectorize.upsert"), 1);
        }
    }
}

#[test]
fn engine_refuses_configs_the_platform_would_refuse() {
    for bad in [
        json!({"markerTtlSeconds": 59}),
        json!({"cacheTtlSeconds": 1}),
        json!({"kvBulkGetSize": 0}),
        json!({"operationBudget": 6}),
        json!({"markerTtlSeconds": 100, "markerRefreshAfterSeconds": 100}),
        json!({"defaultTopK": 51}),
        json!({"noSuchField": 1}),
    ] {
        let refused = Config::from_json(&bad.to_string()).and_then(Engine::new);
        assert!(refused.is_err(), "{bad} was accepted");
    }
}

#[test]
fn a_genuine_cache_entry_is_served_and_one_filed_under_another_code_is_not() {
    let config = Config::default();
    let planted = |content_hash: &str| {
        CacheEntry {
            summary: "Summary: planted".into(),
            embedding: vec![0.5; 768],
            identity: config.cache_identity(),
            content_hash: content_hash.into(),
        }
        .encode()
    };
    let (a, b) = ("fn a() {}", "fn b() {}");
    let mut world = World::new();
    // The entry made from `a`, filed under its own key and under `b`'s.
    for code in [a, b] {
        let key = cache_key(&config, "u", &sha256_hex(code));
        world
            .kv
            .put(&key, &planted(&sha256_hex(a)), None, world.now)
            .expect("a put");
    }
    let mut engine = host(json!({}));
    let body = |code: &str| json!({"projectId": "p", "chunks": [{"hash": code, "code": code, "filePath": "f.rs"}]});
    serve(&mut engine, &mut world, RequestKind::Init, "u", body(a));
    assert_eq!(
        calls(&world, "ai.run"),
        0,
        "an entry in the engine's own form is served"
    );
    serve(&mut engine, &mut world, RequestKind::Init, "u", body(b));
    assert_eq!(
        calls(&world, "ai.run"),
        2,
        "an entry made from other code is a miss"
    );
}

#[test]
fn a_summaries_reply_that_lacks_a_chunk_fails_that_chunk_alone() {
    let engine = Engine::new(Config::from_json(r#"{"summaryBatchSize": 4}"#).expect("config"))
        .expect("engine");
    let body = json!({"projectId": "p", "chunks": chunks(3, "lacks")});
    let mut world = World::new();
    let response = engine
        .start(
            RequestKind::Init,
            "alice",
            body.to_string().as_bytes(),
            world.now,
        )
        .run_to_end(|effect| match &effect {
            // The model answers chunks 0 and 2, and garbles nothing else.
            index_sync_core::Effect::AiRun { input, .. }
                if input.get("response_format").is_some() =>
            {
                let mut output = index_sync_native::fakes::ai::run("m", input).expect("a reply");
                let list = output["response"]["summaries"]
                    .as_array_mut()
                    .expect("summaries");
                list.retain(|s| s["id"] != "1");
                Ok(index_sync_core::Reply::AiRun { output })
            }
            _ => world.perform(effect),
        });
    let failed: Vec<&str> = response.body["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .filter_map(|f| f["hash"].as_str())
        .collect();
    let all = chunks(3, "lacks");
    assert_eq!(failed, [all[1]["hash"].as_str().unwrap()]);
    assert_eq!(response.body["indexed"].as_array().map(Vec::len), Some(2));
    assert_eq!(response.body["failed"][0]["error"]["code"], "ai_failed");
}

#[test]
fn a_thousand_new_chunks_take_135_ai_requests_in_batches_of_8_and_10_without_summaries() {
    for (config, most) in [
        (json!({"summaryBatchSize": 8}), 135),
        (json!({"summaries": false}), 10),
    ] {
        let mut world = World::new();
        let mut engine = host(config.clone());
        let body = json!({"projectId": "p", "chunks": chunks(1_000, "batches")});
        for _ in 0..10 {
            let r = serve(
                &mut engine,
                &mut world,
                RequestKind::Init,
                "alice",
                body.clone(),
            );
            if r.body["deferred"] == json!([]) {
                break;
            }
        }
        assert_eq!(world.vectorize.ids().count(), 1_000, "{config}");
        assert_eq!(
            calls(&world, "ai.run"),
            most,
            "{config}: whole AI batches in every invocation KV's limit forces"
        );
    }
}
