//! The command-line tool as people and agents use it (issue 19): `index` and `search` run
//! from a project's folder with every default, `search --json` and its exact form, every
//! location's lines holding the result's code on disk after edits that shift, move and copy
//! code, the filters, and `index-sync mcp` spoken to over stdio as an MCP client would.

#[path = "../common/mod.rs"]
mod common;
mod defaults;
mod filters;
mod lines;
mod mcp;
mod model;
mod project;
