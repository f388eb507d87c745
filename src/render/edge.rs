//! How the edge view reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::edge::{EdgeReport, Mix, Timing};

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

fn timing(t: &Timing) -> String {
    let s = &t.stats;
    format!(
        "p50 {} · p90 {} · p99 {} · max {} ms ({} requests; {} without)",
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.max),
        s.count,
        t.none
    )
}

const MIX_HEADERS: [&str; 9] = [
    "Requests",
    "Hit",
    "RefreshHit",
    "Miss",
    "Error",
    "Redirect",
    "Other",
    "5XX",
    "Hit ratio",
];

fn mix_cells(m: &Mix, ratio: Option<f64>) -> Vec<String> {
    let mut cells: Vec<String> = [
        m.requests,
        m.hit,
        m.refresh_hit,
        m.miss,
        m.error,
        m.redirect,
        m.other,
        m.errors_5xx,
    ]
    .iter()
    .map(u64::to_string)
    .collect();
    cells.push(percent(ratio));
    cells
}

fn headers(keys: &[&str], rest: &[&str]) -> Vec<String> {
    keys.iter().chain(rest).map(|s| s.to_string()).collect()
}

impl Report for EdgeReport {
    fn document(&self) -> Document {
        let summary = vec![
            ("Requests".to_string(), self.requests.to_string()),
            (
                "Cache hit ratio".into(),
                format!(
                    "{} ({} hits / {} hits and misses)",
                    percent(self.cache_hit_ratio),
                    self.hits,
                    self.hits + self.misses
                ),
            ),
            (
                "5XX".into(),
                format!(
                    "{} ({}): {} origin failed or unreachable, {} the edge itself, {} other",
                    self.errors_5xx,
                    percent(self.errors_5xx_rate),
                    self.errors_by_cause.origin,
                    self.errors_by_cause.edge,
                    self.errors_by_cause.other
                ),
            ),
            (
                "Plain HTTP".into(),
                format!(
                    "{} requests ({}) not encrypted between the user and the edge",
                    self.plain_http.requests,
                    percent(Some(self.plain_http.share))
                ),
            ),
            (
                "Time to first byte".into(),
                timing(&self.time_to_first_byte),
            ),
            ("Time taken".into(), timing(&self.time_taken)),
        ];
        let shares = |title: &str, key: &str, rows: Vec<(Option<String>, u64, f64)>| Section {
            title: title.into(),
            headers: headers(&[key], &["Requests", "Share"]),
            rows: rows
                .into_iter()
                .map(|(k, n, s)| vec![opt(&k), n.to_string(), percent(Some(s))])
                .collect(),
        };
        let sections = vec![
            shares(
                "Result types",
                "Result type",
                self.result_types
                    .iter()
                    .map(|r| (r.result_type.clone(), r.requests, r.share))
                    .collect(),
            ),
            Section {
                title: "5XX by detailed result type".into(),
                headers: headers(&["Detail", "Cause"], &["5XX", "Share"]),
                rows: self
                    .errors_by_detail
                    .iter()
                    .map(|d| {
                        vec![
                            opt(&d.detail),
                            d.cause.unwrap_or("-").to_string(),
                            d.count.to_string(),
                            percent(Some(d.share)),
                        ]
                    })
                    .collect(),
            },
            Section {
                title: "Edge locations".into(),
                headers: headers(&["Location", "Airport"], &["Requests", "5XX", "Hit ratio"]),
                rows: self
                    .by_location
                    .iter()
                    .map(|l| {
                        vec![
                            opt(&l.location),
                            opt(&l.airport),
                            l.requests.to_string(),
                            l.errors_5xx.to_string(),
                            percent(l.cache_hit_ratio),
                        ]
                    })
                    .collect(),
            },
            Section {
                title: "Airports".into(),
                headers: headers(&["Airport"], &["Requests", "5XX", "Hit ratio"]),
                rows: self
                    .by_airport
                    .iter()
                    .map(|a| {
                        vec![
                            opt(&a.airport),
                            a.requests.to_string(),
                            a.errors_5xx.to_string(),
                            percent(a.cache_hit_ratio),
                        ]
                    })
                    .collect(),
            },
            shares(
                "Viewer protocols",
                "Protocol",
                self.viewer_protocols
                    .iter()
                    .map(|k| (k.key.clone(), k.requests, k.share))
                    .collect(),
            ),
            shares(
                "TLS protocols (viewer side)",
                "Protocol",
                self.tls_protocols
                    .iter()
                    .map(|k| (k.key.clone(), k.requests, k.share))
                    .collect(),
            ),
            Section {
                title: "Result types by endpoint".into(),
                headers: headers(&["Method", "Endpoint"], &MIX_HEADERS),
                rows: self
                    .by_endpoint
                    .iter()
                    .map(|e| {
                        let mut row = vec![opt(&e.method), opt(&e.endpoint)];
                        row.extend(mix_cells(&e.mix, e.cache_hit_ratio));
                        row
                    })
                    .collect(),
            },
            Section {
                title: format!("Over time ({} buckets)", self.bucket),
                headers: headers(&["Start"], &MIX_HEADERS),
                rows: self
                    .over_time
                    .iter()
                    .map(|t| {
                        let mut row = vec![t.start.clone()];
                        row.extend(mix_cells(&t.mix, t.cache_hit_ratio));
                        row
                    })
                    .collect(),
            },
        ];
        Document {
            title: "Edge (CDN) view".into(),
            summary,
            sections,
            notes: vec![
                "cache hit ratio = (Hit + RefreshHit) / (Hit + RefreshHit + Miss); - when there is none of them.".into(),
                "5XX = status 500-599; cause: origin = Origin* detailed types (the origin failed or could not be reached), edge = LimitExceeded/CapacityExceeded; a detail of Error is the origin's own 5XX answer.".into(),
                "requests counts every request in the window, 000 (the viewer left before a response) included; times are exact percentiles in ms over the requests that have them.".into(),
            ],
        }
    }
}
