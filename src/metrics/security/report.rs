//! From the merged per-client state to the report: the baseline, the rules run over every
//! client, the findings sorted and counted.

use std::collections::HashSet;

use serde::Serialize;

use super::finding::{finding, Finding, Req};
use super::kept::{KeptWriters, Span};
use super::sample::Group;
use super::settings::Settings;
use super::state::{Before, Client, SecurityPartial, Wants};
use super::{
    attack_signature, cdn_bypass, credential_guessing, off_hours, scanner, unexpected_writer,
    write_burst, Rule, Severity, WRITE_METHODS,
};
use crate::window::{format_duration, format_us};

/// Who wrote before the window: the baseline for "never seen writing".
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The baseline period [start, end) asked for, µs; None when off.
    pub period: Option<(i64, i64)>,
    /// Requests found in the period.
    pub requests: u64,
    pub first_us: Option<i64>,
    pub writers: HashSet<String>,
    /// What the kept state (`--state`) added: writers seen before the window in earlier
    /// runs.
    pub kept: Option<KeptInfo>,
}

/// What the kept baseline added to this run: present in the output only when it changed
/// the answer (it had read part of the baseline period), so two runs over the same input
/// give the same JSON whatever was kept before.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct KeptInfo {
    /// The state file (set by the command).
    pub file: Option<String>,
    /// The identity of the logs it describes (the load balancer, the CloudFront
    /// distribution, else the source paths; set by the command).
    pub key: Option<String>,
    /// The runs it recorded.
    pub runs: u64,
    /// The first and last instant of the baseline period it had read (`spans`).
    pub start: Option<String>,
    pub end: Option<String>,
    /// The spans of the baseline period that earlier runs read: the writers of those spans
    /// count as seen before.
    pub spans: Vec<SpanInfo>,
    /// Writers it knew from before the window.
    pub writers: u64,
    /// It recorded runs before the window's start (the new-writer check can run on it).
    #[serde(skip)]
    pub before: bool,
}

/// A span of time, [start, end).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SpanInfo {
    pub start: String,
    pub end: String,
}

impl SpanInfo {
    pub fn of(s: &Span) -> SpanInfo {
        SpanInfo {
            start: format_us(s.start_us),
            end: format_us(s.end_us),
        }
    }
}

impl Baseline {
    /// The baseline of requests read before the window, and of the kept state: writers it
    /// saw before the window's start, within the baseline period, when it had read part of
    /// that period (a state that knows nothing of the period adds nothing, and is not named).
    pub fn of(period: Option<(i64, i64)>, before: &Before, kept: Option<&KeptWriters>) -> Baseline {
        let mut writers: HashSet<String> = before.writers.keys().map(|k| k.to_string()).collect();
        let kept = period.zip(kept).and_then(|((from, start), k)| {
            let spans = k.within(from, start);
            if spans.is_empty() {
                return None;
            }
            let known: Vec<&str> = k.writers_before(Some(from), start).collect();
            writers.extend(known.iter().map(|w| w.to_string()));
            Some(KeptInfo {
                file: None,
                key: Some(k.key.clone()),
                runs: k.runs,
                start: spans.first().map(|s| format_us(s.start_us)),
                end: spans.last().map(|s| format_us(s.end_us)),
                spans: spans.iter().map(SpanInfo::of).collect(),
                writers: known.len() as u64,
                before: true,
            })
        });
        Baseline {
            period,
            requests: before.requests,
            first_us: before.first,
            writers,
            kept,
        }
    }

    /// The baseline of requests in memory (tests).
    pub fn new(period: Option<(i64, i64)>, before: &[Req]) -> Baseline {
        Baseline {
            period,
            requests: before.len() as u64,
            first_us: before.iter().map(|r| r.time_us).min(),
            writers: before
                .iter()
                .filter(|r| r.is_write())
                .filter_map(|r| r.client_ip.clone())
                .collect(),
            kept: None,
        }
    }

    /// The new-writer check can run: a period with data in it, read from the logs or
    /// recorded in the kept state.
    pub fn available(&self) -> bool {
        self.period.is_some() && (self.requests > 0 || self.kept.as_ref().is_some_and(|k| k.before))
    }

    pub fn describe(&self) -> String {
        match self.period {
            None => "off".into(),
            Some((s, e)) => {
                let kept = match &self.kept {
                    Some(k) if k.before => ", with the kept state",
                    _ => "",
                };
                format!("{} → {}{kept}", format_us(s), format_us(e))
            }
        }
    }
}

/// What every rule sees.
pub struct Ctx<'a> {
    pub clients: &'a [Client],
    pub settings: &'a Settings,
    pub baseline: &'a Baseline,
}

impl Ctx<'_> {
    /// Builds a finding from the summary of the requests behind it; `evidence` lists the
    /// candidate lines, the most telling kind first.
    pub fn finding(
        &self,
        rule: Rule,
        severity: Severity,
        client: &Client,
        involved: &Group,
        evidence: &[&[Req]],
        reasons: Vec<String>,
    ) -> Finding {
        finding(
            rule,
            severity,
            client,
            involved,
            evidence,
            self.settings.evidence,
            reasons,
        )
    }
}

/// The densest stretch of sorted times no longer than `window_us`: (count, first, last)
/// as positions into `times`. Times t and t + window are in different windows.
pub fn densest(times: &[i64], window_us: i64) -> (u64, usize, usize) {
    let mut best = (0u64, 0usize, 0usize);
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window_us {
            lo += 1;
        }
        let n = (hi - lo + 1) as u64;
        if n > best.0 {
            best = (n, lo, hi);
        }
    }
    best
}

/// What one rule returned.
#[derive(Debug, Clone, Default)]
pub struct RuleOutput {
    pub findings: Vec<Finding>,
    /// Why the rule (or part of it) could not run, or what it assumed.
    pub notes: Vec<String>,
    /// False when the rule could not run at all.
    pub ran: bool,
}

impl RuleOutput {
    pub fn ran(findings: Vec<Finding>) -> RuleOutput {
        RuleOutput {
            findings,
            notes: vec![],
            ran: true,
        }
    }

    pub fn skipped(note: String) -> RuleOutput {
        RuleOutput {
            findings: vec![],
            notes: vec![note],
            ran: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRun {
    pub rule: Rule,
    pub ran: bool,
    /// Findings at every severity (before --min-severity).
    pub findings: u64,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineInfo {
    /// "7d", or "off".
    pub length: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub requests: u64,
    pub writers: u64,
    /// Whether the new-writer check could run (a baseline with data in it).
    pub available: bool,
    /// The kept state's part (`--state`); null without one.
    pub state: Option<KeptInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityReport {
    pub definitions: Vec<String>,
    /// Requests in the window, all traffic ([exclude] is not applied).
    pub requests: u64,
    pub clients: u64,
    pub baseline: BaselineInfo,
    pub rules: Vec<RuleRun>,
    pub min_severity: Severity,
    /// Findings of the rules run, at every severity.
    pub by_severity: SeverityCounts,
    /// Findings below --min-severity, not listed.
    pub hidden: u64,
    /// The highest severity found (before --min-severity); null with no finding.
    pub max_severity: Option<Severity>,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// One row per client with a listed finding, most severe first: the client's highest
    /// severity and the rules that found something on it.
    pub by_client: Vec<ClientSummary>,
}

/// A client's findings in one line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientSummary {
    pub client_ip: String,
    pub severity: Severity,
    pub known_network: bool,
    /// The rules that found something on it (low or above).
    pub signals: Vec<Rule>,
    /// Its findings, at every severity.
    pub findings: u64,
    /// The most common user agent of its most severe finding.
    pub user_agent: Option<String>,
}

/// One row per client of the listed findings, most severe first, then most signals.
fn by_client(listed: &[Finding], all: &[Finding]) -> Vec<ClientSummary> {
    let mut rows: Vec<ClientSummary> = Vec::new();
    for f in listed {
        if rows.iter().any(|r| r.client_ip == f.client_ip) {
            continue;
        }
        // findings are sorted most severe first: the first one of a client is its worst
        rows.push(ClientSummary {
            client_ip: f.client_ip.clone(),
            severity: f.severity,
            known_network: f.known_network,
            signals: f.signals.clone(),
            findings: all.iter().filter(|x| x.client_ip == f.client_ip).count() as u64,
            user_agent: f.user_agent.clone(),
        });
    }
    rows.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.signals.len().cmp(&a.signals.len()))
            .then_with(|| a.client_ip.cmp(&b.client_ip))
    });
    rows
}

/// The rules to run: all when `rules` is empty, in their fixed order.
pub fn chosen(rules: &[Rule]) -> Vec<Rule> {
    if rules.is_empty() {
        Rule::ALL.to_vec()
    } else {
        Rule::ALL
            .iter()
            .copied()
            .filter(|r| rules.contains(r))
            .collect()
    }
}

/// Runs the chosen rules over the clients of a merged partial.
pub fn evaluate(
    clients: &[Client],
    requests: u64,
    baseline: &Baseline,
    settings: &Settings,
    rules: &[Rule],
    min_severity: Severity,
) -> SecurityReport {
    let ctx = Ctx {
        clients,
        settings,
        baseline,
    };
    let mut all = Vec::new();
    let mut runs = Vec::new();
    for rule in chosen(rules) {
        let out = run_rule(rule, &ctx);
        runs.push(RuleRun {
            rule,
            ran: out.ran,
            findings: out.findings.len() as u64,
            notes: out.notes,
        });
        all.extend(out.findings);
    }
    super::correlate::correlate(&mut all, settings);
    let mut by_severity = SeverityCounts::default();
    for f in &all {
        by_severity.add(f.severity);
    }
    let max_severity = all.iter().map(|f| f.severity).max();
    all.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            // within a severity, the strongest evidence first
            .then_with(|| {
                b.strength
                    .unwrap_or(0.0)
                    .total_cmp(&a.strength.unwrap_or(0.0))
            })
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.client_ip.cmp(&b.client_ip))
    });
    let total = all.len() as u64;
    let listed: Vec<Finding> = all
        .iter()
        .filter(|f| f.severity >= min_severity)
        .cloned()
        .collect();
    let by_client = by_client(&listed, &all);
    let all = listed;
    SecurityReport {
        definitions: definitions(settings),
        requests,
        clients: clients.len() as u64,
        baseline: BaselineInfo {
            length: settings
                .baseline_us
                .map(format_duration)
                .unwrap_or_else(|| "off".into()),
            start: baseline.period.map(|p| format_us(p.0)),
            end: baseline.period.map(|p| format_us(p.1)),
            requests: baseline.requests,
            writers: baseline.writers.len() as u64,
            available: baseline.available(),
            state: baseline.kept.clone(),
        },
        rules: runs,
        min_severity,
        by_severity,
        hidden: total - all.len() as u64,
        max_severity,
        findings: all,
        by_client,
    }
}

/// Runs the chosen rules over requests in memory, every one in the window (tests, and
/// callers holding a few requests).
pub fn analyze(
    reqs: &[Req],
    baseline: &Baseline,
    settings: &Settings,
    rules: &[Rule],
    min_severity: Severity,
) -> SecurityReport {
    let wants = Wants::of(&chosen(rules), settings);
    let mut p = SecurityPartial::default();
    for r in reqs {
        p.add(&r.request(), None, &wants, settings);
    }
    let clients = Client::all(p.clients, settings);
    evaluate(
        &clients,
        p.requests,
        baseline,
        settings,
        rules,
        min_severity,
    )
}

fn run_rule(rule: Rule, ctx: &Ctx) -> RuleOutput {
    match rule {
        Rule::UnexpectedWriter => unexpected_writer::run(ctx),
        Rule::CredentialGuessing => credential_guessing::run(ctx),
        Rule::Scanner => scanner::run(ctx),
        Rule::AttackSignature => attack_signature::run(ctx),
        Rule::CdnBypass => cdn_bypass::run(ctx),
        Rule::WriteBurst => write_burst::run(ctx),
        Rule::OffHoursWrite => off_hours::run(ctx),
    }
}

fn definitions(s: &Settings) -> Vec<String> {
    vec![
        "all traffic is analysed: [exclude] is not applied (a user agent can be spoofed); trust comes from [security] known_networks".into(),
        format!("write: {}; sensitive endpoints: {}", WRITE_METHODS.join("/"), s.sensitive_text.join(", ")),
        "client: the client address; user_agent is the most common one among the finding's requests".into(),
        "count: the requests behind a finding; evidence: up to N of them, the most telling first, shown in time order".into(),
        "severity: info < low < medium < high < critical; clients in known networks are capped at low for write rules".into(),
    ]
}
