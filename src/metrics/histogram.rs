//! Exact latency percentiles from a histogram: every distinct latency value with its count.
//!
//! Latencies in access logs have millisecond precision (ALB, CloudFront and nginx write
//! seconds with three decimals), so a day of requests holds few distinct values and a
//! histogram of them is small, merges by addition, and gives exactly the percentiles a sort of
//! every value gives: linear interpolation between the closest ranks (DuckDB's
//! `quantile_cont`, Polars' "linear", numpy's default).

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::buckets::Merge;
use super::latency::{Stats, QUANTILES};

/// Latency values (ms) with their counts; requests without a latency counted apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// f64 bits → count (exact values, no binning).
    values: HashMap<u64, u64, FxBuildHasher>,
    no_latency: u64,
}

impl Histogram {
    /// One request's latency; None (a -1 time in the log) is counted apart, never as 0.
    #[inline]
    pub fn add(&mut self, ms: Option<f64>) {
        self.add_n(ms, 1);
    }

    /// `n` requests with the same latency.
    pub fn add_n(&mut self, ms: Option<f64>, n: u64) {
        match ms {
            // -0.0 and 0.0 are one value
            Some(v) if !v.is_nan() => *self.values.entry((v + 0.0).to_bits()).or_default() += n,
            _ => self.no_latency += n,
        }
    }

    pub fn no_latency(&self) -> u64 {
        self.no_latency
    }

    /// Requests with a latency.
    pub fn count(&self) -> u64 {
        self.values.values().sum()
    }

    /// Every request counted, with a latency or not.
    pub fn requests(&self) -> u64 {
        self.count() + self.no_latency
    }

    /// The distinct values with their counts, smallest first.
    pub fn sorted(&self) -> Vec<(f64, u64)> {
        let mut v: Vec<(f64, u64)> = self
            .values
            .iter()
            .map(|(b, n)| (f64::from_bits(*b), *n))
            .collect();
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        v
    }

    /// Exact percentiles, max and mean over the requests with a latency.
    pub fn stats(&self) -> Stats {
        let values = self.sorted();
        let count: u64 = values.iter().map(|(_, n)| n).sum();
        if count == 0 {
            return Stats::default();
        }
        // the value at 0-based rank k, walking the cumulative counts once per quantile
        let at = |k: u64| -> f64 {
            let mut seen = 0;
            for (v, n) in &values {
                seen += n;
                if k < seen {
                    return *v;
                }
            }
            values[values.len() - 1].0
        };
        let quantile = |q: f64| -> f64 {
            let h = (count - 1) as f64 * q;
            let (lo, hi) = (h.floor(), h.ceil());
            let a = at(lo as u64);
            if lo == hi {
                a
            } else {
                a + (at(hi as u64) - a) * (h - lo)
            }
        };
        let q: Vec<f64> = QUANTILES.iter().map(|(_, q)| quantile(*q)).collect();
        let sum: f64 = values.iter().map(|(v, n)| v * *n as f64).sum();
        Stats {
            count,
            p50: Some(q[0]),
            p90: Some(q[1]),
            p95: Some(q[2]),
            p99: Some(q[3]),
            p999: Some(q[4]),
            max: values.last().map(|(v, _)| *v),
            mean: Some(sum / count as f64),
        }
    }
}

impl Merge for Histogram {
    fn merge(&mut self, other: Histogram) {
        self.no_latency += other.no_latency;
        let (mut big, small) = if self.values.len() >= other.values.len() {
            (std::mem::take(&mut self.values), other.values)
        } else {
            (other.values, std::mem::take(&mut self.values))
        };
        for (k, n) in small {
            *big.entry(k).or_default() += n;
        }
        self.values = big;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The percentile of a sorted list, linear between closest ranks: the definition.
    fn by_sorting(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        let h = (v.len() - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (h - h.floor())
    }

    #[test]
    fn percentiles_match_sorting_every_value() {
        // 1..=10 ms and two requests with no latency
        let mut h = Histogram::default();
        for v in 1..=10 {
            h.add(Some(v as f64));
        }
        h.add(None);
        h.add(None);
        assert_eq!((h.requests(), h.count(), h.no_latency()), (12, 10, 2));
        let s = h.stats();
        // rank = q * (n - 1): p50 → 4.5 → 5.5; p90 → 8.1 → 9.1; p99 → 8.91 → 9.91
        assert!((s.p50.unwrap() - 5.5).abs() < 1e-9);
        assert!((s.p90.unwrap() - 9.1).abs() < 1e-9);
        assert!((s.p99.unwrap() - 9.91).abs() < 1e-9);
        assert!((s.p999.unwrap() - 9.991).abs() < 1e-9);
        assert_eq!((s.max, s.mean), (Some(10.0), Some(5.5)));

        // repeated values, in pieces merged together, against a sort of the expanded list
        let raw: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 613) as f64 * 0.5).collect();
        let mut parts: Vec<Histogram> = vec![Histogram::default(); 3];
        for (i, v) in raw.iter().enumerate() {
            parts[i % 3].add(Some(*v));
        }
        let mut all = Histogram::default();
        for p in parts {
            all.merge(p);
        }
        let s = all.stats();
        for (name, q) in QUANTILES {
            let got = match name {
                "p50" => s.p50,
                "p90" => s.p90,
                "p95" => s.p95,
                "p99" => s.p99,
                _ => s.p999,
            };
            assert_eq!(got, Some(by_sorting(raw.clone(), q)), "{name}");
        }
        assert_eq!(s.count, 5000);
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        let mut h = Histogram::default();
        h.add(None);
        assert_eq!(h.stats(), Stats::default());
        assert_eq!(h.requests(), 1);
    }
}
