//! `index-sync`: conformance runs, local indexing and search over the engine (embedded by
//! all-MiniLM-L6-v2 in the process, or Workers AI over REST: `cli/ai/`), and an MCP server
//! of the local index.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Multi-tenant code indexing with a shared embedding cache, run locally.
#[derive(Parser)]
#[command(name = "index-sync", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run conformance scenario files through the engine component and print each verdict,
    /// then `N passed, N failed`.
    Conform(cli::conform::Args),
    /// Index a folder into the local store: a complete two-phase sync through the
    /// component (what the folder no longer holds leaves the index), embedded by
    /// all-MiniLM-L6-v2 in this process (`--ai workers-ai`: Workers AI over REST; `--ai
    /// fake`: the deterministic fake of the tests), with a progress bar and the rate.
    Index(cli::index::Args),
    /// Push a folder to a deployed Worker over HTTP: a complete two-phase sync, with resends
    /// and backoff, and a summary of what it cost. Exit status 0 only when all is indexed.
    Push(cli::push::Args),
    /// Search what `index` stored for the current folder's project: each result at every
    /// place its code is (`path:start-end`) with the code, or `--json`.
    Search(cli::search::Args),
    /// Remove chunks, or a whole project, from the local store's index.
    Remove(cli::remove::Args),
    /// Print the KV keys and vector id the engine uses for a (user, project, hash).
    Names(cli::names::Args),
    /// Serve the current folder's index to coding agents: an MCP server over stdio with the
    /// tools `search_code` and `index_status`.
    Mcp(cli::mcp::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Conform(args) => cli::conform::run(args),
        Command::Index(args) => cli::index::run(args),
        Command::Push(args) => cli::push::run(args),
        Command::Search(args) => cli::search::run(args),
        Command::Remove(args) => cli::remove::run(args),
        Command::Names(args) => cli::names::run(args),
        Command::Mcp(args) => cli::mcp::run(args),
    }
}
