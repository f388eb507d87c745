//! Error charts: 5XX over time (ALB- vs target-generated) and the top failing endpoints.

use super::{
    count_label, figure, frame, hbars, label_text, no_data, parse_time, stacked_bars, Area, HBar,
    Mark, Stacked, TimeAxis, BLUE, VERMILLION,
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
    let bars: Vec<HBar> = rows
        .iter()
        .map(|e| HBar {
            label: label_text(
                &format!(
                    "{} {}",
                    e.method.as_deref().unwrap_or("-"),
                    e.endpoint.as_deref().unwrap_or("-")
                ),
                34,
            ),
            segments: vec![
                (e.alb_generated as f64, VERMILLION),
                (e.target_generated as f64, BLUE),
            ],
            note: format!(
                "{}  ({} of {})",
                count_label(e.errors as f64),
                crate::render::percent(e.error_rate),
                count_label(e.requests as f64)
            ),
        })
        .collect();
    hbars(&area, &bars, "5XX responses in the window", 300, 1.22)?;
    Ok(())
}
