//! Retry charts: attempts over time (first tries, retries that worked, failed attempts), and
//! the upstreams by failed attempts.

use super::{
    count_label, figure, frame, hbars, label_text, no_data, parse_time, stacked_bars, Area, HBar,
    Mark, Stacked, TimeAxis, BLUE, GREEN, VERMILLION,
};
use crate::metrics::retries::RetriesReport;

/// `retries --chart`: attempts over time and the upstreams that failed.
pub fn figure_png(r: &RetriesReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        over_time(&a[0], r, axis, bucket_us)?;
        upstreams(&a[1], r, 10)
    })
}

/// Attempts per bucket, stacked: first tries that were answered, retries that were answered,
/// and the failed attempts (what the upstream really did).
pub fn over_time(
    area: &Area<'_>,
    r: &RetriesReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let rows: Vec<(i64, Vec<f64>)> = r
        .over_time
        .iter()
        .filter_map(|b| {
            let s = &b.stats;
            let first_ok = s.attempts - s.failed_attempts - s.retries_answered;
            Some((
                parse_time(&b.start)?,
                vec![
                    first_ok as f64,
                    s.retries_answered as f64,
                    s.failed_attempts as f64,
                ],
            ))
        })
        .collect();
    let t = &r.totals;
    let y_desc = format!("upstream attempts per {}", r.bucket);
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "Upstream attempts: {} failed ({} upstream success), {} retries, {} recovered",
                count_label(t.failed_attempts as f64),
                crate::render::percent(t.attempt_success_rate),
                count_label(t.extra_attempts as f64),
                count_label(t.recovered as f64),
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc: &y_desc,
            series: &[
                ("answered at the first try", BLUE),
                ("answered after a retry", GREEN),
                ("failed (5XX or no answer)", VERMILLION),
            ],
            rows: &rows,
            y_max: None,
            y_label: count_label,
        },
    )
}

/// The upstreams with the most failed attempts, bars split failed / answered.
pub fn upstreams(area: &Area<'_>, r: &RetriesReport, top: usize) -> anyhow::Result<()> {
    let area = frame(
        area,
        "Upstreams by failed attempts",
        &[
            ("failed", VERMILLION, Mark::Box),
            ("answered", BLUE, Mark::Box),
        ],
    )?;
    let rows: Vec<_> = r.by_upstream.iter().take(top).collect();
    if rows.is_empty() {
        return no_data(&area, "no upstream attempt in the window");
    }
    let bars: Vec<HBar> = rows
        .iter()
        .map(|u| HBar {
            label: label_text(u.upstream.as_deref().unwrap_or("(no address)"), 34),
            segments: vec![
                (u.failed as f64, VERMILLION),
                ((u.attempts - u.failed) as f64, BLUE),
            ],
            note: format!(
                "{} of {} failed",
                count_label(u.failed as f64),
                count_label(u.attempts as f64)
            ),
        })
        .collect();
    hbars(&area, &bars, "attempts in the window", 300, 1.22)?;
    Ok(())
}
