//! `index-sync mcp [DIR] [--user U] [--project P] [--store PATH]`: the local index as an MCP
//! server over stdio, for coding agents: tools `search_code` and `index_status`
//! (`tools.rs`) on the project of the current folder, or of DIR (`tenant.rs`); queries are
//! embedded by the AI the project was indexed with (`ai/recorded.rs`), loaded once.
//!
//! The protocol is the official Rust SDK's (`rmcp`): JSON-RPC 2.0, one message a line on
//! standard input and output, the `initialize` handshake and the versions it negotiates
//! (2025-06-18 and later: structured tool results exist from that revision on), `ping`,
//! cancellation, the errors of unknown methods and malformed requests. Standard output
//! carries nothing but protocol messages; anything for a person goes to standard error.
//!
//! Each call runs on Tokio's blocking pool, one at a time over the one store (a search may
//! wait for another run of the tool that holds the project), so the runtime stays free to
//! answer `ping` and cancellations meanwhile. A tool's text is the same as `search`'s
//! output; its structured content is the JSON form of `search --json` (or the status), and
//! the text is not that JSON again: the protocol suggests it for clients that read no
//! structured content, but to a model reading the text, `path:start-end` and the code say
//! the same in a third of the tokens.

mod status;
mod tools;

use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, JsonObject, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::Value;

use super::ai::AiArgs;
use super::client::Client;
use super::search::open_existing;
use super::tenant::{Tenant, TenantArgs};
use tools::{BadArguments, Definition, INDEX_STATUS, Outcome, SEARCH_CODE};

/// The oldest protocol revision served: the first with structured tool results.
const OLDEST_VERSION: ProtocolVersion = ProtocolVersion::V_2025_06_18;

/// Arguments of `mcp`.
#[derive(clap::Args)]
pub struct Args {
    /// The project's folder, for clients that start servers elsewhere. Default: the current
    /// folder's project (the folder holding `.index-sync/` at or above it).
    dir: Option<PathBuf>,
    #[command(flatten)]
    tenant: TenantArgs,
    #[command(flatten)]
    ai: AiArgs,
}

/// The subcommand: serves until the client closes standard input.
pub fn run(args: Args) -> ExitCode {
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("index-sync mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> Result<(), String> {
    let tenant = match &args.dir {
        Some(dir) => Tenant::inside(&args.tenant, dir)?,
        None => Tenant::for_current_folder(&args.tenant)?,
    };
    let client = open_existing(&tenant, &args.ai)?;
    eprintln!(
        "index-sync mcp: serving {} over stdio ({})",
        tenant.line(),
        tenant.store.display()
    );
    let server = Server {
        tenant: tenant.clone(),
        session: Arc::new(Mutex::new(Session { client, tenant })),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("the session did not start: {e}"))?;
        running
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| format!("the session failed: {e}"))
    })
}

/// The store and the tenant the tools act on.
struct Session {
    client: Client,
    tenant: Tenant,
}

/// The MCP server: the tools over one session.
#[derive(Clone)]
struct Server {
    tenant: Tenant,
    session: Arc<Mutex<Session>>,
}

fn object(schema: Value) -> Arc<JsonObject> {
    Arc::new(match schema {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    })
}

fn tool(definition: Definition) -> Tool {
    Tool::new(
        definition.name,
        definition.description,
        object(definition.input),
    )
    .with_title(definition.title)
    .with_raw_output_schema(object(definition.output))
}

impl Server {
    /// Runs one tool on the blocking pool.
    async fn call(&self, name: &str, arguments: JsonObject) -> Result<CallToolResult, ErrorData> {
        let search = match name {
            SEARCH_CODE => Some(
                tools::search_arguments(&arguments)
                    .map_err(|BadArguments(why)| ErrorData::invalid_params(why, None))?,
            ),
            INDEX_STATUS if arguments.is_empty() => None,
            INDEX_STATUS => {
                return Err(ErrorData::invalid_params(
                    "index_status takes no arguments",
                    None,
                ));
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other:?}: {SEARCH_CODE} or {INDEX_STATUS}"),
                    None,
                ));
            }
        };
        let session = Arc::clone(&self.session);
        let outcome = tokio::task::spawn_blocking(move || {
            let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
            let Session { client, tenant } = &mut *session;
            match &search {
                Some(arguments) => tools::search_code(client, tenant, arguments),
                None => tools::index_status(client, tenant),
            }
        })
        .await
        .map_err(|e| ErrorData::internal_error(format!("the tool stopped: {e}"), None))?;
        Ok(match outcome {
            Ok(Outcome::Done { structured, text }) => {
                let mut result = CallToolResult::structured(structured);
                result.content = vec![ContentBlock::text(text)];
                result
            }
            Ok(Outcome::Failed(why)) => CallToolResult::error(vec![ContentBlock::text(why)]),
            Err(why) => CallToolResult::error(vec![ContentBlock::text(why)]),
        })
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions(format!(
                "Code search over the local index of project {} ({}). Use search_code to \
                 find code by what it does; each result names path:start-end.",
                self.tenant.project,
                self.tenant.root.display()
            ));
        info.server_info =
            Implementation::new("index-sync", env!("CARGO_PKG_VERSION")).with_title("index-sync");
        info
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        let known = ProtocolVersion::KNOWN_VERSIONS;
        let first = known.iter().position(|v| *v == OLDEST_VERSION).unwrap_or(0);
        Cow::Borrowed(&known[first..])
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            tools::definitions(&self.tenant)
                .into_iter()
                .map(tool)
                .collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::definitions(&self.tenant)
            .into_iter()
            .find(|d| d.name == name)
            .map(tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        self.call(&request.name, arguments).await.map(Into::into)
    }
}
