//! Target groups side by side: the strangler-fig migration view. Which backend served what,
//! how well and how fast, and which routes moved from one backend to another.

use polars::prelude::*;
use serde::Serialize;

use super::common::{bucket_expr, counts, floats, rate, strings, times};
use crate::frame::{Col, ColumnSet};
use crate::window::{format_duration, format_us};

pub fn columns() -> ColumnSet {
    ColumnSet::of(&[
        Col::Time,
        Col::TargetGroup,
        Col::ElbStatusCode,
        Col::LatencyMs,
        Col::Method,
        Col::Endpoint,
    ])
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendsReport {
    pub requests: u64,
    pub target_groups: Vec<Backend>,
    /// Routes served by more than one target group: the migration, route by route.
    pub moved_routes: Vec<MovedRoute>,
    pub bucket: String,
    pub over_time: Vec<BackendShare>,
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

fn per_group_aggs() -> Vec<Expr> {
    let status = col(Col::ElbStatusCode.name());
    let ms = col(Col::LatencyMs.name());
    vec![
        len().cast(DataType::UInt64).alias("requests"),
        status
            .clone()
            .lt(lit(500))
            .cast(DataType::UInt64)
            .sum()
            .alias("ok"),
        status
            .clone()
            .gt_eq(lit(500))
            .and(status.lt(lit(600)))
            .cast(DataType::UInt64)
            .sum()
            .alias("e5"),
        ms.clone()
            .quantile(lit(0.5), QuantileMethod::Linear)
            .alias("p50"),
        ms.clone()
            .quantile(lit(0.99), QuantileMethod::Linear)
            .alias("p99"),
        ms.is_null().cast(DataType::UInt64).sum().alias("none"),
        col(Col::Time.name()).min().alias("first"),
        col(Col::Time.name()).max().alias("last"),
    ]
}

pub fn compute(df: &DataFrame, bucket_us: i64) -> PolarsResult<BackendsReport> {
    let lf = df.clone().lazy();
    let requests = df.height() as u64;
    let g = lf
        .clone()
        .group_by([col(Col::TargetGroup.name())])
        .agg(per_group_aggs())
        .sort(
            ["requests"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .collect()?;
    let (req, ok, e5, none) = (
        counts(&g, "requests")?,
        counts(&g, "ok")?,
        counts(&g, "e5")?,
        counts(&g, "none")?,
    );
    let (p50, p99) = (floats(&g, "p50")?, floats(&g, "p99")?);
    let (first, last) = (times(&g, "first")?, times(&g, "last")?);
    let target_groups = strings(&g, Col::TargetGroup.name())?
        .into_iter()
        .enumerate()
        .map(|(i, tg)| Backend {
            target_group: tg,
            requests: req[i],
            share: req[i] as f64 / requests.max(1) as f64,
            success_rate: rate(ok[i], req[i]),
            errors_5xx: e5[i],
            p50_ms: p50[i],
            p99_ms: p99[i],
            no_latency: none[i],
            first_seen: first[i].map(format_us),
            last_seen: last[i].map(format_us),
        })
        .collect();

    // routes that more than one (non-null) target group served
    let r = lf
        .clone()
        .filter(col(Col::TargetGroup.name()).is_not_null())
        .group_by([
            col(Col::Method.name()),
            col(Col::Endpoint.name()),
            col(Col::TargetGroup.name()),
        ])
        .agg(per_group_aggs())
        .sort(
            [Col::Method.name(), Col::Endpoint.name(), "first"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let (methods, endpoints, tgs) = (
        strings(&r, Col::Method.name())?,
        strings(&r, Col::Endpoint.name())?,
        strings(&r, Col::TargetGroup.name())?,
    );
    let (req, ok, p50, p99, first, last) = (
        counts(&r, "requests")?,
        counts(&r, "ok")?,
        floats(&r, "p50")?,
        floats(&r, "p99")?,
        times(&r, "first")?,
        times(&r, "last")?,
    );
    let mut routes: Vec<MovedRoute> = Vec::new();
    for i in 0..r.height() {
        let on = RouteOnBackend {
            target_group: tgs[i].clone(),
            requests: req[i],
            first_seen: first[i].map(format_us),
            last_seen: last[i].map(format_us),
            p50_ms: p50[i],
            p99_ms: p99[i],
            success_rate: rate(ok[i], req[i]),
        };
        match routes.last_mut() {
            Some(m) if m.method == methods[i] && m.endpoint == endpoints[i] => m.served_by.push(on),
            _ => routes.push(MovedRoute {
                method: methods[i].clone(),
                endpoint: endpoints[i].clone(),
                served_by: vec![on],
            }),
        }
    }

    let moved_routes: Vec<MovedRoute> = routes
        .into_iter()
        .filter(|r| r.served_by.len() > 1)
        .collect();

    let ot = lf
        .group_by([bucket_expr(bucket_us), col(Col::TargetGroup.name())])
        .agg([len().cast(DataType::UInt64).alias("requests")])
        .sort(
            ["bucket", Col::TargetGroup.name()],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let buckets = times(&ot, "bucket")?;
    let ns = counts(&ot, "requests")?;
    let mut bucket_totals = std::collections::HashMap::new();
    for (t, n) in buckets.iter().zip(&ns) {
        *bucket_totals.entry(*t).or_insert(0u64) += n;
    }
    let over_time = buckets
        .iter()
        .zip(strings(&ot, Col::TargetGroup.name())?)
        .zip(&ns)
        .map(|((t, tg), n)| BackendShare {
            start: t.map(format_us).unwrap_or_default(),
            target_group: tg,
            requests: *n,
            share: *n as f64 / bucket_totals[t].max(1) as f64,
        })
        .collect();

    Ok(BackendsReport {
        requests,
        target_groups,
        moved_routes,
        bucket: format_duration(bucket_us),
        over_time,
    })
}
