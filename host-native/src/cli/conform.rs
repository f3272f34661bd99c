//! `index-sync conform [--engine | --compare] [--records FILE] FILE...`: runs scenario files,
//! by default through the engine component in Wasmtime (the artefact that ships), with
//! `--engine` on the engine in this process, with `--compare` both ways and a check that
//! they agree. `--records` writes what every request step answered and called, so hosts in
//! other runtimes (jco in Node, Python's Wasmtime) can be held to the engine step by step.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use index_sync_native::component::{self, ComponentHost};
use index_sync_native::runner::{
    self, EngineHost, Host, StepRecord, Verdict, disagreements, report,
};
use index_sync_native::scenario::Scenario;
use serde_json::{Map, Value, json};

/// Arguments of `conform`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario files (any path).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Drive the engine in this process instead of the component.
    #[arg(long, conflicts_with = "compare")]
    engine: bool,
    /// Run both ways; a scenario also fails where the two disagree on any step.
    #[arg(long)]
    compare: bool,
    /// Write every scenario's request-step records (status, body, calls by name) as JSON
    /// to this file: `{"scenarios": {FILE NAME: {"name", "steps": [...]}}}`, the steps of
    /// the way run (the engine's with `--engine`). A file that does not load is left out.
    #[arg(long, value_name = "FILE")]
    records: Option<PathBuf>,
}

fn through_engine(scenario: &Scenario) -> Verdict {
    runner::run(scenario, &EngineHost::boxed)
}

fn through_component(scenario: &Scenario) -> Verdict {
    runner::run(scenario, &|config: &str| {
        // `compiled()` succeeded before any scenario ran, so linking cannot fail here.
        let host = ComponentHost::new(config).expect("the component links");
        Ok(Box::new(host) as Box<dyn Host>)
    })
}

/// A step record as JSON: the response and the calls made, by name.
fn record_json(record: &StepRecord) -> Value {
    json!({
        "status": record.response.status,
        "body": record.response.body,
        "calls": record.calls,
    })
}

/// The records of a verdict, under its file's name.
fn add_records(records: &mut Map<String, Value>, file: &Path, verdict: &Verdict) {
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let steps: Vec<Value> = verdict.records.iter().map(record_json).collect();
    records.insert(name, json!({ "name": verdict.name, "steps": steps }));
}

/// Runs every file; returns (passed, failed) and the records of those that loaded.
pub fn run_files(files: &[PathBuf], args: &Args) -> (usize, usize, Map<String, Value>) {
    let (mut passed, mut failed) = (0, 0);
    let mut records = Map::new();
    for file in files {
        let scenario = match Scenario::load(file) {
            Ok(scenario) => scenario,
            Err(e) => {
                println!("FAIL {}\n    {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let mut verdict = if args.engine {
            through_engine(&scenario)
        } else {
            through_component(&scenario)
        };
        if args.compare {
            let engine = through_engine(&scenario);
            verdict.failures.extend(
                disagreements(&engine, &verdict)
                    .into_iter()
                    .map(|d| format!("engine vs component: {d}")),
            );
        }
        println!("{}", report(&verdict));
        add_records(&mut records, file, &verdict);
        if verdict.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    (passed, failed, records)
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    if !args.engine
        && let Err(e) = component::compiled()
    {
        eprintln!("index-sync conform: {e}");
        return ExitCode::FAILURE;
    }
    let (passed, mut failed, records) = run_files(&args.files, &args);
    if let Some(path) = &args.records {
        let text = json!({ "scenarios": records }).to_string();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("index-sync conform: writing {}: {e}", path.display());
            failed += 1;
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
