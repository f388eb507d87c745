//! How the retries report reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::retries::{RetriesReport, RetryStats};

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

/// The columns every breakdown shares.
const STAT_HEADERS: [&str; 9] = [
    "Requests",
    "Attempts",
    "Retried",
    "Attempt success",
    "Request success",
    "Recovered",
    "Exhausted",
    "Extra attempts",
    "Over timeout",
];

fn stat_cells(s: &RetryStats) -> Vec<String> {
    vec![
        s.requests.to_string(),
        s.attempts.to_string(),
        s.retried.to_string(),
        percent(s.attempt_success_rate),
        percent(s.request_success_rate),
        s.recovered.to_string(),
        s.exhausted.to_string(),
        s.extra_attempts.to_string(),
        s.over_client_timeout.map_or("-".into(), |n| n.to_string()),
    ]
}

fn headers(keys: &[&str]) -> Vec<String> {
    keys.iter()
        .chain(STAT_HEADERS.iter())
        .map(|s| s.to_string())
        .collect()
}

impl Report for RetriesReport {
    fn document(&self) -> Document {
        let t = &self.totals;
        let summary = vec![
            (
                "Requests".to_string(),
                format!(
                    "{} ({} reached an upstream, {} retried)",
                    t.requests, t.requests_with_upstream, t.retried
                ),
            ),
            (
                "Attempts".into(),
                format!(
                    "{} ({} per request that reached an upstream; {} extra from retries)",
                    t.attempts,
                    t.attempts_per_request
                        .map_or("-".into(), |a| format!("{a:.3}")),
                    t.extra_attempts
                ),
            ),
            (
                "Upstream success (per attempt)".into(),
                format!(
                    "{} ({} attempts failed)",
                    percent(t.attempt_success_rate),
                    t.failed_attempts
                ),
            ),
            (
                "Client success (per request)".into(),
                percent(t.request_success_rate),
            ),
            (
                "Recovered / exhausted".into(),
                format!(
                    "{} failures hidden by retries, {} requests where every attempt failed",
                    t.recovered, t.exhausted
                ),
            ),
            (
                format!("Over the client's {} s timeout", self.client_timeout_s),
                t.over_client_timeout
                    .map_or("- (no $request_time)".into(), |n| n.to_string()),
            ),
            (
                "Time in failed attempts".into(),
                format!("{} s", t.time_in_failed_attempts_s),
            ),
        ];
        let sections = vec![
            Section {
                title: "By endpoint (most extra attempts first)".into(),
                headers: headers(&["Method", "Endpoint"]),
                rows: self
                    .by_endpoint
                    .iter()
                    .map(|e| {
                        let mut row = vec![opt(&e.method), opt(&e.endpoint)];
                        row.extend(stat_cells(&e.stats));
                        row
                    })
                    .collect(),
            },
            Section {
                title: "By upstream (most failed attempts first)".into(),
                headers: [
                    "Upstream",
                    "Attempts",
                    "Failed",
                    "Success rate",
                    "Time in failed (s)",
                ]
                .map(String::from)
                .to_vec(),
                rows: self
                    .by_upstream
                    .iter()
                    .map(|u| {
                        vec![
                            opt(&u.upstream),
                            u.attempts.to_string(),
                            u.failed.to_string(),
                            percent(u.success_rate),
                            u.time_in_failed_attempts_s.to_string(),
                        ]
                    })
                    .collect(),
            },
            Section {
                title: format!("Over time ({} buckets)", self.bucket),
                headers: headers(&["Start"]),
                rows: self
                    .over_time
                    .iter()
                    .map(|b| {
                        let mut row = vec![b.start.clone()];
                        row.extend(stat_cells(&b.stats));
                        row
                    })
                    .collect(),
            },
        ];
        Document {
            title: "Upstream retries".into(),
            summary,
            sections,
            notes: self.definitions.iter().map(|d| format!("{d}.")).collect(),
        }
    }
}
