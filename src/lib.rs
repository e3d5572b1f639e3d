//! maillog421: SMTP 421 deferrals in Exim and Postfix logs.
//!
//! Pipeline: `input` (bytes) → `parse` (borrowed records) → `fold` (the
//! line-folding core: `event` + `classify` into the `aggregate`, the retry
//! tracker and per-server counts) → `report` (sorted view) → `render`
//! (bytes out). `scan` reads one input through `fold`; `pipeline` reads
//! every input the `config` settings name and builds the `Report`;
//! `follow` drives `fold` line by line. The binary's side: `cli` (clap
//! only) → `run` (dispatch) → `cmd/` (one file per subcommand, flags into
//! settings once); `exit` is the exit status, `output` the `-o`/stdout
//! writer.

pub mod aggregate;
pub mod analysis;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod event;
pub mod exit;
pub mod fold;
pub mod follow;
pub mod fuzzing;
pub mod guidance;
pub mod input;
pub mod notes;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod queue;
pub mod render;
pub mod report;
pub mod retry;
pub mod rules;
pub mod run;
pub mod scan;
pub mod servers;
pub mod summary;
pub mod text;
pub mod when;
pub mod window;
