//! OpenSLO v1 documents (`--slo-spec FILE`, YAML or JSON) read into hosp-logs SLOs.
//!
//! Only what hosp-logs can judge is accepted, and anything else is refused naming the field:
//! `kind: SLO` with `budgetingMethod: Occurrences`, an inline `indicator` (or `indicatorRef`
//! to a `kind: SLI` document of the same file) with a `ratioMetric` whose `good` (or `bad`)
//! and `total` are hosp-logs' own definitions (`metricSource.type: hosp-logs`,
//! `metricSource.spec.definition: good | bad | valid`), one objective (`target` or
//! `targetPercent`), at most one `timeWindow` (rolling, or calendar `1M` / `1Q` in UTC or an IANA `timeZone`), and
//! `alertPolicies` (inline, or `alertPolicyRef` to a `kind: AlertPolicy` document) whose one
//! condition is a `burnrate` above a threshold over a `lookbackWindow`. docs/slo-gate.md
//! gives the mapping.

use std::path::Path;

use serde_json::{Map, Value};

use super::slo::{default_pairs, BurnPair, SloConfig};
use super::slos::{check_list, check_name, EndpointFilter, SloDef};
use crate::config::parse_latency_ms;
use crate::window::parse_duration;

/// A spec that cannot be used: usage (exit 2), naming the document and the field.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("--slo-spec {file}: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("--slo-spec {file}: document {doc}{name}: {field}: {reason}")]
    Field {
        file: String,
        doc: usize,
        /// ` (metadata.name)` when known.
        name: String,
        field: String,
        reason: String,
    },
}

/// The kinds an OpenSLO v1 file may hold.
const KINDS: [&str; 7] = [
    "SLO",
    "SLI",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "DataSource",
    "Service",
];

/// Reads a spec file.
pub fn load(path: &Path) -> Result<Vec<SloDef>, SpecError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Unreadable {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse(&text, &file)
}

/// Parses the documents of a spec: JSON (one document, or an array of them) or YAML (one or
/// more documents separated by `---`).
pub fn parse(text: &str, file: &str) -> Result<Vec<SloDef>, SpecError> {
    let unreadable = |reason: String| SpecError::Unreadable {
        file: file.to_string(),
        reason,
    };
    let docs: Vec<Value> = if text.trim_start().starts_with(['{', '[']) {
        match serde_json::from_str::<Value>(text).map_err(|e| unreadable(e.to_string()))? {
            Value::Array(a) => a,
            v => vec![v],
        }
    } else {
        let mut out = Vec::new();
        for d in serde_yaml_ng::Deserializer::from_str(text) {
            let v: Value = serde::Deserialize::deserialize(d)
                .map_err(|e| unreadable(format!("not YAML: {e}")))?;
            if !v.is_null() {
                out.push(v);
            }
        }
        out
    };
    let reader = Reader { file, docs: &docs };
    reader.slos()
}

struct Reader<'a> {
    file: &'a str,
    docs: &'a [Value],
}

/// Where a value sits: the document and the field path.
#[derive(Clone)]
struct At<'a> {
    doc: usize,
    name: &'a str,
    field: String,
}

impl At<'_> {
    fn err(&self, file: &str, reason: impl Into<String>) -> SpecError {
        SpecError::Field {
            file: file.to_string(),
            doc: self.doc + 1,
            name: if self.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.name)
            },
            field: self.field.clone(),
            reason: reason.into(),
        }
    }

    fn key(&self, k: &str) -> Self {
        At {
            field: if self.field.is_empty() {
                k.to_string()
            } else {
                format!("{}.{k}", self.field)
            },
            ..self.clone()
        }
    }

    fn index(&self, i: usize) -> Self {
        At {
            field: format!("{}[{i}]", self.field),
            ..self.clone()
        }
    }
}

impl<'a> Reader<'a> {
    fn slos(&self) -> Result<Vec<SloDef>, SpecError> {
        let mut defs = Vec::new();
        for (i, doc) in self.docs.iter().enumerate() {
            let at = At {
                doc: i,
                name: "",
                field: String::new(),
            };
            let map = self.object(doc, &at)?;
            let version = self.string(map, &at.key("apiVersion"))?;
            if version != "openslo/v1" {
                return Err(at
                    .key("apiVersion")
                    .err(self.file, format!("{version:?}: expected openslo/v1")));
            }
            let kind = self.string(map, &at.key("kind"))?;
            if !KINDS.contains(&kind) {
                return Err(at.key("kind").err(
                    self.file,
                    format!("{kind:?}: expected one of {}", KINDS.join(", ")),
                ));
            }
            if kind == "SLO" {
                defs.push(self.slo(i, map)?);
            }
        }
        if defs.is_empty() {
            return Err(SpecError::Unreadable {
                file: self.file.to_string(),
                reason: "kind: no document of kind SLO".into(),
            });
        }
        check_list(&defs).map_err(|reason| SpecError::Unreadable {
            file: self.file.to_string(),
            reason: format!("metadata.name: {reason}"),
        })?;
        Ok(defs)
    }

    fn slo(&self, doc: usize, map: &'a Map<String, Value>) -> Result<SloDef, SpecError> {
        let top = At {
            doc,
            name: "",
            field: String::new(),
        };
        let name = self.metadata_name(map, &top)?;
        check_name(name).map_err(|r| top.key("metadata").key("name").err(self.file, r))?;
        let at = At {
            doc,
            name,
            field: String::new(),
        };
        let spec_at = at.key("spec");
        let spec = self.object(self.field(map, &spec_at)?, &spec_at)?;
        let method_at = spec_at.key("budgetingMethod");
        let method = self.string(spec, &method_at)?;
        if method != "Occurrences" {
            return Err(method_at.err(
                self.file,
                format!("{method:?}: hosp-logs counts requests: expected Occurrences"),
            ));
        }
        let (latency, endpoints) = self.indicator(spec, &spec_at)?;
        let target = self.objective(spec, &spec_at)?;
        let (window, timezone) = self.time_window(spec, &spec_at)?;
        let alerts = self.alert_policies(spec, &spec_at)?;
        Ok(SloDef {
            name: name.to_string(),
            config: SloConfig {
                target,
                latency_threshold_ms: latency,
            },
            endpoints,
            window,
            start: None,
            timezone,
            alerts,
        })
    }

    /// The indicator: inline, or `indicatorRef` to a `kind: SLI` document.
    fn indicator(
        &self,
        spec: &'a Map<String, Value>,
        at: &At<'a>,
    ) -> Result<(Option<f64>, EndpointFilter), SpecError> {
        let (sli_spec, sli_at) = match (spec.get("indicator"), spec.get("indicatorRef")) {
            (Some(_), Some(_)) => {
                return Err(at
                    .key("indicatorRef")
                    .err(self.file, "give indicator or indicatorRef, not both"))
            }
            (None, None) => {
                return Err(at
                    .key("indicator")
                    .err(self.file, "required (or indicatorRef)"))
            }
            (Some(ind), None) => {
                let ind_at = at.key("indicator");
                let ind = self.object(ind, &ind_at)?;
                let s_at = ind_at.key("spec");
                (self.object(self.field(ind, &s_at)?, &s_at)?, s_at)
            }
            (None, Some(r)) => {
                let r_at = at.key("indicatorRef");
                let name = r
                    .as_str()
                    .ok_or_else(|| r_at.err(self.file, "expected the name of an SLI document"))?;
                let (doc, sli) = self.find("SLI", name).ok_or_else(|| {
                    r_at.err(
                        self.file,
                        format!("{name:?}: no kind SLI document of that name"),
                    )
                })?;
                let s_at = At {
                    doc,
                    name: "",
                    field: "spec".into(),
                };
                (self.object(self.field(sli, &s_at)?, &s_at)?, s_at)
            }
        };
        if sli_spec.contains_key("thresholdMetric") {
            return Err(sli_at.key("thresholdMetric").err(
                self.file,
                "hosp-logs judges ratio SLIs only: use ratioMetric with good and total",
            ));
        }
        let r_at = sli_at.key("ratioMetric");
        let ratio = self.object(self.field(sli_spec, &r_at)?, &r_at)?;
        for k in ["raw", "rawType"] {
            if ratio.contains_key(k) {
                return Err(r_at.key(k).err(
                    self.file,
                    "hosp-logs counts the ratio itself: use good (or bad) and total",
                ));
            }
        }
        if let Some(c) = ratio.get("counter") {
            if !c.is_boolean() {
                return Err(r_at.key("counter").err(self.file, "expected true or false"));
            }
        }
        let (num_key, definition) = match (ratio.get("good"), ratio.get("bad")) {
            (Some(_), Some(_)) => {
                return Err(r_at.key("bad").err(self.file, "give good or bad, not both"))
            }
            (None, None) => return Err(r_at.key("good").err(self.file, "required (or bad)")),
            (Some(_), None) => ("good", "good"),
            (None, Some(_)) => ("bad", "bad"),
        };
        let good = self.source(ratio, &r_at.key(num_key), definition, &["latencyThreshold"])?;
        let latency = match good.get("latencyThreshold") {
            None => None,
            Some(v) => {
                let f_at = r_at
                    .key(num_key)
                    .key("metricSource")
                    .key("spec")
                    .key("latencyThreshold");
                let text = v
                    .as_str()
                    .ok_or_else(|| f_at.err(self.file, "expected a duration like \"3s\""))?;
                Some(parse_latency_ms(text).map_err(|e| f_at.err(self.file, e.0))?)
            }
        };
        let total = self.source(ratio, &r_at.key("total"), "valid", &["endpoints"])?;
        let endpoints = match total.get("endpoints") {
            None => EndpointFilter::default(),
            Some(v) => {
                let f_at = r_at
                    .key("total")
                    .key("metricSource")
                    .key("spec")
                    .key("endpoints");
                let list = self.strings(v, &f_at)?;
                EndpointFilter::parse(&list).map_err(|r| f_at.err(self.file, r))?
            }
        };
        Ok((latency, endpoints))
    }

    /// A `good` / `bad` / `total` metric: `metricSource.type: hosp-logs`,
    /// `metricSource.spec.definition: <definition>`, and only the `extra` keys besides.
    fn source(
        &self,
        ratio: &'a Map<String, Value>,
        at: &At<'a>,
        definition: &str,
        extra: &[&str],
    ) -> Result<&'a Map<String, Value>, SpecError> {
        let m = self.object(self.field(ratio, at)?, at)?;
        let ms_at = at.key("metricSource");
        let ms = self.object(self.field(m, &ms_at)?, &ms_at)?;
        let ty = self.string(ms, &ms_at.key("type"))?;
        if ty != "hosp-logs" {
            return Err(ms_at.key("type").err(
                self.file,
                format!("{ty:?}: expected hosp-logs (the SLI is hosp-logs' own counts)"),
            ));
        }
        let s_at = ms_at.key("spec");
        let spec = self.object(self.field(ms, &s_at)?, &s_at)?;
        let def = self.string(spec, &s_at.key("definition"))?;
        if def != definition {
            return Err(s_at
                .key("definition")
                .err(self.file, format!("{def:?}: expected {definition:?} here")));
        }
        for k in spec.keys() {
            if k != "definition" && !extra.contains(&k.as_str()) {
                return Err(s_at.key(k).err(
                    self.file,
                    format!(
                        "unknown key: this spec takes definition{}",
                        extra.iter().map(|e| format!(", {e}")).collect::<String>()
                    ),
                ));
            }
        }
        Ok(spec)
    }

    /// The one objective's target, as a fraction.
    fn objective(&self, spec: &Map<String, Value>, at: &At<'a>) -> Result<f64, SpecError> {
        let o_at = at.key("objectives");
        let list = self
            .field(spec, &o_at)?
            .as_array()
            .ok_or_else(|| o_at.err(self.file, "expected a list"))?;
        if list.len() != 1 {
            return Err(o_at.err(
                self.file,
                format!(
                    "{} objectives: hosp-logs takes one per SLO (write one SLO per target)",
                    list.len()
                ),
            ));
        }
        let i_at = o_at.index(0);
        let o = self.object(&list[0], &i_at)?;
        for k in ["op", "value", "timeSliceTarget", "timeSliceWindow"] {
            if o.contains_key(k) {
                return Err(i_at.key(k).err(
                    self.file,
                    "not for an Occurrences ratio SLO: give target or targetPercent only",
                ));
            }
        }
        let number = |k: &str| -> Result<Option<f64>, SpecError> {
            o.get(k)
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| i_at.key(k).err(self.file, "expected a number"))
                })
                .transpose()
        };
        let (key, fraction) = match (number("target")?, number("targetPercent")?) {
            (Some(_), Some(_)) => {
                return Err(i_at
                    .key("targetPercent")
                    .err(self.file, "give target or targetPercent, not both"))
            }
            (None, None) => {
                return Err(i_at
                    .key("target")
                    .err(self.file, "required (or targetPercent)"))
            }
            (Some(t), None) => ("target", t),
            (None, Some(p)) => ("targetPercent", p / 100.0),
        };
        if !(fraction > 0.0 && fraction < 1.0) {
            let range = if key == "target" {
                "above 0 and below 1 (0.999)"
            } else {
                "above 0 and below 100 (99.9)"
            };
            return Err(i_at
                .key(key)
                .err(self.file, format!("{}: expected a number {range}", o[key])));
        }
        Ok(fraction)
    }

    /// The window in hosp-logs' terms: its name, and the time zone of a calendar window (UTC
    /// unless `calendar.timeZone` names another).
    fn time_window(
        &self,
        spec: &Map<String, Value>,
        at: &At<'a>,
    ) -> Result<(Option<String>, chrono_tz::Tz), SpecError> {
        let w_at = at.key("timeWindow");
        let mut zone = chrono_tz::Tz::UTC;
        let Some(v) = spec.get("timeWindow") else {
            return Ok((None, zone));
        };
        let list = v
            .as_array()
            .ok_or_else(|| w_at.err(self.file, "expected a list of one window"))?;
        if list.len() != 1 {
            return Err(w_at.err(self.file, "expected exactly one window"));
        }
        let i_at = w_at.index(0);
        let w = self.object(&list[0], &i_at)?;
        let duration = self.string(w, &i_at.key("duration"))?;
        let calendar = w.get("calendar");
        let rolling = match w.get("isRolling") {
            None => calendar.is_none(),
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(i_at
                    .key("isRolling")
                    .err(self.file, "expected true or false"))
            }
        };
        if rolling {
            if calendar.is_some() {
                return Err(i_at
                    .key("calendar")
                    .err(self.file, "a rolling window has no calendar"));
            }
            parse_duration(duration).filter(|d| *d > 0).ok_or_else(|| {
                i_at.key("duration").err(
                    self.file,
                    format!("{duration:?}: expected a rolling length in m, h, d or w (28d, 4w)"),
                )
            })?;
            return Ok((Some(duration.to_string()), zone));
        }
        let name = match duration {
            "1M" => "month",
            "1Q" => "quarter",
            other => {
                return Err(i_at.key("duration").err(
                    self.file,
                    format!(
                        "{other:?}: hosp-logs' calendar windows are 1M (month) and 1Q (quarter)"
                    ),
                ))
            }
        };
        if let Some(c) = calendar {
            let c_at = i_at.key("calendar");
            let c = self.object(c, &c_at)?;
            if let Some(tz) = c.get("timeZone") {
                zone = tz
                    .as_str()
                    .and_then(|t| t.trim().parse().ok())
                    .ok_or_else(|| {
                        c_at.key("timeZone").err(
                            self.file,
                            format!("{tz}: expected an IANA time zone name (UTC, Europe/Zurich)"),
                        )
                    })?;
            }
            if let Some(st) = c.get("startTime") {
                let ok = st.as_str().and_then(|s| {
                    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()
                });
                let aligned = ok.is_some_and(|t| {
                    use chrono::{Datelike, Timelike};
                    t.day() == 1
                        && t.num_seconds_from_midnight() == 0
                        && (name == "month" || t.month0() % 3 == 0)
                });
                if !aligned {
                    return Err(c_at.key("startTime").err(
                        self.file,
                        format!(
                            "{st}: expected the first day of a {name} at 00:00:00 (\"2026-01-01 00:00:00\")"
                        ),
                    ));
                }
            }
        }
        Ok((Some(name.to_string()), zone))
    }

    /// The burn-rate alerts of `alertPolicies` (default: the SRE workbook's when absent).
    fn alert_policies(
        &self,
        spec: &Map<String, Value>,
        at: &At<'a>,
    ) -> Result<Vec<BurnPair>, SpecError> {
        let p_at = at.key("alertPolicies");
        let Some(v) = spec.get("alertPolicies") else {
            return Ok(default_pairs());
        };
        let list = v
            .as_array()
            .ok_or_else(|| p_at.err(self.file, "expected a list"))?;
        if list.is_empty() {
            return Ok(default_pairs());
        }
        let mut pairs = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let i_at = p_at.index(i);
            let item = self.object(item, &i_at)?;
            let (policy, pol_at) = match item.get("alertPolicyRef") {
                Some(r) => {
                    let r_at = i_at.key("alertPolicyRef");
                    let name = r
                        .as_str()
                        .ok_or_else(|| r_at.err(self.file, "expected a name"))?;
                    let (doc, p) = self.find("AlertPolicy", name).ok_or_else(|| {
                        r_at.err(
                            self.file,
                            format!("{name:?}: no kind AlertPolicy document of that name"),
                        )
                    })?;
                    (
                        p,
                        At {
                            doc,
                            name: "",
                            field: String::new(),
                        },
                    )
                }
                None => (item, i_at.clone()),
            };
            let s_at = pol_at.key("spec");
            let pspec = self.object(self.field(policy, &s_at)?, &s_at)?;
            let c_at = s_at.key("conditions");
            let conds = self
                .field(pspec, &c_at)?
                .as_array()
                .ok_or_else(|| c_at.err(self.file, "expected a list of one condition"))?;
            if conds.len() != 1 {
                return Err(c_at.err(self.file, "expected exactly one condition (OpenSLO v1)"));
            }
            let ci_at = c_at.index(0);
            let cond = self.object(&conds[0], &ci_at)?;
            let (cond, cond_at) = match cond.get("conditionRef") {
                Some(r) => {
                    let r_at = ci_at.key("conditionRef");
                    let name = r
                        .as_str()
                        .ok_or_else(|| r_at.err(self.file, "expected a name"))?;
                    let (doc, c) = self.find("AlertCondition", name).ok_or_else(|| {
                        r_at.err(
                            self.file,
                            format!("{name:?}: no kind AlertCondition document of that name"),
                        )
                    })?;
                    (
                        c,
                        At {
                            doc,
                            name: "",
                            field: String::new(),
                        },
                    )
                }
                None => (cond, ci_at),
            };
            pairs.push(self.condition(cond, &cond_at)?);
        }
        Ok(pairs)
    }

    /// One burn-rate condition: fires when the burn over `lookbackWindow` and over a twelfth
    /// of it (the SRE workbook's short window) is above `threshold`.
    fn condition(&self, cond: &Map<String, Value>, at: &At<'a>) -> Result<BurnPair, SpecError> {
        let s_at = at.key("spec");
        let spec = self.object(self.field(cond, &s_at)?, &s_at)?;
        let severity = self.string(spec, &s_at.key("severity"))?;
        let c_at = s_at.key("condition");
        let c = self.object(self.field(spec, &c_at)?, &c_at)?;
        if let Some(kind) = c.get("kind") {
            if kind.as_str() != Some("burnrate") {
                return Err(c_at
                    .key("kind")
                    .err(self.file, format!("{kind}: expected burnrate")));
            }
        }
        let op = self.string(c, &c_at.key("op"))?;
        let inclusive = match op {
            "gt" => false,
            "gte" => true,
            other => {
                return Err(c_at.key("op").err(
                    self.file,
                    format!(
                    "{other:?}: a burn-rate alert fires above its threshold: expected gt or gte"
                ),
                ))
            }
        };
        let t_at = c_at.key("threshold");
        let threshold = self
            .field(c, &t_at)?
            .as_f64()
            .filter(|t| t.is_finite() && *t > 0.0)
            .ok_or_else(|| t_at.err(self.file, "expected a number above 0"))?;
        let l_at = c_at.key("lookbackWindow");
        let text = self.string(c, &l_at)?;
        let long = parse_duration(text)
            .filter(|d| *d >= 12 * 60 * 1_000_000)
            .ok_or_else(|| {
                l_at.err(
                    self.file,
                    format!("{text:?}: expected a duration of at least 12m (1h, 6h, 3d)"),
                )
            })?;
        if let Some(a) = c.get("alertAfter") {
            let a_at = c_at.key("alertAfter");
            a.as_str()
                .and_then(parse_duration_or_zero)
                .ok_or_else(|| a_at.err(self.file, "expected a duration (0m, 5m)"))?;
        }
        Ok(BurnPair {
            severity: severity.to_string(),
            long_us: long,
            // whole seconds, as every window
            short_us: (long / 12).div_euclid(1_000_000) * 1_000_000,
            threshold,
            inclusive,
        })
    }

    fn find(&self, kind: &str, name: &str) -> Option<(usize, &'a Map<String, Value>)> {
        self.docs.iter().enumerate().find_map(|(i, d)| {
            let m = d.as_object()?;
            (m.get("kind")?.as_str()? == kind && m.get("metadata")?.get("name")?.as_str()? == name)
                .then_some((i, m))
        })
    }

    fn metadata_name(
        &self,
        map: &'a Map<String, Value>,
        at: &At<'a>,
    ) -> Result<&'a str, SpecError> {
        let m_at = at.key("metadata");
        let m = self.object(self.field(map, &m_at)?, &m_at)?;
        self.string(m, &m_at.key("name"))
    }

    fn field(&self, map: &'a Map<String, Value>, at: &At<'a>) -> Result<&'a Value, SpecError> {
        let key = at.field.rsplit('.').next().unwrap_or(&at.field);
        map.get(key).ok_or_else(|| at.err(self.file, "required"))
    }

    fn object(&self, v: &'a Value, at: &At<'a>) -> Result<&'a Map<String, Value>, SpecError> {
        v.as_object()
            .ok_or_else(|| at.err(self.file, "expected a mapping"))
    }

    fn string(&self, map: &'a Map<String, Value>, at: &At<'a>) -> Result<&'a str, SpecError> {
        self.field(map, at)?
            .as_str()
            .ok_or_else(|| at.err(self.file, "expected a string"))
    }

    fn strings(&self, v: &Value, at: &At<'a>) -> Result<Vec<String>, SpecError> {
        v.as_array()
            .and_then(|a| {
                a.iter()
                    .map(|s| s.as_str().map(String::from))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| at.err(self.file, "expected a list of strings"))
    }
}

/// `0m` is a duration here (`parse_duration` wants a positive one).
fn parse_duration_or_zero(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.trim_start_matches('0')
        .chars()
        .all(|c| c.is_ascii_alphabetic())
        && t.starts_with('0')
    {
        return Some(0);
    }
    parse_duration(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: hosp
  budgetingMethod: Occurrences
  indicator:
    metadata:
      name: availability
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: hosp-logs
            spec:
              definition: good
        total:
          metricSource:
            type: hosp-logs
            spec:
              definition: valid
  timeWindow:
    - duration: 28d
      isRolling: true
  objectives:
    - targetPercent: 99
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: notes-writes
spec:
  budgetingMethod: Occurrences
  indicatorRef: notes-fast
  timeWindow:
    - duration: 1M
      calendar:
        startTime: "2026-01-01 00:00:00"
        timeZone: UTC
  objectives:
    - target: 0.999
  alertPolicies:
    - alertPolicyRef: fast-burn
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: notes-fast
spec:
  ratioMetric:
    good:
      metricSource:
        type: hosp-logs
        spec:
          definition: good
          latencyThreshold: 3s
    total:
      metricSource:
        type: hosp-logs
        spec:
          definition: valid
          endpoints: ["POST /notes"]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: fast-burn
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata:
        name: page-1h
      spec:
        severity: page
        condition:
          kind: burnrate
          op: gte
          threshold: 14.4
          lookbackWindow: 1h
          alertAfter: 0m
  notificationTargets:
    - targetRef: on-call
"#;

    #[test]
    fn a_spec_maps_onto_hosp_logs_slos() {
        let defs = parse(TWO, "two.yaml").unwrap();
        assert_eq!(defs.len(), 2);
        let (a, n) = (&defs[0], &defs[1]);
        assert_eq!(
            (
                a.name.as_str(),
                a.config.target,
                a.config.latency_threshold_ms
            ),
            ("availability", 0.99, None)
        );
        assert_eq!(a.window.as_deref(), Some("28d"));
        assert_eq!(a.alerts, default_pairs());
        assert!(a.endpoints.is_empty());
        assert_eq!(
            (
                n.name.as_str(),
                n.config.target,
                n.config.latency_threshold_ms
            ),
            ("notes-writes", 0.999, Some(3000.0))
        );
        assert_eq!(n.window.as_deref(), Some("month"));
        assert_eq!(n.timezone, chrono_tz::Tz::UTC);
        // a calendar window in another zone keeps it
        let dublin = parse(
            &TWO.replace("timeZone: UTC", "timeZone: Europe/Dublin"),
            "two.yaml",
        )
        .unwrap();
        assert_eq!(dublin[1].timezone, chrono_tz::Tz::Europe__Dublin);
        assert_eq!(n.endpoints.text, ["POST /notes"]);
        assert_eq!(
            n.alerts,
            [BurnPair {
                severity: "page".into(),
                long_us: 3_600_000_000,
                short_us: 300_000_000,
                threshold: 14.4,
                inclusive: true,
            }]
        );
    }

    #[test]
    fn json_documents_read_the_same() {
        let yaml = parse(TWO, "two.yaml").unwrap();
        let docs: Vec<Value> = serde_yaml_ng::Deserializer::from_str(TWO)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        let json = parse(&serde_json::to_string(&docs).unwrap(), "two.json").unwrap();
        assert_eq!(format!("{yaml:?}"), format!("{json:?}"));
    }

    /// Each broken document is refused naming its field.
    #[test]
    fn invalid_documents_name_the_field() {
        let cases = [
            (
                "kind: SLO\n",
                "kind: SLOs\n",
                "document 1: kind: \"SLOs\"",
                "kind",
            ),
            (
                "apiVersion: openslo/v1\nkind: SLO",
                "apiVersion: openslo/v1alpha\nkind: SLO",
                "",
                "apiVersion",
            ),
            (
                "    - targetPercent: 99",
                "    - targetPercent: 100",
                "",
                "spec.objectives[0].targetPercent",
            ),
            (
                "    - target: 0.999",
                "    - target: 1.5",
                "",
                "spec.objectives[0].target",
            ),
            (
                "    - targetPercent: 99",
                "    - displayName: x",
                "",
                "spec.objectives[0].target: required",
            ),
            (
                "  budgetingMethod: Occurrences\n  indicator:",
                "  budgetingMethod: Timeslices\n  indicator:",
                "",
                "spec.budgetingMethod",
            ),
            (
                "              definition: valid\n  timeWindow",
                "              definition: total\n  timeWindow",
                "",
                "spec.indicator.spec.ratioMetric.total.metricSource.spec.definition",
            ),
            (
                "            type: hosp-logs\n            spec:\n              definition: good",
                "            type: Prometheus\n            spec:\n              definition: good",
                "",
                "spec.indicator.spec.ratioMetric.good.metricSource.type",
            ),
            (
                "          latencyThreshold: 3s",
                "          latencyThreshold: fast",
                "",
                "spec.ratioMetric.good.metricSource.spec.latencyThreshold",
            ),
            (
                "    - duration: 1M",
                "    - duration: 2M",
                "",
                "spec.timeWindow[0].duration",
            ),
            (
                "        timeZone: UTC",
                "        timeZone: Mars/Olympus",
                "",
                "spec.timeWindow[0].calendar.timeZone",
            ),
            (
                "          op: gte",
                "          op: lt",
                "",
                "spec.conditions[0].spec.condition.op",
            ),
            (
                "  indicatorRef: notes-fast",
                "  indicatorRef: nothing",
                "",
                "spec.indicatorRef",
            ),
            (
                "metadata:\n  name: notes-writes",
                "metadata:\n  title: notes-writes",
                "document 2",
                "metadata.name: required",
            ),
        ];
        for (from, to, doc, field) in cases {
            assert!(TWO.contains(from), "{from}");
            let text = TWO.replacen(from, to, 1);
            let err = parse(&text, "x.yaml").unwrap_err().to_string();
            assert!(err.contains(field), "{to:?}: {err}");
            assert!(err.contains(doc), "{to:?}: {err}");
        }
        let err = parse(
            "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: s\n",
            "s.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no document of kind SLO"), "{err}");
        assert!(parse("{", "x.json").is_err());
    }
}
