//! The CI gate: thresholds on the SLO, p99 latency and the 5XX rate, checked over one window.
//! It fails closed: no valid request, or an input that could not be read, is "no data", never
//! a pass.

use serde::Serialize;

use super::buckets::Merge;
use super::histogram::Histogram;
use super::security::{self, Security, SecurityPartial, Severity};
use super::slo::{compute as slo_compute, SloConfig, SloCounts};
use crate::engine::{Analysis, Finish, InputStats};
use crate::format::{Request, Role, RoleSet};

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

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Breach,
    NoData,
}

/// What a check measures, so its threshold and value print in their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckUnit {
    /// A fraction, printed as a percent.
    Fraction,
    Ms,
    /// Findings at or above a severity.
    Findings(Severity),
}

/// One check: numbers only; the renderer writes them as text (`threshold`, `actual`) beside
/// the numbers (`threshold_value`, `actual_value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub unit: CheckUnit,
    pub threshold: f64,
    /// None when there was nothing to measure (no valid request).
    pub actual: Option<f64>,
    /// None when the check could not be evaluated.
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

/// What the gate counts in one read: the SLO's counts, the latency and 5XX of the valid
/// requests, and (with --max-findings) every request for the security rules.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GatePartial {
    slo: SloCounts,
    latency: Histogram,
    valid: u64,
    e5: u64,
    /// Not kept by the store (which refuses --max-findings).
    #[serde(skip)]
    security: SecurityPartial,
}

/// The gate as an analysis.
#[derive(Debug, Clone)]
pub struct Gate {
    pub gate: GateConfig,
    pub slo: SloConfig,
    /// Every rule over all traffic, no baseline (`Security::overall`).
    pub security: Security,
}

/// The numbers the checks compare, before the input's state is known.
#[derive(Debug, Clone, Serialize)]
pub struct GateCounts {
    slo: super::slo::SloReport,
    p99_ms: Option<f64>,
    valid: u64,
    e5: u64,
    findings: Option<Vec<Severity>>,
}

impl Analysis for Gate {
    type Partial = GatePartial;
    type Report = GateCounts;

    fn name(&self) -> &'static str {
        "gate"
    }

    fn required(&self) -> RoleSet {
        let mut r = self.slo.roles();
        if self.gate.max_p99_ms.is_some() {
            r = r.with(Role::LatencyMs);
        }
        if !self.gate.max_findings.is_empty() {
            r = r.with(Role::ClientIp);
        }
        r
    }

    fn optional(&self) -> RoleSet {
        if self.gate.max_findings.is_empty() {
            RoleSet::EMPTY
        } else {
            security::roles()
        }
    }

    fn partial(&self) -> GatePartial {
        GatePartial::default()
    }

    fn fold(&self, p: &mut GatePartial, batch: &[Request<'_>]) {
        p.slo.fold(batch, &self.slo);
        // the latency and 5XX checks look at the same valid requests the SLO counts
        for r in batch.iter().filter(|r| !r.excluded && r.status.is_some()) {
            p.valid += 1;
            p.e5 += u64::from(r.status.is_some_and(|s| (500..600).contains(&s)));
            if self.gate.max_p99_ms.is_some() {
                p.latency.add(r.latency_ms);
            }
        }
        // security sees every request, excluded traffic included (a user agent can be spoofed)
        if !self.gate.max_findings.is_empty() {
            self.security.fold(&mut p.security, batch);
        }
    }

    fn merge(&self, into: &mut GatePartial, from: GatePartial) {
        into.slo.merge(from.slo);
        into.latency.merge(from.latency);
        into.valid += from.valid;
        into.e5 += from.e5;
        self.security.merge(&mut into.security, from.security);
    }

    fn finish(&self, p: GatePartial, end: &Finish) -> GateCounts {
        let slo = slo_compute(&p.slo, &end.window, &self.slo, InputStats::default());
        let findings = (!self.gate.max_findings.is_empty()).then(|| {
            let run = self.security.finish(p.security, end);
            run.report.findings.iter().map(|f| f.severity).collect()
        });
        GateCounts {
            slo,
            p99_ms: p.latency.stats().p99,
            valid: p.valid,
            e5: p.e5,
            findings,
        }
    }
}

/// Evaluates the checks. The gate fails closed: an input that could not be read completely,
/// or no valid request, is "no data".
pub fn evaluate(gate: &GateConfig, counts: &GateCounts, input: &InputStats) -> GateReport {
    let report = &counts.slo;
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
    let can = reason.is_none();
    let mut checks = Vec::new();
    if let Some(min) = gate.slo {
        let actual = report.success_rate;
        checks.push(Check {
            name: "slo",
            unit: CheckUnit::Fraction,
            threshold: min,
            actual,
            passed: actual.filter(|_| can).map(|a| a >= min),
        });
    }
    if let Some(max) = gate.max_p99_ms {
        checks.push(Check {
            name: "p99_latency",
            unit: CheckUnit::Ms,
            threshold: max,
            actual: counts.p99_ms,
            passed: counts.p99_ms.filter(|_| can).map(|p| p <= max),
        });
    }
    if let Some(max) = gate.max_5xx_rate {
        let rate = (valid > 0).then(|| counts.e5 as f64 / counts.valid as f64);
        checks.push(Check {
            name: "5xx_rate",
            unit: CheckUnit::Fraction,
            threshold: max,
            actual: rate,
            passed: rate.filter(|_| can).map(|r| r <= max),
        });
    }
    if let Some(found) = &counts.findings {
        for (level, max) in &gate.max_findings {
            let n = found.iter().filter(|s| **s >= *level).count() as u64;
            checks.push(Check {
                name: "security_findings",
                unit: CheckUnit::Findings(*level),
                threshold: *max as f64,
                actual: Some(n as f64),
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
    GateReport {
        verdict,
        reason,
        checks,
        valid_requests: valid,
        window: report.window.clone(),
        excluded: report.requests.excluded,
    }
}
