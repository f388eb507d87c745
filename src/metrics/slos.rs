//! Several SLOs over one read: each with its name, target, optional latency threshold,
//! optional endpoints filter, optional window and burn-rate alerts (config `[[slo]]`, or
//! OpenSLO documents through `--slo-spec`). The single `[slo]` of old is one SLO named
//! `availability`.
//!
//! An SLO's counts follow the definitions of [`super::slo`], over the requests its endpoints
//! filter keeps (all of them without one): total, excluded, valid and good are that SLO's.
//! [`answers`] is what every command that shows the SLOs (`slo`, `report`, `watch`, `serve`)
//! calls: the list of answers for one input.

use serde::Serialize;

use super::security::PathPattern;
use super::slo::{compute_with, default_pairs, BurnPair, SloConfig, SloCounts, SloReport};
use crate::engine::{Analysis, Finish, InputStats};
use crate::format::{Request, Role, RoleSet};
use crate::window::{SloWindow, Window};

/// The name of the one SLO a single `[slo]` section (or no config) defines.
pub const DEFAULT_NAME: &str = "availability";

/// One SLO's definition, checked.
#[derive(Debug, Clone)]
pub struct SloDef {
    pub name: String,
    pub config: SloConfig,
    pub endpoints: EndpointFilter,
    /// Its window by name (`28d`, `month`, `quarter`), when it has one.
    pub window: Option<String>,
    /// Or the start of a whole-project window.
    pub start: Option<String>,
    /// The time zone its calendar window (and a start date) is read in: UTC unless set.
    pub timezone: chrono_tz::Tz,
    /// Its burn-rate alerts (default: the SRE workbook's four pairs).
    pub alerts: Vec<BurnPair>,
}

impl SloDef {
    /// An SLO over every request with the default alerts.
    pub fn new(name: &str, config: SloConfig) -> SloDef {
        SloDef {
            name: name.to_string(),
            config,
            endpoints: EndpointFilter::default(),
            window: None,
            start: None,
            timezone: chrono_tz::Tz::UTC,
            alerts: default_pairs(),
        }
    }

    /// The roles the SLO reads.
    pub fn roles(&self) -> RoleSet {
        self.config.roles().union(self.endpoints.roles())
    }
}

/// Checks an SLO's name: what a report, a gate flag and a Prometheus label carry.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?}: expected 1 to 63 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// Checks a list of SLOs: at least one, names unique.
pub fn check_list(defs: &[SloDef]) -> Result<(), String> {
    if defs.is_empty() {
        return Err("no SLO defined".into());
    }
    for (i, d) in defs.iter().enumerate() {
        if defs[..i].iter().any(|o| o.name == d.name) {
            return Err(format!("two SLOs are named {:?}", d.name));
        }
    }
    Ok(())
}

/// An SLO's endpoints filter: requests whose templated endpoint (and method, when the pattern
/// names one) matches any pattern. Empty: every request.
#[derive(Debug, Clone, Default)]
pub struct EndpointFilter {
    patterns: Vec<(Option<String>, PathPattern)>,
    /// The patterns as written, for the report.
    pub text: Vec<String>,
}

impl EndpointFilter {
    /// Parses `["POST /notes", "/patients/{id}/screen", "GET */screen"]`: an optional method,
    /// then a path prefix on whole segments or a glob (`*`), matched against the templated
    /// endpoint, case-insensitive.
    pub fn parse(list: &[String]) -> Result<EndpointFilter, String> {
        let mut patterns = Vec::new();
        for text in list {
            let t = text.trim();
            let (method, path) = match t.split_once(char::is_whitespace) {
                Some((m, p)) => (Some(m), p.trim()),
                None => (None, t),
            };
            if let Some(m) = method {
                if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(format!(
                        "{text:?}: expected [METHOD] PATH, e.g. \"POST /notes\" or \"/patients\""
                    ));
                }
            }
            if !(path.starts_with('/') || path.starts_with('*')) {
                return Err(format!(
                    "{text:?}: the path must start with / or * (\"POST /notes\", \"*/screen\")"
                ));
            }
            patterns.push((
                method.map(|m| m.to_ascii_uppercase()),
                PathPattern::new(path),
            ));
        }
        Ok(EndpointFilter {
            patterns,
            text: list.to_vec(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the SLO counts this request.
    pub fn matches(&self, r: &Request<'_>) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        let Some(endpoint) = r.endpoint.as_deref() else {
            return false;
        };
        self.patterns.iter().any(|(method, path)| {
            method
                .as_deref()
                .is_none_or(|m| r.method.is_some_and(|rm| rm.eq_ignore_ascii_case(m)))
                && path.matches(endpoint)
        })
    }

    pub fn roles(&self) -> RoleSet {
        if self.patterns.is_empty() {
            RoleSet::EMPTY
        } else if self.patterns.iter().any(|(m, _)| m.is_some()) {
            RoleSet::of(&[Role::Endpoint, Role::Method])
        } else {
            RoleSet::of(&[Role::Endpoint])
        }
    }
}

/// Several SLOs as one analysis: one [`SloCounts`] per SLO, folded from the same batches.
/// `windows[i]` is the window SLO `i` is judged over when it has its own (else the run's).
#[derive(Debug, Clone)]
pub struct Slos {
    pub defs: Vec<SloDef>,
    pub windows: Vec<Option<SloWindow>>,
}

impl Slos {
    /// Every SLO judged over the run's window.
    pub fn new(defs: Vec<SloDef>) -> Slos {
        let windows = vec![None; defs.len()];
        Slos { defs, windows }
    }

    /// The window SLO `i` is judged over: its own, else `run`.
    pub fn window_of(&self, i: usize, run: &Window) -> Window {
        match self.windows.get(i).and_then(Option::as_ref) {
            Some(w) => Window {
                since_us: Some(w.since_us),
                until_us: Some(w.until_us),
            },
            None => *run,
        }
    }

    /// The answers from counts folded by this analysis, each over its window. An SLO with its
    /// own window counts nothing from outside it (the run read from the earliest SLO's start):
    /// its burn-rate alerts see what a run over its window alone would, as from the store.
    pub fn answers(
        &self,
        counts: &[SloCounts],
        run: &Window,
        input: &InputStats,
    ) -> Vec<SloAnswer> {
        self.defs
            .iter()
            .zip(counts)
            .enumerate()
            .map(|(i, (def, c))| {
                let window = self.window_of(i, run);
                let within;
                let c = match self.windows.get(i) {
                    Some(Some(_)) => {
                        within = c.within(&window);
                        &within
                    }
                    _ => c,
                };
                let mut report = compute_with(c, &window, &def.config, &def.alerts, input.clone());
                report.slo_window = self.windows.get(i).cloned().flatten();
                SloAnswer::new(def, report)
            })
            .collect()
    }
}

impl Analysis for Slos {
    type Partial = Vec<SloCounts>;
    type Report = Vec<SloAnswer>;

    fn name(&self) -> &'static str {
        "slo"
    }

    fn required(&self) -> RoleSet {
        self.defs
            .iter()
            .fold(RoleSet::of(&[Role::Time, Role::Status]), |r, d| {
                r.union(d.config.roles())
            })
    }

    /// The endpoints filters read the endpoint and method where the format has them; a
    /// format without endpoints leaves those SLOs empty rather than failing the others.
    fn optional(&self) -> RoleSet {
        self.defs
            .iter()
            .fold(RoleSet::EMPTY, |r, d| r.union(d.endpoints.roles()))
    }

    fn partial(&self) -> Vec<SloCounts> {
        vec![SloCounts::default(); self.defs.len()]
    }

    fn fold(&self, part: &mut Vec<SloCounts>, batch: &[Request<'_>]) {
        for (def, counts) in self.defs.iter().zip(part.iter_mut()) {
            if def.endpoints.is_empty() {
                counts.fold(batch, &def.config);
            } else {
                counts.fold_where(batch, &def.config, |r| def.endpoints.matches(r));
            }
        }
    }

    fn merge(&self, into: &mut Vec<SloCounts>, from: Vec<SloCounts>) {
        for (a, b) in into.iter_mut().zip(from) {
            a.merge(b);
        }
    }

    /// Each answer's `input` is left empty and its counts kept: the command fills the input
    /// from the run.
    fn finish(&self, part: Vec<SloCounts>, end: &Finish) -> Vec<SloAnswer> {
        let mut answers = self.answers(&part, &end.window, &InputStats::default());
        for (a, c) in answers.iter_mut().zip(part) {
            a.report.counts = c;
        }
        answers
    }
}

/// One SLO's answer: its name, its endpoints filter, and the `slo` report's keys.
#[derive(Debug, Clone, Serialize)]
pub struct SloAnswer {
    pub name: String,
    /// The endpoints filter as written (absent when the SLO counts every request).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    #[serde(flatten)]
    pub report: SloReport,
}

impl SloAnswer {
    pub fn new(def: &SloDef, report: SloReport) -> SloAnswer {
        SloAnswer {
            name: def.name.clone(),
            endpoints: def.endpoints.text.clone(),
            report,
        }
    }
}

/// `slo --format json`: the first SLO's keys at the top, as with one SLO, and every SLO in
/// `slos[]`.
#[derive(Debug, Clone, Serialize)]
pub struct SlosReport {
    #[serde(flatten)]
    pub first: SloReport,
    pub slos: Vec<SloAnswer>,
    /// SLOs the answer could not judge (from the store: a definition its counts cannot
    /// answer), each with the reason. Absent when every SLO is answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slos_not_answered: Vec<NotAnswered>,
}

/// An SLO left out of an answer, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotAnswered {
    pub name: String,
    pub reason: String,
}

/// The answers for one input: what `serve` (and every command that shows the SLOs) calls.
/// `counts` are the per-SLO counts [`Slos`] folded.
pub fn answers(
    slos: &Slos,
    counts: &[SloCounts],
    run: &Window,
    input: &InputStats,
) -> Vec<SloAnswer> {
    slos.answers(counts, run, input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_patterns_match_method_and_whole_segments() {
        let f = EndpointFilter::parse(&["POST /notes".into(), "*/screen".into()]).unwrap();
        let req = |method: &'static str, endpoint: &'static str| Request {
            method: Some(method),
            endpoint: Some(endpoint.into()),
            ..Request::default()
        };
        assert!(f.matches(&req("POST", "/notes")));
        assert!(f.matches(&req("post", "/notes/{id}")));
        assert!(!f.matches(&req("GET", "/notes/{id}")));
        assert!(!f.matches(&req("POST", "/notesx")));
        assert!(f.matches(&req("GET", "/patients/{id}/screen")));
        assert!(EndpointFilter::parse(&["notes".into()]).is_err());
        assert!(EndpointFilter::parse(&["P0ST /notes".into()]).is_err());
        assert!(EndpointFilter::default().matches(&Request::default()));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("notes-writes_3s.v2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"x".repeat(64)).is_err());
        let d = SloDef::new(
            "a",
            SloConfig {
                target: 0.99,
                latency_threshold_ms: None,
            },
        );
        assert!(check_list(&[d.clone(), d]).is_err());
        assert!(check_list(&[]).is_err());
    }
}
