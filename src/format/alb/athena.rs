//! The ALB access-log table in Athena: AWS's RegexSerDe DDL (queries/alb_access_logs.sql, with
//! partition projection over the delivery days) and the SQL that computes the roles the
//! native parser derives (endpoint, target group, latency) from its columns.

use std::fmt::Write as _;

use crate::error::UsageError;
use crate::format::{Role, Routes};
use crate::sql::{identifier, lit_str, Fragment};

pub const DDL: &str = include_str!("../../../queries/alb_access_logs.sql");

/// The request path, as `split_url` cuts it: after `scheme://authority` up to `?`; a relative
/// URL up to `?`; `/` when there is none.
const PATH: &str = "(CASE WHEN regexp_like(request_url, '^[A-Za-z0-9+.-]+://') \
     THEN (CASE WHEN regexp_like(request_url, '^[A-Za-z0-9+.-]+://[^/?]*/') \
     THEN regexp_extract(request_url, '^[A-Za-z0-9+.-]+://[^/?]*(/[^?]*)', 1) ELSE '/' END) \
     WHEN split_part(request_url, '?', 1) IN ('', '-') THEN '/' \
     ELSE split_part(request_url, '?', 1) END)";

/// `Routes::endpoint`'s default rule for one segment: all digits, a UUID, 16+ hex characters,
/// or 16+ letters and digits with a digit.
const IS_ID: &str = "(regexp_like(s, '^[0-9]+$') \
     OR regexp_like(s, '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') \
     OR (length(s) >= 16 AND regexp_like(s, '^[0-9A-Za-z]+$') AND regexp_like(s, '^[0-9A-Fa-f]+$|[0-9]')))";

/// The endpoint of a request: the first `[routes]` template whose pattern matches, else the
/// path with id-like segments as `{id}`; NULL when the request has no URL.
pub fn endpoint_sql(routes: &Routes) -> Result<Fragment, UsageError> {
    let mut f =
        Fragment::fixed("(CASE WHEN request_url IS NULL OR request_url IN ('', '-') THEN NULL");
    for (pattern, name) in routes.patterns() {
        f.push(&format!(" WHEN regexp_like({PATH}, "), []);
        f.push_literal(&lit_str(&pattern)?);
        f.push(") THEN ", []);
        f.push_literal(&lit_str(&name)?);
    }
    let mut tail = String::new();
    let _ = write!(
        tail,
        " ELSE array_join(transform(split({PATH}, '/'), s -> CASE WHEN {IS_ID} THEN '{{id}}' ELSE s END), '/') END)"
    );
    f.push(&tail, []);
    Ok(f)
}

/// The target group's name from its ARN (`…:targetgroup/NAME/id`), as the local engine keeps it.
pub fn target_group_sql() -> Fragment {
    Fragment::fixed(
        "(CASE WHEN strpos(target_group_arn, ':targetgroup/') > 0 \
         THEN split_part(split_part(target_group_arn, ':targetgroup/', 2), '/', 1) END)",
    )
}

/// A latency role in ms, NULL when ALB wrote -1 (as `AlbRecord::latency_ms`); None for a role
/// that is not a latency.
pub fn latency_sql(role: Role) -> Option<Fragment> {
    let one = |c: &str| format!("(CASE WHEN {c} >= 0 THEN {c} * 1000 END)");
    Some(Fragment::fixed(match role {
        Role::LatencyMs => "(CASE WHEN request_processing_time >= 0 AND target_processing_time >= 0 \
             AND response_processing_time >= 0 THEN (request_processing_time + target_processing_time \
             + response_processing_time) * 1000 END)"
            .to_string(),
        Role::RequestMs => one("request_processing_time"),
        Role::UpstreamMs => one("target_processing_time"),
        Role::ResponseMs => one("response_processing_time"),
        _ => return None,
    }))
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
