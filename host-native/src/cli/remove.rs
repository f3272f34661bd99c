//! `index-sync remove [--user U] [--project P] (--all | HASH...)`: takes chunks, or the
//! whole project, out of the local store's index through the engine component, sending
//! again while the engine says there is more to remove (and while another run holds the
//! project: `client.rs`). The project is the current folder's unless named (`tenant.rs`).

use std::process::ExitCode;

use index_sync_core::RequestKind;
use serde_json::{Value, json};

use super::ai::recorded::choose;
use super::ai::{AiArgs, NoModels};
use super::client::Client;
use super::search::open_store;
use super::sync::MAX_ROUNDS;
use super::tenant::{Tenant, TenantArgs};

/// Arguments of `remove`.
#[derive(clap::Args)]
pub struct Args {
    /// The chunk hashes to remove.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    hashes: Vec<String>,
    /// Remove the whole project.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    match remove(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("index-sync remove: {e}");
            ExitCode::FAILURE
        }
    }
}

fn remove(args: &Args) -> Result<bool, String> {
    let tenant = Tenant::for_current_folder(&args.tenant)?;
    let store = open_store(&tenant)?;
    // No AI call: the engine config of the AI the project was indexed with, no models.
    let recorded = store.indexed_with(&tenant.user, &tenant.project)?;
    let (ai, _) = choose(&AiArgs::default(), recorded.as_ref());
    let mut client =
        Client::with_models(store, &tenant.user, &ai.config_json(), Box::new(NoModels))?;
    let body = if args.all {
        json!({"projectId": tenant.project, "all": true})
    } else {
        json!({"projectId": tenant.project, "hashes": args.hashes})
    };
    let (removed, complete) = remove_rounds(&mut client, body)?;
    if complete {
        println!(
            "{removed} chunks removed from {} of {}",
            tenant.project, tenant.user
        );
        if let Some(line) = client.waits.line() {
            println!("{line}");
        }
        return Ok(true);
    }
    eprintln!(
        "{removed} chunks removed; some are left after {MAX_ROUNDS} rounds: run remove again"
    );
    Ok(false)
}

/// Sends the removal `body` (`all`, or `hashes`) until the engine has no more to remove,
/// at most [`MAX_ROUNDS`] times: the chunks removed, and whether it finished.
pub fn remove_rounds(client: &mut Client, mut body: Value) -> Result<(usize, bool), String> {
    let all = body["all"] == true;
    let mut removed = 0;
    for _ in 0..MAX_ROUNDS {
        let answer = client.request(RequestKind::Remove, &body)?;
        removed += answer["removed"].as_array().map_or(0, Vec::len);
        if answer["moreToRemove"] != true {
            return Ok((removed, true));
        }
        if !all {
            let left: Vec<&Value> = answer["deferred"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(
                    answer["failed"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| &f["hash"]),
                )
                .collect();
            body["hashes"] = json!(left);
        }
    }
    Ok((removed, false))
}
