//! The JSON writer. Every JSON this tool writes goes through [`write()`], [`write_to`] or [`write_pretty`]:
//! log text is converted with invalid UTF-8 replaced by U+FFFD, serde_json
//! escapes C0 control characters, and [`Safe`] also escapes DEL, the C1
//! controls and the bidirectional formatting characters as `\uXXXX`, so
//! the output is valid JSON for any input bytes and safe to print on a
//! terminal. The escaped strings decode to the same text.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::text::is_unsafe_char;

/// One value as compact JSON (no newline).
pub fn write<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Safe(CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// [`write`] to a buffer, without a `dyn Write` call for each piece.
pub fn write_to<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Safe(CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// One value as indented JSON (no newline).
pub fn write_pretty<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// A formatter that escapes what serde_json leaves raw but a terminal
/// would act on; layout is the wrapped formatter's.
pub struct Safe<F>(pub F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Printable ASCII (nearly all text) has nothing unsafe in it.
        if fragment.bytes().all(|b| (b' '..b'\x7f').contains(&b)) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane.
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_decode_to_the_same_text() {
        let text = "a\u{1b}[2J b\u{7f} c\u{9b}31m d\u{202e}txt.exe e\u{fffd} \"q\"";
        let mut out = Vec::new();
        write(&mut out, &serde_json::json!({ "text": text })).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            r#"{"text":"a\u001b[2J b\u007f c\u009b31m d\u202etxt.exe e� \"q\""}"#
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["text"], text);
    }

    #[test]
    fn pretty_keeps_its_layout() {
        let v = serde_json::json!({ "a": [1, 2], "b": { "c": "\u{85}" } });
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        let want = serde_json::to_string_pretty(&v)
            .unwrap()
            .replace('\u{85}', "\\u0085");
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
