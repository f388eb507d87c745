//! Over-time partials: values per time bucket, sparse (a bucket exists only where requests
//! fell), so memory follows the answer, never the window's span.
//!
//! The bucket a report shows is often chosen from the window's length, which the local engine
//! only knows once everything is read. So a partial keeps a bucket size that divides every
//! size the report can still choose (1 minute while the requests seen span at most 150
//! minutes, then 5 minutes, then 30), and the finished report adds its buckets up from those.
//! Buckets are aligned on multiples of their size since the epoch, as Polars' `dt.truncate`.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::common::{auto_bucket, BUCKETS};

const MIN: i64 = 60_000_000;

/// Most buckets a `--bucket` may cut a window into.
pub const MAX_BUCKETS: i64 = 100_000;

/// Values that add up.
pub trait Merge {
    fn merge(&mut self, other: Self);
}

/// How the report's bucket is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketPlan {
    /// `--bucket`, or known from a window bounded at both ends.
    Fixed(i64),
    /// From the window's length once read; the bounds the window has are given.
    Auto {
        since_us: Option<i64>,
        until_us: Option<i64>,
    },
}

impl BucketPlan {
    /// `--bucket` when given, else chosen from the window: at once when both ends are known.
    pub fn new(flag: Option<i64>, since_us: Option<i64>, until_us: Option<i64>) -> BucketPlan {
        match (flag, since_us, until_us) {
            (Some(b), _, _) => BucketPlan::Fixed(b),
            (None, Some(s), Some(u)) => BucketPlan::Fixed(auto_bucket(u - s)),
            (None, s, u) => BucketPlan::Auto {
                since_us: s,
                until_us: u,
            },
        }
    }

    /// The bucket when it is known before reading (`--bucket`, or a bounded window): what a
    /// query that buckets in SQL needs.
    pub fn fixed(&self) -> Option<i64> {
        match self {
            BucketPlan::Fixed(b) => Some(*b),
            BucketPlan::Auto { .. } => None,
        }
    }

    /// The report's bucket for a window of `span_us`.
    pub fn bucket(&self, span_us: i64) -> i64 {
        match self {
            BucketPlan::Fixed(b) => *b,
            BucketPlan::Auto { .. } => auto_bucket(span_us),
        }
    }

    /// The partial's bucket size once requests spanning `[first, last]` were seen: it divides
    /// every bucket `auto_bucket` can pick for a window that holds them.
    fn level(&self, first: i64, last: i64) -> i64 {
        match *self {
            BucketPlan::Fixed(b) => b,
            BucketPlan::Auto { since_us, until_us } => {
                let span = until_us.unwrap_or(last) - since_us.unwrap_or(first);
                // auto_bucket gives 1m up to 150 minutes, 5m/10m/15m up to 2,250 minutes
                // (all multiples of 5m), 30m or 60m beyond (multiples of 30m)
                if span <= 150 * MIN {
                    MIN
                } else if span <= 150 * 15 * MIN {
                    5 * MIN
                } else {
                    30 * MIN
                }
            }
        }
    }
}

/// Values per time bucket.
#[derive(Debug, Clone)]
pub struct TimeBuckets<V> {
    plan: BucketPlan,
    level: i64,
    first: i64,
    last: i64,
    map: HashMap<i64, V, FxBuildHasher>,
}

impl<V: Default + Merge> TimeBuckets<V> {
    pub fn new(plan: BucketPlan) -> Self {
        TimeBuckets {
            plan,
            level: match plan {
                BucketPlan::Fixed(b) => b,
                BucketPlan::Auto { .. } => MIN,
            },
            first: i64::MAX,
            last: i64::MIN,
            map: HashMap::default(),
        }
    }

    /// The value of the bucket holding `t_us`.
    pub fn at(&mut self, t_us: i64) -> &mut V {
        if t_us < self.first || t_us > self.last {
            self.first = self.first.min(t_us);
            self.last = self.last.max(t_us);
            let level = self.plan.level(self.first, self.last);
            if level != self.level {
                self.coarsen(level);
            }
        }
        let key = t_us.div_euclid(self.level) * self.level;
        self.map.entry(key).or_default()
    }

    /// Calls `add` with the bucket of each item that has a time (`time` None: skipped),
    /// finding a bucket once per run of consecutive items in it: requests come in time order,
    /// so a batch is a few runs and the map is looked up a few times, not once per request.
    pub fn fold_runs<'r, T>(
        &mut self,
        items: &'r [T],
        time: impl Fn(&'r T) -> Option<i64>,
        mut add: impl FnMut(&mut V, &'r T),
    ) {
        let mut i = 0;
        while i < items.len() {
            let Some(t) = time(&items[i]) else {
                i += 1;
                continue;
            };
            let v = self.at(t);
            add(v, &items[i]);
            let key = t.div_euclid(self.level) * self.level;
            // the same bucket while the time stays in it and inside the times seen (a time
            // outside them may coarsen the buckets: `at` again)
            let (lo, hi) = (key.max(self.first), (key + self.level - 1).min(self.last));
            let v = self.map.entry(key).or_default();
            i += 1;
            while i < items.len() {
                match time(&items[i]) {
                    Some(t) if (lo..=hi).contains(&t) => add(v, &items[i]),
                    Some(_) => break,
                    None => {}
                }
                i += 1;
            }
        }
    }

    /// Adds a value for a bucket an engine already counted (its start, at `bucket_us`, which
    /// must be the plan's fixed bucket).
    pub fn add(&mut self, start_us: i64, v: V) {
        self.first = self.first.min(start_us);
        self.last = self.last.max(start_us);
        match self.map.entry(start_us.div_euclid(self.level) * self.level) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(v),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }

    fn coarsen(&mut self, level: i64) {
        debug_assert!(level % self.level == 0);
        self.level = level;
        let old = std::mem::take(&mut self.map);
        for (k, v) in old {
            self.put(k.div_euclid(level) * level, v);
        }
    }

    fn put(&mut self, key: i64, v: V) {
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(v),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }

    pub fn merge(&mut self, mut other: TimeBuckets<V>) {
        if other.map.is_empty() {
            return;
        }
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        let level = self
            .plan
            .level(self.first, self.last)
            .max(self.level)
            .max(other.level);
        if level != self.level {
            self.coarsen(level);
        }
        if level != other.level {
            other.coarsen(level);
        }
        if self.map.len() < other.map.len() {
            std::mem::swap(&mut self.map, &mut other.map);
        }
        for (k, v) in other.map {
            self.put(k, v);
        }
    }

    /// The buckets of `bucket_us` (a multiple of the partial's size), in time order.
    pub fn finish(mut self, bucket_us: i64) -> Vec<(i64, V)> {
        if bucket_us != self.level {
            debug_assert!(bucket_us % self.level == 0, "{bucket_us} by {}", self.level);
            self.coarsen(bucket_us);
        }
        let mut out: Vec<(i64, V)> = self.map.into_iter().collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out
    }
}

impl Merge for u64 {
    fn merge(&mut self, other: u64) {
        *self += other;
    }
}

/// Every bucket size `--bucket` may be, and `auto_bucket` picks from.
pub fn bucket_sizes() -> &'static [i64] {
    &BUCKETS
}

/// The store keeps time buckets (src/store/kept.rs): their size, the first and last time
/// seen and the buckets. Read back, the plan is the stored size, fixed: merged into an
/// answer's partial, the answer's own plan decides.
impl<V: serde::Serialize> serde::Serialize for TimeBuckets<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let buckets: Vec<(&i64, &V)> = self.map.iter().collect();
        serde::Serialize::serialize(&(self.level, self.first, self.last, buckets), s)
    }
}

impl<'de, V: serde::Deserialize<'de>> serde::Deserialize<'de> for TimeBuckets<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (level, first, last, buckets): (i64, i64, i64, Vec<(i64, V)>) =
            serde::Deserialize::deserialize(d)?;
        if level <= 0 || buckets.iter().any(|(k, _)| k % level != 0) {
            return Err(serde::de::Error::custom("time buckets off their size"));
        }
        Ok(TimeBuckets {
            plan: BucketPlan::Fixed(level),
            level,
            first,
            last,
            map: buckets.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000_000 - 1_700_000_000_000_000 % (60 * MIN);

    #[test]
    fn a_long_span_coarsens_and_the_report_adds_up_buckets() {
        let plan = BucketPlan::new(None, None, None);
        let mut b: TimeBuckets<u64> = TimeBuckets::new(plan);
        // one request a minute for 20 hours: the span passes 150 minutes, then stays under 2,250
        for m in 0..1200 {
            *b.at(T0 + m * MIN + 7_000_000) += 1;
        }
        assert_eq!(b.level, 5 * MIN);
        let span = 1200 * MIN;
        let bucket = plan.bucket(span);
        assert_eq!(bucket, 10 * MIN);
        let out = b.finish(bucket);
        assert_eq!(out.len(), 120);
        assert!(out.iter().all(|(k, n)| k % (10 * MIN) == 0 && *n == 10));
    }

    #[test]
    fn runs_count_what_one_lookup_per_item_counts() {
        // times in order with jumps back, repeats, gaps that coarsen the buckets, and items
        // without a time
        let mut times: Vec<Option<i64>> = Vec::new();
        let mut t = T0;
        for i in 0..3000i64 {
            t += (i * 7919 % 13) * 1_000_000 + if i % 500 == 0 { 40 * MIN } else { 0 };
            times.push(if i % 17 == 0 {
                None
            } else {
                Some(t - (i % 5) * MIN)
            });
        }
        let plan = BucketPlan::new(None, None, None);
        let mut one: TimeBuckets<u64> = TimeBuckets::new(plan);
        for t in times.iter().flatten() {
            *one.at(*t) += 1;
        }
        for split in [1, 2, 3, 64, 256, 3000] {
            let mut runs: TimeBuckets<u64> = TimeBuckets::new(plan);
            for part in times.chunks(split) {
                runs.fold_runs(part, |t| *t, |n, _| *n += 1);
            }
            let bucket = plan.bucket(one.last - one.first);
            assert_eq!(
                runs.finish(bucket),
                one.clone().finish(bucket),
                "batches of {split}"
            );
        }
    }

    #[test]
    fn merging_partials_of_different_sizes_keeps_every_count() {
        let plan = BucketPlan::new(None, None, None);
        let (mut a, mut b): (TimeBuckets<u64>, TimeBuckets<u64>) =
            (TimeBuckets::new(plan), TimeBuckets::new(plan));
        for m in 0..100 {
            *a.at(T0 + m * MIN) += 1; // 100 minutes: still 1m
        }
        for m in 0..3000 {
            *b.at(T0 + m * MIN) += 2; // 50 hours: 30m
        }
        a.merge(b);
        let out = a.finish(60 * MIN);
        assert_eq!(out.iter().map(|(_, n)| n).sum::<u64>(), 100 + 6000);
        assert_eq!(out[0], (T0, 60 + 120));
        // a bucket given up front is kept
        let mut f: TimeBuckets<u64> = TimeBuckets::new(BucketPlan::new(Some(7 * MIN), None, None));
        *f.at(T0 + 13 * MIN) += 1;
        let out = f.finish(7 * MIN);
        assert_eq!(
            out,
            vec![((T0 + 13 * MIN).div_euclid(7 * MIN) * 7 * MIN, 1)]
        );
    }

    #[test]
    fn a_bounded_window_picks_its_bucket_at_once() {
        assert_eq!(
            BucketPlan::new(None, Some(T0), Some(T0 + 24 * 60 * MIN)),
            BucketPlan::Fixed(10 * MIN)
        );
    }
}
