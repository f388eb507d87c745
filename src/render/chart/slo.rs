//! SLO charts: success rate over time against the target with outages shaded, and the error
//! budget's burn-down.

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::RangedCoordi64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    figure, font, frame, nice_axis, no_data, pct_label, runs, time_chart, Area, Axis, Mark,
    TimeAxis, BLACK, BLUE, GREY, VERMILLION,
};
use crate::metrics::daily::SloSeries;

/// `slo --chart`: both SLO charts.
pub fn figure_png(s: &SloSeries) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        success_rate(&a[0], s)?;
        budget(&a[1], s)
    })
}

fn axis(s: &SloSeries) -> TimeAxis {
    TimeAxis::new(s.start_us, s.end_us).aligned(s.bucket_us)
}

/// Shades the outage periods over the full height of the plot.
fn shade_outages<Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, super::Canvas<'_>, Cartesian2d<WithKeyPoints<RangedCoordi64>, Y>>,
    s: &SloSeries,
    lo: f64,
    hi: f64,
) -> anyhow::Result<()> {
    chart.draw_series(s.outages.iter().map(|o| {
        Rectangle::new(
            [(o.start_us, lo), (o.end_us.max(o.start_us + 1), hi)],
            VERMILLION.mix(0.22).filled(),
        )
    }))?;
    Ok(())
}

/// Success rate per bucket against the SLO target; outages shaded, points below the axis
/// drawn on it (with the outage's own rate written beside it).
pub fn success_rate(area: &Area<'_>, s: &SloSeries) -> anyhow::Result<()> {
    let target = s.target * 100.0;
    let area = frame(
        area,
        &format!(
            "Success rate per {} against the {} SLO",
            s.bucket,
            pct_label(target)
        ),
        &[
            ("success rate (good / valid)", BLUE, Mark::Line { width: 3 }),
            ("SLO target", BLACK, Mark::Dashed),
            ("outage (< 50 % for whole minutes)", VERMILLION, Mark::Shade),
        ],
    )?;
    let rates: Vec<(i64, Option<f64>)> = s
        .points
        .iter()
        .map(|p| {
            (
                p.start_us + s.bucket_us / 2,
                p.success_rate.map(|r| r * 100.0),
            )
        })
        .collect();
    if rates.iter().all(|(_, r)| r.is_none()) {
        return no_data(&area, "no valid request in the window");
    }
    // scale to the buckets outside outages, so 99 % vs 95 % stays readable; outage buckets
    // fall to the bottom of the axis
    let in_outage = |t: i64| s.outages.iter().any(|o| t >= o.start_us && t < o.end_us);
    let min = rates
        .iter()
        .filter(|(t, _)| !in_outage(*t))
        .filter_map(|(_, r)| *r)
        .fold(target, f64::min);
    let lo = ((min - 0.5) / 5.0).floor().max(0.0) * 5.0;
    let (lo, hi, yticks) = nice_axis(lo.min(target - 1.0).max(0.0), 100.0, 6);
    let hi = hi.min(100.0);
    let t = axis(s);
    let mut chart = time_chart(
        &area,
        &t,
        Axis::linear(lo, hi + (hi - lo) * 0.02, yticks),
        &|v| pct_label(*v),
        &s.bucket,
        "success rate (%)",
    )?;
    shade_outages(&mut chart, s, lo, hi + (hi - lo) * 0.02)?;
    chart.draw_series(DashedLineSeries::new(
        [(t.start, target), (t.end, target)],
        8,
        5,
        BLACK.stroke_width(2),
    ))?;
    for run in runs(rates.iter().map(|(x, r)| (*x, r.map(|r| r.max(lo))))) {
        chart.draw_series(LineSeries::new(run, BLUE.stroke_width(3)))?;
    }
    for o in &s.outages {
        let label = format!(
            "outage {}–{}: {} success",
            t.label(o.start_us),
            t.label(o.end_us),
            o.success_rate
                .map_or("n/a".into(), |r| pct_label((r * 1000.0).round() / 10.0))
        );
        chart.draw_series(std::iter::once(Text::new(
            label,
            (o.end_us + (t.end - t.start) / 200, lo + (hi - lo) * 0.12),
            font(14).color(&VERMILLION),
        )))?;
    }
    Ok(())
}

/// Error budget left over the window, as a percent of the window's allowance, with the even
/// burn (rate 1) for reference and the moment it ran out.
pub fn budget(area: &Area<'_>, s: &SloSeries) -> anyhow::Result<()> {
    let area = frame(
        area,
        "Error budget remaining (burn-down)",
        &[
            ("budget left", BLUE, Mark::Line { width: 3 }),
            ("even burn (burn rate 1)", GREY, Mark::Dashed),
            ("outage", VERMILLION, Mark::Shade),
        ],
    )?;
    let t = axis(s);
    let mut left: Vec<(i64, Option<f64>)> = vec![(t.start, Some(100.0))];
    let mut even: Vec<(i64, f64)> = vec![(t.start, 100.0)];
    for p in &s.points {
        let x = (p.start_us + s.bucket_us).min(t.end);
        left.push((x, p.budget_remaining.map(|r| r * 100.0)));
        if let Some(e) = p.budget_even_burn {
            even.push((x, e * 100.0));
        }
    }
    if left.iter().skip(1).all(|(_, r)| r.is_none()) {
        return no_data(&area, "no valid request in the window");
    }
    let min = left.iter().filter_map(|(_, r)| *r).fold(0.0, f64::min);
    let (lo, hi, yticks) = nice_axis(min, 100.0, 6);
    let mut chart = time_chart(
        &area,
        &t,
        Axis::linear(lo, hi, yticks),
        &|v| pct_label(*v),
        &s.bucket,
        "budget left (% of the window's)",
    )?;
    shade_outages(&mut chart, s, lo, hi)?;
    chart.draw_series(LineSeries::new(
        [(t.start, 0.0), (t.end, 0.0)],
        BLACK.stroke_width(1),
    ))?;
    chart.draw_series(DashedLineSeries::new(even, 6, 5, GREY.stroke_width(2)))?;
    for run in runs(left.iter().copied()) {
        chart.draw_series(LineSeries::new(run, BLUE.stroke_width(3)))?;
    }
    if let Some(at) = s.budget_exhausted_at.as_deref().and_then(super::parse_time) {
        chart.draw_series(DashedLineSeries::new(
            [(at, lo), (at, hi)],
            4,
            4,
            BLACK.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("budget spent at {}", t.label(at)),
            (at + (t.end - t.start) / 200, lo + (hi - lo) * 0.08),
            font(14),
        )))?;
    }
    if let Some((x, Some(v))) = left.last() {
        chart.draw_series(std::iter::once(Text::new(
            format!("{} left", pct_label((v * 10.0).round() / 10.0)),
            (*x, *v),
            font(14)
                .color(&BLUE)
                .pos(Pos::new(HPos::Right, VPos::Bottom)),
        )))?;
    }
    Ok(())
}
