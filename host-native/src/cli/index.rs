//! `index-sync index DIR --user U --project P [--store PATH]`: the real two-phase sync of a
//! folder, through the engine component, into the local store.
//!
//! Phase 1 sends every chunk hash (in requests of [`PHASE1_BATCH`]) and learns which ones
//! this tenant lacks; phase 2 sends those chunks (in requests of [`PHASE2_BATCH`]), resending
//! what the engine deferred or reported as failed, up to [`MAX_ROUNDS`] rounds. The AI is the
//! deterministic local fake, so runs are free and repeatable; the point is to see what a
//! real deployment would be asked to do.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_core::RequestKind;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::chunker::{self, Chunk};
use super::client::{Client, Tenant};

/// Hashes per phase-1 request: 10 KV bulk reads of 100, leaving most of the engine's
/// 1,000-operation budget (its `operationBudget` default) for marker refreshes.
pub const PHASE1_BATCH: usize = 1_000;
/// Chunks per phase-2 request. A chunk costs about three operations when the shared cache
/// misses (a summary call, a cache write, a marker write; reads, embeddings and upserts come
/// in batches), so 100 stay well within the 1,000-operation budget.
pub const PHASE2_BATCH: usize = 100;
/// Rounds of resending deferred and failed chunks before giving up on them.
pub const MAX_ROUNDS: usize = 5;

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

fn hashes(body: &Value, field: &str) -> Vec<String> {
    body[field]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().or_else(|| item["hash"].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether every chunk ended indexed or cached.
fn index(args: &Args) -> Result<bool, String> {
    let walk = chunker::walk(&args.dir)?;
    let tenant = &args.tenant;
    println!(
        "{}: {} files read, {} skipped (binary, huge or unreadable), {} chunks",
        args.dir.display(),
        walk.files,
        walk.skipped,
        walk.chunks.len()
    );
    let mut client = Client::open(&tenant.store, &tenant.user)?;

    // Phase 1: which chunks does this tenant lack?
    let mut needed = Vec::new();
    let mut cached = 0;
    let mut pending: Vec<&str> = walk.chunks.iter().map(|c| c.hash.as_str()).collect();
    for _ in 0..MAX_ROUNDS {
        let mut deferred = Vec::new();
        for batch in pending.chunks(PHASE1_BATCH) {
            let chunks: Vec<Value> = batch.iter().map(|h| json!({ "hash": h })).collect();
            let body = json!({ "phase": 1, "projectId": tenant.project, "chunks": chunks });
            let answer = client.request(RequestKind::Sync, &body)?;
            needed.extend(hashes(&answer, "needed"));
            cached += hashes(&answer, "cached").len();
            deferred.extend(hashes(&answer, "deferred"));
        }
        pending = batch_of(&walk.chunks, &deferred)
            .iter()
            .map(|c| c.hash.as_str())
            .collect();
        if pending.is_empty() {
            break;
        }
    }
    println!("phase 1: {} chunks needed, {cached} cached", needed.len());

    // Phase 2: send what is needed; resend what was deferred or failed.
    let bar = ProgressBar::new(needed.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("phase 2 {bar:40} {pos}/{len} chunks {msg}")
            .map_err(|e| e.to_string())?,
    );
    let mut to_send = batch_of(&walk.chunks, &needed);
    let (mut indexed, mut failures) = (0, HashMap::new());
    for _ in 0..MAX_ROUNDS {
        if to_send.is_empty() {
            break;
        }
        let mut again = Vec::new();
        for batch in to_send.chunks(PHASE2_BATCH) {
            let chunks: Vec<Value> = batch
                .iter()
                .map(|c| json!({ "hash": c.hash, "code": c.code, "filePath": c.file_path }))
                .collect();
            let body = json!({ "phase": 2, "projectId": tenant.project, "chunks": chunks });
            let answer = client.request(RequestKind::Sync, &body)?;
            let done = hashes(&answer, "indexed").len() + hashes(&answer, "cached").len();
            indexed += done;
            bar.inc(done as u64);
            for failed in answer["failed"].as_array().into_iter().flatten() {
                let hash = failed["hash"].as_str().unwrap_or_default().to_owned();
                failures.insert(
                    hash,
                    failed["error"]["message"]
                        .as_str()
                        .unwrap_or("failed")
                        .to_owned(),
                );
            }
            let retry: Vec<String> = hashes(&answer, "deferred")
                .into_iter()
                .chain(hashes(&answer, "failed"))
                .collect();
            again.extend(batch_of(batch.iter().copied(), &retry));
        }
        to_send = again;
    }
    bar.finish_and_clear();
    for chunk in &to_send {
        let why = failures.get(&chunk.hash).map_or("deferred", String::as_str);
        eprintln!("not indexed: {} ({}): {why}", chunk.file_path, chunk.hash);
    }

    let store = client.store();
    println!(
        "phase 2: {indexed} chunks indexed, {} not indexed",
        to_send.len()
    );
    println!(
        "AI calls: {} (the local deterministic fake of Workers AI stands in for the real models)",
        store.calls().get("ai.run").copied().unwrap_or(0)
    );
    println!(
        "vectors written: {} (the store holds {})",
        store.vectors_written(),
        store.vector_count()?
    );
    println!("store: {}", tenant.store.display());
    Ok(to_send.is_empty())
}

/// The chunks among `chunks` whose hash is in `hashes`, in `chunks` order.
fn batch_of<'a>(chunks: impl IntoIterator<Item = &'a Chunk>, hashes: &[String]) -> Vec<&'a Chunk> {
    let wanted: std::collections::HashSet<&str> = hashes.iter().map(String::as_str).collect();
    chunks
        .into_iter()
        .filter(|c| wanted.contains(c.hash.as_str()))
        .collect()
}
