//! The hops chart: each hop's success rate over time, on one chart.

use plotters::prelude::*;

use super::{
    frame, nice_axis, no_data, parse_time, pct_label, runs, time_chart, Area, Axis, Mark, TimeAxis,
    SERIES,
};
use crate::metrics::hops::HopsReport;

/// Success rate (good / valid) per bucket, one line per hop, outermost first. The scale
/// starts at the 5th percentile of the points, so 99 % vs 95 % stays readable; points under it
/// sit on the axis.
pub fn success_by_hop(
    area: &Area<'_>,
    r: &HopsReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let names: Vec<&str> = r.hops.iter().map(|h| h.name.as_str()).collect();
    let legend: Vec<(&str, RGBColor, Mark)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, SERIES[i % SERIES.len()], Mark::Line { width: 3 }))
        .collect();
    let area = frame(
        area,
        &format!("Success rate per {} at each hop, outermost first", r.bucket),
        &legend,
    )?;
    let mut values: Vec<f64> = r
        .over_time
        .iter()
        .filter_map(|b| b.success_rate.map(|s| s * 100.0))
        .collect();
    if values.is_empty() {
        return no_data(&area, "no valid request at any hop");
    }
    values.sort_by(f64::total_cmp);
    let p5 = values[values.len() / 20];
    let lo = ((p5 - 0.5) / 5.0).floor().max(0.0) * 5.0;
    let (lo, hi, ticks) = nice_axis(lo, 100.0, 6);
    let hi = hi.min(100.0);
    let top = hi + (hi - lo) * 0.02;
    let mut chart = time_chart(
        &area,
        axis,
        Axis::linear(lo, top, ticks),
        &|v| pct_label(*v),
        &r.bucket,
        "success rate (%)",
    )?;
    for (i, name) in names.iter().enumerate() {
        let color = SERIES[i % SERIES.len()];
        let pts = r
            .over_time
            .iter()
            .filter(|b| b.hop == *name)
            .filter_map(|b| {
                Some((
                    parse_time(&b.start)? + bucket_us / 2,
                    b.success_rate.map(|s| (s * 100.0).max(lo)),
                ))
            });
        for run in runs(pts) {
            if run.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(run[0], 3, color.filled())))?;
            } else {
                chart.draw_series(LineSeries::new(run, color.stroke_width(3)))?;
            }
        }
    }
    Ok(())
}
