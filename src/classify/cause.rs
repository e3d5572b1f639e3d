//! The cause categories: one table that declares the enum, its order, its
//! names and its one-line meanings, so the count of causes (and every
//! array sized by it) follows from the table alone.

use serde::Serialize;

/// Declares [`Cause`] from its table: variant, name, meaning. The name is
/// the variant in kebab case (what serde writes too).
macro_rules! cause_table {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $meaning:literal;)+) => {
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
    Capacity => "capacity",
        "receiver busy, out of resources or in maintenance";
    ConnectionLimit => "connection-limit",
        "too many connections or messages per connection";
    Timeout => "timeout",
        "a command or the data timed out, connection lost";
    RateLimit => "rate-limit",
        "sending too fast or too much for the receiver";
    Reputation => "reputation",
        "sender IP or domain reputation, complaints, blocklists";
    AuthPolicy => "auth-policy",
        "SPF/DKIM/DMARC, reverse DNS, TLS or local policy";
    Greylisting => "greylisting",
        "first attempt greylisted; a retry is expected to pass";
    Downstream => "downstream",
        "the receiver's own backend failed or is shutting down";
    /// No phrase or enhanced code decided; always the last.
    Unknown => "unknown",
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
