//! How the backend comparison reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::backends::BackendsReport;

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

impl Report for BackendsReport {
    fn document(&self) -> Document {
        let mut sections = vec![Section {
            title: "Target groups".into(),
            headers: [
                "Target group",
                "Requests",
                "Share",
                "Success rate",
                "5XX",
                "p50 ms",
                "p99 ms",
                "No latency",
                "First seen",
                "Last seen",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .target_groups
                .iter()
                .map(|b| {
                    vec![
                        opt(&b.target_group),
                        b.requests.to_string(),
                        percent(Some(b.share)),
                        percent(b.success_rate),
                        b.errors_5xx.to_string(),
                        ms(b.p50_ms),
                        ms(b.p99_ms),
                        b.no_latency.to_string(),
                        opt(&b.first_seen),
                        opt(&b.last_seen),
                    ]
                })
                .collect(),
        }];
        let mut rows = Vec::new();
        for r in &self.moved_routes {
            for on in &r.served_by {
                rows.push(vec![
                    opt(&r.method),
                    opt(&r.endpoint),
                    opt(&on.target_group),
                    on.requests.to_string(),
                    opt(&on.first_seen),
                    opt(&on.last_seen),
                    ms(on.p50_ms),
                    ms(on.p99_ms),
                    percent(on.success_rate),
                ]);
            }
        }
        sections.push(Section {
            title: "Routes served by more than one target group (the migration)".into(),
            headers: [
                "Method",
                "Endpoint",
                "Target group",
                "Requests",
                "First seen",
                "Last seen",
                "p50 ms",
                "p99 ms",
                "Success rate",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
        sections.push(Section {
            title: format!("Share of traffic over time ({} buckets)", self.bucket),
            headers: ["Start", "Target group", "Requests", "Share"]
                .map(String::from)
                .to_vec(),
            rows: self
                .over_time
                .iter()
                .map(|s| {
                    vec![
                        s.start.clone(),
                        opt(&s.target_group),
                        s.requests.to_string(),
                        percent(Some(s.share)),
                    ]
                })
                .collect(),
        });
        let mut notes = vec!["success rate: requests answered with elb_status_code < 500 / requests; latencies exclude requests with a -1 time.".to_string()];
        for r in &self.moved_routes {
            if let [from, .., to] = r.served_by.as_slice() {
                if let (Some(a), Some(b)) = (from.p50_ms, to.p50_ms) {
                    notes.push(format!(
                        "{} {}: moved from {} (last seen {}) to {} (first seen {}); median {:.0} ms → {:.0} ms ({:.1}× faster).",
                        opt(&r.method),
                        opt(&r.endpoint),
                        opt(&from.target_group),
                        opt(&from.last_seen),
                        opt(&to.target_group),
                        opt(&to.first_seen),
                        a,
                        b,
                        a / b.max(f64::MIN_POSITIVE)
                    ));
                }
            }
        }
        Document {
            title: "Backends side by side".into(),
            summary: vec![("Requests".into(), self.requests.to_string())],
            sections,
            notes,
        }
    }
}
