//! `index-sync search QUERY [--user U] [--project P] [--top-k N] [--path GLOB]...
//! [--exclude GLOB]... [--lang EXT]... [--json]`: the tenant's best matches in the local
//! store, through the engine component, each at every place its code is (`path:start-end`)
//! with the code itself (`show.rs`), or as JSON (`results.rs`). The project is the current
//! folder's (`tenant.rs`); the filters are the engine's (`filters.rs`), and what the engine
//! refuses (400 `invalid_filter`) is printed as it says it, with exit status 2. The query is
//! embedded by the AI the project was indexed with (`--ai` says otherwise only to be refused
//! when it differs: `ai/recorded.rs`).

pub mod filters;
pub mod results;
pub mod show;

use std::path::Path;
use std::process::ExitCode;

use index_sync_core::{RequestKind, Response};
use index_sync_native::store::LocalStore;
use serde_json::json;

use super::ai::recorded::{choose, comparable};
use super::ai::{AiArgs, unobserved};
use super::client::Client;
use super::tenant::{Tenant, TenantArgs};
use filters::{Filters, Folders};
use results::Found;

/// Results unless `--top-k` says otherwise (the engine allows 1 to its `maxTopK`, 50).
pub const DEFAULT_TOP_K: u32 = 10;
/// The exit status of a search the engine refused as asked (a bad filter, a bad `--top-k`).
const REFUSED: u8 = 2;

/// Arguments of `search`.
#[derive(clap::Args)]
pub struct Args {
    /// What to look for.
    query: String,
    #[command(flatten)]
    tenant: TenantArgs,
    /// How many results.
    #[arg(long, default_value_t = DEFAULT_TOP_K)]
    top_k: u32,
    #[command(flatten)]
    filters: Filters,
    #[command(flatten)]
    ai: AiArgs,
    /// Print `{"results": [{"score", "hash", "summary", "locations": [{"filePath",
    /// "startLine", "endLine"}], "snippet"}]}` instead of text.
    #[arg(long)]
    json: bool,
}

/// What the engine answered a search.
#[derive(Debug)]
pub enum Answer {
    /// The results, best first.
    Found(Vec<Found>),
    /// A refusal of the request as asked (4xx): its code and message.
    Refused {
        /// The engine's stable code (`invalid_filter`, ...).
        code: String,
        /// What is wrong.
        message: String,
    },
}

/// One search of `tenant`'s project; `current` is the folder relative names in `filters`
/// are looked up from.
pub fn search(
    client: &mut Client,
    tenant: &Tenant,
    query: &str,
    top_k: u32,
    filters: &Filters,
    current: &Path,
) -> Result<Answer, String> {
    let mut body = json!({ "projectId": tenant.project, "query": query, "topK": top_k });
    let folders = Folders {
        root: &tenant.root,
        current,
    };
    filters.add_to(&mut body, folders);
    let Response { status, body } = client.answer(RequestKind::Search, &body)?;
    match status {
        200 => Ok(Answer::Found(results::read(&body))),
        400..=499 => Ok(Answer::Refused {
            code: body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            message: body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }),
        _ => Err(format!("search answered {status}: {body}")),
    }
}

/// Opens the store of an existing index: a search or removal in a folder never indexed
/// says so rather than making an empty store.
pub fn open_store(tenant: &Tenant) -> Result<LocalStore, String> {
    if !tenant.store.is_file() {
        return Err(format!(
            "no index at {}: run `index-sync index .` in the project's folder first, or pass \
             --store",
            tenant.store.display()
        ));
    }
    LocalStore::open(&tenant.store)
}

/// The component over the store of an existing index, to search it: with the AI the
/// project was indexed with (`ai` may only name that one).
pub fn open_existing(tenant: &Tenant, ai: &AiArgs) -> Result<Client, String> {
    let store = open_store(tenant)?;
    let recorded = store.indexed_with(&tenant.user, &tenant.project)?;
    let (ai, _) = choose(ai, recorded.as_ref());
    comparable(recorded.as_ref(), ai, &tenant.project)?;
    Client::new(store, &tenant.user, ai, unobserved())
}

/// The subcommand: one block per location, best first; or the JSON form.
pub fn run(args: Args) -> ExitCode {
    let answer = Tenant::for_current_folder(&args.tenant).and_then(|tenant| {
        let current = std::env::current_dir().map_err(|e| e.to_string())?;
        let mut client = open_existing(&tenant, &args.ai)?;
        let answer = search(
            &mut client,
            &tenant,
            &args.query,
            args.top_k,
            &args.filters,
            &current,
        )?;
        Ok((tenant, answer))
    });
    let (tenant, found) = match answer {
        Ok((tenant, Answer::Found(found))) => (tenant, found),
        Ok((_, Answer::Refused { code, message, .. })) => {
            eprintln!("index-sync search: {code}: {message}");
            return ExitCode::from(REFUSED);
        }
        Err(e) => {
            eprintln!("index-sync search: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        println!("{}", results::to_json(&found));
    } else if found.is_empty() {
        println!(
            "no results for {:?} in {} of {}{}",
            args.query,
            tenant.project,
            tenant.user,
            if args.filters.is_empty() {
                ""
            } else {
                " at the paths asked for"
            }
        );
    } else {
        let root = tenant.is_local_folder().then_some(tenant.root.as_path());
        print!("{}", show::human(&found, root));
    }
    ExitCode::SUCCESS
}
