//! Edge charts: requests by what the edge did, over time; and the 5XX by detailed result type.

use super::{count_label, figure, frame, hbars, label_text, no_data, parse_time, stacked_bars};
use super::{Area, HBar, Mark, Stacked, TimeAxis};
use super::{BLUE, GREEN, GREY, ORANGE, PURPLE, SKY_BLUE, VERMILLION, YELLOW};
use crate::metrics::edge::EdgeReport;

/// `edge --chart`: result types over time, and the 5XX by detailed result type.
pub fn figure_png(r: &EdgeReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        result_types(&a[0], r, axis, bucket_us)?;
        errors_by_detail(&a[1], r)
    })
}

/// Requests per bucket, stacked by result type.
pub fn result_types(
    area: &Area<'_>,
    r: &EdgeReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let rows: Vec<(i64, Vec<f64>)> = r
        .over_time
        .iter()
        .filter_map(|t| {
            let m = &t.mix;
            Some((
                parse_time(&t.start)?,
                [m.hit, m.refresh_hit, m.miss, m.redirect, m.error, m.other]
                    .map(|v| v as f64)
                    .to_vec(),
            ))
        })
        .collect();
    let y_desc = format!("requests per {}", r.bucket);
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "Edge: {} requests, cache hit ratio {}",
                count_label(r.requests as f64),
                crate::render::percent(r.cache_hit_ratio)
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc: &y_desc,
            series: &[
                ("Hit", GREEN),
                ("RefreshHit", SKY_BLUE),
                ("Miss", BLUE),
                ("Redirect", YELLOW),
                ("Error", VERMILLION),
                ("other (limits, none)", GREY),
            ],
            rows: &rows,
            y_max: None,
            y_label: count_label,
        },
    )
}

/// The 5XX by detailed result type, coloured by who failed: the origin, or the edge.
pub fn errors_by_detail(area: &Area<'_>, r: &EdgeReport) -> anyhow::Result<()> {
    let area = frame(
        area,
        "5XX by detailed result type",
        &[
            ("origin failed or unreachable", ORANGE, Mark::Box),
            ("the edge itself", PURPLE, Mark::Box),
            ("other", GREY, Mark::Box),
        ],
    )?;
    if r.errors_by_detail.is_empty() {
        return no_data(&area, "no 5XX in the window");
    }
    let bars: Vec<HBar> = r
        .errors_by_detail
        .iter()
        .take(12)
        .map(|d| HBar {
            label: label_text(d.detail.as_deref().unwrap_or("-"), 30),
            segments: vec![(
                d.count as f64,
                match d.cause {
                    Some("origin") => ORANGE,
                    Some("edge") => PURPLE,
                    _ => GREY,
                },
            )],
            note: format!(
                "{}  ({})",
                count_label(d.count as f64),
                crate::render::percent(Some(d.share))
            ),
        })
        .collect();
    hbars(&area, &bars, "5XX responses in the window", 260, 1.22)
}
