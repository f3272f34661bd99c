//! Every scenario file in `tests/scenarios/` through the engine driven directly over the
//! fakes. (The component runs the same files in `modes.rs`.)

use index_sync_native::runner::{EngineHost, report, run};
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
