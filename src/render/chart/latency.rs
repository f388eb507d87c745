//! Latency charts: p50/p90/p99 over time on a log scale, and the latency histogram.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    count_label, figure, font, frame, ms_label, nice_axis, no_data, parse_time, runs, time_chart,
    Area, Axis, Mark, TimeAxis, BLACK, BLUE, GRID, ORANGE, SKY_BLUE, VERMILLION,
};
use crate::metrics::daily::Histogram;
use crate::metrics::latency::{LatencyField, LatencyReport};

/// `latency --chart`: percentiles over time and the histogram.
pub fn figure_png(
    r: &LatencyReport,
    h: &Histogram,
    axis: &TimeAxis,
    bucket_us: i64,
    threshold_ms: Option<f64>,
) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        over_time(&a[0], r, axis, bucket_us)?;
        histogram(&a[1], h, r, threshold_ms)
    })
}

fn field_name(f: LatencyField) -> &'static str {
    match f {
        LatencyField::Total => "total latency (request + target + response)",
        LatencyField::Request => "request processing time",
        LatencyField::Target => "target processing time",
        LatencyField::Response => "response processing time",
    }
}

/// p50, p90 and p99 per bucket, log scale; a bucket without latencies leaves a gap.
pub fn over_time(
    area: &Area<'_>,
    r: &LatencyReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let lines = [
        ("p50", SKY_BLUE, 2u32),
        ("p90", ORANGE, 2),
        ("p99", VERMILLION, 3),
    ];
    let legend: Vec<_> = lines
        .iter()
        .map(|(l, c, w)| (*l, *c, Mark::Line { width: *w + 1 }))
        .collect();
    let area = frame(
        area,
        &format!(
            "Latency percentiles per {}: {}",
            r.bucket,
            field_name(r.field)
        ),
        &legend,
    )?;
    let pts: Vec<(i64, [Option<f64>; 3])> = r
        .over_time
        .iter()
        .filter_map(|p| {
            Some((
                parse_time(&p.start)? + bucket_us / 2,
                [p.stats.p50, p.stats.p90, p.stats.p99],
            ))
        })
        .collect();
    let values: Vec<f64> = pts
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied())
        .filter(|v| *v > 0.0)
        .collect();
    if values.is_empty() {
        return no_data(&area, "no request with a latency");
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min) / 1.5;
    let hi = values.iter().copied().fold(0.0, f64::max) * 1.5;
    let lo = lo.max(0.01);
    let t = axis;
    let mut chart = time_chart(
        &area,
        t,
        Axis::log(lo, hi),
        &|v| ms_label(*v),
        &r.bucket,
        "latency (log scale)",
    )?;
    for (k, (_, color, width)) in lines.iter().enumerate() {
        for run in runs(pts.iter().map(|(x, v)| (*x, v[k].filter(|v| *v > 0.0)))) {
            if run.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(run[0], 3, color.filled())))?;
            } else {
                chart.draw_series(LineSeries::new(run, color.stroke_width(*width)))?;
            }
        }
    }
    Ok(())
}

/// Requests per log-spaced latency bin, with the overall p50/p90/p99 (and the SLO's latency
/// threshold, when set) marked.
pub fn histogram(
    area: &Area<'_>,
    h: &Histogram,
    r: &LatencyReport,
    threshold_ms: Option<f64>,
) -> anyhow::Result<()> {
    let mut legend = vec![
        ("requests per bin", BLUE, Mark::Box),
        ("p50 / p90 / p99", BLACK, Mark::Dashed),
    ];
    if threshold_ms.is_some() {
        legend.push(("SLO latency threshold", VERMILLION, Mark::Line { width: 2 }));
    }
    let area = frame(
        area,
        &format!(
            "Latency histogram: {} requests, {} without a latency",
            count_label(r.overall.count as f64),
            count_label(h.no_latency as f64)
        ),
        &legend,
    )?;
    let used: Vec<_> = h.bins.iter().filter(|b| b.count > 0).collect();
    let (Some(first), Some(last)) = (used.first(), used.last()) else {
        return no_data(&area, "no request with a latency");
    };
    let lo = if first.lo_ms > 0.0 { first.lo_ms } else { 0.5 };
    let hi = last.hi_ms;
    let max = used.iter().map(|b| b.count).max().unwrap_or(1) as f64;
    let (_, ymax, yticks) = nice_axis(0.0, max * 1.1, 6);
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(46)
        .y_label_area_size(84)
        .build_cartesian_2d(Axis::log(lo, hi), Axis::linear(0.0, ymax, yticks))?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .x_label_formatter(&|v| ms_label(*v))
        .y_label_formatter(&|v| count_label(*v))
        .x_desc(format!(
            "{} (log scale, {} bins per decade)",
            field_name(r.field),
            crate::metrics::daily::BINS_PER_DECADE
        ))
        .y_desc("requests")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    chart.draw_series(h.bins.iter().filter(|b| b.count > 0).map(|b| {
        let x0 = b.lo_ms.max(lo);
        Rectangle::new(
            [(x0, 0.0), (b.hi_ms.min(hi), b.count as f64)],
            BLUE.mix(0.85).filled(),
        )
    }))?;
    let marks = [
        ("p50", r.overall.p50),
        ("p90", r.overall.p90),
        ("p99", r.overall.p99),
    ];
    for (i, (name, v)) in marks.iter().enumerate() {
        let Some(v) = v.filter(|v| *v >= lo && *v <= hi) else {
            continue;
        };
        chart.draw_series(DashedLineSeries::new(
            [(v, 0.0), (v, ymax)],
            6,
            4,
            BLACK.stroke_width(2),
        ))?;
        // near the right edge the label goes left of its line
        let right = (v / lo).ln() / (hi / lo).ln() > 0.85;
        let (x, h) = if right {
            (v / 1.04, HPos::Right)
        } else {
            (v * 1.04, HPos::Left)
        };
        chart.draw_series(std::iter::once(Text::new(
            format!("{name} {}", ms_label(v)),
            (x, ymax * (0.97 - 0.07 * i as f64)),
            font(14).pos(Pos::new(h, VPos::Top)),
        )))?;
    }
    if let Some(v) = threshold_ms.filter(|v| *v >= lo && *v <= hi) {
        chart.draw_series(LineSeries::new(
            [(v, 0.0), (v, ymax)],
            VERMILLION.stroke_width(2),
        ))?;
    }
    Ok(())
}
