//! 5XX attribution: who failed (the ALB itself or the target), where, and since when.
//!
//! ALB-generated: the target sent no response (`target_status_code` is null: 502, 503, 504,
//! 460, 463, 561, WAF and fixed responses). Target-generated: the target answered the error.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;
use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::{rate, Keyed};
use super::histogram::Histogram;
use crate::engine::athena::rows::{set_id, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish};
use crate::error::UsageError;
use crate::format::{Request, Role, RoleSet};
use crate::sql::{lit_double, Fragment};
use crate::window::{format_duration, format_us};

#[derive(Debug, Clone)]
pub struct ErrorsConfig {
    /// Also attribute 4XX.
    pub include_4xx: bool,
    /// Failures at or under this latency are "fast" (refused at once), above it "slow".
    pub slow_ms: f64,
    /// Rows per breakdown table.
    pub top: usize,
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
    /// Who answered the failures, where the log tells it (API Gateway): 5XX by `gateway`,
    /// `integration`, `function`; with --4xx also `waf`, `authorizer`, `throttling`, `client`.
    /// Absent when no failure of the window was attributed so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_cause: Option<std::collections::BTreeMap<&'static str, u64>>,
    pub bucket: String,
    pub over_time: Vec<TimeErrors>,
    pub fast_vs_slow: FastSlow,
    #[serde(skip)]
    pub bucket_us: i64,
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

fn is_5xx(s: Option<u16>) -> bool {
    s.is_some_and(|s| (500..600).contains(&s))
}

fn is_4xx(s: Option<u16>) -> bool {
    s.is_some_and(|s| (400..500).contains(&s))
}

/// Requests, 5XX and the hop's own 5XX of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub requests: u64,
    pub errors: u64,
    pub alb: u64,
    pub e4: u64,
}
crate::merge_by_adding!(Tally {
    requests,
    errors,
    alb,
    e4
});

impl Tally {
    fn add(&mut self, r: &Request<'_>) {
        self.requests += 1;
        if is_5xx(r.status) {
            self.errors += 1;
            self.alb += u64::from(r.generated);
        } else if is_4xx(r.status) {
            self.e4 += 1;
        }
    }
}

/// The causes a format attributes failures to, 5XX first (see [`ErrorsReport::by_cause`]).
const CAUSES_5XX: [&str; 3] = ["gateway", "integration", "function"];
const CAUSES_4XX: [&str; 4] = ["waf", "authorizer", "throttling", "client"];

/// Every cause of its class with its count (zeros included), when any failure was attributed.
fn by_cause(
    counted: &std::collections::BTreeMap<String, u64>,
    include_4xx: bool,
) -> Option<std::collections::BTreeMap<&'static str, u64>> {
    let mut named: Vec<&'static str> = CAUSES_5XX.to_vec();
    if include_4xx {
        named.extend(CAUSES_4XX);
    }
    named.iter().any(|c| counted.contains_key(*c)).then(|| {
        named
            .iter()
            .map(|c| (*c, counted.get(*c).copied().unwrap_or(0)))
            .collect()
    })
}

/// The errors analysis' partial: counts per status, endpoint, target, reason and bucket.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ErrorsPartial {
    all: Tally,
    /// status → (count, ALB-generated), 4XX and 5XX only.
    by_status: HashMap<u16, (u64, u64), FxBuildHasher>,
    by_endpoint: Keyed<Tally>,
    by_target: Keyed<Tally>,
    by_target_group: Keyed<Tally>,
    /// 5XX per error reason and per actions executed.
    by_error_reason: Keyed<u64>,
    by_actions: Keyed<u64>,
    /// 4XX and 5XX per cause, where the format tells it (4XX kept: `--4xx` is applied at the
    /// finish).
    #[serde(default)]
    by_cause: std::collections::BTreeMap<String, u64>,
    over_time: TimeBuckets<Tally>,
    /// Fast and slow 5XX counted by an engine that applied the threshold (Athena).
    fast: u64,
    slow: u64,
    no_latency: u64,
    /// The 5XX latencies folded here: fast and slow are counted from them at the finish, so
    /// a partial does not depend on `--slow` (the store keeps it under any threshold).
    e5_ms: Histogram,
}

/// The errors analysis: its settings.
#[derive(Debug, Clone)]
pub struct Errors {
    pub config: ErrorsConfig,
    pub plan: BucketPlan,
}

impl Analysis for Errors {
    type Partial = ErrorsPartial;
    type Report = ErrorsReport;

    fn name(&self) -> &'static str {
        "errors"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::Status])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[
            Role::Generated,
            Role::Method,
            Role::Endpoint,
            Role::Target,
            Role::Backend,
            Role::ErrorReason,
            Role::Actions,
            Role::LatencyMs,
        ])
    }

    fn partial(&self) -> ErrorsPartial {
        ErrorsPartial {
            all: Tally::default(),
            by_status: HashMap::default(),
            by_endpoint: Keyed::default(),
            by_target: Keyed::default(),
            by_target_group: Keyed::default(),
            by_error_reason: Keyed::default(),
            by_cause: Default::default(),
            by_actions: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
            fast: 0,
            slow: 0,
            no_latency: 0,
            e5_ms: Histogram::default(),
        }
    }

    fn fold(&self, p: &mut ErrorsPartial, batch: &[Request<'_>]) {
        let mut target = String::new();
        for r in batch.iter().filter(|r| !r.excluded) {
            p.all.add(r);
            p.by_endpoint
                .entry(&[r.method, r.endpoint.as_deref()])
                .add(r);
            let t = r.target.map(|t| {
                t.write_into(&mut target);
                target.as_str()
            });
            p.by_target.entry(&[t]).add(r);
            let Some(status) = r.status.filter(|s| (400..600).contains(s)) else {
                continue;
            };
            let s = p.by_status.entry(status).or_default();
            s.0 += 1;
            s.1 += u64::from(r.generated);
            if let Some(c) = r.cause {
                match p.by_cause.get_mut(c) {
                    Some(n) => *n += 1,
                    None => {
                        p.by_cause.insert(c.to_string(), 1);
                    }
                }
            }
            if !is_5xx(r.status) {
                continue;
            }
            *p.by_error_reason.entry(&[r.error_reason]) += 1;
            *p.by_actions.entry(&[r.actions]) += 1;
            p.e5_ms.add(r.latency_ms);
        }
        // keys looked up once per run of requests that share them
        let live = |r: &Request<'_>| !r.excluded;
        p.by_target_group
            .fold_runs(batch, |r| live(r).then_some([r.backend]), |t, r| t.add(r));
        p.over_time
            .fold_runs(batch, |r| live(r).then_some(r.time_us), |t, r| t.add(r));
    }

    fn merge(&self, into: &mut ErrorsPartial, from: ErrorsPartial) {
        into.all.merge(from.all);
        for (k, v) in from.by_status {
            let s = into.by_status.entry(k).or_default();
            s.0 += v.0;
            s.1 += v.1;
        }
        into.by_endpoint.merge(from.by_endpoint);
        into.by_target.merge(from.by_target);
        into.by_target_group.merge(from.by_target_group);
        into.by_error_reason.merge(from.by_error_reason);
        into.by_actions.merge(from.by_actions);
        for (c, n) in from.by_cause {
            *into.by_cause.entry(c).or_default() += n;
        }
        into.over_time.merge(from.over_time);
        into.fast += from.fast;
        into.slow += from.slow;
        into.no_latency += from.no_latency;
        into.e5_ms.merge(from.e5_ms);
    }

    fn finish(&self, p: ErrorsPartial, end: &Finish) -> ErrorsReport {
        let cfg = &self.config;
        let bucket_us = self.plan.bucket(end.span_us());
        let (mut fast, mut slow) = (0, 0);
        for (ms, n) in p.e5_ms.sorted() {
            if ms <= cfg.slow_ms {
                fast += n;
            } else {
                slow += n;
            }
        }
        let mut by_status: Vec<StatusCount> = p
            .by_status
            .into_iter()
            .filter(|(s, _)| *s >= 500 || cfg.include_4xx)
            .map(|(status, (count, alb))| StatusCount {
                status,
                count,
                alb_generated: alb,
                target_generated: count - alb,
            })
            .collect();
        by_status.sort_by_key(|s| s.status);
        let mut by_endpoint: Vec<EndpointErrors> = p
            .by_endpoint
            .into_rows()
            .filter(|(_, t)| t.errors > 0 || (cfg.include_4xx && t.e4 > 0))
            .map(|(mut k, t)| {
                let endpoint = k.pop().flatten();
                let method = k.pop().flatten();
                let e4 = cfg.include_4xx.then_some(t.e4);
                EndpointErrors::new((method, endpoint), t.requests, t.errors, t.alb, e4)
            })
            .collect();
        rank_endpoints(&mut by_endpoint, cfg.top);
        let keyed = |k: Keyed<Tally>| -> Vec<KeyErrors> {
            let mut rows: Vec<KeyErrors> = k
                .into_rows()
                .filter(|(_, t)| t.errors > 0)
                .map(|(mut k, t)| KeyErrors::new(k.pop().flatten(), t.requests, t.errors))
                .collect();
            rank_key_errors(&mut rows, cfg.top);
            rows
        };
        let counted = |k: Keyed<u64>| -> Vec<KeyCount> {
            let mut rows: Vec<KeyCount> = k
                .into_rows()
                .map(|(mut k, count)| KeyCount {
                    key: k.pop().flatten(),
                    count,
                })
                .collect();
            rank_key_counts(&mut rows, cfg.top);
            rows
        };
        let over_time = p
            .over_time
            .finish(bucket_us)
            .into_iter()
            .map(|(t, c)| TimeErrors::new(Some(t), c.requests, c.errors, c.alb))
            .collect();
        ErrorsReport {
            definitions: definitions(cfg.slow_ms),
            requests: p.all.requests,
            total_5xx: p.all.errors,
            alb_generated: p.all.alb,
            target_generated: p.all.errors - p.all.alb,
            error_rate: rate(p.all.errors, p.all.requests),
            total_4xx: cfg.include_4xx.then_some(p.all.e4),
            by_status,
            by_endpoint,
            by_target: keyed(p.by_target),
            by_target_group: keyed(p.by_target_group),
            by_error_reason: counted(p.by_error_reason),
            by_actions: counted(p.by_actions),
            by_cause: by_cause(&p.by_cause, cfg.include_4xx),
            bucket: format_duration(bucket_us),
            over_time,
            fast_vs_slow: FastSlow {
                threshold_ms: cfg.slow_ms,
                fast: p.fast + fast,
                slow: p.slow + slow,
                no_latency: p.no_latency + p.e5_ms.no_latency(),
            },
            bucket_us,
        }
    }
}

/// The errors query (queries/errors.sql): one scan, one grouping set per table.
const ERRORS_SQL: &str = include_str!("../../queries/errors.sql");

const ERRORS_ARGS: [&str; 9] = [
    "status",
    "method",
    "endpoint",
    "target",
    "target_group",
    "error_reason",
    "actions",
    "bucket",
    "cause",
];

/// A query's bucket: Athena runs with a bounded window, so it is known before reading.
pub fn query_bucket(plan: &BucketPlan) -> Result<i64, UsageError> {
    plan.fixed()
        .ok_or_else(|| UsageError("the Athena engine needs a bounded window".into()))
}

impl AthenaPlan for Errors {
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        sql.render(
            ERRORS_SQL,
            &[
                ("latency_ms", &sql.latency(Role::LatencyMs)),
                ("bucket", &sql.bucket(query_bucket(&self.plan)?)),
                (
                    "slow_ms",
                    &Fragment::literal(lit_double(self.config.slow_ms)?),
                ),
            ],
        )
    }

    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(ErrorsPartial, Apart)> {
        let r = Rows::new(rows);
        let id = |keys: &[&str]| set_id(&ERRORS_ARGS, keys);
        let cause = id(&["cause"]);
        let (all, status, endpoint, target, tg, reason, actions, bucket) = (
            id(&[]),
            id(&["status"]),
            id(&["method", "endpoint"]),
            id(&["target"]),
            id(&["target_group"]),
            id(&["error_reason"]),
            id(&["actions"]),
            id(&["bucket"]),
        );
        let mut apart = Apart::default();
        let mut p = self.partial();
        for row in r.iter() {
            let set = r.set(row)?;
            let n = r.u64(row, "requests")?;
            if r.set_apart(row, set == all, n, &mut apart)? {
                continue;
            }
            let t = Tally {
                requests: n,
                errors: r.u64(row, "e5")?,
                alb: r.u64(row, "alb")?,
                e4: r.u64(row, "e4")?,
            };
            if set == all {
                p.all.merge(t);
                p.fast += r.u64(row, "fast")?;
                p.slow += r.u64(row, "slow")?;
                p.no_latency += r.u64(row, "e5_no_latency")?;
            } else if set == status {
                let code = r.i64(row, "status")?.and_then(|c| u16::try_from(c).ok());
                if let Some(code) = code.filter(|c| (400..600).contains(c)) {
                    let s = p.by_status.entry(code).or_default();
                    s.0 += n;
                    s.1 += r.u64(row, "no_target")?;
                }
            } else if set == endpoint {
                let (m, e) = (r.text(row, "method")?, r.text(row, "endpoint")?);
                p.by_endpoint.add(&[m, e], t);
            } else if set == target {
                p.by_target.add(&[r.text(row, "target")?], t);
            } else if set == tg {
                p.by_target_group.add(&[r.text(row, "target_group")?], t);
            } else if set == reason && t.errors > 0 {
                p.by_error_reason
                    .add(&[r.text(row, "error_reason")?], t.errors);
            } else if set == actions && t.errors > 0 {
                p.by_actions.add(&[r.text(row, "actions")?], t.errors);
            } else if set == bucket {
                if let Some(start) = r.bucket(row)? {
                    p.over_time.add(start, t);
                }
            } else if set == cause {
                // API Gateway's attribution (NULL for other formats and other statuses)
                if let Some(c) = r.text(row, "cause")? {
                    *p.by_cause.entry(c.to_string()).or_default() += n;
                }
            }
        }
        apart.requests = p.all.requests + apart.excluded;
        Ok((p, apart))
    }
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
