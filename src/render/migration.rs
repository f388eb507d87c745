//! How the migration report reads as tables, and its chart: each system's share of the moving
//! routes and its success rate over time.

use plotters::prelude::*;

use super::chart::{
    figure, frame, label_text, nice_axis, no_data, parse_time, pct_label, runs, stacked_bars,
    time_chart, Area, Axis, Mark, Stacked, TimeAxis, SERIES,
};
use super::{percent, Document, Report, Section};
use crate::metrics::migration::MigrationReport;

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

impl Report for MigrationReport {
    fn document(&self) -> Document {
        let mut summary: Vec<(String, String)> = self
            .systems
            .iter()
            .map(|s| {
                (
                    format!("{} ({})", s.name, s.log_format.name()),
                    format!(
                        "{} requests, success {}, p50 {} ms, p99 {} ms, {} 5XX{}",
                        s.requests,
                        percent(s.success_rate),
                        ms(s.p50_ms),
                        ms(s.p99_ms),
                        s.errors_5xx,
                        s.error
                            .as_deref()
                            .map(|e| format!(" (could not be read whole: {e})"))
                            .unwrap_or_default()
                    ),
                )
            })
            .collect();
        summary.push((
            "Moving routes".into(),
            if self.moving_routes.is_empty() {
                "none (no route served by more than one system)".into()
            } else {
                self.moving_routes.join(", ")
            },
        ));
        let mut route_rows = Vec::new();
        for r in self.routes.iter().take(self.top) {
            for s in &r.systems {
                route_rows.push(vec![
                    r.route.clone(),
                    s.name.clone(),
                    s.requests.to_string(),
                    percent(s.share),
                    percent(s.success_rate),
                    ms(s.p50_ms),
                    ms(s.p99_ms),
                    s.errors_5xx.to_string(),
                ]);
            }
        }
        let more = self.routes.len().saturating_sub(self.top);
        let mut over_time_headers = vec!["Start".to_string(), "Requests".to_string()];
        for s in &self.systems {
            over_time_headers.push(format!("{} share", s.name));
            over_time_headers.push(format!("{} success", s.name));
        }
        let sections = vec![
            Section {
                title: "Routes (moving routes first, then by requests)".into(),
                headers: [
                    "Route",
                    "System",
                    "Requests",
                    "Share",
                    "Success rate",
                    "p50 ms",
                    "p99 ms",
                    "5XX",
                ]
                .map(String::from)
                .to_vec(),
                rows: route_rows,
            },
            Section {
                title: "Systems".into(),
                headers: [
                    "System",
                    "Format",
                    "Requests",
                    "Valid",
                    "Good",
                    "Success rate",
                    "p50 ms",
                    "p99 ms",
                    "5XX",
                ]
                .map(String::from)
                .to_vec(),
                rows: self
                    .systems
                    .iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.log_format.name().into(),
                            s.requests.to_string(),
                            s.valid.to_string(),
                            s.good.to_string(),
                            percent(s.success_rate),
                            ms(s.p50_ms),
                            ms(s.p99_ms),
                            s.errors_5xx.to_string(),
                        ]
                    })
                    .collect(),
            },
            Section {
                title: format!("The moving routes over time ({} buckets)", self.bucket),
                headers: over_time_headers,
                rows: self
                    .over_time
                    .iter()
                    .map(|b| {
                        let mut row = vec![b.start.clone(), b.requests.to_string()];
                        for s in &b.systems {
                            row.push(percent(s.share));
                            row.push(percent(s.success_rate));
                        }
                        row
                    })
                    .collect(),
            },
        ];
        let mut notes: Vec<String> = self.definitions.iter().map(|d| format!("{d}.")).collect();
        if more > 0 {
            notes.push(format!(
                "{more} more route(s) with fewer requests not listed (--top; JSON has every route)."
            ));
        }
        if self.excluded > 0 {
            notes.push(format!(
                "{} requests of [exclude] traffic left out.",
                self.excluded
            ));
        }
        notes.extend(self.notes.iter().cloned());
        Document {
            title: "Migration: the systems side by side, route by route".into(),
            summary,
            sections,
            notes,
        }
    }
}

/// `migration --chart`: the share and the success rate of each system over time.
pub fn figure_png(r: &MigrationReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(2, |a| {
        share(&a[0], r, axis, bucket_us)?;
        success(&a[1], r, axis, bucket_us)
    })
}

fn names(r: &MigrationReport) -> Vec<String> {
    r.systems.iter().map(|s| label_text(&s.name, 40)).collect()
}

/// Each system's share of the moving routes' requests, per bucket, stacked to 100 %.
pub fn share(
    area: &Area<'_>,
    r: &MigrationReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let names = names(r);
    let series: Vec<(&str, RGBColor)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), SERIES[i % SERIES.len()]))
        .collect();
    let rows: Vec<(i64, Vec<f64>)> = r
        .over_time
        .iter()
        .filter_map(|b| {
            Some((
                parse_time(&b.start)?,
                b.systems
                    .iter()
                    .map(|s| s.share.unwrap_or(0.0) * 100.0)
                    .collect(),
            ))
        })
        .collect();
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "The cut-over: each system's share of the moving routes, per {}",
                r.bucket
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc: "share of the bucket's requests (%)",
            series: &series,
            rows: &rows,
            y_max: Some(100.0),
            y_label: pct_label,
        },
    )
}

/// Each system's success rate (good / valid) on the moving routes, per bucket, one line per
/// system. The scale starts near the lowest point, so 99 % against 95 % stays readable.
pub fn success(
    area: &Area<'_>,
    r: &MigrationReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let names = names(r);
    let legend: Vec<(&str, RGBColor, Mark)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.as_str(),
                SERIES[i % SERIES.len()],
                Mark::Line { width: 3 },
            )
        })
        .collect();
    let area = frame(
        area,
        &format!(
            "Success rate of each system on the moving routes, per {}",
            r.bucket
        ),
        &legend,
    )?;
    let values: Vec<f64> = r
        .over_time
        .iter()
        .flat_map(|b| b.systems.iter().filter_map(|s| s.success_rate))
        .map(|s| s * 100.0)
        .collect();
    if values.is_empty() {
        return no_data(&area, "no route served by more than one system");
    }
    let low = values.iter().copied().fold(100.0, f64::min);
    let lo = ((low - 0.5) / 5.0).floor().max(0.0) * 5.0;
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
    for i in 0..r.systems.len() {
        let color = SERIES[i % SERIES.len()];
        let pts = r.over_time.iter().filter_map(|b| {
            Some((
                parse_time(&b.start)? + bucket_us / 2,
                b.systems.get(i)?.success_rate.map(|s| s * 100.0),
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
