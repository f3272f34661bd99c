//! Every scenario file in `tests/scenarios/` through the engine driven directly over the
//! fakes. (The component runs the same files in `modes.rs`.)

use index_sync_native::fakes::World;
use index_sync_native::runner::{EngineHost, report, run, run_in};
use index_sync_native::scenario::{Scenario, project_scenarios_dir, scenario_files};

#[test]
fn every_scenario_passes_on_the_engine() {
    let files = scenario_files(&project_scenarios_dir()).expect("the scenarios folder");
    assert!(
        files.len() >= 20,
        "expected the project's scenarios, found {}",
        files.len()
    );
    let mut failed = Vec::new();
    for file in &files {
        let scenario = Scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
        let verdict = run(&scenario, &EngineHost::boxed);
        println!("{}", report(&verdict));
        if !verdict.passed() {
            failed.push(report(&verdict));
        }
    }
    assert!(
        failed.is_empty(),
        "{} scenario(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn a_scenario_with_a_wrong_expectation_fails_with_a_readable_diff() {
    let scenario: Scenario = serde_json::from_str(
        r#"{"name": "wrong", "steps": [
            {"request": "sync", "user": "u", "body": {"phase": 1, "projectId": "p", "chunks": [{"hash": "h"}]},
             "expect": {"status": 200, "body": {"needed": [], "cached": ["h"]}, "calls": {"kv.get": 2}}}
        ], "final": {"kv": {"has": ["chunkHash:u:p:h"]}}}"#,
    )
    .expect("a scenario");
    let verdict = run(&scenario, &EngineHost::boxed);
    let text = report(&verdict);
    assert!(text.starts_with("FAIL wrong"), "{text}");
    assert!(
        text.contains("body.needed: [\"h\"], expected 0 items"),
        "{text}"
    );
    assert!(text.contains("1 kv.get calls, expected 2"), "{text}");
    assert!(
        text.contains("final: kv lacks \"chunkHash:u:p:h\""),
        "{text}"
    );
}

/// Each overlap scenario has teeth: with a coordinator that orders nothing (every lease
/// granted, every record state written: requests of one tenant interleaving as they did
/// before invariant 9), it fails, and its failures name what broke.
#[test]
fn every_overlap_scenario_fails_without_an_order_between_requests() {
    let files = scenario_files(&project_scenarios_dir()).expect("the scenarios folder");
    let overlaps: Vec<_> = files
        .iter()
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("overlap-"))
        })
        .collect();
    assert!(
        overlaps.len() >= 6,
        "found {} overlap scenarios",
        overlaps.len()
    );
    let mut passed = Vec::new();
    for file in overlaps {
        let scenario = Scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
        let mut world = World::new();
        world.coordinator.permissive = true;
        let verdict = run_in(world, &scenario, &EngineHost::boxed);
        println!("{}", report(&verdict));
        if verdict.passed() {
            passed.push(scenario.name);
        }
    }
    assert!(passed.is_empty(), "passed without an order: {passed:?}");
}
