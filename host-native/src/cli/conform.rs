//! `index-sync conform [--engine | --compare] FILE...`: runs scenario files, by default
//! through the engine component in Wasmtime (the artefact that ships), with `--engine` on
//! the engine in this process, with `--compare` both ways and a check that they agree.

use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_native::component::{self, ComponentHost};
use index_sync_native::runner::{self, EngineHost, Host, Verdict, disagreements, report};
use index_sync_native::scenario::Scenario;

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

/// Runs every file; returns (passed, failed).
pub fn run_files(files: &[PathBuf], args: &Args) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
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
        if verdict.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    (passed, failed)
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    if !args.engine
        && let Err(e) = component::compiled()
    {
        eprintln!("index-sync conform: {e}");
        return ExitCode::FAILURE;
    }
    let (passed, failed) = run_files(&args.files, &args);
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
