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
