//! `index-sync`: conformance runs, local indexing and search over the engine.

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
    /// Run conformance scenario files and print each verdict, then `N passed, N failed`.
    Conform(cli::conform::Args),
    /// Print the KV keys and vector id the engine uses for a (user, project, hash).
    Names(cli::names::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Conform(args) => cli::conform::run(args),
        Command::Names(args) => cli::names::run(args),
    }
}
