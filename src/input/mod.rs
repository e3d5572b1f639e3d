//! Inputs: which files to read ([`discover`]), opening them with gzip
//! sniffed by magic bytes ([`mod@open`]), failing with an [`InputError`], the systemd journal through
//! journalctl ([`journal`]), and cutting them into lines with one reused
//! buffer ([`lines`]).

pub mod blocks;
pub mod discover;
pub mod error;
pub mod gzip;
pub mod journal;
pub mod layout;
pub mod lines;
pub mod open;
pub mod pipe;

pub use discover::Source;
pub use error::InputError;
pub use lines::LineReader;
pub use open::{Opened, open};
