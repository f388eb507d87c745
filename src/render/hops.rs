//! How the hops report reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::hops::HopsReport;

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

fn count(v: Option<u64>) -> String {
    v.map_or("n/a (no ids)".into(), |n| n.to_string())
}

impl Report for HopsReport {
    fn document(&self) -> Document {
        let mut summary = Vec::new();
        if let Some(first) = self.hops.first() {
            summary.push((
                format!("Success at the outermost hop ({})", first.name),
                format!("{} of {} valid", percent(first.success_rate), first.valid),
            ));
        }
        summary.push((
            "Served from the edge's cache".into(),
            count(self.served_from_cache),
        ));
        if let Some(f) = &self.failed_at {
            summary.push((
                "Failed at".into(),
                format!(
                    "proxy {}, edge timeout {}, before the proxy {}",
                    f.proxy, f.edge_timeout, f.before_proxy
                ),
            ));
        } else {
            summary.push(("Failed at".into(), "n/a (no ids)".into()));
        }
        summary.push(("Saved by retries".into(), count(self.saved_by_retries)));
        if let Some(j) = &self.join.edge_proxy {
            summary.push((
                "Joined edge-proxy".into(),
                format!(
                    "{} (edge unmatched {}, proxy unmatched {})",
                    j.joined, j.edge_unmatched, j.proxy_unmatched
                ),
            ));
        }
        if let Some(j) = &self.join.lb_proxy {
            summary.push((
                "Joined load balancer-proxy".into(),
                format!(
                    "{} (load balancer unmatched {}, proxy unmatched {})",
                    j.joined, j.lb_unmatched, j.proxy_unmatched
                ),
            ));
        }
        if let Some(l) = &self.lb_own {
            summary.push((
                "The load balancer's own".into(),
                format!("{} 5XX, {} refused (4XX)", l.errors_5xx, l.refused),
            ));
        }
        let hops = Section {
            title: "Hops, outermost first".into(),
            headers: [
                "Hop",
                "Format",
                "Requests",
                "Valid",
                "Good",
                "Success rate",
                "p50 ms",
                "p99 ms",
                "5XX",
                "Reached",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .hops
                .iter()
                .map(|h| {
                    vec![
                        match &h.error {
                            Some(_) => format!("{} (unreadable)", h.name),
                            None => h.name.clone(),
                        },
                        h.log_format.name().to_string(),
                        h.requests.to_string(),
                        h.valid.to_string(),
                        h.good.to_string(),
                        percent(h.success_rate),
                        ms(h.p50_ms),
                        ms(h.p99_ms),
                        h.errors_5xx.to_string(),
                        percent(h.reached_share),
                    ]
                })
                .collect(),
        };
        let funnel = Section {
            title: "Funnel: how far the requests got".into(),
            headers: ["Step", "Requests"].map(String::from).to_vec(),
            rows: self
                .funnel
                .iter()
                .map(|f| vec![f.step.clone(), f.requests.to_string()])
                .collect(),
        };
        let mut sections = vec![hops, funnel];
        if let Some(f) = &self.failed_at {
            let rows = [
                (
                    "served_from_cache",
                    self.served_from_cache.unwrap_or(0),
                    "edge valid, result type Hit",
                ),
                (
                    "failed_at.proxy",
                    f.proxy,
                    "edge bad, the proxy answered ≥ 500",
                ),
                (
                    "failed_at.edge_timeout",
                    f.edge_timeout,
                    "edge bad, the proxy answered < 500 (after the edge gave up)",
                ),
                (
                    "failed_at.before_proxy",
                    f.before_proxy,
                    "edge bad, no proxy line (the edge, the origin unreachable, the load balancer)",
                ),
                (
                    "saved_by_retries",
                    self.saved_by_retries.unwrap_or(0),
                    "edge good, the proxy retried a failed attempt",
                ),
            ];
            sections.push(Section {
                title: "Attribution of the edge's valid requests".into(),
                headers: ["Key", "Requests", "Meaning"].map(String::from).to_vec(),
                rows: rows
                    .iter()
                    .map(|(k, n, m)| vec![k.to_string(), n.to_string(), m.to_string()])
                    .collect(),
            });
        }
        if let Some(minutes) = &self.per_minute {
            let names: Vec<String> = self.hops.iter().map(|h| h.name.clone()).collect();
            let mut headers = vec!["Minute".to_string()];
            headers.extend(names.iter().cloned());
            sections.push(Section {
                title: "Requests per minute, hop by hop (no ids to join on)".into(),
                headers,
                rows: minutes
                    .iter()
                    .map(|m| {
                        let mut row = vec![m.start.clone()];
                        row.extend(
                            names
                                .iter()
                                .map(|n| m.requests.get(n).copied().unwrap_or(0).to_string()),
                        );
                        row
                    })
                    .collect(),
            });
        }
        sections.push(Section {
            title: format!("Over time ({} buckets)", self.bucket),
            headers: ["Start", "Hop", "Requests", "Valid", "Good", "Success rate"]
                .map(String::from)
                .to_vec(),
            rows: self
                .over_time
                .iter()
                .map(|b| {
                    vec![
                        b.start.clone(),
                        b.hop.clone(),
                        b.requests.to_string(),
                        b.valid.to_string(),
                        b.good.to_string(),
                        percent(b.success_rate),
                    ]
                })
                .collect(),
        });
        let mut notes = vec![
            "Per hop, the `slo` definitions of its format: valid = requests − excluded − no status; good = valid with status < 500 (and within the latency threshold when one is set). reached_share = the hop's requests / the outermost hop's valid requests.".to_string(),
            "Joins: CloudFront x-edge-request-id = nginx $http_x_amz_cf_id; ALB trace_id Root= = nginx $http_x_amzn_trace_id Root=. A proxy line matches at most one edge line (the first by time when ids repeat); joins count every line of each hop.".to_string(),
        ];
        notes.extend(self.notes.iter().cloned());
        Document {
            title: "The request hop by hop".into(),
            summary,
            sections,
            notes,
        }
    }
}
