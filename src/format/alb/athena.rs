//! The ALB access-log table in Athena: AWS's RegexSerDe DDL (queries/alb_access_logs.sql, with
//! partition projection over the delivery days) and the SQL that gives each role the native
//! parser derives (path, target group, latency, …) from its columns.

use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::format::athena::{bounds, delivery_partitions, TableSql, WindowSql};
use crate::format::{FormatId, Role};
use crate::sql::{identifier, lit_str, Fragment};
use crate::window::Window;

pub const DDL: &str = include_str!("../../../queries/alb_access_logs.sql");

/// The table `athena setup` creates and `--engine athena` reads by default.
pub const TABLE: &str = "alb_access_logs";

/// The request path, as `split_url` cuts it: after `scheme://authority` up to `?`; a relative
/// URL up to `?`; `/` when there is none; NULL when the request has no URL.
const PATH: &str = "(CASE WHEN request_url IS NULL OR request_url IN ('', '-') THEN NULL \
     WHEN regexp_like(request_url, '^[A-Za-z0-9+.-]+://') \
     THEN (CASE WHEN regexp_like(request_url, '^[A-Za-z0-9+.-]+://[^/?]*/') \
     THEN regexp_extract(request_url, '^[A-Za-z0-9+.-]+://[^/?]*(/[^?]*)', 1) ELSE '/' END) \
     WHEN split_part(request_url, '?', 1) IN ('', '-') THEN '/' \
     ELSE split_part(request_url, '?', 1) END)";

/// ALB's own time format: fixed width, so text order is time order.
fn alb_time(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default()
}

/// The roles over the table's columns (the local engine's `AlbRecord` roles).
fn roles() -> Vec<(Role, Fragment)> {
    let one = |c: &str| format!("(CASE WHEN {c} >= 0 THEN {c} * 1000 END)");
    [
        (Role::Time, "time".to_string()),
        (Role::ClientIp, "client_ip".into()),
        (Role::UserAgent, "NULLIF(user_agent, '-')".into()),
        (Role::Method, "NULLIF(request_verb, '-')".into()),
        (Role::Url, "NULLIF(NULLIF(request_url, '-'), '')".into()),
        (Role::Path, PATH.into()),
        (Role::Status, "elb_status_code".into()),
        (
            Role::UpstreamStatus,
            "try_cast(NULLIF(target_status_code, '-') AS integer)".into(),
        ),
        (Role::Generated, "(NULLIF(target_status_code, '-') IS NULL)".into()),
        (
            Role::Backend,
            "(CASE WHEN strpos(target_group_arn, ':targetgroup/') > 0 \
             THEN split_part(split_part(target_group_arn, ':targetgroup/', 2), '/', 1) END)"
                .into(),
        ),
        (
            Role::Target,
            "(CASE WHEN target_ip <> '' AND target_port IS NOT NULL \
             THEN target_ip || ':' || CAST(target_port AS varchar) END)"
                .into(),
        ),
        (
            Role::LatencyMs,
            "(CASE WHEN request_processing_time >= 0 AND target_processing_time >= 0 \
             AND response_processing_time >= 0 THEN (request_processing_time + target_processing_time \
             + response_processing_time) * 1000 END)"
                .into(),
        ),
        (Role::RequestMs, one("request_processing_time")),
        (Role::UpstreamMs, one("target_processing_time")),
        (Role::ResponseMs, one("response_processing_time")),
        (Role::BytesIn, "received_bytes".into()),
        (Role::BytesOut, "sent_bytes".into()),
        (Role::RequestType, "type".into()),
        (Role::TlsProtocol, "NULLIF(ssl_protocol, '-')".into()),
        (Role::TlsCipher, "NULLIF(ssl_cipher, '-')".into()),
        (Role::TraceId, "NULLIF(trace_id, '-')".into()),
        (Role::ErrorReason, "NULLIF(lambda_error_reason, '-')".into()),
        (
            Role::Actions,
            "NULLIF(NULLIF(actions_executed, '-'), '')".into(),
        ),
        (Role::Classification, "NULLIF(classification, '-')".into()),
    ]
    .into_iter()
    .map(|(r, sql)| (r, Fragment::fixed(sql)))
    .collect()
}

/// The table as the analyses' SQL reads it: the roles, a line the regex did not match (a row
/// of NULLs), and the window as its delivery days (plus the day after) and `time >= … AND
/// time < …` on ALB's fixed-width ISO text.
pub fn table_sql(window: &Window) -> Result<TableSql, UsageError> {
    let (since, until) = bounds(window)?;
    let (partitions, days) = delivery_partitions(since, until)?;
    let mut in_window = Fragment::fixed("time >= ? AND time < ?");
    in_window.params = vec![lit_str(&alb_time(since))?, lit_str(&alb_time(until))?];
    Ok(TableSql {
        format: FormatId::Alb,
        roles: roles(),
        unparsed: Fragment::fixed("(type IS NULL)"),
        cause: None,
        window: WindowSql {
            partitions,
            in_window,
            scan: days,
        },
    })
}

/// The table's DDL for `athena setup`: names and location checked, then written in (DDL
/// takes no parameters in Athena).
pub fn ddl(
    database: &str,
    table: &str,
    location: &str,
    range_start: &str,
) -> Result<String, UsageError> {
    let location = checked_location(location, range_start)?;
    // the file's header comments are for its readers: the statement starts at CREATE, so
    // nothing depends on how Athena treats comments ahead of DDL
    let statement = &DDL[DDL.find("CREATE").unwrap_or(0)..];
    Ok(statement
        .replace("{{database}}", &identifier(database)?)
        .replace("{{table}}", &identifier(table)?)
        .replace("{{location}}", location)
        .replace("{{range_start}}", range_start))
}

/// A table's location and first partition day, checked before they are written into DDL: an
/// s3:// folder ending in '/' of safe characters, and a yyyy/MM/dd day.
pub fn checked_location<'l>(location: &'l str, range_start: &str) -> Result<&'l str, UsageError> {
    let ok_location = location.starts_with("s3://")
        && location.ends_with('/')
        && location.len() > 6
        && location[5..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_./!*()=".contains(&c));
    if !ok_location {
        return Err(UsageError(format!(
            "{location:?}: the table location must be an s3://bucket/prefix/ folder ending in '/' \
             (letters, digits and - _ . / ! * ( ) =)"
        )));
    }
    let ok_start = chrono::NaiveDate::parse_from_str(range_start, "%Y/%m/%d").is_ok();
    if !ok_start {
        return Err(UsageError(format!(
            "{range_start:?}: the first partition day is yyyy/MM/dd"
        )));
    }
    Ok(location)
}

pub fn create_database(database: &str) -> Result<String, UsageError> {
    Ok(format!(
        "CREATE DATABASE IF NOT EXISTS {}",
        identifier(database)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_checks_its_values() {
        let d = ddl(
            "hosp",
            "alb_access_logs",
            "s3://logs/AWSLogs/1/elasticloadbalancing/eu-west-1/",
            "2026/01/01",
        )
        .unwrap();
        assert!(d.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS hosp.alb_access_logs"));
        assert!(d.contains("'storage.location.template' = 's3://logs/AWSLogs/1/elasticloadbalancing/eu-west-1/${day}'"));
        assert!(!d.contains("{{"));
        assert!(ddl("hosp", "t", "s3://x/' ) DROP", "2026/01/01").is_err());
        assert!(ddl("hosp", "t", "s3://x/no-slash", "2026/01/01").is_err());
        assert!(ddl("hosp", "t", "s3://x/", "2026-01-01").is_err());
    }
}
