//! What each cause category means and what to do about it: the advice text
//! behind `maillog421 explain`, the summary's "What to do" and the HTML
//! report's advice cards; provider notes come from the registry
//! ([`crate::classify::provider`]).
//!
//! [`explain`] turns its argument (a reply text or a category name) into an
//! [`Explanation`] and writes it as wrapped text or one JSON object. Reply
//! text is remote-controlled: the text output escapes its control
//! characters.

use serde::Serialize;

use crate::classify::Cause;

mod advice;
mod explain;

pub use advice::guidance;

pub use explain::{explain, write_text};

/// The advice for one cause category. Every list holds 3 to 6 items of one
/// or two short lines each.
#[derive(Debug, Clone, Serialize)]
pub struct Guidance {
    /// The category (serialized as its name, [`Cause::name`]).
    pub category: Cause,
    /// What the receiver is telling us, in plain words.
    pub meaning: &'static str,
    /// Whether and when the deferral turns into a failure.
    pub temporary: &'static str,
    pub causes: &'static [&'static str],
    /// Who has to do something: the sender, us (the admin), the
    /// recipient's provider or the remote admin.
    pub who_acts: &'static [&'static str],
    /// Steps, most useful first, with the Exim and Postfix settings.
    pub do_now: &'static [&'static str],
    /// What to include when writing to the receiving side's support.
    pub tell_support: &'static [&'static str],
}

/// Which MTAs an input holds, for advice that names one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mtas {
    pub exim: bool,
    pub postfix: bool,
}

impl Mtas {
    /// From the formats of the inputs (syslog lines count as Postfix);
    /// both when none is known.
    pub fn of(inputs: &[crate::report::inputs::InputStats]) -> Mtas {
        use crate::parse::Format;
        let has = |f: Format| inputs.iter().any(|i| i.format == Some(f));
        let m = Mtas {
            exim: has(Format::Exim),
            postfix: has(Format::Syslog),
        };
        if m == Mtas::default() {
            Mtas {
                exim: true,
                postfix: true,
            }
        } else {
            m
        }
    }

    /// An advice item for these MTAs: it names no MTA, or only these.
    pub fn fits(self, item: &str) -> bool {
        let lower = item.to_ascii_lowercase();
        let exim = lower.contains("exim");
        let postfix = ["postfix", "postqueue", "postconf", "postsuper"]
            .iter()
            .any(|w| lower.contains(w));
        (!exim || self.exim) && (!postfix || self.postfix)
    }
}

/// `text` in lines of at most `width` characters: the first starts with
/// `first`, the rest with `rest`; words longer than a line are cut.
pub(crate) fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = width.saturating_sub(len + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                    len += 1;
                }
                line.extend(word.iter());
                len += word.len();
                empty = false;
                break;
            }
            if empty && room > 0 {
                // A word longer than a whole line: cut it.
                line.extend(word.drain(..room));
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            len = rest.chars().count();
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests;
