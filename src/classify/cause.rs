//! The cause categories: one table that declares the enum, its order, its
//! names and its one-line meanings, so the count of causes (and every
//! array sized by it) follows from the table alone.

use serde::Serialize;

/// Whose move a cause is: what `follow` colours a cause by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Our sending (rate, reputation): ours to fix.
    Sender,
    /// The receiver's load or backend: wait, or spread the load.
    Receiver,
    /// The path or policy between us (timeouts, authentication).
    Path,
    /// Expected to pass on retry (greylisting).
    Passing,
    /// Not known.
    Unknown,
}

/// Declares [`Cause`] from its table: variant, name, side, meaning. The
/// name is the variant in kebab case (what serde writes too).
macro_rules! cause_table {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $side:ident, $meaning:literal;)+) => {
        /// Why a server answered 421.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Cause {
            $($(#[$doc])* $variant,)+
        }

        impl Cause {
            /// Every cause, in table order ([`Cause::index`] order).
            pub const ALL: [Cause; [$(Cause::$variant),+].len()] = [$(Cause::$variant),+];

            pub fn name(self) -> &'static str {
                match self {
                    $(Cause::$variant => $name,)+
                }
            }

            /// Whose move it is.
            pub fn side(self) -> Side {
                match self {
                    $(Cause::$variant => Side::$side,)+
                }
            }

            /// One line on what the category means, for the report.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Cause::$variant => $meaning,)+
                }
            }
        }
    };
}

cause_table! {
    Capacity => "capacity", Receiver,
        "receiver busy, out of resources or in maintenance";
    ConnectionLimit => "connection-limit", Receiver,
        "too many connections or messages per connection";
    Timeout => "timeout", Path,
        "a command or the data timed out, connection lost";
    RateLimit => "rate-limit", Sender,
        "sending too fast or too much for the receiver";
    Reputation => "reputation", Sender,
        "sender IP or domain reputation, complaints, blocklists";
    AuthPolicy => "auth-policy", Path,
        "SPF/DKIM/DMARC, reverse DNS, TLS or local policy";
    Greylisting => "greylisting", Passing,
        "first attempt greylisted; a retry is expected to pass";
    Downstream => "downstream", Receiver,
        "the receiver's own backend failed or is shutting down";
    /// No phrase or enhanced code decided; always the last.
    Unknown => "unknown", Unknown,
        "no known phrase or enhanced code";
}

impl Cause {
    /// How many causes there are: the size of every per-cause array.
    pub const COUNT: usize = Cause::ALL.len();

    /// The position in [`Cause::ALL`], for per-cause arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The cause named `name` exactly, as [`Cause::name`] writes it.
    pub fn from_name(name: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The causes a classified reply can have: all but [`Cause::Unknown`].
    pub fn known() -> impl Iterator<Item = Cause> {
        Cause::ALL.into_iter().filter(|c| *c != Cause::Unknown)
    }
}

/// Writes [`Cause::name`].
impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_orders_indexes_and_names_match_serde() {
        for (i, c) in Cause::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Cause::from_name(c.name()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.name())
            );
        }
        assert_eq!(Cause::ALL.last(), Some(&Cause::Unknown));
    }
}
