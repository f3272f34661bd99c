//! The invariant checker must catch each broken invariant; a checker that cannot fail proves
//! nothing. Where a chunk is (files and lines) has its own tests (`places.rs`), and so has
//! what a search shows (`search.rs`).

mod places;
mod search;

use index_sync_core::marker::{NewMarker, paths_digest};
use index_sync_core::names::{TenantNames, cache_key, marker_key, sha256_hex, vector_id};
use index_sync_core::{CacheEntry, Config, RequestKind, Response, Vector};
use index_sync_native::checker::{Ledger, digest, expected_embedding, listed};
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

#[test]
fn a_vector_without_marker_or_journal_breaks_g() {
    let config = Config::default();
    let (mut world, mut ledger) = (World::new(), Ledger::default());
    sent(&mut ledger, "u", "h", "fn a() {}");
    world
        .vectorize
        .upsert(vec![vector(&config, "u", "h", "fn a() {}")])
        .unwrap();
    assert!(ledger.check_world(&world, &config)[0].starts_with("(g)"));
    let names = TenantNames::new(&config, "u", "p");
    let journal = names.journal_key(&"0".repeat(32));
    world
        .kv
        .put(&journal, r#"{"hashes": ["other", "h"]}"#, None, world.now)
        .unwrap();
    assert!(
        ledger.check_world(&world, &config).is_empty(),
        "a journal names it"
    );
    world.kv.delete(&journal);
    let mut misnamed = vector(&config, "u", "h", "fn a() {}");
    misnamed.id = "u_p_other".into();
    world
        .vectorize
        .delete_by_ids(&[vector_id(&config, "u", "p", "h")])
        .unwrap();
    world.vectorize.upsert(vec![misnamed]).unwrap();
    assert!(
        ledger.check_world(&world, &config)[0].contains("not the id"),
        "an id no record computes"
    );
}

#[test]
fn a_removed_chunk_whose_vector_stays_breaks_f() {
    let (config, mut world, ledger) = marked_chunk();
    world
        .vectorize
        .upsert(vec![vector(&config, "u", "h", "fn a() {}")])
        .unwrap();
    let finished = |body: serde_json::Value| Response { status: 200, body };
    let listing =
        json!({"phase": 1, "complete": true, "projectId": "p", "chunks": [{"hash": "g"}]});
    let synced = finished(json!({"cached": [], "moreToRemove": false}));
    let broken = ledger.check_step(&world, &config, RequestKind::Sync, "u", &listing, &synced);
    assert!(broken[0].starts_with("(f)"), "{broken:?}");
    let unfinished = finished(json!({"cached": [], "moreToRemove": true}));
    assert!(
        ledger
            .check_step(
                &world,
                &config,
                RequestKind::Sync,
                "u",
                &listing,
                &unfinished
            )
            .is_empty(),
        "a sync that says there is more to remove"
    );
    let elsewhere = json!({"phase": 1, "complete": true, "hashPrefixes": ["g"], "projectId": "p", "chunks": []});
    assert!(
        ledger
            .check_step(&world, &config, RequestKind::Sync, "u", &elsewhere, &synced)
            .is_empty(),
        "a part whose prefixes do not hold it"
    );
    let moved = json!({"phase": 1, "complete": true, "projectId": "p", "chunks": [{"hash": "h", "filePath": "g.rs"}]});
    let cached = finished(json!({"cached": ["h"], "moreToRemove": false}));
    let broken = ledger.check_step(&world, &config, RequestKind::Sync, "u", &moved, &cached);
    assert!(broken[0].contains("answered cached"), "{broken:?}");
    let remove = json!({"projectId": "p", "hashes": ["h"]});
    let removed = finished(json!({"removed": ["h"], "moreToRemove": false}));
    let broken = ledger.check_step(&world, &config, RequestKind::Remove, "u", &remove, &removed);
    assert!(broken[0].starts_with("(f)"), "{broken:?}");
    let all = json!({"projectId": "p", "all": true});
    let nothing = finished(json!({"removed": [], "moreToRemove": false}));
    let broken = ledger.check_step(&world, &config, RequestKind::Remove, "u", &all, &nothing);
    assert!(broken[0].contains("remove all finished"), "{broken:?}");
}

/// The answers of (h): a world where user `u` holds chunk `h` at `f.rs` (vector and marker),
/// checked against responses that say more than it holds.
fn held_chunk() -> (Config, World, Ledger) {
    let (config, mut world, ledger) = marked_chunk();
    let mut v = vector(&config, "u", "h", "fn a() {}");
    v.metadata["filePaths"] = json!(["f.rs"]);
    world.vectorize.upsert(vec![v]).unwrap();
    let (value, _) = NewMarker {
        now: world.now,
        paths: Some(&paths_digest(&["f.rs"])),
        hash: None,
        words: false,
    }
    .encode();
    let key = marker_key(&config, "u", "p", "h");
    world.kv.put(&key, &value, None, world.now).unwrap();
    (config, world, ledger)
}

fn answer(body: serde_json::Value) -> Response {
    Response { status: 200, body }
}

#[test]
fn a_cached_answer_the_index_does_not_hold_breaks_h() {
    let (config, mut world, ledger) = held_chunk();
    let check = |world: &World, chunks: serde_json::Value, kind: RequestKind| {
        let body = match kind {
            RequestKind::Init => json!({"projectId": "p", "chunks": chunks}),
            _ => json!({"phase": 1, "projectId": "p", "chunks": chunks}),
        };
        let cached = answer(json!({"cached": ["h"], "needed": []}));
        ledger.check_answer(world, &config, kind, "u", &body, &cached)
    };
    let at = |path: &str| json!([{"hash": "h", "filePath": path}]);
    let anywhere = json!([{"hash": "h"}]);
    assert!(check(&world, at("f.rs"), RequestKind::Sync).is_empty());
    assert!(check(&world, anywhere.clone(), RequestKind::Sync).is_empty());
    let moved = json!([{"hash": "h", "code": "fn a() {}", "filePath": "g.rs"}]);
    let broken = check(&world, moved, RequestKind::Init);
    assert!(broken[0].contains("its vector is at"), "{broken:?}");
    let unasked = check(&world, json!([{"hash": "g"}]), RequestKind::Sync);
    assert!(unasked[0].contains("not asked"), "{unasked:?}");

    // The vector at f.rs, its marker naming other files.
    let key = marker_key(&config, "u", "p", "h");
    let (other, _) = NewMarker {
        now: world.now,
        paths: Some(&paths_digest(&["g.rs"])),
        hash: None,
        words: false,
    }
    .encode();
    world.kv.put(&key, &other, None, world.now).unwrap();
    let broken = check(&world, at("f.rs"), RequestKind::Sync);
    assert!(
        broken[0].contains("marker names other places"),
        "{broken:?}"
    );

    // A marker past its lifetime is no marker; a vector alone is no cached chunk.
    world.advance(config.marker_ttl_seconds);
    let broken = check(&world, anywhere.clone(), RequestKind::Sync);
    assert!(broken[0].contains("no live marker"), "{broken:?}");
    let (fresh, _) = NewMarker {
        now: world.now,
        paths: None,
        hash: None,
        words: false,
    }
    .encode();
    world.kv.put(&key, &fresh, None, world.now).unwrap();
    world
        .vectorize
        .delete_by_ids(&[vector_id(&config, "u", "p", "h")])
        .unwrap();
    let broken = check(&world, anywhere, RequestKind::Sync);
    assert!(
        broken[0].starts_with("(h)") && broken[0].contains("no vector"),
        "{broken:?}"
    );
}

#[test]
fn an_unchanged_answer_for_a_listing_that_is_not_the_index_breaks_h() {
    let (config, mut world, mut ledger) = held_chunk();
    let unchanged = answer(json!({"cached": [], "needed": [], "unchanged": true}));
    let listing =
        |chunks| json!({"phase": 1, "complete": true, "projectId": "p", "chunks": chunks});
    let check = |ledger: &Ledger, world: &World, body: &serde_json::Value| {
        ledger.check_answer(world, &config, RequestKind::Sync, "u", body, &unchanged)
    };
    let exact = listing(json!([{"hash": "h", "filePath": "f.rs"}]));
    assert!(check(&ledger, &world, &exact).is_empty());
    let without = listing(json!([]));
    let broken = check(&ledger, &world, &without);
    assert!(
        broken
            .iter()
            .any(|b| b.contains("not listed, is in the index")),
        "{broken:?}"
    );
    assert!(
        broken.iter().any(|b| b.contains("has a live marker")),
        "{broken:?}"
    );
    let part = json!({"phase": 1, "complete": true, "hashPrefixes": ["g"], "projectId": "p", "chunks": []});
    assert!(
        check(&ledger, &world, &part).is_empty(),
        "h is outside the part"
    );
    let moved = listing(json!([{"hash": "h", "filePath": "g.rs"}]));
    assert!(check(&ledger, &world, &moved)[0].contains("its vector is at"));

    // A root-only phase 1 stands for the listing whose digest it sends.
    ledger.record(RequestKind::Sync, "u", &exact);
    ledger.record(RequestKind::Sync, "u", &moved);
    let root_only = |body: &serde_json::Value| {
        let d = digest(&listed(&body["chunks"]));
        json!({"phase": 1, "complete": true, "projectId": "p", "digest": d})
    };
    assert!(check(&ledger, &world, &root_only(&exact)).is_empty());
    assert!(!check(&ledger, &world, &root_only(&moved)).is_empty());
    let never_sent = root_only(&listing(json!([{"hash": "z"}])));
    assert!(check(&ledger, &world, &never_sent)[0].contains("no listing ever sent"));
    world
        .vectorize
        .delete_by_ids(&[vector_id(&config, "u", "p", "h")])
        .unwrap();
    assert!(check(&ledger, &world, &root_only(&exact))[0].contains("no vector"));
}
