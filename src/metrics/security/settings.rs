//! The `[security]` section, parsed and checked once: what is sensitive, who is trusted, the
//! working hours and each rule's thresholds.

use std::net::IpAddr;

use chrono::NaiveTime;

use crate::config::SecuritySection;
use crate::error::UsageError;
use crate::filter::{Cidr, Glob};
use crate::window::parse_duration;

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
                // compared without lowercasing a copy: this runs for every write
                let path = path.trim_end_matches('/').as_bytes();
                p.is_empty()
                    || (path.len() >= p.len()
                        && path[..p.len()].eq_ignore_ascii_case(p.as_bytes())
                        && (path.len() == p.len() || path[p.len()] == b'/'))
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
    /// The share of sensitive writes with a scripting user agent that makes it a reason.
    pub scripting_share: f64,
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
        if !(s.scripting_share > 0.0 && s.scripting_share <= 1.0) {
            return Err(UsageError(format!(
                "scripting_share {}: expected a share above 0 and at most 1, e.g. 0.5",
                s.scripting_share
            )));
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
            scripting_share: s.scripting_share,
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

    /// Whether a request's path (its endpoint when it has no path) is sensitive.
    pub fn is_sensitive(&self, path: Option<&str>, endpoint: Option<&str>) -> bool {
        let path = path.or(endpoint).unwrap_or("");
        self.sensitive.iter().any(|p| p.matches(path))
    }

    /// A scripting tool's user agent, or none at all.
    pub fn is_scripting(&self, ua: Option<&str>) -> bool {
        match ua.map(str::trim) {
            None | Some("") | Some("-") => true,
            Some(ua) => Glob::any(&self.scripting, ua),
        }
    }

    /// What the per-client state depends on (the settings a fold reads; the thresholds,
    /// the known networks and the baseline only shape the finish): the store keeps one
    /// state, for these settings.
    pub fn fold_fingerprint(&self) -> String {
        let globs = |g: &[Glob]| g.iter().map(Glob::to_regex).collect::<Vec<_>>();
        serde_json::json!({
            "sensitive_endpoints": self.sensitive_text,
            "scripting_user_agents": globs(&self.scripting),
            "evidence": self.evidence,
            "cdn_only": self.cdn_only,
            "working_hours": self.hours_text,
            "probe_paths": globs(&self.scanner.probes),
            "write_burst_bucket_us": self.burst.bucket_us,
        })
        .to_string()
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
