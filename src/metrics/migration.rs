//! The migration view (the strangler fig): the systems of `[[systems]]` side by side, route by
//! route. Each system's log is read in its own format into a [`SystemPartial`]; [`build`]
//! puts the systems together.
//!
//! Definitions (also printed with every result and written in docs/migration.md), per system:
//! - requests: its lines in the window, the config's `[exclude]` traffic left out (as `hops`);
//!   an ALB system with `target_groups` counts only the lines of those target groups;
//! - valid and good: the SLO's (`slo`): valid = requests with a status; good = valid with
//!   status < 500 and, with a latency threshold, at or under it; success rate = good / valid;
//! - p50_ms / p99_ms: exact percentiles of the requests' latency (each format's total: the
//!   ALB's three processing times, API Gateway's responseLatency, nginx's $request_time,
//!   CloudFront's time-taken); errors_5xx: requests with status 500–599;
//! - route: `METHOD /template`, the method and the templated endpoint (the ALB's ids as `{id}`,
//!   API Gateway's resource path with its parameters unified the same way);
//! - share: a system's requests of a route / every system's requests of that route;
//! - over time: per bucket, the requests of the routes more than one system served in the
//!   window (the routes being moved), each system's requests, success rate and share.

use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::{rate, Keyed};
use super::histogram::Histogram;
use super::slo::{SloConfig, Verdict};
use crate::engine::{Analysis, Finish, InputStats};
use crate::format::{FormatId, Request, Role, RoleSet};
use crate::window::{format_duration, format_us, WindowInfo};

/// One system's log as an analysis: its requests judged as the SLO judges them, per route and
/// over time.
#[derive(Debug, Clone)]
pub struct SystemTraffic {
    pub slo: SloConfig,
    pub plan: BucketPlan,
    /// Only these target groups' lines (an ALB system); empty: every line.
    pub target_groups: Vec<String>,
}

/// What one group of a system's requests counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Lines in the window, excluded traffic left out.
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
    pub errors_5xx: u64,
    /// The requests' latencies (ms), exact.
    pub latency: Histogram,
}

impl Merge for Tally {
    fn merge(&mut self, o: Tally) {
        self.requests += o.requests;
        self.valid += o.valid;
        self.good += o.good;
        self.errors_5xx += o.errors_5xx;
        self.latency.merge(o.latency);
    }
}

/// A route's counts in one time bucket (no latency: the over-time view shows shares and
/// success, and a histogram per route and bucket would cost more than it tells).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BucketTally {
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
}
crate::merge_by_adding!(BucketTally {
    requests,
    valid,
    good
});

/// One system's partial: totals, per route, per bucket and route, and the excluded lines.
#[derive(Debug, Clone)]
pub struct SystemPartial {
    pub all: Tally,
    /// Per [method, endpoint].
    pub by_route: Keyed<Tally>,
    /// Per bucket, per [method, endpoint]: which routes were moving is known only at the end.
    pub over_time: TimeBuckets<Keyed<BucketTally>>,
    pub excluded: u64,
    /// The first and last line's time (µs), for the window's bounds over every system.
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
}

impl SystemTraffic {
    /// Whether a line belongs to this system: with `target_groups`, only theirs.
    fn owns(&self, r: &Request<'_>) -> bool {
        self.target_groups.is_empty()
            || r.backend
                .is_some_and(|b| self.target_groups.iter().any(|t| t == b))
    }
}

impl Analysis for SystemTraffic {
    type Partial = SystemPartial;
    type Report = SystemPartial;

    fn name(&self) -> &'static str {
        "migration"
    }

    fn required(&self) -> RoleSet {
        let set = self.slo.roles();
        if self.target_groups.is_empty() {
            return set;
        }
        set.with(Role::Backend)
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[Role::Method, Role::Endpoint, Role::LatencyMs])
    }

    fn partial(&self) -> SystemPartial {
        SystemPartial {
            all: Tally::default(),
            by_route: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
            excluded: 0,
            first_us: None,
            last_us: None,
        }
    }

    fn fold(&self, p: &mut SystemPartial, batch: &[Request<'_>]) {
        for r in batch.iter().filter(|r| self.owns(r)) {
            p.first_us = Some(p.first_us.map_or(r.time_us, |t| t.min(r.time_us)));
            p.last_us = Some(p.last_us.map_or(r.time_us, |t| t.max(r.time_us)));
            let verdict = self.slo.verdict(r);
            if verdict == Verdict::Excluded {
                p.excluded += 1;
                continue;
            }
            let valid = verdict.valid();
            let good = verdict == Verdict::Good;
            let mut t = Tally {
                requests: 1,
                valid: u64::from(valid),
                good: u64::from(good),
                errors_5xx: u64::from(r.status.is_some_and(|s| (500..600).contains(&s))),
                latency: Histogram::default(),
            };
            let key = [r.method, r.endpoint.as_deref()];
            let route = p.by_route.entry(&key);
            route.requests += 1;
            route.valid += t.valid;
            route.good += t.good;
            route.errors_5xx += t.errors_5xx;
            route.latency.add(r.latency_ms);
            t.latency.add(r.latency_ms);
            p.all.merge(t);
            p.over_time.at(r.time_us).entry(&key).merge(BucketTally {
                requests: 1,
                valid: u64::from(valid),
                good: u64::from(good),
            });
        }
    }

    fn merge(&self, into: &mut SystemPartial, from: SystemPartial) {
        into.all.merge(from.all);
        into.by_route.merge(from.by_route);
        into.over_time.merge(from.over_time);
        into.excluded += from.excluded;
        into.first_us = into.first_us.into_iter().chain(from.first_us).min();
        into.last_us = into.last_us.into_iter().chain(from.last_us).max();
    }

    /// The partial itself: the systems are put together in [`build`].
    fn finish(&self, p: SystemPartial, _end: &Finish) -> SystemPartial {
        p
    }
}

/// One system, read.
pub struct SystemRead {
    pub name: String,
    pub format: FormatId,
    pub part: SystemPartial,
    pub input: InputStats,
    /// Why it could not be read whole (with --allow-partial).
    pub error: Option<String>,
    /// Where it was read from (for the note on a system that read nothing).
    pub sources: Vec<String>,
}

/// `systems[]`: one system over the window.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SystemRow {
    pub name: String,
    pub log_format: FormatId,
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub errors_5xx: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `routes[].systems[]`: one system's part of a route.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteSystem {
    pub name: String,
    pub requests: u64,
    pub share: Option<f64>,
    pub success_rate: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub errors_5xx: u64,
}

/// `routes[]`: a route and the systems that served it (config order).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteRow {
    /// `GET /hospitals/{id}`; `-` for a line without a method or an endpoint.
    pub route: String,
    /// Every system's requests of the route (the shares' denominator; the JSON keeps to
    /// `route` and `systems`).
    #[serde(skip)]
    pub requests: u64,
    pub systems: Vec<RouteSystem>,
}

/// `over_time[].systems[]`: one system in one bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BucketSystem {
    pub name: String,
    pub requests: u64,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
    pub share: Option<f64>,
}

/// `over_time[]`: one bucket of the moving routes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BucketRow {
    pub start: String,
    pub requests: u64,
    pub systems: Vec<BucketSystem>,
}

/// Per system, what its input was: a map by name, as hops' per-hop inputs.
pub use super::hops::HopInputs as SystemInputs;

#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    pub definitions: Vec<String>,
    pub systems: Vec<SystemRow>,
    /// Routes more than one system served first (the moving ones), then by requests.
    pub routes: Vec<RouteRow>,
    /// The routes the over-time view counts: those more than one system served.
    pub moving_routes: Vec<String>,
    pub bucket: String,
    pub over_time: Vec<BucketRow>,
    /// Lines of `[exclude]` traffic left out, over every system.
    pub excluded: u64,
    pub notes: Vec<String>,
    pub window: WindowInfo,
    pub input: SystemInputs,
    #[serde(skip)]
    pub bucket_us: i64,
    /// Route rows the terminal, CSV and Markdown views show (JSON has every route).
    #[serde(skip)]
    pub top: usize,
}

/// `METHOD /template`, or `-` for a line without a method or an endpoint.
fn route_name(key: &[Option<String>]) -> String {
    let part = |i: usize| key.get(i).cloned().flatten();
    crate::format::apigw::route(part(0).as_deref(), part(1).as_deref())
        .unwrap_or_else(|| "-".into())
}

/// Puts the systems read side by side: per route, per bucket of the moving routes.
pub fn build(systems: Vec<SystemRead>, window: WindowInfo, bucket_us: i64) -> MigrationReport {
    let n = systems.len();
    let mut notes = Vec::new();
    for s in &systems {
        let under = s.sources.join(", ");
        let why = match (&s.error, s.input.files, s.input.lines) {
            (Some(e), _, _) => Some(format!("could not be read: {e}")),
            (None, 0, _) if s.input.pruned_files > 0 => Some(format!(
                "no files in the window under {under} ({} outside it)",
                s.input.pruned_files
            )),
            (None, 0, _) => Some(format!("no files under {under}")),
            (None, f, 0) => Some(format!("no line in its {f} file(s) under {under}")),
            (None, _, _) if s.part.all.requests == 0 => {
                Some("no request in the window (of its target groups, when narrowed)".into())
            }
            _ => None,
        };
        if let Some(why) = why {
            notes.push(format!("system `{}`: {why}", s.name));
        }
    }
    let rows: Vec<SystemRow> = systems
        .iter()
        .map(|s| {
            let t = &s.part.all;
            let stats = t.latency.stats();
            SystemRow {
                name: s.name.clone(),
                log_format: s.format,
                requests: t.requests,
                valid: t.valid,
                good: t.good,
                success_rate: rate(t.good, t.valid),
                p50_ms: stats.p50,
                p99_ms: stats.p99,
                errors_5xx: t.errors_5xx,
                error: s.error.clone(),
            }
        })
        .collect();
    let names: Vec<String> = systems.iter().map(|s| s.name.clone()).collect();
    let excluded = systems.iter().map(|s| s.part.excluded).sum();
    let input = SystemInputs(
        systems
            .iter()
            .map(|s| (s.name.clone(), s.input.clone()))
            .collect(),
    );

    // per route: each system's tally, in config order
    let mut by_route: std::collections::BTreeMap<String, Vec<Option<Tally>>> =
        std::collections::BTreeMap::new();
    let mut over_time: std::collections::BTreeMap<i64, Vec<Vec<(String, BucketTally)>>> =
        std::collections::BTreeMap::new();
    for (i, s) in systems.into_iter().enumerate() {
        for (key, t) in s.part.by_route.into_rows() {
            by_route
                .entry(route_name(&key))
                .or_insert_with(|| vec![None; n])[i] = Some(t);
        }
        for (start, routes) in s.part.over_time.finish(bucket_us) {
            let rows = routes
                .into_rows()
                .map(|(key, t)| (route_name(&key), t))
                .collect();
            over_time
                .entry(start)
                .or_insert_with(|| vec![Vec::new(); n])[i] = rows;
        }
    }
    let moving: std::collections::BTreeSet<String> = by_route
        .iter()
        .filter(|(_, per)| per.iter().flatten().filter(|t| t.requests > 0).count() > 1)
        .map(|(r, _)| r.clone())
        .collect();
    let mut routes: Vec<RouteRow> = by_route
        .into_iter()
        .map(|(route, per)| {
            let total: u64 = per.iter().flatten().map(|t| t.requests).sum();
            let systems = per
                .into_iter()
                .enumerate()
                .filter_map(|(i, t)| t.map(|t| (i, t)))
                .filter(|(_, t)| t.requests > 0)
                .map(|(i, t)| {
                    let stats = t.latency.stats();
                    RouteSystem {
                        name: names[i].clone(),
                        requests: t.requests,
                        share: rate(t.requests, total),
                        success_rate: rate(t.good, t.valid),
                        p50_ms: stats.p50,
                        p99_ms: stats.p99,
                        errors_5xx: t.errors_5xx,
                    }
                })
                .collect();
            RouteRow {
                route,
                requests: total,
                systems,
            }
        })
        .collect();
    routes.sort_by(|a, b| {
        let moving_first = |r: &RouteRow| !moving.contains(&r.route);
        moving_first(a)
            .cmp(&moving_first(b))
            .then(b.requests.cmp(&a.requests))
            .then_with(|| a.route.cmp(&b.route))
    });
    let over_time: Vec<BucketRow> = over_time
        .into_iter()
        .filter_map(|(start, per)| {
            let sums: Vec<BucketTally> = per
                .iter()
                .map(|rows| {
                    let mut sum = BucketTally::default();
                    for (_, t) in rows.iter().filter(|(r, _)| moving.contains(r)) {
                        sum.merge(*t);
                    }
                    sum
                })
                .collect();
            let total: u64 = sums.iter().map(|t| t.requests).sum();
            (total > 0).then(|| BucketRow {
                start: format_us(start),
                requests: total,
                systems: sums
                    .iter()
                    .zip(&names)
                    .map(|(t, name)| BucketSystem {
                        name: name.clone(),
                        requests: t.requests,
                        valid: t.valid,
                        good: t.good,
                        success_rate: rate(t.good, t.valid),
                        share: rate(t.requests, total),
                    })
                    .collect(),
            })
        })
        .collect();
    if moving.is_empty() && n > 1 {
        notes.push(
            "no route was served by more than one system in the window: nothing is being moved, so the over-time view is empty".into(),
        );
    }
    MigrationReport {
        definitions: definitions(),
        systems: rows,
        routes,
        moving_routes: moving.into_iter().collect(),
        bucket: format_duration(bucket_us),
        over_time,
        excluded,
        notes,
        window,
        input,
        bucket_us,
        top: usize::MAX,
    }
}

/// The report's definitions, printed with it.
pub fn definitions() -> Vec<String> {
    vec![
        "requests: a system's lines in the window, [exclude] traffic left out; an ALB system with target_groups counts only those target groups' lines".into(),
        "valid, good, success_rate: the SLO's (as `slo`): valid = requests with a status; good = valid with status < 500 (and, with a latency threshold, at or under it); success_rate = good / valid".into(),
        "p50_ms, p99_ms: exact percentiles of the requests' latency (ALB: the three processing times; API Gateway: responseLatency); errors_5xx: status 500-599".into(),
        "route: METHOD /template (the ALB's ids templated as {id}, API Gateway's parameters unified the same way); share: the system's requests of the route / every system's".into(),
        "over_time: per bucket, the routes more than one system served in the window (moving_routes): each system's requests, success rate and share".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_763_640_000_000_000; // 2025-11-20T12:00:00Z
    const MIN: i64 = 60_000_000;

    fn req<'a>(
        t: i64,
        method: &'a str,
        endpoint: &'a str,
        status: Option<u16>,
        ms: Option<f64>,
        backend: Option<&'a str>,
    ) -> Request<'a> {
        Request {
            time_us: t,
            method: Some(method),
            endpoint: Some(endpoint.into()),
            status,
            latency_ms: ms,
            backend,
            ..Request::default()
        }
    }

    fn analysis(target_groups: &[&str]) -> SystemTraffic {
        SystemTraffic {
            slo: SloConfig {
                target: 0.99,
                latency_threshold_ms: None,
            },
            plan: BucketPlan::new(Some(60 * MIN), None, None),
            target_groups: target_groups.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Folds `batches` into separate partials and merges them in the order given.
    fn read(a: &SystemTraffic, name: &str, batches: &[&[Request<'_>]]) -> SystemRead {
        let mut parts: Vec<SystemPartial> = batches
            .iter()
            .map(|b| {
                let mut p = a.partial();
                a.fold(&mut p, b);
                p
            })
            .collect();
        let mut part = parts.remove(0);
        for p in parts {
            a.merge(&mut part, p);
        }
        SystemRead {
            name: name.into(),
            format: FormatId::Alb,
            part,
            input: InputStats::default(),
            error: None,
            sources: vec![],
        }
    }

    /// A small day counted by hand: the legacy ALB (target group hosp-legacy) serves
    /// GET /hospitals/{id} until 12:00 and /notes all day; API Gateway serves
    /// GET /hospitals/{id} from 12:00.
    #[test]
    fn routes_and_shares_follow_the_definitions_whatever_the_batches() {
        let alb = vec![
            req(
                T0 - 30 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(200),
                Some(100.0),
                Some("hosp-legacy"),
            ),
            req(
                T0 - 20 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(200),
                Some(300.0),
                Some("hosp-legacy"),
            ),
            req(
                T0 - 10 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(503),
                None,
                Some("hosp-legacy"),
            ),
            req(
                T0 + 10 * MIN,
                "POST",
                "/notes",
                Some(201),
                Some(50.0),
                Some("hosp-legacy"),
            ),
            // another target group: not this system's
            req(
                T0 + 20 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(200),
                Some(20.0),
                Some("hosp-lambda"),
            ),
            // no target group (fixed response): not this system's either
            req(T0 + 30 * MIN, "GET", "/wp-login.php", Some(404), None, None),
        ];
        let mut excluded = req(
            T0 + 40 * MIN,
            "POST",
            "/notes",
            Some(500),
            Some(9.0),
            Some("hosp-legacy"),
        );
        excluded.excluded = true;
        let mut alb_all = alb.clone();
        alb_all.push(excluded);
        let apigw = vec![
            req(
                T0 + 5 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(200),
                Some(40.0),
                None,
            ),
            req(
                T0 + 15 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(502),
                Some(60.0),
                None,
            ),
            req(
                T0 + 25 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(200),
                Some(20.0),
                None,
            ),
            req(
                T0 + 35 * MIN,
                "GET",
                "/hospitals/{id}",
                Some(429),
                Some(1.0),
                None,
            ),
            req(T0 + 45 * MIN, "GET", "/hospitals/{id}", None, None, None),
        ];
        let legacy = analysis(&["hosp-legacy"]);
        let gateway = analysis(&[]);
        let one = build(
            vec![
                read(&legacy, "legacy", &[&alb_all]),
                read(&gateway, "apigw", &[&apigw]),
            ],
            WindowInfo::default(),
            60 * MIN,
        );
        let split = build(
            vec![
                read(
                    &legacy,
                    "legacy",
                    &[&alb_all[4..], &alb_all[..1], &alb_all[1..4]],
                ),
                read(&gateway, "apigw", &[&apigw[2..], &apigw[..2]]),
            ],
            WindowInfo::default(),
            60 * MIN,
        );
        for r in [&one, &split] {
            let legacy = &r.systems[0];
            // 4 of its target group's lines (the excluded one left out), 1 of them 5XX
            assert_eq!(
                (
                    legacy.requests,
                    legacy.valid,
                    legacy.good,
                    legacy.errors_5xx
                ),
                (4, 4, 3, 1)
            );
            // latencies 50, 100, 300 (the 503 has none): p50 100, p99 = 100 + 0.98 × 200
            assert_eq!(legacy.p50_ms, Some(100.0));
            assert_eq!(legacy.p99_ms, Some(100.0 + 0.98 * 200.0));
            let gw = &r.systems[1];
            // 5 requests, 4 with a status (429 is good: < 500), the 502 bad
            assert_eq!(
                (gw.requests, gw.valid, gw.good, gw.errors_5xx),
                (5, 4, 3, 1)
            );
            assert_eq!(gw.success_rate, Some(0.75));
            assert_eq!(r.excluded, 1);
            assert_eq!(r.moving_routes, ["GET /hospitals/{id}"]);
            // the moving route first, with both systems: 3 legacy + 5 apigw
            let h = &r.routes[0];
            assert_eq!((h.route.as_str(), h.requests), ("GET /hospitals/{id}", 8));
            assert_eq!(h.systems.len(), 2);
            assert_eq!(
                (h.systems[0].name.as_str(), h.systems[0].requests),
                ("legacy", 3)
            );
            assert_eq!(h.systems[0].share, Some(3.0 / 8.0));
            assert_eq!(h.systems[0].success_rate, Some(2.0 / 3.0));
            assert_eq!(h.systems[0].errors_5xx, 1);
            assert_eq!(h.systems[0].p50_ms, Some(200.0));
            assert_eq!(h.systems[1].share, Some(5.0 / 8.0));
            assert_eq!(h.systems[1].p50_ms, Some(30.0));
            // /notes: legacy alone
            let notes = &r.routes[1];
            assert_eq!((notes.route.as_str(), notes.requests), ("POST /notes", 1));
            assert_eq!(notes.systems.len(), 1);
            assert_eq!(notes.systems[0].share, Some(1.0));
            assert_eq!(r.routes.len(), 2);
            // over time (hours): 11:00 legacy 3 of 3; 12:00 apigw 5 of 5 (/notes not moving)
            assert_eq!(r.over_time.len(), 2);
            let (before, after) = (&r.over_time[0], &r.over_time[1]);
            assert_eq!(before.start, format_us(T0 - 60 * MIN));
            assert_eq!((before.requests, before.systems[0].requests), (3, 3));
            assert_eq!(before.systems[0].share, Some(1.0));
            assert_eq!(before.systems[0].success_rate, Some(2.0 / 3.0));
            assert_eq!(before.systems[1].share, Some(0.0));
            assert_eq!(before.systems[1].success_rate, None);
            assert_eq!((after.requests, after.systems[1].requests), (5, 5));
            assert_eq!(after.systems[1].success_rate, Some(0.75));
        }
        assert_eq!(one.routes, split.routes);
        assert_eq!(one.over_time, split.over_time);
        assert_eq!(one.systems, split.systems);
    }

    /// A small deterministic generator (xorshift64*), so a failure names its seed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        }
    }

    /// As src/metrics/fold_tests.rs: one batch, or random batches dealt to random partials
    /// merged in random order, give the same report (automatic buckets, so the partials
    /// coarsen at different times).
    #[test]
    fn the_report_is_the_same_however_the_requests_are_split() {
        const ROUTES: [(&str, &str); 4] = [
            ("GET", "/hospitals"),
            ("GET", "/hospitals/{id}"),
            ("POST", "/notes"),
            ("GET", "/"),
        ];
        const STATUS: [Option<u16>; 6] =
            [Some(200), Some(201), Some(404), Some(500), Some(503), None];
        let mut rng = Rng(7);
        // 5 hours in time order, over two target groups
        let reqs: Vec<Request<'static>> = (0..3_000)
            .map(|i| {
                let (m, e) = ROUTES[rng.below(4) as usize];
                let ms = (rng.below(10) > 0).then(|| rng.below(5_000) as f64 / 10.0);
                let tg = ["hosp-legacy", "hosp-lambda"][rng.below(2) as usize];
                let mut r = req(
                    T0 + i * 6_000_000,
                    m,
                    e,
                    STATUS[rng.below(6) as usize],
                    ms,
                    Some(tg),
                );
                r.excluded = rng.below(50) == 0;
                r
            })
            .collect();
        let a = SystemTraffic {
            plan: BucketPlan::new(None, None, None),
            ..analysis(&["hosp-legacy"])
        };
        let b = SystemTraffic {
            plan: BucketPlan::new(None, None, None),
            ..analysis(&["hosp-lambda"])
        };
        let whole = |x: &SystemTraffic, name: &str| read(x, name, &[&reqs]);
        let report =
            |reads| serde_json::to_value(build(reads, WindowInfo::default(), 5 * MIN)).unwrap();
        let want = report(vec![whole(&a, "legacy"), whole(&b, "lambda")]);
        assert!(want["routes"].as_array().unwrap().len() == 4);
        for trial in 0..4 {
            let mut split = |x: &SystemTraffic, name: &str| {
                let threads = 2 + rng.below(3) as usize;
                let mut parts: Vec<SystemPartial> = (0..threads).map(|_| x.partial()).collect();
                let mut at = 0;
                while at < reqs.len() {
                    let end = (at + 1 + rng.below(700) as usize).min(reqs.len());
                    let p = rng.below(threads as u64) as usize;
                    x.fold(&mut parts[p], &reqs[at..end]);
                    at = end;
                }
                while parts.len() > 1 {
                    let from = parts.swap_remove(rng.below(parts.len() as u64) as usize);
                    let j = rng.below(parts.len() as u64) as usize;
                    x.merge(&mut parts[j], from);
                }
                SystemRead {
                    part: parts.pop().unwrap(),
                    ..whole(x, name)
                }
            };
            let got = report(vec![split(&a, "legacy"), split(&b, "lambda")]);
            assert!(got == want, "trial {trial} differs from one batch");
        }
    }
}
