//! Random schedules of one tenant's overlapping requests (invariant 9): in each step, 2 or 3
//! requests of the same tenant (init, phase 1, phase 2, complete phase 1 of the project or
//! of one part, root-only phase 1, remove some, remove all, search with a random filter),
//! most giving each occurrence's lines (versions of the project that only shift lines, one
//! chunk twice in one file), some none, start together and make their
//! host calls in a random order, a request refused whole sometimes sent again meanwhile;
//! faults on any call (errors and time-outs) and clock jumps (leases run out, markers fall
//! due for a refresh or past their lifetime) come between steps. After every call the
//! invariants hold, and every answer is true when given (the lie detector); at the end one
//! client's sync (a complete phase 1, phase 2 of what it needs, again until nothing is
//! needed) brings the index exactly to its listing. Seeded and shrinking (proptest).
//!
//! The same schedules played with a coordinator that orders nothing break promises, and the
//! lie detector sees some of them (its teeth). `cargo test` runs 64 cases, and 60 without an order; the
//! long run: `PROPTEST_CASES=10000 cargo test --release -p index-sync-native --test
//! random_schedules -- --nocapture` (both tests that many).

#[path = "../clients/mod.rs"]
mod clients;
mod model;

use std::collections::BTreeMap;

use clients::{Ask, Clients, USER, check_of};
use index_sync_core::RequestKind;
use index_sync_native::fakes::FaultMode;
use model::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

/// How many times a client sends again, within a step, a request refused whole.
const RESENDS: usize = 1;

/// Plays a run; returns what broke, the step it broke in first.
fn play(run: &Run, permissive: bool) -> Vec<String> {
    let mut clients = Clients::new(&run.config, permissive);
    for (n, step) in run.steps.iter().enumerate() {
        clients.world.advance(step.advance);
        for &(class, skip, timeout) in &step.faults {
            let mode = if timeout {
                FaultMode::Timeout
            } else {
                FaultMode::Error
            };
            clients.world.fail_after(CLASSES[class], skip, mode);
        }
        let asks: Vec<Ask> = step
            .requests
            .iter()
            .map(|r| {
                let (ask, full) = ask(r, &run.versions);
                if let Some(full) = full {
                    clients.ledger.record(RequestKind::Sync, USER, &full);
                }
                ask
            })
            .collect();
        // Past its end, the schedule starts again.
        let mut choices = step.schedule.iter().copied().cycle();
        let broken = clients.together(&asks, RESENDS, &mut |_| {
            choices.next().map_or(0, usize::from)
        });
        if !broken.is_empty() {
            return broken
                .into_iter()
                .map(|b| format!("step {n}: {b}"))
                .collect();
        }
    }
    clients.converge(&run.versions[run.last].chunks())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_schedule_of_one_tenants_requests_keeps_every_promise(run in run()) {
        let broken = play(&run, false);
        prop_assert!(broken.is_empty(), "{:?}", broken);
    }
}

/// Runs played without an order, from a fixed seed (`PROPTEST_CASES` when set).
const TEETH_CASES: usize = 60;

/// The random schedules have teeth: with a coordinator that orders nothing (every lease
/// granted, every record state written: the engine as it was before the tenant's lease),
/// the same schedules break promises, and the lie detector sees some of them. (The
/// enumeration of small cases shows each check's teeth case by case.)
#[test]
fn without_an_order_between_requests_random_schedules_break_promises() {
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = run();
    let mut runs_by_check: BTreeMap<&str, usize> = BTreeMap::new();
    let mut broken_runs = 0;
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(TEETH_CASES);
    for _ in 0..cases {
        let run = strategy.new_tree(&mut runner).expect("a run").current();
        let broken = play(&run, true);
        if !broken.is_empty() {
            broken_runs += 1;
        }
        let mut checks: Vec<&str> = broken.iter().map(|b| check_of(b)).collect();
        checks.sort_unstable();
        checks.dedup();
        for check in checks {
            *runs_by_check.entry(check).or_default() += 1;
        }
    }
    println!(
        "without an order: {broken_runs} of {cases} runs broken; runs by check: {runs_by_check:?}"
    );
    assert!(broken_runs > 0, "no run broke a promise without an order");
    assert!(
        runs_by_check.get("(h)").copied().unwrap_or(0) > 0,
        "the lie detector saw nothing: {runs_by_check:?}"
    );
}
