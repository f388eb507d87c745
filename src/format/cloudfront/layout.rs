//! Where CloudFront writes its logs: `<prefix>/<distribution-id>.YYYY-MM-DD-HH.<unique>.gz`
//! (the hour in which the requests happened, UTC; a file may arrive up to 24 hours late, and
//! is still named by that hour), and standard logging v2's folders under
//! `AWSLogs/<account>/CloudFront/`.

use chrono::NaiveDateTime;

const HOUR_US: i64 = 3_600_000_000;

/// The hour a CloudFront file name says its requests fall in, as µs since the epoch:
/// `EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz` → 2019-11-14T20:00:00Z.
pub fn file_hour_us(name: &str) -> Option<i64> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut parts = base.split('.');
    let dist = parts.next()?;
    let hour = parts.next()?;
    let unique = parts.next()?;
    let valid_id = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric());
    if !valid_id(dist) || unique.is_empty() || hour.len() != 13 || hour.as_bytes()[10] != b'-' {
        return None;
    }
    NaiveDateTime::parse_from_str(
        &format!("{} {}:00", &hour[..10], &hour[11..]),
        "%Y-%m-%d %H:%M",
    )
    .ok()
    .map(|t| t.and_utc().timestamp_micros())
}

/// The times a CloudFront file's requests can have, from the hour in its name.
pub fn file_time_range(name: &str) -> Option<(i64, i64)> {
    let hour = file_hour_us(name)?;
    Some((hour, hour + HOUR_US - 1))
}

/// Whether a CloudFront file's hour meets the window `[since, until)` (both ends given).
pub fn hour_in_window(name: &str, since_us: i64, until_us: i64) -> Option<bool> {
    let hour = file_hour_us(name)?;
    Some(hour + HOUR_US > since_us && hour < until_us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::format_us;

    #[test]
    fn the_hour_in_a_name() {
        let h =
            file_hour_us("example-prefix/EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz").unwrap();
        assert_eq!(format_us(h), "2019-11-14T20:00:00Z");
        assert_eq!(
            file_hour_us("E2HOSP0EXAMPLE.2026-11-20-09.a1b2c3d4.gz")
                .map(format_us)
                .as_deref(),
            Some("2026-11-20T09:00:00Z")
        );
        for not in [
            "x_elasticloadbalancing_r_app.lb.1_20261120T0005Z_10.0.0.1_aa.log.gz",
            "EMLARXS9EXAMPLE.2019-11-14-25.RT4KCN4SGK9.gz",
            "EMLARXS9EXAMPLE.2019-11-14.RT4KCN4SGK9.gz",
            "truth.json",
            "E1.2019-11-14-20",
        ] {
            assert_eq!(file_hour_us(not), None, "{not}");
        }
        let (lo, hi) = file_time_range("E1.2026-11-20-09.x.gz").unwrap();
        assert_eq!(format_us(lo), "2026-11-20T09:00:00Z");
        assert_eq!(hi - lo, HOUR_US - 1);
        let t = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_micros()
        };
        let at = |since, until| hour_in_window("E1.2026-11-20-09.x.gz", t(since), t(until));
        assert_eq!(
            at("2026-11-20T09:59:59Z", "2026-11-20T12:00:00Z"),
            Some(true)
        );
        assert_eq!(
            at("2026-11-20T10:00:00Z", "2026-11-20T12:00:00Z"),
            Some(false)
        );
        assert_eq!(
            at("2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z"),
            Some(false)
        );
        assert_eq!(
            at("2026-11-20T08:00:00Z", "2026-11-20T09:00:01Z"),
            Some(true)
        );
    }
}

/// Where a log layout's S3 objects are: ALB's `…/AWSLogs/<account>/elasticloadbalancing/…`
/// or CloudFront's (a prefix of `<distribution>.YYYY-MM-DD-HH.<unique>.gz` objects, or v2's
/// `…/AWSLogs/<account>/CloudFront/…` folders), told from a prefix's text when it says.
pub fn says_cloudfront(prefix: &str) -> Option<bool> {
    if prefix.contains("/elasticloadbalancing") || prefix.starts_with("elasticloadbalancing") {
        Some(false)
    } else if prefix.contains("/CloudFront") || prefix.starts_with("CloudFront") {
        Some(true)
    } else {
        None
    }
}

/// The time a folder of a date-partitioned path stands for, given the date parts above it:
/// a year (`2026`), then month, day and hour (`11`, `20`, `09`), or Hive-style
/// (`year=2026`, `month=11`, …). Returns the parts with this one added, or None when the
/// folder is not the next date part.
pub fn date_part(folder: &str, above: &[u32]) -> Option<Vec<u32>> {
    let name = folder.trim_end_matches('/');
    let name = name.rsplit('/').next().unwrap_or(name);
    let value = name.split_once('=').map_or(name, |(_, v)| v);
    let width = if above.is_empty() { 4 } else { 2 };
    if value.len() != width || !value.bytes().all(|c| c.is_ascii_digit()) || above.len() >= 4 {
        return None;
    }
    let v: u32 = value.parse().ok()?;
    let ok = match above.len() {
        0 => (1970..=2200).contains(&v),
        1 => (1..=12).contains(&v),
        2 => (1..=31).contains(&v),
        _ => v <= 23,
    };
    ok.then(|| [above, &[v]].concat())
}

/// The span `[start, end)` (µs) of a partial date: a year, a month, a day or an hour.
pub fn date_span(parts: &[u32]) -> Option<(i64, i64)> {
    use chrono::{Datelike, NaiveDate};
    let (y, m, d, h) = (
        *parts.first()? as i32,
        parts.get(1).copied().unwrap_or(1),
        parts.get(2).copied().unwrap_or(1),
        parts.get(3).copied().unwrap_or(0),
    );
    let start = NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(h, 0, 0)?;
    let end = match parts.len() {
        1 => NaiveDate::from_ymd_opt(y + 1, 1, 1)?.and_hms_opt(0, 0, 0)?,
        2 => {
            let next = start.date().with_day(28)? + chrono::Days::new(4);
            NaiveDate::from_ymd_opt(next.year(), next.month(), 1)?.and_hms_opt(0, 0, 0)?
        }
        3 => start + chrono::Duration::days(1),
        _ => start + chrono::Duration::hours(1),
    };
    Some((
        start.and_utc().timestamp_micros(),
        end.and_utc().timestamp_micros(),
    ))
}

#[cfg(test)]
mod folder_tests {
    use super::*;
    use crate::window::format_us;

    #[test]
    fn date_folders_bound_time() {
        let y = date_part("AWSLogs/1/CloudFront/E2/2026/", &[]).unwrap();
        let m = date_part("2026/11/", &y).unwrap();
        let d = date_part("day=20", &m).unwrap();
        let h = date_part("09/", &d).unwrap();
        assert_eq!(h, [2026, 11, 20, 9]);
        let span = |p: &[u32]| date_span(p).map(|(a, b)| (format_us(a), format_us(b)));
        assert_eq!(
            span(&h),
            Some(("2026-11-20T09:00:00Z".into(), "2026-11-20T10:00:00Z".into()))
        );
        assert_eq!(
            span(&m),
            Some(("2026-11-01T00:00:00Z".into(), "2026-12-01T00:00:00Z".into()))
        );
        assert_eq!(span(&[2026, 12]).unwrap().1, "2027-01-01T00:00:00Z");
        assert_eq!(span(&[2026]).unwrap().1, "2027-01-01T00:00:00Z");
        // not date parts: ids, names, a month before a year, an hour 24
        assert_eq!(date_part("E2HOSP0EXAMPLE/", &[]), None);
        assert_eq!(date_part("123456789012/", &[]), None);
        assert_eq!(date_part("11/", &[]), None);
        assert_eq!(date_part("24/", &[2026, 11, 20]), None);
        assert_eq!(says_cloudfront("logs/AWSLogs/1/CloudFront/"), Some(true));
        assert_eq!(
            says_cloudfront("x/AWSLogs/1/elasticloadbalancing/eu-west-1"),
            Some(false)
        );
        assert_eq!(says_cloudfront("cf-logs/"), None);
    }
}
