//! One module per subcommand, and what they share: the client of the engine component
//! (`client.rs`), who answers its AI calls (`ai/`), the progress and report of a sync
//! (`progress.rs`, `report.rs`), the chunker, the protocol (`sync/`), resends (`retry.rs`)
//! and the defaults of user, project and store (`tenant.rs`).

pub mod ai;
pub mod chunker;
pub mod client;
pub mod conform;
pub mod index;
pub mod json_post;
pub mod mcp;
pub mod names;
pub mod progress;
pub mod push;
pub mod remove;
pub mod report;
pub mod retry;
pub mod search;
pub mod sync;
pub mod tenant;
