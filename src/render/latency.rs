//! How the latency report reads as tables.

use super::{Document, Report, Section};
use crate::metrics::latency::{LatencyReport, Stats};

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

fn stat_cells(s: &Stats) -> Vec<String> {
    vec![
        s.count.to_string(),
        ms(s.p50),
        ms(s.p90),
        ms(s.p95),
        ms(s.p99),
        ms(s.p999),
        ms(s.max),
    ]
}

const STAT_HEADERS: [&str; 7] = ["Count", "p50", "p90", "p95", "p99", "p99.9", "max"];

fn headers(keys: &[&str]) -> Vec<String> {
    keys.iter()
        .chain(STAT_HEADERS.iter())
        .chain(["No latency"].iter())
        .map(|s| s.to_string())
        .collect()
}

impl Report for LatencyReport {
    fn document(&self) -> Document {
        let o = &self.overall;
        let summary = vec![
            (
                "Field".to_string(),
                format!("{:?} (ms)", self.field).to_lowercase(),
            ),
            (
                "Requests".into(),
                format!(
                    "{} ({} with no latency, counted apart)",
                    self.requests, self.no_latency
                ),
            ),
            (
                "Overall".into(),
                format!(
                    "p50 {} · p90 {} · p95 {} · p99 {} · p99.9 {} · max {} ms",
                    ms(o.p50),
                    ms(o.p90),
                    ms(o.p95),
                    ms(o.p99),
                    ms(o.p999),
                    ms(o.max)
                ),
            ),
        ];
        let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        let sections = vec![
            Section {
                title: "By endpoint (slowest p99 first)".into(),
                headers: headers(&["Method", "Endpoint"]),
                rows: self
                    .by_endpoint
                    .iter()
                    .map(|k| {
                        let mut row = vec![opt(&k.method), opt(&k.endpoint)];
                        row.extend(stat_cells(&k.stats));
                        row.push(k.no_latency.to_string());
                        row
                    })
                    .collect(),
            },
            Section {
                title: "By target group".into(),
                headers: headers(&["Target group"]),
                rows: self
                    .by_target_group
                    .iter()
                    .map(|k| {
                        let mut row = vec![opt(&k.target_group)];
                        row.extend(stat_cells(&k.stats));
                        row.push(k.no_latency.to_string());
                        row
                    })
                    .collect(),
            },
            Section {
                title: format!("Over time ({} buckets)", self.bucket),
                headers: headers(&["Start"]),
                rows: self
                    .over_time
                    .iter()
                    .map(|t| {
                        let mut row = vec![t.start.clone()];
                        row.extend(stat_cells(&t.stats));
                        row.push(t.no_latency.to_string());
                        row
                    })
                    .collect(),
            },
        ];
        Document {
            title: "Latency percentiles (ms)".into(),
            summary,
            sections,
            notes: vec![format!("percentiles: {}; requests with a -1 processing time have no latency and are counted apart, never as 0.", self.method)],
        }
    }
}
