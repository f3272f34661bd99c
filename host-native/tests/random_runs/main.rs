//! Random multi-tenant runs: users and projects whose names collide under naive joins,
//! shared and foreign code, code moved and copied between files, random interleavings of
//! init, phase 1, phase 2, complete syncs (with their phase 2), removals and search,
//! injected faults (coordinator calls included) and clock jumps past TTLs. A request refused
//! whole (the tenant's lease held, the coordinator out) is sent again, as clients do. The
//! invariant checker holds after every step, every response accounts for what it was asked,
//! and a tenant's removal never touches another tenant's markers or vectors. Seeded and
//! shrinking (proptest).
//!
//! `cargo test` runs 256 cases; the long run:
//! `PROPTEST_CASES=10000 cargo test --release -p index-sync-native --test random_runs`

#[path = "../common/mod.rs"]
mod common;
mod model;

use std::collections::BTreeSet;

use common::hashes;
use index_sync_core::{Config, RequestKind, Response};
use index_sync_native::checker::{Ledger, Watched};
use index_sync_native::fakes::{FaultMode, World};
use index_sync_native::runner::EngineHost;
use model::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Most times a client sends one request while it is refused: enough to wait out a lease
/// left held by a release that failed (`leaseSeconds`, 120 s by default) one second apart.
const MAX_SENDS: usize = 300;

/// Serves a request as a client sends it, its answer checked when given (`Watched`): the
/// lie detector and (f). A whole request refused (409 `tenant_busy`, 503
/// `coordinator_unavailable`) did nothing but ask the coordinator, which is checked, and is
/// sent again, after `retryAfterSeconds` when it says so.
fn serve(
    host: &mut EngineHost,
    world: &mut World,
    ledger: &mut Ledger,
    config: &Config,
    kind: RequestKind,
    user: &str,
    body: &Value,
) -> Result<Response, TestCaseError> {
    for _ in 0..MAX_SENDS {
        let before = world.calls().clone();
        let (r, broken) = Watched::serve(host, world, ledger, config, kind, user, body.clone())
            .map_err(TestCaseError::fail)?;
        prop_assert!(
            broken.is_empty(),
            "{} {}: {:?}",
            kind.as_str(),
            body,
            broken
        );
        let code = r.body["error"]["code"].as_str();
        if !matches!(code, Some("tenant_busy" | "coordinator_unavailable")) {
            return Ok(r);
        }
        let made: Vec<&str> = world
            .calls()
            .iter()
            .filter(|(name, n)| before.get(*name) != Some(n) && !name.starts_with("coordinator."))
            .map(|(name, _)| *name)
            .collect();
        prop_assert!(
            made.is_empty(),
            "refused ({}), yet it made {:?}",
            r.body,
            made
        );
        world.advance(r.body["error"]["retryAfterSeconds"].as_u64().unwrap_or(0));
    }
    Err(TestCaseError::fail(format!(
        "{} {body} refused {MAX_SENDS} times",
        kind.as_str()
    )))
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
                let before = world.calls().clone();
                let r = serve(
                    &mut host,
                    &mut world,
                    &mut ledger,
                    &config,
                    kind,
                    USERS[*user],
                    &body,
                )?;
                let asked: BTreeSet<String> = chunks
                    .iter()
                    .map(|c| c["hash"].as_str().unwrap_or_default().to_owned())
                    .collect();
                if r.status == 200 {
                    let told: Vec<BTreeSet<String>> = ["indexed", "cached", "failed", "deferred"]
                        .iter()
                        .map(|f| hashes(&r.body, f))
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
                let r = serve(
                    &mut host,
                    &mut world,
                    &mut ledger,
                    &config,
                    RequestKind::Sync,
                    USERS[*user],
                    &body,
                )?;
                if r.status == 200 {
                    // No oracle: "cached" only for what this very tenant sent.
                    for hash in common::hashes(&r.body, "cached") {
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
                let r = serve(
                    &mut host,
                    &mut world,
                    &mut ledger,
                    &config,
                    RequestKind::Sync,
                    user,
                    &body,
                )?;
                prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
                prop_assert!(
                    others(&world, &config, user, project).is_superset(&before),
                    "step {}: another tenant's data went",
                    n
                );
                let needed = hashes(&r.body, "needed");
                let upload: Vec<Value> = body_chunks
                    .into_iter()
                    .filter(|c| needed.contains(c["hash"].as_str().unwrap_or_default()))
                    .collect();
                if !upload.is_empty() {
                    let body = json!({"phase": 2, "projectId": project, "chunks": upload});
                    let r = serve(
                        &mut host,
                        &mut world,
                        &mut ledger,
                        &config,
                        RequestKind::Sync,
                        user,
                        &body,
                    )?;
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
                let r = serve(
                    &mut host,
                    &mut world,
                    &mut ledger,
                    &config,
                    RequestKind::Remove,
                    user,
                    &body,
                )?;
                prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
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
                let r = serve(
                    &mut host,
                    &mut world,
                    &mut ledger,
                    &config,
                    RequestKind::Search,
                    USERS[*user],
                    &body,
                )?;
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
