//! Where terminal output goes: how wide it may be, whether it is a
//! terminal (long texts are cut with `…` there, wrapped elsewhere), and
//! whether to colour it.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

/// The width used when stdout is not a terminal and `COLUMNS` is unset.
pub const PIPE_WIDTH: usize = 100;
/// Below this width, tables drop their least useful columns.
pub const NARROW: usize = 100;
/// Narrowest width honoured.
const MIN_WIDTH: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub width: usize,
    /// Writing to a terminal: cut long texts with `…` rather than wrap.
    pub tty: bool,
    /// Write ANSI colours.
    pub color: bool,
}

impl Default for Term {
    /// Not a terminal, 100 columns, no colour.
    fn default() -> Term {
        Term {
            width: PIPE_WIDTH,
            tty: false,
            color: false,
        }
    }
}

fn columns_env() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|w| *w > 0)
}

impl Term {
    /// For stdout: the terminal's width, else `COLUMNS`, else 100 (also
    /// when a terminal's size cannot be read and `COLUMNS` is unset).
    pub fn stdout(color: bool) -> Term {
        let tty = std::io::stdout().is_terminal();
        let from_tty = if tty {
            comfy_table::Table::new().width().map(usize::from)
        } else {
            None
        };
        Term {
            width: from_tty
                .or_else(columns_env)
                .unwrap_or(PIPE_WIDTH)
                .max(MIN_WIDTH),
            tty,
            color,
        }
    }

    /// For a file (`-o`): `COLUMNS` or 100, no colour, not a terminal.
    pub fn file() -> Term {
        Term {
            width: columns_env().unwrap_or(PIPE_WIDTH).max(MIN_WIDTH),
            tty: false,
            color: false,
        }
    }

    pub fn is_narrow(&self) -> bool {
        self.width < NARROW
    }

    /// `s` in `style` when colouring.
    pub fn paint(&self, s: &str, style: Style) -> String {
        if self.color && !s.is_empty() {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }

    /// A headline line (`Label: rest`) with its label emphasised, and the
    /// verdicts that call for attention in colour.
    pub fn headline_line(&self, line: &str) -> String {
        if !self.color {
            return line.to_string();
        }
        let Some(i) = line.find(": ").filter(|i| *i < 12) else {
            return line.to_string();
        };
        let (label, rest) = line.split_at(i + 1);
        let warn = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
        let bad = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let good = Style::new().fg_color(Some(AnsiColor::Green.into()));
        let bold = Style::new().bold();
        let style = match label {
            "Worst:" => bad,
            "Doubtful:" => warn,
            "Stuck:" if !rest.starts_with(" none") => warn,
            "Load:" if rest.starts_with(" ours.") => warn,
            _ => bold,
        };
        let rest_style = match label {
            "Load:" if rest.starts_with(" not ours.") => Some(good),
            "Stuck:" if rest.starts_with(" none") => Some(good),
            _ => None,
        };
        match rest_style {
            Some(s) => format!("{}{}", self.paint(label, style), self.paint(rest, s)),
            None => format!("{}{rest}", self.paint(label, style)),
        }
    }
}
