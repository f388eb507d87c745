//! How the SLO report reads as tables.

use super::{percent, Document, Report, Section};
use crate::engine::InputStats;
use crate::metrics::slo::SloReport;
use crate::metrics::slos::{SloAnswer, SlosReport};

/// With one SLO, the table it always was; with several, the first SLO's panel, then one row
/// per SLO (and the SLOs not answered, in the notes).
impl Report for SlosReport {
    fn document(&self) -> Document {
        let mut doc = self.first.document();
        if self.slos.len() > 1 || !self.slos_not_answered.is_empty() {
            doc.title = format!("HOSP SLOs ({})", self.slos.len());
            doc.sections.push(slos_section(&self.slos));
        }
        for n in &self.slos_not_answered {
            doc.notes
                .push(format!("SLO {} not answered: {}.", n.name, n.reason));
        }
        doc
    }
}

/// One row per SLO: its objective, success, budget, burn and alerts.
pub fn slos_section(slos: &[SloAnswer]) -> Section {
    Section {
        title: "SLOs".into(),
        headers: [
            "SLO",
            "Requests",
            "Target",
            "Success rate",
            "Met",
            "Valid",
            "Good",
            "Budget left",
            "Burn rate",
            "Alerts firing",
        ]
        .map(String::from)
        .to_vec(),
        rows: slos
            .iter()
            .map(|a| {
                let r = &a.report;
                let scope = match (a.endpoints.is_empty(), r.latency_threshold_ms) {
                    (true, None) => "all".to_string(),
                    (true, Some(ms)) => format!("all, <= {ms} ms"),
                    (false, None) => a.endpoints.join(" | "),
                    (false, Some(ms)) => format!("{}, <= {ms} ms", a.endpoints.join(" | ")),
                };
                let firing: Vec<String> = r
                    .burn_rate_alerts
                    .iter()
                    .filter(|b| b.firing)
                    .map(|b| format!("{} {}/{}", b.severity, b.long_window, b.short_window))
                    .collect();
                vec![
                    a.name.clone(),
                    scope,
                    percent(Some(r.target)),
                    percent(r.success_rate),
                    if r.met { "yes".into() } else { "NO".into() },
                    r.requests.valid.to_string(),
                    r.requests.good.to_string(),
                    percent(r.error_budget.remaining_fraction),
                    r.burn_rate.map_or("n/a".into(), |x| format!("{x:.2}×")),
                    if firing.is_empty() {
                        "none".into()
                    } else {
                        firing.join(", ")
                    },
                ]
            })
            .collect(),
    }
}

impl Report for SloReport {
    fn document(&self) -> Document {
        let r = &self.requests;
        let b = &self.error_budget;
        let verdict = if self.met { "MET" } else { "NOT MET" };
        let mut summary = Vec::new();
        if let Some(h) = &self.hop {
            summary.push((
                "Measured at hop".to_string(),
                format!("{} ({})", h.name, h.log_format.name()),
            ));
        }
        if let Some(w) = &self.slo_window {
            summary.push(("SLO window judged".to_string(), w.describe()));
        }
        summary.extend([
            (
                "Window".to_string(),
                format!(
                    "{} → {}",
                    self.window.start.as_deref().unwrap_or("-"),
                    self.window.end.as_deref().unwrap_or("-")
                ),
            ),
            ("Success rate".into(), percent(self.success_rate)),
            (
                "SLO target".into(),
                format!("{} — {verdict}", percent(Some(self.target))),
            ),
            (
                "Requests".into(),
                format!(
                    "{} total, {} excluded, {} without status, {} valid: {} good, {} bad",
                    r.total, r.excluded, r.no_status, r.valid, r.good, r.bad
                ),
            ),
            (
                "Error budget".into(),
                format!(
                    "{:.1} bad allowed, {} consumed, {:.1} remaining ({})",
                    b.allowed,
                    b.consumed,
                    b.remaining,
                    percent(b.remaining_fraction)
                ),
            ),
            (
                "Burn rate (window)".into(),
                self.burn_rate.map_or("n/a".into(), |x| format!("{x:.2}×")),
            ),
        ]);
        if let Some(ms) = self.latency_threshold_ms {
            summary.push(("Latency threshold".into(), format!("{ms} ms")));
        }

        let periods = Section {
            title: "Control panel".into(),
            headers: vec![
                "Period".into(),
                "Successful".into(),
                "Failed".into(),
                "Success rate".into(),
            ],
            rows: self
                .periods
                .iter()
                .map(|p| {
                    vec![
                        p.period.clone(),
                        p.successful.to_string(),
                        p.failed.to_string(),
                        percent(p.success_rate),
                    ]
                })
                .collect(),
        };
        let burn = Section {
            title: "Burn-rate alerts (SRE workbook, evaluated at the window's end)".into(),
            headers: vec![
                "Severity".into(),
                "Long".into(),
                "Short".into(),
                "Threshold".into(),
                "Long burn".into(),
                "Short burn".into(),
                "Firing".into(),
            ],
            rows: self
                .burn_rate_alerts
                .iter()
                .map(|a| {
                    let rate = |x: Option<f64>| x.map_or("n/a".into(), |x| format!("{x:.2}"));
                    vec![
                        a.severity.to_string(),
                        format!(
                            "{}{}",
                            a.long_window,
                            if a.partial { " (partial)" } else { "" }
                        ),
                        a.short_window.clone(),
                        format!("{}", a.threshold),
                        rate(a.long_burn_rate),
                        rate(a.short_burn_rate),
                        if a.firing {
                            "FIRING".into()
                        } else {
                            "no".into()
                        },
                    ]
                })
                .collect(),
        };
        let d = &self.definitions;
        let mut notes = vec![
            format!("valid: {}.", d.valid),
            format!("good: {}.", d.good),
            format!("excluded: {}.", d.excluded),
            format!("success rate: {}.", d.success_rate),
        ];
        notes.extend(input_notes(&self.input));
        Document {
            title: "HOSP availability SLO".into(),
            summary,
            sections: vec![periods, burn],
            notes,
        }
    }
}

/// The input accounting every report ends with: lines read = parsed + malformed.
pub fn input_notes(i: &InputStats) -> Vec<String> {
    if let Some(q) = &i.athena {
        return vec![format!(
            "input: Athena query {}: {} rows in the window = {} read + {} unparsed by the table's regex; scanned {} bytes (about ${:.4} at $5/TB); {} result rows, {} result pages.",
            q.query_execution_id,
            i.lines,
            i.parsed,
            i.malformed,
            q.data_scanned_bytes,
            q.cost_usd,
            q.rows,
            q.result_pages
        )];
    }
    if let Some(st) = &i.store {
        return vec![format!(
            "input: the store {}: {} objects holding the window's requests ({} collected by this run), {} lines when collected = {} parsed + {} malformed; complete through {}; {} late rows.",
            st.path,
            st.objects,
            st.ingested,
            i.lines,
            i.parsed,
            i.malformed,
            st.complete_through.as_deref().unwrap_or("-"),
            st.late_rows
        )];
    }
    let mut notes = vec![format!(
        "input: {} files, {} lines read = {} parsed + {} malformed; {} outside the window; {} files pruned by name, {} skipped.",
        i.files, i.lines, i.parsed, i.malformed, i.out_of_window, i.pruned_files, i.skipped_files
    )];
    for m in &i.malformed_samples {
        notes.push(format!("malformed: {}:{}: {}", m.source, m.line, m.reason));
    }
    for e in &i.source_errors {
        notes.push(format!("source error: {}: {}", e.source, e.reason));
    }
    notes
}
