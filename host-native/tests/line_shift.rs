//! The cost of an edit that only shifts lines (issue 19): a 200-file project of three
//! chunks a file, synced as `index-sync index` syncs (a root-only phase 1, the complete
//! listing, phase 2 of what it names needed, 100 occurrences a request), every chunk sent
//! with its lines. Then one line is added at the top of 20 files: their 60 chunks keep
//! their code and move down one line. The sync that follows must make no AI call (the
//! shared cache has every piece of code), re-upsert those 60 vectors with their new lines,
//! and search must name the new lines. Its host calls are printed (`--nocapture`) and
//! pinned, on the engine and on the component alike.

use std::collections::BTreeMap;

use index_sync_core::location::{Lines, Location};
use index_sync_core::names::sha256_hex;
use index_sync_core::record_state::listing_digest;
use index_sync_core::{Config, RequestKind};
use index_sync_native::component::ComponentHost;
use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, Host};
use serde_json::{Value, json};

const USER: &str = "alice@example.com";
const PROJECT: &str = "lines";
const FILES: usize = 200;
const CHUNKS_PER_FILE: usize = 3;
const EDITED_FILES: usize = 20;
/// Occurrences per phase-2 request, as the command-line tool sends them.
const PHASE2_BATCH: usize = 100;

/// One chunk at one place, as a client sends it.
#[derive(Clone, Debug)]
struct Occurrence {
    hash: String,
    code: String,
    path: String,
    lines: Lines,
}

/// The project: file `i` holds three functions of three lines, a blank line between them;
/// an edited file has one more line at its top.
fn project(edited: usize) -> Vec<Occurrence> {
    let mut occurrences = Vec::new();
    for file in 0..FILES {
        let shift = u32::from(file < edited);
        for k in 0..CHUNKS_PER_FILE {
            let code = format!("pub fn item_{file}_{k}(x: u32) -> u32 {{\n    x + {k}\n}}");
            let start = 4 * k as u32 + 1 + shift;
            occurrences.push(Occurrence {
                hash: sha256_hex(&code),
                code,
                path: format!("src/mod_{file:03}.rs"),
                lines: Lines {
                    start,
                    end: start + 2,
                },
            });
        }
    }
    occurrences
}

fn place(o: &Occurrence) -> Value {
    json!({"hash": o.hash, "filePath": o.path, "startLine": o.lines.start, "endLine": o.lines.end})
}

/// What one sync did, by the responses.
#[derive(Debug, Default)]
struct Sync {
    unchanged: bool,
    needed: usize,
    indexed: usize,
    phase2_requests: usize,
}

fn send(host: &mut dyn Host, world: &mut World, body: &Value) -> Value {
    let response = host.serve(world, RequestKind::Sync, USER, body.to_string().as_bytes());
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

/// A complete sync of `occurrences` (one part: the project is well under the tool's 5,000
/// occurrences a part).
fn sync(host: &mut dyn Host, world: &mut World, occurrences: &[Occurrence]) -> Sync {
    let mut places: BTreeMap<&str, Vec<Location>> = BTreeMap::new();
    for o in occurrences {
        places.entry(&o.hash).or_default().push(Location {
            file_path: o.path.clone(),
            lines: Some(o.lines),
        });
    }
    let digest = listing_digest(places.iter().map(|(h, l)| (*h, l.as_slice())));
    let root_only = json!({"phase": 1, "complete": true, "projectId": PROJECT, "digest": digest});
    let mut done = Sync::default();
    if send(host, world, &root_only)["unchanged"] == true {
        done.unchanged = true;
        return done;
    }
    let listing: Vec<Value> = occurrences.iter().map(place).collect();
    let answer = send(
        host,
        world,
        &json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": listing}),
    );
    assert_eq!(answer["moreToRemove"], false);
    let needed: Vec<&str> = answer["needed"]
        .as_array()
        .expect("needed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    done.needed = needed.len();
    let sent: Vec<&Occurrence> = occurrences
        .iter()
        .filter(|o| needed.contains(&o.hash.as_str()))
        .collect();
    for batch in sent.chunks(PHASE2_BATCH) {
        let chunks: Vec<Value> = batch
            .iter()
            .map(|o| {
                let mut chunk = place(o);
                chunk["code"] = json!(o.code);
                chunk
            })
            .collect();
        let answer = send(
            host,
            world,
            &json!({"phase": 2, "projectId": PROJECT, "chunks": chunks}),
        );
        assert_eq!(answer["failed"], json!([]), "{answer}");
        assert_eq!(answer["deferred"], json!([]), "{answer}");
        done.indexed += answer["indexed"].as_array().map_or(0, Vec::len);
        done.phase2_requests += 1;
    }
    done
}

/// The calls made since `before`, by name.
fn since(world: &World, before: &BTreeMap<&'static str, u64>) -> BTreeMap<&'static str, u64> {
    world
        .calls()
        .iter()
        .map(|(name, n)| (*name, n - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The places search names for the chunk of `file` and `k`, found by its function's name
/// (the fake embedding spreads 600 names over 768 dimensions, so another chunk may score
/// as high: the result is picked by its hash).
fn found_at(host: &mut dyn Host, world: &mut World, file: usize, k: usize) -> Value {
    let hash = &project(0)[file * CHUNKS_PER_FILE + k].hash;
    let body = json!({"projectId": PROJECT, "query": format!("item_{file}_{k}"), "topK": 50});
    let response = host.serve(
        world,
        RequestKind::Search,
        USER,
        body.to_string().as_bytes(),
    );
    assert_eq!(response.status, 200);
    let results = response.body["results"]
        .as_array()
        .expect("results")
        .clone();
    let found = results.iter().find(|r| r["hash"] == json!(hash));
    found.expect("the chunk is found")["locations"].clone()
}

fn line_shift_costs_no_ai_call(host: &mut dyn Host, mode: &str) {
    let mut world = World::new();
    let first = sync(host, &mut world, &project(0));
    assert_eq!(first.indexed, FILES * CHUNKS_PER_FILE);
    // The second sync finds the listing is the index and records it: the steady state.
    let settled = sync(host, &mut world, &project(0));
    assert_eq!((settled.needed, settled.indexed), (0, 0));
    assert!(sync(host, &mut world, &project(0)).unchanged);

    let before = world.calls().clone();
    let edit = sync(host, &mut world, &project(EDITED_FILES));
    let calls = since(&world, &before);
    let count = |name: &str| calls.get(name).copied().unwrap_or(0);
    let shifted = EDITED_FILES * CHUNKS_PER_FILE;
    println!(
        "{mode}: one line added at the top of {EDITED_FILES} of {FILES} files \
         ({shifted} of {} chunks shifted): {} needed, {} vectors re-upserted in {} phase-2 \
         request(s); host calls: {calls:?}",
        FILES * CHUNKS_PER_FILE,
        edit.needed,
        edit.indexed,
        edit.phase2_requests
    );
    assert_eq!(
        count("ai.run"),
        0,
        "no AI call: every piece of code is cached"
    );
    assert_eq!((edit.needed, edit.indexed), (shifted, shifted));
    assert_eq!(count("vectorize.upsert"), 1, "60 vectors, one upsert");
    assert_eq!(count("vectorize.deleteByIds"), 0);
    // Per shifted chunk: its old marker deleted before the upsert and a new one written
    // after; per phase-2 request a journal written and deleted.
    assert_eq!(count("kv.put"), shifted as u64 + 1);
    assert_eq!(count("kv.delete"), shifted as u64 + 1);
    // Markers and cache entries read in bulk (100 keys a call); the record listed in one
    // page.
    assert_eq!(count("kv.get"), 2);
    assert_eq!(count("kv.list"), 1);
    // Root-only: one state read; the listing: a state read, the lease, the state read
    // under it, its release; phase 2: the lease, the state's removal, its release.
    assert_eq!(count("coordinator.readState"), 3);
    assert_eq!(count("coordinator.acquire"), 2);
    assert_eq!(count("coordinator.release"), 2);
    assert_eq!(count("coordinator.writeState"), 1);

    assert_eq!(
        found_at(host, &mut world, 5, 1),
        json!([{"filePath": "src/mod_005.rs", "startLine": 6, "endLine": 8}]),
        "a shifted chunk is found at its new lines"
    );
    assert_eq!(
        found_at(host, &mut world, 150, 2),
        json!([{"filePath": "src/mod_150.rs", "startLine": 9, "endLine": 11}]),
        "an untouched one where it was"
    );
    // The next sync records the new listing; the one after costs one coordinator read.
    assert_eq!(sync(host, &mut world, &project(EDITED_FILES)).needed, 0);
    let before = world.calls().clone();
    assert!(sync(host, &mut world, &project(EDITED_FILES)).unchanged);
    assert_eq!(
        since(&world, &before),
        BTreeMap::from([("coordinator.readState", 1)])
    );
}

#[test]
fn a_line_added_at_the_top_of_20_files_costs_no_ai_call_on_the_engine() {
    let mut host = EngineHost::from_json("{}").expect("config");
    line_shift_costs_no_ai_call(&mut host, "engine");
}

#[test]
fn a_line_added_at_the_top_of_20_files_costs_no_ai_call_on_the_component() {
    let mut host = ComponentHost::new(&serde_json::to_string(&Config::default()).unwrap())
        .expect("the component links");
    line_shift_costs_no_ai_call(&mut host, "component");
}
