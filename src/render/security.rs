//! How the security findings read as tables. Every cell goes through the renderers, which
//! sanitise (table, Markdown) or neutralise (CSV) log-derived text.

use super::{Document, Report, Section};
use crate::metrics::security::{Finding, SecurityReport, Severity};

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), |v| v.to_string())
}

fn endpoints(f: &Finding) -> String {
    let shown: Vec<&str> = f.endpoints.iter().take(3).map(String::as_str).collect();
    let more = f.distinct_endpoints.saturating_sub(shown.len() as u64);
    if more > 0 {
        format!("{} (+{more} more)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// "2 critical, 1 high, 0 medium, 5 low, 40 info"
pub fn severity_counts(r: &SecurityReport) -> String {
    let c = &r.by_severity;
    format!(
        "{} critical, {} high, {} medium, {} low, {} info",
        c.critical, c.high, c.medium, c.low, c.info
    )
}

impl Report for SecurityReport {
    fn document(&self) -> Document {
        let b = &self.baseline;
        let baseline = if b.length == "off" {
            "off".to_string()
        } else if b.available {
            format!(
                "{}: {} → {}, {} requests, {} writers",
                b.length,
                b.start.as_deref().unwrap_or("-"),
                b.end.as_deref().unwrap_or("-"),
                b.requests,
                b.writers
            )
        } else {
            format!(
                "{}: no requests before the window (new-writer check did not run)",
                b.length
            )
        };
        let shown = if self.min_severity == Severity::Info {
            "all".to_string()
        } else {
            format!(
                "{} and above ({} below not listed)",
                self.min_severity.as_str(),
                self.hidden
            )
        };
        let summary = vec![
            (
                "Requests".to_string(),
                format!(
                    "{} from {} client addresses (all traffic)",
                    self.requests, self.clients
                ),
            ),
            ("Findings".into(), severity_counts(self)),
            ("Listed".into(), shown),
            ("Baseline".into(), baseline),
        ];
        let mut sections = vec![Section {
            title: "Findings".into(),
            headers: [
                "Severity",
                "Rule",
                "Client IP",
                "User agent",
                "Count",
                "First seen",
                "Last seen",
                "Endpoints",
                "Why",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .findings
                .iter()
                .map(|f| {
                    vec![
                        f.severity.as_str().to_string(),
                        f.rule.as_str().to_string(),
                        f.client_ip.clone(),
                        opt(&f.user_agent),
                        f.count.to_string(),
                        f.first_seen.clone(),
                        f.last_seen.clone(),
                        endpoints(f),
                        f.reasons.join("; "),
                    ]
                })
                .collect(),
        }];
        sections.push(Section {
            title: "Clients".into(),
            headers: ["Severity", "Client IP", "Signals", "Findings", "User agent"]
                .map(String::from)
                .to_vec(),
            rows: self
                .by_client
                .iter()
                .map(|c| {
                    vec![
                        c.severity.as_str().to_string(),
                        c.client_ip.clone(),
                        c.signals
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(" + "),
                        c.findings.to_string(),
                        opt(&c.user_agent),
                    ]
                })
                .collect(),
        });
        for (k, f) in self.findings.iter().enumerate() {
            if f.evidence.is_empty() {
                continue;
            }
            sections.push(Section {
                title: format!(
                    "Evidence {}: {} {} {}",
                    k + 1,
                    f.severity.as_str(),
                    f.rule.as_str(),
                    f.client_ip
                ),
                headers: ["Time", "Method", "URL", "Status", "Trace id", "User agent"]
                    .map(String::from)
                    .to_vec(),
                rows: f
                    .evidence
                    .iter()
                    .map(|e| {
                        vec![
                            e.time.clone(),
                            opt(&e.method),
                            opt(&e.url),
                            opt(&e.status),
                            opt(&e.trace_id),
                            opt(&e.user_agent),
                        ]
                    })
                    .collect(),
            });
        }
        sections.push(Section {
            title: "Rules".into(),
            headers: ["Rule", "Ran", "Findings", "Notes"]
                .map(String::from)
                .to_vec(),
            rows: self
                .rules
                .iter()
                .map(|r| {
                    vec![
                        r.rule.as_str().to_string(),
                        if r.ran { "yes" } else { "no" }.to_string(),
                        r.findings.to_string(),
                        r.notes.join("; "),
                    ]
                })
                .collect(),
        });
        let mut notes: Vec<String> = self.definitions.iter().map(|d| format!("{d}.")).collect();
        for r in &self.rules {
            for n in &r.notes {
                notes.push(format!("{}: {n}.", r.rule.as_str()));
            }
        }
        Document {
            title: "Security findings".into(),
            summary,
            sections,
            notes,
        }
    }
}
