//! The analyses as Athena SQL: the templates in queries/, filled with fixed SQL fragments. Values
//! in WHERE clauses (the window's days and bounds) go as ExecutionParameters; Athena takes `?`
//! only there, so values elsewhere (exclusion patterns, route templates, bucket size,
//! thresholds) are written as validated literals: strings quoted with `'` doubled and control
//! characters refused, numbers formatted here. No text from the command line, the config or the
//! logs reaches the SQL any other way.

pub mod reports;

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::metrics::filter::ClientFilter;
use crate::metrics::latency::LatencyField;
use crate::parse::Routes;
use crate::source::athena::Query;
use crate::window::{delivery_days, Window};

pub const DDL: &str = include_str!("../../queries/alb_access_logs.sql");
pub const SLO: &str = include_str!("../../queries/slo.sql");
pub const ERRORS: &str = include_str!("../../queries/errors.sql");
pub const LATENCY: &str = include_str!("../../queries/latency.sql");
pub const BACKENDS: &str = include_str!("../../queries/backends.sql");
pub const TRAFFIC: &str = include_str!("../../queries/traffic.sql");

/// The most delivery days one query may name (a year and a bit).
const MAX_DAYS: u64 = 400;

/// A piece of SQL written by this module, and the literals for its `?` markers in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    sql: String,
    params: Vec<String>,
}

impl Fragment {
    /// SQL text from this crate's own code: never pass outside text here.
    fn fixed(sql: impl Into<String>) -> Fragment {
        Fragment {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// A value as an ExecutionParameter: only where Athena accepts `?`, in a WHERE clause.
    fn param(literal: String) -> Fragment {
        Fragment {
            sql: "?".into(),
            params: vec![literal],
        }
    }

    /// A value written into the SQL as a literal made by `lit_str`, `lit_int` or `lit_double`.
    fn literal(literal: String) -> Fragment {
        Fragment::fixed(literal)
    }

    /// Appends a literal made by `lit_str`, `lit_int` or `lit_double`.
    fn push_literal(&mut self, literal: &str) {
        self.sql.push_str(literal);
    }

    fn push(&mut self, sql: &str, params: impl IntoIterator<Item = String>) {
        self.sql.push_str(sql);
        self.params.extend(params);
    }
}

/// A string as an SQL literal: quotes doubled; control characters refused.
pub fn lit_str(s: &str) -> Result<String, UsageError> {
    if s.chars().any(char::is_control) {
        return Err(UsageError(format!(
            "{:?}: control characters cannot go into an Athena query",
            s
        )));
    }
    Ok(format!("'{}'", s.replace('\'', "''")))
}

pub fn lit_int(i: i64) -> String {
    i.to_string()
}

/// A double literal (`1.5E3`): Trino reads `1500.0` as a DECIMAL, the exponent keeps it a double.
pub fn lit_double(f: f64) -> Result<String, UsageError> {
    if !f.is_finite() {
        return Err(UsageError(format!("{f}: not a finite number")));
    }
    Ok(format!("{f:E}"))
}

/// A database or table name: letters, digits and `_`, as Athena (Glue) names them.
pub fn identifier(name: &str) -> Result<String, UsageError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if !ok {
        return Err(UsageError(format!(
            "{name:?}: an Athena database or table name is letters, digits and '_'"
        )));
    }
    Ok(name.to_ascii_lowercase())
}

/// Fills `{{name}}` placeholders in order; the parameters follow the `?`s of the result.
pub fn render(template: &str, fill: &[(&str, &Fragment)]) -> Result<Query, UsageError> {
    let mut sql = String::with_capacity(template.len() * 2);
    let mut parameters = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        let name = &rest[open + 2..open + close];
        let frag = fill
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| UsageError(format!("query template: nothing for {{{{{name}}}}}")))?;
        sql.push_str(&rest[..open]);
        sql.push_str(&frag.sql);
        parameters.extend(frag.params.iter().cloned());
        rest = &rest[open + close + 2..];
    }
    sql.push_str(rest);
    debug_assert_eq!(count_markers(&sql), parameters.len());
    Ok(Query { sql, parameters })
}

/// `?` markers outside string literals and `--` comments.
fn count_markers(sql: &str) -> usize {
    let (mut n, mut in_str, mut in_comment) = (0, false, false);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            in_comment = c != '\n';
        } else if in_str {
            in_str = c != '\'';
        } else {
            match c {
                '\'' => in_str = true,
                '-' if chars.peek() == Some(&'-') => in_comment = true,
                '?' => n += 1,
                _ => {}
            }
        }
    }
    n
}

/// ALB's own time format: fixed width, so text order is time order.
fn alb_time(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default()
}

/// The window as partition and row predicates. Athena needs both ends: no scan without bounds.
pub struct WindowSql {
    pub partitions: Fragment,
    pub in_window: Fragment,
    pub days: Vec<String>,
}

pub fn window_sql(window: &Window) -> Result<WindowSql, UsageError> {
    let (Some(since), Some(until)) = (window.since_us, window.until_us) else {
        return Err(UsageError(
            "the Athena engine needs a bounded window (--since and --until)".into(),
        ));
    };
    if since >= until {
        return Err(UsageError("the window is empty (--since ≥ --until)".into()));
    }
    let days = delivery_days(since, until);
    if days.is_empty() {
        return Err(UsageError("the window is out of range".into()));
    }
    if days.len() as u64 > MAX_DAYS {
        return Err(UsageError(format!(
            "the window spans {} delivery days; the Athena engine takes at most {MAX_DAYS}",
            days.len()
        )));
    }
    let mut partitions = Fragment::fixed("day IN (");
    for (i, d) in days.iter().enumerate() {
        partitions.push(if i == 0 { "?" } else { ", ?" }, [lit_str(d)?]);
    }
    partitions.push(")", []);
    let mut in_window = Fragment::fixed("time >= ? AND time < ?");
    in_window.params = vec![lit_str(&alb_time(since))?, lit_str(&alb_time(until))?];
    Ok(WindowSql {
        partitions,
        in_window,
        days,
    })
}

/// `[exclude]` as a boolean over a row: user-agent globs as anchored, lowercase regexes,
/// IPv4 networks as ranges of the address as a number.
pub fn excluded_sql(filter: &ClientFilter) -> Result<Fragment, UsageError> {
    let mut f = Fragment::fixed("(");
    let mut first = true;
    let mut or = |f: &mut Fragment| {
        if !std::mem::take(&mut first) {
            f.push(" OR ", []);
        }
    };
    for g in &filter.user_agents {
        or(&mut f);
        f.push("regexp_like(lower(NULLIF(user_agent, '-')), ", []);
        f.push_literal(&lit_str(&g.to_regex())?);
        f.push(")", []);
    }
    for c in &filter.cidrs {
        let Some((lo, hi)) = c.ipv4_range() else {
            return Err(UsageError(format!(
                "[exclude] client_cidrs: {c}: the Athena engine handles IPv4 networks only"
            )));
        };
        or(&mut f);
        f.push(
            "(strpos(client_ip, ':') = 0 AND try_cast(split_part(client_ip, '.', 1) AS bigint) * 16777216 \
             + try_cast(split_part(client_ip, '.', 2) AS bigint) * 65536 \
             + try_cast(split_part(client_ip, '.', 3) AS bigint) * 256 \
             + try_cast(split_part(client_ip, '.', 4) AS bigint) BETWEEN ",
            [],
        );
        f.push_literal(&lit_int(lo.into()));
        f.push(" AND ", []);
        f.push_literal(&lit_int(hi.into()));
        f.push(")", []);
    }
    if first {
        return Ok(Fragment::fixed("FALSE"));
    }
    f.push(")", []);
    Ok(f)
}

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

/// The latency in ms, NULL when ALB wrote -1 (as `AlbRecord::latency_ms`).
pub fn latency_sql(field: LatencyField) -> Fragment {
    let one = |c: &str| format!("(CASE WHEN {c} >= 0 THEN {c} * 1000 END)");
    Fragment::fixed(match field {
        LatencyField::Total => "(CASE WHEN request_processing_time >= 0 AND target_processing_time >= 0 \
             AND response_processing_time >= 0 THEN (request_processing_time + target_processing_time \
             + response_processing_time) * 1000 END)"
            .to_string(),
        LatencyField::Request => one("request_processing_time"),
        LatencyField::Target => one("target_processing_time"),
        LatencyField::Response => one("response_processing_time"),
    })
}

/// The start of the row's time bucket in epoch seconds (buckets aligned on the epoch). The
/// time is cut to the second as text first, so however an engine parses the microseconds
/// (Trino's timestamps hold milliseconds) no request moves across a bucket boundary; buckets
/// are whole minutes, so the cut is exact.
pub fn bucket_sql(bucket_us: i64) -> Fragment {
    let secs = lit_int(bucket_us / 1_000_000);
    let mut f = Fragment::fixed(
        "(CAST(floor(to_unixtime(from_iso8601_timestamp(substr(time, 1, 19) || 'Z')) / ",
    );
    f.push_literal(&secs);
    f.push(") AS bigint) * ", []);
    f.push_literal(&secs);
    f.push(")", []);
    f
}

/// What every analysis template needs, from the command's options.
pub struct Common {
    pub table: Fragment,
    pub window: WindowSql,
    pub excluded: Fragment,
    pub endpoint: Fragment,
    pub target_group: Fragment,
}

impl Common {
    pub fn new(
        table: &str,
        window: &Window,
        exclude: &ClientFilter,
        routes: &Routes,
    ) -> Result<Common, UsageError> {
        Ok(Common {
            table: Fragment::fixed(identifier(table)?),
            window: window_sql(window)?,
            excluded: excluded_sql(exclude)?,
            endpoint: endpoint_sql(routes)?,
            target_group: target_group_sql(),
        })
    }

    fn render(&self, template: &str, extra: &[(&str, &Fragment)]) -> Result<Query, UsageError> {
        let mut fill: Vec<(&str, &Fragment)> = vec![
            ("table", &self.table),
            ("partitions", &self.window.partitions),
            ("in_window", &self.window.in_window),
            ("excluded", &self.excluded),
            ("endpoint", &self.endpoint),
            ("target_group", &self.target_group),
        ];
        fill.extend_from_slice(extra);
        render(template, &fill)
    }

    /// Counts per minute, and per second in the minutes `split` names (`yyyy-MM-ddTHH:mm`):
    /// those holding a window boundary that is not a whole minute.
    pub fn slo(
        &self,
        latency_threshold_ms: Option<f64>,
        split: &[String],
    ) -> Result<Query, UsageError> {
        let mut t = Fragment::fixed("substr(time, 1, 16)");
        if !split.is_empty() {
            t = Fragment::fixed("(CASE WHEN substr(time, 1, 16) IN (");
            for (i, m) in split.iter().enumerate() {
                t.push(if i == 0 { "" } else { ", " }, []);
                t.push_literal(&lit_str(m)?);
            }
            t.push(
                ") THEN substr(time, 1, 19) ELSE substr(time, 1, 16) END)",
                [],
            );
        }
        let fast = match latency_threshold_ms {
            None => Fragment::fixed("TRUE"),
            Some(ms) => {
                let mut f = Fragment::fixed("ms IS NULL OR ms <= ");
                f.push_literal(&lit_double(ms)?);
                f
            }
        };
        self.render(
            SLO,
            &[
                ("second_or_minute", &t),
                ("latency_ms", &latency_sql(LatencyField::Total)),
                ("fast_enough", &fast),
            ],
        )
    }

    pub fn errors(&self, bucket_us: i64, slow_ms: f64) -> Result<Query, UsageError> {
        self.render(
            ERRORS,
            &[
                ("latency_ms", &latency_sql(LatencyField::Total)),
                ("bucket", &bucket_sql(bucket_us)),
                ("slow_ms", &Fragment::literal(lit_double(slow_ms)?)),
            ],
        )
    }

    pub fn latency(&self, field: LatencyField, bucket_us: i64) -> Result<Query, UsageError> {
        self.render(
            LATENCY,
            &[
                ("latency_ms", &latency_sql(field)),
                ("bucket", &bucket_sql(bucket_us)),
            ],
        )
    }

    pub fn backends(&self, bucket_us: i64) -> Result<Query, UsageError> {
        self.render(
            BACKENDS,
            &[
                ("latency_ms", &latency_sql(LatencyField::Total)),
                ("bucket", &bucket_sql(bucket_us)),
            ],
        )
    }

    pub fn traffic(&self, bucket_us: i64, top: usize) -> Result<Query, UsageError> {
        let mut ranked = Fragment::fixed("");
        for (i, set) in reports::traffic_ranked_sets().iter().enumerate() {
            ranked.push(if i == 0 { "?" } else { ", ?" }, [lit_int(*set)]);
        }
        self.render(
            TRAFFIC,
            &[
                ("bucket", &bucket_sql(bucket_us)),
                ("top", &Fragment::param(lit_int(top.min(1_000_000) as i64))),
                ("ranked_sets", &ranked),
            ],
        )
    }
}

/// The table's DDL for `athena setup`: names and location checked, then written in (DDL
/// takes no parameters in Athena).
pub fn ddl(
    database: &str,
    table: &str,
    location: &str,
    range_start: &str,
) -> Result<String, UsageError> {
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
    // the file's header comments are for its readers: the statement starts at CREATE, so
    // nothing depends on how Athena treats comments ahead of DDL
    let statement = &DDL[DDL.find("CREATE").unwrap_or(0)..];
    Ok(statement
        .replace("{{database}}", &identifier(database)?)
        .replace("{{table}}", &identifier(table)?)
        .replace("{{location}}", location)
        .replace("{{range_start}}", range_start))
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

    fn us(t: &str) -> i64 {
        DateTime::parse_from_rfc3339(t).unwrap().timestamp_micros()
    }

    #[test]
    fn literals_quote_and_refuse_control_characters() {
        assert_eq!(lit_str("it's").unwrap(), "'it''s'");
        assert_eq!(
            lit_str("'; DROP TABLE x; --").unwrap(),
            "'''; DROP TABLE x; --'"
        );
        assert!(lit_str("a\nb").is_err());
        assert!(lit_str("\u{1b}[31m").is_err());
        assert_eq!(lit_double(1000.0).unwrap(), "1E3");
        assert_eq!(lit_double(0.25).unwrap(), "2.5E-1");
        assert!(lit_double(f64::NAN).is_err());
        assert_eq!(identifier("Hosp_Logs").unwrap(), "hosp_logs");
        for bad in ["", "1abc", "a.b", "a b", "x\"; drop", "tab-le"] {
            assert!(identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn window_names_the_delivery_days_and_the_day_after() {
        let w = Window {
            since_us: Some(us("2026-11-20T22:00:00Z")),
            until_us: Some(us("2026-11-21T00:00:00Z")),
        };
        let s = window_sql(&w).unwrap();
        // until is exclusive: the last request is on the 20th, delivered by the 21st
        assert_eq!(s.days, ["2026/11/20", "2026/11/21"]);
        assert_eq!(s.partitions.sql, "day IN (?, ?)");
        assert_eq!(
            s.in_window.params,
            [
                "'2026-11-20T22:00:00.000000Z'",
                "'2026-11-21T00:00:00.000000Z'"
            ]
        );
        let open = Window {
            since_us: Some(1),
            until_us: None,
        };
        let e = window_sql(&open).err().unwrap();
        assert!(e.0.contains("needs a bounded window"), "{e}");
        let long = Window {
            since_us: Some(us("2020-01-01T00:00:00Z")),
            until_us: Some(us("2026-01-01T00:00:00Z")),
        };
        let e = window_sql(&long).err().unwrap();
        assert!(
            e.0.contains("2193 delivery days") && e.0.contains("at most 400"),
            "{e}"
        );
    }

    /// Each `?` must sit in a WHERE clause: the last clause keyword before it is WHERE.
    fn markers_only_in_where_clauses(sql: &str) {
        let sql: String = sql
            .lines()
            .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
            .collect::<Vec<_>>()
            .join("\n");
        let mut in_str = false;
        for (i, c) in sql.char_indices() {
            match c {
                '\'' => in_str = !in_str,
                '?' if !in_str => {
                    let before = &sql[..i];
                    let last = |k: &str| before.rfind(k).map_or(-1, |p| p as i64);
                    let clause = ["SELECT", "FROM ", "GROUP BY", "ORDER BY", "PARTITION BY"]
                        .iter()
                        .map(|k| last(k))
                        .max()
                        .unwrap();
                    assert!(
                        last("WHERE") > clause,
                        "a ? outside WHERE at {i}: {}",
                        &sql[i.saturating_sub(80)..i]
                    );
                }
                _ => {}
            }
        }
    }

    #[test]
    fn where_values_are_parameters_and_the_rest_checked_literals() {
        let filter = ClientFilter::new(
            &[
                "hosp-loadtest/*".to_string(),
                "*'; drop table x; --*".to_string(),
            ],
            &["10.99.0.0/24".to_string()],
        )
        .unwrap();
        let routes = Routes::new(&["/patients/{id}/notes".to_string()]).unwrap();
        let w = Window {
            since_us: Some(us("2026-11-20T00:00:00Z")),
            until_us: Some(us("2026-11-21T00:00:00Z")),
        };
        let c = Common::new("alb_access_logs", &w, &filter, &routes).unwrap();
        let window = [
            "'2026/11/20'",
            "'2026/11/21'",
            "'2026-11-20T00:00:00.000000Z'",
            "'2026-11-21T00:00:00.000000Z'",
        ];
        let split = ["2026-11-20T10:11".to_string()];
        for q in [
            c.slo(Some(3000.0), &split).unwrap(),
            c.errors(3_600_000_000, 1000.0).unwrap(),
            c.latency(LatencyField::Target, 600_000_000).unwrap(),
            c.backends(600_000_000).unwrap(),
            c.traffic(600_000_000, 10).unwrap(),
        ] {
            assert!(!q.sql.contains("{{"));
            assert_eq!(q.parameters[..4], window);
            assert_eq!(count_markers(&q.sql), q.parameters.len());
            markers_only_in_where_clauses(&q.sql);
            // the hostile glob stays inside one string literal, its quote doubled
            assert!(
                q.sql.contains("'\\''\\; drop table x\\; \\-\\-'"),
                "{}",
                q.sql
            );
            assert!(q
                .sql
                .contains("regexp_like(lower(NULLIF(user_agent, '-')), '^hosp\\-loadtest\\/')"));
            assert!(q.sql.contains("BETWEEN 174260224 AND 174260479"));
        }
        let q = c.errors(3_600_000_000, 1000.0).unwrap();
        assert!(q
            .sql
            .contains("'^/?patients/[^/]+/notes/?$') THEN '/patients/{id}/notes'"));
        assert!(q.sql.contains("ms <= 1E3"));
        assert!(q.sql.contains("/ 3600) AS bigint) * 3600"));
        let q = c.slo(Some(3000.0), &split).unwrap();
        assert!(q
            .sql
            .contains("IN ('2026-11-20T10:11') THEN substr(time, 1, 19)"));
        assert!(q.sql.contains("ms <= 3E3"));
        // the traffic query's cut is in its outer WHERE: parameters too
        let q = c.traffic(600_000_000, 10).unwrap();
        assert_eq!(q.parameters[4], "10");
    }

    #[test]
    fn ipv6_exclusions_are_refused_not_ignored() {
        let filter = ClientFilter::new(&[], &["2001:db8::/32".to_string()]).unwrap();
        let e = excluded_sql(&filter).err().unwrap();
        assert!(
            e.0.contains("2001:db8::/32") && e.0.contains("IPv4 networks only"),
            "{e}"
        );
    }

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
