//! Random multi-tenant runs: users and projects whose names collide under naive joins,
//! shared and foreign code, code moved and copied between files, requests that give each
//! occurrence's lines (two in three: line-only shifts, the same code twice in one file)
//! and requests that give none (old clients), random interleavings of init, phase 1, phase
//! 2, complete syncs (with their phase 2), removals and searches with random filters
//! (bad ones refused before any call), injected faults (coordinator calls included) and
//! clock jumps past TTLs. A request refused whole (the tenant's lease held, the coordinator
//! out) is sent again, as clients do. The invariant checker holds after every step, every
//! answer is true when given (searches' included: each result at the places its vector
//! holds that the filter admits), every response accounts for what it was asked, and a
//! tenant's removal never touches another tenant's markers or vectors. Seeded and
//! shrinking (proptest).
//!
//! `cargo test` runs 256 cases; the long run:
//! `PROPTEST_CASES=10000 cargo test --release -p index-sync-native --test random_runs`

#[path = "../common/mod.rs"]
mod common;
#[path = "../clients/filters.rs"]
mod filters;
mod model;

use std::collections::BTreeSet;

use common::hashes;
use filters::search_body;
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

/// One run: the engine, the world, the checker's ledger, and the last request that indexed
/// (for `Action::Shift`).
struct Run {
    config: Config,
    host: EngineHost,
    world: World,
    ledger: Ledger,
    last_indexing: Option<Action>,
}

impl Run {
    /// Serves a request as a client sends it, its answer checked when given (`Watched`):
    /// the lie detector, (f), and for a search (c) and (i). A whole request refused (409
    /// `tenant_busy`, 503 `coordinator_unavailable`) did nothing but ask the coordinator,
    /// which is checked, and is sent again, after `retryAfterSeconds` when it says so.
    fn serve(
        &mut self,
        kind: RequestKind,
        user: &str,
        body: &Value,
    ) -> Result<Response, TestCaseError> {
        let (host, world, ledger) = (&mut self.host, &mut self.world, &mut self.ledger);
        for _ in 0..MAX_SENDS {
            let before = world.calls().clone();
            let (r, broken) =
                Watched::serve(host, world, ledger, &self.config, kind, user, body.clone())
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
                .filter(|(name, n)| {
                    before.get(*name) != Some(n) && !name.starts_with("coordinator.")
                })
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

    fn act(&mut self, n: usize, action: &Action) -> Result<(), TestCaseError> {
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
                self.world.fail_after(CLASSES[*class], *skip, mode);
            }
            Action::Advance(seconds) => self.world.advance(*seconds),
            Action::Index {
                phase2,
                user,
                project,
                chunks,
                lines,
            } => {
                self.last_indexing = Some(action.clone());
                let chunks = body_chunks(chunks, *lines);
                let (kind, mut body) = match phase2 {
                    true => (RequestKind::Sync, json!({"phase": 2})),
                    false => (RequestKind::Init, json!({})),
                };
                body["projectId"] = json!(PROJECTS[*project]);
                body["chunks"] = json!(chunks);
                self.index(n, kind, USERS[*user], &body)?;
            }
            Action::Shift(by) => {
                let shifted = match self.last_indexing.clone() {
                    Some(Action::Index {
                        phase2,
                        user,
                        project,
                        chunks,
                        lines,
                    }) => Action::Index {
                        phase2,
                        user,
                        project,
                        chunks,
                        lines: Some(lines.unwrap_or(0) + by),
                    },
                    Some(Action::Sync {
                        user,
                        project,
                        chunks,
                        lines,
                    }) => Action::Sync {
                        user,
                        project,
                        chunks,
                        lines: Some(lines.unwrap_or(0) + by),
                    },
                    _ => return Ok(()),
                };
                self.act(n, &shifted)?;
            }
            Action::Check {
                user,
                project,
                chunks,
                lines,
            } => self.check(n, USERS[*user], PROJECTS[*project], chunks, *lines)?,
            Action::Sync {
                user,
                project,
                chunks,
                lines,
            } => {
                self.last_indexing = Some(action.clone());
                self.sync(n, USERS[*user], PROJECTS[*project], chunks, *lines)?;
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
                    let hashes: Vec<Value> = body_chunks(chunks, None)
                        .iter()
                        .map(|c| c["hash"].clone())
                        .collect();
                    json!({"projectId": project, "hashes": hashes})
                };
                let before = others(&self.world, &self.config, user, project);
                let r = self.serve(RequestKind::Remove, user, &body)?;
                prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
                prop_assert!(
                    others(&self.world, &self.config, user, project).is_superset(&before),
                    "step {}: another tenant's data went",
                    n
                );
            }
            Action::Search {
                user,
                project,
                word,
                top_k,
                filter,
            } => {
                let body = search_body(PROJECTS[*project], WORDS[*word], *top_k, filter);
                let before = self.world.calls().clone();
                let r = self.serve(RequestKind::Search, USERS[*user], &body)?;
                if filter.is_bad() {
                    prop_assert_eq!(r.status, 400, "step {}: {}", n, r.body);
                    prop_assert_eq!(&r.body["error"]["code"], "invalid_filter");
                    prop_assert_eq!(self.world.calls(), &before, "step {}: calls", n);
                }
            }
        }
        Ok(())
    }

    /// `init` or phase 2: every chunk accounted for once; refused only for a hash sent with
    /// two pieces of code, having made no call.
    fn index(
        &mut self,
        n: usize,
        kind: RequestKind,
        user: &str,
        body: &Value,
    ) -> Result<(), TestCaseError> {
        let before = self.world.calls().clone();
        let r = self.serve(kind, user, body)?;
        let asked: BTreeSet<String> = hashes(body, "chunks");
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
                self.world.calls(),
                &before,
                "step {}: a refused request made calls",
                n
            );
        }
        Ok(())
    }

    /// Phase 1 of some chunks, every other one at its place (with its lines when the
    /// request gives them), the rest at any places.
    fn check(
        &mut self,
        n: usize,
        user: &str,
        project: &str,
        chunks: &[Piece],
        lines: Lines,
    ) -> Result<(), TestCaseError> {
        let listing: Vec<Value> = body_chunks(chunks, lines)
            .iter()
            .enumerate()
            .map(|(i, c)| match i % 2 {
                0 => json!({"hash": c["hash"]}),
                _ => listed(c),
            })
            .collect();
        let body = json!({"phase": 1, "projectId": project, "chunks": listing});
        let r = self.serve(RequestKind::Sync, user, &body)?;
        if r.status == 200 {
            // No oracle: "cached" only for what this very tenant sent.
            for hash in hashes(&r.body, "cached") {
                let key = index_sync_core::names::marker_key(&self.config, user, project, &hash);
                prop_assert!(
                    self.world.kv.read(&key, self.world.now).is_some(),
                    "step {}: cached without a marker",
                    n
                );
                prop_assert!(
                    self.ledger.sent_by(user, project, &hash),
                    "step {}: {} cached for a tenant that never sent it",
                    n,
                    hash
                );
            }
        }
        Ok(())
    }

    /// A complete listing, then phase 2 of what it says is needed.
    fn sync(
        &mut self,
        n: usize,
        user: &str,
        project: &str,
        chunks: &[Piece],
        lines: Lines,
    ) -> Result<(), TestCaseError> {
        let body_chunks = body_chunks(chunks, lines);
        let listing: Vec<Value> = body_chunks.iter().map(listed).collect();
        let body = json!({"phase": 1, "complete": true, "projectId": project, "chunks": listing});
        let before = others(&self.world, &self.config, user, project);
        let r = self.serve(RequestKind::Sync, user, &body)?;
        prop_assert_eq!(r.status, 200, "step {}: {}", n, r.body);
        prop_assert!(
            others(&self.world, &self.config, user, project).is_superset(&before),
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
            let r = self.serve(RequestKind::Sync, user, &body)?;
            prop_assert!(
                r.status == 200 || r.body["error"]["code"] == "duplicate_hash",
                "step {}: {}",
                n,
                r.body
            );
        }
        Ok(())
    }
}

fn run(config_json: &Value, actions: &[Action]) -> Result<(), TestCaseError> {
    let mut run = Run {
        config: Config::from_json(&config_json.to_string()).expect("config"),
        host: EngineHost::from_json(&config_json.to_string()).expect("config"),
        world: World::new(),
        ledger: Ledger::default(),
        last_indexing: None,
    };
    for (n, action) in actions.iter().enumerate() {
        run.act(n, action)?;
        let broken = run.ledger.check_world(&run.world, &run.config);
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
