//! Security findings by rule and severity: one horizontal bar per rule, stacked by severity.

use plotters::prelude::*;

use super::{
    count_label, frame, hbars, no_data, Area, HBar, Mark, GREY, ORANGE, SKY_BLUE, VERMILLION,
    YELLOW,
};
use crate::metrics::security::{Rule, SecurityReport, Severity};

/// Okabe-Ito colours, from the most to the least severe.
const LEVELS: [(Severity, RGBColor); 5] = [
    (Severity::Critical, VERMILLION),
    (Severity::High, ORANGE),
    (Severity::Medium, YELLOW),
    (Severity::Low, SKY_BLUE),
    (Severity::Info, GREY),
];

/// Findings per rule (rows) and severity (stacked, most severe first).
pub fn by_rule(area: &Area<'_>, r: &SecurityReport) -> anyhow::Result<()> {
    let legend: Vec<(&str, RGBColor, Mark)> = LEVELS
        .iter()
        .map(|(s, c)| (s.as_str(), *c, Mark::Box))
        .collect();
    let area = frame(area, "Security findings by rule and severity", &legend)?;
    let rows: Vec<(Rule, Vec<u64>)> = Rule::ALL
        .iter()
        .map(|rule| {
            let per_level = LEVELS
                .iter()
                .map(|(level, _)| {
                    r.findings
                        .iter()
                        .filter(|f| f.rule == *rule && f.severity == *level)
                        .count() as u64
                })
                .collect::<Vec<u64>>();
            (*rule, per_level)
        })
        .filter(|(_, n)| n.iter().sum::<u64>() > 0)
        .collect();
    if rows.is_empty() {
        return no_data(&area, "no finding in the window");
    }
    let bars: Vec<HBar> = rows
        .iter()
        .map(|(rule, per_level)| HBar {
            label: rule.as_str().to_string(),
            segments: LEVELS
                .iter()
                .zip(per_level)
                .map(|((_, colour), n)| (*n as f64, *colour))
                .collect(),
            note: count_label(per_level.iter().sum::<u64>() as f64),
        })
        .collect();
    hbars(
        &area,
        &bars,
        "findings in the window (one per client and rule)",
        200,
        1.15,
    )?;
    Ok(())
}
