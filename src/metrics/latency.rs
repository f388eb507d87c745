//! Latency percentiles: exact, with linear interpolation between the two nearest ranks
//! (DuckDB's quantile_cont, Polars' "linear", numpy's default). Requests without a latency
//! (a -1 processing time) are counted apart, never as 0.

use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::Keyed;
use super::errors::query_bucket;
use super::histogram::Histogram;
use crate::engine::athena::rows::{set_id, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish};
use crate::error::UsageError;
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us};

/// Which latency to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LatencyField {
    /// request + target + response processing time
    #[default]
    Total,
    /// request_processing_time: ALB received the request → sent it to a target
    Request,
    /// target_processing_time: sent to the target → target started its response (nginx:
    /// upstream_response_time; API Gateway: integrationLatency, also `--field integration`)
    #[value(alias = "integration")]
    Target,
    /// response_processing_time: response from the target → sent to the client
    Response,
}

impl LatencyField {
    /// The role holding this latency.
    pub fn role(self) -> Role {
        match self {
            LatencyField::Total => Role::LatencyMs,
            LatencyField::Request => Role::RequestMs,
            LatencyField::Target => Role::UpstreamMs,
            LatencyField::Response => Role::ResponseMs,
        }
    }

    /// This latency of a request, in ms.
    pub fn of(self, r: &Request<'_>) -> Option<f64> {
        match self {
            LatencyField::Total => r.latency_ms,
            LatencyField::Request => r.request_ms,
            LatencyField::Target => r.upstream_ms,
            LatencyField::Response => r.response_ms,
        }
    }
}

pub const QUANTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p999", 0.999),
];

#[derive(Debug, Clone)]
pub struct LatencyConfig {
    pub field: LatencyField,
    pub top: usize,
}

/// Percentiles in milliseconds over the requests that have a latency.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Stats {
    pub count: u64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatencyReport {
    pub field: LatencyField,
    pub unit: &'static str,
    pub method: &'static str,
    pub requests: u64,
    /// Requests with no latency (a -1 processing time), left out of every percentile.
    pub no_latency: u64,
    pub overall: Stats,
    pub by_endpoint: Vec<KeyStats>,
    pub by_target_group: Vec<KeyStats>,
    pub bucket: String,
    pub over_time: Vec<TimeStats>,
    #[serde(skip)]
    pub bucket_us: i64,
    /// Every latency with its count, for the histogram chart.
    #[serde(skip)]
    pub histogram: Histogram,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyStats {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    pub no_latency: u64,
    #[serde(flatten)]
    pub stats: Stats,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeStats {
    pub start: String,
    pub no_latency: u64,
    #[serde(flatten)]
    pub stats: Stats,
}

pub const METHOD: &str =
    "exact percentiles, linear interpolation between closest ranks (quantile_cont)";

/// Slowest p99 first, then by method and endpoint; `top` rows.
pub fn rank_by_p99(rows: &mut Vec<KeyStats>, top: usize) {
    rows.sort_by(|a, b| {
        b.stats
            .p99
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.stats.p99.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.method.cmp(&b.method))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    rows.truncate(top);
}

/// The latency analysis' partial: histograms per endpoint, target group and bucket. The
/// overall histogram is the target groups' together (every request has one, `None`
/// included), made at the finish: one histogram update less per request.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LatencyPartial {
    pub by_endpoint: Keyed<Histogram>,
    pub by_target_group: Keyed<Histogram>,
    pub over_time: TimeBuckets<Histogram>,
}

impl LatencyPartial {
    /// Every request's latency: the target groups' histograms together.
    pub fn overall(&self) -> Histogram {
        let mut all = Histogram::default();
        for h in self.by_target_group.values() {
            all.merge(h.clone());
        }
        all
    }
}

/// The latency analysis: its settings.
#[derive(Debug, Clone)]
pub struct Latency {
    pub config: LatencyConfig,
    pub plan: BucketPlan,
}

impl Analysis for Latency {
    type Partial = LatencyPartial;
    type Report = LatencyReport;

    fn name(&self) -> &'static str {
        "latency"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, self.config.field.role()])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[Role::Method, Role::Endpoint, Role::Backend])
    }

    fn partial(&self) -> LatencyPartial {
        LatencyPartial {
            by_endpoint: Keyed::default(),
            by_target_group: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
        }
    }

    fn fold(&self, p: &mut LatencyPartial, batch: &[Request<'_>]) {
        let field = self.config.field;
        let live = |r: &Request<'_>| !r.excluded;
        let add = |h: &mut Histogram, r: &Request<'_>| h.add(field.of(r));
        // each key looked up once per run of requests that share it (one time bucket holds
        // hundreds of requests in a row)
        p.by_endpoint.fold_runs(
            batch,
            |r| live(r).then_some([r.method, r.endpoint.as_deref()]),
            add,
        );
        p.by_target_group
            .fold_runs(batch, |r| live(r).then_some([r.backend]), add);
        p.over_time
            .fold_runs(batch, |r| live(r).then_some(r.time_us), add);
    }

    fn merge(&self, into: &mut LatencyPartial, from: LatencyPartial) {
        into.by_endpoint.merge(from.by_endpoint);
        into.by_target_group.merge(from.by_target_group);
        into.over_time.merge(from.over_time);
    }

    fn finish(&self, p: LatencyPartial, end: &Finish) -> LatencyReport {
        let bucket_us = self.plan.bucket(end.span_us());
        let overall = p.overall();
        let mut by_endpoint: Vec<KeyStats> = p
            .by_endpoint
            .into_rows()
            .map(|(mut k, h)| {
                let endpoint = k.pop().flatten();
                let method = k.pop().flatten();
                KeyStats {
                    method,
                    endpoint,
                    target_group: None,
                    no_latency: h.no_latency(),
                    stats: h.stats(),
                }
            })
            .collect();
        rank_by_p99(&mut by_endpoint, self.config.top);
        let mut by_target_group: Vec<KeyStats> = p
            .by_target_group
            .into_rows()
            .map(|(mut k, h)| KeyStats {
                method: None,
                endpoint: None,
                target_group: k.pop().flatten(),
                no_latency: h.no_latency(),
                stats: h.stats(),
            })
            .collect();
        by_target_group.sort_by(|a, b| a.target_group.cmp(&b.target_group));
        let over_time = p
            .over_time
            .finish(bucket_us)
            .into_iter()
            .map(|(t, h)| TimeStats {
                start: format_us(t),
                no_latency: h.no_latency(),
                stats: h.stats(),
            })
            .collect();
        LatencyReport {
            field: self.config.field,
            unit: "ms",
            method: METHOD,
            requests: overall.requests(),
            no_latency: overall.no_latency(),
            overall: overall.stats(),
            by_endpoint,
            by_target_group,
            bucket: format_duration(bucket_us),
            over_time,
            bucket_us,
            histogram: overall,
        }
    }
}

/// The latency query (queries/latency.sql): a histogram per group, so percentiles stay exact.
const LATENCY_SQL: &str = include_str!("../../queries/latency.sql");

const LATENCY_ARGS: [&str; 4] = ["method", "endpoint", "target_group", "bucket"];

impl AthenaPlan for Latency {
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        sql.render(
            LATENCY_SQL,
            &[
                ("latency_ms", &sql.latency(self.config.field.role())),
                ("bucket", &sql.bucket(query_bucket(&self.plan)?)),
            ],
        )
    }

    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(LatencyPartial, Apart)> {
        let r = Rows::new(rows);
        let id = |keys: &[&str]| set_id(&LATENCY_ARGS, keys);
        let (all, endpoint, tg, bucket) = (
            id(&[]),
            id(&["method", "endpoint"]),
            id(&["target_group"]),
            id(&["bucket"]),
        );
        let mut apart = Apart::default();
        let mut p = self.partial();
        for row in r.iter() {
            let set = r.set(row)?;
            let (ms, n) = (r.f64(row, "ms")?, r.u64(row, "n")?);
            if r.set_apart(row, set == all, n, &mut apart)? {
                continue;
            }
            if set == all {
                // the overall histogram is the target groups' together (see LatencyPartial)
                continue;
            }
            if set == endpoint {
                let (m, e) = (r.text(row, "method")?, r.text(row, "endpoint")?);
                p.by_endpoint.entry(&[m, e]).add_n(ms, n);
            } else if set == tg {
                p.by_target_group
                    .entry(&[r.text(row, "target_group")?])
                    .add_n(ms, n);
            } else if set == bucket {
                if let Some(start) = r.bucket(row)? {
                    let mut h = Histogram::default();
                    h.add_n(ms, n);
                    p.over_time.add(start, h);
                }
            } else {
                anyhow::bail!("the Athena latency result has an unknown set_id {set}");
            }
        }
        apart.requests = p.overall().requests() + apart.excluded;
        Ok((p, apart))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Seen;

    #[test]
    fn linear_interpolation_and_nulls_apart() {
        // 1..=10 ms and two requests with no latency, in two batches folded apart and merged
        let a = Latency {
            config: LatencyConfig {
                field: LatencyField::Total,
                top: 10,
            },
            plan: BucketPlan::Fixed(60_000_000),
        };
        let t0 = 1_700_000_000_000_000;
        let reqs: Vec<Request<'_>> = (1..=12)
            .map(|i| Request {
                time_us: t0 + i * 1_000_000,
                method: Some("GET"),
                endpoint: Some("/x".into()),
                latency_ms: (i <= 10).then_some(i as f64),
                ..Request::default()
            })
            .collect();
        let (mut p, mut q) = (a.partial(), a.partial());
        a.fold(&mut p, &reqs[..5]);
        a.fold(&mut q, &reqs[5..]);
        a.merge(&mut p, q);
        let end = Finish {
            window: crate::window::Window::default(),
            seen: Seen {
                excluded: 0,
                first_us: Some(t0),
                last_us: Some(t0 + 12_000_000),
            },
        };
        let r = a.finish(p, &end);
        assert_eq!(r.requests, 12);
        assert_eq!(r.no_latency, 2);
        assert_eq!(r.overall.count, 10);
        // rank = q * (n - 1): p50 → 4.5 → 5.5; p90 → 8.1 → 9.1; p99 → 8.91 → 9.91
        assert!((r.overall.p50.unwrap() - 5.5).abs() < 1e-9);
        assert!((r.overall.p90.unwrap() - 9.1).abs() < 1e-9);
        assert!((r.overall.p99.unwrap() - 9.91).abs() < 1e-9);
        assert!((r.overall.p999.unwrap() - 9.991).abs() < 1e-9);
        assert_eq!(r.overall.max, Some(10.0));
        assert_eq!(r.by_endpoint.len(), 1);
        assert_eq!(r.by_endpoint[0].no_latency, 2);
        assert_eq!(r.by_target_group[0].target_group, None);
    }
}
