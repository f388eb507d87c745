//! The gate's table, its JUnit XML and its GitHub job summary.

use std::io::{self, Write};

use super::{Document, Report, Section};
use crate::metrics::gate::{GateReport, Verdict};

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
                            c.name.to_string(),
                            c.threshold.clone(),
                            c.actual.clone(),
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
        let name = xml(c.name);
        let msg = xml(&format!("actual {} (threshold {})", c.actual, c.threshold));
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
    use crate::metrics::gate::Check;

    #[test]
    fn junit_marks_failures_and_escapes() {
        let r = GateReport {
            verdict: Verdict::Breach,
            reason: None,
            checks: vec![
                Check {
                    name: "slo",
                    threshold: ">= 99%".into(),
                    actual: "95%".into(),
                    passed: Some(false),
                },
                Check {
                    name: "5xx_rate",
                    threshold: "<= 1%".into(),
                    actual: "0.5% <&>".into(),
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
        assert!(xml.contains(r#"<testcase classname="hosp-logs.gate" name="slo"><failure message="actual 95% (threshold &gt;= 99%)"/>"#), "{xml}");
        assert!(xml.contains(r#"name="5xx_rate"/>"#));
    }
}
