//! Answers computed from the folded counts at report time: repeat-offender
//! domains, the provider roll-up and load correlation.

pub mod headline;
pub mod load;
pub mod offenders;
pub mod provider;

/// Pearson correlation coefficient, rounded to 3 decimals; `None` for fewer
/// than 3 points or a constant series.
pub fn pearson(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in points {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= f64::EPSILON || syy <= f64::EPSILON {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt() * 1000.0).round() / 1000.0)
}

/// A correlation coefficient in words.
pub fn strength(r: f64) -> &'static str {
    match r.abs() {
        a if a >= 0.7 => "strong",
        a if a >= 0.4 => "moderate",
        a if a >= 0.2 => "weak",
        _ => "none",
    }
}

/// `n` per 1,000 of `of`, to one decimal.
pub fn per_1000(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64 * 10.0).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::pearson;

    #[test]
    fn pearson_known_values() {
        assert_eq!(pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]), Some(1.0));
        assert_eq!(pearson(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]), Some(-1.0));
        assert_eq!(pearson(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]), None);
        assert_eq!(pearson(&[(1.0, 1.0), (2.0, 2.0)]), None);
        // x = 1..5, y = 2,4,5,4,5: r = 6 / sqrt(10 * 6) = 0.7746
        let pts = [(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0), (5.0, 5.0)];
        assert_eq!(pearson(&pts), Some(0.775));
    }
}
