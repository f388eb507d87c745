//! Exact latency percentiles from a histogram: every distinct latency value with its count.
//!
//! Latencies in access logs have millisecond precision (ALB, CloudFront and nginx write
//! seconds with three decimals), so a day of requests holds few distinct values and a
//! histogram of them is small, merges by addition, and gives exactly the percentiles a sort of
//! every value gives: linear interpolation between the closest ranks (DuckDB's
//! `quantile_cont`, Polars' "linear", numpy's default).

use super::buckets::Merge;
use super::latency::{Stats, QUANTILES};

/// Latency values (ms) with their counts; requests without a latency counted apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// f64 bits → count (exact values, no binning).
    values: ValueCounts,
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
            Some(v) if !v.is_nan() => self.values.add((v + 0.0).to_bits(), n),
            _ => self.no_latency += n,
        }
    }

    pub fn no_latency(&self) -> u64 {
        self.no_latency
    }

    /// Requests with a latency.
    pub fn count(&self) -> u64 {
        self.values.iter().map(|(_, n)| n).sum()
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
            .map(|(b, n)| (f64::from_bits(b), n))
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
        for (k, n) in small.iter() {
            big.add(k, n);
        }
        self.values = big;
    }
}

/// Counts per f64 bit pattern: an open-addressing table of (key, count) pairs side by side.
/// A request's latency lands in three or four histograms (endpoint, target group, time
/// bucket), at random places while the input streams through the caches; a std HashMap
/// reads a control byte and then the slot, two cache misses, where this reads one slot.
#[derive(Debug, Clone, Default)]
struct ValueCounts {
    /// (bits, count); `EMPTY` marks a free slot. Empty, or a power of two long.
    slots: Vec<(u64, u64)>,
    len: usize,
}

/// A NaN's bit pattern: never a key (NaN latencies are counted apart).
const EMPTY: u64 = u64::MAX;

impl ValueCounts {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn add(&mut self, key: u64, n: u64) {
        debug_assert_ne!(key, EMPTY);
        // at most three quarters full: probe runs stay short, and the tables (one per
        // endpoint, target group and time bucket) stay small enough for the caches
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = slot_of(key, mask);
        loop {
            let s = &mut self.slots[i];
            if s.0 == key {
                s.1 += n;
                return;
            }
            if s.0 == EMPTY {
                *s = (key, n);
                self.len += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); size]);
        let mask = size - 1;
        for (k, n) in old.into_iter().filter(|(k, _)| *k != EMPTY) {
            let mut i = slot_of(k, mask);
            while self.slots[i].0 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = (k, n);
        }
    }

    /// Every (bits, count), in no particular order.
    fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.slots.iter().copied().filter(|(k, _)| *k != EMPTY)
    }

    fn get(&self, key: u64) -> Option<u64> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = slot_of(key, mask);
        loop {
            match self.slots[i] {
                (k, n) if k == key => return Some(n),
                (EMPTY, _) => return None,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// The home slot of a key in a table of `mask + 1` slots: the top bits of its product with
/// an odd constant (Fibonacci hashing). The top bits depend on every bit of the key; low
/// product bits would not, and latencies such as 253.0 and 254.0 differ only in their high
/// mantissa bits.
#[inline]
fn slot_of(key: u64, mask: usize) -> usize {
    let bits = mask.count_ones();
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// Equal when they hold the same counts, whatever their layout.
impl PartialEq for ValueCounts {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().all(|(k, n)| other.get(k) == Some(n))
    }
}

/// The store keeps histograms (src/store/kept.rs): the whole-millisecond values as integers
/// (one to three bytes each in MessagePack), any other value as its exact f64, and the
/// requests without a latency. Read back, it is the same histogram.
impl serde::Serialize for Histogram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut ints: Vec<(i64, u64)> = Vec::new();
        let mut other: Vec<(f64, u64)> = Vec::new();
        for (v, n) in self.sorted() {
            if v.fract() == 0.0 && v.abs() < 9.0e15 && (v as i64) as f64 == v {
                ints.push((v as i64, n));
            } else {
                other.push((v, n));
            }
        }
        serde::Serialize::serialize(&(self.no_latency, ints, other), s)
    }
}

impl<'de> serde::Deserialize<'de> for Histogram {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        type Parts = (u64, Vec<(i64, u64)>, Vec<(f64, u64)>);
        let (no_latency, ints, other): Parts = serde::Deserialize::deserialize(d)?;
        let mut h = Histogram {
            no_latency,
            ..Histogram::default()
        };
        for (v, n) in ints {
            h.add_n(Some(v as f64), n);
        }
        for (v, n) in other {
            h.add_n(Some(v), n);
        }
        Ok(h)
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
    fn the_table_counts_as_a_map_does() {
        let mut want: std::collections::HashMap<u64, u64> = Default::default();
        let mut t = ValueCounts::default();
        let mut x: u64 = 12345;
        for i in 0..20_000u64 {
            // keys that differ in low bits only, in high bits only, and repeats
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = match i % 3 {
                0 => (200.0 + (x % 700) as f64 * 0.001).to_bits(),
                1 => (x % 50) << 52,
                _ => x >> 1,
            };
            t.add(key, i % 4 + 1);
            *want.entry(key).or_default() += i % 4 + 1;
        }
        assert_eq!(t.len(), want.len());
        let mut got: Vec<(u64, u64)> = t.iter().collect();
        got.sort_unstable();
        let mut want_v: Vec<(u64, u64)> = want.iter().map(|(k, n)| (*k, *n)).collect();
        want_v.sort_unstable();
        assert_eq!(got, want_v);
        for (k, n) in &want {
            assert_eq!(t.get(*k), Some(*n));
        }
        assert_eq!(t.get(EMPTY - 1), None);
        // equality is by content, not by layout (built in another order)
        let mut other = ValueCounts::default();
        for (k, n) in want_v.iter().rev() {
            other.add(*k, *n);
        }
        assert_eq!(t, other);
        other.add(want_v[0].0, 1);
        assert_ne!(t, other);
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        let mut h = Histogram::default();
        h.add(None);
        assert_eq!(h.stats(), Stats::default());
        assert_eq!(h.requests(), 1);
    }
}
