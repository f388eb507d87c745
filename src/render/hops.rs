//! How the hops report reads as tables.

use super::{percent, Document, Report, Section};
use crate::metrics::hops::{BranchReport, HopsReport, MinuteRow};

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
        for b in &self.branches {
            sections.extend(branch_sections(b, self.every_bucket));
        }
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
            sections.push(if self.every_bucket {
                every_minute(self, minutes)
            } else {
                minutes_summary(self, minutes)
            });
        }
        sections.push(if self.every_bucket {
            every_bucket(self)
        } else {
            over_time_summary(self)
        });
        let mut notes = vec![
            "Per hop, the `slo` definitions of its format: valid = requests − excluded − no status; good = valid with status < 500 (and within the latency threshold when one is set). reached = the hop's requests / the outermost hop's requests (excluded traffic left out; the outermost hop is 100 %).".to_string(),
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

/// A branch behind the edge: its two sides, the join or the minutes compared.
fn branch_sections(b: &BranchReport, every_minute: bool) -> Vec<Section> {
    let how = match b.join {
        "id" => "joined request by request on CloudFront's id",
        _ => "compared per minute (no id to join)",
    };
    let side = |s: &crate::metrics::hops::BranchSide| {
        vec![
            s.requests.to_string(),
            s.forwarded.map_or("-".into(), |n| n.to_string()),
            s.valid.to_string(),
            s.good.to_string(),
            percent(s.success_rate),
            s.errors_5xx.to_string(),
        ]
    };
    let rows = vec![
        [
            vec![format!("{} (its lines of the routes below)", b.from)],
            side(&b.edge),
        ]
        .concat(),
        [
            vec![format!("{} ({})", b.to, b.log_format.name())],
            side(&b.gateway),
        ]
        .concat(),
    ];
    let mut out = vec![Section {
        title: format!(
            "Branch {} → {} ({}): {how}",
            b.from,
            b.to,
            b.log_format.name()
        ),
        headers: [
            "Side",
            "Requests",
            "Forwarded",
            "Valid",
            "Good",
            "Success rate",
            "5XX",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }];
    if let (Some(j), Some(f)) = (&b.joined, &b.failed_at) {
        let rows = [
            (
                "joined.joined",
                j.joined,
                "gateway lines with an edge line of their id",
            ),
            (
                "joined.edge_unmatched",
                j.edge_unmatched,
                "the edge's lines of the branch no gateway line has (cache hits, the edge's own answers)",
            ),
            (
                "joined.gateway_unmatched",
                j.gateway_unmatched,
                "gateway lines without an edge line (no id, or not through the edge)",
            ),
            (
                "joined.outside_routes",
                j.outside_routes,
                "edge lines joined that the routes left out (the clocks differ)",
            ),
            (
                "failed_at.gateway",
                f.gateway,
                "edge bad, the gateway answered ≥ 500",
            ),
            (
                "failed_at.edge_timeout",
                f.edge_timeout,
                "edge bad, the gateway answered < 500 (after the edge gave up)",
            ),
            (
                "failed_at.before_gateway",
                f.before_gateway,
                "edge bad, no gateway line (the edge, or the gateway unreachable)",
            ),
        ];
        out.push(Section {
            title: format!(
                "Branch {} → {}: the join on CloudFront's id (branches[])",
                b.from, b.to
            ),
            headers: ["Key", "Requests", "Meaning"].map(String::from).to_vec(),
            rows: rows
                .iter()
                .map(|(k, n, m)| vec![k.to_string(), n.to_string(), m.to_string()])
                .collect(),
        });
    }
    out.push(Section {
        title: format!(
            "Routes on the branch {} → {} (the edge's lines of a route, from the second of its first line at {})",
            b.from, b.to, b.to
        ),
        headers: ["Route", "Since"].map(String::from).to_vec(),
        rows: b
            .routes
            .iter()
            .map(|r| vec![r.route.clone(), r.since.clone()])
            .collect(),
    });
    if let Some(minutes) = &b.per_minute {
        let differ = |m: &&crate::metrics::hops::BranchMinute| {
            m.edge_forwarded != m.gateway_requests || m.edge_errors_5xx != m.gateway_errors_5xx
        };
        let shown: Vec<_> = if every_minute {
            minutes.iter().collect()
        } else {
            // the minutes where the two sides disagree, the largest differences first
            let mut d: Vec<_> = minutes.iter().filter(differ).collect();
            d.sort_by_key(|m| {
                std::cmp::Reverse(
                    m.edge_forwarded.abs_diff(m.gateway_requests)
                        + m.edge_errors_5xx.abs_diff(m.gateway_errors_5xx),
                )
            });
            d.truncate(10);
            d
        };
        out.push(Section {
            title: format!(
                "Branch {} → {} per minute ({} minutes, {} where the edge's forwarded requests or 5XX differ from the gateway's{})",
                b.from,
                b.to,
                minutes.len(),
                minutes.iter().filter(differ).count(),
                if every_minute { "" } else { "; the 10 largest differences, --over-time lists every minute" }
            ),
            headers: [
                "Minute",
                "Edge requests",
                "Edge 5XX",
                "Edge forwarded",
                "Gateway requests",
                "Gateway 5XX",
            ]
            .map(String::from)
            .to_vec(),
            rows: shown
                .iter()
                .map(|m| {
                    vec![
                        m.start.clone(),
                        m.edge_requests.to_string(),
                        m.edge_errors_5xx.to_string(),
                        m.edge_forwarded.to_string(),
                        m.gateway_requests.to_string(),
                        m.gateway_errors_5xx.to_string(),
                    ]
                })
                .collect(),
        });
    }
    out
}

/// Every minute's requests, hop by hop (`hops --over-time`, when the ids are missing).
fn every_minute(r: &HopsReport, minutes: &[MinuteRow]) -> Section {
    let names: Vec<String> = r.hops.iter().map(|h| h.name.clone()).collect();
    let mut headers = vec!["Minute".to_string()];
    headers.extend(names.iter().cloned());
    Section {
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
    }
}

/// Each hop's requests per minute in one row: a sparkline from none to the busiest minute
/// of any hop (columns of several minutes summed when there are many), its busiest minute.
fn minutes_summary(r: &HopsReport, minutes: &[MinuteRow]) -> Section {
    let width = minutes.len().div_ceil(SPARK_WIDTH).max(1);
    let per_hop: Vec<(String, Vec<u64>)> = r
        .hops
        .iter()
        .map(|h| {
            let counts = minutes
                .chunks(width)
                .map(|c| {
                    c.iter()
                        .map(|m| m.requests.get(&h.name).copied().unwrap_or(0))
                        .sum()
                })
                .collect();
            (h.name.clone(), counts)
        })
        .collect();
    let top = per_hop
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let rows = per_hop
        .iter()
        .map(|(name, counts)| {
            let busiest = minutes
                .iter()
                .map(|m| (m.requests.get(name).copied().unwrap_or(0), &m.start))
                .max_by_key(|(n, _)| *n);
            let line: String = counts
                .iter()
                .map(|&n| SPARKS[(((n as f64 / top) * 7.0).round() as usize).min(7)])
                .collect();
            vec![
                name.clone(),
                line,
                busiest.map_or("-".into(), |(n, at)| format!("{n} at {at}")),
            ]
        })
        .collect();
    Section {
        title: format!(
            "Requests per minute, hop by hop ({} minutes, no ids to join on; --over-time lists every minute)",
            minutes.len()
        ),
        headers: ["Hop", "Requests (0 to the busiest)", "Busiest minute"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

/// Every over-time row, hop by hop (`hops --over-time`).
fn every_bucket(r: &HopsReport) -> Section {
    Section {
        title: format!("Over time ({} buckets)", r.bucket),
        headers: ["Start", "Hop", "Requests", "Valid", "Good", "Success rate"]
            .map(String::from)
            .to_vec(),
        rows: r
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
    }
}

/// The widest sparkline: longer series are summed into this many columns.
const SPARK_WIDTH: usize = 48;
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Each hop's series in one row: its success rate as a sparkline (columns of several buckets
/// summed when there are many; one scale for every hop, low is bad), and its worst bucket.
fn over_time_summary(r: &HopsReport) -> Section {
    let per_hop: Vec<_> = r
        .hops
        .iter()
        .map(|h| {
            let series: Vec<_> = r.over_time.iter().filter(|b| b.hop == h.name).collect();
            let rates: Vec<Option<f64>> = series
                .chunks(series.len().div_ceil(SPARK_WIDTH).max(1))
                .map(|c| {
                    let valid: u64 = c.iter().map(|b| b.valid).sum();
                    let good: u64 = c.iter().map(|b| b.good).sum();
                    (valid > 0).then(|| good as f64 / valid as f64)
                })
                .collect();
            (h, series, rates)
        })
        .collect();
    let low = per_hop
        .iter()
        .flat_map(|(_, _, rates)| rates.iter().flatten().copied())
        .fold(1.0_f64, f64::min);
    let rows = per_hop
        .iter()
        .map(|(h, series, rates)| {
            let worst = series.iter().filter(|b| b.valid > 0).min_by(|a, b| {
                let ra = a.good as f64 / a.valid as f64;
                let rb = b.good as f64 / b.valid as f64;
                ra.total_cmp(&rb)
            });
            vec![
                h.name.clone(),
                series.len().to_string(),
                sparkline(rates, low),
                worst.map_or("-".into(), |b| b.start.clone()),
                worst.map_or("n/a".into(), |b| {
                    format!(
                        "{} ({} of {} good)",
                        percent(b.success_rate),
                        b.good,
                        b.valid
                    )
                }),
            ]
        })
        .collect();
    Section {
        title: format!(
            "Success rate over time ({} buckets, {} to 100 %; --over-time lists every bucket)",
            r.bucket,
            percent(Some(low))
        ),
        headers: [
            "Hop",
            "Buckets",
            "Success rate (low is bad)",
            "Worst bucket",
            "Its rate",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// A sparkline of rates between `low` and 100 % (a space where nothing was valid).
fn sparkline(rates: &[Option<f64>], low: f64) -> String {
    rates
        .iter()
        .map(|r| match r {
            None => ' ',
            Some(_) if low >= 1.0 => SPARKS[7],
            Some(v) => {
                let at = ((v - low) / (1.0 - low) * 7.0).round() as usize;
                SPARKS[at.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_runs_from_the_lowest_rate_to_all_good() {
        assert_eq!(
            sparkline(&[Some(1.0), Some(0.5), None, Some(0.75)], 0.5),
            "█▁ ▅"
        );
        assert_eq!(sparkline(&[Some(1.0), Some(1.0)], 1.0), "██");
        assert_eq!(sparkline(&[Some(0.75)], 0.0), "▆");
        assert_eq!(sparkline(&[], 0.0), "");
    }
}
