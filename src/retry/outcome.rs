//! The finished retry answers: per domain counts and times to delivery, and
//! the pending (stuck) pairs.

use rustc_hash::FxHashMap as HashMap;

/// Per recipient domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainOutcomes {
    pub recovered: u64,
    pub bounced: u64,
    pub pending: u64,
    /// Seconds from the first 421 to delivery, one per recovered pair.
    pub time_to_delivery: Vec<u32>,
    /// Delivery lines from the first 421 to delivery, one per recovered pair.
    pub attempts: Vec<u32>,
}

impl DomainOutcomes {
    pub fn with_421(&self) -> u64 {
        self.recovered + self.bounced + self.pending
    }

    fn merge(&mut self, o: &DomainOutcomes) {
        self.recovered += o.recovered;
        self.bounced += o.bounced;
        self.pending += o.pending;
        self.time_to_delivery.extend_from_slice(&o.time_to_delivery);
        self.attempts.extend_from_slice(&o.attempts);
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
    pub last_reply: String,
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

/// Nearest-rank percentile (`p` in 0..=100) of unsorted values.
pub fn percentile(values: &[u32], p: u32) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = (u64::from(p) * v.len() as u64).div_ceil(100).max(1) as usize;
    Some(v[rank.min(v.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[4, 1, 3, 2], 50), Some(2));
        assert_eq!(percentile(&[4, 1, 3, 2], 90), Some(4));
        let ten: Vec<u32> = (1..=10).rev().collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        assert_eq!(percentile(&ten, 100), Some(10));
    }
}
