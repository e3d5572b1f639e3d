//! The owned, sorted view of an [`Aggregate`] that every renderer reads.
//! Its serde form is the `report --format json` document
//! (schema `maillog421.report.v1`, documented in the README).

use serde::Serialize;

use crate::analysis::load::Load;

mod build;
pub mod inputs;
pub mod rows;

pub use inputs::InputStats;
pub use rows::*;

pub const SCHEMA: &str = "maillog421.report.v1";
/// Above this many windows in the period, only windows with activity are listed.
pub const MAX_WINDOWS: i64 = 100_000;

/// The whole report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub schema: &'static str,
    /// The answer at a glance (shape in `analysis/headline.rs`).
    pub headline: crate::analysis::headline::Headline,
    pub inputs: Vec<InputStats>,
    pub window_seconds: i64,
    /// The window length was picked from the period (`--window auto`).
    pub window_auto: bool,
    pub first: Option<String>,
    pub last: Option<String>,
    pub totals: Totals,
    pub by_domain: Vec<DomainRow>,
    pub by_category: Vec<CategoryRow>,
    pub by_stage: Vec<StageRow>,
    pub by_host: Vec<HostRow>,
    /// Every window of the period, quiet ones included (unless the period
    /// holds more than 100,000 windows: then `windows_complete` is false and
    /// only windows with activity are listed).
    pub by_window: Vec<WindowRow>,
    pub windows_complete: bool,
    pub top_replies: Vec<ReplyRow>,
    pub top_unknown_replies: Vec<ReplyRow>,
    pub inbound_clients: Vec<ClientRow>,
    pub retries: Retries,
    /// Every pending pair, the oldest first 421 first.
    pub pending: Vec<PendingRow>,
    pub repeat_offender_rule: &'static str,
    pub by_provider: Vec<ProviderRow>,
    pub load: Load,
    /// Per mail server of ours, with `--by-host` (absent otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_server: Vec<crate::servers::ServerRow>,
}

/// Renders a report into bytes: what every renderer in `render` is (it
/// lives here, beside what it reads, so that `render`'s dispatch can name
/// its renderers without the renderers naming `render`).
pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()>;
}
