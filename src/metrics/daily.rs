//! The series only the daily report (and the analyses' `--chart`) draws: success rate and
//! error budget per bucket (from the SLO's per-second counts), outage periods, requests by
//! status class over time, and the latency histogram.
//!
//! Outage: a run of consecutive whole UTC minutes in each of which fewer than
//! `OUTAGE_BELOW` (50 %) of the valid requests succeeded. A minute with no valid request
//! neither starts nor extends a run.

use serde::Serialize;

use super::buckets::{BucketPlan, TimeBuckets};
use super::latency::LatencyField;
use super::slo::{Counts, SloCounts};
use crate::engine::{Analysis, Finish};
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us};

const MIN: i64 = 60_000_000;

/// A minute whose success rate is below this is an outage minute.
pub const OUTAGE_BELOW: f64 = 0.5;

/// Success rate and error budget over time.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloPoint {
    pub start: String,
    #[serde(skip)]
    pub start_us: i64,
    pub valid: u64,
    pub good: u64,
    pub bad: u64,
    /// good / valid in this bucket; null without a valid request.
    pub success_rate: Option<f64>,
    /// Error budget left at the end of this bucket, as a fraction of the window's allowance
    /// ((1 − target) × valid requests of the whole window); negative when overspent.
    pub budget_remaining: Option<f64>,
    /// What would be left had the budget burnt evenly (burn rate 1) up to the bucket's end.
    pub budget_even_burn: Option<f64>,
}

/// An outage period (see the module's definition).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outage {
    pub start: String,
    pub end: String,
    #[serde(skip)]
    pub start_us: i64,
    #[serde(skip)]
    pub end_us: i64,
    pub minutes: u64,
    pub valid: u64,
    pub good: u64,
    pub success_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloSeries {
    pub bucket: String,
    #[serde(skip)]
    pub bucket_us: i64,
    #[serde(skip)]
    pub start_us: i64,
    #[serde(skip)]
    pub end_us: i64,
    pub target: f64,
    pub points: Vec<SloPoint>,
    pub outage_definition: String,
    pub outages: Vec<Outage>,
    /// The first minute at whose end the window's error budget was spent; null if never.
    pub budget_exhausted_at: Option<String>,
}

/// The success-rate and budget series of `[start, end)` in buckets of `bucket_us`, and the
/// outages found minute by minute. Sparse: a point per bucket that holds requests, and one
/// empty point after a run of them where the next bucket with requests is not adjacent (so a
/// chart breaks its line there), never a point per bucket of the window's span.
pub fn slo_series(
    counts: &SloCounts,
    start: i64,
    end: i64,
    bucket_us: i64,
    target: f64,
) -> SloSeries {
    let buckets = counts.series(start, end, bucket_us);
    let total_valid: u64 = buckets.iter().map(|(_, c)| c.valid()).sum();
    let allowed = (1.0 - target) * total_valid as f64;
    let budget = |bad: u64| (allowed > 0.0).then(|| (allowed - bad as f64) / allowed);
    let mut cum_bad = 0u64;
    let mut cum_valid = 0u64;
    let mut points = Vec::with_capacity(buckets.len());
    let point = |t: i64, c: &Counts, cum_bad: u64, cum_valid: u64| SloPoint {
        start: format_us(t),
        start_us: t,
        valid: c.valid(),
        good: c.good,
        bad: c.bad(),
        success_rate: (c.valid() > 0).then(|| c.good as f64 / c.valid() as f64),
        budget_remaining: budget(cum_bad),
        budget_even_burn: (total_valid > 0).then(|| 1.0 - cum_valid as f64 / total_valid as f64),
    };
    for (i, (t, c)) in buckets.iter().enumerate() {
        cum_bad += c.bad();
        cum_valid += c.valid();
        points.push(point(*t, c, cum_bad, cum_valid));
        let next = t + bucket_us;
        let gap = buckets.get(i + 1).is_some_and(|(n, _)| *n != next);
        if gap && next < end {
            points.push(point(next, &Counts::default(), cum_bad, cum_valid));
        }
    }

    let minutes = counts.series(start, end, MIN);
    let mut outages: Vec<Outage> = Vec::new();
    let mut open = false;
    let mut prev_minute = i64::MIN;
    let mut cum_bad = 0u64;
    let mut budget_exhausted_at = None;
    for (t, c) in &minutes {
        // a minute with no request (absent here) ends a run, as a minute with no valid one
        if *t != prev_minute.saturating_add(MIN) {
            open = false;
        }
        prev_minute = *t;
        cum_bad += c.bad();
        if budget_exhausted_at.is_none() && allowed > 0.0 && cum_bad as f64 > allowed {
            budget_exhausted_at = Some(format_us((t + MIN).min(end)));
        }
        let down = c.valid() > 0 && (c.good as f64) < OUTAGE_BELOW * c.valid() as f64;
        if !down {
            open = false;
            continue;
        }
        let (from, to) = ((*t).max(start), (t + MIN).min(end));
        match outages.last_mut() {
            Some(o) if open => {
                o.end_us = to;
                o.minutes += 1;
                o.valid += c.valid();
                o.good += c.good;
            }
            _ => outages.push(Outage {
                start: String::new(),
                end: String::new(),
                start_us: from,
                end_us: to,
                minutes: 1,
                valid: c.valid(),
                good: c.good,
                success_rate: None,
            }),
        }
        open = true;
    }
    for o in &mut outages {
        o.start = format_us(o.start_us);
        o.end = format_us(o.end_us);
        o.success_rate = (o.valid > 0).then(|| o.good as f64 / o.valid as f64);
    }
    SloSeries {
        bucket: format_duration(bucket_us),
        bucket_us,
        start_us: start,
        end_us: end,
        target,
        points,
        outage_definition: format!(
            "an outage is a run of consecutive whole minutes in each of which fewer than {:.0} % \
             of the valid requests succeeded; a minute with no valid request ends a run",
            OUTAGE_BELOW * 100.0
        ),
        outages,
        budget_exhausted_at,
    }
}

/// Requests by status class in one bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusClasses {
    pub start: String,
    #[serde(skip)]
    pub start_us: i64,
    pub s2xx: u64,
    pub s3xx: u64,
    pub s4xx: u64,
    pub s5xx: u64,
    /// No elb_status_code, or one outside 200–599.
    pub other: u64,
}

/// Requests per status class and bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassCounts {
    pub n: u64,
    pub c2: u64,
    pub c3: u64,
    pub c4: u64,
    pub c5: u64,
}
crate::merge_by_adding!(ClassCounts { n, c2, c3, c4, c5 });

/// Requests by status class over time, as an analysis.
#[derive(Debug, Clone)]
pub struct StatusClassesOverTime {
    pub plan: BucketPlan,
}

impl Analysis for StatusClassesOverTime {
    type Partial = TimeBuckets<ClassCounts>;
    type Report = Vec<StatusClasses>;

    fn name(&self) -> &'static str {
        "status classes"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::Status])
    }

    fn partial(&self) -> TimeBuckets<ClassCounts> {
        TimeBuckets::new(self.plan)
    }

    fn fold(&self, p: &mut TimeBuckets<ClassCounts>, batch: &[Request<'_>]) {
        for r in batch.iter().filter(|r| !r.excluded) {
            let c = p.at(r.time_us);
            c.n += 1;
            match r.status.map(|s| s / 100) {
                Some(2) => c.c2 += 1,
                Some(3) => c.c3 += 1,
                Some(4) => c.c4 += 1,
                Some(5) => c.c5 += 1,
                _ => {}
            }
        }
    }

    fn merge(&self, into: &mut TimeBuckets<ClassCounts>, from: TimeBuckets<ClassCounts>) {
        into.merge(from);
    }

    fn finish(&self, p: TimeBuckets<ClassCounts>, end: &Finish) -> Vec<StatusClasses> {
        p.finish(self.plan.bucket(end.span_us()))
            .into_iter()
            .map(|(t, c)| StatusClasses {
                start: format_us(t),
                start_us: t,
                s2xx: c.c2,
                s3xx: c.c3,
                s4xx: c.c4,
                s5xx: c.c5,
                other: c.n - c.c2 - c.c3 - c.c4 - c.c5,
            })
            .collect()
    }
}

/// One bin of the latency histogram: `[lo_ms, hi_ms)`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bin {
    pub lo_ms: f64,
    pub hi_ms: f64,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Histogram {
    pub field: LatencyField,
    pub unit: &'static str,
    /// Log-spaced: `BINS_PER_DECADE` bins per power of ten from 1 ms to 100 s; the first bin
    /// also holds everything under 1 ms and the last everything from 100 s.
    pub bins: Vec<Bin>,
    pub no_latency: u64,
}

pub const BINS_PER_DECADE: u32 = 8;
const DECADES: u32 = 5;

fn edge(i: u32) -> f64 {
    10f64.powf(i as f64 / BINS_PER_DECADE as f64)
}

/// The log-spaced histogram of one latency field, from its exact histogram.
pub fn latency_histogram(h: &super::histogram::Histogram, field: LatencyField) -> Histogram {
    let values = h
        .sorted()
        .into_iter()
        .map(|(v, n)| (Some(v), n))
        .chain(std::iter::once((None, h.no_latency())));
    weighted_latency_histogram(values, field)
}

/// The log-spaced histogram from (latency, how many requests had it) pairs.
pub fn weighted_latency_histogram(
    values: impl IntoIterator<Item = (Option<f64>, u64)>,
    field: LatencyField,
) -> Histogram {
    let n = BINS_PER_DECADE * DECADES;
    let mut bins: Vec<Bin> = (0..n)
        .map(|i| Bin {
            lo_ms: if i == 0 { 0.0 } else { edge(i) },
            hi_ms: edge(i + 1),
            count: 0,
        })
        .collect();
    let mut no_latency = 0;
    for (v, count) in values {
        match v {
            Some(v) if v.is_finite() => {
                let i = if v < 1.0 {
                    0
                } else {
                    ((v.log10() * BINS_PER_DECADE as f64).floor() as i64).clamp(0, n as i64 - 1)
                        as usize
                };
                // float edges: make sure the value lies in its bin's [lo, hi)
                let i = if v >= bins[i].hi_ms && i + 1 < bins.len() {
                    i + 1
                } else if v < bins[i].lo_ms && i > 0 {
                    i - 1
                } else {
                    i
                };
                bins[i].count += count;
            }
            _ => no_latency += count,
        }
    }
    Histogram {
        field,
        unit: "ms",
        bins,
        no_latency,
    }
}

/// The daily report as one document: `summary.json`, and what `index.html` shows.
#[derive(Debug, Clone, Serialize)]
pub struct DailyReport {
    pub title: String,
    /// The window's end, never the wall clock: the same input gives the same report.
    pub generated_at: Option<String>,
    pub generator: String,
    pub window: super::slo::WindowInfo,
    /// Requests left out of the analyses as non-user traffic (config [exclude]).
    pub excluded: u64,
    pub input: crate::engine::InputStats,
    /// The first SLO (the config's `[slo]`, or the first of `[[slo]]`).
    pub slo: super::slo::SloReport,
    /// Every SLO, as `slo --format json`'s `slos[]`.
    pub slos: Vec<super::slos::SloAnswer>,
    pub errors: super::errors::ErrorsReport,
    pub latency: super::latency::LatencyReport,
    pub backends: super::backends::BackendsReport,
    pub traffic: super::traffic::TrafficReport,
    /// SECURITY: the security analysis is built on its own branch; its report goes here
    /// (null until then). Replace `serde_json::Value` with its report type when it lands.
    /// Findings over all traffic ([exclude] not applied), no baseline: `hosp-logs security`.
    pub security: Option<crate::metrics::security::SecurityReport>,
    /// Success rate, error budget and outages over the window.
    pub slo_series: SloSeries,
    pub status_classes: Vec<StatusClasses>,
    pub latency_histogram: Histogram,
    /// The PNG files beside index.html (also inlined in it).
    pub charts: Vec<ChartInfo>,
    /// The request hop by hop (`hosp-logs hops`), when the config has `[[hops]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<super::hops::HopsReport>,
    /// The systems side by side (`hosp-logs migration`), when the config has `[[systems]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<super::migration::MigrationReport>,
    /// Why the Path section is not in the report, when the config has `[[hops]]` and the
    /// report was answered from the store (which keeps no request-by-request join).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_not_answered: Option<String>,
    /// Why the Migration section is not in the report, when the config has `[[systems]]` and
    /// the report was answered from the store (which keeps the analyses' partials of one
    /// source, not each system's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration_not_answered: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChartInfo {
    pub file: String,
    pub title: String,
    /// What the chart shows, in words (the image's alt text).
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::slo::{Slo, SloConfig};

    const T0: i64 = 1_700_000_000_000_000 - 1_700_000_000_000_000 % (60 * MIN);

    fn requests(rows: &[(i64, Option<u16>, Option<f64>)]) -> Vec<Request<'static>> {
        rows.iter()
            .map(|&(time_us, status, latency_ms)| Request {
                time_us,
                status,
                latency_ms,
                ..Request::default()
            })
            .collect()
    }

    #[test]
    fn outages_budget_and_classes() {
        // 10 minutes, 10 requests a minute; minutes 3 and 4 fail 8 of 10, minute 6 fails 2
        let mut rows = Vec::new();
        for m in 0..10 {
            for i in 0..10 {
                let bad = (m == 3 || m == 4) && i < 8 || m == 6 && i < 2;
                let status = if bad {
                    503
                } else if i == 9 {
                    404
                } else {
                    200
                };
                rows.push((T0 + m * MIN + i * 1_000_000, Some(status), Some(100.0)));
            }
        }
        rows.push((T0 + 5 * MIN, None, None));
        let batch = requests(&rows);
        let slo = Slo {
            config: SloConfig {
                target: 0.9,
                latency_threshold_ms: None,
            },
        };
        let mut counts = slo.partial();
        slo.fold(&mut counts, &batch);
        let s = slo_series(&counts, T0, T0 + 10 * MIN, 5 * MIN, 0.9);
        assert_eq!(s.points.len(), 2);
        assert_eq!(s.points[0].valid, 50);
        assert_eq!(s.points[0].bad, 16);
        assert_eq!(s.outages.len(), 1);
        let o = &s.outages[0];
        assert_eq!(
            (o.start_us, o.end_us, o.minutes),
            (T0 + 3 * MIN, T0 + 5 * MIN, 2)
        );
        assert_eq!(o.success_rate, Some(0.2));
        // allowed = 0.1 × 100 = 10 bad; the 10th bad request comes in minute 4, the 11th too
        assert_eq!(s.budget_exhausted_at, Some(format_us(T0 + 5 * MIN)));
        let last = s.points.last().unwrap();
        assert!((last.budget_remaining.unwrap() - (10.0 - 18.0) / 10.0).abs() < 1e-12);
        assert!(last.budget_even_burn.unwrap().abs() < 1e-12);

        let a = StatusClassesOverTime {
            plan: BucketPlan::Fixed(5 * MIN),
        };
        let mut p = a.partial();
        a.fold(&mut p, &batch);
        let c = a.finish(p, &Finish::default());
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].s2xx, c[0].s4xx, c[0].s5xx, c[0].other),
            (29, 5, 16, 0)
        );
        assert_eq!(c[1].other, 1);
    }

    #[test]
    fn series_follow_the_data_not_the_span() {
        // two requests seven thousand years apart: two points and one gap marker, not a
        // point per hour of the span
        let far = T0 + 7000 * 365 * 24 * 60 * MIN;
        let batch = requests(&[(T0, Some(200), None), (far, Some(503), None)]);
        let slo = Slo {
            config: SloConfig {
                target: 0.99,
                latency_threshold_ms: None,
            },
        };
        let mut counts = slo.partial();
        slo.fold(&mut counts, &batch);
        let s = slo_series(&counts, T0, far + MIN, 60 * MIN, 0.99);
        let starts: Vec<i64> = s.points.iter().map(|p| p.start_us).collect();
        assert_eq!(starts, vec![T0, T0 + 60 * MIN, far - far % (60 * MIN)]);
        assert_eq!(s.points[1].valid, 0, "the gap marker holds nothing");
        assert_eq!(s.points[1].success_rate, None);
        assert_eq!((s.points[2].valid, s.points[2].bad), (1, 1));
        // one failing minute: an outage of one minute
        assert_eq!(s.outages.len(), 1);
        assert_eq!(s.outages[0].minutes, 1);
    }

    #[test]
    fn histogram_bins_are_log_spaced_and_keep_nulls_apart() {
        let mut exact = super::super::histogram::Histogram::default();
        for v in [0.2, 1.0, 9.99, 10.0, 150.0, 1e6] {
            exact.add(Some(v));
        }
        exact.add(None);
        let h = latency_histogram(&exact, LatencyField::Total);
        assert_eq!(h.bins.len(), 40);
        assert_eq!(h.no_latency, 1);
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 6);
        assert_eq!(h.bins[0].count, 2); // 0.2 and 1.0
        assert_eq!(h.bins[7].count, 1); // 9.99
        assert_eq!(h.bins[8].count, 1); // 10.0
        assert_eq!(h.bins[39].count, 1); // 1e6, clamped into the last bin
        for b in &h.bins {
            assert!(b.lo_ms < b.hi_ms);
        }
    }
}
