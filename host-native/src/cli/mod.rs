//! One module per subcommand.

pub mod conform;
pub mod names;
