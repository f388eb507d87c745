//! How the 5XX attribution reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::errors::ErrorsReport;

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

impl Report for ErrorsReport {
    fn document(&self) -> Document {
        let mut summary = vec![
            ("Requests".to_string(), self.requests.to_string()),
            (
                "5XX".into(),
                format!(
                    "{} ({} of requests)",
                    self.total_5xx,
                    percent(self.error_rate)
                ),
            ),
            (
                "ALB-generated".into(),
                format!("{} (no target response: 502/503/504/…)", self.alb_generated),
            ),
            ("Target-generated".into(), self.target_generated.to_string()),
            (
                "Fast / slow failures".into(),
                format!(
                    "{} at or under {} ms, {} slower, {} with no latency",
                    self.fast_vs_slow.fast,
                    self.fast_vs_slow.threshold_ms,
                    self.fast_vs_slow.slow,
                    self.fast_vs_slow.no_latency
                ),
            ),
        ];
        if let Some(n) = self.total_4xx {
            summary.push(("4XX".into(), n.to_string()));
        }
        let with_4xx = self.total_4xx.is_some();
        let mut ep_headers: Vec<String> = [
            "Method", "Endpoint", "Requests", "5XX", "5XX rate", "ALB", "Target",
        ]
        .map(String::from)
        .to_vec();
        if with_4xx {
            ep_headers.push("4XX".into());
        }
        let sections = vec![
            Section {
                title: "5XX by endpoint".into(),
                headers: ep_headers,
                rows: self
                    .by_endpoint
                    .iter()
                    .map(|e| {
                        let mut row = vec![
                            opt(&e.method),
                            opt(&e.endpoint),
                            e.requests.to_string(),
                            e.errors.to_string(),
                            percent(e.error_rate),
                            e.alb_generated.to_string(),
                            e.target_generated.to_string(),
                        ];
                        if let Some(c) = e.client_errors {
                            row.push(c.to_string());
                        }
                        row
                    })
                    .collect(),
            },
            Section {
                title: "By status".into(),
                headers: ["Status", "Count", "ALB-generated", "Target-generated"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .by_status
                    .iter()
                    .map(|s| {
                        vec![
                            s.status.to_string(),
                            s.count.to_string(),
                            s.alb_generated.to_string(),
                            s.target_generated.to_string(),
                        ]
                    })
                    .collect(),
            },
            key_section("5XX by target (ip:port)", "Target", &self.by_target),
            key_section("5XX by target group", "Target group", &self.by_target_group),
            count_section("5XX by error_reason", "error_reason", &self.by_error_reason),
            count_section(
                "5XX by actions_executed",
                "actions_executed",
                &self.by_actions,
            ),
            Section {
                title: format!("Over time ({} buckets)", self.bucket),
                headers: ["Start", "Requests", "5XX", "ALB", "Target", "5XX rate"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .over_time
                    .iter()
                    .filter(|t| t.errors > 0)
                    .map(|t| {
                        vec![
                            t.start.clone(),
                            t.requests.to_string(),
                            t.errors.to_string(),
                            t.alb_generated.to_string(),
                            t.target_generated.to_string(),
                            percent(t.error_rate),
                        ]
                    })
                    .collect(),
            },
        ];
        Document {
            title: "5XX attribution".into(),
            summary,
            sections,
            notes: self.definitions.iter().map(|d| format!("{d}.")).collect(),
        }
    }
}

fn key_section(title: &str, key: &str, rows: &[crate::metrics::errors::KeyErrors]) -> Section {
    Section {
        title: title.into(),
        headers: vec![
            key.into(),
            "Requests".into(),
            "5XX".into(),
            "5XX rate".into(),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    opt(&r.key),
                    r.requests.to_string(),
                    r.errors.to_string(),
                    percent(r.error_rate),
                ]
            })
            .collect(),
    }
}

fn count_section(title: &str, key: &str, rows: &[crate::metrics::errors::KeyCount]) -> Section {
    Section {
        title: title.into(),
        headers: vec![key.into(), "5XX".into()],
        rows: rows
            .iter()
            .map(|r| vec![opt(&r.key), r.count.to_string()])
            .collect(),
    }
}
