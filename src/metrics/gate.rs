//! The CI gate: thresholds on the SLO, p99 latency and the 5XX rate, checked over one window.
//! It fails closed: no valid request, or an input that could not be read, is "no data", never
//! a pass.

use polars::prelude::*;
use serde::Serialize;

use super::latency::{overall, LatencyField};
use super::security::{self, Severity};
use super::slo::{compute as slo_compute, SloConfig, SloCounts};
use crate::frame::{Col, ColumnSet, InputStats};
use crate::render::percent;
use crate::window::Window;

#[derive(Debug, Clone, Default)]
pub struct GateConfig {
    /// Minimum success rate (fraction).
    pub slo: Option<f64>,
    pub max_p99_ms: Option<f64>,
    /// Maximum 5XX share (fraction).
    pub max_5xx_rate: Option<f64>,
    /// At most N security findings at or above a severity, per entry.
    pub max_findings: Vec<(Severity, u64)>,
}

impl GateConfig {
    pub fn is_empty(&self) -> bool {
        self.slo.is_none()
            && self.max_p99_ms.is_none()
            && self.max_5xx_rate.is_none()
            && self.max_findings.is_empty()
    }
}

/// `high=0` → (High, 0).
pub fn parse_max_findings(text: &str) -> Result<(Severity, u64), crate::error::UsageError> {
    let bad = || {
        crate::error::UsageError(format!(
            "--max-findings {text:?}: expected SEVERITY=N, e.g. high=0 (severities: info, low, medium, high, critical)"
        ))
    };
    let (sev, n) = text.split_once('=').ok_or_else(bad)?;
    let sev = Severity::ALL
        .into_iter()
        .find(|s| s.as_str() == sev.trim().to_ascii_lowercase())
        .ok_or_else(bad)?;
    Ok((sev, n.trim().parse().map_err(|_| bad())?))
}

pub fn columns(slo: &SloConfig, gate: &GateConfig) -> ColumnSet {
    let set = slo.columns().with(Col::LatencyMs);
    if gate.max_findings.is_empty() {
        set
    } else {
        set.union(security::columns())
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Breach,
    NoData,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub threshold: String,
    pub actual: String,
    /// null when the check could not be evaluated.
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub verdict: Verdict,
    /// Why the gate could not evaluate, when it could not.
    pub reason: Option<String>,
    pub checks: Vec<Check>,
    pub valid_requests: u64,
    #[serde(skip)]
    pub window: super::slo::WindowInfo,
    /// Non-user traffic the SLO left out (the envelope's `excluded`).
    #[serde(skip)]
    pub excluded: u64,
}

/// Evaluates the checks over a frame holding `columns(slo)` (excluded traffic still in: the
/// SLO fold excludes it and the other checks drop it here).
pub fn evaluate(
    df: &DataFrame,
    gate: &GateConfig,
    slo: &SloConfig,
    security_settings: &security::Settings,
    window: &Window,
    input: &InputStats,
) -> PolarsResult<GateReport> {
    let mut counts = SloCounts::default();
    counts.fold(df, slo)?;
    let report = slo_compute(&counts, window, slo, InputStats::default());
    let valid = report.requests.valid;

    let reason = if !input.source_errors.is_empty() {
        Some(format!(
            "{} input(s) could not be read completely (first: {})",
            input.source_errors.len(),
            input.source_errors[0].source
        ))
    } else if valid == 0 {
        Some("no valid request in the window".to_string())
    } else {
        None
    };

    // the latency and 5XX checks look at the same valid requests the SLO counts
    let kept = match gate.max_p99_ms.is_some() || gate.max_5xx_rate.is_some() {
        true => Some(
            crate::metrics::common::drop_excluded(df.clone(), &slo.exclude)?
                .0
                .lazy()
                .filter(col(Col::ElbStatusCode.name()).is_not_null())
                .collect()?,
        ),
        false => None,
    };

    let mut checks = Vec::new();
    let can = reason.is_none();
    if let Some(min) = gate.slo {
        let actual = report.success_rate;
        checks.push(Check {
            name: "slo",
            threshold: format!(">= {}", percent(Some(min))),
            actual: percent(actual),
            passed: actual.filter(|_| can).map(|a| a >= min),
        });
    }
    if let (Some(max), Some(kept)) = (gate.max_p99_ms, &kept) {
        let (_, stats) = overall(kept, LatencyField::Total)?;
        checks.push(Check {
            name: "p99_latency",
            threshold: format!("<= {max} ms"),
            actual: stats.p99.map_or("n/a".into(), |p| format!("{p:.1} ms")),
            passed: stats.p99.filter(|_| can).map(|p| p <= max),
        });
    }
    if let (Some(max), Some(kept)) = (gate.max_5xx_rate, &kept) {
        let status = kept.column(Col::ElbStatusCode.name())?.u16()?;
        let errors = status
            .iter()
            .filter(|s| s.is_some_and(|s| (500..600).contains(&s)))
            .count() as u64;
        let rate = (valid > 0).then(|| errors as f64 / kept.height() as f64);
        checks.push(Check {
            name: "5xx_rate",
            threshold: format!("<= {}", percent(Some(max))),
            actual: percent(rate),
            passed: rate.filter(|_| can).map(|r| r <= max),
        });
    }
    if !gate.max_findings.is_empty() {
        // security sees every request, excluded traffic included (a user agent can be spoofed)
        let reqs = security::requests(df)?;
        let report = security::analyze(
            &reqs,
            &security::Baseline::new(None, &[]),
            security_settings,
            &[],
            Severity::Info,
        );
        for (level, max) in &gate.max_findings {
            let n = report
                .findings
                .iter()
                .filter(|f| f.severity >= *level)
                .count() as u64;
            checks.push(Check {
                name: "security_findings",
                threshold: format!("<= {max} at or above {}", level.as_str()),
                actual: n.to_string(),
                passed: can.then_some(n <= *max),
            });
        }
    }
    let verdict = if reason.is_some() {
        Verdict::NoData
    } else if checks.iter().all(|c| c.passed == Some(true)) {
        Verdict::Pass
    } else {
        Verdict::Breach
    };
    Ok(GateReport {
        verdict,
        reason,
        checks,
        valid_requests: valid,
        window: report.window,
        excluded: report.requests.excluded,
    })
}
