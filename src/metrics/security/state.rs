//! The security analysis' partial: per client address, what each rule needs, never the
//! requests themselves. Counters, bounded summaries ([`Group`]: counts, routes, user agents,
//! the earliest few requests) and the times of the few request kinds whose sliding windows a
//! rule measures (401/403 for credential guessing, 404 for the scanner, 2xx writes that may
//! follow guessing, writes per bucket for write bursts). Memory follows the number of clients
//! and of those requests, not the number of requests read.
//!
//! Two partials merge exactly: the result never depends on how the input was split into
//! batches or threads.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use rustc_hash::FxBuildHasher;

use super::attack_signature::{request_kinds, Kind, Place};
use super::kept::{Span as KeptSpan, Writer, GAP_US};
use super::sample::{hash_parts, Earliest, Group, Tally, NO_UA};
use super::settings::Settings;
use super::wire;
use super::{is_write_method, Rule};
use crate::filter::Glob;
use crate::format::Request;

/// Which parts of the state the chosen rules read (a rule not run costs nothing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub sensitive: bool,
    pub writes: bool,
    pub off_hours: bool,
    pub fails: bool,
    pub scan: bool,
    pub attack: bool,
    pub all: bool,
}

impl Wants {
    pub fn of(rules: &[Rule], s: &Settings) -> Wants {
        let has = |r: Rule| rules.contains(&r);
        Wants {
            sensitive: has(Rule::UnexpectedWriter),
            // the kept baseline records every writer, whichever rules run
            writes: true,
            off_hours: has(Rule::OffHoursWrite) && s.hours.is_some(),
            fails: has(Rule::CredentialGuessing),
            scan: has(Rule::Scanner),
            attack: has(Rule::AttackSignature),
            all: has(Rule::CdnBypass) && s.cdn_only,
        }
    }
}

/// Writes to sensitive endpoints (unexpected-writer).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Sensitive {
    pub all: Group,
    /// Answered 2xx or 3xx.
    pub ok: u64,
    pub ok_earliest: Earliest,
    /// With a scripting or empty user agent.
    pub scripted: u64,
    pub scripted_uas: Tally,
}

/// Writes in a time bucket: how many, the first and the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub count: u64,
    #[serde(with = "super::wire::time")]
    pub first: i64,
    #[serde(with = "super::wire::time")]
    pub last: i64,
}

/// Every write (write-burst, the writes following credential guessing, cdn-bypass, the
/// kept baseline).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Writes {
    pub all: Group,
    /// Bucket start → the writes in it (`[security.write_burst] bucket`).
    #[serde(with = "super::wire::time_keys")]
    pub buckets: BTreeMap<i64, Span>,
    /// Answered 2xx or 3xx.
    pub ok: u64,
    pub ok_earliest: Earliest,
    /// Times of the writes answered 2xx (unsorted until the rules run).
    #[serde(with = "super::wire::times")]
    pub ok2xx_times: Vec<i64>,
    pub ok2xx_earliest: Earliest,
}

/// Writes outside working hours.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OffHours {
    pub all: Group,
    pub sensitive: u64,
}

/// Answers 401/403.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Fails {
    pub all: Group,
    #[serde(with = "super::wire::times")]
    pub times: Vec<i64>,
}

/// A kind of scanner request: how many, the earliest.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Hits {
    pub count: u64,
    pub earliest: Earliest,
}

impl Hits {
    fn new(n: usize) -> Hits {
        Hits {
            count: 0,
            earliest: Earliest::new(n),
        }
    }

    fn add(&mut self, r: &Request<'_>) {
        self.count += 1;
        self.earliest.offer(r);
    }

    fn merge(&mut self, o: Hits) {
        self.count += o.count;
        self.earliest.merge(o.earliest);
    }
}

/// 404s, probe paths, desync classifications, WAF blocks (scanner).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Scan {
    /// (time, hash of "METHOD endpoint") of every 404, for the sliding windows.
    pub not_found: Vec<(i64, u64)>,
    pub not_found_hits: Hits,
    /// 404s that are none of the kinds below.
    pub plain_404: Group,
    /// Requests of any kind below (404 or not).
    pub flagged: Group,
    pub probes: Hits,
    pub severe: Hits,
    pub ambiguous: Hits,
    pub waf: Hits,
    /// Times of the WAF blocks, for the sliding window.
    #[serde(with = "super::wire::times")]
    pub waf_times: Vec<i64>,
}

/// Attack signatures (attack-signature).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Attack {
    pub all: Group,
    #[serde(with = "by_kind")]
    pub by_kind: BTreeMap<(Kind, Place), u64>,
    /// The earliest request of each kind.
    pub first: BTreeMap<Kind, Earliest>,
    /// At least one of them reached an upstream.
    pub reached: bool,
}

/// [`Attack::by_kind`] in the store: a place is one of [`PLACES`] (`&'static str` is
/// written as its text and read back as the place it names).
mod by_kind {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::super::attack_signature::{Kind, Place, PLACES};

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<(Kind, Place), u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let rows: Vec<(Kind, &str, u64)> = m.iter().map(|((k, p), n)| (*k, *p, *n)).collect();
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(Kind, Place), u64>, D::Error> {
        let rows: Vec<(Kind, String, u64)> = Vec::deserialize(d)?;
        rows.into_iter()
            .map(|(k, p, n)| {
                let place = PLACES
                    .iter()
                    .find(|x| **x == p)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown place {p:?}")))?;
                Ok(((k, *place), n))
            })
            .collect()
    }
}

/// One client address' requests in the window, as the rules need them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ClientState {
    pub requests: u64,
    pub sensitive: Option<Box<Sensitive>>,
    pub writes: Option<Box<Writes>>,
    pub off_hours: Option<Box<OffHours>>,
    pub fails: Option<Box<Fails>>,
    pub scan: Option<Box<Scan>>,
    pub attack: Option<Box<Attack>>,
    /// Every request (cdn-bypass).
    pub all: Option<Box<Group>>,
}

fn is_class(r: &Request<'_>, what: &str) -> bool {
    r.classification
        .is_some_and(|c| c.eq_ignore_ascii_case(what))
}

fn is_waf_block(r: &Request<'_>) -> bool {
    r.status == Some(403)
        && r.actions
            .is_some_and(|a| a.split(',').any(|x| x.trim() == "waf"))
}

fn ok(r: &Request<'_>) -> bool {
    r.status.is_some_and(|s| (200..400).contains(&s))
}

/// The value (or a new one) in an optional box.
fn slot<T>(o: &mut Option<Box<T>>, new: impl FnOnce() -> T) -> &mut T {
    o.get_or_insert_with(|| Box::new(new()))
}

/// Merges two optional boxes.
fn merge_opt<T>(a: &mut Option<Box<T>>, b: Option<Box<T>>, merge: impl FnOnce(&mut T, T)) {
    match (a.as_mut(), b) {
        (Some(x), Some(y)) => merge(x, *y),
        (None, Some(y)) => *a = Some(y),
        (_, None) => {}
    }
}

impl ClientState {
    /// Folds one request of this client in.
    pub fn add(&mut self, r: &Request<'_>, w: &Wants, s: &Settings) {
        let n = s.evidence;
        self.requests += 1;
        if w.all {
            slot(&mut self.all, || Group::new(n)).add(r);
        }
        let write = is_write_method(r.method);
        if write {
            self.add_write(r, w, s);
        }
        if w.fails && matches!(r.status, Some(401 | 403)) {
            let f = slot(&mut self.fails, || Fails {
                all: Group::new(n),
                times: Vec::new(),
            });
            f.all.add(r);
            f.times.push(r.time_us);
        }
        if w.scan {
            self.add_scan(r, s);
        }
        if w.attack {
            let hits = request_kinds(r.url.as_deref(), r.user_agent.as_deref());
            if !hits.is_empty() {
                let a = slot(&mut self.attack, || Attack {
                    all: Group::new(n),
                    ..Attack::default()
                });
                a.all.add(r);
                a.reached |= r.upstream_status.is_some();
                for h in hits {
                    *a.by_kind.entry(h).or_default() += 1;
                    a.first
                        .entry(h.0)
                        .or_insert_with(|| Earliest::new(1))
                        .offer(r);
                }
            }
        }
    }

    fn add_write(&mut self, r: &Request<'_>, w: &Wants, s: &Settings) {
        let n = s.evidence;
        if w.writes {
            let x = slot(&mut self.writes, || Writes {
                all: Group::new(n),
                ok_earliest: Earliest::new(n),
                ok2xx_earliest: Earliest::new(n),
                ..Writes::default()
            });
            x.all.add(r);
            let b = r.time_us.div_euclid(s.burst.bucket_us) * s.burst.bucket_us;
            let span = x.buckets.entry(b).or_insert(Span {
                count: 0,
                first: r.time_us,
                last: r.time_us,
            });
            span.count += 1;
            span.first = span.first.min(r.time_us);
            span.last = span.last.max(r.time_us);
            if ok(r) {
                x.ok += 1;
                x.ok_earliest.offer(r);
            }
            if r.status.is_some_and(|s| (200..300).contains(&s)) {
                x.ok2xx_times.push(r.time_us);
                x.ok2xx_earliest.offer(r);
            }
        }
        if w.sensitive && s.is_sensitive(r.path.as_deref(), r.endpoint.as_deref()) {
            let x = slot(&mut self.sensitive, || Sensitive {
                all: Group::new(n),
                ok_earliest: Earliest::new(n),
                ..Sensitive::default()
            });
            x.all.add(r);
            if ok(r) {
                x.ok += 1;
                x.ok_earliest.offer(r);
            }
            if s.is_scripting(r.user_agent.as_deref()) {
                x.scripted += 1;
                x.scripted_uas
                    .add_parts(&[r.user_agent.as_deref().unwrap_or(NO_UA)], 1);
            }
        }
        if w.off_hours && s.hours.is_some_and(|h| !h.contains(r.time_us)) {
            let x = slot(&mut self.off_hours, || OffHours {
                all: Group::new(n),
                sensitive: 0,
            });
            x.all.add(r);
            x.sensitive += u64::from(s.is_sensitive(r.path.as_deref(), r.endpoint.as_deref()));
        }
    }

    fn add_scan(&mut self, r: &Request<'_>, s: &Settings) {
        let probe = Glob::any(&s.scanner.probes, r.path.as_deref().unwrap_or(""));
        let severe = is_class(r, "Severe");
        let ambiguous = is_class(r, "Ambiguous");
        let waf = is_waf_block(r);
        let nf = r.status == Some(404);
        if !(probe || severe || ambiguous || waf || nf) {
            return;
        }
        let n = s.evidence;
        let x = slot(&mut self.scan, || Scan {
            not_found_hits: Hits::new(n),
            plain_404: Group::new(n),
            flagged: Group::new(n),
            probes: Hits::new(n),
            severe: Hits::new(n),
            ambiguous: Hits::new(n),
            waf: Hits::new(n),
            not_found: Vec::new(),
            waf_times: Vec::new(),
        });
        if waf {
            x.waf_times.push(r.time_us);
        }
        if nf {
            let method = r.method.unwrap_or("-");
            let target = r.endpoint.as_deref().or(r.path.as_deref()).unwrap_or("-");
            x.not_found
                .push((r.time_us, hash_parts(&[method, " ", target])));
            x.not_found_hits.add(r);
        }
        for (hit, kind) in [
            (probe, &mut x.probes),
            (severe, &mut x.severe),
            (ambiguous, &mut x.ambiguous),
            (waf, &mut x.waf),
        ] {
            if hit {
                kind.add(r);
            }
        }
        if probe || severe || ambiguous || waf {
            x.flagged.add(r);
        } else {
            x.plain_404.add(r);
        }
    }

    pub fn merge(&mut self, o: ClientState) {
        self.requests += o.requests;
        merge_opt(&mut self.all, o.all, |a, b| a.merge(b));
        merge_opt(&mut self.sensitive, o.sensitive, |a, b| {
            a.all.merge(b.all);
            a.ok += b.ok;
            a.ok_earliest.merge(b.ok_earliest);
            a.scripted += b.scripted;
            a.scripted_uas.merge(b.scripted_uas);
        });
        merge_opt(&mut self.writes, o.writes, |a, b| {
            a.all.merge(b.all);
            for (k, v) in b.buckets {
                let e = a.buckets.entry(k).or_insert(Span {
                    count: 0,
                    first: v.first,
                    last: v.last,
                });
                e.count += v.count;
                e.first = e.first.min(v.first);
                e.last = e.last.max(v.last);
            }
            a.ok += b.ok;
            a.ok_earliest.merge(b.ok_earliest);
            a.ok2xx_times.extend(b.ok2xx_times);
            a.ok2xx_earliest.merge(b.ok2xx_earliest);
        });
        merge_opt(&mut self.off_hours, o.off_hours, |a, b| {
            a.all.merge(b.all);
            a.sensitive += b.sensitive;
        });
        merge_opt(&mut self.fails, o.fails, |a, b| {
            a.all.merge(b.all);
            a.times.extend(b.times);
        });
        merge_opt(&mut self.scan, o.scan, |a, b| {
            a.not_found.extend(b.not_found);
            a.not_found_hits.merge(b.not_found_hits);
            a.plain_404.merge(b.plain_404);
            a.flagged.merge(b.flagged);
            a.probes.merge(b.probes);
            a.severe.merge(b.severe);
            a.ambiguous.merge(b.ambiguous);
            a.waf.merge(b.waf);
            a.waf_times.extend(b.waf_times);
        });
        merge_opt(&mut self.attack, o.attack, |a, b| {
            a.all.merge(b.all);
            for (k, v) in b.by_kind {
                *a.by_kind.entry(k).or_default() += v;
            }
            for (k, v) in b.first {
                match a.first.get_mut(&k) {
                    Some(e) => e.merge(v),
                    None => {
                        a.first.insert(k, v);
                    }
                }
            }
            a.reached |= b.reached;
        });
    }

    /// Sorts what was appended unsorted, once every partial is merged.
    pub fn seal(&mut self) {
        if let Some(w) = &mut self.writes {
            w.ok2xx_times.sort_unstable();
        }
        if let Some(f) = &mut self.fails {
            f.times.sort_unstable();
        }
        if let Some(s) = &mut self.scan {
            s.not_found.sort_unstable();
            s.waf_times.sort_unstable();
        }
    }
}

/// Requests before the window's start: who wrote then, and when (the baseline for "never
/// seen writing").
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Before {
    pub requests: u64,
    pub first: Option<i64>,
    pub writers: HashMap<Box<str>, Writer, FxBuildHasher>,
}

fn seen_writing(w: &mut Writer, t: i64, n: u64) {
    w.first_us = w.first_us.min(t);
    w.last_us = w.last_us.max(t);
    w.writes += n;
}

/// The times a run read: per hour with requests, its first and last request. Merged exactly
/// (the union of the hours), whatever the split; [`Seen::spans`] gives the spans of requests
/// no more than [`GAP_US`] apart, what the kept baseline records as read.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    hours: BTreeMap<i64, (i64, i64)>,
    /// The hour being added to (requests come mostly in order): (hour, first, last).
    current: Option<(i64, i64, i64)>,
}

impl Seen {
    pub fn add(&mut self, t: i64) {
        let h = t.div_euclid(GAP_US);
        match &mut self.current {
            Some((hour, first, last)) if *hour == h => {
                *first = (*first).min(t);
                *last = (*last).max(t);
            }
            _ => {
                self.flush();
                self.current = Some((h, t, t));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((h, first, last)) = self.current.take() {
            let e = self.hours.entry(h).or_insert((first, last));
            e.0 = e.0.min(first);
            e.1 = e.1.max(last);
        }
    }

    pub fn merge(&mut self, mut o: Seen) {
        self.flush();
        o.flush();
        for (h, (first, last)) in o.hours {
            let e = self.hours.entry(h).or_insert((first, last));
            e.0 = e.0.min(first);
            e.1 = e.1.max(last);
        }
    }

    /// The spans read: requests no more than [`GAP_US`] apart are in one span, which runs
    /// from its first request's second to the end of its last one's.
    pub fn spans(mut self) -> Vec<KeptSpan> {
        const SEC: i64 = 1_000_000;
        self.flush();
        let mut out: Vec<KeptSpan> = Vec::new();
        let mut last_t = i64::MIN;
        for (first, last) in self.hours.into_values() {
            let start = first.div_euclid(SEC) * SEC;
            let end = last.div_euclid(SEC) * SEC + SEC;
            match out.last_mut() {
                Some(s) if first - last_t <= GAP_US => s.end_us = end,
                _ => out.push(KeptSpan {
                    start_us: start,
                    end_us: end,
                }),
            }
            last_t = last;
        }
        out
    }
}

/// What one thread has counted: a state per client address in the window, and the baseline.
/// The store keeps it in its compact form ([`super::wire`]; the derived serde below is the
/// form of its fields, `remote = "Self"`: the impls of the traits are the compact form's).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(remote = "Self")]
pub struct SecurityPartial {
    #[serde(with = "super::wire::names")]
    pub clients: HashMap<Box<str>, ClientState, FxBuildHasher>,
    pub requests: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub before: Before,
    /// Every request's time, before the window and in it.
    pub seen: Seen,
}

/// The compact form: its tables, then its fields (MessagePack: the tables are known once the
/// fields are written).
impl serde::Serialize for SecurityPartial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        struct Fields<'a>(&'a SecurityPartial);
        impl serde::Serialize for Fields<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                SecurityPartial::serialize(self.0, s)
            }
        }
        let (fields, mut tables) = wire::writing(|| rmp_serde::to_vec(&Fields(self)));
        let fields = fields.map_err(S::Error::custom)?;
        let columns = tables.columns();
        let times = tables.time_deltas();
        (
            wire::COMPACT,
            tables.into_strings(),
            times,
            columns,
            wire::Bytes(fields),
        )
            .serialize(s)
    }
}

/// The compact form, or the fields as a store collected before it wrote them.
impl<'de> serde::Deserialize<'de> for SecurityPartial {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, SeqAccess};
        struct Fields(SecurityPartial);
        impl<'de> serde::Deserialize<'de> for Fields {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                SecurityPartial::deserialize(d).map(Fields)
            }
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SecurityPartial;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a security partial")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<SecurityPartial, A::Error> {
                fn next<'de, T: serde::Deserialize<'de>, A: SeqAccess<'de>>(
                    a: &mut A,
                ) -> Result<T, A::Error> {
                    a.next_element()?
                        .ok_or_else(|| A::Error::custom("a truncated security partial"))
                }
                type Clients = HashMap<Box<str>, ClientState, FxBuildHasher>;
                match next::<wire::Head<Clients>, A>(&mut a)? {
                    wire::Head::Old(clients) => Ok(SecurityPartial {
                        clients,
                        requests: next(&mut a)?,
                        first: next(&mut a)?,
                        last: next(&mut a)?,
                        before: next(&mut a)?,
                        seen: next(&mut a)?,
                    }),
                    wire::Head::Compact => {
                        let strings: Vec<Box<str>> = next(&mut a)?;
                        let times: Vec<i64> = next(&mut a)?;
                        let columns: wire::Columns = next(&mut a)?;
                        let fields: wire::Bytes = next(&mut a)?;
                        let rows = columns.rows(&strings).map_err(A::Error::custom)?;
                        wire::reading(strings, rows, times, || {
                            rmp_serde::from_slice::<Fields>(&fields.0)
                        })
                        .map(|f| f.0)
                        .map_err(A::Error::custom)
                    }
                }
            }
        }
        d.deserialize_seq(V)
    }
}

impl SecurityPartial {
    /// Folds one request: before `since_us` into the baseline, else into its client's state.
    pub fn add(&mut self, r: &Request<'_>, since_us: Option<i64>, w: &Wants, s: &Settings) {
        let ip = r.client_ip.unwrap_or("-");
        self.seen.add(r.time_us);
        if since_us.is_some_and(|since| r.time_us < since) {
            let b = &mut self.before;
            b.requests += 1;
            b.first = Some(b.first.map_or(r.time_us, |f| f.min(r.time_us)));
            if is_write_method(r.method) {
                match b.writers.get_mut(ip) {
                    Some(w) => seen_writing(w, r.time_us, 1),
                    None => {
                        b.writers.insert(
                            ip.into(),
                            Writer {
                                first_us: r.time_us,
                                last_us: r.time_us,
                                writes: 1,
                            },
                        );
                    }
                }
            }
            return;
        }
        self.requests += 1;
        self.first = Some(self.first.map_or(r.time_us, |f| f.min(r.time_us)));
        self.last = Some(self.last.map_or(r.time_us, |l| l.max(r.time_us)));
        let c = match self.clients.get_mut(ip) {
            Some(c) => c,
            None => self.clients.entry(ip.into()).or_default(),
        };
        c.add(r, w, s);
    }

    pub fn merge(&mut self, mut o: SecurityPartial) {
        if self.clients.len() < o.clients.len() {
            std::mem::swap(&mut self.clients, &mut o.clients);
        }
        for (k, v) in o.clients {
            match self.clients.get_mut(&k) {
                Some(c) => c.merge(v),
                None => {
                    self.clients.insert(k, v);
                }
            }
        }
        self.requests += o.requests;
        self.seen.merge(o.seen);
        self.first = self.first.into_iter().chain(o.first).min();
        self.last = self.last.into_iter().chain(o.last).max();
        let b = &mut self.before;
        b.requests += o.before.requests;
        b.first = b.first.into_iter().chain(o.before.first).min();
        for (ip, w) in o.before.writers {
            match b.writers.get_mut(&ip) {
                Some(x) => {
                    seen_writing(x, w.first_us, w.writes);
                    x.last_us = x.last_us.max(w.last_us);
                }
                None => {
                    b.writers.insert(ip, w);
                }
            }
        }
    }
}

impl SecurityPartial {
    /// The baseline a partial folded with no window start (every request a client's state)
    /// comes to when its requests all fall before the window: what a fold with the window's
    /// start puts in `before` (its requests, the first, who wrote and when), and its times.
    pub fn into_before(self) -> (Before, Seen) {
        let mut b = self.before;
        b.requests += self.requests;
        b.first = b.first.into_iter().chain(self.first).min();
        for (ip, c) in self.clients {
            let Some(w) = c.writes else { continue };
            let (Some(first_us), Some(last_us)) = (w.all.first, w.all.last) else {
                continue;
            };
            let writer = Writer {
                first_us,
                last_us,
                writes: w.all.count,
            };
            match b.writers.get_mut(&ip) {
                Some(x) => {
                    seen_writing(x, writer.first_us, writer.writes);
                    x.last_us = x.last_us.max(writer.last_us);
                }
                None => {
                    b.writers.insert(ip, writer);
                }
            }
        }
        (b, self.seen)
    }
}

/// A client address and what its requests came to, as the rules read it.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub addr: Option<IpAddr>,
    pub known: bool,
    pub state: ClientState,
}

impl Client {
    /// The clients of a merged partial, in address order (the rules' output never depends
    /// on the order requests were read in).
    pub fn all(
        clients: HashMap<Box<str>, ClientState, FxBuildHasher>,
        s: &Settings,
    ) -> Vec<Client> {
        let mut out: Vec<Client> = clients
            .into_iter()
            .map(|(ip, mut state)| {
                state.seal();
                let addr = ip.parse::<IpAddr>().ok();
                Client {
                    known: s.is_known(addr),
                    ip: ip.into(),
                    addr,
                    state,
                }
            })
            .collect();
        out.sort_by(|a, b| a.ip.cmp(&b.ip));
        out
    }
}

impl Client {
    /// When this client wrote in the window, as the kept baseline records it.
    pub fn writer(&self) -> Option<Writer> {
        let w = self.state.writes.as_ref()?;
        Some(Writer {
            first_us: w.all.first?,
            last_us: w.all.last?,
            writes: w.all.count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000;
    const H: i64 = 3600 * SEC;

    fn span(s: i64, e: i64) -> KeptSpan {
        KeptSpan {
            start_us: s,
            end_us: e,
        }
    }

    #[test]
    fn spans_read_are_runs_of_requests_at_most_an_hour_apart_whatever_the_split() {
        // a stray request ten years before, then a morning with a 59-minute lull (one span)
        // and, after a quiet 61 minutes, the afternoon (another)
        let t0 = 1_795_132_800 * SEC;
        let times = [
            t0 - 10 * 365 * 24 * H + 500_000,
            t0 + 2 * SEC + 300,
            t0 + 30 * 60 * SEC,
            t0 + 89 * 60 * SEC,
            t0 + 150 * 60 * SEC + 7,
            t0 + 3 * H,
        ];
        let want = vec![
            span(t0 - 10 * 365 * 24 * H, t0 - 10 * 365 * 24 * H + SEC),
            span(t0 + 2 * SEC, t0 + 89 * 60 * SEC + SEC),
            span(t0 + 150 * 60 * SEC, t0 + 3 * H + SEC),
        ];
        let mut whole = Seen::default();
        for t in times {
            whole.add(t);
        }
        assert_eq!(whole.spans(), want);
        // every split into two partials, each fed out of order, merges to the same spans
        for mask in 0..(1u32 << times.len()) {
            let (mut a, mut b) = (Seen::default(), Seen::default());
            for (i, t) in times.iter().enumerate().rev() {
                match mask & (1 << i) {
                    0 => a.add(*t),
                    _ => b.add(*t),
                }
            }
            a.merge(b);
            assert_eq!(a.spans(), want, "split {mask:b}");
        }
    }
}
