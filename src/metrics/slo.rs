//! The availability SLO: good / valid over the window, error budget, burn rates, and the HOSP
//! control-panel periods.
//!
//! Definitions (also printed with every result and written in docs/slo-gate.md):
//! - total: requests whose `time` falls in the window;
//! - excluded: requests from non-user traffic (config `[exclude]`: user-agent globs, client CIDRs);
//! - valid: total − excluded − requests with no `elb_status_code`;
//! - good: valid requests with `elb_status_code` < 500 and, with a latency threshold, a
//!   `latency_ms` at or under it (requests without a latency, a -1 time, are judged on status);
//! - success rate: good / valid, a ratio of sums over the window, never an average of ratios.

use std::collections::HashMap;

use chrono::{Datelike, TimeZone, Utc};
use rustc_hash::FxBuildHasher;
use serde::Serialize;

use crate::engine::athena::rows::{parse_alb_time, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish, InputStats};
use crate::error::UsageError;
use crate::format::{Request, Role, RoleSet};
use crate::sql::{lit_double, lit_str, Fragment};
pub use crate::window::WindowInfo;
use crate::window::{format_duration, format_us, Window};

/// The SLO's query: counts per minute or second (queries/slo.sql).
const SLO_SQL: &str = include_str!("../../queries/slo.sql");

const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// The control panel lists at most this many days (the JSON and "All" still cover the window).
const MAX_DAY_ROWS: i64 = 31;

/// The SRE workbook's multi-window, multi-burn-rate pairs (Table 5-8 plus the 24h/2h ticket).
pub const BURN_RATE_PAIRS: [(&str, i64, i64, f64); 4] = [
    ("page", HOUR, 5 * MIN, 14.4),
    ("page", 6 * HOUR, 30 * MIN, 6.0),
    ("ticket", DAY, 2 * HOUR, 3.0),
    ("ticket", 3 * DAY, 6 * HOUR, 1.0),
];

/// One multi-window burn-rate alert of an SLO: it fires when the burn rate over both the
/// long and the short window ending at the window's end is above `threshold` (at or above it
/// with `inclusive`, an OpenSLO `gte` condition).
#[derive(Debug, Clone, PartialEq)]
pub struct BurnPair {
    pub severity: String,
    pub long_us: i64,
    pub short_us: i64,
    pub threshold: f64,
    pub inclusive: bool,
}

/// The SRE workbook's pairs ([`BURN_RATE_PAIRS`]): every SLO's alerts unless it names its own.
pub fn default_pairs() -> Vec<BurnPair> {
    BURN_RATE_PAIRS
        .iter()
        .map(|(severity, long, short, threshold)| BurnPair {
            severity: severity.to_string(),
            long_us: *long,
            short_us: *short,
            threshold: *threshold,
            inclusive: false,
        })
        .collect()
}

/// Every time `compute` sums counts from or to, for a window [start, end): the window's ends,
/// the start of each burn-rate window and of the past-hour and past-24-hours periods (days are
/// cut at midnight). Counts kept per minute are exact wherever no such time falls inside a
/// minute.
pub fn boundaries(start: i64, end: i64) -> Vec<i64> {
    boundaries_with(start, end, &default_pairs())
}

/// [`boundaries`] for an SLO with its own burn-rate alerts.
pub fn boundaries_with(start: i64, end: i64, pairs: &[BurnPair]) -> Vec<i64> {
    let mut b = vec![start, end, end - HOUR, end - DAY];
    for p in pairs {
        b.push(end - p.long_us);
        b.push(end - p.short_us);
    }
    b.retain(|t| (start..=end).contains(t));
    b.sort_unstable();
    b.dedup();
    b
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloConfig {
    /// Fraction, e.g. 0.99.
    pub target: f64,
    pub latency_threshold_ms: Option<f64>,
}

/// What the SLO makes of one request (the definitions above): every analysis that counts
/// valid and good requests (`hops` per hop) asks this, so "valid" and "good" mean one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Non-user traffic (config `[exclude]`).
    Excluded,
    /// No status (CloudFront's `000`, an ALB line without `elb_status_code`): not valid.
    NoStatus,
    Good,
    Bad,
}

impl Verdict {
    pub fn valid(self) -> bool {
        matches!(self, Verdict::Good | Verdict::Bad)
    }
}

impl SloConfig {
    /// Judges one request: excluded, without a status, good or bad.
    pub fn verdict(&self, r: &Request<'_>) -> Verdict {
        if r.excluded {
            return Verdict::Excluded;
        }
        let Some(code) = r.status else {
            return Verdict::NoStatus;
        };
        let fast_enough = match self.latency_threshold_ms {
            Some(limit) => r.latency_ms.is_none_or(|ms| ms <= limit),
            None => true,
        };
        if code < 500 && fast_enough {
            Verdict::Good
        } else {
            Verdict::Bad
        }
    }

    /// The roles the SLO reads: the time, the status, and the latency with a threshold.
    pub fn roles(&self) -> RoleSet {
        let set = RoleSet::of(&[Role::Time, Role::Status]);
        if self.latency_threshold_ms.is_some() {
            return set.with(Role::LatencyMs);
        }
        set
    }
}

/// The SLO as an analysis: per-second counts, merged by addition.
#[derive(Debug, Clone, Copy)]
pub struct Slo {
    pub config: SloConfig,
}

impl Analysis for Slo {
    type Partial = SloCounts;
    type Report = SloReport;

    fn name(&self) -> &'static str {
        "slo"
    }

    fn required(&self) -> RoleSet {
        self.config.roles()
    }

    fn partial(&self) -> SloCounts {
        SloCounts::default()
    }

    fn fold(&self, part: &mut SloCounts, batch: &[Request<'_>]) {
        part.fold(batch, &self.config);
    }

    fn merge(&self, into: &mut SloCounts, from: SloCounts) {
        into.merge(from);
    }

    /// The report's `input` is left empty: the command fills it from the run.
    fn finish(&self, part: SloCounts, end: &Finish) -> SloReport {
        let mut report = compute(&part, &end.window, &self.config, InputStats::default());
        report.counts = part;
        report
    }
}

impl AthenaPlan for Slo {
    /// Counts per minute, and per second only in the minutes where one of the report's sums
    /// starts or ends mid-minute: exact, with about 2,000 rows for a day instead of 86,400.
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        let split: Vec<String> = boundaries(sql.since_us, sql.until_us)
            .into_iter()
            .filter(|t| t % MIN != 0)
            .map(|t| format_us(t)[..16].to_string())
            .collect();
        let time = sql.role(Role::Time);
        let cut = |n: &str| {
            let mut f = Fragment::fixed("substr(");
            f.append(&time);
            f.push(&format!(", 1, {n})"), []);
            f
        };
        let mut t = cut("16");
        if !split.is_empty() {
            t = Fragment::fixed("(CASE WHEN ");
            t.append(&cut("16"));
            t.push(" IN (", []);
            for (i, m) in split.iter().enumerate() {
                t.push(if i == 0 { "" } else { ", " }, []);
                t.push_literal(&lit_str(m)?);
            }
            t.push(") THEN ", []);
            t.append(&cut("19"));
            t.push(" ELSE ", []);
            t.append(&cut("16"));
            t.push(" END)", []);
        }
        let fast = match self.config.latency_threshold_ms {
            None => Fragment::fixed("TRUE"),
            Some(ms) => {
                let mut f = Fragment::fixed("ms IS NULL OR ms <= ");
                f.push_literal(&lit_double(ms)?);
                f
            }
        };
        sql.render(
            SLO_SQL,
            &[
                ("second_or_minute", &t),
                ("latency_ms", &sql.latency(Role::LatencyMs)),
                ("fast_enough", &fast),
            ],
        )
    }

    /// The per-second (or per-minute) counts; the row with no time counts the lines the
    /// table's regex could not read.
    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(SloCounts, Apart)> {
        let r = Rows::new(rows);
        let mut counts = SloCounts::default();
        let mut apart = Apart::default();
        for row in r.iter() {
            let n = r.u64(row, "total")?;
            let Some(t) = r.text(row, "t")? else {
                apart.unparsed += n;
                continue;
            };
            apart.requests += n;
            counts.add(
                parse_alb_time(t)?.div_euclid(SEC),
                Counts {
                    total: n,
                    excluded: r.u64(row, "excluded")?,
                    no_status: r.u64(row, "no_status")?,
                    good: r.u64(row, "good")?,
                },
            );
        }
        Ok((counts, apart))
    }
}

/// Request counts for one second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub total: u64,
    pub excluded: u64,
    pub no_status: u64,
    pub good: u64,
}

impl Counts {
    pub fn valid(&self) -> u64 {
        self.total - self.excluded - self.no_status
    }

    pub fn bad(&self) -> u64 {
        self.valid() - self.good
    }

    /// Counts one request the SLO judged.
    pub fn count(&mut self, v: Verdict) {
        self.total += 1;
        match v {
            Verdict::Excluded => self.excluded += 1,
            Verdict::NoStatus => self.no_status += 1,
            Verdict::Good => self.good += 1,
            Verdict::Bad => {}
        }
    }

    pub fn add(&mut self, o: &Counts) {
        self.total += o.total;
        self.excluded += o.excluded;
        self.no_status += o.no_status;
        self.good += o.good;
    }
}

/// Per-second counts: mergeable, so memory follows the window's length, not the input's size.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SloCounts {
    /// Fx-hashed: the fold touches it once per run of one second (a SipHash of every key, and
    /// again on each growth, was more than half of the fold).
    per_second: HashMap<i64, Counts, FxBuildHasher>,
}

impl SloCounts {
    /// Folds one batch of requests (excluded ones flagged) into the counts.
    pub fn fold(&mut self, batch: &[Request<'_>], cfg: &SloConfig) {
        self.fold_where(batch, cfg, |_| true);
    }

    /// Folds the requests of a batch that `keep` accepts (an SLO's endpoints filter).
    pub fn fold_where(
        &mut self,
        batch: &[Request<'_>],
        cfg: &SloConfig,
        keep: impl Fn(&Request<'_>) -> bool,
    ) {
        // rows come nearly in time order: count a run of one second locally and touch the
        // map once per run, not once per row
        let mut run_sec = i64::MIN;
        let mut run = Counts::default();
        for r in batch.iter().filter(|r| keep(r)) {
            let sec = r.time_us.div_euclid(SEC);
            if sec != run_sec {
                self.flush(run_sec, &run);
                run_sec = sec;
                run = Counts::default();
            }
            run.count(cfg.verdict(r));
        }
        self.flush(run_sec, &run);
    }

    /// Adds counts for one second (epoch seconds), e.g. from an engine that counted them.
    pub fn add(&mut self, sec: i64, counts: Counts) {
        self.flush(sec, &counts);
    }

    fn flush(&mut self, sec: i64, run: &Counts) {
        if run.total > 0 {
            self.per_second.entry(sec).or_default().add(run);
        }
    }

    pub fn merge(&mut self, other: SloCounts) {
        if self.per_second.len() < other.per_second.len() {
            let mine = std::mem::replace(&mut self.per_second, other.per_second);
            for (k, v) in mine {
                self.per_second.entry(k).or_default().add(&v);
            }
        } else {
            for (k, v) in other.per_second {
                self.per_second.entry(k).or_default().add(&v);
            }
        }
    }

    /// Counts summed per bucket of `bucket_us` (aligned to multiples of it since the epoch,
    /// like the analyses' buckets) for the buckets of `[start, end)` that hold requests, in
    /// time order. Sparse: its length follows the seconds counted, never the window's span.
    pub fn series(&self, start: i64, end: i64, bucket_us: i64) -> Vec<(i64, Counts)> {
        if start >= end || bucket_us <= 0 {
            return Vec::new();
        }
        let mut buckets: HashMap<i64, Counts> = HashMap::new();
        for (sec, c) in &self.per_second {
            let t = sec * SEC;
            if t < start || t >= end {
                continue;
            }
            buckets
                .entry(t.div_euclid(bucket_us) * bucket_us)
                .or_default()
                .add(c);
        }
        let mut out: Vec<(i64, Counts)> = buckets.into_iter().collect();
        out.sort_unstable_by_key(|(t, _)| *t);
        out
    }

    /// The counts of the seconds inside `window` only.
    pub fn within(&self, window: &crate::window::Window) -> SloCounts {
        SloCounts {
            per_second: self
                .per_second
                .iter()
                .filter(|(sec, _)| window.contains(**sec * SEC))
                .map(|(k, v)| (*k, *v))
                .collect(),
        }
    }

    /// The seconds counted (epoch seconds), in no order: what the store keeps.
    pub fn seconds(&self) -> impl Iterator<Item = (i64, Counts)> + '_ {
        self.per_second.iter().map(|(k, v)| (*k, *v))
    }

    /// The seconds counted in time order (each once): summed by range with a binary search
    /// (a `BTreeMap` built from them cost more, in its stable sort, than the sums).
    fn sorted(&self) -> Vec<(i64, Counts)> {
        let mut v: Vec<(i64, Counts)> = self.per_second.iter().map(|(k, v)| (*k, *v)).collect();
        v.sort_unstable_by_key(|(sec, _)| *sec);
        v
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SloReport {
    /// The hop measured at, when the config has `[[hops]]` (`slo --hop NAME`, else the
    /// outermost): `{name, log_format}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<MeasuredAt>,
    pub definitions: Definitions,
    pub window: WindowInfo,
    pub input: InputStats,
    pub requests: RequestCounts,
    /// good / valid, a fraction 0..1; null when there are no valid requests.
    pub success_rate: Option<f64>,
    pub target: f64,
    /// False when there are no valid requests: the SLO cannot be shown to be met.
    pub met: bool,
    pub latency_threshold_ms: Option<f64>,
    pub error_budget: ErrorBudget,
    /// Observed error ratio over the window / (1 − target).
    pub burn_rate: Option<f64>,
    pub burn_rate_alerts: Vec<BurnRateAlert>,
    pub periods: Vec<Period>,
    /// The SLO window judged, when named (`--window 28d|month|quarter`, config `[slo]
    /// window` or `start`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slo_window: Option<crate::window::SloWindow>,
    /// The per-second counts the report was computed from (for charts; empty from `compute`).
    #[serde(skip)]
    pub counts: SloCounts,
}

/// Which hop an SLO was measured at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MeasuredAt {
    pub name: String,
    pub log_format: crate::format::FormatId,
}

#[derive(Debug, Clone, Serialize)]
pub struct Definitions {
    pub total: String,
    pub excluded: String,
    pub valid: String,
    pub good: String,
    pub success_rate: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RequestCounts {
    pub total: u64,
    pub excluded: u64,
    pub no_status: u64,
    pub valid: u64,
    pub good: u64,
    pub bad: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorBudget {
    /// Bad requests the target allows over the window: (1 − target) × valid.
    pub allowed: f64,
    pub consumed: u64,
    /// allowed − consumed (negative when overspent).
    pub remaining: f64,
    /// remaining / allowed; null when nothing is allowed (no valid requests).
    pub remaining_fraction: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BurnRateAlert {
    pub severity: String,
    pub long_window: String,
    pub short_window: String,
    pub threshold: f64,
    pub long_burn_rate: Option<f64>,
    pub short_burn_rate: Option<f64>,
    /// Both windows burn faster than the threshold.
    pub firing: bool,
    /// The long window reaches back before the data: its rate covers less than its length.
    pub partial: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub period: String,
    pub start: String,
    pub end: String,
    pub successful: u64,
    pub failed: u64,
    pub success_rate: Option<f64>,
}

/// Computes the report from the merged counts.
pub fn compute(
    counts: &SloCounts,
    window: &Window,
    cfg: &SloConfig,
    input: InputStats,
) -> SloReport {
    compute_with(counts, window, cfg, &default_pairs(), input)
}

/// [`compute`] for an SLO with its own burn-rate alerts.
pub fn compute_with(
    counts: &SloCounts,
    window: &Window,
    cfg: &SloConfig,
    pairs: &[BurnPair],
    input: InputStats,
) -> SloReport {
    let per_second = counts.sorted();
    let first = per_second.first().map(|(s, _)| s * SEC);
    let last = per_second.last().map(|(s, _)| (s + 1) * SEC);
    let start = window.since_us.or(first);
    let end = window.until_us.or(last);

    let sum = |from: i64, to: i64| -> Counts {
        let mut c = Counts::default();
        if from < to {
            // the seconds in [from, to) (from < to: at(from) <= at(to))
            let at = |t: i64| per_second.partition_point(|(sec, _)| *sec < t.div_euclid(SEC));
            for (_, v) in &per_second[at(from)..at(to)] {
                c.add(v);
            }
        }
        c
    };
    let all = match (start, end) {
        (Some(s), Some(e)) => sum(s, e),
        _ => Counts::default(),
    };
    let budget_fraction = 1.0 - cfg.target;
    let ratio = |c: &Counts| (c.valid() > 0).then(|| c.good as f64 / c.valid() as f64);
    let burn =
        |c: &Counts| (c.valid() > 0).then(|| (c.bad() as f64 / c.valid() as f64) / budget_fraction);

    let success_rate = ratio(&all);
    let allowed = budget_fraction * all.valid() as f64;
    let remaining = allowed - all.bad() as f64;

    let mut burn_rate_alerts = Vec::new();
    let mut periods = Vec::new();
    if let (Some(s), Some(e)) = (start, end) {
        for p in pairs {
            let lb = burn(&sum(e - p.long_us, e));
            let sb = burn(&sum(e - p.short_us, e));
            let over = |b: f64| b > p.threshold || (p.inclusive && b == p.threshold);
            burn_rate_alerts.push(BurnRateAlert {
                severity: p.severity.clone(),
                long_window: format_duration(p.long_us),
                short_window: format_duration(p.short_us),
                threshold: p.threshold,
                long_burn_rate: lb,
                short_burn_rate: sb,
                firing: lb.is_some_and(over) && sb.is_some_and(over),
                partial: e - p.long_us < s,
            });
        }
        let mut period = |name: String, from: i64, to: i64, keep_empty: bool| {
            let from = from.max(s);
            let to = to.min(e);
            let c = sum(from, to);
            if !keep_empty && c.total == 0 {
                return;
            }
            periods.push(Period {
                period: name,
                start: format_us(from),
                end: format_us(to),
                successful: c.good,
                failed: c.bad(),
                success_rate: ratio(&c),
            });
        };
        period("Past hour".into(), e - HOUR, e, true);
        period("Past 24 hours".into(), e - DAY, e, true);
        // one row per UTC day with traffic, newest first, for at most MAX_DAY_ROWS days back
        let mut day = (e - 1).div_euclid(DAY) * DAY;
        let oldest = day - (MAX_DAY_ROWS - 1) * DAY;
        while day + DAY > s && day >= oldest {
            let label = Utc
                .timestamp_micros(day)
                .single()
                .map(|d| format!("{} ({})", d.format("%Y-%m-%d"), d.weekday()))
                .unwrap_or_default();
            period(label, day, day + DAY, false);
            day -= DAY;
        }
        period("All".into(), s, e, true);
    }

    SloReport {
        hop: None,
        definitions: definitions(cfg),
        window: WindowInfo {
            start: start.map(format_us),
            end: end.map(format_us),
        },
        input,
        requests: RequestCounts {
            total: all.total,
            excluded: all.excluded,
            no_status: all.no_status,
            valid: all.valid(),
            good: all.good,
            bad: all.bad(),
        },
        success_rate,
        target: cfg.target,
        met: success_rate.is_some_and(|r| r >= cfg.target),
        latency_threshold_ms: cfg.latency_threshold_ms,
        error_budget: ErrorBudget {
            allowed,
            consumed: all.bad(),
            remaining,
            remaining_fraction: (allowed > 0.0).then(|| remaining / allowed),
        },
        burn_rate: burn(&all),
        burn_rate_alerts,
        periods,
        slo_window: None,
        counts: SloCounts::default(),
    }
}

fn definitions(cfg: &SloConfig) -> Definitions {
    let good = match cfg.latency_threshold_ms {
        Some(ms) => format!(
            "valid requests with elb_status_code < 500 and latency_ms <= {ms} \
             (requests with no latency, a -1 processing time, are judged on status alone)"
        ),
        None => "valid requests with elb_status_code < 500".to_string(),
    };
    Definitions {
        total: "requests whose time falls in the window".into(),
        excluded: "non-user traffic matched by the config's [exclude] user_agents or client_cidrs"
            .into(),
        valid: "total minus excluded minus requests with no elb_status_code".into(),
        good,
        success_rate: "good / valid over the whole window (a ratio of sums)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_every_sum_start_and_end_inside_the_window() {
        let end = 10 * DAY + 1234 * SEC;
        // ends, past hour, and the 5m / 30m / 1h / 2h burn windows; 6h, 1d and 3d start
        // before the window
        assert_eq!(
            boundaries(end - 2 * HOUR, end),
            vec![
                end - 2 * HOUR,
                end - HOUR,
                end - 30 * MIN,
                end - 5 * MIN,
                end
            ]
        );
        // a four-day window holds all of them: 1h, 1d, 5m, 30m, 6h, 2h, 3d, both ends
        assert_eq!(boundaries(end - 4 * DAY, end).len(), 9);
    }
}
