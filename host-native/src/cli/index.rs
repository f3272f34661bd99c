//! `index-sync index DIR [--user U] [--project P] [--store PATH]`: a complete sync of a
//! folder, through the engine component, into the local store: chunks the folder no longer
//! holds leave the index, moved and copied code is found at its new files and lines, new
//! code is indexed (`sync/` is the protocol). The AI is the deterministic local fake, so
//! runs are free and repeatable; the point is to see what a real deployment would be asked
//! to do. Another run on the same store that holds the project is waited for (`client.rs`).
//! The user, the project and the store default to the folder's (`tenant.rs`), and the
//! first line says which were taken, and from where.

use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_core::RequestKind;
use serde_json::Value;

use super::chunker;
use super::client::Client;
use super::report::{Bars, print_sync};
use super::sync::{Transport, sync_project};
use super::tenant::{Tenant, TenantArgs};

/// Arguments of `index`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to index (its .gitignore is respected).
    dir: PathBuf,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    match index(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("index-sync index: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Transport for Client {
    fn send(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String> {
        self.request(kind, body)
    }
}

/// Whether the index now follows the folder exactly.
fn index(args: &Args) -> Result<bool, String> {
    let tenant = Tenant::for_folder(&args.tenant, &args.dir)?;
    println!("{}", tenant.line());
    let vocabulary = chunker::model_vocabulary()?;
    let walk = chunker::walk(&args.dir, &chunker::Budget::model(&vocabulary))?;
    let mut client = Client::open(&tenant.store, &tenant.user)?;
    let mut bars = Bars::default();
    let summary = sync_project(
        &mut client,
        &tenant.project,
        &walk.chunks,
        &mut |phase, done, total| bars.show(phase, done, total),
    )?;
    bars.finish();
    print_sync(&args.dir, &walk, &summary, "index");
    let store = client.store();
    println!(
        "AI calls: {} (the local deterministic fake of Workers AI stands in for the real models)",
        store.calls().get("ai.run").copied().unwrap_or(0)
    );
    println!(
        "vectors written: {}, deleted: {} (the store holds {})",
        store.vectors_written(),
        store.vectors_deleted(),
        store.vector_count()?
    );
    if let Some(line) = client.waits.line() {
        println!("{line}");
    }
    println!("store: {}", tenant.store.display());
    Ok(summary.complete())
}
