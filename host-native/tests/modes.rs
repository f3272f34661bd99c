//! Every scenario file in `<repo>/tests/scenarios` runs in both native modes: the engine in
//! this process, and the engine component in Wasmtime. A scenario fails if the component
//! misses an expectation, or if the two modes differ on any step (response or call counts):
//! the component must be the engine, not an approximation of it.

use index_sync_native::component::ComponentHost;
use index_sync_native::runner::{self, EngineHost, Host, disagreements, report};
use index_sync_native::scenario::{Scenario, project_scenarios_dir, scenario_files};

#[test]
fn every_scenario_agrees_in_engine_and_component_mode() {
    let files = scenario_files(&project_scenarios_dir()).expect("the scenarios folder is readable");
    assert!(
        !files.is_empty(),
        "no scenario in {}",
        project_scenarios_dir().display()
    );
    let mut problems = Vec::new();
    for file in &files {
        let scenario = match Scenario::load(file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let engine = runner::run(&scenario, &EngineHost::boxed);
        let component = runner::run(&scenario, &|config: &str| {
            Ok(Box::new(ComponentHost::new(config).expect("the component links")) as Box<dyn Host>)
        });
        if !component.passed() {
            problems.push(format!(
                "{} (component mode)\n{}",
                file.display(),
                report(&component)
            ));
        }
        for d in disagreements(&engine, &component) {
            problems.push(format!("{}: engine vs component: {d}", file.display()));
        }
    }
    println!("{} scenarios in both modes", files.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
