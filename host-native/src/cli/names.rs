//! `index-sync names --user U --project P --hash H [--code C]`: the engine's KV keys and
//! vector id, for writing scenarios and for finding a tenant's data by hand.

use std::process::ExitCode;

use index_sync_core::Config;
use index_sync_core::names::{cache_key, marker_key, sha256_hex, vector_id};

/// Arguments of `names`.
#[derive(clap::Args)]
pub struct Args {
    /// Authenticated user id.
    #[arg(long)]
    user: String,
    /// Project id.
    #[arg(long)]
    project: String,
    /// The client's chunk hash.
    #[arg(long)]
    hash: String,
    /// The chunk's code, to print its shared cache key.
    #[arg(long)]
    code: Option<String>,
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    let config = Config::default();
    println!(
        "marker  {}",
        marker_key(&config, &args.user, &args.project, &args.hash)
    );
    println!(
        "vector  {}",
        vector_id(&config, &args.user, &args.project, &args.hash)
    );
    if let Some(code) = args.code {
        println!("content {}", sha256_hex(&code));
        println!(
            "cache   {}",
            cache_key(&config, &args.user, &sha256_hex(&code))
        );
    }
    ExitCode::SUCCESS
}
