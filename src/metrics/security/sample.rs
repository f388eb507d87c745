//! Bounded, exactly mergeable summaries of a client's requests of one kind: how many, when,
//! which routes and user agents, and the earliest few as evidence.
//!
//! "Exactly mergeable" means the merged summary is the one a single pass would have built,
//! however the requests were split into batches and threads: the earliest N are the earliest
//! N of the union, and a capped tally keeps the values whose hashes are the smallest (a set
//! that does not depend on arrival order), each with its exact count.

use std::collections::BTreeMap;
use std::hash::Hasher;

use super::finding::Req;
use crate::format::Request;

/// The earliest `n` requests of a kind, in (time, content) order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Earliest {
    n: usize,
    #[serde(with = "super::wire::rows")]
    rows: Vec<Req>,
}

impl Earliest {
    pub fn new(n: usize) -> Earliest {
        Earliest {
            n,
            rows: Vec::new(),
        }
    }

    /// Keeps the request when it is among the earliest `n` so far. A request later than a
    /// full list's last is turned away without copying it.
    pub fn offer(&mut self, r: &Request<'_>) {
        if self.n == 0 {
            return;
        }
        if self.rows.len() >= self.n && self.rows.last().is_some_and(|l| l.time_us < r.time_us) {
            return;
        }
        self.insert(Req::of(r));
    }

    fn insert(&mut self, r: Req) {
        let at = self.rows.partition_point(|x| x.order(&r).is_le());
        if at >= self.n {
            return;
        }
        self.rows.insert(at, r);
        self.rows.truncate(self.n);
    }

    pub fn merge(&mut self, other: Earliest) {
        self.n = self.n.max(other.n);
        for r in other.rows {
            self.insert(r);
        }
    }

    pub fn rows(&self) -> &[Req] {
        &self.rows
    }
}

/// Distinct values a tally keeps exact counts for.
pub const TALLY_CAP: usize = 1024;

/// The hash that orders a tally's values: SipHash with fixed keys, so every run and every
/// thread agrees on which values a full tally keeps.
pub(crate) fn hash_parts(parts: &[&str]) -> u64 {
    #[allow(deprecated)] // SipHasher::new: fixed keys, on purpose (DefaultHasher's may change)
    let mut h = std::hash::SipHasher::new();
    for p in parts {
        h.write(p.as_bytes());
    }
    h.finish()
}

/// Counts per value, for at most [`TALLY_CAP`] distinct values: past that, the values with
/// the smallest hashes are kept (a fixed sample, the same whatever the order requests came
/// in) and the number of distinct values is estimated from the sample (k-minimum values).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// hash → (value, count)
    #[serde(with = "super::wire::tally")]
    kept: BTreeMap<u64, (Box<str>, u64)>,
    /// Counted toward `total` but not kept (a full tally turned the value away).
    dropped: u64,
    full: bool,
}

impl Tally {
    /// Counts a value given as parts ("POST", " ", "/notes"): no allocation for a value
    /// already kept, nor for one a full tally turns away.
    pub fn add_parts(&mut self, parts: &[&str], n: u64) {
        let h = hash_parts(parts);
        if let Some(e) = self.kept.get_mut(&h) {
            e.1 += n;
            return;
        }
        if self.turned_away(h) {
            self.dropped += n;
            return;
        }
        self.kept.insert(h, (parts.concat().into_boxed_str(), n));
        self.trim();
    }

    fn turned_away(&self, h: u64) -> bool {
        self.full && self.kept.last_key_value().is_some_and(|(&max, _)| h > max)
    }

    fn trim(&mut self) {
        while self.kept.len() > TALLY_CAP {
            self.full = true;
            if let Some((_, (_, n))) = self.kept.pop_last() {
                self.dropped += n;
            }
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.dropped += other.dropped;
        self.full |= other.full;
        for (h, (v, n)) in other.kept {
            match self.kept.get_mut(&h) {
                Some(e) => e.1 += n,
                None => {
                    self.kept.insert(h, (v, n));
                }
            }
        }
        self.trim();
        // a value the other side dropped may have a hash above what this side now keeps:
        // its count stays in `dropped`, and values above the cut are never kept
    }

    /// Distinct values: exact below the cap, else estimated from the kept hashes.
    pub fn distinct(&self) -> u64 {
        if !self.full {
            return self.kept.len() as u64;
        }
        let max = self.kept.last_key_value().map_or(u64::MAX, |(&h, _)| h);
        let frac = (max as f64 + 1.0) / 18_446_744_073_709_551_616.0;
        (((self.kept.len() - 1) as f64) / frac).round() as u64
    }

    /// The kept values, most counted first (ties by value).
    pub fn top(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.kept.values().map(|(s, n)| (&**s, *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

/// Stands for "no user agent" in a tally of user agents (a real header holds no NUL).
pub const NO_UA: &str = "\u{0}";

/// A client's requests of one kind: how many, first and last, their routes ("METHOD
/// endpoint") and user agents, and the earliest few.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub count: u64,
    #[serde(with = "super::wire::opt_time")]
    pub first: Option<i64>,
    #[serde(with = "super::wire::opt_time")]
    pub last: Option<i64>,
    pub routes: Tally,
    pub uas: Tally,
    pub earliest: Earliest,
}

impl Group {
    pub fn new(evidence: usize) -> Group {
        Group {
            earliest: Earliest::new(evidence),
            ..Group::default()
        }
    }

    pub fn add(&mut self, r: &Request<'_>) {
        self.count += 1;
        self.first = Some(self.first.map_or(r.time_us, |f| f.min(r.time_us)));
        self.last = Some(self.last.map_or(r.time_us, |l| l.max(r.time_us)));
        let method = r.method.unwrap_or("-");
        let target = r.endpoint.as_deref().or(r.path.as_deref()).unwrap_or("-");
        self.routes.add_parts(&[method, " ", target], 1);
        self.uas
            .add_parts(&[r.user_agent.as_deref().unwrap_or(NO_UA)], 1);
        self.earliest.offer(r);
    }

    pub fn merge(&mut self, o: Group) {
        self.count += o.count;
        self.first = self.first.into_iter().chain(o.first).min();
        self.last = self.last.into_iter().chain(o.last).max();
        self.routes.merge(o.routes);
        self.uas.merge(o.uas);
        self.earliest.merge(o.earliest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(secs: i64, url: &str) -> Request<'_> {
        Request {
            time_us: secs,
            url: Some(url.into()),
            ..Request::default()
        }
    }

    #[test]
    fn earliest_keeps_the_first_n_whatever_the_split() {
        let urls: Vec<String> = (0..50).map(|i| format!("/u{i}")).collect();
        let reqs: Vec<Request> = (0..50)
            .map(|i| req((i * 37) % 50, urls[i as usize].as_str()))
            .collect();
        let mut one = Earliest::new(5);
        reqs.iter().for_each(|r| one.offer(r));
        let times: Vec<i64> = one.rows().iter().map(|r| r.time_us).collect();
        assert_eq!(times, vec![0, 1, 2, 3, 4]);
        for cut in [1, 7, 25, 49] {
            let (mut a, mut b) = (Earliest::new(5), Earliest::new(5));
            reqs[..cut].iter().for_each(|r| a.offer(r));
            reqs[cut..].iter().for_each(|r| b.offer(r));
            b.merge(a);
            assert_eq!(b.rows(), one.rows(), "cut at {cut}");
        }
    }

    #[test]
    fn a_full_tally_keeps_the_same_sample_whatever_the_split() {
        let n = TALLY_CAP as u64 * 4;
        let mut one = Tally::default();
        for i in 0..n {
            one.add_parts(&["GET /p", &i.to_string()], 1 + i % 3);
        }
        let (mut a, mut b) = (Tally::default(), Tally::default());
        for i in 0..n {
            let t = if i % 3 == 0 { &mut a } else { &mut b };
            t.add_parts(&["GET /p", &i.to_string()], 1 + i % 3);
        }
        a.merge(b);
        assert_eq!(a.top(), one.top());
        assert_eq!(one.top().len(), TALLY_CAP);
        let total: u64 = (0..n).map(|i| 1 + i % 3).sum();
        let kept: u64 = one.top().iter().map(|t| t.1).sum();
        assert_eq!(kept + one.dropped, total);
        // the estimate of 4,096 distinct values from a sample of 1,024 is within 10 %
        let d = one.distinct() as f64;
        assert!((d - n as f64).abs() < 0.1 * n as f64, "{d}");
        // below the cap: exact
        let mut small = Tally::default();
        for i in 0..45u64 {
            small.add_parts(&["/x", &i.to_string()], 1);
            small.add_parts(&["/x", &i.to_string()], 1);
        }
        assert_eq!(small.distinct(), 45);
        assert_eq!(small.top()[0].1, 2);
    }
}
