//! `index-sync conform FILE...`

use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_native::runner::{self, EngineHost, Host, report};
use index_sync_native::scenario::Scenario;

/// Arguments of `conform`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario files (any path).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs every file; exit status 1 if any failed.
pub fn run_files(files: &[PathBuf]) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let verdict = match Scenario::load(file) {
            Ok(scenario) => runner::run(&scenario, &|config: &str| {
                EngineHost::from_json(config).map(|h| Box::new(h) as Box<dyn Host>)
            }),
            Err(e) => {
                println!("FAIL {}\n    {e}", file.display());
                failed += 1;
                continue;
            }
        };
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
    let (passed, failed) = run_files(&args.files);
    println!("{passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
