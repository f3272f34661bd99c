//! The model of the random runs: tenants whose names collide under naive joins, code and
//! hashes (own, foreign, odd), files and lines, search filters, and the actions a run is
//! made of.

use std::collections::BTreeSet;

use index_sync_core::Config;
use index_sync_core::config::MIN_OPERATION_BUDGET;
use index_sync_core::names::{TenantNames, sha256_hex};
use index_sync_native::fakes::World;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::filters::{FILES, Filter, filter};

pub const USERS: &[&str] = &[
    "alice@example.com",
    "a_b",
    "a",
    "x:y",
    "x",
    "p%5Fq",
    "ü🚀",
    "a_b_c",
];
pub const PROJECTS: &[&str] = &["p", "b_c", "c", "y:z", "naïve", "b"];
pub const CODES: &[&str] = &[
    "fn parse_config(text: &str) -> Config { toml::from_str(text) }",
    "fn render_chart(points: &[Point]) { points.iter().for_each(draw) }",
    "struct LruCache { entries: HashMap<Key, Value> }",
    "fn shared_helper() -> u32 { 42 }",
    "export function login(user) { return session.start(user); }",
    "def fetch_rows(db): return db.query('select * from rows')",
];
pub const ODD_HASHES: &[&str] = &["h_1", "h:1", "h%1", "🚀", "a_b_c"];
pub const CLASSES: &[&str] = &[
    "kv.get",
    "kv.put",
    "kv.delete",
    "kv.list",
    "ai.run:summary",
    "ai.run:embedding",
    "vectorize.upsert",
    "vectorize.query",
    "vectorize.deleteByIds",
    "coordinator.acquire",
    "coordinator.release",
    "coordinator.readState",
    "coordinator.writeState",
    "textIndex.put",
    "textIndex.query",
    "textIndex.delete",
];
pub const WORDS: &[&str] = &[
    "parse_config",
    "render_chart",
    "LruCache",
    "shared_helper",
    "login",
    "fetch_rows",
];

#[derive(Clone, Debug)]
pub enum Hash {
    /// The SHA-256 of the chunk's own code, as clients do.
    Own,
    /// The SHA-256 of another piece of code: an attack on the shared cache.
    Foreign(usize),
    /// A client id with reserved characters.
    Odd(usize),
}

/// A chunk: its code, its hash, its file (in `FILES`).
pub type Piece = (usize, Hash, usize);

/// Whether a request gives each occurrence's lines, as the command-line tool does: the
/// first line of the chunk at position `i` of the request is `1 + shift + 3 i`, so the
/// same code sent again at another position or shift is a line-only shift, and the same
/// code twice in one file is two places. `None`: a client that sends no lines.
pub type Lines = Option<u32>;

#[derive(Clone, Debug)]
pub enum Action {
    Index {
        phase2: bool,
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
        lines: Lines,
    },
    Check {
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
        lines: Lines,
    },
    /// A complete listing, then phase 2 of what it says is needed.
    Sync {
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
        lines: Lines,
    },
    /// The last `Index` or `Sync` again, its lines moved down by this many: the same code
    /// at other lines (from an old client's none, lines).
    Shift(u32),
    Remove {
        user: usize,
        project: usize,
        all: bool,
        chunks: Vec<Piece>,
    },
    Search {
        user: usize,
        project: usize,
        word: usize,
        top_k: u32,
        filter: Filter,
    },
    Fault {
        class: usize,
        skip: usize,
        timeout: bool,
    },
    Advance(u64),
}

pub fn hash() -> impl Strategy<Value = Hash> {
    prop_oneof![
        6 => Just(Hash::Own),
        1 => (0..CODES.len()).prop_map(Hash::Foreign),
        1 => (0..ODD_HASHES.len()).prop_map(Hash::Odd),
    ]
}

/// Chunks of a request; a fifth of the time its first one again (the same code twice in
/// one file: at two places when the request gives lines).
pub fn chunks() -> impl Strategy<Value = Vec<Piece>> {
    (
        prop::collection::vec((0..CODES.len(), hash(), 0..FILES.len()), 1..6),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(mut chunks, twice)| {
            if twice {
                chunks.push(chunks[0].clone());
            }
            chunks
        })
}

/// Lines in two requests of three; shifts that make the same position move.
pub fn lines() -> impl Strategy<Value = Lines> {
    prop_oneof![
        1 => Just(None),
        2 => prop_oneof![Just(0u32), Just(1), Just(7)].prop_map(Some),
    ]
}

pub fn action() -> impl Strategy<Value = Action> {
    let tenant = (0..USERS.len(), 0..PROJECTS.len());
    prop_oneof![
        4 => (any::<bool>(), tenant.clone(), chunks(), lines()).prop_map(|(phase2, (user, project), chunks, lines)| Action::Index { phase2, user, project, chunks, lines }),
        2 => (tenant.clone(), chunks(), lines()).prop_map(|((user, project), chunks, lines)| Action::Check { user, project, chunks, lines }),
        3 => (tenant.clone(), chunks(), lines()).prop_map(|((user, project), chunks, lines)| Action::Sync { user, project, chunks, lines }),
        1 => (1..4u32).prop_map(Action::Shift),
        1 => (tenant.clone(), any::<bool>(), chunks()).prop_map(|((user, project), all, chunks)| Action::Remove { user, project, all, chunks }),
        2 => (tenant, 0..WORDS.len(), prop_oneof![Just(1u32), Just(2), Just(5)], filter(true)).prop_map(|((user, project), word, top_k, filter)| Action::Search { user, project, word, top_k, filter }),
        1 => (0..CLASSES.len(), 0..4usize, any::<bool>()).prop_map(|(class, skip, timeout)| Action::Fault { class, skip, timeout }),
        1 => prop_oneof![Just(30u64), Just(50_000), Just(90_000), Just(200_000)].prop_map(Action::Advance),
    ]
}

pub fn config() -> impl Strategy<Value = Value> {
    (
        1..5usize,
        1..4usize,
        1..4usize,
        MIN_OPERATION_BUDGET..60usize,
        prop_oneof![Just("global"), Just("user")],
        any::<bool>(),
    )
        .prop_map(|(bulk, embed, upsert, budget, scope, hybrid)| {
            // Hybrid search needs one call more for a new chunk's words.
            let budget = budget + usize::from(hybrid);
            json!({
                "kvBulkGetSize": bulk, "embeddingBatchSize": embed, "upsertBatchSize": upsert,
                "operationBudget": budget, "summaryConcurrency": 2, "markerTtlSeconds": 86_400,
                "cacheScope": scope, "kvListPageSize": bulk, "deleteBatchSize": embed,
                "hybrid": hybrid,
            })
        })
}

/// The chunks as `init` and phase 2 send them: hash, code, file, and lines when given.
pub fn body_chunks(chunks: &[Piece], lines: Lines) -> Vec<Value> {
    chunks
        .iter()
        .enumerate()
        .map(|(i, (code, hash, file))| {
            let hash = match hash {
                Hash::Own => sha256_hex(CODES[*code]),
                Hash::Foreign(other) => sha256_hex(CODES[*other]),
                Hash::Odd(i) => ODD_HASHES[*i].to_owned(),
            };
            let mut chunk = json!({"hash": hash, "code": CODES[*code], "filePath": FILES[*file]});
            if let Some(shift) = lines {
                let start = 1 + shift + 3 * i as u32;
                chunk["startLine"] = json!(start);
                chunk["endLine"] = json!(start + 1);
            }
            chunk
        })
        .collect()
}

/// An occurrence as a phase-1 listing names it: its hash and place, without code.
pub fn listed(chunk: &Value) -> Value {
    let mut entry = chunk.clone();
    entry.as_object_mut().map(|o| o.remove("code"));
    entry
}

/// Every marker key and vector id in the world that is not `user`'s in `project`.
pub fn others(world: &World, config: &Config, user: &str, project: &str) -> BTreeSet<String> {
    let roots = TenantNames::new(config, user, project).roots();
    let keys = world
        .kv
        .keys(world.now)
        .filter(|k| k.starts_with("chunkHash:") && !roots.iter().any(|r| k.starts_with(r.as_str())))
        .map(str::to_owned);
    let ids = world
        .vectorize
        .ids()
        .filter(|id| {
            world
                .vectorize
                .get(id)
                .is_some_and(|(_, m)| m["userId"] != user || m["projectId"] != project)
        })
        .map(|id| format!("vector {id}"));
    keys.chain(ids).collect()
}
