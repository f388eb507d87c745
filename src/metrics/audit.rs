//! The audit trail: for each client (address + user agent), what it did, writes first.
//!
//! Reads every request (the config's [exclude] is not applied: an audit leaves nothing out).
//! Filters narrow the requests first; a client with no matching request is not listed.

use serde::Serialize;

use super::buckets::Merge;
use super::common::Keyed;
use super::security::{format_time, is_write_method, wire, PathPattern, Req};
use crate::engine::{Analysis, Finish};
use crate::error::UsageError;
use crate::filter::{Cidr, Glob};
use crate::format::{Request, RoleSet};

/// Which client: an address or network ("203.0.113.66", "10.99.0.0/24"), else a
/// user-agent glob ("python-requests/*").
#[derive(Debug, Clone)]
pub enum ClientMatch {
    Net(Cidr),
    UserAgent(Glob),
}

/// A status: exact (201), a class (4xx) or a range (400-499).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMatch {
    lo: u16,
    hi: u16,
}

impl StatusMatch {
    pub fn parse(text: &str) -> Result<StatusMatch, UsageError> {
        let t = text.trim().to_ascii_lowercase();
        let bad = || {
            UsageError(format!(
                "--status {text:?}: expected a status (201), a class (4xx) or a range (400-499)"
            ))
        };
        let num = |s: &str| s.trim().parse::<u16>().map_err(|_| bad());
        let (lo, hi) = if let Some(c) = t.strip_suffix("xx") {
            let c = num(c)?;
            (c * 100, c * 100 + 99)
        } else if let Some((a, b)) = t.split_once('-') {
            (num(a)?, num(b)?)
        } else {
            let n = num(&t)?;
            (n, n)
        };
        if lo > hi || hi > 999 {
            return Err(bad());
        }
        Ok(StatusMatch { lo, hi })
    }

    pub fn matches(&self, status: Option<u16>) -> bool {
        status.is_some_and(|s| s >= self.lo && s <= self.hi)
    }
}

/// The request filters of `hosp-logs audit`; empty lists match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub clients: Vec<ClientMatch>,
    pub endpoints: Vec<PathPattern>,
    /// Upper-case methods; "WRITE" and "READ" stand for the write and read methods.
    pub methods: Vec<String>,
    pub statuses: Vec<StatusMatch>,
}

impl AuditFilter {
    pub fn new(
        clients: &[String],
        endpoints: &[String],
        methods: &[String],
        statuses: &[String],
    ) -> Result<AuditFilter, UsageError> {
        Ok(AuditFilter {
            clients: clients
                .iter()
                .map(|c| match Cidr::parse(c) {
                    Ok(n) => ClientMatch::Net(n),
                    Err(_) => ClientMatch::UserAgent(Glob::new(c)),
                })
                .collect(),
            endpoints: endpoints.iter().map(|e| PathPattern::new(e)).collect(),
            methods: methods
                .iter()
                .map(|m| m.trim().to_ascii_uppercase())
                .collect(),
            statuses: statuses
                .iter()
                .map(|s| StatusMatch::parse(s))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether a request passes every filter (read in place: nothing is copied for the
    /// requests turned away).
    pub fn matches(&self, r: &Request<'_>) -> bool {
        let client = self.matches_client(r);
        let endpoint = self.endpoints.is_empty()
            || self.endpoints.iter().any(|p| {
                r.path.as_deref().is_some_and(|x| p.matches(x))
                    || r.endpoint.as_deref().is_some_and(|x| p.matches(x))
            });
        let method = self.methods.is_empty()
            || self.methods.iter().any(|m| {
                let rm = r.method.unwrap_or("-");
                match m.as_str() {
                    "WRITE" => is_write_method(Some(rm)),
                    "READ" => r.method.is_some() && !is_write_method(Some(rm)),
                    m => rm.eq_ignore_ascii_case(m),
                }
            });
        let status = self.statuses.is_empty() || self.statuses.iter().any(|s| s.matches(r.status));
        client && endpoint && method && status
    }

    /// Whether a request's client (address and user agent) passes `--client`.
    pub fn matches_client(&self, r: &Request<'_>) -> bool {
        self.clients.is_empty()
            || self.clients.iter().any(|c| match c {
                ClientMatch::Net(n) => r
                    .client_ip
                    .and_then(|ip| ip.parse().ok())
                    .is_some_and(|ip| n.contains(ip)),
                ClientMatch::UserAgent(g) => g.matches(r.user_agent.as_deref().unwrap_or("-")),
            })
    }
}

/// One thing a client did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub time: String,
    pub method: Option<String>,
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub status: Option<u16>,
    pub trace_id: Option<String>,
    pub write: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientTrail {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub requests: u64,
    /// Requests with a method that is not a write (GET, HEAD, OPTIONS, …).
    pub reads: u64,
    /// POST, PUT, PATCH, DELETE.
    pub writes: u64,
    /// Answered 4xx or 5xx, or with no status.
    pub failures: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Writes first, then the rest, each in time order. Absent with --summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Event>>,
    /// Events left out by --limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub events_omitted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub definitions: Vec<String>,
    /// Requests in the window (all traffic).
    pub total_requests: u64,
    /// Requests that passed the filters.
    pub requests: u64,
    pub summary: bool,
    /// Writers first (most writes first), then by requests.
    pub clients: Vec<ClientTrail>,
}

/// One client's trail so far: its counts, and its events (the earliest `limit` writes and
/// `limit` other requests are enough to show writes first; all of them without a limit).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Trail {
    requests: u64,
    writes: u64,
    /// Requests with a method.
    with_method: u64,
    failures: u64,
    first: Option<i64>,
    last: Option<i64>,
    writes_kept: Vec<Req>,
    others_kept: Vec<Req>,
    /// Kept per list (0: all).
    limit: usize,
}

impl Trail {
    fn add(&mut self, r: &Request<'_>, summary: bool) {
        self.requests += 1;
        let write = is_write_method(r.method);
        self.writes += u64::from(write);
        self.with_method += u64::from(r.method.is_some());
        self.failures += u64::from(r.status.is_none_or(|s| s >= 400));
        self.first = Some(self.first.map_or(r.time_us, |f| f.min(r.time_us)));
        self.last = Some(self.last.map_or(r.time_us, |l| l.max(r.time_us)));
        if !summary {
            let list = if write {
                &mut self.writes_kept
            } else {
                &mut self.others_kept
            };
            list.push(Req::of(r));
            trim(list, self.limit);
        }
    }
}

/// Keeps the earliest `limit` requests (all when 0), trimming only when the list doubled:
/// with `--limit` a client's events stay bounded whatever it sent.
fn trim(list: &mut Vec<Req>, limit: usize) {
    if limit > 0 && list.len() >= 2 * limit.max(64) {
        list.sort_by(|a, b| a.order(b));
        list.truncate(limit);
    }
}

impl Merge for Trail {
    fn merge(&mut self, mut o: Trail) {
        self.requests += o.requests;
        self.writes += o.writes;
        self.with_method += o.with_method;
        self.failures += o.failures;
        self.first = self.first.into_iter().chain(o.first).min();
        self.last = self.last.into_iter().chain(o.last).max();
        self.limit = self.limit.max(o.limit);
        self.writes_kept.append(&mut o.writes_kept);
        self.others_kept.append(&mut o.others_kept);
        trim(&mut self.writes_kept, self.limit);
        trim(&mut self.others_kept, self.limit);
    }
}

/// The audit trail as an analysis over every request (`[exclude]` not applied).
#[derive(Debug, Clone)]
pub struct Audit {
    pub filter: AuditFilter,
    pub summary: bool,
    /// Events per client (0: all).
    pub limit: usize,
}

/// Requests seen and matched, and a trail per client (address + user agent).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditPartial {
    total: u64,
    matched: u64,
    clients: Keyed<Trail>,
}

impl Analysis for Audit {
    type Partial = AuditPartial;
    type Report = AuditReport;

    fn name(&self) -> &'static str {
        "audit"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[crate::format::Role::Time, crate::format::Role::ClientIp])
    }

    fn optional(&self) -> RoleSet {
        super::security::roles()
    }

    fn excludes(&self) -> bool {
        false
    }

    fn partial(&self) -> AuditPartial {
        AuditPartial::default()
    }

    fn fold(&self, p: &mut AuditPartial, batch: &[Request<'_>]) {
        for r in batch {
            p.total += 1;
            if !self.filter.matches(r) {
                continue;
            }
            p.matched += 1;
            let t = p.clients.entry(&[r.client_ip, r.user_agent.as_deref()]);
            t.limit = self.limit;
            t.add(r, self.summary);
        }
    }

    fn merge(&self, into: &mut AuditPartial, from: AuditPartial) {
        into.total += from.total;
        into.matched += from.matched;
        into.clients.merge(from.clients);
    }

    fn finish(&self, p: AuditPartial, _end: &Finish) -> AuditReport {
        let by_time = |a: &Req, b: &Req| a.order(b);
        let mut clients: Vec<ClientTrail> = p
            .clients
            .into_rows()
            .map(|(mut key, mut t)| {
                let user_agent = key.pop().flatten();
                let client_ip = key.pop().flatten();
                let mut omitted = 0;
                let events = (!self.summary).then(|| {
                    t.writes_kept.sort_by(by_time);
                    t.others_kept.sort_by(by_time);
                    let mut ordered = std::mem::take(&mut t.writes_kept);
                    ordered.append(&mut t.others_kept);
                    if self.limit > 0 && t.requests as usize > self.limit {
                        omitted = t.requests - self.limit as u64;
                        ordered.truncate(self.limit);
                    }
                    ordered
                        .into_iter()
                        .map(|r| Event {
                            time: format_time(r.time_us),
                            write: r.is_write(),
                            method: r.method,
                            url: r.url,
                            endpoint: r.endpoint,
                            status: r.status,
                            trace_id: r.trace_id,
                        })
                        .collect()
                });
                ClientTrail {
                    client_ip,
                    user_agent,
                    requests: t.requests,
                    reads: t.with_method - t.writes,
                    writes: t.writes,
                    failures: t.failures,
                    first_seen: format_time(t.first.unwrap_or(0)),
                    last_seen: format_time(t.last.unwrap_or(0)),
                    events,
                    events_omitted: omitted,
                }
            })
            .collect();
        clients.sort_by(|a, b| {
            b.writes
                .cmp(&a.writes)
                .then_with(|| b.requests.cmp(&a.requests))
                .then_with(|| a.client_ip.cmp(&b.client_ip))
                .then_with(|| a.user_agent.cmp(&b.user_agent))
        });
        AuditReport {
            definitions: vec![
                "client: client address + user agent; all traffic, [exclude] is not applied".into(),
                "write: POST, PUT, PATCH, DELETE; read: any other method; failure: status >= 400 or none".into(),
                "events: writes first, then the rest, each in time order; clients with writes first".into(),
            ],
            total_requests: p.total,
            requests: p.matched,
            summary: self.summary,
            clients,
        }
    }
}

/// What the store keeps of the audit trail, per object and minute ([`AuditKept`]): every
/// client's counts (the trail with `--summary` and no filter) and the write requests' rows,
/// not the others' (a day's reads are most of its requests). Kept in the compact form of
/// [`wire`]: its strings once, its rows column by column.
#[derive(Debug, Clone, Default)]
pub struct AuditKeptPartial {
    pub trails: AuditPartial,
    pub writes: Vec<Req>,
}

/// Every client's trail in the compact form, one field of every trail after another, the
/// trails in the order of their keys: a key's parts as string indices (0: none),
/// times as differences (the first request from the trail before's, the last from its own
/// first), the counts that are mostly equal as differences, the kept rows the next ones of
/// the row table.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct TrailColumns {
    key_len: Vec<u32>,
    /// Each part's string index + 1 (0: none), as the difference from the part at its
    /// place in the key before.
    key: Vec<i64>,
    requests: Vec<u64>,
    writes: Vec<u64>,
    /// requests − with_method
    without_method: Vec<u64>,
    failures: Vec<u64>,
    first: Vec<Option<i64>>,
    /// last − first (last alone when there is no first)
    last: Vec<Option<i64>>,
    writes_kept: Vec<usize>,
    others_kept: Vec<usize>,
    limit: Vec<usize>,
}

impl TrailColumns {
    fn of(trails: Keyed<Trail>, t: &mut wire::Tables) -> TrailColumns {
        let mut rows: Vec<(Vec<Option<String>>, Trail)> = trails.into_rows().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut parts: Vec<i64> = Vec::new();
        let mut c = TrailColumns::default();
        let mut before = 0i64;
        for (key, trail) in rows {
            for r in trail.writes_kept.iter().chain(&trail.others_kept) {
                t.push_row(r);
            }
            c.key_len.push(key.len() as u32);
            parts.resize(parts.len().max(key.len()), 0);
            for (j, k) in key.iter().enumerate() {
                let i = i64::from(t.opt(k.as_deref()));
                c.key.push(i - parts[j]);
                parts[j] = i;
            }
            c.requests.push(trail.requests);
            c.writes.push(trail.writes);
            c.without_method
                .push(trail.requests.wrapping_sub(trail.with_method));
            c.failures.push(trail.failures);
            c.first.push(trail.first.map(|f| {
                let d = f.wrapping_sub(before);
                before = f;
                d
            }));
            c.last
                .push(trail.last.map(|l| l.wrapping_sub(trail.first.unwrap_or(0))));
            c.writes_kept.push(trail.writes_kept.len());
            c.others_kept.push(trail.others_kept.len());
            c.limit.push(trail.limit);
        }
        c
    }

    /// The trails, their keys looked up in `strings`, their kept rows taken from `rows`.
    fn trails(
        self,
        strings: &[Box<str>],
        mut rows: impl FnMut(usize) -> Result<Vec<Req>, String>,
    ) -> Result<Keyed<Trail>, String> {
        let n = self.requests.len();
        let lens = [
            self.key_len.len(),
            self.writes.len(),
            self.without_method.len(),
            self.failures.len(),
            self.first.len(),
            self.last.len(),
            self.writes_kept.len(),
            self.others_kept.len(),
            self.limit.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(format!("trail columns of unequal lengths ({n}, {lens:?})"));
        }
        let mut out: Keyed<Trail> = Keyed::default();
        let mut keys = self.key.iter();
        let mut parts: Vec<i64> = Vec::new();
        let mut before = 0i64;
        for i in 0..n {
            let key = (0..self.key_len[i] as usize)
                .map(|j| {
                    let d = keys.next().ok_or("trail keys cut short")?;
                    if parts.len() <= j {
                        parts.resize(j + 1, 0);
                    }
                    parts[j] = parts[j].wrapping_add(*d);
                    match parts[j] {
                        0 => Ok(None),
                        s => u32::try_from(s - 1)
                            .map_err(|_| format!("string {s}"))
                            .and_then(|s| wire::string(strings, s))
                            .map(Some),
                    }
                })
                .collect::<Result<Vec<Option<&str>>, String>>()?;
            let first = self.first[i].map(|d| {
                before = before.wrapping_add(d);
                before
            });
            *out.entry(&key) = Trail {
                requests: self.requests[i],
                writes: self.writes[i],
                with_method: self.requests[i].wrapping_sub(self.without_method[i]),
                failures: self.failures[i],
                first,
                last: self.last[i].map(|d| d.wrapping_add(first.unwrap_or(0))),
                writes_kept: rows(self.writes_kept[i])?,
                others_kept: rows(self.others_kept[i])?,
                limit: self.limit[i],
            };
        }
        Ok(out)
    }
}

/// The compact form: (marker, strings, rows (the writes, then each trail's kept rows), total,
/// matched, number of writes, trails).
impl serde::Serialize for AuditKeptPartial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = wire::Tables::default();
        for r in &self.writes {
            t.push_row(r);
        }
        let trails = TrailColumns::of(self.trails.clients.clone(), &mut t);
        let columns = t.columns();
        (
            wire::COMPACT,
            t.into_strings(),
            columns,
            self.trails.total,
            self.trails.matched,
            self.writes.len(),
            trails,
        )
            .serialize(s)
    }
}

/// The compact form, or (trails, writes) as a store collected before it wrote them.
impl<'de> serde::Deserialize<'de> for AuditKeptPartial {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, SeqAccess};
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AuditKeptPartial;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an audit partial")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<AuditKeptPartial, A::Error> {
                fn next<'de, T: serde::Deserialize<'de>, A: SeqAccess<'de>>(
                    a: &mut A,
                ) -> Result<T, A::Error> {
                    a.next_element()?
                        .ok_or_else(|| A::Error::custom("a truncated audit partial"))
                }
                if let wire::Head::Old(trails) = next::<wire::Head<AuditPartial>, A>(&mut a)? {
                    let writes = next(&mut a)?;
                    return Ok(AuditKeptPartial { trails, writes });
                }
                let strings: Vec<Box<str>> = next(&mut a)?;
                let columns: wire::Columns = next(&mut a)?;
                let (total, matched, writes): (u64, u64, usize) =
                    (next(&mut a)?, next(&mut a)?, next(&mut a)?);
                let trails: TrailColumns = next(&mut a)?;
                let mut rows = columns
                    .rows(&strings)
                    .map_err(A::Error::custom)?
                    .into_iter();
                let mut take = |n: usize| -> Result<Vec<Req>, String> {
                    let out: Vec<Req> = rows.by_ref().take(n).collect();
                    match out.len() == n {
                        true => Ok(out),
                        false => Err("an audit partial short of rows".into()),
                    }
                };
                let writes = take(writes).map_err(A::Error::custom)?;
                let clients = trails.trails(&strings, take).map_err(A::Error::custom)?;
                Ok(AuditKeptPartial {
                    trails: AuditPartial {
                        total,
                        matched,
                        clients,
                    },
                    writes,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// The audit trail answered from what the store keeps ([`AuditKeptPartial`]): `audit`'s
/// report for its settings, a raw read's exactly, for the settings those hold
/// ([`AuditKept::refused`] says which do not). The store folds it with the default
/// settings: what it keeps does not depend on them.
#[derive(Debug, Clone, Default)]
pub struct AuditKept {
    pub audit: Audit,
}

impl Default for Audit {
    fn default() -> Audit {
        Audit {
            filter: AuditFilter::default(),
            summary: true,
            limit: 0,
        }
    }
}

impl AuditKept {
    /// The trail of every request with its counts only: what the store keeps per client.
    fn counts() -> Audit {
        Audit::default()
    }

    /// Whether `--method` names write methods only (every request it matches is a write, and
    /// the store keeps every write's row).
    fn writes_only(&self) -> bool {
        let m = &self.audit.filter.methods;
        !m.is_empty() && m.iter().all(|m| m == "WRITE" || is_write_method(Some(m)))
    }

    /// Why the store cannot answer these settings: it keeps every client's counts (a
    /// `--summary` filtered by `--client` only) and the write requests' rows (any filter and
    /// the events, with `--method` naming writes only), not the reads' rows.
    pub fn refused(&self) -> Option<String> {
        let f = &self.audit.filter;
        if self.writes_only()
            || (self.audit.summary
                && f.endpoints.is_empty()
                && f.methods.is_empty()
                && f.statuses.is_empty())
        {
            return None;
        }
        Some("the store keeps every client's counts and the rows of the write requests, not the reads': the events of reads and --endpoint, --status or --method other than writes need the logs; add --method write, or --summary with --client only, or --no-store".into())
    }

    /// `audit`'s partial for these settings, from what the store keeps (settings
    /// [`AuditKept::refused`] turns away give the counts of every client).
    fn answer(&self, kept: AuditKeptPartial) -> AuditPartial {
        let audit = &self.audit;
        if self.writes_only() {
            let batch: Vec<Request<'_>> = kept.writes.iter().map(Req::request).collect();
            let mut p = audit.partial();
            audit.fold(&mut p, &batch);
            p.total = kept.trails.total;
            return p;
        }
        let mut p = AuditPartial {
            total: kept.trails.total,
            matched: 0,
            clients: Keyed::default(),
        };
        for (key, t) in kept.trails.clients.into_rows() {
            let (ip, ua) = (
                key.first().cloned().flatten(),
                key.get(1).cloned().flatten(),
            );
            // a client is its address and user agent: what --client matches
            let probe = Request {
                client_ip: ip.as_deref(),
                user_agent: ua.as_deref().map(Into::into),
                ..Request::default()
            };
            if audit.filter.matches_client(&probe) {
                p.matched += t.requests;
                p.clients.add(&[ip.as_deref(), ua.as_deref()], t);
            }
        }
        p
    }
}

impl Analysis for AuditKept {
    type Partial = AuditKeptPartial;
    type Report = AuditReport;

    fn name(&self) -> &'static str {
        "audit"
    }

    fn required(&self) -> RoleSet {
        Self::counts().required()
    }

    fn optional(&self) -> RoleSet {
        Self::counts().optional()
    }

    fn excludes(&self) -> bool {
        false
    }

    fn partial(&self) -> AuditKeptPartial {
        AuditKeptPartial::default()
    }

    fn fold(&self, p: &mut AuditKeptPartial, batch: &[Request<'_>]) {
        Self::counts().fold(&mut p.trails, batch);
        p.writes.extend(
            batch
                .iter()
                .filter(|r| is_write_method(r.method))
                .map(Req::of),
        );
    }

    fn merge(&self, into: &mut AuditKeptPartial, mut from: AuditKeptPartial) {
        Self::counts().merge(&mut into.trails, from.trails);
        into.writes.append(&mut from.writes);
    }

    fn finish(&self, p: AuditKeptPartial, end: &Finish) -> AuditReport {
        self.audit.finish(self.answer(p), end)
    }
}

/// Builds the trail over requests already in memory (tests).
#[cfg(test)]
fn compute(reqs: &[Req], filter: &AuditFilter, summary: bool, limit: usize) -> AuditReport {
    let a = Audit {
        filter: filter.clone(),
        summary,
        limit,
    };
    let mut p = a.partial();
    let batch: Vec<Request> = reqs.iter().map(Req::request).collect();
    a.fold(&mut p, &batch);
    a.finish(p, &Finish::default())
}

#[cfg(test)]
mod tests {
    use super::super::security::test_util::*;
    use super::*;

    fn day() -> Vec<Req> {
        vec![
            req(0, "192.0.2.14", BROWSER, "GET", "/notes?patient_id=1", 200),
            req(
                5,
                "203.0.113.66",
                "python-requests/2.31.0",
                "GET",
                "/notes?patient_id=3",
                200,
            ),
            req(
                6,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                201,
            ),
            req(
                7,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                500,
            ),
            req(8, "192.0.2.14", BROWSER, "PATCH", "/hospitals/4", 204),
            req(9, "192.0.2.14", "curl/8", "GET", "/health", 200),
        ]
    }

    #[test]
    fn writers_first_and_writes_first() {
        let r = compute(&day(), &AuditFilter::default(), false, 0);
        assert_eq!(r.requests, 6);
        let c: Vec<(Option<&str>, u64, u64, u64)> = r
            .clients
            .iter()
            .map(|c| (c.client_ip.as_deref(), c.writes, c.reads, c.failures))
            .collect();
        assert_eq!(
            c,
            vec![
                (Some("203.0.113.66"), 2, 1, 1),
                (Some("192.0.2.14"), 1, 1, 0),
                (Some("192.0.2.14"), 0, 1, 0),
            ]
        );
        let ev = r.clients[0].events.as_ref().unwrap();
        let m: Vec<&str> = ev.iter().map(|e| e.method.as_deref().unwrap()).collect();
        assert_eq!(m, vec!["POST", "POST", "GET"]);
        assert!(ev[0].time < ev[1].time);
    }

    #[test]
    fn filters_and_summary() {
        let f = AuditFilter::new(
            &["203.0.113.0/24".into()],
            &[],
            &["post".into()],
            &["2xx".into()],
        )
        .unwrap();
        let r = compute(&day(), &f, true, 0);
        assert_eq!(r.requests, 1);
        assert_eq!(r.clients.len(), 1);
        assert!(r.clients[0].events.is_none());
        let f = AuditFilter::new(&["curl/*".into()], &["/health".into()], &[], &[]).unwrap();
        assert_eq!(compute(&day(), &f, false, 0).requests, 1);
        let f = AuditFilter::new(
            &[],
            &["/notes".into()],
            &["write".into()],
            &["400-599".into()],
        )
        .unwrap();
        assert_eq!(compute(&day(), &f, false, 0).requests, 1);
        let r = compute(&day(), &AuditFilter::default(), false, 1);
        assert_eq!(r.clients[0].events.as_ref().unwrap().len(), 1);
        assert_eq!(r.clients[0].events_omitted, 2);
        assert!(StatusMatch::parse("abc").is_err());
        assert!(StatusMatch::parse("500-400").is_err());
    }

    /// The trail from what the store keeps ([`AuditKept`], folded in two halves and merged,
    /// as two objects) equals the trail over the requests, for every setting it answers;
    /// the others are refused.
    #[test]
    fn the_stores_partial_answers_summaries_and_writes_as_the_requests_do() {
        let mut reqs = day();
        // a lower-case write, a request with no method and one with no address
        reqs.push(req(10, "192.0.2.14", BROWSER, "post", "/notes", 201));
        let mut none = req(11, "198.51.100.7", "curl/8", "GET", "/x", 404);
        none.method = None;
        reqs.push(none);
        let mut anon = req(12, "192.0.2.14", BROWSER, "DELETE", "/notes/4", 403);
        anon.client_ip = None;
        reqs.push(anon);
        let kept = |audit: Audit| {
            let k = AuditKept { audit };
            let (a, b) = reqs.split_at(5);
            let mut p = k.partial();
            for half in [a, b] {
                let batch: Vec<Request<'_>> = half.iter().map(Req::request).collect();
                let mut q = k.partial();
                k.fold(&mut q, &batch);
                k.merge(&mut p, q);
            }
            (k.refused(), k.finish(p, &Finish::default()))
        };
        let f = |clients: &[&str], endpoints: &[&str], methods: &[&str], statuses: &[&str]| {
            let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
            AuditFilter::new(&s(clients), &s(endpoints), &s(methods), &s(statuses)).unwrap()
        };
        let answered = [
            (f(&[], &[], &[], &[]), true, 0),
            (f(&["192.0.2.0/24", "curl/*"], &[], &[], &[]), true, 0),
            (f(&[], &[], &["write"], &[]), false, 0),
            (
                f(&[], &["/notes"], &["POST", "delete"], &["4xx", "201"]),
                false,
                1,
            ),
            (f(&["203.0.113.66"], &[], &["write"], &[]), true, 0),
        ];
        for (filter, summary, limit) in answered {
            let audit = Audit {
                filter: filter.clone(),
                summary,
                limit,
            };
            let (refused, report) = kept(audit);
            assert_eq!(refused, None, "{filter:?}");
            let want = compute(&reqs, &filter, summary, limit);
            assert!(want.requests > 0, "{filter:?}");
            assert_eq!(report.clients, want.clients, "{filter:?} {summary}");
            assert_eq!(
                (report.total_requests, report.requests),
                (want.total_requests, want.requests)
            );
        }
        for (filter, summary) in [
            (f(&[], &[], &[], &[]), false),
            (f(&[], &["/notes"], &[], &[]), true),
            (f(&[], &[], &["GET"], &[]), true),
            (f(&[], &[], &["write", "read"], &[]), true),
            (f(&[], &[], &[], &["5xx"]), true),
        ] {
            let (refused, _) = kept(Audit {
                filter: filter.clone(),
                summary,
                limit: 0,
            });
            assert!(
                refused.is_some_and(|r| r.contains("--no-store")),
                "{filter:?}"
            );
        }
    }

    /// The store's compact form reads back the partial it wrote (rows with every kind of
    /// field, clients that repeat their addresses, user agents and URLs), and the trails from
    /// it are a raw read's; a partial written as the store did before reads back as well.
    #[test]
    fn kept_partials_read_back_as_written_and_answer_as_a_raw_read() {
        use super::super::security::wire::tests::{per_minute, requests};
        use std::collections::BTreeMap;
        let reqs = requests();
        let k = AuditKept::default();
        let minutes = per_minute(&k, &reqs);
        let bytes = rmp_serde::to_vec(&minutes).unwrap();
        let back: BTreeMap<i64, AuditKeptPartial> = rmp_serde::from_slice(&bytes).unwrap();
        let old: BTreeMap<i64, (&AuditPartial, &Vec<Req>)> = minutes
            .iter()
            .map(|(m, p)| (*m, (&p.trails, &p.writes)))
            .collect();
        let old = rmp_serde::to_vec(&old).unwrap();
        assert!(bytes.len() * 2 < old.len(), "{} {}", bytes.len(), old.len());
        let from_old: BTreeMap<i64, AuditKeptPartial> = rmp_serde::from_slice(&old).unwrap();
        let sorted = |p: &AuditKeptPartial| {
            let c: BTreeMap<String, String> = p
                .trails
                .clients
                .clone()
                .into_rows()
                .map(|(k, t)| (format!("{k:?}"), format!("{t:?}")))
                .collect();
            format!(
                "{} {} {c:?} {:?}",
                p.trails.total, p.trails.matched, p.writes
            )
        };
        for (m, p) in &minutes {
            assert!(p.writes.len() > 10 && p.trails.clients.len() > 8, "{m}");
            assert_eq!(sorted(&back[m]), sorted(p), "minute {m}");
            assert_eq!(sorted(&from_old[m]), sorted(p), "minute {m}");
        }
        // kept rows of a trail (the store keeps none: a partial of another setting) too
        let limited = Audit {
            filter: AuditFilter::default(),
            summary: false,
            limit: 2,
        };
        let mut p = AuditKeptPartial::default();
        let batch: Vec<Request<'_>> = reqs.iter().map(Req::request).collect();
        limited.fold(&mut p.trails, &batch);
        let back: AuditKeptPartial =
            rmp_serde::from_slice(&rmp_serde::to_vec(&p).unwrap()).unwrap();
        assert_eq!(sorted(&back), sorted(&p));
        for (filter, summary) in [
            (
                AuditFilter::new(&[], &[], &["write".into()], &[]).unwrap(),
                false,
            ),
            (AuditFilter::default(), true),
        ] {
            let audit = Audit {
                filter: filter.clone(),
                summary,
                limit: 0,
            };
            let k = AuditKept { audit };
            let mut merged = k.partial();
            for (_, p) in rmp_serde::from_slice::<BTreeMap<i64, AuditKeptPartial>>(&bytes).unwrap()
            {
                k.merge(&mut merged, p);
            }
            let got = k.finish(merged, &Finish::default());
            let want = compute(&reqs, &filter, summary, 0);
            assert_eq!(got.clients, want.clients, "{filter:?}");
            assert_eq!(
                (got.total_requests, got.requests),
                (want.total_requests, want.requests)
            );
        }
    }
}

#[cfg(test)]
mod measure {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Write;

    fn z(b: &[u8]) -> usize {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        z.write_all(b).unwrap();
        z.finish().unwrap().len()
    }

    /// Bytes of the audit packs of a store by part (each part deflated alone by hour):
    /// `HOSP_LOGS_MEASURE=path/store.sqlite cargo test --lib metrics::audit::measure --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn audit_bytes() {
        let Some(db) = std::env::var_os("HOSP_LOGS_MEASURE") else {
            return;
        };
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT hour, data FROM packs WHERE family = 'audit'")
            .unwrap();
        let rows: Vec<(i64, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut sums: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let (mut nwrites, mut nclients) = (0, 0);
        for (_, blob) in rows {
            let mut parts: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
            for m in crate::store::pack::decode(&blob, 1 << 32).unwrap() {
                let per: BTreeMap<i64, AuditKeptPartial> = rmp_serde::from_slice(&m.raw).unwrap();
                parts.entry("all").or_default().extend(&m.raw);
                for p in per.values() {
                    nwrites += p.writes.len();
                    nclients += p.trails.clients.len();
                    let mut t = wire::Tables::default();
                    p.writes.iter().for_each(|r| t.push_row(r));
                    let c = t.columns();
                    let c = serde_json::to_value(&c).unwrap();
                    for (k, v) in c.as_object().unwrap() {
                        let key: &'static str = Box::leak(k.clone().into_boxed_str());
                        let v: Vec<i64> = serde_json::from_value(v.clone()).unwrap();
                        parts
                            .entry(key)
                            .or_default()
                            .extend(rmp_serde::to_vec(&v).unwrap());
                    }
                    let s = t.into_strings();
                    parts
                        .entry("strings")
                        .or_default()
                        .extend(rmp_serde::to_vec(&s).unwrap());
                    let mut t = wire::Tables::default();
                    let c = TrailColumns::of(p.trails.clients.clone(), &mut t);
                    let c = serde_json::to_value(&c).unwrap();
                    for (k, v) in c.as_object().unwrap() {
                        let key: &'static str = Box::leak(format!("t.{k}").into_boxed_str());
                        parts
                            .entry(key)
                            .or_default()
                            .extend(rmp_serde::to_vec(&v).unwrap());
                    }
                    parts
                        .entry("t.strings")
                        .or_default()
                        .extend(rmp_serde::to_vec(&t.into_strings()).unwrap());
                }
            }
            for (k, v) in parts {
                let e = sums.entry(k).or_default();
                e.0 += v.len();
                e.1 += z(&v);
            }
        }
        println!("writes {nwrites} client-minutes {nclients}");
        for (k, (raw, zz)) in sums {
            println!("{k:16} raw {raw:9} deflated {zz:8}");
        }
    }
}
