//! `index-sync search "QUERY" --user U --project P [--store PATH]`: the tenant's best
//! matches in the local store, through the engine component.

use std::process::ExitCode;

use index_sync_core::RequestKind;
use serde_json::json;

use super::client::{Client, Tenant};

/// Arguments of `search`.
#[derive(clap::Args)]
pub struct Args {
    /// What to look for.
    query: String,
    #[command(flatten)]
    tenant: Tenant,
    /// How many results (the engine allows 1 to its `maxTopK`, 20 by default).
    #[arg(long, default_value_t = 10)]
    top_k: u32,
}

/// The subcommand: one line per result, best first: score, every file holding the code,
/// summary.
pub fn run(args: Args) -> ExitCode {
    let result = Client::open(&args.tenant.store, &args.tenant.user).and_then(|mut client| {
        let body =
            json!({ "projectId": args.tenant.project, "query": args.query, "topK": args.top_k });
        client.request(RequestKind::Search, &body)
    });
    let answer = match result {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("index-sync search: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    if results.is_empty() {
        println!(
            "no results for {:?} in {} of {}",
            args.query, args.tenant.project, args.tenant.user
        );
    }
    for result in results {
        let files: Vec<&str> = match result["filePaths"].as_array() {
            Some(paths) => paths.iter().filter_map(|p| p.as_str()).collect(),
            None => vec![result["filePath"].as_str().unwrap_or("?")],
        };
        println!(
            "{:.3}  {}  {}",
            result["score"].as_f64().unwrap_or(0.0),
            files.join(", "),
            result["summary"].as_str().unwrap_or("")
        );
    }
    ExitCode::SUCCESS
}
