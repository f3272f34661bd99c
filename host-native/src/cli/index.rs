//! `index-sync index DIR [--user U] [--project P] [--store PATH] [--ai AI]`: a complete sync
//! of a folder, through the engine component, into the local store: chunks the folder no
//! longer holds leave the index, moved and copied code is found at its new files and lines,
//! new code is indexed (`sync/` is the protocol). The AI is all-MiniLM-L6-v2 in this
//! process unless `--ai` says otherwise (`ai/`): `workers-ai` (Workers AI over REST) or
//! `fake` (the deterministic fake of the conformance tests). A project indexed with another
//! AI is removed and indexed again whole, so that its vectors are one model's
//! (`ai/recorded.rs`). Another run on the same store that holds the project is waited for
//! (`client.rs`). The user, the project and the store default to the folder's
//! (`tenant.rs`), and the first line says which were taken, and from where. While phase 2
//! embeds, standard error shows the chunks embedded, the rate and the time left
//! (`progress.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use index_sync_core::RequestKind;
use index_sync_native::store::LocalStore;
use serde_json::{Value, json};

use super::ai::recorded::{Plan, choose, plan, record_of};
use super::ai::{AiArgs, AiBackend};
use super::chunker::{self, Walk};
use super::client::Client;
use super::progress::{Progress, Rate, clock};
use super::remove::remove_rounds;
use super::report::print_sync;
use super::sync::{Transport, sync_project};
use super::tenant::{Tenant, TenantArgs};

/// Arguments of `index`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to index (its .gitignore is respected).
    dir: PathBuf,
    #[command(flatten)]
    tenant: TenantArgs,
    #[command(flatten)]
    ai: AiArgs,
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
    let store = LocalStore::open(&tenant.store)?;
    let (ai, chosen) = choose(
        &args.ai,
        store.indexed_with(&tenant.user, &tenant.project)?.as_ref(),
    );
    println!("AI: {} ({}): {}", ai.name(), chosen.as_str(), ai.describe());
    let vocabulary = chunker::model_vocabulary()?;
    let walk = chunker::walk(&args.dir, &chunker::Budget::model(&vocabulary))?;
    let plan = plan(&store, &tenant.user, &tenant.project, ai)?;
    let progress = Progress::new();
    let mut client = Client::new(store, &tenant.user, ai, progress.hook())?;
    if let Plan::Rebuild(built_with) = &plan {
        rebuild(&mut client, &tenant, ai, built_with)?;
    }
    let summary = sync_project(
        &mut client,
        &tenant.project,
        &walk.chunks,
        &mut |phase, done, total| progress.phase(phase, done, total),
    );
    // Recorded even when the sync failed part way: the vectors it wrote are this AI's.
    if plan == Plan::Record {
        client
            .store()
            .record_indexed_with(&tenant.user, &tenant.project, &record_of(ai))?;
    }
    let summary = summary?;
    let rate = progress.finish();
    print_sync(&args.dir, &walk, &summary, "index");
    let store = client.store();
    println!(
        "AI calls: {} ({})",
        store.calls().get("ai.run").copied().unwrap_or(0),
        ai.describe()
    );
    if rate.chunks > 0 {
        println!("{}", embedded_line(ai, &rate, &walk, &vocabulary));
    }
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

/// Removes the project's chunks, built with another AI (`built_with`), through the engine
/// as `remove --all` does, and records `ai` as the project's from now on.
fn rebuild(
    client: &mut Client,
    tenant: &Tenant,
    ai: AiBackend,
    built_with: &str,
) -> Result<(), String> {
    let all = json!({"projectId": tenant.project, "all": true});
    let (removed, complete) = remove_rounds(client, all)?;
    if !complete {
        return Err(format!(
            "{removed} chunks of the index built with {built_with} removed, some left: run \
             index again"
        ));
    }
    client
        .store()
        .record_indexed_with(&tenant.user, &tenant.project, &record_of(ai))?;
    println!(
        "rebuilt: the index was built with {built_with}; its {removed} chunks were removed, \
         to be indexed with --ai {}",
        ai.name()
    );
    Ok(())
}

/// `embedded: N chunks in T, R chunks/s (…)`: phase 2's pace, and the size of the chunks
/// in the model's word pieces (those of the folder's distinct chunks, which the model reads
/// up to its limit).
fn embedded_line(
    ai: AiBackend,
    rate: &Rate,
    walk: &Walk,
    vocabulary: &index_sync_embed::tokenizer::Tokenizer,
) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let pieces: Vec<usize> = walk
        .chunks
        .iter()
        .filter(|c| seen.insert(c.hash.as_str()))
        .map(|c| vocabulary.pieces(&c.code).len())
        .collect();
    let mean = pieces.iter().sum::<usize>() as f64 / pieces.len().max(1) as f64;
    let elapsed = rate.elapsed.as_secs_f64();
    let took = if elapsed < 60.0 {
        format!("{elapsed:.1} s")
    } else {
        clock(rate.elapsed.as_secs())
    };
    format!(
        "embedded: {} chunks in {took}, {:.1} chunks/s by {} (the folder's chunks: {mean:.0} \
         word pieces on average)",
        rate.chunks,
        rate.per_second(),
        ai.config().embedding_model
    )
}
