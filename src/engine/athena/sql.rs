//! SQL for Athena, built safely: the templates in queries/, filled with fixed SQL fragments.
//! Values in WHERE clauses (the window's days and bounds) go as ExecutionParameters; Athena
//! takes `?` only there, so values elsewhere (exclusion patterns, route templates, bucket size,
//! thresholds) are written as validated literals: strings quoted with `'` doubled and control
//! characters refused, numbers formatted here. No text from the command line, the config or the
//! logs reaches the SQL any other way.

use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::filter::ClientFilter;
use crate::format::alb::athena as table;
use crate::format::{Role, Routes};
use crate::window::{delivery_days, Window};

pub use super::client::Query;
pub use crate::sql::{identifier, lit_double, lit_int, lit_str, render, Fragment};

/// The most delivery days one query may name (a year and a bit).
const MAX_DAYS: u64 = 400;

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

/// What every analysis template needs, from the command's options: the table, the window,
/// the exclusions and the route templates, as fragments.
pub struct Sql {
    /// The window's bounds (both known: Athena never scans without them).
    pub since_us: i64,
    pub until_us: i64,
    pub table: Fragment,
    pub window: WindowSql,
    pub excluded: Fragment,
    pub endpoint: Fragment,
    pub target_group: Fragment,
}

impl Sql {
    pub fn new(
        table_name: &str,
        window: &Window,
        exclude: &ClientFilter,
        routes: &Routes,
    ) -> Result<Sql, UsageError> {
        Ok(Sql {
            since_us: window.since_us.unwrap_or(0),
            until_us: window.until_us.unwrap_or(0),
            table: Fragment::fixed(identifier(table_name)?),
            window: window_sql(window)?,
            excluded: excluded_sql(exclude)?,
            endpoint: table::endpoint_sql(routes)?,
            target_group: table::target_group_sql(),
        })
    }

    /// Fills a template with the common fragments and the analysis' own.
    pub fn render(&self, template: &str, extra: &[(&str, &Fragment)]) -> Result<Query, UsageError> {
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

    /// A latency role in ms (NULL for a -1 time), as the table computes it.
    pub fn latency(&self, role: Role) -> Fragment {
        table::latency_sql(role).unwrap_or_else(|| Fragment::fixed("NULL"))
    }
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

    #[test]
    fn ipv6_exclusions_are_refused_not_ignored() {
        let filter = ClientFilter::new(&[], &["2001:db8::/32".to_string()]).unwrap();
        let e = excluded_sql(&filter).err().unwrap();
        assert!(
            e.0.contains("2001:db8::/32") && e.0.contains("IPv4 networks only"),
            "{e}"
        );
    }
}
