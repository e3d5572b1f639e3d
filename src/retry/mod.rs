//! Retry outcomes: what became of every (message id, recipient) pair that
//! met a 421. [`Tracker`] follows pairs through one stretch of lines;
//! trackers of consecutive stretches compose in time order, so chunks and
//! rotated files read in parallel give what one sequential pass gives.
//! [`Outcomes`] holds the finished answers.

mod msg_id;
mod open;
mod outcome;
mod quiet;
mod replies;
mod track;

pub use outcome::{DomainOutcomes, Outcomes};
pub use track::Tracker;
