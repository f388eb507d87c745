//! Security findings over requests: who wrote where they should not, who guessed
//! credentials, who scanned, who sent attack payloads, who bypassed the CDN, who wrote far
//! above the population or outside working hours.
//!
//! The analysis keeps a state per client address ([`state`]): counters, bounded summaries and
//! the times of the few request kinds whose sliding windows a rule measures, never the
//! requests themselves. Each rule (one module per rule) reads those states once everything is
//! merged ([`report`]). A finding carries the client, the counts, first/last seen, the
//! endpoints involved and a few evidence lines ([`finding`]). The rules read roles only (time,
//! client_ip; user agent, method, url, path, endpoint, status, upstream_status, trace_id,
//! classification and actions when the format has them), so they run on any format.

mod attack_signature;
mod cdn_bypass;
mod correlate;
mod credential_guessing;
pub mod evidence;
pub mod finding;
pub mod kept;
mod off_hours;
pub mod report;
pub mod sample;
mod scanner;
pub mod settings;
pub mod state;
mod unexpected_writer;
pub mod wire;
mod write_burst;

use serde::Serialize;

use crate::engine::{Analysis, Finish};
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_us, WindowInfo};

pub use finding::{format_time, Evidence, Finding, Req};
pub use kept::{KeptWriters, Writer};
pub use report::{
    analyze, densest, Baseline, BaselineInfo, ClientSummary, Ctx, KeptInfo, RuleOutput, RuleRun,
    SecurityReport, SeverityCounts,
};
pub use settings::{
    parse_baseline, BurstSettings, CredentialSettings, PathPattern, ScannerSettings, Settings,
    WorkingHours,
};
pub use state::{Client, SecurityPartial};

use state::Wants;

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
    /// The kept baseline (`--state`): writers seen in earlier runs.
    pub kept: Option<KeptWriters>,
}

impl Security {
    /// Every rule over all traffic, no baseline, findings at every severity: what the daily
    /// report and the gate count.
    pub fn overall(settings: Settings, min_severity: Severity, until_us: Option<i64>) -> Security {
        Security {
            settings,
            rules: Vec::new(),
            min_severity,
            since_us: None,
            until_us,
            baseline: false,
            kept: None,
        }
    }

    fn wants(&self) -> Wants {
        Wants::of(&report::chosen(&self.rules), &self.settings)
    }
}

/// The security analysis' result: the report, and the window it covers (the baseline period
/// left out).
#[derive(Debug, Clone, Serialize)]
pub struct SecurityRun {
    pub report: SecurityReport,
    pub window: WindowInfo,
    /// Requests in the window (not the baseline).
    pub requests: u64,
    /// Who wrote, and when, in what the run read (the window, and the baseline period when
    /// it was read from the logs): what the kept state records.
    pub writers: Vec<(String, Writer)>,
    /// The spans of time the run read: requests no more than [`kept::GAP_US`] apart, before
    /// the window and in it. Empty when it read nothing.
    pub spans: Vec<kept::Span>,
}

impl Analysis for Security {
    type Partial = SecurityPartial;
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

    fn partial(&self) -> SecurityPartial {
        SecurityPartial::default()
    }

    fn fold(&self, p: &mut SecurityPartial, batch: &[Request<'_>]) {
        let wants = self.wants();
        for r in batch {
            p.add(r, self.since_us, &wants, &self.settings);
        }
    }

    fn merge(&self, into: &mut SecurityPartial, from: SecurityPartial) {
        into.merge(from);
    }

    fn finish(&self, mut p: SecurityPartial, _end: &Finish) -> SecurityRun {
        let spans = std::mem::take(&mut p.seen).spans();
        let start = self.since_us.or(p.first.map(floor_sec));
        let period = match self.baseline {
            true => self
                .settings
                .baseline_us
                .zip(start)
                .map(|(b, s)| (s - b, s)),
            false => None,
        };
        let baseline = Baseline::of(period, &p.before, self.kept.as_ref());
        let clients = Client::all(p.clients, &self.settings);
        let mut writers: Vec<(String, Writer)> = p
            .before
            .writers
            .into_iter()
            .map(|(ip, w)| (ip.into(), w))
            .collect();
        writers.extend(
            clients
                .iter()
                .filter_map(|c| Some((c.ip.clone(), c.writer()?))),
        );
        let end = self.until_us.or(p.last.map(|l| floor_sec(l) + SEC));
        let report = report::evaluate(
            &clients,
            p.requests,
            &baseline,
            &self.settings,
            &self.rules,
            self.min_severity,
        );
        let window = WindowInfo {
            start: start.map(format_us),
            end: end.map(format_us),
        };
        SecurityRun {
            report,
            window,
            requests: p.requests,
            writers,
            spans,
        }
    }
}

const SEC: i64 = 1_000_000;

fn floor_sec(us: i64) -> i64 {
    us.div_euclid(SEC) * SEC
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
        // 24 scripted writes each, where the rest of the log writes from browsers
        let mut reqs: Vec<Req> = (0..24)
            .flat_map(|i| {
                [
                    req(i, "203.0.113.9", "curl/8", "POST", "/notes", 201),
                    req(i, "192.0.2.5", "curl/8", "POST", "/notes", 201),
                ]
            })
            .collect();
        reqs.extend((0..400).map(|i| {
            req(
                i,
                &format!("192.0.2.{}", 10 + i % 40),
                BROWSER,
                "POST",
                "/notes",
                201,
            )
        }));
        reqs.sort_by_key(|r| r.time_us);
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
