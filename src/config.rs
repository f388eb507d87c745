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
    #[serde(default)]
    pub slo: SloSection,
    #[serde(default)]
    pub exclude: ExcludeSection,
    #[serde(default)]
    pub routes: RoutesSection,
    #[serde(default)]
    pub gate: GateSection,
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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSection {
    /// Percent (99.0) or fraction (0.99). Default 99 %.
    pub target: Option<f64>,
    /// A duration such as "3s" or "800ms": good requests must also be at least this fast.
    pub latency_threshold: Option<String>,
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

impl Config {
    pub fn load(path: &Path) -> Result<Config, UsageError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("config {}: {e}", path.display())))?;
        Config::parse(&text).map_err(|e| UsageError(format!("config {}: {}", path.display(), e.0)))
    }

    pub fn parse(text: &str) -> Result<Config, UsageError> {
        let cfg: Config = toml::from_str(text).map_err(|e| UsageError(e.to_string()))?;
        if let Some(t) = cfg.slo.target {
            parse_target(t)?;
        }
        if let Some(l) = &cfg.slo.latency_threshold {
            parse_latency_ms(l)?;
        }
        if let Some(t) = cfg.gate.slo {
            parse_target(t)?;
        }
        if let Some(l) = &cfg.gate.max_p99 {
            parse_latency_ms(l)?;
        }
        if let Some(r) = &cfg.gate.max_5xx_rate {
            parse_rate(r)?;
        }
        Ok(cfg)
    }
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
        assert!(Config::parse("[slo]\ntarget = 100\n").is_err());
        assert!(Config::parse("[slo]\nlatency_threshold = \"fast\"\n").is_err());
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
