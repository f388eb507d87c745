//! Target groups side by side: the strangler-fig migration view. Which backend served what,
//! how well and how fast, and which routes moved from one backend to another.

use std::collections::BTreeMap;

use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::{rate, Keyed};
use super::errors::query_bucket;
use super::histogram::Histogram;
use crate::engine::athena::rows::{parse_alb_time, set_id, Row, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish};
use crate::error::UsageError;
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us};

#[derive(Debug, Clone, Serialize)]
pub struct BackendsReport {
    pub requests: u64,
    pub target_groups: Vec<Backend>,
    /// Routes served by more than one target group: the migration, route by route.
    pub moved_routes: Vec<MovedRoute>,
    pub bucket: String,
    pub over_time: Vec<BackendShare>,
    #[serde(skip)]
    pub bucket_us: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Backend {
    /// null: no target group (fixed responses, redirects, malformed requests).
    pub target_group: Option<String>,
    pub requests: u64,
    /// Share of all requests.
    pub share: f64,
    /// Requests with elb_status_code < 500 / requests.
    pub success_rate: Option<f64>,
    pub errors_5xx: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub no_latency: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MovedRoute {
    pub method: Option<String>,
    pub endpoint: Option<String>,
    /// One entry per target group that served the route, the earliest first.
    pub served_by: Vec<RouteOnBackend>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteOnBackend {
    pub target_group: Option<String>,
    pub requests: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub success_rate: Option<f64>,
}

/// Requests per target group in one time bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BackendShare {
    pub start: String,
    pub target_group: Option<String>,
    pub requests: u64,
    /// Share of the bucket's requests.
    pub share: f64,
}

/// One target group (or one route on one group): requests, successes, 5XX, latencies and
/// when it was first and last seen.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub requests: u64,
    /// status < 500
    pub ok: u64,
    pub e5: u64,
    pub hist: Histogram,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Group {
    fn add(&mut self, r: &Request<'_>) {
        self.requests += 1;
        match r.status {
            Some(s) if s < 500 => self.ok += 1,
            Some(s) if s < 600 => self.e5 += 1,
            _ => {}
        }
        self.hist.add(r.latency_ms);
        self.seen(r.time_us, r.time_us);
    }

    /// Widens first/last seen.
    pub fn seen(&mut self, first: i64, last: i64) {
        self.first = Some(self.first.map_or(first, |f| f.min(first)));
        self.last = Some(self.last.map_or(last, |l| l.max(last)));
    }
}

impl Merge for Group {
    fn merge(&mut self, o: Group) {
        self.requests += o.requests;
        self.ok += o.ok;
        self.e5 += o.e5;
        self.hist.merge(o.hist);
        if let (Some(f), Some(l)) = (o.first, o.last) {
            self.seen(f, l);
        }
    }
}

/// The backends analysis' partial.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BackendsPartial {
    pub by_group: Keyed<Group>,
    /// (method, endpoint, target group) for requests that reached a target group.
    pub by_route: Keyed<Group>,
    /// Requests per target group per bucket.
    pub over_time: TimeBuckets<Keyed<u64>>,
}

/// The backends analysis: its settings.
#[derive(Debug, Clone)]
pub struct Backends {
    pub plan: BucketPlan,
}

impl Analysis for Backends {
    type Partial = BackendsPartial;
    type Report = BackendsReport;

    fn name(&self) -> &'static str {
        "backends"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::Backend])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[Role::Status, Role::LatencyMs, Role::Method, Role::Endpoint])
    }

    fn partial(&self) -> BackendsPartial {
        BackendsPartial {
            by_group: Keyed::default(),
            by_route: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
        }
    }

    fn fold(&self, p: &mut BackendsPartial, batch: &[Request<'_>]) {
        for r in batch.iter().filter(|r| !r.excluded && r.backend.is_some()) {
            p.by_route
                .entry(&[r.method, r.endpoint.as_deref(), r.backend])
                .add(r);
        }
        // keys looked up once per run of requests that share them
        let live = |r: &Request<'_>| !r.excluded;
        p.by_group
            .fold_runs(batch, |r| live(r).then_some([r.backend]), |g, r| g.add(r));
        p.over_time.fold_runs(
            batch,
            |r| live(r).then_some(r.time_us),
            |groups, r| *groups.entry(&[r.backend]) += 1,
        );
    }

    fn merge(&self, into: &mut BackendsPartial, from: BackendsPartial) {
        into.by_group.merge(from.by_group);
        into.by_route.merge(from.by_route);
        into.over_time.merge(from.over_time);
    }

    fn finish(&self, p: BackendsPartial, end: &Finish) -> BackendsReport {
        let bucket_us = self.plan.bucket(end.span_us());
        let mut groups: Vec<(Option<String>, Group)> = p
            .by_group
            .into_rows()
            .map(|(mut k, g)| (k.pop().flatten(), g))
            .collect();
        // by name first, so groups with as many requests come in name order
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let requests: u64 = groups.iter().map(|(_, g)| g.requests).sum();
        let mut target_groups: Vec<Backend> = groups
            .into_iter()
            .map(|(tg, g)| {
                let s = g.hist.stats();
                Backend {
                    target_group: tg,
                    requests: g.requests,
                    share: g.requests as f64 / requests.max(1) as f64,
                    success_rate: rate(g.ok, g.requests),
                    errors_5xx: g.e5,
                    p50_ms: s.p50,
                    p99_ms: s.p99,
                    no_latency: g.hist.no_latency(),
                    first_seen: g.first.map(format_us),
                    last_seen: g.last.map(format_us),
                }
            })
            .collect();
        target_groups.sort_by_key(|b| std::cmp::Reverse(b.requests));

        // routes that more than one target group served, each group from its first request on
        let mut routes: Vec<(Route, Option<i64>, RouteOnBackend)> = p
            .by_route
            .into_rows()
            .map(|(mut k, g)| {
                let tg = k.pop().flatten();
                let endpoint = k.pop().flatten();
                let method = k.pop().flatten();
                let s = g.hist.stats();
                (
                    (method, endpoint),
                    g.first,
                    RouteOnBackend {
                        target_group: tg,
                        requests: g.requests,
                        first_seen: g.first.map(format_us),
                        last_seen: g.last.map(format_us),
                        p50_ms: s.p50,
                        p99_ms: s.p99,
                        success_rate: rate(g.ok, g.requests),
                    },
                )
            })
            .collect();
        routes.sort_by(|a, b| (&a.0, a.1, &a.2.target_group).cmp(&(&b.0, b.1, &b.2.target_group)));
        let mut moved_routes: Vec<MovedRoute> = Vec::new();
        for ((method, endpoint), _, on) in routes {
            match moved_routes.last_mut() {
                Some(m) if m.method == method && m.endpoint == endpoint => m.served_by.push(on),
                _ => moved_routes.push(MovedRoute {
                    method,
                    endpoint,
                    served_by: vec![on],
                }),
            }
        }
        moved_routes.retain(|m| m.served_by.len() > 1);

        let mut over_time = Vec::new();
        for (t, per_group) in p.over_time.finish(bucket_us) {
            let shares: BTreeMap<Option<String>, u64> = per_group
                .into_rows()
                .map(|(mut k, n)| (k.pop().flatten(), n))
                .collect();
            let total: u64 = shares.values().sum();
            for (tg, n) in shares {
                over_time.push(BackendShare {
                    start: format_us(t),
                    target_group: tg,
                    requests: n,
                    share: n as f64 / total.max(1) as f64,
                });
            }
        }

        BackendsReport {
            requests,
            target_groups,
            moved_routes,
            bucket: format_duration(bucket_us),
            over_time,
            bucket_us,
        }
    }
}

/// A route: method and endpoint.
type Route = (Option<String>, Option<String>);

/// The backends query (queries/backends.sql).
const BACKENDS_SQL: &str = include_str!("../../queries/backends.sql");

const BACKENDS_ARGS: [&str; 5] = ["target_group", "method", "endpoint", "bucket", "ms"];

impl Group {
    /// A result row of a group at one latency value.
    fn add_row(&mut self, r: &Rows<'_>, row: &Row) -> anyhow::Result<()> {
        let n = r.u64(row, "requests")?;
        self.hist.add_n(r.f64(row, "ms")?, n);
        self.requests += n;
        self.ok += r.u64(row, "ok")?;
        self.e5 += r.u64(row, "e5")?;
        let first = r.text(row, "first_seen")?.map(parse_alb_time).transpose()?;
        let last = r.text(row, "last_seen")?.map(parse_alb_time).transpose()?;
        if let (Some(f), Some(l)) = (first, last) {
            self.seen(f, l);
        }
        Ok(())
    }
}

impl AthenaPlan for Backends {
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        sql.render(
            BACKENDS_SQL,
            &[
                ("latency_ms", &sql.latency(Role::LatencyMs)),
                ("bucket", &sql.bucket(query_bucket(&self.plan)?)),
            ],
        )
    }

    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(BackendsPartial, Apart)> {
        let r = Rows::new(rows);
        let id = |keys: &[&str]| set_id(&BACKENDS_ARGS, keys);
        let (by_group, by_route, by_time) = (
            id(&["target_group", "ms"]),
            id(&["method", "endpoint", "target_group", "ms"]),
            id(&["bucket", "target_group"]),
        );
        let mut apart = Apart::default();
        let mut p = self.partial();
        let mut requests = 0;
        for row in r.iter() {
            let set = r.set(row)?;
            if r.set_apart(row, set == by_group, r.u64(row, "requests")?, &mut apart)? {
                continue;
            }
            let tg = r.text(row, "target_group")?;
            if set == by_group {
                requests += r.u64(row, "requests")?;
                p.by_group.entry(&[tg]).add_row(&r, row)?;
            } else if set == by_route {
                // the migration view only looks at requests that reached a target group
                if tg.is_some() {
                    let (m, e) = (r.text(row, "method")?, r.text(row, "endpoint")?);
                    p.by_route.entry(&[m, e, tg]).add_row(&r, row)?;
                }
            } else if set == by_time {
                if let Some(start) = r.bucket(row)? {
                    let mut shares: Keyed<u64> = Keyed::default();
                    *shares.entry(&[tg]) += r.u64(row, "requests")?;
                    p.over_time.add(start, shares);
                }
            }
        }
        apart.requests = requests + apart.excluded;
        Ok((p, apart))
    }
}
