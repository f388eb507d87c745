//! `hosp-logs hops`: the user's request hop by hop, from the edge (CloudFront) through the load
//! balancer (ALB) to the proxy (nginx).
//!
//! Each hop's log is read once, by [`Hop`] (an [`Analysis`]): the SLO's verdict per request
//! ([`SloConfig::verdict`]: the `slo` definitions of valid and good, per format), the 5XX, the
//! latency histogram, counts per minute, and the ids that join the logs, kept compact: a
//! 64-bit hash of the id, the time, the status and a few flags ([`IdRow`], 24 bytes), never
//! the line. [`build`] then joins the hops exactly on those ids and attributes the edge's
//! valid requests:
//! - edge ↔ proxy: CloudFront's `x-edge-request-id` = nginx's `$http_x_amz_cf_id`;
//! - load balancer ↔ proxy: the `Root=` of the ALB's `trace_id` = the `Root=` of nginx's
//!   `$http_x_amzn_trace_id`.
//!
//! A proxy line matches at most one edge line: the first by time among the edge lines with
//! its id. An edge line may be matched by several proxy lines (the edge sent it twice); the
//! last of them by time is the answer it got, and any of them retried counts.
//!
//! An API gateway hop (apigw) stands behind the edge as a second branch beside the load
//! balancer's ([`BranchReport`]). The edge's lines of the branch are those of a route (method
//! and template) the gateway served that the edge finished in or after the second the
//! gateway's log first has that route (an edge line is stamped when the edge finished, after
//! the gateway received the request; to the second); the gateway hop is
//! read first so that the edge's read knows its routes ([`BranchRoutes`]). Edge ↔ gateway
//! join on CloudFront's `x-edge-request-id` = the gateway's `authorizer.cfId` where its lines
//! carry one; otherwise the branch is compared per minute.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hasher;
use std::sync::Arc;

use serde::Serialize;

use super::buckets::Merge;
use super::common::rate;
use super::histogram::Histogram;
use super::slo::{Counts, SloConfig, Verdict};
use crate::engine::{Analysis, Finish, InputStats};
use crate::format::{FormatId, HopPosition, Request, Role, RoleSet};
use crate::window::{format_duration, format_us, WindowInfo};

const MIN: i64 = 60_000_000;
const SEC: i64 = 1_000_000;

/// One line's id, compact: what the join keeps per line instead of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdRow {
    /// A 64-bit hash of the id (SipHash, fixed keys): two distinct ids among 5 M lines
    /// each side collide with a probability under 10⁻⁶.
    pub key: u64,
    pub time_us: i64,
    /// The status this hop answered; 0 for none (`000`).
    pub status: u16,
    pub flags: u8,
}

/// [`IdRow::flags`]
pub const VALID: u8 = 1;
pub const GOOD: u8 = 2;
/// The edge answered from its cache (`x-edge-result-type` Hit).
pub const HIT: u8 = 4;
/// At least one upstream attempt failed (status ≥ 500 or no answer).
pub const FAILED_ATTEMPT: u8 = 8;
/// An edge line of the gateway's branch (its route served by the gateway hop).
pub const GATEWAY_BOUND: u8 = 16;

/// The hash the join compares: the same text gives the same key in every run.
pub fn id_key(id: &str) -> u64 {
    // SipHash-2-4 with fixed keys: std's only keyed hasher (deprecated for HashMaps, whose
    // keys should be random; here the keys must be fixed)
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new_with_keys(0x6873_6f70_2d6c_6f67, 0x686f_7073_6a6f_696e);
    h.write(id.as_bytes());
    h.finish()
}

/// The `Root=` value of an `X-Amzn-Trace-Id` (`Self=…;Root=1-…;Sampled=1`): what the ALB and
/// the hops behind it share.
pub fn trace_root(trace: &str) -> Option<&str> {
    trace
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
        .filter(|r| !r.is_empty())
}

/// One hop's log as an analysis.
#[derive(Debug, Clone)]
pub struct Hop {
    pub slo: SloConfig,
    pub format: FormatId,
    /// For the edge, when a gateway hop stands behind it: the gateway's routes.
    pub branch: Option<Arc<BranchRoutes>>,
}

/// The routes a gateway hop served: method → route template → when its log first has it
/// (µs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BranchRoutes(pub HashMap<String, HashMap<String, i64>>);

impl BranchRoutes {
    /// When the gateway first served this route, if it did.
    pub fn since(&self, method: &str, endpoint: &str) -> Option<i64> {
        self.0.get(method)?.get(endpoint).copied()
    }

    fn add(&mut self, method: &str, endpoint: &str, t: i64) {
        match self.0.get_mut(method).and_then(|m| m.get_mut(endpoint)) {
            Some(first) => *first = (*first).min(t),
            None => {
                self.0
                    .entry(method.to_string())
                    .or_default()
                    .insert(endpoint.to_string(), t);
            }
        }
    }

    fn merge(&mut self, from: BranchRoutes) {
        for (m, routes) in from.0 {
            for (e, t) in routes {
                self.add(&m, &e, t);
            }
        }
    }

    /// `GET /hospitals/{id}` and its first time, sorted by route.
    pub fn list(&self) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = self
            .0
            .iter()
            .flat_map(|(m, routes)| routes.iter().map(move |(e, t)| (format!("{m} {e}"), *t)))
            .collect();
        out.sort();
        out
    }
}

/// The edge's lines of the gateway's branch, or the gateway's own lines (excluded traffic
/// left out of all but `lines`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BranchCounts {
    /// Every line, excluded traffic included.
    pub lines: u64,
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
    pub errors_5xx: u64,
    /// Requests the hop answered itself (the edge: hits and its own errors).
    pub answered_itself: u64,
}

impl BranchCounts {
    fn add(&mut self, o: &BranchCounts) {
        self.lines += o.lines;
        self.requests += o.requests;
        self.valid += o.valid;
        self.good += o.good;
        self.errors_5xx += o.errors_5xx;
        self.answered_itself += o.answered_itself;
    }
}

/// What one hop's log holds, as the join needs it.
#[derive(Debug, Clone, Default)]
pub struct HopPartial {
    /// The SLO's counts over the window.
    pub counts: Counts,
    /// Status 500–599, excluded traffic left out.
    pub errors_5xx: u64,
    pub latency: Histogram,
    /// Counts per minute (start µs).
    pub minutes: HashMap<i64, Counts>,
    /// Every line with an edge id (CloudFront's, or X-Amz-Cf-Id behind it).
    pub edge_ids: Vec<IdRow>,
    /// Every line with a trace id's `Root=`.
    pub trace_roots: Vec<IdRow>,
    /// Valid requests this hop answered itself (no upstream response) with a 5XX, or a 4XX.
    pub generated_5xx: u64,
    pub generated_4xx: u64,
    /// Requests (excluded left out) this hop answered itself (the `generated` role: a cache
    /// hit, the edge's or the ALB's own error), and the upstream attempts (a proxy's).
    pub answered_itself: u64,
    pub attempts: u64,
    /// The first and last line's time (µs), for the window's bounds over every hop.
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
    /// A gateway hop: the routes it served, each with its first time.
    pub routes: BranchRoutes,
    /// The edge: its lines of the gateway's branch; a gateway: all its lines.
    pub branch: BranchCounts,
    /// The same per minute (start µs; the edge's by when it received the request): requests,
    /// 5XX and those not answered by the hop itself, excluded traffic left out.
    pub branch_minutes: HashMap<i64, [u64; 3]>,
}

impl Analysis for Hop {
    type Partial = HopPartial;
    type Report = HopPartial;

    fn name(&self) -> &'static str {
        "hops"
    }

    fn required(&self) -> RoleSet {
        self.slo.roles()
    }

    fn optional(&self) -> RoleSet {
        let roles = RoleSet::of(&[
            Role::LatencyMs,
            Role::EdgeId,
            Role::TraceId,
            Role::EdgeResult,
            Role::Generated,
            Role::Attempts,
        ]);
        if self.branch.is_some() || self.format.hop() == HopPosition::Gateway {
            roles.with(Role::Method).with(Role::Endpoint)
        } else {
            roles
        }
    }

    fn partial(&self) -> HopPartial {
        HopPartial::default()
    }

    fn fold(&self, p: &mut HopPartial, batch: &[Request<'_>]) {
        for r in batch {
            p.first_us = Some(p.first_us.map_or(r.time_us, |t| t.min(r.time_us)));
            p.last_us = Some(p.last_us.map_or(r.time_us, |t| t.max(r.time_us)));
            let v = self.slo.verdict(r);
            p.counts.count(v);
            p.minutes
                .entry(r.time_us.div_euclid(MIN) * MIN)
                .or_default()
                .count(v);
            if !r.excluded {
                p.answered_itself += u64::from(r.generated);
                p.attempts += r.attempts.map_or(0, |a| a.len() as u64);
                p.latency.add(r.latency_ms);
                if r.status.is_some_and(|s| (500..600).contains(&s)) {
                    p.errors_5xx += 1;
                }
            }
            let mut flags = 0;
            if v.valid() {
                flags |= VALID;
                if r.generated && self.format.hop() == HopPosition::LoadBalancer {
                    match r.status {
                        Some(500..=599) => p.generated_5xx += 1,
                        Some(400..=499) => p.generated_4xx += 1,
                        _ => {}
                    }
                }
            }
            if v == Verdict::Good {
                flags |= GOOD;
            }
            if r.edge_result == Some("Hit") {
                flags |= HIT;
            }
            if r.attempts.is_some_and(|a| a.iter().any(|at| at.failed())) {
                flags |= FAILED_ATTEMPT;
            }
            if self.fold_branch(p, r, v) {
                flags |= GATEWAY_BOUND;
            }
            let row = |id: &str| IdRow {
                key: id_key(id),
                time_us: r.time_us,
                status: r.status.unwrap_or(0),
                flags,
            };
            if let Some(id) = r.edge_id {
                p.edge_ids.push(row(id));
            }
            if let Some(root) = r.trace_id.and_then(trace_root) {
                p.trace_roots.push(row(root));
            }
        }
    }

    fn merge(&self, into: &mut HopPartial, from: HopPartial) {
        into.routes.merge(from.routes);
        into.branch.add(&from.branch);
        for (m, n) in from.branch_minutes {
            let c = into.branch_minutes.entry(m).or_default();
            for (c, n) in c.iter_mut().zip(n) {
                *c += n;
            }
        }
        into.counts.add(&from.counts);
        into.errors_5xx += from.errors_5xx;
        into.latency.merge(from.latency);
        for (m, c) in from.minutes {
            into.minutes.entry(m).or_default().add(&c);
        }
        into.edge_ids.extend(from.edge_ids);
        into.trace_roots.extend(from.trace_roots);
        into.generated_5xx += from.generated_5xx;
        into.generated_4xx += from.generated_4xx;
        into.answered_itself += from.answered_itself;
        into.attempts += from.attempts;
        into.first_us = into.first_us.into_iter().chain(from.first_us).min();
        into.last_us = into.last_us.into_iter().chain(from.last_us).max();
    }

    fn finish(&self, part: HopPartial, _end: &Finish) -> HopPartial {
        part
    }
}

impl Hop {
    /// A gateway's line: its route and its counts. An edge line with the gateway's routes
    /// known: whether it is of the gateway's branch (then counted). Returns whether the line
    /// is the edge's and of the branch.
    fn fold_branch(&self, p: &mut HopPartial, r: &Request<'_>, v: Verdict) -> bool {
        let (t, bound) = match (&self.branch, self.format.hop()) {
            (_, HopPosition::Gateway) => {
                if let (Some(m), Some(e)) = (r.method, r.endpoint.as_deref()) {
                    p.routes.add(m, e, r.time_us);
                }
                (r.time_us, false)
            }
            (Some(routes), HopPosition::Edge) => {
                // its line is stamped when the edge finished (to the second), after the
                // gateway received it: the route's first gateway line is the branch's from
                // the second it came in. Counted per minute by when the edge received it.
                let taken = r.latency_ms.map_or(0, |ms| (ms * 1000.0).round() as i64);
                let arrival = r.time_us - taken;
                let bound = match (r.method, r.endpoint.as_deref()) {
                    (Some(m), Some(e)) => routes
                        .since(m, e)
                        .is_some_and(|s| r.time_us >= s.div_euclid(SEC) * SEC),
                    _ => false,
                };
                if !bound {
                    return false;
                }
                (arrival, true)
            }
            _ => return false,
        };
        let b = &mut p.branch;
        b.lines += 1;
        if !r.excluded {
            let is_5xx = r.status.is_some_and(|s| (500..600).contains(&s));
            b.requests += 1;
            b.valid += u64::from(v.valid());
            b.good += u64::from(v == Verdict::Good);
            b.errors_5xx += u64::from(is_5xx);
            b.answered_itself += u64::from(r.generated);
            let c = p.branch_minutes.entry(t.div_euclid(MIN) * MIN).or_default();
            c[0] += 1;
            c[1] += u64::from(is_5xx);
            c[2] += u64::from(!r.generated);
        }
        bound
    }
}

/// What joined, counted over every line of both hops (every status, `000` and excluded
/// traffic included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JoinCounts {
    /// Lines of the inner hop matched to a line of the outer hop.
    pub joined: u64,
    /// Lines of the outer hop no line of the inner one matched (no id, or its id not there).
    pub outer_unmatched: u64,
    /// Lines of the inner hop that matched none (no id, or its id not there).
    pub inner_unmatched: u64,
}

/// The answer the inner hop gave an outer line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    /// The status of the last matching inner line by time (0: none).
    pub status: u16,
    /// Any matching inner line had a failed attempt.
    pub failed_attempt: bool,
}

/// Joins the inner hop's lines to the outer hop's on equal keys: each inner line to the first
/// outer line by time with its key. Sorts both. `outer_total`/`inner_total` count every line
/// (with an id or not). Returns the counts and, per outer row in sorted order, its match.
pub fn join(
    outer: &mut [IdRow],
    inner: &mut [IdRow],
    outer_total: u64,
    inner_total: u64,
) -> (JoinCounts, Vec<Option<Matched>>) {
    outer.sort_unstable();
    inner.sort_unstable();
    let mut matched: Vec<Option<Matched>> = vec![None; outer.len()];
    let mut joined = 0u64;
    let (mut i, mut j) = (0usize, 0usize);
    while j < inner.len() {
        let key = inner[j].key;
        let mut end = j;
        while end < inner.len() && inner[end].key == key {
            end += 1;
        }
        while i < outer.len() && outer[i].key < key {
            i += 1;
        }
        if i < outer.len() && outer[i].key == key {
            let group = &inner[j..end];
            matched[i] = Some(Matched {
                status: group[group.len() - 1].status,
                failed_attempt: group.iter().any(|r| r.flags & FAILED_ATTEMPT != 0),
            });
            joined += group.len() as u64;
        }
        j = end;
    }
    let outer_matched = matched.iter().filter(|m| m.is_some()).count() as u64;
    let counts = JoinCounts {
        joined,
        outer_unmatched: outer_total - outer_matched,
        inner_unmatched: inner_total - joined,
    };
    (counts, matched)
}

/// Where the edge's failed requests failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FailedAt {
    /// Edge bad; the joined proxy line's final status ≥ 500.
    pub proxy: u64,
    /// Edge bad; the joined proxy line's final status < 500: the proxy answered after the edge
    /// had given up.
    pub edge_timeout: u64,
    /// Edge bad; no joined proxy line (the edge itself, the origin unreachable, the load
    /// balancer).
    pub before_proxy: u64,
}

/// The edge's valid requests attributed, with the proxy joined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attribution {
    pub served_from_cache: u64,
    pub failed_at: FailedAt,
    pub saved_by_retries: u64,
}

/// Attributes the edge's valid rows, given what each joined to.
pub fn attribute(edge: &[IdRow], matched: &[Option<Matched>]) -> Attribution {
    let mut a = Attribution::default();
    for (row, m) in edge.iter().zip(matched) {
        if row.flags & VALID == 0 {
            continue;
        }
        if row.flags & HIT != 0 {
            a.served_from_cache += 1;
        }
        // the gateway's branch: its failures are the branch's (`BranchReport::failed_at`)
        if row.flags & GATEWAY_BOUND != 0 {
            continue;
        }
        if row.flags & GOOD == 0 {
            match m {
                Some(m) if m.status >= 500 => a.failed_at.proxy += 1,
                Some(_) => a.failed_at.edge_timeout += 1,
                None => a.failed_at.before_proxy += 1,
            }
        } else if m.is_some_and(|m| m.failed_attempt) {
            a.saved_by_retries += 1;
        }
    }
    a
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EdgeProxyJoin {
    pub joined: u64,
    pub edge_unmatched: u64,
    pub proxy_unmatched: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LbProxyJoin {
    pub joined: u64,
    pub lb_unmatched: u64,
    pub proxy_unmatched: u64,
}

/// How much joined; null where the ids are missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Joins {
    pub edge_proxy: Option<EdgeProxyJoin>,
    pub lb_proxy: Option<LbProxyJoin>,
}

/// The load balancer's own failures, from its log: valid requests it answered itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LbOwn {
    /// ALB-generated 5XX (no target response: 502, 503, 504, 561 of its own making).
    pub errors_5xx: u64,
    /// ALB-generated 4XX: requests its rules or limits refused (fixed responses, WAF, 400s).
    pub refused: u64,
}

/// One hop side by side with the others.
#[derive(Debug, Clone, Serialize)]
pub struct HopRow {
    pub name: String,
    pub log_format: FormatId,
    /// Lines in the window, excluded traffic left out.
    pub requests: u64,
    pub excluded: u64,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub errors_5xx: u64,
    /// requests / the outermost hop's requests (the edge itself 1.0; excluded traffic left
    /// out of both). Above 1.0 when a hop logged requests that did not come through the
    /// outermost one (a client that bypasses the CDN, the load balancer's health checks):
    /// `notes` says so.
    pub reached_share: Option<f64>,
    /// Why this hop could not be read whole (with --allow-partial).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One hop's counts in one bucket.
#[derive(Debug, Clone, Serialize)]
pub struct HopBucket {
    pub start: String,
    pub hop: String,
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
}

/// The hops' requests in one minute, side by side (when the ids to join them are missing).
#[derive(Debug, Clone, Serialize)]
pub struct MinuteRow {
    pub start: String,
    pub requests: BTreeMap<String, u64>,
}

/// How much of the gateway's log joined the edge's, on CloudFront's id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GatewayJoin {
    /// Gateway lines matched to an edge line.
    pub joined: u64,
    /// Edge lines of the branch no gateway line matched (cache hits, the edge's own answers,
    /// requests that never reached the gateway).
    pub edge_unmatched: u64,
    /// Gateway lines that matched no edge line (no id, or traffic that did not come through
    /// the edge).
    pub gateway_unmatched: u64,
    /// Edge lines a gateway line matched that the routes did not put on the branch (the edge
    /// finished them before the second of the route's first gateway line: the clocks differ):
    /// 0 when the routes split exactly.
    pub outside_routes: u64,
}

/// Where the branch's bad requests failed (edge valid, not good), with the join.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BranchFailedAt {
    /// The joined gateway line's status ≥ 500 (API Gateway, its integration or the function).
    pub gateway: u64,
    /// The joined gateway line's status < 500: the gateway answered after the edge gave up.
    pub edge_timeout: u64,
    /// No joined gateway line: the edge itself, or the gateway unreachable.
    pub before_gateway: u64,
}

/// One side of a branch.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BranchSide {
    /// Lines, excluded traffic left out.
    pub requests: u64,
    /// The edge: those it forwarded and the origin answered (not its cache hits nor its own
    /// errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<u64>,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
    pub errors_5xx: u64,
}

impl BranchSide {
    fn of(c: &BranchCounts, edge: bool) -> BranchSide {
        BranchSide {
            requests: c.requests,
            forwarded: edge.then(|| c.requests - c.answered_itself),
            valid: c.valid,
            good: c.good,
            success_rate: rate(c.good, c.valid),
            errors_5xx: c.errors_5xx,
        }
    }
}

/// A route of the branch and when the gateway's log first has it.
#[derive(Debug, Clone, Serialize)]
pub struct BranchRoute {
    pub route: String,
    pub since: String,
}

/// One minute of the branch, both sides (the edge's lines by when it received them).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BranchMinute {
    pub start: String,
    pub edge_requests: u64,
    pub edge_errors_5xx: u64,
    /// The edge's requests the origin answered (not its cache hits nor its own errors): what
    /// the gateway should have logged.
    pub edge_forwarded: u64,
    pub gateway_requests: u64,
    pub gateway_errors_5xx: u64,
}

/// A second branch behind the edge: the edge → an API gateway, beside the load balancer's.
#[derive(Debug, Clone, Serialize)]
pub struct BranchReport {
    /// The edge hop's name.
    pub from: String,
    /// The gateway hop's name and format.
    pub to: String,
    pub log_format: FormatId,
    /// How the edge's lines were matched to the gateway's: `id` (request by request, on
    /// CloudFront's id) or `per_minute` (counts side by side).
    pub join: &'static str,
    /// The routes the gateway served: the edge's lines of these routes from then on are the
    /// branch's.
    pub routes: Vec<BranchRoute>,
    pub edge: BranchSide,
    pub gateway: BranchSide,
    /// With `join: "id"`.
    pub joined: Option<GatewayJoin>,
    pub failed_at: Option<BranchFailedAt>,
    /// With `join: "per_minute"`: every minute with requests on either side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<Vec<BranchMinute>>,
    /// Why there is no request join, and which id to log to get one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The branch edge → gateway: joined on CloudFront's id where the gateway's lines carry it,
/// else compared per minute.
fn branch(hops: &[HopRead], e: usize, g: usize) -> BranchReport {
    let (eh, gh) = (&hops[e], &hops[g]);
    let mut report = BranchReport {
        from: eh.name.clone(),
        to: gh.name.clone(),
        log_format: gh.format,
        join: "per_minute",
        routes: gh
            .part
            .routes
            .list()
            .into_iter()
            .map(|(route, t)| BranchRoute {
                route,
                since: format_us(t),
            })
            .collect(),
        edge: BranchSide::of(&eh.part.branch, true),
        gateway: BranchSide::of(&gh.part.branch, false),
        joined: None,
        failed_at: None,
        per_minute: None,
        note: None,
    };
    if gh.roles.contains(Role::EdgeId) && !gh.part.edge_ids.is_empty() {
        let mut edge_rows = eh.part.edge_ids.clone();
        let mut gateway_rows = gh.part.edge_ids.clone();
        let (c, matched) = join(
            &mut edge_rows,
            &mut gateway_rows,
            eh.part.counts.total,
            gh.part.counts.total,
        );
        let mut j = GatewayJoin {
            joined: c.joined,
            gateway_unmatched: c.inner_unmatched,
            ..GatewayJoin::default()
        };
        let mut f = BranchFailedAt::default();
        for (row, m) in edge_rows.iter().zip(&matched) {
            if row.flags & GATEWAY_BOUND == 0 {
                j.outside_routes += u64::from(m.is_some());
                continue;
            }
            j.edge_unmatched += u64::from(m.is_none());
            if row.flags & VALID != 0 && row.flags & GOOD == 0 {
                match m {
                    Some(m) if m.status >= 500 => f.gateway += 1,
                    Some(_) => f.edge_timeout += 1,
                    None => f.before_gateway += 1,
                }
            }
        }
        report.join = "id";
        report.joined = Some(j);
        report.failed_at = Some(f);
    } else {
        let mut minutes: BTreeMap<i64, [u64; 5]> = BTreeMap::new();
        for (m, n) in &eh.part.branch_minutes {
            let c = minutes.entry(*m).or_default();
            (c[0], c[1], c[2]) = (n[0], n[1], n[2]);
        }
        for (m, n) in &gh.part.branch_minutes {
            let c = minutes.entry(*m).or_default();
            (c[3], c[4]) = (n[0], n[1]);
        }
        report.per_minute = Some(
            minutes
                .into_iter()
                .map(|(m, c)| BranchMinute {
                    start: format_us(m),
                    edge_requests: c[0],
                    edge_errors_5xx: c[1],
                    edge_forwarded: c[2],
                    gateway_requests: c[3],
                    gateway_errors_5xx: c[4],
                })
                .collect(),
        );
        let why = if gh.roles.contains(Role::EdgeId) {
            format!("no line of hop `{}` carries CloudFront's id", gh.name)
        } else {
            format!(
                "the access log format of hop `{}` has no `$context.authorizer.cfId`",
                gh.name
            )
        };
        report.note = Some(format!(
            "the edge and the gateway cannot be joined request by request: {why}; the branch edge `{}` → `{}` is compared per minute instead (branches[].per_minute). no `$context` variable of API Gateway's access log holds a request header: to join them, return CloudFront's id from a Lambda authorizer (context `cfId` = the request's `X-Amz-Cf-Id` header) and add `\"cfId\": \"$context.authorizer.cfId\"` to the stage's access log format.",
            eh.name, gh.name
        ));
    }
    report
}

/// Each hop's input accounting, in hop order.
#[derive(Debug, Clone, Default)]
pub struct HopInputs(pub Vec<(String, InputStats)>);

impl Serialize for HopInputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One step of the funnel: how many requests got this far.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FunnelStep {
    pub step: String,
    pub requests: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HopsReport {
    pub hops: Vec<HopRow>,
    /// The edge's requests → those it forwarded and the origin answered (not the edge itself:
    /// the `generated` role; a forwarded request the edge timed out on is the edge's answer) →
    /// each hop behind it → the proxy's upstream attempts (excluded traffic left out).
    pub funnel: Vec<FunnelStep>,
    /// The branches behind the edge beside the load balancer's: an API gateway hop (edge →
    /// apigw). Left out of the JSON without one (the report is unchanged without a gateway).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<BranchReport>,
    /// Edge valid requests the edge answered from its cache (result type Hit).
    pub served_from_cache: Option<u64>,
    pub failed_at: Option<FailedAt>,
    /// Edge good, joined proxy line with at least one failed attempt.
    pub saved_by_retries: Option<u64>,
    pub join: Joins,
    /// The load balancer's own failures, from its log.
    pub lb_own: Option<LbOwn>,
    /// Per minute, each hop's requests: present when the ids to join the edge and the proxy
    /// are missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<Vec<MinuteRow>>,
    pub notes: Vec<String>,
    pub bucket: String,
    #[serde(skip)]
    pub bucket_us: i64,
    pub over_time: Vec<HopBucket>,
    /// The terminal and Markdown views list every over-time row (`hops --over-time`);
    /// otherwise each hop's series is summed up in one line. JSON always has every row.
    #[serde(skip)]
    pub every_bucket: bool,
    pub window: WindowInfo,
    pub input: HopInputs,
}

/// One hop, read.
pub struct HopRead {
    pub name: String,
    pub format: FormatId,
    /// Where it was read from (for the note on a hop that read nothing).
    pub sources: Vec<String>,
    /// The roles its format fills (a log_format without the id variables lacks them).
    pub roles: RoleSet,
    pub part: HopPartial,
    pub input: InputStats,
    pub excluded: u64,
    /// Why it could not be read whole.
    pub error: Option<String>,
}

/// Joins the hops and finishes the report. `window`: the window's bounds over every hop;
/// `bucket_us`: the over-time bucket.
pub fn build(mut hops: Vec<HopRead>, window: WindowInfo, bucket_us: i64) -> HopsReport {
    let outer_requests = hops
        .first()
        .map(|h| h.part.counts.total - h.part.counts.excluded);
    let rows: Vec<HopRow> = hops
        .iter()
        .map(|h| {
            let c = &h.part.counts;
            let stats = h.part.latency.stats();
            let requests = c.total - c.excluded;
            HopRow {
                name: h.name.clone(),
                log_format: h.format,
                requests,
                excluded: c.excluded,
                valid: c.valid(),
                good: c.good,
                success_rate: rate(c.good, c.valid()),
                p50_ms: stats.p50,
                p99_ms: stats.p99,
                errors_5xx: h.part.errors_5xx,
                reached_share: outer_requests.and_then(|v| rate(requests, v)),
                error: h.error.clone(),
            }
        })
        .collect();
    let mut notes = Vec::new();
    // a hop that read nothing is said first: every join note after it follows from it
    for h in &hops {
        let under = h.sources.join(", ");
        let why = match (&h.error, h.input.files, h.input.lines) {
            (Some(e), _, _) => Some(format!("could not be read: {e}")),
            (None, 0, _) if h.input.pruned_files > 0 => Some(format!(
                "no files in the window under {under} ({} outside it)",
                h.input.pruned_files
            )),
            (None, 0, _) => Some(format!("no files under {under}")),
            (None, n, 0) => Some(format!("no line in its {n} file(s) under {under}")),
            _ => None,
        };
        if let Some(why) = why {
            notes.push(format!("hop `{}`: {why}", h.name));
        }
    }
    if let Some(outer) = rows.first() {
        for r in rows.iter().skip(1) {
            if r.reached_share.is_some_and(|s| s > 1.0) {
                notes.push(format!(
                    "hop `{}` logged more requests than the outermost hop `{}` ({} against {}): requests that did not come through it (clients that bypass it, health checks), or requests across the window's edges",
                    r.name, outer.name, r.requests, outer.requests
                ));
            }
        }
    }
    let find = |at: HopPosition| hops.iter().position(|h| h.format.hop() == at);
    let (edge, lb, proxy) = (
        find(HopPosition::Edge),
        find(HopPosition::LoadBalancer),
        find(HopPosition::Proxy),
    );
    let mut branches = Vec::new();
    if let Some(g) = find(HopPosition::Gateway) {
        match edge {
            Some(e) => {
                let b = branch(&hops, e, g);
                notes.extend(b.note.clone());
                branches.push(b);
            }
            None => notes.push(format!(
                "hop `{}` ({}) has no edge hop in front of it: no branch is reported",
                hops[g].name,
                hops[g].format.name()
            )),
        }
    }
    let mut report_attr = None;
    let mut joins = Joins::default();
    if let (Some(e), Some(p)) = (edge, proxy) {
        let proxy_has = hops[p].roles.contains(Role::EdgeId);
        let proxy_ids = hops[p].part.edge_ids.len();
        if !proxy_has || proxy_ids == 0 {
            notes.push(format!(
                "the edge and the proxy cannot be joined: {} the proxy's requests are compared per minute instead. Add `cfid=\"$http_x_amz_cf_id\"` to the nginx log_format (CloudFront sends its x-edge-request-id as X-Amz-Cf-Id) to join them.",
                if proxy_has {
                    format!("no line of hop `{}` carries an X-Amz-Cf-Id;", hops[p].name)
                } else {
                    format!("the log_format of hop `{}` has no $http_x_amz_cf_id;", hops[p].name)
                }
            ));
        } else {
            let (et, pt) = (hops[e].part.counts.total, hops[p].part.counts.total);
            let mut edge_rows = std::mem::take(&mut hops[e].part.edge_ids);
            let mut proxy_rows = std::mem::take(&mut hops[p].part.edge_ids);
            let (c, matched) = join(&mut edge_rows, &mut proxy_rows, et, pt);
            drop(proxy_rows);
            report_attr = Some(attribute(&edge_rows, &matched));
            joins.edge_proxy = Some(EdgeProxyJoin {
                joined: c.joined,
                edge_unmatched: c.outer_unmatched,
                proxy_unmatched: c.inner_unmatched,
            });
        }
    }
    if let (Some(l), Some(p)) = (lb, proxy) {
        let proxy_has = hops[p].roles.contains(Role::TraceId);
        if !proxy_has || hops[p].part.trace_roots.is_empty() {
            notes.push(format!(
                "the load balancer and the proxy cannot be joined: {} Add `trace=\"$http_x_amzn_trace_id\"` to the nginx log_format (the ALB sends its trace id as X-Amzn-Trace-Id) to join them.",
                if proxy_has {
                    format!("no line of hop `{}` carries an X-Amzn-Trace-Id;", hops[p].name)
                } else {
                    format!("the log_format of hop `{}` has no $http_x_amzn_trace_id;", hops[p].name)
                }
            ));
        } else {
            let (lt, pt) = (hops[l].part.counts.total, hops[p].part.counts.total);
            let mut lb_rows = std::mem::take(&mut hops[l].part.trace_roots);
            let mut proxy_rows = std::mem::take(&mut hops[p].part.trace_roots);
            let (c, _) = join(&mut lb_rows, &mut proxy_rows, lt, pt);
            joins.lb_proxy = Some(LbProxyJoin {
                joined: c.joined,
                lb_unmatched: c.outer_unmatched,
                proxy_unmatched: c.inner_unmatched,
            });
        }
    }
    if edge.is_none() || proxy.is_none() {
        notes.push(
            "the attribution (served_from_cache, failed_at, saved_by_retries) needs an edge hop (cloudfront) and a proxy hop (nginx)".into(),
        );
    }
    let per_minute = report_attr.is_none().then(|| per_minute(&hops));
    let lb_own = lb.map(|l| LbOwn {
        errors_5xx: hops[l].part.generated_5xx,
        refused: hops[l].part.generated_4xx,
    });
    HopsReport {
        funnel: funnel(&hops),
        branches,
        hops: rows,
        served_from_cache: report_attr.map(|a| a.served_from_cache),
        failed_at: report_attr.map(|a| a.failed_at),
        saved_by_retries: report_attr.map(|a| a.saved_by_retries),
        join: joins,
        lb_own,
        per_minute,
        notes,
        bucket: format_duration(bucket_us),
        bucket_us,
        over_time: over_time(&hops, bucket_us),
        every_bucket: false,
        window,
        input: HopInputs(
            hops.iter()
                .map(|h| (h.name.clone(), h.input.clone()))
                .collect(),
        ),
    }
}

/// The funnel: each hop's requests, the edge's forwarded ones after it, the proxy's upstream
/// attempts last.
fn funnel(hops: &[HopRead]) -> Vec<FunnelStep> {
    let mut out = Vec::new();
    for h in hops {
        let c = &h.part.counts;
        let requests = c.total - c.excluded;
        out.push(FunnelStep {
            step: format!("{} ({})", h.name, h.format.name()),
            requests,
        });
        if h.format.hop() == HopPosition::Edge {
            out.push(FunnelStep {
                step: format!("forwarded by {}, answered by the origin", h.name),
                requests: requests - h.part.answered_itself,
            });
        }
        if h.format.hop() == HopPosition::Proxy {
            out.push(FunnelStep {
                step: format!("upstream attempts at {}", h.name),
                requests: h.part.attempts,
            });
        }
    }
    out
}

/// Each hop's counts per bucket, in time order then hop order; only buckets with requests.
fn over_time(hops: &[HopRead], bucket_us: i64) -> Vec<HopBucket> {
    let mut out: BTreeMap<(i64, usize), Counts> = BTreeMap::new();
    for (i, h) in hops.iter().enumerate() {
        for (m, c) in &h.part.minutes {
            out.entry((m.div_euclid(bucket_us) * bucket_us, i))
                .or_default()
                .add(c);
        }
    }
    out.into_iter()
        .map(|((t, i), c)| HopBucket {
            start: format_us(t),
            hop: hops[i].name.clone(),
            requests: c.total - c.excluded,
            valid: c.valid(),
            good: c.good,
            success_rate: rate(c.good, c.valid()),
        })
        .collect()
}

/// Each minute with requests at any hop, with every hop's requests (excluded left out).
fn per_minute(hops: &[HopRead]) -> Vec<MinuteRow> {
    let mut minutes: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
    for h in hops {
        for (m, c) in &h.part.minutes {
            minutes
                .entry(*m)
                .or_default()
                .insert(h.name.clone(), c.total - c.excluded);
        }
    }
    minutes
        .into_iter()
        .map(|(m, mut requests)| {
            for h in hops {
                requests.entry(h.name.clone()).or_insert(0);
            }
            MinuteRow {
                start: format_us(m),
                requests,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, t: i64, status: u16, flags: u8) -> IdRow {
        IdRow {
            key: id_key(id),
            time_us: t,
            status,
            flags,
        }
    }

    #[test]
    fn roots_are_found_among_the_fields() {
        assert_eq!(
            trace_root("Root=1-5759e988-bd862e3fe1be46a994272793"),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(trace_root("Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;Sampled=1"), Some("1-67891233-abcdef012345678912345678"));
        assert_eq!(trace_root("-"), None);
        assert_eq!(trace_root("Root="), None);
    }

    #[test]
    fn a_proxy_line_matches_the_first_edge_line_by_time() {
        // edge: a twice (t=5 and t=1), b once, c once; proxy: a twice, b once, d once
        let mut edge = vec![
            row("a", 5, 200, VALID | GOOD),
            row("a", 1, 502, VALID),
            row("b", 2, 504, VALID),
            row("c", 3, 200, VALID | GOOD | HIT),
        ];
        let mut proxy = vec![
            row("a", 2, 502, FAILED_ATTEMPT),
            row("a", 4, 503, 0),
            row("b", 3, 200, 0),
            row("d", 3, 200, 0),
        ];
        // 2 more edge lines and 1 more proxy line without ids
        let (c, matched) = join(&mut edge, &mut proxy, 6, 5);
        assert_eq!(
            c,
            JoinCounts {
                joined: 3,
                outer_unmatched: 6 - 2,
                inner_unmatched: 5 - 3
            }
        );
        let a = attribute(&edge, &matched);
        // a@1 bad, proxy's last answer 503: proxy; b bad, proxy 200: edge timeout; c a hit
        assert_eq!(
            a.failed_at,
            FailedAt {
                proxy: 1,
                edge_timeout: 1,
                before_proxy: 0
            }
        );
        assert_eq!(a.served_from_cache, 1);
        // a@5 is good but unmatched (its id's first line took both proxy lines)
        assert_eq!(a.saved_by_retries, 0);
    }

    fn read(name: &str, format: FormatId, total: u64, no_status: u64) -> HopRead {
        let part = HopPartial {
            counts: Counts {
                total,
                excluded: 0,
                no_status,
                good: total - no_status,
            },
            ..HopPartial::default()
        };
        HopRead {
            name: name.into(),
            format,
            sources: vec![format!("/logs/{name}")],
            roles: RoleSet::EMPTY,
            part,
            input: InputStats {
                files: 1,
                lines: total,
                ..InputStats::default()
            },
            excluded: 0,
            error: None,
        }
    }

    #[test]
    fn reached_is_against_the_edges_requests_and_more_than_all_is_explained() {
        // the edge: 1000 requests, 10 without a status (valid 990); the load balancer 1005
        let hops = vec![
            read("edge", FormatId::CloudFront, 1000, 10),
            read("lb", FormatId::Alb, 1005, 0),
            read("proxy", FormatId::Nginx, 0, 0),
        ];
        let r = build(hops, WindowInfo::default(), 60_000_000);
        let shares: Vec<Option<f64>> = r.hops.iter().map(|h| h.reached_share).collect();
        assert_eq!(shares, [Some(1.0), Some(1.005), Some(0.0)]);
        // the hop that read nothing first, then why the load balancer has more than the edge
        assert_eq!(
            r.notes[0],
            "hop `proxy`: no line in its 1 file(s) under /logs/proxy"
        );
        assert!(
            r.notes[1].starts_with(
                "hop `lb` logged more requests than the outermost hop `edge` (1005 against 1000)"
            ),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn keys_are_stable() {
        assert_eq!(id_key("x"), id_key("x"));
        assert_ne!(id_key("x"), id_key("y"));
        assert_eq!(std::mem::size_of::<IdRow>(), 24);
    }
}
