//! The invariant checker must catch each broken invariant; a checker that cannot fail proves
//! nothing.

use index_sync_core::names::{cache_key, marker_key, sha256_hex, vector_id};
use index_sync_core::{CacheEntry, Config, RequestKind, Response, Vector};
use index_sync_native::checker::{Ledger, expected_embedding};
use index_sync_native::fakes::World;
use serde_json::json;

fn sent(ledger: &mut Ledger, user: &str, hash: &str, code: &str) {
    ledger.record(
        RequestKind::Init,
        user,
        &json!({"projectId": "p", "chunks": [{"hash": hash, "code": code, "filePath": "f.rs"}]}),
    );
}

fn vector(config: &Config, user: &str, hash: &str, code: &str) -> Vector {
    Vector {
        id: vector_id(config, user, "p", hash),
        values: expected_embedding(config, code),
        metadata: json!({"userId": user, "projectId": "p", "hash": hash, "filePath": "f.rs", "contentHash": sha256_hex(code)}),
    }
}

/// A world where user `u` sent chunk `h` and holds its marker, but no vector yet.
fn marked_chunk() -> (Config, World, Ledger) {
    let config = Config::default();
    let (mut world, mut ledger) = (World::new(), Ledger::default());
    sent(&mut ledger, "u", "h", "fn a() {}");
    world
        .kv
        .put(&marker_key(&config, "u", "p", "h"), "1", None, world.now)
        .unwrap();
    (config, world, ledger)
}

#[test]
fn a_marker_without_its_vector_breaks_a() {
    let (config, mut world, ledger) = marked_chunk();
    assert!(ledger.check_world(&world, &config)[0].starts_with("(a)"));
    world
        .vectorize
        .upsert(vec![vector(&config, "u", "h", "fn a() {}")])
        .unwrap();
    assert!(ledger.check_world(&world, &config).is_empty());
}

#[test]
fn a_vector_made_from_other_code_breaks_a() {
    let (config, mut world, ledger) = marked_chunk();
    let mut poisoned = vector(&config, "u", "h", "fn a() {}");
    poisoned.values = expected_embedding(&config, "fn evil() {}");
    world.vectorize.upsert(vec![poisoned]).unwrap();
    assert!(ledger.check_world(&world, &config)[0].starts_with("(a)"));
}

#[test]
fn a_cache_entry_under_the_wrong_key_breaks_b() {
    let config = Config::default();
    let (mut world, mut ledger) = (World::new(), Ledger::default());
    sent(&mut ledger, "u", "h", "fn a() {}");
    sent(&mut ledger, "v", "h", "fn evil() {}");
    let entry = CacheEntry {
        summary: "s".into(),
        embedding: expected_embedding(&config, "fn evil() {}"),
        identity: config.cache_identity(),
        content_hash: sha256_hex("fn a() {}"),
    }
    .encode();
    let key = cache_key(&config, "u", &sha256_hex("fn a() {}"));
    world.kv.put(&key, &entry, None, world.now).unwrap();
    assert!(ledger.check_world(&world, &config)[0].starts_with("(b)"));
}

#[test]
fn a_foreign_search_result_breaks_c() {
    let mut ledger = Ledger::default();
    sent(&mut ledger, "u", "h", "fn a() {}");
    sent(&mut ledger, "v", "h2", "fn b() {}");
    let foreign = Response {
        status: 200,
        body: json!({"results": [{"filePath": "f.rs", "hash": "h2"}]}),
    };
    assert!(ledger.check_search("u", "p", &foreign)[0].starts_with("(c)"));
    let own = Response {
        status: 200,
        body: json!({"results": [{"filePath": "f.rs", "hash": "h"}]}),
    };
    assert!(ledger.check_search("u", "p", &own).is_empty());
}
