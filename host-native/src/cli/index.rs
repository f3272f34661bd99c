//! `index-sync index DIR --user U --project P [--store PATH]`: a complete sync of a folder,
//! through the engine component, into the local store: chunks the folder no longer holds
//! leave the index, moved and copied code is found at its new files, new code is indexed
//! (`sync/` is the protocol). The AI is the deterministic local fake, so runs are free and
//! repeatable; the point is to see what a real deployment would be asked to do.

use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_core::RequestKind;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::chunker;
use super::client::{Client, Tenant};
use super::sync::{Transport, sync_project};

/// Arguments of `index`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to index (its .gitignore is respected).
    dir: PathBuf,
    #[command(flatten)]
    tenant: Tenant,
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

/// A progress bar per phase, drawn only where there is a terminal.
struct Bars {
    bar: Option<(String, ProgressBar)>,
}

impl Bars {
    fn show(&mut self, phase: &str, done: usize, total: usize) {
        if self.bar.as_ref().is_none_or(|(p, _)| p != phase) {
            self.finish();
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template(&format!("{phase} {{bar:40}} {{pos}}/{{len}}"))
            {
                bar.set_style(style);
            }
            self.bar = Some((phase.to_owned(), bar));
        }
        if let Some((_, bar)) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    fn finish(&mut self) {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Whether the index now follows the folder exactly.
fn index(args: &Args) -> Result<bool, String> {
    let walk = chunker::walk(&args.dir)?;
    let tenant = &args.tenant;
    let mut client = Client::open(&tenant.store, &tenant.user)?;
    let mut bars = Bars { bar: None };
    let summary = sync_project(
        &mut client,
        &tenant.project,
        &walk.chunks,
        &mut |phase, done, total| bars.show(phase, done, total),
    )?;
    bars.finish();
    println!(
        "{}: {} files read, {} skipped (binary, huge or unreadable), {} chunks ({} with the files they are in)",
        args.dir.display(),
        walk.files,
        walk.skipped,
        summary.chunks,
        walk.chunks.len()
    );
    println!(
        "phase 1: {} chunks needed, {} cached, {} removed (no longer in the folder), in {} requests; {} unchanged of {} parts (told by their digest alone)",
        summary.needed,
        summary.cached,
        summary.removed,
        summary.phase1_requests,
        summary.unchanged_parts,
        summary.parts
    );
    println!(
        "phase 2: {} chunks indexed, {} not indexed, in {} requests",
        summary.indexed,
        summary.not_indexed.len(),
        summary.phase2_requests
    );
    for (hash, why) in &summary.not_indexed {
        eprintln!("not indexed: {hash}: {why}");
    }
    if summary.removal_unfinished {
        eprintln!("removal unfinished: run index again");
    }
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
    println!("store: {}", tenant.store.display());
    Ok(summary.complete())
}
