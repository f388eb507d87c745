//! How the audit trail reads as tables: every event (the CSV), then one line per client.

use super::{Document, Report, Section};
use crate::metrics::audit::AuditReport;

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), |v| v.to_string())
}

impl Report for AuditReport {
    fn document(&self) -> Document {
        let clients = Section {
            title: "Clients".into(),
            headers: [
                "Client IP",
                "User agent",
                "Requests",
                "Reads",
                "Writes",
                "Failures",
                "First seen",
                "Last seen",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .clients
                .iter()
                .map(|c| {
                    vec![
                        opt(&c.client_ip),
                        opt(&c.user_agent),
                        c.requests.to_string(),
                        c.reads.to_string(),
                        c.writes.to_string(),
                        c.failures.to_string(),
                        c.first_seen.clone(),
                        c.last_seen.clone(),
                    ]
                })
                .collect(),
        };
        let mut sections = Vec::new();
        if !self.summary {
            let mut rows = Vec::new();
            for c in &self.clients {
                for e in c.events.iter().flatten() {
                    rows.push(vec![
                        opt(&c.client_ip),
                        opt(&c.user_agent),
                        e.time.clone(),
                        opt(&e.method),
                        opt(&e.url),
                        opt(&e.status),
                        opt(&e.trace_id),
                        if e.write { "write" } else { "read" }.to_string(),
                    ]);
                }
            }
            sections.push(Section {
                title: "Audit trail (writes first)".into(),
                headers: [
                    "Client IP",
                    "User agent",
                    "Time",
                    "Method",
                    "URL",
                    "Status",
                    "Trace id",
                    "Kind",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            });
        }
        sections.push(clients);
        let omitted: u64 = self.clients.iter().map(|c| c.events_omitted).sum();
        let mut notes: Vec<String> = self.definitions.iter().map(|d| format!("{d}.")).collect();
        if omitted > 0 {
            notes.push(format!("{omitted} events left out by --limit."));
        }
        Document {
            title: "Audit trail".into(),
            summary: vec![
                (
                    "Requests".into(),
                    format!(
                        "{} matched of {} in the window",
                        self.requests, self.total_requests
                    ),
                ),
                ("Clients".into(), self.clients.len().to_string()),
                (
                    "Writes".into(),
                    self.clients
                        .iter()
                        .map(|c| c.writes)
                        .sum::<u64>()
                        .to_string(),
                ),
            ],
            sections,
            notes,
        }
    }
}
