//! Volume charts: requests by status class over time, and plain HTTP vs TLS over time.

use super::{count_label, figure, parse_time, stacked_bars, Area, Stacked, TimeAxis};
use super::{GREEN, GREY, ORANGE, SKY_BLUE, VERMILLION};
use crate::metrics::daily::StatusClasses;
use crate::metrics::traffic::TrafficReport;

/// `traffic --chart`: requests over time, encrypted vs plain.
pub fn figure_png(r: &TrafficReport, axis: &TimeAxis, bucket_us: i64) -> anyhow::Result<Vec<u8>> {
    figure(1, |a| encryption(&a[0], r, axis, bucket_us))
}

/// Requests per bucket, stacked: TLS (https, h2, wss, grpcs) under plain (http, ws).
pub fn encryption(
    area: &Area<'_>,
    r: &TrafficReport,
    axis: &TimeAxis,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let rows: Vec<(i64, Vec<f64>)> = r
        .over_time
        .iter()
        .filter_map(|p| {
            Some((
                parse_time(&p.start)?,
                vec![(p.requests - p.plain_http) as f64, p.plain_http as f64],
            ))
        })
        .collect();
    let y_desc = format!("requests per {}", r.bucket);
    stacked_bars(
        area,
        &Stacked {
            title: &format!(
                "Traffic: {} requests, {} over plain HTTP",
                count_label(r.requests as f64),
                crate::render::percent(Some(r.plain_http.share))
            ),
            axis,
            bucket: &r.bucket,
            bucket_us,
            y_desc: &y_desc,
            series: &[
                ("encrypted (https, h2, wss, grpcs)", GREEN),
                ("plain (http, ws)", ORANGE),
            ],
            rows: &rows,
            y_max: None,
            y_label: count_label,
        },
    )
}

/// Requests per bucket by the status class the client received.
pub fn status_classes(
    area: &Area<'_>,
    rows: &[StatusClasses],
    axis: &TimeAxis,
    bucket: &str,
    bucket_us: i64,
) -> anyhow::Result<()> {
    let data: Vec<(i64, Vec<f64>)> = rows
        .iter()
        .map(|c| {
            (
                c.start_us,
                [c.s2xx, c.s3xx, c.s4xx, c.s5xx, c.other]
                    .map(|v| v as f64)
                    .to_vec(),
            )
        })
        .collect();
    let y_desc = format!("requests per {bucket}");
    stacked_bars(
        area,
        &Stacked {
            title: &format!("Requests by status class, per {bucket}"),
            axis,
            bucket,
            bucket_us,
            y_desc: &y_desc,
            series: &[
                ("2xx", GREEN),
                ("3xx", SKY_BLUE),
                ("4xx", ORANGE),
                ("5xx", VERMILLION),
                ("no status / other", GREY),
            ],
            rows: &data,
            y_max: None,
            y_label: count_label,
        },
    )
}
