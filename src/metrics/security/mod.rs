//! Security findings over ALB requests: who wrote where they should not, who guessed
//! credentials, who scanned, who sent attack payloads, who bypassed the CDN, who wrote far
//! above the population or outside working hours.
//!
//! The frame becomes a list of `Req` (one per request, time-ordered) and each rule is a pure
//! function over it, grouped by client address. A finding carries the client, the counts,
//! first/last seen, the endpoints involved and a few evidence lines. Log-derived text in a
//! finding is raw: the renderers make it inert.

mod attack_signature;
mod cdn_bypass;
mod credential_guessing;
mod off_hours;
mod scanner;
mod unexpected_writer;
mod write_burst;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use chrono::NaiveTime;
use serde::Serialize;

use crate::config::SecuritySection;
use crate::engine::{Analysis, Finish};
use crate::error::UsageError;
use crate::filter::{Cidr, Glob};
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us, parse_duration, WindowInfo};

/// How bad a finding is. Ordered: info < low < medium < high < critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One level down, never below low (a finding that fires is at least low).
    pub fn down(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
            Severity::Info => Severity::Info,
        }
    }
}

/// The rules `hosp-logs security` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Writes to sensitive endpoints from outside the known networks, from a new writer, or
    /// with a scripting or empty user agent
    UnexpectedWriter,
    /// Many 401/403 from one client in a short time; worse when a 2xx write follows
    CredentialGuessing,
    /// Many 404s or distinct unknown paths, probe paths, desync hits, WAF blocks
    Scanner,
    /// SQL injection, XSS, path traversal and Log4Shell patterns in the URL or user agent
    AttackSignature,
    /// With cdn_only: clients outside the CDN / proxy ranges
    CdnBypass,
    /// A client writing far above the population (median/MAD robust z-score)
    WriteBurst,
    /// Writes outside the configured working hours
    OffHoursWrite,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::UnexpectedWriter,
        Rule::CredentialGuessing,
        Rule::Scanner,
        Rule::AttackSignature,
        Rule::CdnBypass,
        Rule::WriteBurst,
        Rule::OffHoursWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::UnexpectedWriter => "unexpected-writer",
            Rule::CredentialGuessing => "credential-guessing",
            Rule::Scanner => "scanner",
            Rule::AttackSignature => "attack-signature",
            Rule::CdnBypass => "cdn-bypass",
            Rule::WriteBurst => "write-burst",
            Rule::OffHoursWrite => "off-hours-write",
        }
    }
}

/// The methods that change data.
pub const WRITE_METHODS: [&str; 4] = ["POST", "PUT", "PATCH", "DELETE"];

pub fn is_write_method(method: Option<&str>) -> bool {
    method.is_some_and(|m| WRITE_METHODS.iter().any(|w| w.eq_ignore_ascii_case(m)))
}

/// One request, as the rules read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Req {
    /// µs since the epoch.
    pub time_us: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub path: Option<String>,
    pub endpoint: Option<String>,
    pub status: Option<u16>,
    pub target_status: Option<u16>,
    pub trace_id: Option<String>,
    pub classification: Option<String>,
    pub actions: Option<String>,
}

impl Req {
    pub fn is_write(&self) -> bool {
        is_write_method(self.method.as_deref())
    }

    /// Answered 2xx or 3xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..400).contains(&s))
    }

    pub fn is_2xx(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// "POST /notes": the method and templated endpoint (the path when there is none).
    pub fn route(&self) -> String {
        format!(
            "{} {}",
            self.method.as_deref().unwrap_or("-"),
            self.endpoint
                .as_deref()
                .or(self.path.as_deref())
                .unwrap_or("-")
        )
    }
}

impl Req {
    /// A request as the rules keep it (owned: it outlives the batch it came in).
    pub fn of(r: &Request<'_>) -> Req {
        Req {
            time_us: r.time_us,
            client_ip: r.client_ip.map(str::to_string),
            user_agent: r.user_agent.as_deref().map(str::to_string),
            method: r.method.map(str::to_string),
            url: r.url.as_deref().map(str::to_string),
            path: r.path.as_deref().map(str::to_string),
            endpoint: r.endpoint.as_deref().map(str::to_string),
            status: r.status,
            target_status: r.upstream_status,
            trace_id: r.trace_id.map(str::to_string),
            classification: r.classification.map(str::to_string),
            actions: r.actions.map(str::to_string),
        }
    }
}

/// The roles the rules (and the audit trail) read.
pub fn roles() -> RoleSet {
    RoleSet::of(&[
        Role::Time,
        Role::ClientIp,
        Role::UserAgent,
        Role::Method,
        Role::Url,
        Role::Path,
        Role::Endpoint,
        Role::Status,
        Role::UpstreamStatus,
        Role::TraceId,
        Role::Classification,
        Role::Actions,
    ])
}

/// The security rules as an analysis over every request (the config's `[exclude]` is not
/// applied: a user agent can be spoofed). Requests before `since_us` form the baseline.
#[derive(Debug, Clone)]
pub struct Security {
    pub settings: Settings,
    pub rules: Vec<Rule>,
    pub min_severity: Severity,
    /// The window's start as asked; the run reads the baseline period before it too.
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// Whether the baseline applies (the daily report and the gate run without one).
    pub baseline: bool,
}

/// The security analysis' result: the report, and the window it covers (the baseline period
/// left out).
#[derive(Debug, Clone, Serialize)]
pub struct SecurityRun {
    pub report: SecurityReport,
    pub window: WindowInfo,
    /// Requests in the window (not the baseline).
    pub requests: u64,
}

impl Analysis for Security {
    type Partial = Vec<Req>;
    type Report = SecurityRun;

    fn name(&self) -> &'static str {
        "security"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::ClientIp])
    }

    fn optional(&self) -> RoleSet {
        roles()
    }

    fn excludes(&self) -> bool {
        false
    }

    fn partial(&self) -> Vec<Req> {
        Vec::new()
    }

    fn fold(&self, p: &mut Vec<Req>, batch: &[Request<'_>]) {
        p.extend(batch.iter().map(Req::of));
    }

    fn merge(&self, into: &mut Vec<Req>, mut from: Vec<Req>) {
        into.append(&mut from);
    }

    fn finish(&self, mut all: Vec<Req>, _end: &Finish) -> SecurityRun {
        // time order, ties in input order is not kept across threads: sort by the whole
        // request so the result never depends on how the input was split
        all.sort_by(|a, b| a.time_us.cmp(&b.time_us).then_with(|| a.order(b)));
        let split = self
            .since_us
            .map_or(0, |s| all.partition_point(|r| r.time_us < s));
        let in_window = all.split_off(split);
        let before = all;
        let start = self
            .since_us
            .or(in_window.first().map(|r| floor_sec(r.time_us)));
        let period = match self.baseline {
            true => self
                .settings
                .baseline_us
                .zip(start)
                .map(|(b, s)| (s - b, s)),
            false => None,
        };
        let baseline = Baseline::new(period, &before);
        drop(before);
        let report = analyze(
            &in_window,
            &baseline,
            &self.settings,
            &self.rules,
            self.min_severity,
        );
        let window = WindowInfo {
            start: start.map(format_us),
            end: self
                .until_us
                .or(in_window.last().map(|r| floor_sec(r.time_us) + SEC))
                .map(format_us),
        };
        SecurityRun {
            report,
            window,
            requests: in_window.len() as u64,
        }
    }
}

const SEC: i64 = 1_000_000;

fn floor_sec(us: i64) -> i64 {
    us.div_euclid(SEC) * SEC
}

impl Req {
    /// A total order over requests of the same time, so sorting never depends on input order.
    fn order(&self, o: &Req) -> std::cmp::Ordering {
        (
            &self.client_ip,
            &self.method,
            &self.url,
            &self.status,
            &self.user_agent,
            &self.trace_id,
        )
            .cmp(&(
                &o.client_ip,
                &o.method,
                &o.url,
                &o.status,
                &o.user_agent,
                &o.trace_id,
            ))
    }
}

/// A sensitive-endpoint pattern: a path prefix on whole segments, or a glob.
#[derive(Debug, Clone)]
pub enum PathPattern {
    Prefix(String),
    Glob(Glob),
}

impl PathPattern {
    pub fn new(text: &str) -> PathPattern {
        if text.contains('*') {
            PathPattern::Glob(Glob::new(text))
        } else {
            PathPattern::Prefix(text.trim_end_matches('/').to_ascii_lowercase())
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathPattern::Glob(g) => g.matches(path),
            PathPattern::Prefix(p) => {
                let path = path.to_ascii_lowercase();
                let path = path.trim_end_matches('/');
                path == p.as_str()
                    || (path.starts_with(p.as_str()) && path.as_bytes().get(p.len()) == Some(&b'/'))
                    || p.is_empty()
            }
        }
    }
}

/// Working hours in a time zone; `end` before `start` wraps midnight.
#[derive(Debug, Clone, Copy)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub tz: chrono_tz::Tz,
}

impl WorkingHours {
    pub fn parse(text: &str, tz: chrono_tz::Tz) -> Result<WorkingHours, UsageError> {
        let bad = || {
            UsageError(format!(
                "working_hours {text:?}: expected \"HH:MM-HH:MM\", e.g. \"07:00-19:00\""
            ))
        };
        let (a, b) = text.split_once('-').ok_or_else(bad)?;
        let p = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (p(a)?, p(b)?);
        if start == end {
            return Err(bad());
        }
        Ok(WorkingHours { start, end, tz })
    }

    /// Whether the instant (µs since the epoch) falls in working hours, in local time.
    pub fn contains(&self, t_us: i64) -> bool {
        let Some(utc) = chrono::DateTime::from_timestamp_micros(t_us) else {
            return true;
        };
        let local = utc.with_timezone(&self.tz).time();
        if self.start < self.end {
            local >= self.start && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

#[derive(Debug, Clone)]
pub struct CredentialSettings {
    pub window_us: i64,
    pub failures: u64,
    pub followed_within_us: i64,
}

#[derive(Debug, Clone)]
pub struct ScannerSettings {
    pub window_us: i64,
    pub not_found: u64,
    pub distinct_paths: u64,
    pub probes: Vec<Glob>,
    pub probe_hits: u64,
    pub waf_blocks: u64,
}

#[derive(Debug, Clone)]
pub struct BurstSettings {
    pub bucket_us: i64,
    pub z: f64,
    pub min_writes: u64,
    pub min_clients: usize,
}

/// The `[security]` section, parsed and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub sensitive: Vec<PathPattern>,
    pub sensitive_text: Vec<String>,
    pub known: Vec<Cidr>,
    pub scripting: Vec<Glob>,
    /// None: no baseline ("off").
    pub baseline_us: Option<i64>,
    pub evidence: usize,
    pub cdn_only: bool,
    pub cdn: Vec<Cidr>,
    pub hours: Option<WorkingHours>,
    pub hours_text: Option<String>,
    pub credential: CredentialSettings,
    pub scanner: ScannerSettings,
    pub burst: BurstSettings,
}

fn duration(text: &str, what: &str) -> Result<i64, UsageError> {
    parse_duration(text).ok_or_else(|| {
        UsageError(format!(
            "{what} {text:?}: expected a duration like 5m, 1h, 7d"
        ))
    })
}

fn cidrs(list: &[String]) -> Result<Vec<Cidr>, UsageError> {
    list.iter().map(|c| Cidr::parse(c)).collect()
}

/// "7d" → Some(µs); "off", "none", "0" → None.
pub fn parse_baseline(text: &str) -> Result<Option<i64>, UsageError> {
    match text.trim() {
        "off" | "none" | "0" | "" => Ok(None),
        t => duration(t, "baseline").map(Some),
    }
}

impl Settings {
    pub fn from_section(s: &SecuritySection) -> Result<Settings, UsageError> {
        let tz: chrono_tz::Tz = s.time_zone.trim().parse().map_err(|_| {
            UsageError(format!(
                "time_zone {:?}: expected an IANA name such as \"Europe/Dublin\" or \"UTC\"",
                s.time_zone
            ))
        })?;
        let hours = s
            .working_hours
            .as_deref()
            .map(|h| WorkingHours::parse(h, tz))
            .transpose()?;
        if s.cdn_only && s.cdn_ranges.is_empty() {
            return Err(UsageError(
                "cdn_only = true needs cdn_ranges (the CDN / proxy networks allowed to reach the ALB)".into(),
            ));
        }
        let sc = &s.scanner;
        let wb = &s.write_burst;
        if !(wb.z.is_finite() && wb.z > 0.0) {
            return Err(UsageError(format!(
                "write_burst.z {}: expected a positive number",
                wb.z
            )));
        }
        Ok(Settings {
            sensitive: s
                .sensitive_endpoints
                .iter()
                .map(|p| PathPattern::new(p))
                .collect(),
            sensitive_text: s.sensitive_endpoints.clone(),
            known: cidrs(&s.known_networks)
                .map_err(|e| UsageError(format!("known_networks: {e}")))?,
            scripting: s
                .scripting_user_agents
                .iter()
                .map(|g| Glob::new(g))
                .collect(),
            baseline_us: parse_baseline(&s.baseline)?,
            evidence: s.evidence,
            cdn_only: s.cdn_only,
            cdn: cidrs(&s.cdn_ranges).map_err(|e| UsageError(format!("cdn_ranges: {e}")))?,
            hours,
            hours_text: s
                .working_hours
                .as_ref()
                .map(|h| format!("{h} {}", s.time_zone.trim())),
            credential: CredentialSettings {
                window_us: duration(&s.credential_guessing.window, "credential_guessing.window")?,
                failures: s.credential_guessing.failures.max(1),
                followed_within_us: duration(
                    &s.credential_guessing.followed_within,
                    "credential_guessing.followed_within",
                )?,
            },
            scanner: ScannerSettings {
                window_us: duration(&sc.window, "scanner.window")?,
                not_found: sc.not_found.max(1),
                distinct_paths: sc.distinct_paths.max(1),
                probes: sc.probe_paths.iter().map(|g| Glob::new(g)).collect(),
                probe_hits: sc.probe_hits.max(1),
                waf_blocks: sc.waf_blocks.max(1),
            },
            burst: BurstSettings {
                bucket_us: duration(&wb.bucket, "write_burst.bucket")?,
                z: wb.z,
                min_writes: wb.min_writes,
                min_clients: wb.min_clients.max(2),
            },
        })
    }

    pub fn is_sensitive(&self, r: &Req) -> bool {
        let path = r.path.as_deref().or(r.endpoint.as_deref()).unwrap_or("");
        self.sensitive.iter().any(|p| p.matches(path))
    }

    /// A scripting tool's user agent, or none at all.
    pub fn is_scripting(&self, ua: Option<&str>) -> bool {
        match ua.map(str::trim) {
            None | Some("") | Some("-") => true,
            Some(ua) => Glob::any(&self.scripting, ua),
        }
    }

    pub fn is_known(&self, addr: Option<IpAddr>) -> bool {
        addr.is_some_and(|a| self.known.iter().any(|c| c.contains(a)))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_section(&SecuritySection::default()).expect("defaults are valid")
    }
}

/// Who wrote before the window: the baseline for "never seen writing".
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The baseline period [start, end) asked for, µs; None when off.
    pub period: Option<(i64, i64)>,
    /// Requests found in the period.
    pub requests: u64,
    pub first_us: Option<i64>,
    pub writers: HashSet<String>,
}

impl Baseline {
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
        }
    }

    /// The new-writer check can run: a period with data in it.
    pub fn available(&self) -> bool {
        self.period.is_some() && self.requests > 0
    }

    pub fn describe(&self) -> String {
        match self.period {
            None => "off".into(),
            Some((s, e)) => format!("{} → {}", format_us(s), format_us(e)),
        }
    }
}

/// One evidence line: the request as the log has it (raw; renderers sanitise).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub time: String,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub trace_id: Option<String>,
    pub user_agent: Option<String>,
}

impl Evidence {
    pub fn of(r: &Req) -> Evidence {
        Evidence {
            time: format_time(r.time_us),
            method: r.method.clone(),
            url: r.url.clone(),
            status: r.status,
            trace_id: r.trace_id.clone(),
            user_agent: r.user_agent.clone(),
        }
    }
}

/// RFC 3339 with microseconds, UTC.
pub fn format_time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_else(|| format!("{us}µs"))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub client_ip: String,
    /// The most common user agent among the requests behind the finding.
    pub user_agent: Option<String>,
    /// Every distinct user agent among them (at most 10).
    pub user_agents: Vec<String>,
    /// The client is in [security] known_networks.
    pub known_network: bool,
    /// Requests behind the finding.
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// "METHOD endpoint", most requests first (at most 20).
    pub endpoints: Vec<String>,
    pub distinct_endpoints: u64,
    /// Why it fired, in words.
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// A client address and its requests (indices into the time-ordered list).
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub addr: Option<IpAddr>,
    pub known: bool,
    pub idx: Vec<usize>,
}

impl Client {
    /// This client's requests (indexes into the request list) that `keep` accepts, in order.
    pub fn pick(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        self.idx.iter().copied().filter(|&i| keep(i)).collect()
    }
}

/// What every rule sees.
pub struct Ctx<'a> {
    pub reqs: &'a [Req],
    pub clients: &'a [Client],
    pub settings: &'a Settings,
    pub baseline: &'a Baseline,
}

impl Ctx<'_> {
    /// Builds a finding from the requests behind it; `evidence` lists the most telling ones
    /// first (the first `settings.evidence` are shown, in time order).
    pub fn finding(
        &self,
        rule: Rule,
        severity: Severity,
        client: &Client,
        involved: &[usize],
        evidence: &[usize],
        reasons: Vec<String>,
    ) -> Finding {
        let reqs = self.reqs;
        let first = involved.iter().map(|&i| reqs[i].time_us).min().unwrap_or(0);
        let last = involved.iter().map(|&i| reqs[i].time_us).max().unwrap_or(0);
        let mut routes: HashMap<String, u64> = HashMap::new();
        let mut uas: HashMap<Option<&str>, u64> = HashMap::new();
        for &i in involved {
            *routes.entry(reqs[i].route()).or_default() += 1;
            *uas.entry(reqs[i].user_agent.as_deref()).or_default() += 1;
        }
        let mut routes: Vec<(String, u64)> = routes.into_iter().collect();
        routes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut uas: Vec<(Option<&str>, u64)> = uas.into_iter().collect();
        uas.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut seen = HashSet::new();
        let mut ev: Vec<usize> = evidence
            .iter()
            .copied()
            .filter(|i| seen.insert(*i))
            .take(self.settings.evidence)
            .collect();
        ev.sort_by_key(|&i| (reqs[i].time_us, i));
        Finding {
            rule,
            severity,
            client_ip: client.ip.clone(),
            user_agent: uas.first().and_then(|u| u.0.map(str::to_string)),
            user_agents: uas
                .iter()
                .filter_map(|u| u.0.map(str::to_string))
                .take(10)
                .collect(),
            known_network: client.known,
            count: involved.len() as u64,
            first_seen: format_time(first),
            last_seen: format_time(last),
            distinct_endpoints: routes.len() as u64,
            endpoints: routes.into_iter().take(20).map(|r| r.0).collect(),
            reasons,
            evidence: ev.into_iter().map(|i| Evidence::of(&reqs[i])).collect(),
        }
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
}

/// Groups requests by client address, first seen first.
pub fn clients(reqs: &[Req], settings: &Settings) -> Vec<Client> {
    let mut pos: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Client> = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let ip = r.client_ip.as_deref().unwrap_or("-");
        let k = *pos.entry(ip).or_insert_with(|| {
            let addr = ip.parse::<IpAddr>().ok();
            out.push(Client {
                ip: ip.to_string(),
                addr,
                known: settings.is_known(addr),
                idx: vec![],
            });
            out.len() - 1
        });
        out[k].idx.push(i);
    }
    out
}

/// Runs the chosen rules (all when `rules` is empty) over time-ordered requests.
pub fn analyze(
    reqs: &[Req],
    baseline: &Baseline,
    settings: &Settings,
    rules: &[Rule],
    min_severity: Severity,
) -> SecurityReport {
    let cl = clients(reqs, settings);
    let ctx = Ctx {
        reqs,
        clients: &cl,
        settings,
        baseline,
    };
    let chosen: Vec<Rule> = if rules.is_empty() {
        Rule::ALL.to_vec()
    } else {
        Rule::ALL
            .iter()
            .copied()
            .filter(|r| rules.contains(r))
            .collect()
    };
    let mut all = Vec::new();
    let mut runs = Vec::new();
    for rule in chosen {
        let out = run_rule(rule, &ctx);
        runs.push(RuleRun {
            rule,
            ran: out.ran,
            findings: out.findings.len() as u64,
            notes: out.notes,
        });
        all.extend(out.findings);
    }
    let mut by_severity = SeverityCounts::default();
    for f in &all {
        by_severity.add(f.severity);
    }
    let max_severity = all.iter().map(|f| f.severity).max();
    all.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.client_ip.cmp(&b.client_ip))
    });
    let total = all.len() as u64;
    all.retain(|f| f.severity >= min_severity);
    SecurityReport {
        definitions: definitions(settings),
        requests: reqs.len() as u64,
        clients: cl.len() as u64,
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
        },
        rules: runs,
        min_severity,
        by_severity,
        hidden: total - all.len() as u64,
        max_severity,
        findings: all,
    }
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

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    pub const T0: i64 = 1_795_132_800_000_000; // 2026-11-20T00:00:00Z
    pub const SEC: i64 = 1_000_000;
    pub const MIN: i64 = 60 * SEC;

    /// A request at `T0 + secs`.
    pub fn req(secs: i64, ip: &str, ua: &str, method: &str, path: &str, status: u16) -> Req {
        Req {
            time_us: T0 + secs * SEC,
            client_ip: Some(ip.into()),
            user_agent: Some(ua.into()),
            method: Some(method.into()),
            url: Some(format!("https://hosp.example.com:443{path}")),
            path: Some(path.split('?').next().unwrap_or(path).into()),
            endpoint: Some(path.split('?').next().unwrap_or(path).into()),
            status: Some(status),
            target_status: Some(status),
            trace_id: Some(format!("Root=1-{secs:08x}-test")),
            classification: None,
            actions: Some("forward".into()),
        }
    }

    pub const BROWSER: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0";

    pub fn settings(toml: &str) -> Settings {
        let cfg = crate::config::Config::parse(toml).unwrap();
        Settings::from_section(&cfg.security).unwrap()
    }

    /// Runs one rule over requests (sorted here) with no baseline.
    pub fn run(rule: Rule, mut reqs: Vec<Req>, s: &Settings) -> Vec<Finding> {
        reqs.sort_by_key(|r| r.time_us);
        analyze(&reqs, &Baseline::default(), s, &[rule], Severity::Info).findings
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn severities_order_and_step_down() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        assert_eq!(Severity::Critical.down(), Severity::High);
        assert_eq!(Severity::Low.down(), Severity::Low);
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
        assert_eq!(
            serde_json::to_string(&Rule::OffHoursWrite).unwrap(),
            "\"off-hours-write\""
        );
        for r in Rule::ALL {
            use clap::ValueEnum;
            assert_eq!(r.to_possible_value().unwrap().get_name(), r.as_str());
        }
    }

    #[test]
    fn path_patterns_match_whole_segments() {
        let p = PathPattern::new("/notes");
        assert!(p.matches("/notes") && p.matches("/notes/12") && p.matches("/NOTES/"));
        assert!(!p.matches("/notesx") && !p.matches("/patients/1/notes"));
        let g = PathPattern::new("*/screen");
        assert!(g.matches("/patients/4/screen") && !g.matches("/patients/4"));
    }

    #[test]
    fn densest_window_is_half_open() {
        let t = [0, 10, 20, 30, 100];
        assert_eq!(densest(&t, 30), (3, 0, 2));
        assert_eq!(densest(&t, 31), (4, 0, 3));
        assert_eq!(densest(&[], 10), (0, 0, 0));
    }

    #[test]
    fn working_hours_wrap_midnight_and_follow_the_zone() {
        let utc: chrono_tz::Tz = "UTC".parse().unwrap();
        let day = WorkingHours::parse("07:00-19:00", utc).unwrap();
        assert!(day.contains(T0 + 7 * 60 * MIN));
        assert!(!day.contains(T0 + 19 * 60 * MIN));
        assert!(!day.contains(T0 + 100 * MIN));
        let night = WorkingHours::parse("22:00-06:00", utc).unwrap();
        assert!(night.contains(T0 + 60 * MIN) && !night.contains(T0 + 12 * 60 * MIN));
        // New York is UTC-5 in November: 13:00 UTC is 08:00 there
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let h = WorkingHours::parse("09:00-17:00", ny).unwrap();
        assert!(!h.contains(T0 + 13 * 60 * MIN));
        assert!(h.contains(T0 + 14 * 60 * MIN));
        assert!(WorkingHours::parse("9-5", utc).is_err());
        assert!(WorkingHours::parse("09:00-09:00", utc).is_err());
    }

    #[test]
    fn settings_reject_bad_values() {
        for bad in [
            "[security]\nknown_networks = [\"10.0.0.0/99\"]\n",
            "[security]\ntime_zone = \"Mars/Olympus\"\n",
            "[security]\nworking_hours = \"late\"\n",
            "[security]\ncdn_only = true\n",
            "[security]\nbaseline = \"a week\"\n",
            "[security.scanner]\nwindow = \"soon\"\n",
            "[security.write_burst]\nz = -1.0\n",
            "[security]\nunknown = 1\n",
        ] {
            let parsed = crate::config::Config::parse(bad);
            assert!(
                parsed.is_err() || Settings::from_section(&parsed.unwrap().security).is_err(),
                "{bad}"
            );
        }
        let s = settings("[security]\nbaseline = \"off\"\n");
        assert_eq!(s.baseline_us, None);
        assert_eq!(Settings::default().baseline_us, Some(7 * 24 * 60 * MIN));
    }

    #[test]
    fn scripting_user_agents() {
        let s = Settings::default();
        for ua in [
            Some("python-requests/2.31.0"),
            Some("curl/8.5.0"),
            Some("Go-http-client/1.1"),
            Some("Wget/1.21"),
            Some("-"),
            Some(""),
            None,
        ] {
            assert!(s.is_scripting(ua), "{ua:?}");
        }
        for ua in [BROWSER, "hosp-loadtest/1.0 (k6)", "Mozilla/5.0 zgrab/0.x"] {
            assert!(!s.is_scripting(Some(ua)), "{ua}");
        }
    }

    #[test]
    fn findings_are_sorted_and_filtered_by_severity() {
        let s = settings("[security]\nknown_networks = [\"192.0.2.0/24\"]\n");
        let reqs = vec![
            req(0, "203.0.113.9", "curl/8", "POST", "/notes", 201),
            req(1, "192.0.2.5", "curl/8", "POST", "/notes", 201),
        ];
        let all = analyze(
            &reqs,
            &Baseline::default(),
            &s,
            &[Rule::UnexpectedWriter],
            Severity::Info,
        );
        assert_eq!(all.findings.len(), 2);
        assert_eq!(all.findings[0].severity, Severity::Critical.down()); // outside + curl: high
        assert_eq!(all.findings[1].severity, Severity::Low); // known network
        let some = analyze(
            &reqs,
            &Baseline::default(),
            &s,
            &[Rule::UnexpectedWriter],
            Severity::Medium,
        );
        assert_eq!(some.findings.len(), 1);
        assert_eq!(some.hidden, 1);
        assert_eq!(some.by_severity.low, 1);
        assert_eq!(some.max_severity, Some(Severity::High));
    }
}
