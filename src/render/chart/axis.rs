//! The axes: the time axis of a window (hour-aligned ticks and their labels) and value axes
//! (linear or log) with ticks we choose.

use chrono::{TimeZone, Utc};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes() {
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
    }
}
