//! The page's numbers, formatted as the CLI prints them (success rates with three decimals and
//! %): the page's script only places these strings, as text. No client address and no raw URL
//! is in it: endpoints are the templated ones (URLs carry patient ids).

use serde::Serialize;

use super::follow::Polled;
use crate::metrics::live::{alert_name, Snapshot};
use crate::metrics::slo::SloReport;
use crate::render::percent;
use crate::window::{format_duration, format_us};

const HOUR_US: i64 = 3_600_000_000;
/// Findings listed on the page.
const FINDINGS: usize = 10;
/// Longest log-derived string placed on the page (user agents), in characters.
const MAX_TEXT: usize = 120;

/// One SLO's row.
#[derive(Debug, Clone, Serialize)]
pub struct SloRow {
    pub name: String,
    pub objective: String,
    pub window: String,
    /// Success over the SLO's window.
    pub success: String,
    pub success_today: String,
    pub valid: u64,
    pub bad: u64,
    /// Budget left, signed (`+42.000%`, `-13.500%`).
    pub budget_left: String,
    /// Set when the budget is spent: what spent it.
    pub budget_note: Option<String>,
    /// Sort key: the budget left as a fraction (spent first).
    #[serde(skip)]
    pub budget_fraction: f64,
    pub burn: Vec<BurnRow>,
    pub exhaustion: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BurnRow {
    pub tier: String,
    pub firing: bool,
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub at: String,
    /// 0..1 (for the chart's height); null for a bucket without requests.
    pub ratio: Option<f64>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    pub endpoint: String,
    pub requests: u64,
    pub errors: u64,
    pub error_rate: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub severity: String,
    pub rule: String,
    pub requests: u64,
    pub last_seen: String,
    pub endpoint: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Where {
    pub hop: String,
    pub errors_hour: u64,
    pub requests_hour: u64,
    /// 5XX the load balancer (or proxy, CDN) answered itself.
    pub at_hop: u64,
    /// 5XX its backends answered.
    pub behind: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    pub at: String,
    /// The store's `complete_through`, when a store is configured.
    pub complete_through: Option<String>,
    pub last_line: Option<String>,
    pub lines: u64,
    pub malformed: u64,
}

/// The page's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub slos: Vec<SloRow>,
    pub alerts_firing: Vec<String>,
    pub series: Vec<Point>,
    /// Each hop followed, the one the SLO is measured at first.
    pub where_failed: Vec<Where>,
    pub top_failing: Vec<Failing>,
    pub findings: Vec<FindingRow>,
    pub freshness: Freshness,
}

/// Where the requests were logged: the name given (`--log-format`), else the format the
/// sources were recognised in (`alb`, `cloudfront`, `nginx`).
pub fn hop_name(given: &str, s: &Snapshot) -> String {
    if !given.is_empty() {
        return given.to_string();
    }
    s.slo
        .input
        .formats
        .keys()
        .next()
        .cloned()
        .unwrap_or_else(|| "logs".into())
}

/// Log text for the page: control characters (bidi overrides included) removed, cut short.
/// The page's script places it as text, never as markup.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c as u32, 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
        })
        .take(MAX_TEXT)
        .collect()
}

/// An enum as its JSON word (`high`, `attack-signature`).
fn word<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn signed_percent(f: f64) -> String {
    format!("{}{:.3}%", if f >= 0.0 { "+" } else { "" }, f * 100.0)
}

fn rate(r: Option<f64>) -> String {
    r.map_or("no traffic".into(), |_| percent(r))
}

/// The budget's time to exhaustion at the past hour's pace: what the hour's bad requests
/// spend beyond what its valid requests add to the budget.
fn exhaustion(slo: &SloReport) -> String {
    let remaining = slo.error_budget.remaining;
    if slo.requests.valid == 0 {
        return "no traffic".into();
    }
    if remaining <= 0.0 {
        return "spent".into();
    }
    let Some(hour) = slo.periods.iter().find(|p| p.period == "Past hour") else {
        return "no traffic in the past hour".into();
    };
    let valid = (hour.successful + hour.failed) as f64;
    let net = hour.failed as f64 - (1.0 - slo.target) * valid;
    if net <= 0.0 {
        return "not burning (the past hour's failures are within the objective)".into();
    }
    let left_us = (remaining / net * HOUR_US as f64) as i64;
    let burn = hour.failed as f64 / valid / (1.0 - slo.target);
    format!(
        "about {} at the past hour's burn ({burn:.1}×)",
        format_duration(left_us.max(1_000_000))
    )
}

fn burn_rows(slo: &SloReport) -> Vec<BurnRow> {
    let x = |b: Option<f64>| b.map_or("no traffic".to_string(), |b| format!("{b:.1}×"));
    slo.burn_rate_alerts
        .iter()
        .map(|a| {
            let state = match (a.firing, a.long_burn_rate) {
                (_, None) => "quiet: no traffic".to_string(),
                (true, _) => format!(
                    "firing: burning {} over {} and {} over {} (alert above {}×)",
                    x(a.long_burn_rate),
                    a.long_window,
                    x(a.short_burn_rate),
                    a.short_window,
                    a.threshold
                ),
                (false, _) => format!(
                    "quiet: {} over {}, {} over {} (alert above {}×)",
                    x(a.long_burn_rate),
                    a.long_window,
                    x(a.short_burn_rate),
                    a.short_window,
                    a.threshold
                ),
            };
            let state = match a.partial {
                true => format!(
                    "{state}; the {} window reaches before what was read",
                    a.long_window
                ),
                false => state,
            };
            BurnRow {
                tier: alert_name(a),
                firing: a.firing,
                state,
            }
        })
        .collect()
}

fn slo_row(name: &str, slo: &SloReport, at_us: i64, window_us: i64) -> SloRow {
    let today = format_us(at_us)[..10].to_string();
    let success_today = slo
        .periods
        .iter()
        .find(|p| p.period.starts_with(&today))
        .map_or("no traffic".into(), |p| rate(p.success_rate));
    let fraction = slo.error_budget.remaining_fraction;
    let budget_note = (slo.error_budget.remaining < 0.0).then(|| {
        format!(
            "spent: {} bad requests against the {:.1} the {} objective allows over {}",
            slo.error_budget.consumed,
            slo.error_budget.allowed,
            percent(Some(slo.target)),
            format_duration(window_us)
        )
    });
    SloRow {
        name: name.to_string(),
        objective: percent(Some(slo.target)),
        window: format_duration(window_us),
        success: rate(slo.success_rate),
        success_today,
        valid: slo.requests.valid,
        bad: slo.requests.bad,
        budget_left: fraction.map_or("no traffic".into(), signed_percent),
        budget_note,
        budget_fraction: fraction.unwrap_or(f64::INFINITY),
        burn: burn_rows(slo),
        exhaustion: exhaustion(slo),
    }
}

/// The page's numbers from one poll: a row per SLO of the snapshot, sorted by budget left.
/// `slos` names them (the first names a snapshot that judged one SLO only).
pub fn panel(
    p: &Polled,
    slos: &[String],
    window_us: i64,
    complete_through: Option<String>,
) -> Panel {
    let s = &p.snapshot;
    // every SLO the snapshot judged (`slos[]`), else the one of its top-level keys
    let mut rows: Vec<SloRow> = match s.slos.is_empty() {
        false => s
            .slos
            .iter()
            .map(|a| slo_row(&a.name, &a.report, s.at_us, window_us))
            .collect(),
        true => slos
            .iter()
            .take(1)
            .map(|n| slo_row(n, &s.slo, s.at_us, window_us))
            .collect(),
    };
    rows.sort_by(|a, b| a.budget_fraction.total_cmp(&b.budget_fraction));
    let series = s
        .series
        .iter()
        .map(|(t, r)| Point {
            at: format_us(*t)[11..16].to_string(),
            ratio: *r,
            text: rate(*r),
        })
        .collect();
    let top_failing = s
        .top_failing
        .iter()
        .map(|e| Failing {
            endpoint: clean(&format!(
                "{} {}",
                e.method.as_deref().unwrap_or("-"),
                e.endpoint.as_deref().unwrap_or("-")
            )),
            requests: e.requests,
            errors: e.errors,
            error_rate: percent(e.error_rate),
        })
        .collect();
    let findings = s
        .findings
        .iter()
        .take(FINDINGS)
        .map(|f| FindingRow {
            severity: word(&f.severity),
            rule: word(&f.rule),
            requests: f.count,
            last_seen: f.last_seen.clone(),
            // "METHOD endpoint": templated, never the raw URL
            endpoint: clean(f.endpoints.first().map_or("-", |e| e.as_str())),
            user_agent: clean(f.user_agent.as_deref().unwrap_or("-")),
        })
        .collect();
    Panel {
        slos: rows,
        alerts_firing: s.alerts_firing.clone(),
        series,
        where_failed: p
            .hops
            .iter()
            .map(|h| Where {
                hop: h.name.clone(),
                errors_hour: h.errors_hour,
                requests_hour: h.requests_hour,
                at_hop: h.generated_hour.0,
                behind: h.generated_hour.1,
            })
            .collect(),
        top_failing,
        findings,
        freshness: Freshness {
            at: s.at.clone(),
            complete_through,
            last_line: p.totals.last_us.map(format_us),
            lines: p.hops.iter().map(|h| h.lines).sum(),
            malformed: p.hops.iter().map(|h| h.malformed).sum(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::live::test_util::*;

    #[test]
    fn the_panel_prints_rates_like_the_cli_and_explains_a_spent_budget() {
        let live = live();
        let mut batch = reqs(80, 150, "GET", "/notes/{id}", 200, 10.0);
        batch.extend(reqs(20, 100, "POST", "/notes/{id}", 503, 10.0));
        let (_, snap) = snapshot_of(&live, &batch);
        let p = Polled {
            snapshot: snap,
            totals: Default::default(),
            hops: Vec::new(),
        };
        let panel = panel(&p, &["availability".into()], 24 * HOUR_US, None);
        let row = &panel.slos[0];
        assert_eq!(row.success, "80.000%");
        assert_eq!(row.success_today, "80.000%");
        assert_eq!(row.objective, "99.000%");
        // 1 bad allowed of 100, 20 spent: (1 - 20) / 1
        assert_eq!(row.budget_left, "-1900.000%");
        let note = row.budget_note.as_deref().unwrap();
        assert!(note.contains("20 bad requests against the 1.0"), "{note}");
        assert_eq!(row.exhaustion, "spent");
        let page = &row.burn[0];
        assert_eq!(page.tier, "page 1h/5m");
        assert!(page.firing, "{page:?}");
        assert_eq!(
            page.state,
            "firing: burning 20.0× over 1h and 20.0× over 5m (alert above 14.4×)"
        );
        assert_eq!(panel.top_failing[0].endpoint, "POST /notes/{id}");
        assert_eq!(panel.top_failing[0].error_rate, "100.000%");
    }

    #[test]
    fn log_text_loses_controls_and_bidi_and_is_cut() {
        assert_eq!(clean("a\u{202E}b\u{1b}[31mc\u{2066}"), "ab[31mc");
        assert_eq!(clean(&"x".repeat(500)).len(), MAX_TEXT);
    }

    #[test]
    fn time_to_exhaustion_follows_the_past_hour() {
        let live = live();
        // 24 hours of 1000 good an hour, then the past hour 2 % bad: 2× burn
        let mut batch = Vec::new();
        for h in 1..24 {
            batch.extend(reqs(100, h * 3600 + 60, "GET", "/a", 200, 1.0));
        }
        batch.extend(reqs(98, 60, "GET", "/a", 200, 1.0));
        batch.extend(reqs(2, 200, "GET", "/a", 500, 1.0));
        let (_, snap) = snapshot_of(&live, &batch);
        // allowed 0.01 × 2400 = 24, consumed 2: 22 left; the hour spends 2 − 1 = 1 net: 22h
        let text = exhaustion(&snap.slo);
        assert_eq!(text, "about 22h at the past hour's burn (2.0×)");
    }
}
