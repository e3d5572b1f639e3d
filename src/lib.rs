//! maillog421: SMTP 421 deferrals in Exim and Postfix logs.
//!
//! Pipeline: `input` (bytes) → `parse` (borrowed records) → `event` +
//! `classify` (421 events and their cause) → `aggregate` (owned counts) →
//! `report` (sorted view) → `render` (bytes out). `run` is the glue the
//! binary calls.

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
