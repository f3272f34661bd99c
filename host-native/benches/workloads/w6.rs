//! W6, a month of edits: a project of 2,000 chunks in 200 files, then 100 complete syncs,
//! each after deleting, moving, copying and changing 1% of its files (2 of each), through
//! the client's protocol (complete phase 1, phase 2 of what is needed, every file of a
//! hash in one request). After each sync every vector of the tenant is compared with the
//! project, and a few searches with it: a vector or result naming a chunk the project no
//! longer holds, or files that do not hold it, is stale (there must be none). Counted: host
//! calls by kind, the AI calls of moved and copied code (none: the shared cache has it),
//! and the size of the tenant's record in KV at the end.

use std::collections::{BTreeMap, BTreeSet};

use index_sync_core::RequestKind;
use index_sync_core::names::{TenantNames, sha256_hex};
use index_sync_native::fakes::World;
use serde_json::{Value, json};

use crate::client::{Client, Measured};

const FILES: usize = 200;
const CHUNKS_PER_FILE: usize = 10;
const SYNCS: usize = 100;
/// Files deleted, moved, copied and changed per sync: 1% of them, of each kind.
const EDITS_PER_KIND: usize = 2;
const SEARCHES_PER_SYNC: usize = 3;
/// Occurrences per phase-2 request, as the command-line tool sends them.
const PHASE2_BATCH: usize = 100;

/// SplitMix64, seeded: the same edits on every run and host.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// A project: file path → the code of its chunks.
type Project = BTreeMap<String, Vec<String>>;

fn initial() -> Project {
    (0..FILES)
        .map(|f| {
            let chunks = (0..CHUNKS_PER_FILE)
                .map(|k| format!("fn w6_m{f}_c{k}(x: u32) -> u32 {{ x + {k} }}"))
                .collect();
            (format!("src/m{f:03}.rs"), chunks)
        })
        .collect()
}

fn pick(rng: &mut Rng, project: &Project) -> String {
    project
        .keys()
        .nth(rng.below(project.len()))
        .cloned()
        .expect("a file")
}

/// One sync's edits; returns the code that is new (never in the project before).
fn edit(rng: &mut Rng, project: &mut Project, sync: usize) -> BTreeSet<String> {
    let mut new = BTreeSet::new();
    for i in 0..EDITS_PER_KIND {
        let gone = pick(rng, project);
        project.remove(&gone);
        let moved = pick(rng, project);
        let chunks = project.remove(&moved).expect("a file");
        project.insert(format!("moved/s{sync}_{i}.rs"), chunks);
        let copied = pick(rng, project);
        let chunks = project[&copied].clone();
        project.insert(format!("copies/s{sync}_{i}.rs"), chunks);
        let changed = pick(rng, project);
        let chunks = project.get_mut(&changed).expect("a file");
        let at = rng.below(chunks.len());
        let code = format!("fn w6_changed_s{sync}_{i}(x: u32) -> u32 {{ x * {sync} }}");
        new.insert(code.clone());
        chunks[at] = code;
    }
    new
}

/// hash → (code, the files holding it).
fn by_hash(project: &Project) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for (path, chunks) in project {
        for code in chunks {
            let entry = out
                .entry(sha256_hex(code))
                .or_insert_with(|| (code.clone(), BTreeSet::new()));
            entry.1.insert(path.clone());
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Phase 2 of `hashes`, every file of a hash in one request, resending what is deferred.
fn upload(
    client: &mut Client<'_>,
    chunks: &BTreeMap<String, (String, BTreeSet<String>)>,
    hashes: Vec<String>,
) {
    let mut pending = hashes;
    while !pending.is_empty() {
        let mut again = Vec::new();
        let mut batch: Vec<Value> = Vec::new();
        let flush = |batch: &mut Vec<Value>, again: &mut Vec<String>, client: &mut Client<'_>| {
            if batch.is_empty() {
                return;
            }
            let body = json!({"phase": 2, "projectId": "p", "chunks": std::mem::take(batch)});
            let answer = client.send(RequestKind::Sync, "alice", &body);
            again.extend(strings(&answer["deferred"]));
        };
        for hash in &pending {
            let (code, paths) = &chunks[hash];
            if batch.len() + paths.len() > PHASE2_BATCH {
                flush(&mut batch, &mut again, client);
            }
            batch.extend(
                paths
                    .iter()
                    .map(|p| json!({"hash": hash, "code": code, "filePath": p})),
            );
        }
        flush(&mut batch, &mut again, client);
        assert!(again.len() < pending.len(), "no progress");
        pending = again;
    }
}

/// Vectors of the tenant that name a chunk the project does not hold, or other files.
fn stale_vectors(world: &World, chunks: &BTreeMap<String, (String, BTreeSet<String>)>) -> u64 {
    world
        .vectorize
        .ids()
        .filter_map(|id| world.vectorize.get(id))
        .filter(|(_, m)| m["userId"] == "alice")
        .filter(|(_, m)| {
            let paths: BTreeSet<String> = strings(&m["filePaths"]).into_iter().collect();
            chunks
                .get(m["hash"].as_str().unwrap_or_default())
                .is_none_or(|(_, p)| *p != paths)
        })
        .count() as u64
}

/// Runs W6 on `host`; its figures as JSON.
pub fn run(name: &str, host: &mut dyn Measured) -> Value {
    let mut world = World::new();
    let mut client = Client::new(host, &mut world);
    let mut rng = Rng(0x0006_ed17);
    let mut project = initial();
    let (mut stale_results, mut stale, mut searches, mut ai_moves) = (0u64, 0u64, 0u64, 0u64);
    let mut before_sync = BTreeMap::new();
    for sync in 0..=SYNCS {
        let new = if sync == 0 {
            BTreeSet::new()
        } else {
            edit(&mut rng, &mut project, sync)
        };
        if sync == 1 {
            // The month starts after the first index: its calls are W2's, not W6's.
            before_sync = client.world.calls().clone();
            client.engine_time = std::time::Duration::ZERO;
        }
        let chunks = by_hash(&project);
        let listed: Vec<Value> = chunks
            .iter()
            .flat_map(|(h, (_, paths))| {
                paths.iter().map(move |p| json!({"hash": h, "filePath": p}))
            })
            .collect();
        let body = json!({"phase": 1, "complete": true, "projectId": "p", "chunks": listed});
        let mut needed = Vec::new();
        loop {
            let answer = client.send(RequestKind::Sync, "alice", &body);
            needed.extend(strings(&answer["needed"]));
            if answer["moreToRemove"] == false && strings(&answer["deferred"]).is_empty() {
                break;
            }
        }
        needed.sort();
        needed.dedup();
        let (changed, seen): (Vec<String>, Vec<String>) =
            needed.into_iter().partition(|h| new.contains(&chunks[h].0));
        let ai_before = client.world.calls().get("ai.run").copied().unwrap_or(0);
        upload(&mut client, &chunks, seen);
        if sync > 0 {
            ai_moves += client.world.calls().get("ai.run").copied().unwrap_or(0) - ai_before;
        }
        upload(&mut client, &chunks, changed);
        stale += stale_vectors(client.world, &chunks);
        for _ in 0..SEARCHES_PER_SYNC {
            let file = pick(&mut rng, &project);
            let query = project[&file][0]
                .split('(')
                .next()
                .unwrap_or_default()
                .replace("fn ", "");
            let answer = client.send(
                RequestKind::Search,
                "alice",
                &json!({"projectId": "p", "query": query, "topK": 10}),
            );
            searches += 1;
            for result in answer["results"].as_array().into_iter().flatten() {
                let paths: BTreeSet<String> = strings(&result["filePaths"]).into_iter().collect();
                let hash = result["hash"].as_str().unwrap_or_default();
                if chunks.get(hash).is_none_or(|(_, p)| *p != paths) {
                    stale_results += 1;
                }
            }
        }
    }
    let calls: BTreeMap<&str, u64> = client
        .world
        .calls()
        .iter()
        .map(|(k, v)| (*k, v - before_sync.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect();
    let names = TenantNames::new(&index_sync_core::Config::default(), "alice", "p");
    let world = &*client.world;
    let (mut keys, mut bytes) = (0u64, 0usize);
    for key in world
        .kv
        .keys(world.now)
        .filter(|k| names.roots().iter().any(|r| k.starts_with(r.as_str())))
    {
        keys += 1;
        bytes += key.len()
            + world.kv.read(key, world.now).map_or(0, str::len)
            + world
                .kv
                .metadata(key, world.now)
                .map_or(0, |m| m.to_string().len());
    }
    let chunks = by_hash(&project);
    json!({
        "host": name,
        "syncs": SYNCS,
        "chunks": chunks.len(),
        "occurrences": chunks.values().map(|(_, p)| p.len()).sum::<usize>(),
        "calls": calls,
        "invocations": client.invocations,
        "engineMicros": client.engine_time.as_secs_f64() * 1e6,
        "staleVectors": stale,
        "staleResults": stale_results,
        "searches": searches,
        "aiCallsForMovesAndCopies": ai_moves,
        "recordKeys": keys,
        "recordBytes": bytes,
        "vectors": world.vectorize.ids().count(),
    })
}
