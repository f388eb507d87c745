//! PNG charts drawn with plotters on its bitmap backend.
//!
//! - Text is drawn with the bundled DejaVu Sans (`assets/fonts/`, registered with plotters'
//!   ab_glyph feature): no system fonts, no fontconfig, the same pixels on every machine.
//! - Colours are the Okabe-Ito palette, readable with the common colour-vision deficiencies;
//!   series that sit side by side also differ in line style or position.
//! - Times are UTC; every axis says its unit.
//! - The PNG is encoded here (the `png` crate, fixed settings, no timestamps), so the same input
//!   gives the same bytes. `present()` is always called and its error reported.
//!
//! One module per analysis, each with one function per chart (`fn(&Area, &data)`) and a
//! `figure` for the analysis' `--chart FILE`.

pub mod backends;
pub mod canvas;
pub mod errors;
pub mod latency;
pub mod security;
pub mod slo;
pub mod traffic;

use std::path::Path;
use std::sync::Once;

use anyhow::Context as _;
pub use canvas::Canvas;
use chrono::{TimeZone, Utc};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordi64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

/// The drawing surface every chart function draws on.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// The font family every text in a chart uses (registered from the bundled font).
pub const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Chart size in the report and for `--chart` (pixels).
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 480;

// Okabe & Ito (2008), "Color Universal Design".
pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const GREY: RGBColor = RGBColor(120, 120, 120);
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Categorical series in order (target groups, …).
pub const SERIES: [RGBColor; 6] = [BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION];

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // the bytes are a valid TTF (a test renders text); a failure would show as FontUnavailable
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

pub fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Draws with `draw` on a white `width`×`height` canvas and returns the PNG.
pub fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    register_font();
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root =
            Canvas::new(BitMapBackend::with_buffer(&mut rgb, (width, height))).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present().context("drawing the chart")?;
    }
    encode_png(&rgb, width, height)
}

/// RGB8 pixels → PNG bytes, with fixed settings and no ancillary chunks (reproducible).
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut w = enc.write_header().context("encoding PNG")?;
        w.write_image_data(rgb).context("encoding PNG")?;
        w.finish().context("encoding PNG")?;
    }
    Ok(out)
}

/// Writes a PNG, naming the file on error.
pub fn write_png(path: &Path, png: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("writing {}: creating {}", path.display(), dir.display()))?;
    }
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
}

/// A figure of `panels` charts stacked vertically, for an analysis' `--chart`.
pub fn figure(
    panels: usize,
    draw: impl FnOnce(&[Area<'_>]) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    render(WIDTH, HEIGHT * panels as u32, |root| {
        let areas = root.split_evenly((panels, 1));
        draw(&areas)
    })
}

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

/// The time axis of a window: bounds in µs since the epoch and hour-aligned ticks.
#[derive(Debug, Clone)]
pub struct TimeAxis {
    pub start: i64,
    pub end: i64,
    pub ticks: Vec<i64>,
    pub step: i64,
}

const MIN: i64 = 60_000_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

impl TimeAxis {
    pub fn new(start: i64, end: i64) -> TimeAxis {
        let end = end.max(start + MIN);
        const STEPS: [i64; 14] = [
            MIN,
            2 * MIN,
            5 * MIN,
            10 * MIN,
            15 * MIN,
            30 * MIN,
            HOUR,
            2 * HOUR,
            3 * HOUR,
            6 * HOUR,
            12 * HOUR,
            DAY,
            2 * DAY,
            7 * DAY,
        ];
        let span = end - start;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span / s <= 12)
            .unwrap_or(7 * DAY);
        let mut ticks = Vec::new();
        let mut t = (start + step - 1).div_euclid(step) * step;
        while t <= end {
            ticks.push(t);
            t += step;
        }
        TimeAxis {
            start,
            end,
            ticks,
            step,
        }
    }

    /// The axis of a report's window; an empty window (no data) gets a placeholder hour.
    pub fn of(w: &crate::metrics::slo::WindowInfo) -> TimeAxis {
        let bound = |t: &Option<String>| t.as_deref().and_then(parse_time);
        match (bound(&w.start), bound(&w.end)) {
            (Some(s), Some(e)) => TimeAxis::new(s, e),
            _ => TimeAxis::new(0, HOUR),
        }
    }

    /// The same axis widened to whole buckets, so bars fill it and a day ends at 24:00.
    pub fn aligned(&self, bucket_us: i64) -> TimeAxis {
        if bucket_us <= 0 {
            return self.clone();
        }
        TimeAxis::new(
            self.start.div_euclid(bucket_us) * bucket_us,
            (self.end + bucket_us - 1).div_euclid(bucket_us) * bucket_us,
        )
    }

    /// Tick label: `HH:MM` within about a day, else `MM-DD HH:MM` (or `MM-DD` on day steps).
    pub fn label(&self, t: i64) -> String {
        let Some(d) = Utc.timestamp_micros(t).single() else {
            return String::new();
        };
        if self.end - self.start <= 26 * HOUR {
            if t == self.end && t % DAY == 0 && t > self.start {
                "24:00".into()
            } else {
                d.format("%H:%M").to_string()
            }
        } else if self.step >= DAY {
            d.format("%m-%d").to_string()
        } else {
            d.format("%m-%d %H:%M").to_string()
        }
    }

    /// The axis description: what, the zone and the dates covered.
    pub fn desc(&self, bucket: Option<&str>) -> String {
        let f = |t: i64| {
            Utc.timestamp_micros(t)
                .single()
                .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        match bucket {
            Some(b) => format!(
                "time (UTC), {} → {}, {b} buckets",
                f(self.start),
                f(self.end)
            ),
            None => format!("time (UTC), {} → {}", f(self.start), f(self.end)),
        }
    }
}

/// RFC 3339 → µs since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// A value axis (linear or log) with the ticks we choose. plotters' own f64 axes pick their
/// ticks themselves, and its key-point wrapper loses their label formatting.
#[derive(Debug, Clone)]
pub struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    log: bool,
}

impl Axis {
    pub fn linear(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis {
            lo,
            hi,
            ticks,
            log: false,
        }
    }

    /// A log axis (lo > 0) with ticks at 1, 2, 5 × 10^k.
    pub fn log(lo: f64, hi: f64) -> Axis {
        Axis {
            lo,
            hi,
            ticks: log_ticks(lo, hi),
            log: true,
        }
    }

    fn scale(&self, v: f64) -> f64 {
        if self.log {
            v.max(f64::MIN_POSITIVE).ln()
        } else {
            v
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.scale(self.lo), self.scale(self.hi));
        if b == a {
            return (limit.0 + limit.1) / 2;
        }
        let f = (self.scale(*v) - a) / (b - a);
        let px = limit.0 as f64 + (limit.1 - limit.0) as f64 * f;
        px.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// A "nice" axis from `lo` to `hi` with about `n` ticks: (lo, hi, ticks).
pub fn nice_axis(lo: f64, hi: f64, n: usize) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut i = 0;
    loop {
        let t = lo + i as f64 * step;
        if t > hi + step * 1e-9 {
            break;
        }
        // snap float noise (0.30000000000000004)
        ticks.push((t / step).round() * step);
        i += 1;
    }
    (lo, hi, ticks)
}

/// 1, 2, 5 × 10^k between `lo` and `hi` (for log axes).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut p = 10f64.powf(lo.log10().floor());
    while p <= hi {
        for m in [1.0, 2.0, 5.0] {
            let t = m * p;
            if t >= lo && t <= hi {
                ticks.push(t);
            }
        }
        p *= 10.0;
    }
    ticks
}

/// Milliseconds as a short label: 0.5 ms, 20 ms, 1.5 s, 20 s.
pub fn ms_label(ms: f64) -> String {
    if ms >= 1000.0 {
        trim(format!("{:.1}", ms / 1000.0)) + " s"
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        trim(format!("{ms:.1}")) + " ms"
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count with thousands separators: 12 345 → "12,345"; large ones short: "1.2M".
pub fn count_label(v: f64) -> String {
    if v.abs() >= 1e6 {
        return trim(format!("{:.1}", v / 1e6)) + "M";
    }
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A percent tick label: 99 → "99 %", 99.5 → "99.5 %".
pub fn pct_label(v: f64) -> String {
    trim(format!("{v:.2}")) + " %"
}

/// Log-derived text for a chart label: controls removed, shortened with "…".
pub fn label_text(text: &str, max: usize) -> String {
    crate::render::sanitize(text, max)
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
    fn axes_and_labels() {
        let day = 1_763_596_800_000_000; // 2025-11-20T00:00:00Z
        let a = TimeAxis::new(day, day + DAY);
        assert_eq!(a.step, 2 * HOUR);
        assert_eq!(a.ticks.len(), 13);
        assert_eq!(a.label(day), "00:00");
        assert_eq!(a.label(day + DAY), "24:00");
        assert_eq!(a.label(day + 14 * HOUR), "14:00");
        let (lo, hi, t) = nice_axis(0.0, 1270.0, 6);
        // 1270 / 6 ≈ 212 → a step of 250
        assert_eq!((lo, hi), (0.0, 1500.0));
        assert_eq!(t, vec![0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0, 1500.0]);
        assert_eq!(
            log_ticks(3.0, 600.0),
            vec![5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        );
        assert_eq!(ms_label(0.5), "0.5 ms");
        assert_eq!(ms_label(2000.0), "2 s");
        assert_eq!(count_label(1234567.0), "1.2M");
        assert_eq!(count_label(12345.0), "12,345");
        assert_eq!(pct_label(99.5), "99.5 %");
        let r = runs([(1, Some(1.0)), (2, None), (3, Some(2.0)), (4, Some(3.0))]);
        assert_eq!(r, vec![vec![(1, 1.0)], vec![(3, 2.0), (4, 3.0)]]);
    }

    #[test]
    fn text_renders_with_the_bundled_font() {
        let png = render(200, 60, |a| {
            a.draw_text("Hg 99 %", &font(24), (10, 10))?;
            Ok(())
        })
        .unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert!(buf.iter().any(|b| *b < 128), "the text drew no dark pixel");
    }
}
