//! hosp-logs.toml: every option has a default, so the tool runs with no config at all.
//! Found through `--config FILE` or `HOSP_LOGS_CONFIG`. See hosp-logs.example.toml.

use std::path::Path;

use serde::Deserialize;

use crate::error::UsageError;
use crate::window::parse_duration;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub source: SourceConfig,
    /// `[slo]` (one SLO, named `availability`) or `[[slo]]` (several: `slo.list`).
    #[serde(default, deserialize_with = "slo_or_list")]
    pub slo: SloSection,
    #[serde(default)]
    pub exclude: ExcludeSection,
    #[serde(default)]
    pub routes: RoutesSection,
    #[serde(default)]
    pub gate: GateSection,
    #[serde(default)]
    pub security: SecuritySection,
    #[serde(default)]
    pub athena: AthenaSection,
    #[serde(default)]
    pub nginx: NginxSection,
    #[serde(default)]
    pub apigw: ApigwSection,
    /// `hosp-logs hops`: the hops a request passes, outermost first.
    #[serde(default)]
    pub hops: Vec<HopSection>,
    /// `hosp-logs migration` (and the report's Migration section): the old and the new system
    /// side by side.
    #[serde(default)]
    pub systems: Vec<SystemSection>,
    /// The store of per-minute partials (`hosp-logs collect`).
    #[serde(default)]
    pub store: StoreSection,
}

/// `[store]`: where `collect` keeps its per-minute partials; with it, `slo` answers from
/// the store (`--no-store` reads the logs instead).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// The store's folder (default for `collect` and `store`: the XDG data folder's
    /// hosp-logs/store).
    pub path: Option<std::path::PathBuf>,
    /// The analyses whose partials a collect keeps (`latency`, `errors`, …, `all` or `slo`:
    /// see `store::kept::Keep`); default: all. `collect --keep` overrides it.
    pub keep: Option<Vec<String>>,
}

/// One hop of `[[hops]]`: a log and its format, outermost (the edge) first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HopSection {
    /// What the reports call it ("edge", "lb", "proxy").
    pub name: String,
    /// Its logs' format: cloudfront, alb, nginx or apigw.
    pub log_format: crate::format::LogFormat,
    /// Files, folders, globs or s3:// prefixes, as `--source`.
    pub sources: Vec<String>,
    /// An nginx hop's own `[nginx]` settings (log_format, escape, trusted_proxies); default:
    /// the config's `[nginx]` section.
    pub nginx: Option<NginxSection>,
}

/// One system of `[[systems]]` (docs/migration.md): a log and its format, as the migration
/// view compares it with the others.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    /// What the reports call it ("legacy", "apigw").
    pub name: String,
    /// Its logs' format: alb, apigw, nginx or cloudfront.
    pub log_format: crate::format::LogFormat,
    /// Files, folders, globs or s3:// / cwlogs:// sources, as `--source`.
    pub sources: Vec<String>,
    /// A load balancer's system (alb) narrowed to these target groups (by name, as
    /// `backends` shows them): the old system when the new one sits behind the same ALB, or
    /// when one ALB log holds both. Default: every line of the log.
    #[serde(default)]
    pub target_groups: Vec<String>,
}

/// nginx access logs: how they are written, and who the proxies in front of nginx are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NginxSection {
    /// The `log_format` as nginx.conf has it: the format itself, its quoted pieces, or the
    /// whole `log_format name [escape=…] '…';` directive. Default: nginx's `combined`.
    /// `--nginx-log-format` overrides it.
    pub log_format: Option<String>,
    /// `default`, `json` or `none`, as `log_format … escape=` (a directive's own must agree).
    pub escape: Option<String>,
    /// Networks of the proxies in front of nginx (load balancer, CDN): the client is the
    /// rightmost X-Forwarded-For address outside them (nginx's real_ip_recursive).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// `[apigw]`: API Gateway access logs (docs/apigw.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApigwSection {
    /// The stage's access-log format string (`$context` variables), as its settings have it.
    /// Default: each file's format is recognised (JSON by variable name, or a preset).
    pub format: Option<String>,
}

/// `--engine athena` and `hosp-logs athena setup`; flags override these.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AthenaSection {
    /// Athena workgroup (default: the account's "primary").
    pub workgroup: Option<String>,
    /// Glue database of the table (default "hosp_logs").
    pub database: Option<String>,
    /// The ALB access-log table (default "alb_access_logs").
    pub table: Option<String>,
    /// s3:// folder for query results (default: the workgroup's own setting).
    pub output_location: Option<String>,
    /// The logs' s3:// folder down to the region: …/AWSLogs/<account>/elasticloadbalancing/<region>/.
    /// `athena setup` points the table there; --max-scan lists it to estimate a query's scan.
    pub location: Option<String>,
    /// First delivery day the table's partition projection knows (yyyy/MM/dd).
    pub range_start: Option<String>,
    /// Refuse queries expected to scan more than this ("20GB", "500MB", or bytes).
    pub max_scan: Option<String>,
}

/// CI-gate thresholds; flags override them. A check with no threshold is not run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSection {
    /// Minimum success rate, percent (99.0) or fraction (0.99).
    pub slo: Option<f64>,
    /// Maximum p99 latency, e.g. "3s".
    pub max_p99: Option<String>,
    /// Maximum share of 5XX answers, e.g. "1%" or 0.01.
    pub max_5xx_rate: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Used when no --source is given.
    #[serde(default)]
    pub paths: Vec<String>,
    /// The logs' format: auto (recognised per file), alb, …; `--log-format` overrides it.
    pub log_format: Option<crate::format::LogFormat>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSection {
    /// Percent (99.0) or fraction (0.99). Default 99 %.
    pub target: Option<f64>,
    /// A duration such as "3s" or "800ms": good requests must also be at least this fast.
    pub latency_threshold: Option<String>,
    /// The SLO's window when no --since/--window is given: "28d" (rolling, ending now or at
    /// --until), "month" or "quarter" (calendar, in `timezone`).
    pub window: Option<String>,
    /// The SLO's window starts here ("2026-11-16" or an RFC 3339 time): a project's whole
    /// duration. Not with `window`.
    pub start: Option<String>,
    /// The IANA time zone ("Europe/Zurich") calendar windows and a `start` date are read in;
    /// default UTC.
    pub timezone: Option<String>,
    /// The SLOs of `[[slo]]`, when the config lists several (then the keys above are unset).
    #[serde(skip)]
    pub list: Vec<SloEntry>,
}

/// One SLO of `[[slo]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloEntry {
    /// What reports, `gate --slo NAME=TARGET` and Prometheus call it.
    pub name: String,
    /// Percent (99.9) or fraction (0.999).
    pub target: f64,
    /// Good requests must also be at least this fast ("3s").
    pub latency_threshold: Option<String>,
    /// Only these requests count: "[METHOD] PATH", the path a prefix on whole segments or a
    /// glob, matched against the templated endpoint ("POST /notes", "*/screen").
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// Its own window ("28d", "month", "quarter"); default: the run's.
    pub window: Option<String>,
    /// Or its window starts here (a whole project). Not with `window`.
    pub start: Option<String>,
    /// The IANA time zone of its calendar window or start date; default UTC.
    pub timezone: Option<String>,
    /// Its burn-rate alerts; default: the SRE workbook's four.
    pub alerts: Option<Vec<AlertEntry>>,
}

/// One burn-rate alert of an `[[slo]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertEntry {
    /// "page", "ticket", …
    pub severity: String,
    /// Both windows must burn faster than `threshold`: "1h" and "5m".
    pub long_window: String,
    pub short_window: String,
    pub threshold: f64,
}

/// `[slo]` is a table, `[[slo]]` an array of tables.
fn slo_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SloSection, D::Error> {
    use serde::de::Error;
    match toml::Value::deserialize(d)? {
        toml::Value::Array(items) => {
            let list = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    v.try_into::<SloEntry>()
                        .map_err(|e| D::Error::custom(format!("[[slo]] number {}: {e}", i + 1)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(SloSection {
                list,
                ..SloSection::default()
            })
        }
        v => v
            .try_into::<SloSection>()
            .map_err(|e| D::Error::custom(format!("[slo]: {e}"))),
    }
}

/// Non-user traffic (load tests, probes): left out of the SLO's valid requests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludeSection {
    /// Glob patterns (`*` wildcard, case-insensitive) matched against the whole user agent.
    #[serde(default)]
    pub user_agents: Vec<String>,
    /// Client networks, e.g. "10.99.0.0/24", "2001:db8::/32".
    #[serde(default)]
    pub client_cidrs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesSection {
    /// Route templates that win over the default id templating, e.g. "/api/{version}/items".
    #[serde(default)]
    pub templates: Vec<String>,
}

/// `hosp-logs security` and `hosp-logs audit`: what counts as sensitive, who is trusted, and
/// the thresholds of each rule. Every field has a default (see hosp-logs.example.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySection {
    /// Paths whose writes are sensitive: "/notes" matches /notes and /notes/… (whole
    /// segments, case-insensitive); a pattern with `*` is a glob over the whole path.
    pub sensitive_endpoints: Vec<String>,
    /// Networks the team knows (clinics, VPN, its own load test): trusted to write. Not
    /// taken from [exclude]: a user agent there can be spoofed, a network listed here is a
    /// deliberate decision.
    pub known_networks: Vec<String>,
    /// User-agent globs of scripts and tools (an empty user agent always counts).
    pub scripting_user_agents: Vec<String>,
    /// The share of a client's sensitive writes with a scripting or empty user agent from
    /// which that is a reason (0 < share <= 1). Default 0.5.
    pub scripting_share: f64,
    /// How far back before the window's start a writer must have been seen writing, or
    /// "off". Default "7d".
    pub baseline: String,
    /// Evidence lines per finding.
    pub evidence: usize,
    /// Every request must come through the CDN / proxy ranges below.
    pub cdn_only: bool,
    pub cdn_ranges: Vec<String>,
    /// Working hours "HH:MM-HH:MM" in `time_zone` (may wrap midnight: "22:00-06:00").
    /// Unset: the off-hours-write rule does not run.
    pub working_hours: Option<String>,
    /// An IANA time zone name ("Europe/Dublin") or "UTC".
    pub time_zone: String,
    pub credential_guessing: CredentialGuessingSection,
    pub scanner: ScannerSection,
    pub write_burst: WriteBurstSection,
}

impl Default for SecuritySection {
    fn default() -> Self {
        SecuritySection {
            sensitive_endpoints: vec!["/notes".into(), "/patients".into()],
            known_networks: vec![],
            scripting_user_agents: [
                "curl/*",
                "python-requests/*",
                "python-urllib/*",
                "python-httpx/*",
                "aiohttp/*",
                "Go-http-client/*",
                "Wget/*",
                "libwww-perl/*",
                "okhttp/*",
                "Java/*",
                "Apache-HttpClient/*",
                "axios/*",
                "node-fetch/*",
                "PostmanRuntime/*",
                "-",
            ]
            .map(String::from)
            .to_vec(),
            scripting_share: 0.5,
            baseline: "7d".into(),
            evidence: 5,
            cdn_only: false,
            cdn_ranges: vec![],
            working_hours: None,
            time_zone: "UTC".into(),
            credential_guessing: CredentialGuessingSection::default(),
            scanner: ScannerSection::default(),
            write_burst: WriteBurstSection::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CredentialGuessingSection {
    /// Sliding window the failures are counted in.
    pub window: String,
    /// 401/403 answers to one client within the window that make a finding.
    pub failures: u64,
    /// A 2xx write by the same client this soon after the failures makes it worse.
    pub followed_within: String,
}

impl Default for CredentialGuessingSection {
    fn default() -> Self {
        CredentialGuessingSection {
            window: "5m".into(),
            failures: 20,
            followed_within: "1h".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerSection {
    /// Sliding window for the 404 counts.
    pub window: String,
    /// 404 answers to one client within the window.
    pub not_found: u64,
    /// Distinct endpoints answered 404 to one client within the window.
    pub distinct_paths: u64,
    /// Path globs only scanners ask for (case-insensitive, whole path).
    pub probe_paths: Vec<String>,
    /// Probe hits that make a medium finding (fewer: low).
    pub probe_hits: u64,
    /// WAF blocks (actions_executed has waf, status 403) that make a medium finding (fewer: low).
    pub waf_blocks: u64,
}

impl Default for ScannerSection {
    fn default() -> Self {
        ScannerSection {
            window: "10m".into(),
            not_found: 30,
            distinct_paths: 15,
            probe_paths: [
                "*/wp-login.php*",
                "*/wp-admin*",
                "*/xmlrpc.php*",
                "*/.env*",
                "*/.git/*",
                "*/.aws/*",
                "*/.ds_store",
                "*/../*",
                "*/..%2f*",
                "*%2e%2e*",
                "*/etc/passwd*",
                "*/phpmyadmin*",
                "*/cgi-bin/*",
                "*/actuator/*",
                "*/_ignition/*",
                "*/boaform/*",
                "*/hnap1*",
                "*/manager/html*",
                "*/vendor/phpunit/*",
                "*/server-status*",
                "*/debug/pprof*",
            ]
            .map(String::from)
            .to_vec(),
            probe_hits: 3,
            waf_blocks: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteBurstSection {
    /// Writes are counted per client in buckets of this size.
    pub bucket: String,
    /// Robust z-score (0.6745 × (x − median) / MAD over the writers' peak buckets) at or above
    /// which a bucket is a burst.
    pub z: f64,
    /// A burst bucket also needs at least this many writes.
    pub min_writes: u64,
    /// Fewer writers than this: no population to compare against, the rule does not run.
    pub min_clients: usize,
}

impl Default for WriteBurstSection {
    fn default() -> Self {
        WriteBurstSection {
            bucket: "5m".into(),
            z: 5.0,
            min_writes: 20,
            min_clients: 5,
        }
    }
}

impl Config {
    /// Reads a config file. Its relative paths (`[source] paths`, each hop's `sources`, `[store]
    /// path`) are
    /// the file's, as Cargo and Docker Compose read theirs: resolved against the folder the
    /// file is in, whatever the working directory. A path on the command line stays the
    /// working directory's.
    pub fn load(path: &Path) -> Result<Config, UsageError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("config {}: {e}", path.display())))?;
        let mut config = Config::parse(&text)
            .map_err(|e| UsageError(format!("config {}: {}", path.display(), e.0)))?;
        config.relative_to(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Resolves every path the config holds against `base` (the config file's folder).
    pub fn relative_to(&mut self, base: &Path) {
        for p in &mut self.source.paths {
            *p = config_path(base, p);
        }
        for hop in &mut self.hops {
            for p in &mut hop.sources {
                *p = config_path(base, p);
            }
        }
        for system in &mut self.systems {
            for p in &mut system.sources {
                *p = config_path(base, p);
            }
        }
        if let Some(p) = &mut self.store.path {
            *p = config_path(base, &p.to_string_lossy()).into();
        }
    }

    /// Parses the TOML: its shape (unknown keys are an error). The values are checked where
    /// they are compiled into settings, once per run (`cli::context::Settings`).
    pub fn parse(text: &str) -> Result<Config, UsageError> {
        toml::from_str(text).map_err(|e| UsageError(e.to_string()))
    }
}

/// A path written in a config file in `base`, as the run uses it: relative paths (and
/// globs) joined to `base`; absolute paths, `~/…`, stdin (`-`) and `s3://` URLs as written.
pub fn config_path(base: &Path, path: &str) -> String {
    if base.as_os_str().is_empty()
        || path == "-"
        || path.contains("://")
        || path.starts_with('~')
        || Path::new(path).is_absolute()
    {
        return path.to_string();
    }
    base.join(path).display().to_string()
}

/// Accepts a target as a percent (99, 99.9) or a fraction (0.99) and returns the fraction.
pub fn parse_target(t: f64) -> Result<f64, UsageError> {
    let f = if t > 1.0 { t / 100.0 } else { t };
    if !(f > 0.0 && f < 1.0) {
        return Err(UsageError(format!(
            "SLO target {t}: expected a percent below 100 (99.0) or a fraction below 1 (0.99)"
        )));
    }
    Ok(f)
}

/// "1%", "0.5%" or "0.01" → a fraction.
pub fn parse_rate(text: &str) -> Result<f64, UsageError> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(UsageError(format!(
            "rate {text:?}: expected a percent (1%) or a fraction (0.01)"
        ))),
    }
}

/// "3s", "800ms", "1.5s" → milliseconds.
pub fn parse_latency_ms(text: &str) -> Result<f64, UsageError> {
    parse_duration(text)
        .map(|us| us as f64 / 1000.0)
        .ok_or_else(|| {
            UsageError(format!(
                "latency threshold {text:?}: expected a duration like 3s or 800ms"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configs_relative_paths_are_the_config_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hosp-logs.toml");
        std::fs::write(
            &file,
            "[source]\npaths = [\"logs\", \"/var/log/alb\", \"s3://b/p/\", \"-\", \"a/**/*.gz\"]\n\
             [store]\npath = \"store\"\n\
             [[hops]]\nname = \"lb\"\nlog_format = \"alb\"\nsources = [\"../lb\"]\n",
        )
        .unwrap();
        let c = Config::load(&file).unwrap();
        let d = dir.path().display();
        assert_eq!(
            c.source.paths,
            [
                format!("{d}/logs"),
                "/var/log/alb".into(),
                "s3://b/p/".into(),
                "-".into(),
                format!("{d}/a/**/*.gz")
            ]
        );
        assert_eq!(c.hops[0].sources, [format!("{d}/../lb")]);
        assert_eq!(c.store.path, Some(dir.path().join("store")));
        // a config in the working directory keeps its paths as written
        assert_eq!(config_path(Path::new(""), "logs"), "logs");
        assert_eq!(
            config_path(Path::new("fixtures"), "day/nginx"),
            "fixtures/day/nginx"
        );
    }

    #[test]
    fn empty_config_has_defaults() {
        let c = Config::parse("").unwrap();
        assert!(c.slo.target.is_none());
        assert!(c.exclude.user_agents.is_empty());
    }

    #[test]
    fn parses_sections_and_rejects_typos() {
        let c = Config::parse(
            "[slo]\ntarget = 99.5\nlatency_threshold = \"3s\"\n[exclude]\nclient_cidrs = [\"10.99.0.0/24\"]\n",
        )
        .unwrap();
        assert_eq!(c.slo.target, Some(99.5));
        assert_eq!(c.exclude.client_cidrs, vec!["10.99.0.0/24"]);
        let err = Config::parse("[slo]\ntargett = 99\n").unwrap_err();
        assert!(err.0.contains("targett"), "{err}");
        assert!(Config::parse("[slo]\ntarget = \"high\"\n").is_err());
    }

    #[test]
    fn example_and_fixture_configs_parse_and_match_the_defaults() {
        let c = Config::parse(include_str!("../hosp-logs.example.toml")).unwrap();
        let (s, d) = (&c.security, SecuritySection::default());
        assert_eq!(s.sensitive_endpoints, d.sensitive_endpoints);
        assert_eq!(s.scripting_user_agents, d.scripting_user_agents);
        assert_eq!(s.scripting_share, d.scripting_share);
        assert_eq!(s.scanner.probe_paths, d.scanner.probe_paths);
        assert_eq!(
            (s.baseline.as_str(), s.evidence, s.cdn_only),
            (d.baseline.as_str(), d.evidence, d.cdn_only)
        );
        assert_eq!(
            (
                s.scanner.not_found,
                s.scanner.distinct_paths,
                s.scanner.probe_hits
            ),
            (
                d.scanner.not_found,
                d.scanner.distinct_paths,
                d.scanner.probe_hits
            )
        );
        assert_eq!(
            s.credential_guessing.failures,
            d.credential_guessing.failures
        );
        assert_eq!(s.write_burst.z, d.write_burst.z);
        let f = Config::parse(include_str!("../fixtures/hosp-logs.toml")).unwrap();
        assert!(f
            .security
            .known_networks
            .contains(&"10.99.0.0/24".to_string()));
    }

    #[test]
    fn slo_is_one_table_or_a_list_of_them() {
        let one = Config::parse("[slo]\ntarget = 99.5\nwindow = \"28d\"\n").unwrap();
        assert_eq!(one.slo.target, Some(99.5));
        assert!(one.slo.list.is_empty());
        let many = Config::parse(
            "[[slo]]\nname = \"a\"\ntarget = 99\n\
             [[slo]]\nname = \"b\"\ntarget = 99.9\nendpoints = [\"POST /notes\"]\n\
             alerts = [{ severity = \"page\", long_window = \"1h\", short_window = \"5m\", threshold = 14.4 }]\n",
        )
        .unwrap();
        assert_eq!(many.slo.target, None);
        let names: Vec<&str> = many.slo.list.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(many.slo.list[1].endpoints, ["POST /notes"]);
        assert_eq!(many.slo.list[1].alerts.as_ref().unwrap()[0].threshold, 14.4);
        // typos and missing keys are named, in either form
        let err =
            Config::parse("[[slo]]\nname = \"a\"\ntarget = 99\nwindoww = \"1d\"\n").unwrap_err();
        assert!(err.0.contains("windoww"), "{err}");
        let err = Config::parse("[[slo]]\ntarget = 99\n").unwrap_err();
        assert!(err.0.contains("name"), "{err}");
        let err = Config::parse("[slo]\ntargett = 99\n").unwrap_err();
        assert!(err.0.contains("targett"), "{err}");
    }

    #[test]
    fn targets_and_latencies() {
        assert_eq!(parse_target(99.0).unwrap(), 0.99);
        assert_eq!(parse_target(0.995).unwrap(), 0.995);
        assert!(parse_target(0.0).is_err());
        assert!(parse_target(100.0).is_err());
        assert_eq!(parse_latency_ms("3s").unwrap(), 3000.0);
        assert_eq!(parse_latency_ms("800ms").unwrap(), 800.0);
        assert_eq!(parse_rate("1%").unwrap(), 0.01);
        assert_eq!(parse_rate("0.02").unwrap(), 0.02);
        assert!(parse_rate("150%").is_err());
        assert!(parse_rate("lots").is_err());
    }
}
