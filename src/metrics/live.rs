//! The live view's analyses (`watch`): the SLO over the longest window the view needs, and the
//! last hour's errors, latency and security requests, each a rolling partial
//! ([`Rolling`]) that new batches fold into and old buckets fall out of. A [`Snapshot`] is
//! what one interval shows: the `slo` report, the alerts that fire, p50/p99 now, the top
//! failing endpoints and the newest security findings.

use serde::Serialize;

use super::buckets::BucketPlan;
use super::errors::{EndpointErrors, Errors, ErrorsConfig};
use super::latency::{Latency, LatencyConfig, LatencyField, Stats};
use super::security::{self, Finding, Security, Severity};
use super::slo::{compute_with, BurnRateAlert, SloConfig, SloCounts, SloReport, BURN_RATE_PAIRS};
use super::slos::{SloAnswer, SloDef, Slos, DEFAULT_NAME};
use crate::engine::rolling::{Rolling, RollingPartial};
use crate::engine::{Analysis, Finish, InputStats, Seen};
use crate::format::{Request, RoleSet};
use crate::window::{format_us, Window};

const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
/// The longest burn-rate window (3 days): the SLO counts are kept at least this long.
pub const LONGEST_ALERT_US: i64 = BURN_RATE_PAIRS[3].1;
/// What the errors, latency and security panels cover.
pub const RECENT_US: i64 = HOUR;
/// "p50/p99 now": the last five minutes.
pub const NOW_US: i64 = 5 * MIN;
/// The success-rate chart: the past 24 hours in 10-minute buckets.
pub const SERIES_US: i64 = 24 * HOUR;
pub const SERIES_BUCKET_US: i64 = 10 * MIN;
/// Rows in the top failing endpoints.
pub const TOP: usize = 10;
/// Client-minutes kept for the security rules (each minute holds one state per client seen in
/// it): beyond it, the oldest minutes are dropped (and their requests counted), so a flood
/// from many addresses cannot grow memory without bound.
pub const MAX_SECURITY_CLIENT_MINUTES: usize = 500_000;

/// What the live view shows and keeps.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub slo: SloConfig,
    pub security: security::Settings,
    /// The panel's window (`--since`): its success rate, budget and periods.
    pub since_us: i64,
}

/// The live view as one analysis: four rolling partials folded from the same batches.
#[derive(Debug, Clone)]
pub struct Live {
    pub config: LiveConfig,
    /// Every SLO (the first is `config.slo`), judged over the panel's window.
    slo: Rolling<Slos>,
    /// The longest burn-rate window of any SLO: the counts are kept at least this long.
    longest_alert_us: i64,
    errors: Rolling<Errors>,
    latency: Rolling<Latency>,
    security: Rolling<Security>,
}

/// The live view's partials.
#[derive(Debug, Clone, Default)]
pub struct LivePartial {
    slo: RollingPartial<Vec<SloCounts>>,
    errors: RollingPartial<<Errors as Analysis>::Partial>,
    latency: RollingPartial<<Latency as Analysis>::Partial>,
    security: RollingPartial<<Security as Analysis>::Partial>,
    /// Security requests dropped over the cap.
    pub security_dropped: u64,
}

impl LivePartial {
    /// Buckets held per panel (SLO hours; errors, latency, security minutes): what memory
    /// follows.
    pub fn held(&self) -> [usize; 4] {
        [
            self.slo.len(),
            self.errors.len(),
            self.latency.len(),
            self.security.len(),
        ]
    }
}

impl Live {
    /// The view of one SLO, `config.slo` (named `availability`).
    pub fn new(config: LiveConfig) -> Live {
        let one = SloDef::new(DEFAULT_NAME, config.slo);
        Live::with_slos(config, vec![one])
    }

    /// The view of several SLOs; the first is the one the snapshot's top-level keys describe
    /// (`config.slo` is set to it).
    pub fn with_slos(mut config: LiveConfig, defs: Vec<SloDef>) -> Live {
        config.slo = defs[0].config;
        let minute = |inner| Rolling {
            inner,
            bucket_us: MIN,
        };
        let longest_alert_us = defs
            .iter()
            .flat_map(|d| d.alerts.iter().map(|a| a.long_us))
            .fold(LONGEST_ALERT_US, i64::max);
        Live {
            longest_alert_us,
            slo: Rolling {
                inner: Slos::new(defs),
                bucket_us: HOUR,
            },
            errors: minute(Errors {
                config: ErrorsConfig {
                    include_4xx: false,
                    slow_ms: 1000.0,
                    top: TOP,
                },
                plan: BucketPlan::Fixed(MIN),
            }),
            latency: Rolling {
                inner: Latency {
                    config: LatencyConfig {
                        field: LatencyField::Total,
                        top: TOP,
                    },
                    plan: BucketPlan::Fixed(MIN),
                },
                bucket_us: MIN,
            },
            security: Rolling {
                inner: Security {
                    settings: config.security.clone(),
                    rules: Vec::new(),
                    min_severity: Severity::Low,
                    since_us: None,
                    until_us: None,
                    baseline: false,
                    kept: None,
                },
                bucket_us: MIN,
            },
            config,
        }
    }

    /// How far back the view reads and keeps counts: its window, and at least the longest
    /// burn-rate window.
    pub fn retention_us(&self) -> i64 {
        self.config.since_us.max(self.longest_alert_us)
    }

    /// Adds per-second SLO counts read elsewhere (the store, before the sources are followed)
    /// to the SLO panel; the other panels show what is followed only. The counts are the first
    /// SLO's (its latency threshold, every request), so they go to every SLO they answer: those
    /// without an endpoints filter and with the first SLO's threshold (as `slo --store`).
    pub fn add_slo_seconds(
        &self,
        p: &mut LivePartial,
        seconds: impl IntoIterator<Item = (i64, super::slo::Counts)>,
    ) {
        let defs = &self.slo.inner.defs;
        let Some(first) = defs.first().map(|d| d.config.latency_threshold_ms) else {
            return;
        };
        let answered: Vec<usize> = (0..defs.len())
            .filter(|&i| {
                defs[i].endpoints.is_empty() && defs[i].config.latency_threshold_ms == first
            })
            .collect();
        for (sec, c) in seconds {
            let per_slo = p.slo.bucket_mut(sec * SEC, self.slo.bucket_us);
            // a bucket made here starts empty, not as the fold's one-per-SLO partial
            per_slo.resize_with(defs.len(), Default::default);
            for &i in &answered {
                per_slo[i].add(sec, c);
            }
        }
    }

    /// The recent panels' analyses (errors, latency, security), folded a minute per bucket:
    /// what a minute read elsewhere (the store) is a partial of.
    pub fn recent(&self) -> (&Errors, &Latency, &Security) {
        (
            &self.errors.inner,
            &self.latency.inner,
            &self.security.inner,
        )
    }

    /// Adds one minute's partials of the recent panels read elsewhere (the store, before the
    /// sources are followed), `minute_us` its start.
    pub fn add_recent_minute(
        &self,
        p: &mut LivePartial,
        minute_us: i64,
        errors: <Errors as Analysis>::Partial,
        latency: <Latency as Analysis>::Partial,
        security: <Security as Analysis>::Partial,
    ) {
        self.errors.add(&mut p.errors, minute_us, errors);
        self.latency.add(&mut p.latency, minute_us, latency);
        self.security.add(&mut p.security, minute_us, security);
    }

    /// Whether the store's counts (the first SLO's: its latency threshold, every request)
    /// answer every SLO of the view; the name of the first they do not, if any.
    pub fn slo_not_from_store(&self) -> Option<&str> {
        let defs = &self.slo.inner.defs;
        let first = defs.first()?.config.latency_threshold_ms;
        defs.iter()
            .find(|d| !d.endpoints.is_empty() || d.config.latency_threshold_ms != first)
            .map(|d| d.name.as_str())
    }

    /// Drops what no panel shows any more at `now_us`: memory follows the windows, never how
    /// long the view has run.
    pub fn prune(&self, p: &mut LivePartial, now_us: i64) {
        p.slo
            .drop_before(now_us - self.retention_us(), self.slo.bucket_us);
        p.errors.drop_before(now_us - RECENT_US, MIN);
        p.latency.drop_before(now_us - RECENT_US, MIN);
        p.security.drop_before(now_us - RECENT_US, MIN);
        let mut kept: usize = p.security.iter().map(|(_, v)| v.clients.len()).sum();
        while kept > MAX_SECURITY_CLIENT_MINUTES {
            match p.security.pop_oldest() {
                Some((_, minute)) => {
                    kept -= minute.clients.len();
                    p.security_dropped += minute.requests;
                }
                None => break,
            }
        }
    }

    /// What the view shows at `now_us`. `covered_from_us` is the oldest time the view has
    /// read (its start less the retention): a burn-rate window reaching before it is partial.
    pub fn snapshot(
        &self,
        p: &LivePartial,
        now_us: i64,
        covered_from_us: i64,
        input: InputStats,
    ) -> Snapshot {
        let all = self.slo.since(&p.slo, now_us - self.retention_us());
        let window = Window {
            since_us: Some(now_us - self.config.since_us),
            until_us: Some(now_us),
        };
        let slos: Vec<SloAnswer> = self
            .slo
            .inner
            .defs
            .iter()
            .zip(&all)
            .map(|(def, counts)| {
                let mut r = compute_with(counts, &window, &def.config, &def.alerts, input.clone());
                for (alert, pair) in r.burn_rate_alerts.iter_mut().zip(&def.alerts) {
                    alert.partial = now_us - pair.long_us < covered_from_us;
                }
                SloAnswer::new(def, r)
            })
            .collect();
        let slo = slos[0].report.clone();
        let counts = &all[0];
        let alerts_firing = slo
            .burn_rate_alerts
            .iter()
            .filter(|a| a.firing)
            .map(alert_name)
            .collect();
        let series = counts
            .series(now_us - SERIES_US, now_us, SERIES_BUCKET_US)
            .into_iter()
            .map(|(t, c)| (t, (c.valid() > 0).then(|| c.good as f64 / c.valid() as f64)))
            .collect();

        let recent = |since: i64| Finish {
            window: Window {
                since_us: Some(since),
                until_us: Some(now_us),
            },
            seen: Seen::default(),
        };
        let latency = |since: i64| {
            let part = self.latency.since(&p.latency, since);
            self.latency.inner.finish(part, &recent(since)).overall
        };
        let hour_ago = now_us - RECENT_US;
        let errors = self
            .errors
            .inner
            .finish(self.errors.since(&p.errors, hour_ago), &recent(hour_ago));
        let security = Security {
            since_us: Some(hour_ago),
            until_us: Some(now_us),
            ..self.security.inner.clone()
        };
        let mut findings = security
            .finish(
                self.security.since(&p.security, hour_ago),
                &recent(hour_ago),
            )
            .report
            .findings;
        // newest first: what changed is what a person watching wants to see
        findings.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then_with(|| b.severity.cmp(&a.severity))
        });
        Snapshot {
            at: format_us(now_us),
            alerts_firing,
            slo,
            slos,
            at_us: now_us,
            series,
            latency_now: latency(now_us - NOW_US),
            latency_hour: latency(hour_ago),
            requests_hour: errors.requests,
            errors_hour: errors.total_5xx,
            generated_hour: (errors.alb_generated, errors.target_generated),
            top_failing: errors.by_endpoint,
            findings,
            security_dropped: p.security_dropped,
        }
    }
}

/// `page 1h/5m`: how an alert is named in `alerts_firing` and on the panel.
pub fn alert_name(a: &BurnRateAlert) -> String {
    format!("{} {}/{}", a.severity, a.long_window, a.short_window)
}

impl Analysis for Live {
    type Partial = LivePartial;
    type Report = Snapshot;

    fn name(&self) -> &'static str {
        "watch"
    }

    /// Only the SLO's roles are needed; the other panels read what a format has.
    fn required(&self) -> RoleSet {
        self.slo.required()
    }

    fn optional(&self) -> RoleSet {
        let others = [
            self.errors.required().union(self.errors.optional()),
            self.latency.required().union(self.latency.optional()),
            self.security.required().union(self.security.optional()),
        ];
        others
            .into_iter()
            .fold(self.slo.optional(), RoleSet::union)
            .minus(self.required())
    }

    fn partial(&self) -> LivePartial {
        LivePartial::default()
    }

    fn fold(&self, p: &mut LivePartial, batch: &[Request<'_>]) {
        self.slo.fold(&mut p.slo, batch);
        self.errors.fold(&mut p.errors, batch);
        self.latency.fold(&mut p.latency, batch);
        self.security.fold(&mut p.security, batch);
    }

    fn merge(&self, into: &mut LivePartial, from: LivePartial) {
        self.slo.merge(&mut into.slo, from.slo);
        self.errors.merge(&mut into.errors, from.errors);
        self.latency.merge(&mut into.latency, from.latency);
        self.security.merge(&mut into.security, from.security);
        into.security_dropped += from.security_dropped;
    }

    /// The snapshot at the window's end (the clock), with nothing known about coverage.
    fn finish(&self, p: LivePartial, end: &Finish) -> Snapshot {
        let now = end.window.until_us.unwrap_or(0);
        self.snapshot(&p, now, i64::MIN, InputStats::default())
    }
}

/// One interval of the live view. Its JSON (one NDJSON line per interval) is the `slo`
/// report's keys plus `alerts_firing` and `at`; the other fields feed the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    #[serde(flatten)]
    pub slo: SloReport,
    /// Every SLO, as `slo --format json`'s `slos[]`, judged over the panel's window.
    pub slos: Vec<SloAnswer>,
    /// The burn-rate alerts that fire, by name (`page 1h/5m`).
    pub alerts_firing: Vec<String>,
    /// The clock at the snapshot (the window's end), RFC 3339.
    pub at: String,
    #[serde(skip)]
    pub at_us: i64,
    /// Success rate per bucket of the past 24 hours, buckets with requests only.
    #[serde(skip)]
    pub series: Vec<(i64, Option<f64>)>,
    /// Latency over the last 5 minutes and the last hour.
    #[serde(skip)]
    pub latency_now: Stats,
    #[serde(skip)]
    pub latency_hour: Stats,
    /// Requests and 5XX over the last hour.
    #[serde(skip)]
    pub requests_hour: u64,
    #[serde(skip)]
    pub errors_hour: u64,
    /// The last hour's 5XX answered by the hop itself (the load balancer) and by its backends.
    #[serde(skip)]
    pub generated_hour: (u64, u64),
    /// Endpoints with 5XX over the last hour, most failing first.
    #[serde(skip)]
    pub top_failing: Vec<EndpointErrors>,
    /// Security findings over the last hour, newest first.
    #[serde(skip)]
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub security_dropped: u64,
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::borrow::Cow;

    use super::*;
    use crate::format::Target;

    /// 2026-11-20T12:00:00Z.
    pub const NOW: i64 = 1_795_176_000_000_000;

    /// A view over a 24-hour panel with the 99 % target and the default security settings.
    pub fn live() -> Live {
        let config = crate::config::Config::parse("").unwrap();
        Live::new(LiveConfig {
            slo: SloConfig {
                target: 0.99,
                latency_threshold_ms: None,
            },
            security: security::Settings::from_section(&config.security).unwrap(),
            since_us: 24 * HOUR,
        })
    }

    /// A request `secs_ago` seconds before [`NOW`].
    pub fn req(
        secs_ago: i64,
        method: &'static str,
        url: &'static str,
        status: u16,
        ms: f64,
    ) -> Request<'static> {
        let path = url.split('?').next().unwrap_or(url);
        Request {
            time_us: NOW - secs_ago * SEC,
            client_ip: Some("203.0.113.9"),
            user_agent: Some(Cow::Borrowed("Mozilla/5.0")),
            method: Some(method),
            url: Some(Cow::Borrowed(url)),
            path: Some(Cow::Borrowed(path)),
            endpoint: Some(Cow::Borrowed(path)),
            status: Some(status),
            upstream_status: Some(status),
            target: Some(Target {
                host: "10.0.0.5",
                port: Some(8080),
            }),
            latency_ms: Some(ms),
            ..Request::default()
        }
    }

    /// `n` requests one second apart, the newest `secs_ago` seconds before [`NOW`].
    pub fn reqs(
        n: i64,
        secs_ago: i64,
        method: &'static str,
        url: &'static str,
        status: u16,
        ms: f64,
    ) -> Vec<Request<'static>> {
        (0..n)
            .map(|i| req(secs_ago + i, method, url, status, ms))
            .collect()
    }

    /// Folds the requests into a fresh partial and snapshots it at [`NOW`].
    pub fn snapshot_of(live: &Live, batch: &[Request<'_>]) -> (LivePartial, Snapshot) {
        let mut p = live.partial();
        live.fold(&mut p, batch);
        let snap = live.snapshot(&p, NOW, NOW - 3 * 24 * HOUR, InputStats::default());
        (p, snap)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn a_snapshot_counts_each_panel_over_its_own_window() {
        let live = live();
        let batch = [
            // two days ago: 100 good (in the 3-day alert, not in the 24-hour panel)
            reqs(100, 2 * 86_400, "GET", "/notes", 200, 10.0),
            // 2 hours ago: 50 good, 5 bad on POST /notes (in the panel, not in the last hour)
            reqs(50, 7_200, "GET", "/notes", 200, 20.0),
            reqs(5, 7_300, "POST", "/notes", 503, 5.0),
            // the last 5 minutes: 8 good at 100 ms, 2 bad on GET /images, one SQL injection
            reqs(8, 10, "GET", "/notes", 200, 100.0),
            vec![
                req(30, "GET", "/images", 502, 1.0),
                req(31, "GET", "/images", 500, 1.0),
                req(40, "GET", "/search?q=1' OR 1=1--", 200, 100.0),
            ],
        ]
        .concat();
        let (_, snap) = snapshot_of(&live, &batch);
        let r = &snap.slo.requests;
        // the panel's window is the past 24 hours: 50 + 5 + 8 + 2 + 1
        assert_eq!((r.valid, r.good, r.bad), (66, 59, 7));
        let past_hour = &snap.slo.periods[0];
        assert_eq!(past_hour.period, "Past hour");
        assert_eq!((past_hour.successful, past_hour.failed), (9, 2));
        // 1h: 2 bad of 11 = 18.2 % → burn 18.2×; 5m: the same requests → page 1h/5m fires
        let page = &snap.slo.burn_rate_alerts[0];
        assert!(page.firing && !page.partial, "{page:?}");
        // 3d/6h: 7 bad of 166 = 4.2 % → 4.2× over 3 days, 7 of 66 over 6 hours: fires too
        assert!(snap.slo.burn_rate_alerts[3].firing);
        // 6h/30m (10.6×, 18.2× over 6) and 24h/2h (10.6×, 16.7× over 3) fire as well
        assert_eq!(
            snap.alerts_firing,
            ["page 1h/5m", "page 6h/30m", "ticket 24h/2h", "ticket 3d/6h"]
        );
        // p50/p99 of the last 5 minutes: 8 × 100 ms, 2 × 1 ms, 1 × 100 ms
        assert_eq!(snap.latency_now.count, 11);
        assert_eq!(snap.latency_now.p50, Some(100.0));
        // the last hour's failing endpoints: GET /images only (POST /notes was 2 hours ago)
        assert_eq!(snap.top_failing.len(), 1);
        assert_eq!(snap.top_failing[0].endpoint.as_deref(), Some("/images"));
        assert_eq!(snap.top_failing[0].errors, 2);
        assert_eq!((snap.requests_hour, snap.errors_hour), (11, 2));
        let sqli: Vec<_> = snap
            .findings
            .iter()
            .filter(|f| f.rule == security::Rule::AttackSignature)
            .collect();
        assert_eq!(sqli.len(), 1);
        assert_eq!(sqli[0].severity, Severity::High);
        // the JSON is the slo report's keys plus alerts_firing and at, nothing of the panels
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["at"], "2026-11-20T12:00:00Z");
        assert_eq!(json["requests"]["bad"], 7);
        assert!(json.get("top_failing").is_none() && json.get("series").is_none());
    }

    #[test]
    fn pruning_keeps_memory_to_the_windows() {
        let live = live();
        let mut batch = Vec::new();
        // each group within one minute and one hour: 12:00:30 four days ago, 10:00:30, 11:58
        for i in 0..10 {
            batch.push(req(4 * 86_400 - 30 - i, "GET", "/old", 200, 1.0));
            batch.push(req(7_200 - 30 - i, "GET", "/recent", 200, 1.0));
            batch.push(req(120 - i, "GET", "/now", 500, 1.0));
        }
        let (mut p, _) = snapshot_of(&live, &batch);
        assert_eq!(p.slo.len(), 3, "three hours with requests");
        assert_eq!(p.errors.len(), 3);
        live.prune(&mut p, NOW);
        // the SLO keeps 3 days (the 4-day-old hour goes), the panels keep the last hour
        assert_eq!(p.slo.len(), 2);
        assert_eq!(
            (p.errors.len(), p.latency.len(), p.security.len()),
            (1, 1, 1)
        );
        let snap = live.snapshot(&p, NOW, NOW, InputStats::default());
        assert_eq!(snap.slo.requests.total, 20);
        assert_eq!(snap.requests_hour, 10);
        // every long window reaches back before what was read: all partial
        assert!(snap.slo.burn_rate_alerts.iter().all(|a| a.partial));
    }

    /// The recent panels from partials kept a minute each (as the store keeps them, folded
    /// with the store's settings) show what the panels folded from the requests show.
    #[test]
    fn recent_minutes_added_from_elsewhere_show_what_folding_them_shows() {
        let live = live();
        let batch = [
            reqs(40, 3_000, "GET", "/notes", 200, 20.0),
            reqs(7, 2_000, "POST", "/notes", 503, 5.0),
            reqs(8, 10, "GET", "/notes", 200, 100.0),
            vec![
                req(30, "GET", "/images", 502, 1.0),
                req(31, "GET", "/images", 500, 1.0),
                req(40, "GET", "/search?q=1' OR 1=1--", 200, 100.0),
                req(41, "GET", "/.env", 404, 3.0),
            ],
        ]
        .concat();
        let (_, folded) = snapshot_of(&live, &batch);
        // as the store keeps them: a partial per minute, of its own settings
        let errors = Errors {
            config: ErrorsConfig {
                include_4xx: true,
                slow_ms: 1000.0,
                top: 0,
            },
            plan: BucketPlan::Fixed(MIN),
        };
        let latency = Latency {
            config: LatencyConfig {
                field: LatencyField::Total,
                top: 0,
            },
            plan: BucketPlan::Fixed(MIN),
        };
        let security = live.recent().2.clone();
        let mut minutes: std::collections::BTreeMap<i64, Vec<Request<'_>>> = Default::default();
        for r in &batch {
            minutes
                .entry(r.time_us.div_euclid(MIN) * MIN)
                .or_default()
                .push(r.clone());
        }
        let mut p = live.partial();
        for (m, reqs) in &minutes {
            let (mut e, mut l, mut s) = (errors.partial(), latency.partial(), security.partial());
            errors.fold(&mut e, reqs);
            latency.fold(&mut l, reqs);
            security.fold(&mut s, reqs);
            live.add_recent_minute(&mut p, *m, e, l, s);
        }
        let added = live.snapshot(&p, NOW, NOW - 3 * 24 * HOUR, InputStats::default());
        assert!(folded.requests_hour > 0 && !folded.findings.is_empty());
        assert!(folded.errors_hour > 0 && !folded.top_failing.is_empty());
        let panels = |s: &Snapshot| {
            format!(
                "{:?}",
                (
                    &s.latency_now,
                    &s.latency_hour,
                    s.requests_hour,
                    s.errors_hour,
                    s.generated_hour,
                    &s.top_failing,
                    &s.findings,
                )
            )
        };
        assert_eq!(panels(&added), panels(&folded));
    }
}
