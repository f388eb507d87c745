//! The time window a command looks at: `--since` / `--until` as durations back from now
//! (90m, 24h, 7d, 1h30m) or RFC 3339 times.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::UsageError;

/// A window as printed: RFC 3339 bounds, either unknown when nothing was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WindowInfo {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A half-open window `[since, until)` in µs since the Unix epoch; `None` is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
}

impl Window {
    pub fn contains(&self, t_us: i64) -> bool {
        self.since_us.is_none_or(|s| t_us >= s) && self.until_us.is_none_or(|u| t_us < u)
    }

    /// Builds the window from the `--since` / `--until` texts, resolving durations against `now`.
    pub fn parse(
        since: Option<&str>,
        until: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Window, UsageError> {
        let now_us = now.timestamp_micros();
        let since_us = since
            .map(|s| parse_instant(s, now_us, "--since"))
            .transpose()?;
        let until_us = until
            .map(|s| parse_instant(s, now_us, "--until"))
            .transpose()?;
        if let (Some(s), Some(u)) = (since_us, until_us) {
            if s >= u {
                return Err(UsageError(format!(
                    "--since ({}) must be before --until ({})",
                    format_us(s),
                    format_us(u)
                )));
            }
        }
        Ok(Window { since_us, until_us })
    }
}

/// The `yyyy/MM/dd` folders ALB delivers the requests of `[since, until)` into: every day from
/// the first one's to the last one's, and the day after (a file ending after midnight is filed
/// under the next day). Empty for an empty window.
pub fn delivery_days(since_us: i64, until_us: i64) -> Vec<String> {
    if since_us >= until_us {
        return Vec::new();
    }
    let day = |us: i64| DateTime::<Utc>::from_timestamp_micros(us).map(|t| t.date_naive());
    let (Some(first), Some(last)) = (day(since_us), day(until_us - 1)) else {
        return Vec::new();
    };
    let after = last + chrono::Days::new(1);
    first
        .iter_days()
        .take_while(|d| *d <= after)
        .map(|d| d.format("%Y/%m/%d").to_string())
        .collect()
}

fn parse_instant(text: &str, now_us: i64, flag: &str) -> Result<i64, UsageError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc).timestamp_micros());
    }
    if text == "now" {
        return Ok(now_us);
    }
    match parse_duration(text) {
        Some(d) => Ok(now_us - d),
        None => Err(UsageError(format!(
            "{flag} {text:?}: expected a duration back from now (90m, 24h, 7d, 1h30m) \
             or an RFC 3339 time (2026-11-20T00:00:00Z)"
        ))),
    }
}

/// Parses `90s`, `90m`, `24h`, `7d`, `2w`, `1h30m` (and `1.5h`) into microseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            _ => return None,
        };
        total += n * secs;
    }
    let us = (total * 1e6).round();
    (us.is_finite() && us > 0.0 && us < i64::MAX as f64).then_some(us as i64)
}

/// The SLO window judged, by name: `--window 28d` (rolling), `month` / `quarter` (calendar,
/// to date, in the SLO's time zone: UTC unless `[slo] timezone`), or the config's `[slo]
/// start` (a project's whole duration).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SloWindow {
    /// `28d`, `month`, `quarter`, or `since 2026-11-16T00:00:00Z`.
    pub name: String,
    pub start: String,
    pub end: String,
    /// The IANA time zone the calendar (a month's or quarter's first day, a start date's
    /// midnight) was read in: `UTC` unless `[slo] timezone` names another.
    pub timezone: String,
    #[serde(skip)]
    pub since_us: i64,
    #[serde(skip)]
    pub until_us: i64,
}

impl SloWindow {
    /// How the text output names it: `28d`, or, when a zone other than UTC set its start,
    /// `month in Pacific/Auckland (from 2026-12-01T00:00:00+13:00)` or `since
    /// 2026-11-16T00:00:00-08:00 (America/Los_Angeles)`.
    pub fn describe(&self) -> String {
        if self.timezone == "UTC" || !self.zoned() {
            return self.name.clone();
        }
        let local = self
            .timezone
            .parse::<Tz>()
            .ok()
            .and_then(|tz| tz.timestamp_micros(self.since_us).single())
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_else(|| self.start.clone());
        if self.name.starts_with("since ") {
            return format!("since {local} ({})", self.timezone);
        }
        format!("{} in {} (from {local})", self.name, self.timezone)
    }

    /// Whether the zone set the start (a calendar window or a start date), not a rolling length.
    fn zoned(&self) -> bool {
        self.name == "month" || self.name == "quarter" || self.name.starts_with("since ")
    }
}

/// Reads an IANA time zone name (`Europe/Zurich`, `America/Los_Angeles`, `UTC`).
pub fn parse_timezone(text: &str, what: &str) -> Result<Tz, UsageError> {
    text.trim().parse::<Tz>().map_err(|_| {
        UsageError(format!(
            "{what} {text:?}: not an IANA time zone name (Europe/Zurich, America/Los_Angeles, \
             Pacific/Auckland, UTC)"
        ))
    })
}

/// The first instant of `date` in `tz`: its midnight, or where a DST gap at midnight ends (the
/// day then starts at 01:00), the earlier of two when midnight happens twice.
fn local_day_start(tz: Tz, date: chrono::NaiveDate) -> Option<i64> {
    let mut t = date.and_hms_opt(0, 0, 0)?;
    // gaps are at most a few hours; step on by a quarter of an hour until the clock exists
    for _ in 0..(24 * 4) {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return Some(at.timestamp_micros());
        }
        t += chrono::Duration::minutes(15);
    }
    None
}

/// Resolves a named SLO window ending at `end_us` (now, or `--until`); a calendar window's
/// month or quarter is the one `end_us` falls in, in `tz`.
pub fn slo_window(name: &str, end_us: i64, what: &str, tz: Tz) -> Result<SloWindow, UsageError> {
    use chrono::Datelike;
    let end = tz
        .timestamp_micros(end_us - 1)
        .single()
        .ok_or_else(|| UsageError(format!("{what} {name:?}: the window's end is out of range")))?;
    let month_start = |month0: u32| {
        chrono::NaiveDate::from_ymd_opt(end.year(), month0 + 1, 1)
            .and_then(|d| local_day_start(tz, d))
    };
    let since = match name.trim() {
        "month" => month_start(end.month0()),
        "quarter" => month_start(end.month0() / 3 * 3),
        other => parse_duration(other).map(|d| end_us - d),
    }
    .ok_or_else(|| {
        UsageError(format!(
            "{what} {name:?}: expected a rolling length (28d, 4w, 30d), month or quarter"
        ))
    })?;
    Ok(SloWindow {
        name: name.trim().to_string(),
        start: format_us(since),
        end: format_us(end_us),
        timezone: tz.name().to_string(),
        since_us: since,
        until_us: end_us,
    })
}

/// The config's `[slo] start`: a date (`2026-11-16`, its midnight in `tz`) or an RFC 3339 time.
pub fn slo_start(text: &str, end_us: i64, tz: Tz) -> Result<SloWindow, UsageError> {
    let t = text.trim();
    let since = DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_micros())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| local_day_start(tz, d))
        })
        .ok_or_else(|| {
            UsageError(format!(
                "config [slo] start {t:?}: expected a date (2026-11-16) or an RFC 3339 time"
            ))
        })?;
    if since >= end_us {
        return Err(UsageError(format!(
            "config [slo] start {t:?} is not before the window's end ({})",
            format_us(end_us)
        )));
    }
    Ok(SloWindow {
        name: format!("since {}", format_us(since)),
        start: format_us(since),
        end: format_us(end_us),
        timezone: tz.name().to_string(),
        since_us: since,
        until_us: end_us,
    })
}

/// Formats a duration in µs the way users write it: 5m, 1h, 3d, 1h30m.
pub fn format_duration(us: i64) -> String {
    let mut secs = us / 1_000_000;
    if secs == 0 {
        return format!("{}ms", us / 1000);
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        // a day reads better as 24h; days from two on
        if unit == "d" && secs < 2 * 86_400 {
            continue;
        }
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// RFC 3339 with seconds, UTC: 2026-11-20T14:00:00Z.
pub fn format_us(us: i64) -> String {
    Utc.timestamp_micros(us)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{us}µs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_days_are_the_windows_days_and_the_next() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
        // until is exclusive: a window ending at midnight has its last request the day before
        assert_eq!(
            delivery_days(t("2026-11-20T00:00:00Z"), t("2026-11-21T00:00:00Z")),
            ["2026/11/20", "2026/11/21"]
        );
        assert_eq!(
            delivery_days(t("2026-11-20T23:00:00Z"), t("2026-11-21T00:00:01Z")),
            ["2026/11/20", "2026/11/21", "2026/11/22"]
        );
        assert!(delivery_days(5, 5).is_empty());
    }

    const H: i64 = 3_600_000_000;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Some(90 * 60_000_000));
        assert_eq!(parse_duration("24h"), Some(24 * H));
        assert_eq!(parse_duration("7d"), Some(7 * 24 * H));
        assert_eq!(parse_duration("1h30m"), Some(H + H / 2));
        assert_eq!(parse_duration("1.5h"), Some(H + H / 2));
        assert_eq!(parse_duration("3s"), Some(3_000_000));
        assert_eq!(parse_duration("250ms"), Some(250_000));
        for bad in ["", "h", "24", "24x", "-3h", "1h-", "0m"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(format_duration(H + H / 2), "1h30m");
        assert_eq!(format_duration(3 * 24 * H), "3d");
        assert_eq!(format_duration(5 * 60_000_000), "5m");
        assert_eq!(format_duration(24 * H), "24h");
    }

    #[test]
    fn named_slo_windows() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
        let end = t("2026-12-07T00:34:00Z");
        let w = slo_window("28d", end, "--window", Tz::UTC).unwrap();
        assert_eq!(
            (w.start.as_str(), w.end.as_str()),
            ("2026-11-09T00:34:00Z", "2026-12-07T00:34:00Z")
        );
        assert_eq!(
            slo_window("month", end, "--window", Tz::UTC).unwrap().start,
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(
            slo_window("quarter", end, "--window", Tz::UTC)
                .unwrap()
                .start,
            "2026-10-01T00:00:00Z"
        );
        // a window ending at midnight belongs to the day (and month) before
        let w = slo_window("month", t("2026-12-01T00:00:00Z"), "--window", Tz::UTC).unwrap();
        assert_eq!(w.start, "2026-11-01T00:00:00Z");
        assert_eq!(
            slo_window("quarter", t("2026-03-31T23:00:00Z"), "x", Tz::UTC)
                .unwrap()
                .start,
            "2026-01-01T00:00:00Z"
        );
        assert!(slo_window("fortnight", end, "--window", Tz::UTC)
            .unwrap_err()
            .0
            .contains("--window \"fortnight\""));
        let s = slo_start("2026-11-16", end, Tz::UTC).unwrap();
        assert_eq!(
            (s.name.as_str(), s.since_us),
            ("since 2026-11-16T00:00:00Z", t("2026-11-16T00:00:00Z"))
        );
        assert!(slo_start("2026-12-08", end, Tz::UTC).is_err());
        assert!(slo_start("soon", end, Tz::UTC).is_err());
    }

    #[test]
    fn calendar_windows_in_a_time_zone() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
        let zone = |n: &str| parse_timezone(n, "config [slo] timezone").unwrap();
        // 12:00 UTC on 30 November is 01:00 on 1 December in Auckland (NZDT, +13): its month
        // is December there and November in UTC
        let end = t("2026-11-30T12:00:00Z");
        let nz = slo_window("month", end, "--window", zone("Pacific/Auckland")).unwrap();
        assert_eq!(nz.start, "2026-11-30T11:00:00Z");
        assert_eq!(nz.since_us, t("2026-12-01T00:00:00+13:00"));
        assert_eq!(nz.timezone, "Pacific/Auckland");
        assert_eq!(
            nz.describe(),
            "month in Pacific/Auckland (from 2026-12-01T00:00:00+13:00)"
        );
        let utc = slo_window("month", end, "--window", Tz::UTC).unwrap();
        assert_eq!(utc.start, "2026-11-01T00:00:00Z");
        assert_eq!(
            (utc.timezone.as_str(), utc.describe()),
            ("UTC", "month".into())
        );
        // Auckland's quarter began on 1 October, in daylight time too (+13 since 27 September)
        let q = slo_window("quarter", end, "--window", zone("Pacific/Auckland")).unwrap();
        assert_eq!(q.start, "2026-09-30T11:00:00Z");
        // 05:00 UTC on 1 December is still 30 November in Los Angeles; its month began at
        // midnight on 1 November in daylight time (-07:00), two hours before DST ended
        let la = zone("America/Los_Angeles");
        let end = t("2026-12-01T05:00:00Z");
        let w = slo_window("month", end, "--window", la).unwrap();
        assert_eq!(w.start, "2026-11-01T07:00:00Z");
        assert_eq!(
            slo_window("month", end, "--window", Tz::UTC).unwrap().start,
            "2026-12-01T00:00:00Z"
        );
        // December in LA begins in standard time (-08:00)
        let w = slo_window("month", t("2026-12-15T00:00:00Z"), "--window", la).unwrap();
        assert_eq!(w.start, "2026-12-01T08:00:00Z");
        // a March month: before DST began on the 8th, so -08:00; the April one after, -07:00
        let w = slo_window("month", t("2026-03-31T12:00:00Z"), "--window", la).unwrap();
        assert_eq!(w.start, "2026-03-01T08:00:00Z");
        let w = slo_window("month", t("2026-04-02T12:00:00Z"), "--window", la).unwrap();
        assert_eq!(w.start, "2026-04-01T07:00:00Z");
        // a rolling length is the same in every zone
        assert_eq!(
            slo_window("28d", end, "--window", la).unwrap().since_us,
            end - 28 * 24 * H
        );
        // a start date is its midnight in the zone; in Santiago, DST began at midnight on
        // 6 September 2026 (00:00 -04 became 01:00 -03), so that day began at 01:00
        let s = slo_start("2026-11-16", t("2026-12-01T00:00:00Z"), la).unwrap();
        assert_eq!(s.start, "2026-11-16T08:00:00Z");
        assert_eq!(
            s.describe(),
            "since 2026-11-16T00:00:00-08:00 (America/Los_Angeles)"
        );
        let cl = zone("America/Santiago");
        let s = slo_start("2026-09-06", t("2026-12-01T00:00:00Z"), cl).unwrap();
        assert_eq!(s.start, "2026-09-06T04:00:00Z");
        let s = slo_start("2026-09-05", t("2026-12-01T00:00:00Z"), cl).unwrap();
        assert_eq!(s.start, "2026-09-05T04:00:00Z");
        // an RFC 3339 start says its own offset; the zone does not move it
        let s = slo_start("2026-11-16T00:00:00Z", t("2026-12-01T00:00:00Z"), cl).unwrap();
        assert_eq!(s.start, "2026-11-16T00:00:00Z");
        for bad in ["Mars/Olympus", "pacific/auckland", "", "+13:00"] {
            let err = parse_timezone(bad, "config [slo] timezone").unwrap_err();
            assert!(
                err.0.contains(&format!("config [slo] timezone {bad:?}")) && err.0.contains("IANA"),
                "{err}"
            );
        }
    }

    #[test]
    fn window_from_flags() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let w = Window::parse(Some("24h"), None, now).unwrap();
        assert_eq!(w.since_us, Some(now.timestamp_micros() - 24 * H));
        assert_eq!(w.until_us, None);
        let w = Window::parse(
            Some("2026-11-20T00:00:00Z"),
            Some("2026-11-20T02:00:00+01:00"),
            now,
        )
        .unwrap();
        assert_eq!(w.until_us.unwrap() - w.since_us.unwrap(), H);
        // an empty window is rejected
        assert!(Window::parse(
            Some("2026-11-20T00:00:00Z"),
            Some("2026-11-20T00:00:00Z"),
            now
        )
        .is_err());
        let err = Window::parse(Some("yesterday"), None, now).unwrap_err();
        assert!(err.0.contains("--since \"yesterday\""), "{err}");
        let w = Window::parse(Some("2026-11-20T00:00:00Z"), Some("1d"), now).unwrap();
        assert!(w.contains(w.since_us.unwrap()));
        assert!(!w.contains(w.until_us.unwrap()));
    }
}
