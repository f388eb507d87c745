//! The CI gate: thresholds on the SLO, p99 latency and the 5XX rate, checked over one window.
//! It fails closed: no valid request, or an input that could not be read, is "no data", never
//! a pass.

use serde::Serialize;

use super::buckets::Merge;
use super::histogram::Histogram;
use super::security::{self, Security, SecurityPartial, Severity};
use super::slo::{compute as slo_compute, SloConfig, SloCounts};
use super::slos::{SloAnswer, Slos};
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
    /// `--slo NAME=TARGET`: minimum success rate (fraction) of a named SLO, under its own
    /// definition (latency threshold, endpoints filter).
    pub named: Vec<(String, f64)>,
}

impl GateConfig {
    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
            && self.slo.is_none()
            && self.max_p99_ms.is_none()
            && self.max_5xx_rate.is_none()
            && self.max_findings.is_empty()
    }
}

/// `--slo 99` (the first SLO, as always) or `--slo NAME=99.9` (a named SLO).
#[derive(Debug, Clone, PartialEq)]
pub enum SloCheck {
    Plain(f64),
    Named(String, f64),
}

/// Parses `--slo`: a target, or NAME=TARGET (percent or fraction).
pub fn parse_slo_check(text: &str) -> Result<SloCheck, crate::error::UsageError> {
    let target = |t: &str| {
        t.trim().parse::<f64>().map_err(|_| {
            crate::error::UsageError(format!(
                "--slo {text:?}: expected a target (99.0, 0.99) or NAME=TARGET (notes-writes=99.9)"
            ))
        })
    };
    match text.split_once('=') {
        Some((name, t)) => {
            super::slos::check_name(name.trim())
                .map_err(|r| crate::error::UsageError(format!("--slo NAME=TARGET: name {r}")))?;
            Ok(SloCheck::Named(
                name.trim().to_string(),
                crate::config::parse_target(target(t)?)?,
            ))
        }
        None => Ok(SloCheck::Plain(target(text)?)),
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
    /// The SLO a `--slo NAME=TARGET` check judges (JSON `slo`, absent otherwise).
    pub slo: Option<String>,
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
    /// Not kept with the gate's partial: the store keeps it as `security`'s, loaded apart
    /// ([`GatePartial::set_security`]).
    #[serde(skip)]
    security: SecurityPartial,
    /// The named SLOs' counts (`--slo NAME=TARGET`), in `Gate::named` order.
    named: Vec<SloCounts>,
}

impl GatePartial {
    /// The security state of the window, for `--max-findings` (from the store: `security`'s
    /// kept partial, loaded apart).
    pub fn set_security(&mut self, security: SecurityPartial) {
        self.security = security;
    }
}

/// The gate as an analysis.
#[derive(Debug, Clone)]
pub struct Gate {
    pub gate: GateConfig,
    pub slo: SloConfig,
    /// Every rule over all traffic, no baseline (`Security::overall`).
    pub security: Security,
    /// The SLOs `--slo NAME=TARGET` names, judged over the gate's window.
    pub named: Slos,
}

/// The numbers the checks compare, before the input's state is known.
#[derive(Debug, Clone, Serialize)]
pub struct GateCounts {
    slo: super::slo::SloReport,
    p99_ms: Option<f64>,
    valid: u64,
    e5: u64,
    findings: Option<Vec<Severity>>,
    /// The named SLOs' answers.
    named: Vec<SloAnswer>,
}

impl Analysis for Gate {
    type Partial = GatePartial;
    type Report = GateCounts;

    fn name(&self) -> &'static str {
        "gate"
    }

    fn required(&self) -> RoleSet {
        let mut r = self.slo.roles().union(self.named.required());
        if self.gate.max_p99_ms.is_some() {
            r = r.with(Role::LatencyMs);
        }
        if !self.gate.max_findings.is_empty() {
            r = r.with(Role::ClientIp);
        }
        r
    }

    fn optional(&self) -> RoleSet {
        let named = self.named.optional();
        if self.gate.max_findings.is_empty() {
            named
        } else {
            security::roles().union(named)
        }
    }

    fn partial(&self) -> GatePartial {
        GatePartial {
            named: self.named.partial(),
            ..GatePartial::default()
        }
    }

    fn fold(&self, p: &mut GatePartial, batch: &[Request<'_>]) {
        p.slo.fold(batch, &self.slo);
        self.named.fold(&mut p.named, batch);
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
        self.named.merge(&mut into.named, from.named);
        self.security.merge(&mut into.security, from.security);
    }

    fn finish(&self, p: GatePartial, end: &Finish) -> GateCounts {
        let slo = slo_compute(&p.slo, &end.window, &self.slo, InputStats::default());
        let findings = (!self.gate.max_findings.is_empty()).then(|| {
            let run = self.security.finish(p.security, end);
            run.report.findings.iter().map(|f| f.severity).collect()
        });
        let named = self.named.finish(p.named, end);
        GateCounts {
            named,
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
    let named_empty = counts
        .named
        .iter()
        .find(|a| a.report.requests.valid == 0)
        .map(|a| a.name.clone());
    let reason = if !input.source_errors.is_empty() {
        Some(format!(
            "{} input(s) could not be read completely (first: {})",
            input.source_errors.len(),
            input.source_errors[0].source
        ))
    } else if valid == 0 {
        Some("no valid request in the window".to_string())
    } else {
        named_empty.map(|name| format!("no valid request for SLO {name} in the window"))
    };
    let can = reason.is_none();
    let mut checks = Vec::new();
    if let Some(min) = gate.slo {
        let actual = report.success_rate;
        checks.push(Check {
            name: "slo",
            slo: None,
            unit: CheckUnit::Fraction,
            threshold: min,
            actual,
            passed: actual.filter(|_| can).map(|a| a >= min),
        });
    }
    for (name, min) in &gate.named {
        let actual = counts
            .named
            .iter()
            .find(|a| &a.name == name)
            .and_then(|a| a.report.success_rate);
        checks.push(Check {
            name: "slo",
            slo: Some(name.clone()),
            unit: CheckUnit::Fraction,
            threshold: *min,
            actual,
            passed: actual.filter(|_| can).map(|a| a >= *min),
        });
    }
    if let Some(max) = gate.max_p99_ms {
        checks.push(Check {
            name: "p99_latency",
            slo: None,
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
            slo: None,
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
                slo: None,
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
