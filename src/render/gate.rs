//! The gate's table, its JUnit XML and its GitHub job summary.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{percent, Document, Report, Section};
use crate::metrics::gate::{Check, CheckUnit, GateReport, Verdict};

/// A check's threshold as text: `>= 99.000%`, `<= 3000 ms`, `<= 0 at or above high`.
pub fn threshold_text(c: &Check) -> String {
    match (c.name, c.unit) {
        ("slo", CheckUnit::Fraction) => format!(">= {}", percent(Some(c.threshold))),
        (_, CheckUnit::Fraction) => format!("<= {}", percent(Some(c.threshold))),
        (_, CheckUnit::Ms) => format!("<= {} ms", c.threshold),
        (_, CheckUnit::Findings(level)) => {
            format!("<= {} at or above {}", c.threshold, level.as_str())
        }
    }
}

/// A check's measured value as text (`n/a` when there was nothing to measure).
pub fn actual_text(c: &Check) -> String {
    match (c.unit, c.actual) {
        (CheckUnit::Fraction, a) => percent(a),
        (CheckUnit::Ms, Some(a)) => format!("{a:.1} ms"),
        (CheckUnit::Findings(_), Some(a)) => format!("{a}"),
        (_, None) => "n/a".into(),
    }
}

/// `threshold` and `actual` stay the text they always were; the numbers sit beside them.
impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Check", 8)?;
        st.serialize_field("name", self.name)?;
        if let Some(slo) = &self.slo {
            st.serialize_field("slo", slo)?;
        } else {
            st.skip_field("slo")?;
        }
        st.serialize_field("threshold", &threshold_text(self))?;
        st.serialize_field("actual", &actual_text(self))?;
        st.serialize_field("passed", &self.passed)?;
        st.serialize_field("threshold_value", &self.threshold)?;
        st.serialize_field("actual_value", &self.actual)?;
        st.serialize_field("unit", &self.unit)?;
        st.end()
    }
}

impl Report for GateReport {
    fn document(&self) -> Document {
        let verdict = match self.verdict {
            Verdict::Pass => "PASS",
            Verdict::Breach => "BREACH",
            Verdict::NoData => "NO DATA (fails closed)",
        };
        let mut summary = vec![
            ("Verdict".to_string(), verdict.to_string()),
            ("Valid requests".into(), self.valid_requests.to_string()),
        ];
        if let Some(r) = &self.reason {
            summary.push(("Reason".into(), r.clone()));
        }
        Document {
            title: "CI gate".into(),
            summary,
            sections: vec![Section {
                title: "Checks".into(),
                headers: ["Check", "Threshold", "Actual", "Result"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .checks
                    .iter()
                    .map(|c| {
                        vec![
                            label(c),
                            threshold_text(c),
                            actual_text(c),
                            match c.passed {
                                Some(true) => "pass".into(),
                                Some(false) => "FAIL".into(),
                                None => "not evaluated".into(),
                            },
                        ]
                    })
                    .collect(),
            }],
            notes: vec![],
        }
    }
}

/// JUnit XML: one test case per check; a failed check is a <failure>, an unevaluated one an
/// <error>.
pub fn write_junit(report: &GateReport, out: &mut dyn Write) -> io::Result<()> {
    let failures = report
        .checks
        .iter()
        .filter(|c| c.passed == Some(false))
        .count();
    let errors = report.checks.iter().filter(|c| c.passed.is_none()).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="hosp-logs gate" tests="{}" failures="{failures}" errors="{errors}">"#,
        report.checks.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="slo-gate" tests="{}" failures="{failures}" errors="{errors}">"#,
        report.checks.len()
    )?;
    for c in &report.checks {
        let name = xml(&label(c));
        let msg = xml(&format!(
            "actual {} (threshold {})",
            actual_text(c),
            threshold_text(c)
        ));
        match c.passed {
            Some(true) => writeln!(
                out,
                r#"    <testcase classname="hosp-logs.gate" name="{name}"/>"#
            )?,
            Some(false) => writeln!(
                out,
                r#"    <testcase classname="hosp-logs.gate" name="{name}"><failure message="{msg}"/></testcase>"#
            )?,
            None => {
                let why = xml(report.reason.as_deref().unwrap_or("not evaluated"));
                writeln!(
                    out,
                    r#"    <testcase classname="hosp-logs.gate" name="{name}"><error message="{why}"/></testcase>"#
                )?
            }
        }
    }
    writeln!(out, "  </testsuite>\n</testsuites>")
}

/// A check as a row and a test case names it: `slo`, or `slo notes-writes` for a named SLO.
fn label(c: &Check) -> String {
    match &c.slo {
        Some(name) => format!("{} {name}", c.name),
        None => c.name.to_string(),
    }
}

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_marks_failures_and_escapes() {
        let r = GateReport {
            verdict: Verdict::Breach,
            reason: None,
            checks: vec![
                Check {
                    name: "slo",
                    slo: None,
                    unit: CheckUnit::Fraction,
                    threshold: 0.99,
                    actual: Some(0.95),
                    passed: Some(false),
                },
                Check {
                    name: "5xx_rate<&>",
                    slo: None,
                    unit: CheckUnit::Fraction,
                    threshold: 0.01,
                    actual: Some(0.005),
                    passed: Some(true),
                },
            ],
            valid_requests: 10,
            window: Default::default(),
            excluded: 0,
        };
        let mut out = Vec::new();
        write_junit(&r, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains(r#"tests="2" failures="1" errors="0""#),
            "{xml}"
        );
        assert!(xml.contains(r#"<testcase classname="hosp-logs.gate" name="slo"><failure message="actual 95.000% (threshold &gt;= 99.000%)"/>"#), "{xml}");
        assert!(xml.contains(r#"name="5xx_rate&lt;&amp;&gt;"/>"#), "{xml}");
        let json = serde_json::to_value(&r.checks[0]).unwrap();
        assert_eq!(json["threshold"], ">= 99.000%");
        assert_eq!(json["actual"], "95.000%");
        assert_eq!(json["threshold_value"], 0.99);
        assert_eq!(json["actual_value"], 0.95);
        assert_eq!(json["unit"], "fraction");
    }
}
