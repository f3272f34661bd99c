//! Turning hybrid search on for an index built without it: the markers and the record state
//! written before vouch for vectors only, so the next complete sync answers every chunk
//! needed (not `unchanged`), phase 2 indexes them again from the shared cache (no AI call)
//! with their words, and from then on they are cached and found by their words.

use index_sync_core::RequestKind;
use index_sync_core::record_state::listing_digest;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

const USER: &str = "alice@example.com";
const PROJECT: &str = "shop";

fn chunks() -> Vec<Value> {
    [
        (
            "retry",
            "fn retry_with_backoff(send: Send) {}",
            "src/net.rs",
        ),
        ("parse", "fn parse_config(text: &str) {}", "src/config.rs"),
    ]
    .iter()
    .map(|(hash, code, path)| json!({"hash": hash, "code": code, "filePath": path}))
    .collect()
}

fn listing() -> Value {
    let listed: Vec<Value> = chunks()
        .iter()
        .map(|c| json!({"hash": c["hash"], "filePath": c["filePath"]}))
        .collect();
    json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": listed})
}

fn serve(host: &mut EngineHost, world: &mut World, kind: RequestKind, body: &Value) -> Value {
    let response = host.serve(world, kind, USER, body.to_string().as_bytes());
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

fn calls(world: &World, name: &str) -> u64 {
    world.calls().get(name).copied().unwrap_or(0)
}

#[test]
fn an_index_built_before_hybrid_search_gets_its_words_at_the_next_sync() {
    let mut world = World::new();
    let mut before = EngineHost::from_json("{}").expect("config");
    let init = json!({"projectId": PROJECT, "chunks": chunks()});
    serve(&mut before, &mut world, RequestKind::Init, &init);
    let clean = serve(&mut before, &mut world, RequestKind::Sync, &listing());
    assert_eq!(clean["cached"].as_array().map(Vec::len), Some(2));
    let digest = listing_digest([
        ("retry", &["src/net.rs"][..]),
        ("parse", &["src/config.rs"]),
    ]);
    let root_only = json!({"phase": 1, "complete": true, "projectId": PROJECT, "digest": digest});
    assert_eq!(
        serve(&mut before, &mut world, RequestKind::Sync, &root_only)["unchanged"],
        true
    );
    assert!(world.text_index.is_empty());

    let mut hybrid = EngineHost::from_json(r#"{"hybrid": true}"#).expect("config");
    let answer = serve(&mut hybrid, &mut world, RequestKind::Sync, &root_only);
    assert_ne!(
        answer["unchanged"], true,
        "the record state vouches for no words"
    );
    let answer = serve(&mut hybrid, &mut world, RequestKind::Sync, &listing());
    assert_eq!(answer["needed"], json!(["retry", "parse"]));
    let ai_before = calls(&world, "ai.run");
    let phase2 = json!({"phase": 2, "projectId": PROJECT, "chunks": chunks()});
    let indexed = serve(&mut hybrid, &mut world, RequestKind::Sync, &phase2);
    assert_eq!(indexed["indexed"], json!(["retry", "parse"]));
    assert_eq!(calls(&world, "ai.run"), ai_before, "from the shared cache");
    assert_eq!(world.text_index.len(), 2);

    let again = serve(&mut hybrid, &mut world, RequestKind::Sync, &listing());
    assert_eq!(again["cached"], json!(["retry", "parse"]));
    let search = json!({"projectId": PROJECT, "query": "retry with backoff", "topK": 1});
    let found = serve(&mut hybrid, &mut world, RequestKind::Search, &search);
    assert_eq!(found["results"][0]["hash"], "retry");
}
