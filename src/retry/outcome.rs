//! The finished retry answers: per domain counts and times to delivery, and
//! the pending (stuck) pairs.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

/// Counts of whole values: exact percentiles in memory bounded by the
/// number of distinct values (seconds of delay, attempts), not of pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram(BTreeMap<u32, u64>);

impl Histogram {
    pub fn add(&mut self, v: u32) {
        *self.0.entry(v).or_default() += 1;
    }

    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    fn merge(&mut self, o: &Histogram) {
        for (v, n) in &o.0 {
            *self.0.entry(*v).or_default() += n;
        }
    }

    /// Nearest-rank percentile (`p` in 0..=100): the smallest value with at
    /// least `ceil(p/100 * n)` values at or below it.
    pub fn percentile(&self, p: u32) -> Option<u32> {
        let n = self.count();
        let rank = (u64::from(p) * n).div_ceil(100).max(1);
        let mut seen = 0;
        for (v, c) in &self.0 {
            seen += c;
            if seen >= rank {
                return Some(*v);
            }
        }
        None
    }
}

/// Per recipient domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainOutcomes {
    pub recovered: u64,
    pub bounced: u64,
    pub pending: u64,
    /// Seconds from the first 421 to delivery, over recovered pairs.
    pub time_to_delivery: Histogram,
    /// Delivery lines from the first 421 to delivery, over recovered pairs.
    pub attempts: Histogram,
}

impl DomainOutcomes {
    pub fn with_421(&self) -> u64 {
        self.recovered + self.bounced + self.pending
    }

    fn merge(&mut self, o: &DomainOutcomes) {
        self.recovered += o.recovered;
        self.bounced += o.bounced;
        self.pending += o.pending;
        self.time_to_delivery.merge(&o.time_to_delivery);
        self.attempts.merge(&o.attempts);
    }
}

/// A pair that met a 421 and was neither delivered nor given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: String,
    pub recipient: String,
    pub domain: String,
    pub first_421: i64,
    pub last_attempt: i64,
    /// Shared by every pair that met the same reply (a jammed queue holds
    /// many pairs with a few texts).
    pub last_reply: std::sync::Arc<str>,
}

/// Every pair's outcome, by domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub domains: HashMap<String, DomainOutcomes>,
    /// Oldest first 421 first (after [`Outcomes::sort`]).
    pub pending: Vec<Pending>,
}

impl Outcomes {
    pub fn domain(&mut self, domain: &str) -> &mut DomainOutcomes {
        if !self.domains.contains_key(domain) {
            self.domains
                .insert(domain.to_owned(), DomainOutcomes::default());
        }
        self.domains.get_mut(domain).expect("inserted above")
    }

    /// All domains summed.
    pub fn total(&self) -> DomainOutcomes {
        let mut t = DomainOutcomes::default();
        for d in self.domains.values() {
            t.merge(d);
        }
        t
    }

    pub fn merge(&mut self, o: Outcomes) {
        for (k, v) in &o.domains {
            self.domain(k).merge(v);
        }
        self.pending.extend(o.pending);
    }

    /// Puts the pending pairs oldest first.
    pub fn sort(&mut self) {
        self.pending.sort_by(|a, b| {
            (a.first_421, &a.id, &a.recipient).cmp(&(b.first_421, &b.id, &b.recipient))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    fn of(values: &[u32]) -> Histogram {
        let mut h = Histogram::default();
        for v in values {
            h.add(*v);
        }
        h
    }

    #[test]
    fn nearest_rank() {
        assert_eq!(of(&[]).percentile(50), None);
        assert_eq!(of(&[7]).percentile(90), Some(7));
        assert_eq!(of(&[4, 1, 3, 2]).percentile(50), Some(2));
        assert_eq!(of(&[4, 1, 3, 2]).percentile(90), Some(4));
        let ten: Vec<u32> = (1..=10).rev().collect();
        assert_eq!(of(&ten).percentile(90), Some(9));
        assert_eq!(of(&ten).percentile(100), Some(10));
        // Repeated values count once each.
        assert_eq!(of(&[5, 5, 5, 9]).percentile(75), Some(5));
        assert_eq!(of(&[5, 5, 5, 9]).percentile(76), Some(9));
    }
}
