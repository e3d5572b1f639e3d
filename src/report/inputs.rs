//! What reading one input gave: the `inputs` of the report. A module of
//! its own, below the rest of `report`, so the scan that fills it in does
//! not depend on the report built from it.

use serde::Serialize;

use crate::parse::Format;

/// What reading one input gave.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputStats {
    pub path: String,
    pub format: Option<Format>,
    pub compressed: bool,
    pub lines: u64,
    pub unparsed_lines: u64,
    /// Set when the input could not be read to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was odd but lost nothing: cut, binary or NUL-prefixed lines, an
    /// empty input, a `.gz` name on plain text, a mostly unknown format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
