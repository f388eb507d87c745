//! The CloudFront table in Athena: AWS's documented DDL for standard logs
//! (queries/cloudfront_standard_logs.sql), flat for the legacy layout, or with partition
//! projection over the `yyyy/MM/dd` folders of standard logging v2; and the SQL that gives
//! each role the native parser derives from its fields.

use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::format::alb::athena::checked_location;
use crate::format::athena::{bounds, decoded_once, delivery_partitions, TableSql, WindowSql};
use crate::format::{FormatId, Role};
use crate::sql::{identifier, lit_str, Fragment};
use crate::window::Window;

pub const DDL: &str = include_str!("../../../queries/cloudfront_standard_logs.sql");

/// The table `athena setup --log-format cloudfront` creates by default.
pub const TABLE: &str = "cloudfront_standard_logs";

/// Whether a location is standard logging v2's partitioned folders
/// (`…/AWSLogs/<account>/CloudFront/<distribution>/`), which the table reads by day.
pub fn is_v2(location: &str) -> bool {
    location.contains("/CloudFront/")
}

/// `x-edge-result-type`, and the detailed type (else the result type: logs before 2019-12).
const RESULT: &str = "NULLIF(x_edge_result_type, '-')";
const DETAIL: &str =
    "COALESCE(NULLIF(x_edge_detailed_result_type, '-'), NULLIF(x_edge_result_type, '-'))";

/// The request's time as ISO text (`2026-11-20T10:00:00`): `date` + `time`, UTC.
const TIME: &str = "(CAST(\"date\" AS varchar) || 'T' || time)";

/// Seconds with millisecond precision in ms, exactly: the table's FLOAT holds 0.063 as
/// 0.0630000010…, so the product is rounded to the millisecond the log wrote.
fn ms(column: &str) -> String {
    format!("round(CAST({column} AS double) * 1000)")
}

/// The roles over the table's columns, as `CloudFront::request` fills them: `-` is NULL
/// (the table keeps it as text), `000` (read as 0) is no status, the stem and the user
/// agent are percent-decoded once.
fn roles() -> Vec<(Role, Fragment)> {
    let text = |c: &str| format!("NULLIF({c}, '-')");
    [
        (Role::Time, TIME.to_string()),
        (Role::ClientIp, text("c_ip")),
        (Role::UserAgent, decoded_once(&text("cs_user_agent"))),
        (Role::Method, text("cs_method")),
        (Role::Path, decoded_once(&text("cs_uri_stem"))),
        (Role::Status, "NULLIF(sc_status, 0)".into()),
        (
            Role::Generated,
            format!(
                "COALESCE({DETAIL} NOT IN ('Miss', 'RefreshHit', 'Error', 'ClientCommError', \
                 'ClientHungUpRequest'), FALSE)"
            ),
        ),
        (Role::Backend, text("x_host_header")),
        (Role::LatencyMs, ms("time_taken")),
        (Role::BytesIn, "cs_bytes".into()),
        (Role::BytesOut, "sc_bytes".into()),
        (Role::RequestType, text("cs_protocol")),
        (Role::TlsProtocol, text("ssl_protocol")),
        (Role::TlsCipher, text("ssl_cipher")),
        (Role::TraceId, text("x_edge_request_id")),
        (
            Role::ErrorReason,
            format!(
                "(CASE WHEN {RESULT} IN ('Error', 'LimitExceeded', 'CapacityExceeded') \
                 THEN {DETAIL} END)"
            ),
        ),
        (Role::Actions, RESULT.into()),
        (Role::EdgeResult, RESULT.into()),
        (Role::EdgeDetail, DETAIL.into()),
        (Role::EdgeLocation, text("x_edge_location")),
        (Role::FirstByteMs, ms("time_to_first_byte")),
    ]
    .into_iter()
    .map(|(r, sql)| (r, Fragment::fixed(sql)))
    .collect()
}

/// The table as the analyses' SQL reads it. The window is a WHERE on `date` and on `date` +
/// `time` as text (bounds rounded up to the second: the log's times are whole seconds); with
/// v2's partitions (`partitioned`) also `day IN (…)` over the delivery days and the day after
/// the end (v2 files by delivery time). Without them the query reads the whole prefix.
pub fn table_sql(window: &Window, partitioned: bool) -> Result<TableSql, UsageError> {
    let (since, until) = bounds(window)?;
    let (since_s, until_s) = (ceil_sec(since), ceil_sec(until));
    let text = |s: i64, f: &str| {
        DateTime::<Utc>::from_timestamp(s, 0)
            .map(|t| t.format(f).to_string())
            .ok_or_else(|| UsageError("the window is out of range".into()))
    };
    let mut in_window = Fragment::fixed(format!(
        "\"date\" >= CAST(? AS date) AND \"date\" <= CAST(? AS date) AND {TIME} >= ? AND {TIME} < ?"
    ));
    in_window.params = vec![
        lit_str(&text(since_s, "%Y-%m-%d")?)?,
        lit_str(&text(until_s - 1, "%Y-%m-%d")?)?,
        lit_str(&text(since_s, "%Y-%m-%dT%H:%M:%S")?)?,
        lit_str(&text(until_s, "%Y-%m-%dT%H:%M:%S")?)?,
    ];
    let (partitions, scan) = if partitioned {
        delivery_partitions(since, until)?
    } else {
        (Fragment::fixed("TRUE"), vec![String::new()])
    };
    Ok(TableSql {
        format: FormatId::CloudFront,
        roles: roles(),
        unparsed: Fragment::fixed("(\"date\" IS NULL OR time IS NULL)"),
        cause: None,
        window: WindowSql {
            partitions,
            in_window,
            scan,
        },
    })
}

/// µs → epoch seconds, rounded up: a request at whole second `s` is in `[since, until)`
/// exactly when `s` is in `[ceil(since), ceil(until))`.
fn ceil_sec(us: i64) -> i64 {
    us.div_euclid(1_000_000) + i64::from(us.rem_euclid(1_000_000) != 0)
}

/// The DDL for a location: v2's partitioned folders (`…/CloudFront/…`, read by day from
/// `range_start`), else the legacy flat prefix. Names and location checked, then written in
/// (DDL takes no parameters in Athena).
pub fn ddl(
    database: &str,
    table: &str,
    location: &str,
    range_start: &str,
) -> Result<String, UsageError> {
    let location = checked_location(location, range_start)?;
    let v2 = is_v2(location);
    let (partitioned_by, projection) = if v2 {
        (
            "PARTITIONED BY (day STRING)\n".to_string(),
            format!(
                ",\n    'projection.enabled' = 'true',\n    'projection.day.type' = 'date',\n    \
                 'projection.day.range' = '{range_start},NOW',\n    'projection.day.format' = 'yyyy/MM/dd',\n    \
                 'projection.day.interval' = '1',\n    'projection.day.interval.unit' = 'DAYS',\n    \
                 'storage.location.template' = '{location}${{day}}'"
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let statement = &DDL[DDL.find("CREATE").unwrap_or(0)..];
    Ok(statement
        .replace("{{database}}", &identifier(database)?)
        .replace("{{table}}", &identifier(table)?)
        .replace("{{partitioned_by}}", &partitioned_by)
        .replace("{{projection}}", &projection)
        .replace("{{location}}", location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_v2_tables() {
        let legacy = ddl("hosp", TABLE, "s3://logs/cf/", "2026/01/01").unwrap();
        assert!(
            legacy.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS hosp.cloudfront_standard_logs")
        );
        assert!(legacy.contains("ROW FORMAT DELIMITED\nFIELDS TERMINATED BY '\\t'"));
        assert!(legacy.contains("'skip.header.line.count' = '2'\n)"));
        assert!(!legacy.contains("PARTITIONED") && !legacy.contains("{{"));
        let v2 = ddl(
            "hosp",
            TABLE,
            "s3://logs/AWSLogs/1/CloudFront/E2HOSP0EXAMPLE/",
            "2026/01/01",
        )
        .unwrap();
        assert!(v2.contains("PARTITIONED BY (day STRING)\nROW FORMAT"));
        assert!(v2.contains(
            "'storage.location.template' = 's3://logs/AWSLogs/1/CloudFront/E2HOSP0EXAMPLE/${day}'"
        ));
        assert!(!v2.contains("{{"));
        assert!(ddl("hosp", TABLE, "s3://x/' ) DROP", "2026/01/01").is_err());
        assert!(ddl("hosp", "t;", "s3://x/", "2026/01/01").is_err());
    }

    #[test]
    fn the_window_is_a_where_on_date_and_time_or_v2_partitions() {
        let us = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .unwrap()
                .timestamp_micros()
        };
        let w = Window {
            since_us: Some(us("2026-11-20T22:00:00.5Z")),
            until_us: Some(us("2026-11-21T00:00:00Z")),
        };
        let legacy = table_sql(&w, false).unwrap().window;
        assert_eq!(legacy.partitions.sql, "TRUE");
        assert_eq!(legacy.scan, [""]);
        // a request at 22:00:00 is before since (22:00:00.5); the last day is the 20th
        assert_eq!(
            legacy.in_window.params,
            [
                "'2026-11-20'",
                "'2026-11-20'",
                "'2026-11-20T22:00:01'",
                "'2026-11-21T00:00:00'"
            ]
        );
        let v2 = table_sql(&w, true).unwrap().window;
        assert_eq!(v2.partitions.sql, "day IN (?, ?)");
        assert_eq!(v2.scan, ["2026/11/20", "2026/11/21"]);
        assert_eq!(v2.in_window, legacy.in_window);
        assert!(is_v2("s3://logs/AWSLogs/1/CloudFront/E2HOSP0EXAMPLE/"));
        assert!(!is_v2("s3://logs/cf/"));
    }
}
