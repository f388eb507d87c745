//! The migration view: each target group's share of traffic over time, and its p50/p99.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    figure, font, frame, label_text, ms_label, no_data, parse_time, pct_label, stacked_bars, Area,
    Axis, Mark, Stacked, TimeAxis, BLUE, GREY, GRID, SERIES, SKY_BLUE,
};
use crate::metrics::backends::BackendsReport;

/// `backends --chart`: the share over time and the latency per target group.
pub fn figure_png(r: &BackendsReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        share(&a[0], r, axis, bucket_us)?;
        latency(&a[1], r)
    })
}

fn group_name(g: &Option<String>) -> String {
    match g {
        Some(g) => label_text(g, 40),
        None => "(no target group)".into(),
    }
}

/// Target groups in the report's order (most requests first), each with its colour.
fn groups(r: &BackendsReport) -> Vec<(Option<String>, String, RGBColor)> {
    let mut k = 0;
    r.target_groups
        .iter()
        .map(|b| {
            let color = match &b.target_group {
                None => GREY,
                Some(_) => {
                    k += 1;
                    SERIES[(k - 1) % SERIES.len()]
                }
            };
            (b.target_group.clone(), group_name(&b.target_group), color)
        })
        .collect()
}

/// Each target group's share of the requests, per bucket, stacked to 100 %.
pub fn share(
    area: &Area<'_>,
    r: &BackendsReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let gs = groups(r);
    let mut rows: Vec<(i64, Vec<f64>)> = Vec::new();
    for s in &r.over_time {
        let Some(t) = parse_time(&s.start) else {
            continue;
        };
        if rows.last().is_none_or(|(last, _)| *last != t) {
            rows.push((t, vec![0.0; gs.len()]));
        }
        if let Some(i) = gs.iter().position(|(g, _, _)| *g == s.target_group) {
            if let Some((_, v)) = rows.last_mut() {
                v[i] = s.share * 100.0;
            }
        }
    }
    let series: Vec<(&str, RGBColor)> = gs.iter().map(|(_, n, c)| (n.as_str(), *c)).collect();
    let y_desc = "share of the bucket's requests (%)";
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "Backends: share of traffic per target group, per {}",
                r.bucket
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc,
            series: &series,
            rows: &rows,
            y_max: Some(100.0),
            y_label: pct_label,
        },
    )
}

/// p50 and p99 per target group, side by side, on a log scale.
pub fn latency(area: &Area<'_>, r: &BackendsReport) -> anyhow::Result<()> {
    let area = frame(
        area,
        "Backends: latency per target group",
        &[("p50", SKY_BLUE, Mark::Box), ("p99", BLUE, Mark::Box)],
    )?;
    let rows: Vec<_> = r
        .target_groups
        .iter()
        .filter(|b| b.p50_ms.is_some() || b.p99_ms.is_some())
        .collect();
    if rows.is_empty() {
        return no_data(&area, "no request with a latency");
    }
    let n = rows.len();
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|b| [b.p50_ms, b.p99_ms])
        .flatten()
        .filter(|v| *v > 0.0)
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min) / 2.0;
    let hi = values.iter().copied().fold(0.0, f64::max) * 4.0;
    let lo = lo.max(0.01);
    let labels: Vec<String> = rows
        .iter()
        .map(|b| {
            format!(
                "{} ({} req.)",
                group_name(&b.target_group),
                super::count_label(b.requests as f64)
            )
        })
        .collect();
    let centers: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(46)
        .y_label_area_size(300)
        .build_cartesian_2d(Axis::log(lo, hi), Axis::linear(0.0, n as f64, centers))?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .disable_y_mesh()
        .x_label_formatter(&|v| ms_label(*v))
        .y_label_formatter(&|v| {
            let i = n as i64 - 1 - v.floor() as i64;
            labels.get(i as usize).cloned().unwrap_or_default()
        })
        .x_desc("latency (total, log scale)")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    for (i, b) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        for (k, (v, color, name)) in [(b.p50_ms, SKY_BLUE, "p50"), (b.p99_ms, BLUE, "p99")]
            .into_iter()
            .enumerate()
        {
            let Some(v) = v.filter(|v| *v > 0.0) else {
                continue;
            };
            let (y0, y1) = if k == 0 {
                (y + 0.52, y + 0.86)
            } else {
                (y + 0.14, y + 0.48)
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(lo, y0), (v, y1)],
                color.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{name} {}", ms_label(v)),
                (v * 1.08, (y0 + y1) / 2.0),
                font(14).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
    }
    Ok(())
}
