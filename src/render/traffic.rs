//! How the traffic mix reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::traffic::{KeyShare, TrafficReport};

fn opt(s: &Option<String>, none: &str) -> String {
    s.clone().unwrap_or_else(|| none.into())
}

fn section(title: &str, key: &str, none: &str, rows: &[KeyShare]) -> Section {
    Section {
        title: title.into(),
        headers: vec![key.into(), "Requests".into(), "Share".into()],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    opt(&r.key, none),
                    r.requests.to_string(),
                    percent(Some(r.share)),
                ]
            })
            .collect(),
    }
}

impl Report for TrafficReport {
    fn document(&self) -> Document {
        let summary = vec![
            ("Requests".to_string(), self.requests.to_string()),
            (
                "Bytes in / out".into(),
                format!("{} / {}", self.bytes_in, self.bytes_out),
            ),
            (
                "Plain HTTP".into(),
                format!(
                    "{} requests ({}) not encrypted to the ALB",
                    self.plain_http.requests,
                    percent(Some(self.plain_http.share))
                ),
            ),
            (
                "IPv6 clients".into(),
                format!(
                    "{} requests ({})",
                    self.ipv6.requests,
                    percent(Some(self.ipv6.share))
                ),
            ),
        ];
        let sections = vec![
            Section {
                title: "Top endpoints".into(),
                headers: ["Method", "Endpoint", "Requests", "Share"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .top_endpoints
                    .iter()
                    .map(|e| {
                        vec![
                            opt(&e.method, "-"),
                            opt(&e.endpoint, "-"),
                            e.requests.to_string(),
                            percent(Some(e.share)),
                        ]
                    })
                    .collect(),
            },
            section("Request types", "Type", "-", &self.request_types),
            section(
                "TLS protocols",
                "Protocol",
                "none (plain HTTP)",
                &self.tls_protocols,
            ),
            section(
                "TLS ciphers",
                "Cipher",
                "none (plain HTTP)",
                &self.tls_ciphers,
            ),
            section("Methods", "Method", "- (malformed)", &self.methods),
            section("Top clients", "Client", "-", &self.top_clients),
            section("Top user agents", "User agent", "-", &self.top_user_agents),
            Section {
                title: format!("Over time ({} buckets)", self.bucket),
                headers: ["Start", "Requests", "Plain HTTP", "Bytes in", "Bytes out"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .over_time
                    .iter()
                    .map(|t| {
                        vec![
                            t.start.clone(),
                            t.requests.to_string(),
                            t.plain_http.to_string(),
                            t.bytes_in.to_string(),
                            t.bytes_out.to_string(),
                        ]
                    })
                    .collect(),
            },
        ];
        Document {
            title: "Traffic mix".into(),
            summary,
            sections,
            notes: {
                let mut notes = vec![
                    "plain HTTP: request type http or ws (no TLS between the client and the ALB)."
                        .to_string(),
                ];
                if let Some(b) = &self.beyond_store_cap {
                    notes.push(format!(
                        "from the store, which keeps the top {} keys per object and minute: requests of other keys left out of the top tables (counted as other): endpoints {}, clients {}, user agents {}, TLS ciphers {}.",
                        b.keys_per_minute, b.other.endpoints, b.other.clients, b.other.user_agents, b.other.tls_ciphers
                    ));
                }
                notes
            },
        }
    }
}
