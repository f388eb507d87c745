//! What the charts are built from: the title and legend, the no-data message, a time chart in
//! the house style, stacked bars over time, horizontal bars, and lines broken at gaps.

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::RangedCoordi64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{nice_axis, Axis, TimeAxis};
use super::canvas::Canvas;
use super::labels::count_label;
use super::output::Area;
use super::style::{font, GREY, GRID};

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Box,
    Line { width: u32 },
    Dashed,
    Shade,
}

/// Draws the chart's title (top left) and a one-line legend under it; returns the area left
/// for the plot.
pub fn frame<'a>(
    area: &Area<'a>,
    title: &str,
    legend: &[(&str, RGBColor, Mark)],
) -> anyhow::Result<Area<'a>> {
    let (w, _) = area.dim_in_pixel();
    area.draw_text(title, &font(24), (16, 8))?;
    let mut x = 18i32;
    let y = 44i32;
    let label = font(16);
    for (text, color, mark) in legend {
        match mark {
            Mark::Box => area.draw(&Rectangle::new(
                [(x, y + 2), (x + 14, y + 16)],
                color.filled(),
            ))?,
            Mark::Shade => {
                area.draw(&Rectangle::new(
                    [(x, y + 2), (x + 14, y + 16)],
                    color.mix(0.25).filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, y + 2), (x + 14, y + 16)],
                    color.stroke_width(1),
                ))?
            }
            Mark::Line { width } => area.draw(&PathElement::new(
                vec![(x, y + 9), (x + 22, y + 9)],
                color.stroke_width(*width),
            ))?,
            Mark::Dashed => {
                for i in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(x + i * 9, y + 9), (x + i * 9 + 5, y + 9)],
                        color.stroke_width(2),
                    ))?
                }
            }
        }
        let mark_w = match mark {
            Mark::Line { .. } | Mark::Dashed => 28,
            _ => 20,
        };
        area.draw_text(text, &label, (x + mark_w, y + 1))?;
        let (tw, _) = area
            .estimate_text_size(text, &label)
            .map_err(|e| anyhow::anyhow!("measuring text: {e:?}"))?;
        x += mark_w + tw as i32 + 22;
        if x > w as i32 - 100 {
            break;
        }
    }
    let top = if legend.is_empty() { 44 } else { 72 };
    Ok(area.margin(top, 8, 8, 24))
}

/// An empty chart's message, in place of a plot with no data.
pub fn no_data(area: &Area<'_>, what: &str) -> anyhow::Result<()> {
    let (w, h) = area.dim_in_pixel();
    let style = font(18)
        .color(&GREY)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    area.draw_text(
        &format!("no data: {what}"),
        &style,
        (w as i32 / 2, h as i32 / 2),
    )?;
    Ok(())
}

/// Splits (x, y?) points into runs without gaps, so a line breaks where there is no data.
pub fn runs<X: Copy>(points: impl IntoIterator<Item = (X, Option<f64>)>) -> Vec<Vec<(X, f64)>> {
    let mut out: Vec<Vec<(X, f64)>> = vec![Vec::new()];
    for (x, y) in points {
        match y {
            Some(y) if y.is_finite() => out.last_mut().expect("never empty").push((x, y)),
            _ => {
                if !out.last().expect("never empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Stacked bars over time: one bar per bucket, `series` stacked bottom-up in order.
pub struct Stacked<'s> {
    pub title: &'s str,
    pub axis: &'s TimeAxis,
    pub bucket: &'s str,
    pub bucket_us: i64,
    pub y_desc: &'s str,
    /// (label, colour) per series, bottom first.
    pub series: &'s [(&'s str, RGBColor)],
    /// (bucket start µs, one value per series).
    pub rows: &'s [(i64, Vec<f64>)],
    /// Fixed y range (shares), else 0..max.
    pub y_max: Option<f64>,
    pub y_label: fn(f64) -> String,
}

/// A chart over the window's time axis in the house style (grid, labels, fonts), drawn up to
/// its mesh; the caller adds the series.
pub fn time_chart<'a, 'b>(
    area: &'a Area<'b>,
    t: &TimeAxis,
    y: Axis,
    y_label: &dyn Fn(&f64) -> String,
    bucket: &str,
    y_desc: &str,
) -> anyhow::Result<ChartContext<'a, Canvas<'b>, Cartesian2d<WithKeyPoints<RangedCoordi64>, Axis>>>
{
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(46)
        .y_label_area_size(84)
        .build_cartesian_2d((t.start..t.end).with_key_points(t.ticks.clone()), y)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .x_label_formatter(&|v| t.label(*v))
        .y_label_formatter(y_label)
        .x_desc(t.desc(Some(bucket)))
        .y_desc(y_desc)
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    Ok(chart)
}

pub fn stacked_bars(area: &Area<'_>, s: &Stacked<'_>) -> anyhow::Result<()> {
    let legend: Vec<(&str, RGBColor, Mark)> =
        s.series.iter().map(|(l, c)| (*l, *c, Mark::Box)).collect();
    let area = frame(area, s.title, &legend)?;
    if s.rows.is_empty() {
        return no_data(&area, "no request in the window");
    }
    let max = s
        .rows
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let (lo, hi, yticks) = match s.y_max {
        Some(m) => nice_axis(0.0, m, 5),
        None => nice_axis(0.0, max.max(1.0) * 1.04, 6),
    };
    let t = s.axis;
    let y_label = s.y_label;
    let mut chart = time_chart(
        &area,
        t,
        Axis::linear(lo, hi, yticks),
        &|v| y_label(*v),
        s.bucket,
        s.y_desc,
    )?;
    for (i, (_, color)) in s.series.iter().enumerate() {
        chart.draw_series(s.rows.iter().filter_map(|(start, v)| {
            let below: f64 = v[..i].iter().sum();
            let h = v[i];
            let x0 = (*start).max(t.start);
            let x1 = (start + s.bucket_us).min(t.end);
            (h > 0.0 && x1 > x0)
                .then(|| Rectangle::new([(x0, below), (x1, (below + h).min(hi))], color.filled()))
        }))?;
    }
    Ok(())
}

/// One horizontal bar: its label, its stacked segments (value, colour) from the left, and the
/// text written after its end.
pub struct HBar {
    pub label: String,
    pub segments: Vec<(f64, RGBColor)>,
    pub note: String,
}

/// Horizontal stacked bars, the first row on top, labels on the left; the x axis runs to
/// `headroom` times the longest bar so the notes fit.
pub fn hbars(
    area: &Area<'_>,
    rows: &[HBar],
    x_desc: &str,
    label_width: u32,
    headroom: f64,
) -> anyhow::Result<()> {
    let n = rows.len();
    let total = |r: &HBar| r.segments.iter().map(|(v, _)| v).sum::<f64>();
    let max = rows.iter().map(total).fold(1.0, f64::max);
    let (_, hi, xticks) = nice_axis(0.0, max * headroom, 6);
    // row i sits at y = n - 1 - i; labels at the row's middle
    let centers: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(46)
        .y_label_area_size(label_width)
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
            rows.get(i as usize)
                .map(|r| r.label.clone())
                .unwrap_or_default()
        })
        .x_desc(x_desc)
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let mut x = 0.0;
        for (w, colour) in &row.segments {
            if *w > 0.0 {
                chart.draw_series([Rectangle::new(
                    [(x, y + 0.18), (x + w, y + 0.82)],
                    colour.filled(),
                )])?;
            }
            x += w;
        }
        chart.draw_series(std::iter::once(Text::new(
            row.note.clone(),
            (x + hi * 0.01, y + 0.5),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_gaps() {
        let r = runs([(1, Some(1.0)), (2, None), (3, Some(2.0)), (4, Some(3.0))]);
        assert_eq!(r, vec![vec![(1, 1.0)], vec![(3, 2.0), (4, 3.0)]]);
    }
}
