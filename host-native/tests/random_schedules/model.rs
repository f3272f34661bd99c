//! The model of the random schedules: one tenant's project in a few versions (its clients
//! see different ones: a laptop, CI), most with each occurrence's lines (a version may be
//! another's code at other lines, and may hold one chunk twice in one file), some without
//! (an old client); the requests its clients send about them, searches with random
//! filters among them; the faults and clock jumps between steps.

use std::collections::BTreeSet;

use index_sync_core::RequestKind;
use index_sync_core::config::MIN_OPERATION_BUDGET;
use index_sync_core::names::sha256_hex;
use index_sync_native::checker::{digest, listed};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::clients::filters::{FILES, Filter, filter, search_body};
use crate::clients::{Ask, PROJECT, listing_entry};

/// Code of the chunks; their hashes fall in both parts of [`PARTS`].
pub const CODES: &[&str] = &[
    "fn parse_config(text: &str) -> Config { toml::from_str(text) }",
    "fn render_chart(points: &[Point]) { points.iter().for_each(draw) }",
    "struct LruCache { entries: HashMap<Key, Value> }",
    "fn shared_helper() -> u32 { 42 }",
    "export function login(user) { return session.start(user); }",
];
/// The two parts of a listing sent in parts (`hashPrefixes`).
pub const PARTS: [&[&str]; 2] = [
    &["0", "1", "2", "3", "4", "5", "6", "7"],
    &["8", "9", "a", "b", "c", "d", "e", "f"],
];
/// Injectable fault targets: every call the engine makes, the AI by kind.
pub const CLASSES: &[&str] = &[
    "kv.get",
    "kv.put",
    "kv.delete",
    "kv.list",
    "ai.run:summary",
    "ai.run:embedding",
    "vectorize.upsert",
    "vectorize.deleteByIds",
    "coordinator.acquire",
    "coordinator.release",
    "coordinator.readState",
    "coordinator.writeState",
    "textIndex.put",
    "textIndex.delete",
];
/// The smallest `operationBudget` of a run. At [`MIN_OPERATION_BUDGET`] a phase 2 of several
/// chunks read one key at a time (`kvBulkGetSize` 1) spends its budget on reads and defers
/// every chunk, however often it is sent again, so the final sync could never finish (an
/// engine bug: `found_by_random_schedules.rs`); one read of markers and one of the cache
/// per chunk more lets each such request index at least one.
pub const PROGRESS_BUDGET: usize = MIN_OPERATION_BUDGET + 2 * CODES.len();
/// `markerTtlSeconds` of every run: jumps of half of it make markers due for a refresh.
pub const MARKER_TTL: u64 = 86_400;

/// A chunk: its code and its file (in `FILES`).
pub type Piece = (usize, usize);

/// A version of the project: its chunks, and whether its client gives their lines, the
/// chunk at position `i` from line `1 + shift + 4 i`.
#[derive(Clone, Debug)]
pub struct Version {
    pub pieces: Vec<Piece>,
    pub shift: Option<u32>,
}

impl Version {
    /// Its chunks with their code, as `init` and phase 2 send them.
    pub fn chunks(&self) -> Vec<Value> {
        self.pieces
            .iter()
            .enumerate()
            .map(|(i, &(code, file))| {
                let mut chunk = json!({"hash": sha256_hex(CODES[code]), "code": CODES[code], "filePath": FILES[file]});
                if let Some(shift) = self.shift {
                    let start = 1 + shift + 4 * i as u32;
                    chunk["startLine"] = json!(start);
                    chunk["endLine"] = json!(start + 2);
                }
                chunk
            })
            .collect()
    }
}

/// One request a client sends, about a version of the project (an index into the run's
/// versions) or some of its chunks (a mask over them).
#[derive(Clone, Debug)]
pub enum Request {
    Init(usize, u8),
    Upload(usize, u8),
    /// Phase 1 of some chunks; the second mask says which name their file.
    Check(usize, u8, u8),
    /// A complete phase 1, of the whole project or of one part.
    Complete(usize, Option<usize>),
    /// A complete phase 1 that sends the digest of its listing alone.
    RootOnly(usize, Option<usize>),
    Remove(usize, u8),
    RemoveAll,
    /// A search, `topK` and a filter.
    Search(u32, Filter),
}

/// One step: a clock jump and faults before it, then requests started together and
/// driven call by call as `schedule` chooses.
#[derive(Clone, Debug)]
pub struct Step {
    pub advance: u64,
    pub faults: Vec<(usize, usize, bool)>,
    pub requests: Vec<Request>,
    pub schedule: Vec<u8>,
}

/// A run: a config, the versions of the project, the steps, and the version the final
/// sync brings the index to.
#[derive(Clone, Debug)]
pub struct Run {
    pub config: Value,
    pub versions: Vec<Version>,
    pub steps: Vec<Step>,
    pub last: usize,
}

/// A version: its pieces (a fifth of the time the first one again: one chunk twice in
/// one file), lines three times in four, and whether it is the version before it at other
/// lines (a line-only shift), which [`run`] makes it.
fn version() -> impl Strategy<Value = (Version, bool)> {
    (
        prop::collection::vec((0..CODES.len(), 0..FILES.len()), 1..5),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.75, prop_oneof![Just(0u32), Just(1), Just(9)]),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(mut pieces, twice, shift, shifted)| {
            if twice {
                pieces.push(pieces[0]);
            }
            (Version { pieces, shift }, shifted)
        })
}

fn request(versions: usize) -> impl Strategy<Value = Request> {
    let v = 0..versions;
    let part = prop::option::of(0..PARTS.len());
    prop_oneof![
        2 => (v.clone(), any::<u8>()).prop_map(|(v, m)| Request::Init(v, m)),
        4 => (v.clone(), any::<u8>()).prop_map(|(v, m)| Request::Upload(v, m)),
        2 => (v.clone(), any::<u8>(), any::<u8>()).prop_map(|(v, m, n)| Request::Check(v, m, n)),
        4 => (v.clone(), part.clone()).prop_map(|(v, p)| Request::Complete(v, p)),
        2 => (v.clone(), part).prop_map(|(v, p)| Request::RootOnly(v, p)),
        2 => (v, any::<u8>()).prop_map(|(v, m)| Request::Remove(v, m)),
        1 => Just(Request::RemoveAll),
        1 => (prop_oneof![Just(1u32), Just(3)], filter(false)).prop_map(|(k, f)| Request::Search(k, f)),
    ]
}

fn step(versions: usize) -> impl Strategy<Value = Step> {
    let advance = prop_oneof![
        4 => Just(0u64),
        1 => Just(30),
        1 => Just(121),
        1 => Just(MARKER_TTL / 2),
        1 => Just(MARKER_TTL),
    ];
    let fault = (0..CLASSES.len(), 0..4usize, any::<bool>());
    (
        advance,
        prop::collection::vec(fault, 0..3),
        prop::collection::vec(request(versions), 2..=3),
        prop::collection::vec(any::<u8>(), 1..96),
    )
        .prop_map(|(advance, faults, requests, schedule)| Step {
            advance,
            faults,
            requests,
            schedule,
        })
}

pub fn config() -> impl Strategy<Value = Value> {
    (
        1..4usize,
        1..3usize,
        1..3usize,
        PROGRESS_BUDGET..40usize,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(bulk, embed, upsert, budget, summaries, hybrid)| {
            // Hybrid search needs one call more per upsert batch for the words.
            let budget = budget + 2 * usize::from(hybrid);
            json!({
                "kvBulkGetSize": bulk, "embeddingBatchSize": embed, "upsertBatchSize": upsert,
                "operationBudget": budget, "summaryConcurrency": 2, "summaries": summaries,
                "markerTtlSeconds": MARKER_TTL, "kvListPageSize": bulk, "deleteBatchSize": embed,
                "hybrid": hybrid,
            })
        })
}

pub fn run() -> impl Strategy<Value = Run> {
    (config(), prop::collection::vec(version(), 1..4)).prop_flat_map(|(config, drawn)| {
        let mut versions: Vec<Version> = Vec::new();
        for (mut version, shifted) in drawn {
            if let Some(before) = versions.last().filter(|_| shifted) {
                version.pieces = before.pieces.clone();
                version.shift = Some(before.shift.unwrap_or(0) + 1 + version.shift.unwrap_or(0));
            }
            versions.push(version);
        }
        let n = versions.len();
        (
            Just(config),
            Just(versions),
            prop::collection::vec(step(n), 1..6),
            0..n,
        )
            .prop_map(|(config, versions, steps, last)| Run {
                config,
                versions,
                steps,
                last,
            })
    })
}

/// The chunks of `chunks` that `mask` keeps (bit i for the i-th; never none).
fn masked(chunks: &[Value], mask: u8) -> Vec<Value> {
    let kept: Vec<Value> = chunks
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << (i % 8)) != 0)
        .map(|(_, c)| c.clone())
        .collect();
    if kept.is_empty() {
        chunks[..1].to_vec()
    } else {
        kept
    }
}

fn in_part(chunk: &Value, part: Option<usize>) -> bool {
    let hash = chunk["hash"].as_str().unwrap_or_default();
    part.is_none_or(|p| PARTS[p].iter().any(|prefix| hash.starts_with(prefix)))
}

/// A complete listing of `version` (of one part, with its prefixes), as phase 1 sends it.
pub fn listing(version: &Version, part: Option<usize>) -> Value {
    let chunks: Vec<Value> = version
        .chunks()
        .iter()
        .filter(|c| in_part(c, part))
        .map(listing_entry)
        .collect();
    let mut body = json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": chunks});
    if let Some(p) = part {
        body["hashPrefixes"] = json!(PARTS[p]);
    }
    body
}

/// The request's kind and body. A root-only phase 1 also returns the listing its digest
/// stands for, which the checker must know (`Ledger::record`).
pub fn ask(request: &Request, versions: &[Version]) -> (Ask, Option<Value>) {
    let chunks = |v: usize, m: u8| masked(&versions[v].chunks(), m);
    let ask = match request {
        Request::Init(v, m) => (
            RequestKind::Init,
            json!({"projectId": PROJECT, "chunks": chunks(*v, *m)}),
        ),
        Request::Upload(v, m) => (
            RequestKind::Sync,
            json!({"phase": 2, "projectId": PROJECT, "chunks": chunks(*v, *m)}),
        ),
        Request::Check(v, m, named) => {
            let listed: Vec<Value> = chunks(*v, *m)
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if named & (1 << (i % 8)) != 0 {
                        listing_entry(c)
                    } else {
                        json!({"hash": c["hash"]})
                    }
                })
                .collect();
            (
                RequestKind::Sync,
                json!({"phase": 1, "projectId": PROJECT, "chunks": listed}),
            )
        }
        Request::Complete(v, part) => (RequestKind::Sync, listing(&versions[*v], *part)),
        Request::RootOnly(v, part) => {
            let full = listing(&versions[*v], *part);
            let digest = digest(&listed(&full["chunks"]));
            let mut body = full.clone();
            body.as_object_mut().map(|o| o.remove("chunks"));
            body["digest"] = json!(digest);
            return ((RequestKind::Sync, body), Some(full));
        }
        Request::Remove(v, m) => {
            let hashes: BTreeSet<String> = chunks(*v, *m)
                .iter()
                .filter_map(|c| c["hash"].as_str().map(str::to_owned))
                .collect();
            (
                RequestKind::Remove,
                json!({"projectId": PROJECT, "hashes": hashes}),
            )
        }
        Request::RemoveAll => (
            RequestKind::Remove,
            json!({"projectId": PROJECT, "all": true}),
        ),
        Request::Search(top_k, filter) => (
            RequestKind::Search,
            search_body(PROJECT, "parse the config", *top_k, filter),
        ),
    };
    (ask, None)
}
