//! One module per subcommand, and what they share.

pub mod chunker;
pub mod client;
pub mod conform;
pub mod index;
pub mod mcp;
pub mod names;
pub mod push;
pub mod remove;
pub mod report;
pub mod retry;
pub mod search;
pub mod sync;
pub mod tenant;
