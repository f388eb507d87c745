//! `export --to openmetrics`: the SLO's history as OpenMetrics text with a timestamp on every
//! sample, for `promtool tsdb create-blocks-from openmetrics`, so Prometheus (and Grafana)
//! hold the weeks before `serve` started, under the names `/metrics` uses.
//!
//! Written by hand: the exposition crate `/metrics` uses encodes the present only (it has no
//! sample timestamps). The label values are fixed words (the SLO's name, the windows), never
//! log text.

use std::io::Write;

use crate::metrics::slo::{Counts, SloCounts, BURN_RATE_PAIRS};
use crate::window::format_duration;

const MIN_US: i64 = 60_000_000;

/// The label value escaped as OpenMetrics asks (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The trailing windows given a success ratio and a burn rate: the alert windows.
fn windows() -> Vec<i64> {
    let mut w: Vec<i64> = BURN_RATE_PAIRS
        .iter()
        .flat_map(|(_, long, short, _)| [*long, *short])
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// Writes one sample per minute from the first minute with requests to the last: the
/// cumulative valid and good counters, and over each alert window ending at that minute the
/// success ratio and the burn rate. Returns the samples written.
pub fn write(
    counts: &SloCounts,
    slo: &str,
    target: f64,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    let minutes = counts.series(i64::MIN / 2, i64::MAX / 2, MIN_US);
    let (Some(first), Some(last)) = (minutes.first(), minutes.last()) else {
        writeln!(out, "# EOF")?;
        return Ok(0);
    };
    let (first, last) = (first.0, last.0);
    // cumulative valid and good at the end of each minute
    let n = ((last - first) / MIN_US + 1) as usize;
    let mut valid = vec![0u64; n];
    let mut good = vec![0u64; n];
    let mut by_minute = minutes.into_iter().peekable();
    let (mut v, mut g) = (0, 0);
    for i in 0..n {
        let t = first + i as i64 * MIN_US;
        if let Some((_, c)) = by_minute.next_if(|(m, _)| *m == t) {
            let c: Counts = c;
            v += c.valid();
            g += c.good;
        }
        valid[i] = v;
        good[i] = g;
    }
    let slo = label(slo);
    // a sample is stamped at its minute's end (seconds)
    let ts = |i: usize| (first + (i as i64 + 1) * MIN_US) / 1_000_000;
    let mut samples = 0u64;
    for (name, help, series) in [
        ("hosp_slo_valid", "The SLO's valid requests", &valid),
        ("hosp_slo_good", "The SLO's good requests", &good),
    ] {
        writeln!(out, "# HELP {name} {help}")?;
        writeln!(out, "# TYPE {name} counter")?;
        for (i, c) in series.iter().enumerate() {
            writeln!(out, "{name}_total{{slo=\"{slo}\"}} {c} {}", ts(i))?;
            samples += 1;
        }
    }
    let windows = windows();
    let over = |i: usize, w: i64| -> Option<(u64, u64)> {
        let back = (w / MIN_US) as usize;
        let (v0, g0) = match i.checked_sub(back) {
            Some(j) => (valid[j], good[j]),
            None => (0, 0),
        };
        let dv = valid[i] - v0;
        (dv > 0).then(|| (dv, good[i] - g0))
    };
    let budget = 1.0 - target;
    for (name, help) in [
        ("hosp_slo_success_ratio", "Good / valid over the window"),
        (
            "hosp_slo_burn_rate",
            "Observed error ratio / (1 - target) over each alert window",
        ),
    ] {
        writeln!(out, "# HELP {name} {help}")?;
        writeln!(out, "# TYPE {name} gauge")?;
        for w in &windows {
            let wl = format_duration(*w);
            for i in 0..n {
                let Some((dv, dg)) = over(i, *w) else {
                    continue;
                };
                let ratio = dg as f64 / dv as f64;
                let value = match name {
                    "hosp_slo_success_ratio" => ratio,
                    _ => (1.0 - ratio) / budget,
                };
                writeln!(
                    out,
                    "{name}{{slo=\"{slo}\",window=\"{wl}\"}} {value} {}",
                    ts(i)
                )?;
                samples += 1;
            }
        }
    }
    writeln!(out, "# EOF")?;
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_become_cumulative_counters_and_trailing_ratios() {
        let mut counts = SloCounts::default();
        // minute 0: 10 valid, 9 good; minute 2: 10 valid, 10 good (minute 1 empty)
        let t0 = 1_795_132_800; // 2026-11-20T00:00:00Z, in seconds
        counts.add(
            t0,
            Counts {
                total: 10,
                excluded: 0,
                no_status: 0,
                good: 9,
            },
        );
        counts.add(
            t0 + 120,
            Counts {
                total: 11,
                excluded: 1,
                no_status: 0,
                good: 10,
            },
        );
        let mut out = Vec::new();
        let samples = write(&counts, "availability", 0.99, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let end0 = t0 + 60;
        for line in [
            format!("hosp_slo_valid_total{{slo=\"availability\"}} 10 {end0}"),
            // the empty minute carries the count on
            format!(
                "hosp_slo_valid_total{{slo=\"availability\"}} 10 {}",
                end0 + 60
            ),
            format!(
                "hosp_slo_valid_total{{slo=\"availability\"}} 20 {}",
                end0 + 120
            ),
            format!(
                "hosp_slo_good_total{{slo=\"availability\"}} 19 {}",
                end0 + 120
            ),
            // 1h window at minute 2: 19 of 20
            format!(
                "hosp_slo_success_ratio{{slo=\"availability\",window=\"1h\"}} 0.95 {}",
                end0 + 120
            ),
            // 5m window at minute 0: 9 of 10, burn 0.1 / 0.01
            format!("hosp_slo_success_ratio{{slo=\"availability\",window=\"5m\"}} 0.9 {end0}"),
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
        let burn: f64 = text
            .lines()
            .find(|l| l.starts_with("hosp_slo_burn_rate{slo=\"availability\",window=\"5m\"}"))
            .and_then(|l| l.split(' ').nth(1))
            .unwrap()
            .parse()
            .unwrap();
        assert!((burn - 10.0).abs() < 1e-9, "{burn}");
        assert!(text.ends_with("# EOF\n"));
        // 3 minutes × 2 counters + 3 minutes × 7 windows × 2 gauges
        assert_eq!(samples, 6 + 42);
        assert_eq!(text.matches("# TYPE").count(), 4);
    }
}
