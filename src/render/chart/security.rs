//! Security findings by rule and severity: one horizontal bar per rule, stacked by severity.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    count_label, font, frame, nice_axis, no_data, Area, Axis, Mark, GREY, GRID, ORANGE, SKY_BLUE,
    VERMILLION, YELLOW,
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
    let n = rows.len();
    let max = rows
        .iter()
        .map(|(_, c)| c.iter().sum::<u64>())
        .max()
        .unwrap_or(1) as f64;
    let (_, hi, xticks) = nice_axis(0.0, max * 1.15, 6);
    let centers: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let labels: Vec<&str> = rows.iter().map(|(rule, _)| rule.as_str()).collect();
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(46)
        .y_label_area_size(200)
        .build_cartesian_2d(
            Axis::linear(0.0, hi, xticks),
            Axis::linear(0.0, n as f64, centers),
        )?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .disable_y_mesh()
        .x_label_formatter(&|v| count_label(*v))
        .y_label_formatter(&|v| {
            let i = n as i64 - 1 - v.floor() as i64;
            labels
                .get(i as usize)
                .map(|s| s.to_string())
                .unwrap_or_default()
        })
        .x_desc("findings in the window (one per client and rule)")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    for (i, (_, per_level)) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let mut x = 0.0;
        for ((_, colour), count) in LEVELS.iter().zip(per_level) {
            let w = *count as f64;
            if w > 0.0 {
                chart.draw_series([Rectangle::new(
                    [(x, y + 0.18), (x + w, y + 0.82)],
                    colour.filled(),
                )])?;
            }
            x += w;
        }
        chart.draw_series(std::iter::once(Text::new(
            count_label(x),
            (x + hi * 0.01, y + 0.5),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}
