//! Random multi-tenant runs: users and projects whose names collide under naive joins,
//! shared and foreign code, code moved and copied between files, random interleavings of
//! init, phase 1, phase 2, complete syncs (with their phase 2), removals and search,
//! injected faults and clock jumps past TTLs. The invariant checker holds after every step,
//! every response accounts for what it was asked, and a tenant's removal never touches
//! another tenant's markers or vectors. Seeded and shrinking (proptest).
//!
//! `cargo test` runs 256 cases; the long run:
//! `PROPTEST_CASES=10000 cargo test --release -p index-sync-native --test random_runs`

use std::collections::BTreeSet;

use index_sync_core::names::{TenantNames, sha256_hex};
use index_sync_core::{Config, RequestKind};
use index_sync_native::checker::Ledger;
use index_sync_native::fakes::{FaultMode, World};
use index_sync_native::runner::{EngineHost, Host};
use proptest::prelude::*;
use serde_json::{Value, json};

const USERS: &[&str] = &[
    "alice@example.com",
    "a_b",
    "a",
    "x:y",
    "x",
    "p%5Fq",
    "ü🚀",
    "a_b_c",
];
const PROJECTS: &[&str] = &["p", "b_c", "c", "y:z", "naïve", "b"];
const CODES: &[&str] = &[
    "fn parse_config(text: &str) -> Config { toml::from_str(text) }",
    "fn render_chart(points: &[Point]) { points.iter().for_each(draw) }",
    "struct LruCache { entries: HashMap<Key, Value> }",
    "fn shared_helper() -> u32 { 42 }",
    "export function login(user) { return session.start(user); }",
    "def fetch_rows(db): return db.query('select * from rows')",
];
const ODD_HASHES: &[&str] = &["h_1", "h:1", "h%1", "🚀", "a_b_c"];
const CLASSES: &[&str] = &[
    "kv.get",
    "kv.put",
    "kv.delete",
    "kv.list",
    "ai.run:summary",
    "ai.run:embedding",
    "vectorize.upsert",
    "vectorize.query",
    "vectorize.deleteByIds",
];
/// Files a chunk can be in: few, so that code moves and copies between them.
const PATHS: usize = 3;
const WORDS: &[&str] = &[
    "parse_config",
    "render_chart",
    "LruCache",
    "shared_helper",
    "login",
    "fetch_rows",
];

#[derive(Clone, Debug)]
enum Hash {
    /// The SHA-256 of the chunk's own code, as clients do.
    Own,
    /// The SHA-256 of another piece of code: an attack on the shared cache.
    Foreign(usize),
    /// A client id with reserved characters.
    Odd(usize),
}

/// A chunk: its code, its hash, its file.
type Piece = (usize, Hash, usize);

#[derive(Clone, Debug)]
enum Action {
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

fn hash() -> impl Strategy<Value = Hash> {
    prop_oneof![
        6 => Just(Hash::Own),
        1 => (0..CODES.len()).prop_map(Hash::Foreign),
        1 => (0..ODD_HASHES.len()).prop_map(Hash::Odd),
    ]
}

fn chunks() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec((0..CODES.len(), hash(), 0..PATHS), 1..6)
}

fn action() -> impl Strategy<Value = Action> {
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

fn config() -> impl Strategy<Value = Value> {
    (
        1..5usize,
        1..4usize,
        1..4usize,
        9..60usize,
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

fn body_chunks(chunks: &[Piece]) -> Vec<Value> {
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
fn others(world: &World, config: &Config, user: &str, project: &str) -> BTreeSet<String> {
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

fn names(body: &Value, field: &str) -> BTreeSet<String> {
    body[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().or(v["hash"].as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn run(config_json: &Value, actions: &[Action]) -> Result<(), TestCaseError> {
    let config = Config::from_json(&config_json.to_string()).expect("config");
    let mut host = EngineHost::from_json(&config_json.to_string()).expect("config");
    let mut world = World::new();
    let mut ledger = Ledger::default();
    for (n, action) in actions.iter().enumerate() {
        match action {
            Action::Fault {
                class,
                skip,
                timeout,
            } => {
                let mode = if *timeout {
                    FaultMode::Timeout
                } else {
                    FaultMode::Error
                };
                world.fail_after(CLASSES[*class], *skip, mode);
            }
            Action::Advance(seconds) => world.advance(*seconds),
            Action::Index {
                phase2,
                user,
                project,
                chunks,
            } => {
                let chunks = body_chunks(chunks);
                let (kind, body) = if *phase2 {
                    (
                        RequestKind::Sync,
                        json!({"phase": 2, "projectId": PROJECTS[*project], "chunks": chunks}),
                    )
                } else {
                    (
                        RequestKind::Init,
                        json!({"projectId": PROJECTS[*project], "chunks": chunks}),
                    )
                };
                ledger.record(kind, USERS[*user], &body);
                let before = world.calls().clone();
                let r = host.serve(&mut world, kind, USERS[*user], body.to_string().as_bytes());
                let asked: BTreeSet<String> = chunks
                    .iter()
                    .map(|c| c["hash"].as_str().unwrap_or_default().to_owned())
                    .collect();
                if r.status == 200 {
                    let told: Vec<BTreeSet<String>> = ["indexed", "cached", "failed", "deferred"]
                        .iter()
                        .map(|f| names(&r.body, f))
                        .collect();
                    let all: BTreeSet<String> = told.iter().flatten().cloned().collect();
                    let count: usize = told.iter().map(BTreeSet::len).sum();
                    prop_assert_eq!(&all, &asked, "step {}: every chunk once", n);
                    prop_assert_eq!(count, asked.len(), "step {}: no chunk twice", n);
                } else {
                    prop_assert_eq!(
                        r.body["error"]["code"].as_str(),
                        Some("duplicate_hash"),
                        "step {}: {}",
                        n,
                        r.body
                    );
                    prop_assert_eq!(
                        world.calls(),
                        &before,
                        "step {}: a refused request made calls",
                        n
                    );
                }
            }
            Action::Check {
                user,
                project,
                chunks,
            } => {
                let hashes: Vec<Value> = body_chunks(chunks)
                    .iter()
                    .map(|c| json!({"hash": c["hash"]}))
                    .collect();
                let hashes: Vec<Value> = hashes
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c
                        } else {
                            json!({"hash": c["hash"], "filePath": "src/0.rs"})
                        }
                    })
                    .collect();
                let body = json!({"phase": 1, "projectId": PROJECTS[*project], "chunks": hashes});
                let r = host.serve(
                    &mut world,
                    RequestKind::Sync,
                    USERS[*user],
                    body.to_string().as_bytes(),
                );
                if r.status == 200 {
                    // No oracle: "cached" only for what this very tenant sent.
                    for hash in names(&r.body, "cached") {
                        let key = index_sync_core::names::marker_key(
                            &config,
                            USERS[*user],
                            PROJECTS[*project],
                            &hash,
                        );
                        prop_assert!(
                            world.kv.read(&key, world.now).is_some(),
                            "step {}: cached without a marker",
                            n
                        );
                        prop_assert!(
                            ledger.sent_by(USERS[*user], PROJECTS[*project], &hash),
                            "step {}: {} cached for a tenant that never sent it",
                            n,
                            hash
                        );
                    }
                }
            }
            Action::Sync {
                user,
                project,
                chunks,
            } => {
                let (user, project) = (USERS[*user], PROJECTS[*project]);
                let body_chunks = body_chunks(chunks);
                let listed: Vec<Value> = body_chunks
                    .iter()
                    .map(|c| json!({"hash": c["hash"], "filePath": c["filePath"]}))
                    .collect();
                let body =
                    json!({"phase": 1, "complete": true, "projectId": project, "chunks": listed});
                let before = others(&world, &config, user, project);
                let r = host.serve(
                    &mut world,
                    RequestKind::Sync,
                    user,
                    body.to_string().as_bytes(),
                );
                prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
                let broken = ledger.check_step(&world, &config, RequestKind::Sync, user, &body, &r);
                prop_assert!(broken.is_empty(), "step {}: {:?}", n, broken);
                prop_assert!(
                    others(&world, &config, user, project).is_superset(&before),
                    "step {}: another tenant's data went",
                    n
                );
                let needed = names(&r.body, "needed");
                let upload: Vec<Value> = body_chunks
                    .into_iter()
                    .filter(|c| needed.contains(c["hash"].as_str().unwrap_or_default()))
                    .collect();
                if !upload.is_empty() {
                    let body = json!({"phase": 2, "projectId": project, "chunks": upload});
                    ledger.record(RequestKind::Sync, user, &body);
                    let r = host.serve(
                        &mut world,
                        RequestKind::Sync,
                        user,
                        body.to_string().as_bytes(),
                    );
                    prop_assert!(
                        r.status == 200 || r.body["error"]["code"] == "duplicate_hash",
                        "step {}: {}",
                        n,
                        r.body
                    );
                }
            }
            Action::Remove {
                user,
                project,
                all,
                chunks,
            } => {
                let (user, project) = (USERS[*user], PROJECTS[*project]);
                let body = if *all {
                    json!({"projectId": project, "all": true})
                } else {
                    let hashes: Vec<Value> = body_chunks(chunks)
                        .iter()
                        .map(|c| c["hash"].clone())
                        .collect();
                    json!({"projectId": project, "hashes": hashes})
                };
                let before = others(&world, &config, user, project);
                let r = host.serve(
                    &mut world,
                    RequestKind::Remove,
                    user,
                    body.to_string().as_bytes(),
                );
                prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
                let broken =
                    ledger.check_step(&world, &config, RequestKind::Remove, user, &body, &r);
                prop_assert!(broken.is_empty(), "step {}: {:?}", n, broken);
                prop_assert!(
                    others(&world, &config, user, project).is_superset(&before),
                    "step {}: another tenant's data went",
                    n
                );
            }
            Action::Search {
                user,
                project,
                word,
            } => {
                let body =
                    json!({"projectId": PROJECTS[*project], "query": WORDS[*word], "topK": 5});
                let r = host.serve(
                    &mut world,
                    RequestKind::Search,
                    USERS[*user],
                    body.to_string().as_bytes(),
                );
                let shown = ledger.check_search(USERS[*user], PROJECTS[*project], &r);
                prop_assert!(shown.is_empty(), "step {}: {:?}", n, shown);
            }
        }
        let broken = ledger.check_world(&world, &config);
        prop_assert!(
            broken.is_empty(),
            "after step {} {:?}: {:?}",
            n,
            action,
            broken
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(config in config(), actions in prop::collection::vec(action(), 1..40)) {
        run(&config, &actions)?;
    }
}
