//! What a format's Athena table gives the analyses' SQL ([`TableSql`]): the expression over
//! its columns for each role, the rows it could not read, the window as partition and row
//! predicates; and the helpers the formats' tables share. Each format with a table builds one
//! in its own module (`alb::athena`, `cloudfront::athena`); the engine fills the analyses'
//! templates with it (`engine::athena::sql`).

use crate::error::UsageError;
use crate::format::{FormatId, Role, RoleSet};
use crate::sql::{lit_str, Fragment};
use crate::window::{delivery_days, Window};

/// The most delivery days one query may name (a year and a bit).
const MAX_DAYS: u64 = 400;

/// The window as partition and row predicates. Athena needs both ends: no scan without bounds.
pub struct WindowSql {
    /// Partition pruning (`day IN (…)`), or `TRUE` for a table without partitions.
    pub partitions: Fragment,
    /// The rows in the window.
    pub in_window: Fragment,
    /// The folders under the table's location the query reads (for the `--max-scan`
    /// estimate); `""` is the whole location.
    pub scan: Vec<String>,
}

/// The window's bounds, both known and in order (µs).
pub fn bounds(window: &Window) -> Result<(i64, i64), UsageError> {
    let (Some(since), Some(until)) = (window.since_us, window.until_us) else {
        return Err(UsageError(
            "the Athena engine needs a bounded window (--since and --until)".into(),
        ));
    };
    if since >= until {
        return Err(UsageError("the window is empty (--since ≥ --until)".into()));
    }
    Ok((since, until))
}

/// The `yyyy/MM/dd` delivery days of a window and the day after its end (a request at 23:59
/// is delivered after midnight), as `day IN (?, …)` over a table partitioned by them.
pub fn delivery_partitions(since: i64, until: i64) -> Result<(Fragment, Vec<String>), UsageError> {
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
    Ok((partitions, days))
}

/// A format's Athena table as the analyses' SQL sees it: the expression over its columns for
/// each role it fills, the test for a line its SerDe could not read, and the window as
/// partition and row predicates. Each format with a table builds one in its module
/// (`format::alb::athena::table_sql`, `format::cloudfront::athena::table_sql`).
///
/// Conventions the templates rely on: `Time` is fixed-width ISO 8601 text
/// (`2026-11-20T10:00:00[.ffffff]Z`), so text order is time order and `substr(…, 1, 16)`
/// is its minute; `Path` is NULL when the request has no URL (`Endpoint` is derived from it
/// with the config's routes); latencies are doubles in ms; `Generated` is a boolean.
pub struct TableSql {
    pub format: FormatId,
    pub roles: Vec<(Role, Fragment)>,
    /// TRUE for a row the table could not read (a line of another format).
    pub unparsed: Fragment,
    /// Why a 4XX or 5XX was answered (`errors`' `by_cause`), for a format that tells it
    /// (API Gateway); NULL for other rows.
    pub cause: Option<Fragment>,
    pub window: WindowSql,
}

impl TableSql {
    /// The roles the table fills (`Endpoint` with `Path`).
    pub fn filled(&self) -> RoleSet {
        let mut set = RoleSet::EMPTY;
        for (r, _) in &self.roles {
            set = set.with(*r);
            if *r == Role::Path {
                set = set.with(Role::Endpoint);
            }
        }
        set
    }
}

/// Text percent-decoded once, as the native parser does it (`percent_decode_once`): a `%`
/// not followed by two hex digits stays (it is escaped as `%25` before decoding, so Trino's
/// `url_decode` never meets a broken escape), and `+` stays `+` (`url_decode` would make it
/// a space). `expr` must be fixed SQL over the table's columns.
pub fn decoded_once(expr: &str) -> String {
    let y = format!("replace({expr}, '+', '%2B')");
    format!(
        "(CASE WHEN strpos({expr}, '%') = 0 THEN {expr} ELSE url_decode(substr(array_join(transform(split({y}, '%'), \
         p -> CASE WHEN regexp_like(p, '^[0-9A-Fa-f]{{2}}') THEN '%' || p ELSE '%25' || p END), ''), \
         CASE WHEN regexp_like({y}, '^[0-9A-Fa-f]{{2}}') THEN 2 ELSE 4 END)) END)"
    )
}
