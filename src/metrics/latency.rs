//! Latency percentiles: exact, with linear interpolation between the two nearest ranks
//! (DuckDB's quantile_cont, Polars' "linear", numpy's default). Requests without a latency
//! (a -1 processing time) are counted apart, never as 0.

use polars::prelude::*;
use serde::Serialize;

use super::common::{bucket_expr, counts, floats, strings, times};
use crate::frame::{Col, ColumnSet};
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
    /// target_processing_time: sent to the target → target started its response
    Target,
    /// response_processing_time: response from the target → sent to the client
    Response,
}

impl LatencyField {
    pub fn column(self) -> Col {
        match self {
            LatencyField::Total => Col::LatencyMs,
            LatencyField::Request => Col::RequestProcessingTime,
            LatencyField::Target => Col::TargetProcessingTime,
            LatencyField::Response => Col::ResponseProcessingTime,
        }
    }

    /// The field in milliseconds, named `ms`.
    pub fn expr(self) -> Expr {
        match self {
            LatencyField::Total => col(Col::LatencyMs.name()).alias("ms"),
            other => (col(other.column().name()) * lit(1000.0)).alias("ms"),
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
    pub bucket_us: i64,
    pub top: usize,
}

pub fn columns(field: LatencyField) -> ColumnSet {
    ColumnSet::of(&[
        Col::Time,
        Col::Method,
        Col::Endpoint,
        Col::TargetGroup,
        field.column(),
    ])
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

fn aggs() -> Vec<Expr> {
    let ms = col("ms");
    let mut v = vec![
        ms.clone().count().cast(DataType::UInt64).alias("count"),
        ms.clone()
            .is_null()
            .cast(DataType::UInt64)
            .sum()
            .alias("no_latency"),
        ms.clone().max().alias("max"),
        ms.clone().mean().alias("mean"),
    ];
    for (name, q) in QUANTILES {
        v.push(
            ms.clone()
                .quantile(lit(q), QuantileMethod::Linear)
                .alias(name),
        );
    }
    v
}

fn stats_rows(df: &DataFrame) -> PolarsResult<Vec<(u64, Stats)>> {
    let count = counts(df, "count")?;
    let none = counts(df, "no_latency")?;
    let q: Vec<Vec<Option<f64>>> = QUANTILES
        .iter()
        .map(|(n, _)| floats(df, n))
        .collect::<PolarsResult<_>>()?;
    let max = floats(df, "max")?;
    let mean = floats(df, "mean")?;
    Ok((0..df.height())
        .map(|i| {
            (
                none[i],
                Stats {
                    count: count[i],
                    p50: q[0][i],
                    p90: q[1][i],
                    p95: q[2][i],
                    p99: q[3][i],
                    p999: q[4][i],
                    max: max[i],
                    mean: mean[i],
                },
            )
        })
        .collect())
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

/// Percentiles over every row of a frame holding the `field`'s column; also returns how many
/// rows had no latency.
pub fn overall(df: &DataFrame, field: LatencyField) -> PolarsResult<(u64, Stats)> {
    overall_of(df.clone().lazy().with_column(field.expr()))
}

fn overall_of(lf: LazyFrame) -> PolarsResult<(u64, Stats)> {
    let df = lf.select(aggs()).collect()?;
    Ok(stats_rows(&df)?.remove(0))
}

/// Computes the report over a frame holding `columns(field)` (excluded traffic dropped).
pub fn compute(df: &DataFrame, cfg: &LatencyConfig) -> PolarsResult<LatencyReport> {
    let lf = df.clone().lazy().with_column(cfg.field.expr());
    let (no_latency, overall) = overall_of(lf.clone())?;

    let ep = lf
        .clone()
        .group_by([col(Col::Method.name()), col(Col::Endpoint.name())])
        .agg(aggs())
        .collect()?;
    let mut by_endpoint: Vec<KeyStats> = strings(&ep, Col::Method.name())?
        .into_iter()
        .zip(strings(&ep, Col::Endpoint.name())?)
        .zip(stats_rows(&ep)?)
        .map(|((method, endpoint), (no_latency, stats))| KeyStats {
            method,
            endpoint,
            target_group: None,
            no_latency,
            stats,
        })
        .collect();
    rank_by_p99(&mut by_endpoint, cfg.top);

    let tg = lf
        .clone()
        .group_by([col(Col::TargetGroup.name())])
        .agg(aggs())
        .sort([Col::TargetGroup.name()], SortMultipleOptions::default())
        .collect()?;
    let by_target_group = strings(&tg, Col::TargetGroup.name())?
        .into_iter()
        .zip(stats_rows(&tg)?)
        .map(|(target_group, (no_latency, stats))| KeyStats {
            method: None,
            endpoint: None,
            target_group,
            no_latency,
            stats,
        })
        .collect();

    let ot = lf
        .group_by([bucket_expr(cfg.bucket_us)])
        .agg(aggs())
        .sort(["bucket"], SortMultipleOptions::default())
        .collect()?;
    let over_time = times(&ot, "bucket")?
        .into_iter()
        .zip(stats_rows(&ot)?)
        .map(|(t, (no_latency, stats))| TimeStats {
            start: t.map(format_us).unwrap_or_default(),
            no_latency,
            stats,
        })
        .collect();

    Ok(LatencyReport {
        field: cfg.field,
        unit: "ms",
        method: METHOD,
        requests: df.height() as u64,
        no_latency,
        overall,
        by_endpoint,
        by_target_group,
        bucket: format_duration(cfg.bucket_us),
        over_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(values: &[Option<f64>]) -> DataFrame {
        let n = values.len();
        let t: Vec<i64> = (0..n as i64)
            .map(|i| 1_700_000_000_000_000 + i * 1_000_000)
            .collect();
        DataFrame::new(
            n,
            vec![
                Column::new("time".into(), t)
                    .cast(&DataType::Datetime(
                        TimeUnit::Microseconds,
                        Some(TimeZone::UTC),
                    ))
                    .unwrap(),
                Column::new("method".into(), vec!["GET"; n]),
                Column::new("endpoint".into(), vec!["/x"; n]),
                Column::new("target_group".into(), vec!["tg"; n]),
                Column::new("latency_ms".into(), values.to_vec()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn linear_interpolation_and_nulls_apart() {
        // 1..=10 ms and two requests with no latency
        let mut v: Vec<Option<f64>> = (1..=10).map(|i| Some(i as f64)).collect();
        v.push(None);
        v.push(None);
        let r = compute(
            &frame(&v),
            &LatencyConfig {
                field: LatencyField::Total,
                bucket_us: 60_000_000,
                top: 10,
            },
        )
        .unwrap();
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
    }
}
