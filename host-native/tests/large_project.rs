//! Complete syncs at scale: a project of 50,000 chunks, more than one request may list
//! (`maxChunksPerRequest` is 10,000), synced in parts by hash prefix; and the host calls of
//! a complete sync of 10,000 chunks, unchanged and with 200 removed.

use std::collections::BTreeSet;

use index_sync_core::marker::{NewMarker, paths_digest};
use index_sync_core::names::{TenantNames, cache_key, sha256_hex};
use index_sync_core::{CacheEntry, Config, RequestKind, Response, Vector};
use index_sync_native::checker::Ledger;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

fn code(i: usize) -> String {
    format!("fn item_{i}() -> u32 {{ {i} }}")
}

fn serve(host: &mut EngineHost, world: &mut World, kind: RequestKind, body: &Value) -> Response {
    let r = host.serve(world, kind, "alice", body.to_string().as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

fn strings(body: &Value, field: &str) -> BTreeSet<String> {
    body[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `n` chunks indexed for alice, each in `src/{i}.rs`: the markers, vectors and cache
/// entries the engine writes, put straight into the world (indexing 50,000 chunks through
/// the fake AI in a debug build takes minutes; `seeding_straight_matches_indexing` shows
/// the record is the same).
fn seeded(n: usize) -> (World, Vec<(String, usize)>) {
    let mut world = World::new();
    let config = Config::default();
    let names = TenantNames::new(&config, "alice", "p");
    let hashes: Vec<(String, usize)> = (0..n).map(|i| (sha256_hex(&code(i)), i)).collect();
    let mut vectors = Vec::new();
    for (hash, i) in &hashes {
        let path = format!("src/{i}.rs");
        let (value, metadata) = NewMarker {
            now: world.now,
            paths: Some(&paths_digest(&[&path])),
            hash: None,
            words: false,
        }
        .encode();
        world
            .kv
            .put_with(
                &names.marker_key(hash),
                &value,
                None,
                Some(&metadata),
                world.now,
            )
            .expect("a marker");
        let entry = CacheEntry {
            summary: format!("Summary: item {i}"),
            embedding: vec![0.5; 768],
            identity: config.cache_identity(),
            content_hash: sha256_hex(&code(*i)),
        };
        world
            .kv
            .put(
                &cache_key(&config, "alice", &entry.content_hash),
                &entry.encode(),
                None,
                world.now,
            )
            .expect("a cache entry");
        vectors.push(Vector {
            id: names.vector_id(hash),
            values: vec![1.0; 4],
            metadata: json!({"userId": "alice", "projectId": "p", "hash": hash,
                             "filePath": path, "filePaths": [path], "contentHash": sha256_hex(&code(*i))}),
        });
    }
    for batch in vectors.chunks(1_000) {
        world.vectorize.upsert(batch.to_vec()).expect("vectors");
    }
    (world, hashes)
}

#[test]
fn seeding_straight_matches_indexing() {
    let (seeded, _) = seeded(3);
    let mut world = World::new();
    let mut host = EngineHost::from_json("{}").expect("config");
    let chunks: Vec<Value> = (0..3)
        .map(|i| json!({"hash": sha256_hex(&code(i)), "code": code(i), "filePath": format!("src/{i}.rs")}))
        .collect();
    serve(
        &mut host,
        &mut world,
        RequestKind::Init,
        &json!({"projectId": "p", "chunks": chunks}),
    );
    let keys = |w: &World| -> Vec<(String, Option<Value>)> {
        w.kv.keys(w.now)
            .filter(|k| k.starts_with("chunkHash:"))
            .map(|k| (k.to_owned(), w.kv.metadata(k, w.now).cloned()))
            .collect()
    };
    assert_eq!(
        keys(&seeded),
        keys(&world),
        "the same markers, metadata included"
    );
    let ids = |w: &World| -> Vec<String> { w.vectorize.ids().map(str::to_owned).collect() };
    assert_eq!(ids(&seeded), ids(&world), "the same vector ids");
    for id in ids(&world) {
        let meta = |w: &World| {
            let (_, m) = w.vectorize.get(&id).expect("a vector");
            (
                m["filePaths"].clone(),
                m["hash"].clone(),
                m["contentHash"].clone(),
            )
        };
        assert_eq!(meta(&seeded), meta(&world));
    }
}

#[test]
fn a_project_of_fifty_thousand_chunks_syncs_completely_in_parts() {
    let (mut world, hashes) = seeded(50_000);
    let config = Config::default();
    let mut host = EngineHost::from_json("{}").expect("config");
    let ledger = Ledger::default();
    // The edits: every 100th chunk deleted, every 100th (offset 50) moved.
    let deleted: BTreeSet<&str> = hashes
        .iter()
        .filter(|(_, i)| i % 100 == 0)
        .map(|(h, _)| h.as_str())
        .collect();
    let moved: BTreeSet<&str> = hashes
        .iter()
        .filter(|(_, i)| i % 100 == 50)
        .map(|(h, _)| h.as_str())
        .collect();
    let path = |h: &str, i: usize| {
        if moved.contains(h) {
            format!("lib/{i}.rs")
        } else {
            format!("src/{i}.rs")
        }
    };
    // Parts of three leading hex digits' worth: about 9,400 chunks each.
    let digits: Vec<char> = "0123456789abcdef".chars().collect();
    let (mut removed, mut needed) = (BTreeSet::new(), BTreeSet::new());
    for group in digits.chunks(3) {
        let prefixes: Vec<String> = group.iter().map(char::to_string).collect();
        let listed: Vec<Value> = hashes
            .iter()
            .filter(|(h, _)| {
                !deleted.contains(h.as_str()) && prefixes.iter().any(|p| h.starts_with(p.as_str()))
            })
            .map(|(h, i)| json!({"hash": h, "filePath": path(h, *i)}))
            .collect();
        assert!(listed.len() <= config.max_chunks_per_request);
        let body = json!({"phase": 1, "complete": true, "hashPrefixes": prefixes, "projectId": "p", "chunks": listed});
        let r = serve(&mut host, &mut world, RequestKind::Sync, &body);
        assert_eq!(
            r.body["moreToRemove"], false,
            "{}",
            r.body["removeDeferred"]
        );
        assert!(strings(&r.body, "deferred").is_empty());
        let broken = ledger.check_step(&world, &config, RequestKind::Sync, "alice", &body, &r);
        assert!(broken.is_empty(), "{:?}", &broken[..broken.len().min(3)]);
        removed.extend(strings(&r.body, "removed"));
        needed.extend(strings(&r.body, "needed"));
    }
    let expected: BTreeSet<String> = deleted.iter().map(|h| (*h).to_owned()).collect();
    assert_eq!(removed, expected, "exactly the deleted chunks, 500 of them");
    let expected: BTreeSet<String> = moved.iter().map(|h| (*h).to_owned()).collect();
    assert_eq!(needed, expected, "exactly the moved chunks");
    let before = world.calls().get("ai.run").copied().unwrap_or(0);
    let chunks: Vec<Value> = hashes
        .iter()
        .filter(|(h, _)| moved.contains(h.as_str()))
        .map(|(h, i)| json!({"hash": h, "code": code(*i), "filePath": path(h, *i)}))
        .collect();
    let r = serve(
        &mut host,
        &mut world,
        RequestKind::Sync,
        &json!({"phase": 2, "projectId": "p", "chunks": chunks}),
    );
    // A moved chunk's marker names its old file, so it is deleted (journaled) before its
    // vector changes, then written anew: two KV calls a chunk. The KV budget (1,000 calls)
    // pays for 10 reads (5 of markers, 5 of cache entries, 100 keys each), the journal's
    // write and delete, and 494 chunks at two calls; the other 6 are deferred, to resend.
    let mut indexed = strings(&r.body, "indexed");
    let deferred = strings(&r.body, "deferred");
    assert_eq!(
        (indexed.len(), deferred.len()),
        (494, 6),
        "{}",
        r.body["failed"]
    );
    let resent: Vec<Value> = chunks
        .iter()
        .filter(|c| deferred.contains(c["hash"].as_str().unwrap_or_default()))
        .cloned()
        .collect();
    let r = serve(
        &mut host,
        &mut world,
        RequestKind::Sync,
        &json!({"phase": 2, "projectId": "p", "chunks": resent}),
    );
    assert!(strings(&r.body, "deferred").is_empty(), "{}", r.body);
    indexed.extend(strings(&r.body, "indexed"));
    assert_eq!(indexed, expected, "every moved chunk indexed, once resent");
    assert_eq!(
        world.calls().get("ai.run").copied().unwrap_or(0),
        before,
        "moves take no AI call"
    );
    assert_eq!(world.vectorize.ids().count(), 49_500);
}

/// The host calls of one request, by name.
fn calls_of(
    world: &mut World,
    host: &mut EngineHost,
    body: &Value,
) -> (Response, Vec<(&'static str, u64)>) {
    let before = world.calls().clone();
    let r = serve(host, world, RequestKind::Sync, body);
    let calls = world
        .calls()
        .iter()
        .map(|(name, n)| (*name, n - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    (r, calls)
}

#[test]
fn a_complete_sync_of_ten_thousand_reads_no_marker_and_removing_two_hundred_takes_a_call_each() {
    let (mut world, hashes) = seeded(10_000);
    let mut host = EngineHost::from_json("{}").expect("config");
    let listing = |keep: &dyn Fn(usize) -> bool| {
        let listed: Vec<Value> = hashes
            .iter()
            .filter(|(_, i)| keep(*i))
            .map(|(h, i)| json!({"hash": h, "filePath": format!("src/{i}.rs")}))
            .collect();
        json!({"phase": 1, "complete": true, "projectId": "p", "chunks": listed})
    };
    let (r, calls) = calls_of(&mut world, &mut host, &listing(&|_| true));
    assert_eq!(strings(&r.body, "cached").len(), 10_000);
    assert_eq!(
        calls,
        [
            ("coordinator.acquire", 1),
            ("coordinator.readState", 2),
            ("coordinator.release", 1),
            ("coordinator.writeState", 1),
            ("kv.list", 10)
        ],
        "the record state read from the coordinator (none yet, so it vouches for nothing): \
         the lease taken and the state read again under it; ten pages of 1,000 keys and no \
         marker read; the listing is the index: the record state written, the lease released"
    );
    let (r, calls) = calls_of(&mut world, &mut host, &listing(&|_| true));
    assert_eq!(strings(&r.body, "cached").len(), 10_000);
    assert_eq!(r.body["unchanged"], true);
    assert_eq!(
        calls,
        [("coordinator.readState", 1)],
        "unchanged: the record state read from the coordinator vouches for the listing, so \
         no lease, nothing listed, read or written"
    );
    let (r, calls) = calls_of(&mut world, &mut host, &listing(&|i| i % 50 != 0));
    assert_eq!(strings(&r.body, "removed").len(), 200);
    assert_eq!(r.body["moreToRemove"], false);
    // The record state read from the coordinator does not vouch for this listing: the lease
    // taken, the state read again under it, and removed (one write) before anything is;
    // ten pages of 1,000 markers (the record state is no KV key any more), a journal
    // written and deleted (1 put, 1 of the 201 deletes), 200 marker deletes, 2 vector
    // batches of 100, and the lease released.
    assert_eq!(
        calls,
        [
            ("coordinator.acquire", 1),
            ("coordinator.readState", 2),
            ("coordinator.release", 1),
            ("coordinator.writeState", 1),
            ("kv.delete", 201),
            ("kv.keysDeleted", 201),
            ("kv.keysWritten", 1),
            ("kv.list", 10),
            ("kv.put", 1),
            ("vectorize.deleteByIds", 2)
        ]
    );
}
