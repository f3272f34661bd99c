//! The model of the random runs: tenants whose names collide under naive joins, code and
//! hashes (own, foreign, odd), files, and the actions a run is made of.

use std::collections::BTreeSet;

use index_sync_core::Config;
use index_sync_core::config::MIN_OPERATION_BUDGET;
use index_sync_core::names::{TenantNames, sha256_hex};
use index_sync_native::fakes::World;
use proptest::prelude::*;
use serde_json::{Value, json};

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
];
/// Files a chunk can be in: few, so that code moves and copies between them.
pub const PATHS: usize = 3;
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

/// A chunk: its code, its hash, its file.
pub type Piece = (usize, Hash, usize);

#[derive(Clone, Debug)]
pub enum Action {
    Index {
        phase2: bool,
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
    },
    Check {
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
    },
    /// A complete listing, then phase 2 of what it says is needed.
    Sync {
        user: usize,
        project: usize,
        chunks: Vec<Piece>,
    },
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

pub fn chunks() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec((0..CODES.len(), hash(), 0..PATHS), 1..6)
}

pub fn action() -> impl Strategy<Value = Action> {
    let tenant = (0..USERS.len(), 0..PROJECTS.len());
    prop_oneof![
        4 => (any::<bool>(), tenant.clone(), chunks()).prop_map(|(phase2, (user, project), chunks)| Action::Index { phase2, user, project, chunks }),
        2 => (tenant.clone(), chunks()).prop_map(|((user, project), chunks)| Action::Check { user, project, chunks }),
        3 => (tenant.clone(), chunks()).prop_map(|((user, project), chunks)| Action::Sync { user, project, chunks }),
        1 => (tenant.clone(), any::<bool>(), chunks()).prop_map(|((user, project), all, chunks)| Action::Remove { user, project, all, chunks }),
        2 => (tenant, 0..WORDS.len()).prop_map(|((user, project), word)| Action::Search { user, project, word }),
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
    )
        .prop_map(|(bulk, embed, upsert, budget, scope)| {
            json!({
                "kvBulkGetSize": bulk, "embeddingBatchSize": embed, "upsertBatchSize": upsert,
                "operationBudget": budget, "summaryConcurrency": 2, "markerTtlSeconds": 86_400,
                "cacheScope": scope, "kvListPageSize": bulk, "deleteBatchSize": embed,
            })
        })
}

pub fn body_chunks(chunks: &[Piece]) -> Vec<Value> {
    chunks
        .iter()
        .map(|(code, hash, path)| {
            let hash = match hash {
                Hash::Own => sha256_hex(CODES[*code]),
                Hash::Foreign(other) => sha256_hex(CODES[*other]),
                Hash::Odd(i) => ODD_HASHES[*i].to_owned(),
            };
            json!({"hash": hash, "code": CODES[*code], "filePath": format!("src/{path}.rs")})
        })
        .collect()
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
