//! maillog421: SMTP 421 deferrals in Exim and Postfix logs.
//!
//! The library behind the `maillog421` command. Its pipeline is
//! input → parse → classify → fold → report → render: [`sources`] turns
//! [`InputSettings`] into the [`Source`]s to read, [`scan_all`] reads them
//! (in parallel) under one [`ScanConfig`], [`build_report`] merges what they
//! gave into one sorted [`Report`], and a [`Render`] from [`renderer`]
//! writes it as a table, JSON, CSV or HTML. [`scan`] and [`scan_reader`]
//! read a single input. Below the report, [`LogFormat::parse_line`] turns
//! one log line into a borrowed [`Parsed`] record and
//! [`Event::from_record`] makes a 421 [`Event`] of it, its [`Cause`]
//! classified.
//!
//! ```
//! use std::io::Cursor;
//!
//! use maillog421::{ScanConfig, Zone, build_report, scan_reader};
//!
//! // One message's lines from a real Exim 4.96 mainlog: the remote server
//! // answers 421, the recipient is deferred, then delivered on the retry.
//! let log = "\
//! 2026-11-23 11:05:05 1xVRr7-00040F-2I <= ceo@src.test U=root P=local S=349 id=m028.fixture@src.test
//! 2026-11-23 11:05:06 1xVRr7-00040F-2I H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after end of data: 421 4.4.5 Server busy, try again later.
//! 2026-11-23 11:05:06 1xVRr7-00040F-2I == mallory@busy.test R=fake_mx T=remote_smtp defer (-46) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after end of data: 421 4.4.5 Server busy, try again later.
//! 2026-11-23 11:05:06 1xVRr7-00040F-2I => carol@ok1.test R=fake_mx T=remote_smtp H=127.0.0.1 [127.0.0.1] C=\"250 2.0.0 Ok: queued as F00001\"
//! 2026-11-23 11:05:21 1xVRr7-00040F-2I => mallory@busy.test R=fake_mx T=remote_smtp H=127.0.0.1 [127.0.0.1] C=\"250 2.0.0 Ok: queued as F00006\"
//! 2026-11-23 11:05:21 1xVRr7-00040F-2I Completed
//! ";
//! let cfg = ScanConfig {
//!     zone: Zone::Utc,
//!     ..ScanConfig::default()
//! };
//! let scanned = scan_reader(Box::new(Cursor::new(log)), "mainlog", &cfg);
//! assert!(scanned.error.is_none());
//! let report = build_report(&mut [scanned], &cfg);
//!
//! // One recipient deferred by a 421, out of three delivery attempts...
//! assert_eq!(report.totals.deferrals_421, 1);
//! assert_eq!(report.totals.delivery_attempts, 3);
//! assert_eq!(report.by_domain[0].domain, "busy.test");
//! // ...and it got through 15 seconds later.
//! assert_eq!(report.retries.recovered, 1);
//! assert_eq!(report.retries.time_to_delivery_p50_s, Some(15));
//! ```
//!
//! Inside the crate: `input` (bytes) → `parse` (borrowed records) → `fold`
//! (the line-folding core: `event` + `classify` into the `aggregate`, the
//! retry tracker and per-server counts) → `report` (sorted view) → `render`
//! (bytes out). `scan` reads one input through `fold`; `pipeline` reads
//! every input the `config` settings name and builds the `Report`;
//! `follow` drives `fold` line by line. The binary's side: `cli` (clap
//! only) → `run` (dispatch) → `cmd/` (one file per subcommand, flags into
//! settings once); `exit` is the exit status, `output` the `-o`/stdout
//! writer.

mod aggregate;
mod analysis;
mod classify;
mod cli;
mod cmd;
mod config;
mod error;
mod event;
mod exit;
mod fold;
mod follow;
mod guidance;
mod input;
mod oddities;
mod output;
mod parse;
mod pipeline;
mod progress;
mod queue;
mod render;
mod report;
mod retry;
mod rules;
mod run;
mod scan;
mod servers;
mod summary;
mod text;
mod when;
mod window;

#[doc(hidden)]
pub mod fuzzing;

// Settings.
pub use config::{InputSettings, ScanConfig};
pub use input::InputError;
pub use input::Source;
pub use input::journal::JournalQuery;

// The pipeline.
pub use pipeline::{build_report, scan_all, sources};
pub use scan::{Scanned, scan, scan_reader};

// Parsing one line.
pub use parse::time::{Stamp, Zone};
pub use parse::{
    Condition, Delivery, Format as LogFormat, HostReply, Inbound, Mta, Outcome, Parsed, Record,
    Reply, Stage,
};

// Events and their causes.
pub use classify::{Cause, PHRASES, Phrase};
pub use event::{Event, Kind, OwnedEvent};
pub use guidance::{Guidance, guidance};

// The report.
pub use report::{
    CategoryRow, ClientRow, DomainRow, HostRow, InputStats, KindCounts, PendingRow, ProviderRow,
    ReplyRow, Report, Retries, StageRow, Totals, WindowRow,
};

// Writing it.
pub use render::Render;
pub use render::csv::By as CsvTable;
pub use render::term::Term;
pub use render::{Format as OutputFormat, Options as RenderOptions, renderer};

// `follow`'s building blocks.
pub use follow::metrics::{Limits, Metrics, Server, serve, serve_with};
pub use follow::tail::{Note, Start, Tail};

// The binary.
pub use run::main_with_args;

/// Internals the benchmarks (`benches/parse.rs`) and a few integration
/// tests reach past the library surface: the owned counts, the retry
/// tracker, the stamp clock. Not a stable API.
#[doc(hidden)]
pub mod bench {
    pub use crate::aggregate::Aggregate;
    pub use crate::parse::time::{Clock, YearHint, format_rfc3339};
    pub use crate::render::html::esc as html_escape;
    pub use crate::retry::Tracker;
}
