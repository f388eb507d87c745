//! Where ALB writes its logs: file names (the end of each 5-minute interval is in the name)
//! and the S3 key layout `…/AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/`.

use chrono::NaiveDateTime;

/// Entries can be logged a little after their file's interval: one interval of slack each side.
const SLACK_US: i64 = 10 * 60 * 1_000_000;

/// Why a file or object met while listing is not an ALB access log (None: read it).
/// Connection logs, NLB logs and AWS's test file share the same folders.
pub fn not_an_access_log(name: &str) -> Option<&'static str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base == "ELBAccessLogTestFile" {
        Some("AWS's logging test file")
    } else if base.starts_with("conn_log") {
        Some("ALB connection log")
    } else if base.contains("_net.") {
        Some("NLB log")
    } else {
        None
    }
}

/// Whether an S3 key's file name is an ALB access log ALB delivered (`…_app.<lb>_…`).
pub fn is_delivered_access_log(name: &str) -> bool {
    name.contains("_app.") && not_an_access_log(name).is_none()
}

/// The times an ALB file's requests can have, from the end time in its name: the 5-minute
/// interval before it, with slack (µs since the epoch). None for names without an ALB end time
/// (they are never pruned).
pub fn file_time_range(name: &str) -> Option<(i64, i64)> {
    let end = file_end_time_us(name)?;
    Some((end - SLACK_US, end + SLACK_US))
}

/// The end time ALB writes in its file names (`…_20261120T1405Z_…`), as µs since the epoch.
/// A file whose interval ends at E holds requests from about E-5m to E.
pub fn file_end_time_us(name: &str) -> Option<i64> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.split('_').find_map(|part| {
        if part.len() == 14 && part.as_bytes()[8] == b'T' && part.ends_with('Z') {
            NaiveDateTime::parse_from_str(&part[..13], "%Y%m%dT%H%M")
                .ok()
                .map(|t| t.and_utc().timestamp_micros())
        } else {
            None
        }
    })
}

/// The region folders (`…/AWSLogs/<account>/elasticloadbalancing/<region>/`) at or below
/// `prefix`; `list_folders` lists the folders directly under a prefix.
pub fn region_prefixes<E>(
    prefix: &str,
    mut list_folders: impl FnMut(&str) -> Result<Vec<String>, E>,
) -> Result<Vec<String>, E> {
    let (head, tail) = match prefix.find("AWSLogs") {
        Some(i) => (
            &prefix[..i],
            prefix[i + "AWSLogs".len()..].trim_matches('/'),
        ),
        None => (prefix, ""),
    };
    let head = if head.is_empty() || head.ends_with('/') {
        head.to_string()
    } else {
        format!("{head}/")
    };
    let given: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    // levels under AWSLogs/: account, "elasticloadbalancing", region
    let mut bases = vec![format!("{head}AWSLogs/")];
    for level in 0..3 {
        let mut next = Vec::new();
        for b in &bases {
            match (level, given.get(level)) {
                (_, Some(seg)) => next.push(format!("{b}{seg}/")),
                (1, None) => next.push(format!("{b}elasticloadbalancing/")),
                (_, None) => next.extend(list_folders(b)?),
            }
        }
        bases = next;
    }
    Ok(bases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_time_from_alb_name() {
        let name = "AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/20/\
                    123456789012_elasticloadbalancing_eu-west-1_app.hosp-alb.5e4f3a2b1c0d9e8f_20261120T1405Z_10.0.0.5_abcd1234.log.gz";
        let t = file_end_time_us(name).unwrap();
        assert_eq!(crate::window::format_us(t), "2026-11-20T14:05:00Z");
        assert_eq!(file_end_time_us("access.log"), None);
        assert_eq!(file_end_time_us("x_2026112XT1405Z_y"), None);
        let (lo, hi) = file_time_range(name).unwrap();
        assert_eq!(crate::window::format_us(lo), "2026-11-20T13:55:00Z");
        assert_eq!(crate::window::format_us(hi), "2026-11-20T14:15:00Z");
    }

    #[test]
    fn region_folders_are_listed_only_where_not_given() {
        let mut asked = Vec::new();
        let got = region_prefixes::<()>("logs/AWSLogs/123456789012", |p| {
            asked.push(p.to_string());
            Ok(vec![format!("{p}eu-west-1/"), format!("{p}us-east-1/")])
        })
        .unwrap();
        assert_eq!(asked, ["logs/AWSLogs/123456789012/elasticloadbalancing/"]);
        assert_eq!(
            got,
            [
                "logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/",
                "logs/AWSLogs/123456789012/elasticloadbalancing/us-east-1/"
            ]
        );
    }
}
