//! 5XX attribution: who failed (the ALB itself or the target), where, and since when.
//!
//! ALB-generated: the target sent no response (`target_status_code` is null: 502, 503, 504,
//! 460, 463, 561, WAF and fixed responses). Target-generated: the target answered the error.

use polars::prelude::*;
use serde::Serialize;

use super::common::{bucket_expr, counts, rate, strings, times};
use crate::frame::{Col, ColumnSet};
use crate::window::{format_duration, format_us};

#[derive(Debug, Clone)]
pub struct ErrorsConfig {
    /// Also attribute 4XX.
    pub include_4xx: bool,
    pub bucket_us: i64,
    /// Failures at or under this latency are "fast" (refused at once), above it "slow".
    pub slow_ms: f64,
    /// Rows per breakdown table.
    pub top: usize,
}

pub fn columns() -> ColumnSet {
    ColumnSet::of(&[
        Col::Time,
        Col::ElbStatusCode,
        Col::TargetStatusCode,
        Col::Method,
        Col::Endpoint,
        Col::TargetIp,
        Col::TargetPort,
        Col::TargetGroup,
        Col::ErrorReason,
        Col::ActionsExecuted,
        Col::LatencyMs,
    ])
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorsReport {
    pub definitions: Vec<String>,
    pub requests: u64,
    pub total_5xx: u64,
    pub alb_generated: u64,
    pub target_generated: u64,
    pub error_rate: Option<f64>,
    /// With --4xx.
    pub total_4xx: Option<u64>,
    pub by_status: Vec<StatusCount>,
    pub by_endpoint: Vec<EndpointErrors>,
    pub by_target: Vec<KeyErrors>,
    pub by_target_group: Vec<KeyErrors>,
    pub by_error_reason: Vec<KeyCount>,
    pub by_actions: Vec<KeyCount>,
    pub bucket: String,
    pub over_time: Vec<TimeErrors>,
    pub fast_vs_slow: FastSlow,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusCount {
    pub status: u16,
    pub count: u64,
    pub alb_generated: u64,
    pub target_generated: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndpointErrors {
    pub method: Option<String>,
    pub endpoint: Option<String>,
    pub requests: u64,
    /// 5XX answers.
    pub errors: u64,
    pub error_rate: Option<f64>,
    pub alb_generated: u64,
    pub target_generated: u64,
    /// 4XX answers, with --4xx.
    pub client_errors: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyErrors {
    pub key: Option<String>,
    pub requests: u64,
    pub errors: u64,
    pub error_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyCount {
    pub key: Option<String>,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeErrors {
    pub start: String,
    pub requests: u64,
    pub errors: u64,
    pub alb_generated: u64,
    pub target_generated: u64,
    pub error_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FastSlow {
    pub threshold_ms: f64,
    /// 5XX answered at or under the threshold.
    pub fast: u64,
    pub slow: u64,
    /// 5XX with no latency (a -1 processing time: the ALB never got a target response).
    pub no_latency: u64,
}

impl EndpointErrors {
    /// An endpoint's counts; the rate and the target's share derived from them.
    pub fn new(
        (method, endpoint): (Option<String>, Option<String>),
        requests: u64,
        errors: u64,
        alb: u64,
        client_errors: Option<u64>,
    ) -> EndpointErrors {
        EndpointErrors {
            method,
            endpoint,
            requests,
            errors,
            error_rate: rate(errors, requests),
            alb_generated: alb,
            target_generated: errors - alb,
            client_errors,
        }
    }
}

impl KeyErrors {
    pub fn new(key: Option<String>, requests: u64, errors: u64) -> KeyErrors {
        KeyErrors {
            key,
            requests,
            errors,
            error_rate: rate(errors, requests),
        }
    }
}

impl TimeErrors {
    /// One bucket (its start in µs); the rate and the target's share derived from the counts.
    pub fn new(start: Option<i64>, requests: u64, errors: u64, alb: u64) -> TimeErrors {
        TimeErrors {
            start: start.map(format_us).unwrap_or_default(),
            requests,
            errors,
            alb_generated: alb,
            target_generated: errors - alb,
            error_rate: rate(errors, requests),
        }
    }
}

fn is_5xx() -> Expr {
    col(Col::ElbStatusCode.name())
        .gt_eq(lit(500))
        .and(col(Col::ElbStatusCode.name()).lt(lit(600)))
}

fn is_4xx() -> Expr {
    col(Col::ElbStatusCode.name())
        .gt_eq(lit(400))
        .and(col(Col::ElbStatusCode.name()).lt(lit(500)))
}

fn alb_5xx() -> Expr {
    is_5xx().and(col(Col::TargetStatusCode.name()).is_null())
}

fn sum_of(e: Expr, name: &str) -> Expr {
    e.cast(DataType::UInt64).sum().alias(name)
}

/// Computes the report over a frame holding `columns()` (excluded traffic already dropped).
pub fn compute(df: &DataFrame, cfg: &ErrorsConfig) -> PolarsResult<ErrorsReport> {
    let lf = df.clone().lazy();
    let totals = lf
        .clone()
        .select([
            len().cast(DataType::UInt64).alias("requests"),
            sum_of(is_5xx(), "e5"),
            sum_of(alb_5xx(), "alb"),
            sum_of(is_4xx(), "e4"),
        ])
        .collect()?;
    let requests = counts(&totals, "requests")?[0];
    let total_5xx = counts(&totals, "e5")?[0];
    let alb_generated = counts(&totals, "alb")?[0];
    let total_4xx = counts(&totals, "e4")?[0];

    let status_filter = if cfg.include_4xx {
        is_5xx().or(is_4xx())
    } else {
        is_5xx()
    };
    let by_status_df = lf
        .clone()
        .filter(status_filter)
        .group_by([col(Col::ElbStatusCode.name())])
        .agg([
            len().cast(DataType::UInt64).alias("count"),
            sum_of(col(Col::TargetStatusCode.name()).is_null(), "alb"),
        ])
        .sort([Col::ElbStatusCode.name()], SortMultipleOptions::default())
        .collect()?;
    let by_status = counts(&by_status_df, Col::ElbStatusCode.name())?
        .into_iter()
        .zip(counts(&by_status_df, "count")?)
        .zip(counts(&by_status_df, "alb")?)
        .map(|((status, count), alb)| StatusCount {
            status: status as u16,
            count,
            alb_generated: alb,
            target_generated: count - alb,
        })
        .collect();

    let ep = lf
        .clone()
        .group_by([col(Col::Method.name()), col(Col::Endpoint.name())])
        .agg([
            len().cast(DataType::UInt64).alias("requests"),
            sum_of(is_5xx(), "errors"),
            sum_of(alb_5xx(), "alb"),
            sum_of(is_4xx(), "e4"),
        ])
        .filter(if cfg.include_4xx {
            col("errors").gt(lit(0)).or(col("e4").gt(lit(0)))
        } else {
            col("errors").gt(lit(0))
        })
        .collect()?;
    let mut by_endpoint: Vec<EndpointErrors> = strings(&ep, Col::Method.name())?
        .into_iter()
        .zip(strings(&ep, Col::Endpoint.name())?)
        .zip(counts(&ep, "requests")?)
        .zip(counts(&ep, "errors")?)
        .zip(counts(&ep, "alb")?)
        .zip(counts(&ep, "e4")?)
        .map(|((((route, requests), errors), alb), e4)| {
            EndpointErrors::new(route, requests, errors, alb, cfg.include_4xx.then_some(e4))
        })
        .collect();
    rank_endpoints(&mut by_endpoint, cfg.top);

    let target_key = concat_str(
        [
            col(Col::TargetIp.name()),
            col(Col::TargetPort.name()).cast(DataType::String),
        ],
        ":",
        false,
    )
    .alias("key");
    let by_target = key_errors(&lf, target_key, cfg.top)?;
    let by_target_group = key_errors(&lf, col(Col::TargetGroup.name()).alias("key"), cfg.top)?;
    let by_error_reason = key_counts(&lf, Col::ErrorReason, cfg.top)?;
    let by_actions = key_counts(&lf, Col::ActionsExecuted, cfg.top)?;

    let ot = lf
        .clone()
        .group_by([bucket_expr(cfg.bucket_us)])
        .agg([
            len().cast(DataType::UInt64).alias("requests"),
            sum_of(is_5xx(), "errors"),
            sum_of(alb_5xx(), "alb"),
        ])
        .sort(["bucket"], SortMultipleOptions::default())
        .collect()?;
    let over_time = times(&ot, "bucket")?
        .into_iter()
        .zip(counts(&ot, "requests")?)
        .zip(counts(&ot, "errors")?)
        .zip(counts(&ot, "alb")?)
        .map(|(((t, requests), errors), alb)| TimeErrors::new(t, requests, errors, alb))
        .collect();

    let latency = col(Col::LatencyMs.name());
    let fs = lf
        .filter(is_5xx())
        .select([
            sum_of(latency.clone().lt_eq(lit(cfg.slow_ms)), "fast"),
            sum_of(latency.clone().gt(lit(cfg.slow_ms)), "slow"),
            sum_of(latency.is_null(), "none"),
        ])
        .collect()?;
    let fast_vs_slow = FastSlow {
        threshold_ms: cfg.slow_ms,
        fast: counts(&fs, "fast")?[0],
        slow: counts(&fs, "slow")?[0],
        no_latency: counts(&fs, "none")?[0],
    };

    Ok(ErrorsReport {
        definitions: definitions(cfg.slow_ms),
        requests,
        total_5xx,
        alb_generated,
        target_generated: total_5xx - alb_generated,
        error_rate: rate(total_5xx, requests),
        total_4xx: cfg.include_4xx.then_some(total_4xx),
        by_status,
        by_endpoint,
        by_target,
        by_target_group,
        by_error_reason,
        by_actions,
        bucket: format_duration(cfg.bucket_us),
        over_time,
        fast_vs_slow,
    })
}

/// The report's definitions, printed with it.
pub fn definitions(slow_ms: f64) -> Vec<String> {
    vec![
        "5XX: elb_status_code 500-599, what the client received".into(),
        "ALB-generated: no target response (target_status_code null); target-generated: the target answered".into(),
        format!("fast failures: latency_ms <= {slow_ms} ms; slow: above"),
    ]
}

/// Most errors (with --4xx, 5XX + 4XX) first, then by method and endpoint; `top` rows.
pub fn rank_endpoints(rows: &mut Vec<EndpointErrors>, top: usize) {
    rows.sort_by(|a, b| {
        (b.errors + b.client_errors.unwrap_or(0))
            .cmp(&(a.errors + a.client_errors.unwrap_or(0)))
            .then_with(|| a.method.cmp(&b.method))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    rows.truncate(top);
}

pub fn rank_key_errors(rows: &mut Vec<KeyErrors>, top: usize) {
    rows.sort_by(|a, b| b.errors.cmp(&a.errors).then_with(|| a.key.cmp(&b.key)));
    rows.truncate(top);
}

pub fn rank_key_counts(rows: &mut Vec<KeyCount>, top: usize) {
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    rows.truncate(top);
}

fn key_errors(lf: &LazyFrame, key: Expr, top: usize) -> PolarsResult<Vec<KeyErrors>> {
    let df = lf
        .clone()
        .group_by([key])
        .agg([
            len().cast(DataType::UInt64).alias("requests"),
            sum_of(is_5xx(), "errors"),
        ])
        .filter(col("errors").gt(lit(0)))
        .collect()?;
    let mut rows: Vec<KeyErrors> = strings(&df, "key")?
        .into_iter()
        .zip(counts(&df, "requests")?)
        .zip(counts(&df, "errors")?)
        .map(|((key, requests), errors)| KeyErrors::new(key, requests, errors))
        .collect();
    rank_key_errors(&mut rows, top);
    Ok(rows)
}

fn key_counts(lf: &LazyFrame, key: Col, top: usize) -> PolarsResult<Vec<KeyCount>> {
    let df = lf
        .clone()
        .filter(is_5xx())
        .group_by([col(key.name()).alias("key")])
        .agg([len().cast(DataType::UInt64).alias("count")])
        .collect()?;
    let mut rows: Vec<KeyCount> = strings(&df, "key")?
        .into_iter()
        .zip(counts(&df, "count")?)
        .map(|(key, count)| KeyCount { key, count })
        .collect();
    rank_key_counts(&mut rows, top);
    Ok(rows)
}
