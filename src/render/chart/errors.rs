//! Error charts: 5XX over time (ALB- vs target-generated) and the top failing endpoints.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    count_label, figure, font, frame, label_text, nice_axis, no_data, parse_time, stacked_bars,
    Area, Axis, Mark, Stacked, TimeAxis, BLUE, GRID, VERMILLION,
};
use crate::metrics::errors::ErrorsReport;

/// `errors --chart`: 5XX over time and the top failing endpoints.
pub fn figure_png(r: &ErrorsReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        over_time(&a[0], r, axis, bucket_us)?;
        top_endpoints(&a[1], r, 10)
    })
}

/// 5XX per bucket, stacked: ALB-generated (no target response) under target-generated.
pub fn over_time(
    area: &Area<'_>,
    r: &ErrorsReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let rows: Vec<(i64, Vec<f64>)> = r
        .over_time
        .iter()
        .filter_map(|p| {
            Some((
                parse_time(&p.start)?,
                vec![p.alb_generated as f64, p.target_generated as f64],
            ))
        })
        .collect();
    let y_desc = format!("5XX responses per {}", r.bucket);
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "5XX over time: {} ALB-generated, {} target-generated",
                count_label(r.alb_generated as f64),
                count_label(r.target_generated as f64)
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc: &y_desc,
            series: &[
                ("ALB-generated (no target response)", VERMILLION),
                ("target-generated (the target answered 5XX)", BLUE),
            ],
            rows: &rows,
            y_max: None,
            y_label: count_label,
        },
    )
}

/// The endpoints with the most 5XX, as horizontal bars split ALB / target, with the count and
/// the endpoint's 5XX rate at the bar's end.
pub fn top_endpoints(area: &Area<'_>, r: &ErrorsReport, top: usize) -> anyhow::Result<()> {
    let area = frame(
        area,
        "Top failing endpoints (5XX)",
        &[
            ("ALB-generated", VERMILLION, Mark::Box),
            ("target-generated", BLUE, Mark::Box),
        ],
    )?;
    let rows: Vec<_> = r
        .by_endpoint
        .iter()
        .filter(|e| e.errors > 0)
        .take(top)
        .collect();
    if rows.is_empty() {
        return no_data(&area, "no 5XX in the window");
    }
    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .map(|e| {
            label_text(
                &format!(
                    "{} {}",
                    e.method.as_deref().unwrap_or("-"),
                    e.endpoint.as_deref().unwrap_or("-")
                ),
                34,
            )
        })
        .collect();
    let max = rows.iter().map(|e| e.errors).max().unwrap_or(1) as f64;
    let (_, hi, xticks) = nice_axis(0.0, max * 1.22, 6);
    // row i sits at y = n - 1 - i (the worst on top); labels at the row's middle
    let centers: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(46)
        .y_label_area_size(300)
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
            labels.get(i as usize).cloned().unwrap_or_default()
        })
        .x_desc("5XX responses in the window")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    for (i, e) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let (a, t) = (e.alb_generated as f64, e.target_generated as f64);
        chart.draw_series([
            Rectangle::new([(0.0, y + 0.18), (a, y + 0.82)], VERMILLION.filled()),
            Rectangle::new([(a, y + 0.18), (a + t, y + 0.82)], BLUE.filled()),
        ])?;
        chart.draw_series(std::iter::once(Text::new(
            format!(
                "{}  ({} of {})",
                count_label(e.errors as f64),
                crate::render::percent(e.error_rate),
                count_label(e.requests as f64)
            ),
            (a + t + hi * 0.01, y + 0.5),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}
