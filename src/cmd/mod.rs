//! One file per subcommand: each turns its clap arguments into settings
//! once and drives the library; none imports another.

pub mod events;
pub mod explain;
pub mod follow;
pub mod queue;
pub mod report;
pub mod summary;
