//! An analysis over a moving window: its partial kept per time bucket, so a live view folds
//! new batches as they come and drops the buckets that fall out of the longest window it
//! shows. Memory follows that window, never how long the view has run.

use std::collections::BTreeMap;

use super::{Analysis, Finish};
use crate::format::{Request, RoleSet};

/// `inner` with its partial cut into buckets of `bucket_us` (aligned on multiples of it since
/// the epoch).
#[derive(Debug, Clone)]
pub struct Rolling<A> {
    pub inner: A,
    pub bucket_us: i64,
}

/// The inner partials by bucket start (µs).
#[derive(Debug, Clone)]
pub struct RollingPartial<P> {
    buckets: BTreeMap<i64, P>,
}

impl<P> Default for RollingPartial<P> {
    fn default() -> Self {
        RollingPartial {
            buckets: BTreeMap::new(),
        }
    }
}

impl<P> RollingPartial<P> {
    /// Drops the buckets that end at or before `t_us`: nothing older is ever shown again.
    pub fn drop_before(&mut self, t_us: i64, bucket_us: i64) {
        let keep = self.buckets.split_off(&(t_us - bucket_us + 1));
        self.buckets = keep;
    }

    /// Buckets held.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The partials of the buckets, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&i64, &P)> {
        self.buckets.iter()
    }

    /// The partial of the bucket holding `t_us`, made when missing: counts read elsewhere
    /// (the store) added to a live view.
    pub fn bucket_mut(&mut self, t_us: i64, bucket_us: i64) -> &mut P
    where
        P: Default,
    {
        self.buckets
            .entry(t_us.div_euclid(bucket_us) * bucket_us)
            .or_default()
    }

    /// Drops the oldest bucket (a live view over its memory budget).
    pub fn pop_oldest(&mut self) -> Option<(i64, P)> {
        self.buckets.pop_first()
    }
}

impl<A: Analysis> Rolling<A> {
    /// Merges `p`, a partial of the bucket holding `t_us` read elsewhere (the store), into
    /// that bucket.
    pub fn add(&self, part: &mut RollingPartial<A::Partial>, t_us: i64, p: A::Partial) {
        let b = part
            .buckets
            .entry(t_us.div_euclid(self.bucket_us) * self.bucket_us)
            .or_insert_with(|| self.inner.partial());
        self.inner.merge(b, p);
    }
}

impl<A: Analysis> Rolling<A>
where
    A::Partial: Clone,
{
    /// The inner partial of the buckets that start at or after `from_us` (whole buckets: a
    /// bucket holding `from_us` is in when it starts there), merged from copies: the rolling
    /// partial keeps folding.
    pub fn since(&self, part: &RollingPartial<A::Partial>, from_us: i64) -> A::Partial {
        let first = from_us.div_euclid(self.bucket_us) * self.bucket_us;
        let mut out = self.inner.partial();
        for p in part.buckets.range(first..).map(|(_, p)| p) {
            self.inner.merge(&mut out, p.clone());
        }
        out
    }
}

impl<A: Analysis> Analysis for Rolling<A> {
    type Partial = RollingPartial<A::Partial>;
    type Report = A::Report;

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn required(&self) -> RoleSet {
        self.inner.required()
    }

    fn optional(&self) -> RoleSet {
        self.inner.optional()
    }

    fn excludes(&self) -> bool {
        self.inner.excludes()
    }

    fn partial(&self) -> Self::Partial {
        RollingPartial::default()
    }

    /// Folds each run of requests of one bucket at once: batches come nearly in time order,
    /// so runs are long and the inner fold sees slices, never copies.
    fn fold(&self, part: &mut Self::Partial, batch: &[Request<'_>]) {
        let bucket = |r: &Request<'_>| r.time_us.div_euclid(self.bucket_us) * self.bucket_us;
        let mut start = 0;
        while start < batch.len() {
            let b = bucket(&batch[start]);
            let end = start
                + batch[start..]
                    .iter()
                    .position(|r| bucket(r) != b)
                    .unwrap_or(batch.len() - start);
            let p = part
                .buckets
                .entry(b)
                .or_insert_with(|| self.inner.partial());
            self.inner.fold(p, &batch[start..end]);
            start = end;
        }
    }

    fn merge(&self, into: &mut Self::Partial, from: Self::Partial) {
        for (b, p) in from.buckets {
            match into.buckets.get_mut(&b) {
                Some(mine) => self.inner.merge(mine, p),
                None => {
                    into.buckets.insert(b, p);
                }
            }
        }
    }

    fn finish(&self, part: Self::Partial, end: &Finish) -> A::Report {
        let mut all = self.inner.partial();
        for (_, p) in part.buckets {
            self.inner.merge(&mut all, p);
        }
        self.inner.finish(all, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts requests: the smallest analysis.
    struct Count;

    impl Analysis for Count {
        type Partial = u64;
        type Report = u64;
        fn name(&self) -> &'static str {
            "count"
        }
        fn required(&self) -> RoleSet {
            RoleSet::EMPTY
        }
        fn partial(&self) -> u64 {
            0
        }
        fn fold(&self, p: &mut u64, batch: &[Request<'_>]) {
            *p += batch.len() as u64;
        }
        fn merge(&self, into: &mut u64, from: u64) {
            *into += from;
        }
        fn finish(&self, p: u64, _: &Finish) -> u64 {
            p
        }
    }

    fn at(secs: &[i64]) -> Vec<Request<'static>> {
        secs.iter()
            .map(|s| Request {
                time_us: s * 1_000_000,
                ..Request::default()
            })
            .collect()
    }

    #[test]
    fn folds_by_bucket_drops_old_ones_and_merges_windows() {
        let r = Rolling {
            inner: Count,
            bucket_us: 60_000_000,
        };
        let mut p = r.partial();
        // out of order on purpose: 0-59 s is bucket 0, 60-119 s bucket 60, 120+ bucket 120
        r.fold(&mut p, &at(&[1, 2, 61, 3, 125, 119, 130]));
        let buckets: Vec<(i64, u64)> = p.iter().map(|(b, n)| (*b / 1_000_000, *n)).collect();
        assert_eq!(buckets, [(0, 3), (60, 2), (120, 2)]);
        assert_eq!(r.since(&p, 60_000_000), 4);
        // a time inside a bucket takes the whole bucket
        assert_eq!(r.since(&p, 90_000_000), 4);
        let mut other = r.partial();
        r.fold(&mut other, &at(&[70, 200]));
        r.merge(&mut p, other);
        assert_eq!(r.since(&p, 0), 9);
        // buckets ending at or before 120 s go; the one holding 120 s stays
        p.drop_before(120_000_000, r.bucket_us);
        assert_eq!(p.len(), 2);
        assert_eq!(r.since(&p, 0), 3);
        p.drop_before(121_000_000, r.bucket_us);
        assert_eq!(r.since(&p, 0), 3, "the bucket holding 121 s is kept");
        assert_eq!(r.finish(p, &Finish::default()), 3);
    }
}
