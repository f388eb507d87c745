//! SQL for Athena, built safely: the templates in queries/, filled with fixed SQL fragments.
//! Values in WHERE clauses (the window's days and bounds) go as ExecutionParameters; Athena
//! takes `?` only there, so values elsewhere (exclusion patterns, route templates, bucket size,
//! thresholds) are written as validated literals: strings quoted with `'` doubled and control
//! characters refused, numbers formatted here. No text from the command line, the config or the
//! logs reaches the SQL any other way.
//!
//! The templates never name a table's columns: they read roles (`{{status}}`, `{{endpoint}}`,
//! `{{latency_ms}}`, …), and each format with an Athena table says which expression over its
//! columns gives each role ([`TableSql`], built in `format::<name>::athena`). One query per
//! analysis serves every format.

use std::fmt::Write as _;

use crate::error::UsageError;
use crate::filter::ClientFilter;
use crate::format::{Role, Routes};
use crate::window::Window;

pub use super::client::Query;
pub use crate::format::athena::{bounds, decoded_once, delivery_partitions, TableSql, WindowSql};
pub use crate::sql::{identifier, lit_double, lit_int, lit_str, render, Fragment};

/// A typed NULL for a role a table does not fill, so every template runs on every table.
fn missing(role: Role) -> Fragment {
    Fragment::fixed(match role {
        Role::Generated => "FALSE",
        Role::Status | Role::UpstreamStatus => "CAST(NULL AS integer)",
        Role::BytesIn | Role::BytesOut => "CAST(NULL AS bigint)",
        Role::LatencyMs
        | Role::RequestMs
        | Role::UpstreamMs
        | Role::ResponseMs
        | Role::FirstByteMs => "CAST(NULL AS double)",
        _ => "CAST(NULL AS varchar)",
    })
}

/// `[exclude]` as a boolean over a row: user-agent globs as anchored, lowercase regexes over
/// the `user_agent` role, IPv4 networks as ranges of the `client_ip` role as a number.
pub fn excluded_sql(
    filter: &ClientFilter,
    user_agent: &Fragment,
    client_ip: &Fragment,
) -> Result<Fragment, UsageError> {
    let mut f = Fragment::fixed("(");
    let mut first = true;
    let mut or = |f: &mut Fragment| {
        if !std::mem::take(&mut first) {
            f.push(" OR ", []);
        }
    };
    for g in &filter.user_agents {
        or(&mut f);
        f.push("regexp_like(lower(", []);
        f.append(user_agent);
        f.push("), ", []);
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
        if !client_ip.params.is_empty() {
            return Err(UsageError("a client_ip role with parameters".into()));
        }
        let ip = &client_ip.sql;
        f.push(
            &format!(
                "(strpos({ip}, ':') = 0 AND try_cast(split_part({ip}, '.', 1) AS bigint) * 16777216 \
                 + try_cast(split_part({ip}, '.', 2) AS bigint) * 65536 \
                 + try_cast(split_part({ip}, '.', 3) AS bigint) * 256 \
                 + try_cast(split_part({ip}, '.', 4) AS bigint) BETWEEN "
            ),
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

/// `Routes::endpoint`'s default rule for one segment `s`: all digits, a UUID, 16+ hex
/// characters, or 16+ letters and digits with a digit.
const IS_ID: &str = "(regexp_like(s, '^[0-9]+$') \
     OR regexp_like(s, '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') \
     OR (length(s) >= 16 AND regexp_like(s, '^[0-9A-Za-z]+$') AND regexp_like(s, '^[0-9A-Fa-f]+$|[0-9]')))";

/// The endpoint of a request path (as `Routes::endpoint`): cut at `?`, `/` when empty; the
/// first `[routes]` template whose pattern matches, else the path with id-like segments as
/// `{id}`; NULL when the path is NULL (no URL).
pub fn endpoint_sql(path: &Fragment, routes: &Routes) -> Result<Fragment, UsageError> {
    if !path.params.is_empty() {
        return Err(UsageError("a path role with parameters".into()));
    }
    let p = &path.sql;
    let cut = format!(
        "(CASE WHEN split_part({p}, '?', 1) = '' THEN '/' ELSE split_part({p}, '?', 1) END)"
    );
    let mut f = Fragment::fixed(format!("(CASE WHEN {p} IS NULL THEN NULL"));
    for (pattern, name) in routes.patterns() {
        f.push(&format!(" WHEN regexp_like({cut}, "), []);
        f.push_literal(&lit_str(&pattern)?);
        f.push(") THEN ", []);
        f.push_literal(&lit_str(&name)?);
    }
    let mut tail = String::new();
    let _ = write!(
        tail,
        " ELSE array_join(transform(split({cut}, '/'), s -> CASE WHEN {IS_ID} THEN '{{id}}' ELSE s END), '/') END)"
    );
    f.push(&tail, []);
    Ok(f)
}

/// The start of the row's time bucket in epoch seconds (buckets aligned on the epoch), from
/// the `time` role's ISO text. The time is cut to the second as text first, so however an
/// engine parses the fraction (Trino's timestamps hold milliseconds) no request moves across
/// a bucket boundary; buckets are whole minutes, so the cut is exact.
pub fn bucket_sql(time: &Fragment, bucket_us: i64) -> Fragment {
    let secs = lit_int(bucket_us / 1_000_000);
    let mut f = Fragment::fixed("(CAST(floor(to_unixtime(from_iso8601_timestamp(substr(");
    f.append(time);
    f.push(", 1, 19) || 'Z')) / ", []);
    f.push_literal(&secs);
    f.push(") AS bigint) * ", []);
    f.push_literal(&secs);
    f.push(")", []);
    f
}

/// What every analysis template needs, from the command's options: the table and its roles,
/// the window, the exclusions and the route templates, as fragments.
pub struct Sql {
    /// The window's bounds (both known: Athena never scans without them).
    pub since_us: i64,
    pub until_us: i64,
    pub table: Fragment,
    pub source: TableSql,
    pub excluded: Fragment,
    endpoint: Fragment,
}

impl Sql {
    pub fn new(
        table_name: &str,
        source: TableSql,
        window: &Window,
        exclude: &ClientFilter,
        routes: &Routes,
    ) -> Result<Sql, UsageError> {
        let (since_us, until_us) = bounds(window)?;
        let mut sql = Sql {
            since_us,
            until_us,
            table: Fragment::fixed(identifier(table_name)?),
            source,
            excluded: Fragment::fixed("FALSE"),
            endpoint: Fragment::fixed("CAST(NULL AS varchar)"),
        };
        // a table may name the text its endpoint is templated from (API Gateway's route),
        // else it is the request's path
        let from = sql
            .source
            .roles
            .iter()
            .find(|(r, _)| *r == Role::Endpoint)
            .or_else(|| sql.source.roles.iter().find(|(r, _)| *r == Role::Path))
            .map(|(_, f)| f.clone());
        if let Some(from) = from {
            sql.endpoint = endpoint_sql(&from, routes)?;
        }
        sql.excluded = excluded_sql(
            exclude,
            &sql.role(Role::UserAgent),
            &sql.role(Role::ClientIp),
        )?;
        Ok(sql)
    }

    /// The expression of a role over the table's columns; a typed NULL when the table has
    /// none.
    pub fn role(&self, role: Role) -> Fragment {
        if role == Role::Endpoint {
            return self.endpoint.clone();
        }
        self.source
            .roles
            .iter()
            .find(|(r, _)| *r == role)
            .map_or_else(|| missing(role), |(_, f)| f.clone())
    }

    /// The start of the row's time bucket, epoch seconds.
    pub fn bucket(&self, bucket_us: i64) -> Fragment {
        bucket_sql(&self.role(Role::Time), bucket_us)
    }

    /// Fills a template: the analysis' own fragments first (they win over a role of the same
    /// name, e.g. the latency field `{{latency_ms}}`), then the table, the window, `[exclude]`,
    /// `{{unparsed}}` and every role by its name.
    pub fn render(&self, template: &str, extra: &[(&str, &Fragment)]) -> Result<Query, UsageError> {
        let roles: Vec<(&str, Fragment)> = Role::ALL
            .iter()
            .map(|r| (r.name(), self.role(*r)))
            .collect();
        let no_cause = Fragment::fixed("CAST(NULL AS varchar)");
        let mut fill: Vec<(&str, &Fragment)> = extra.to_vec();
        fill.push(("cause", self.source.cause.as_ref().unwrap_or(&no_cause)));
        fill.extend_from_slice(&[
            ("table", &self.table),
            ("partitions", &self.source.window.partitions),
            ("in_window", &self.source.window.in_window),
            ("excluded", &self.excluded),
            ("unparsed", &self.source.unparsed),
        ]);
        fill.extend(roles.iter().map(|(n, f)| (*n, f)));
        render(template, &fill)
    }

    /// A latency role in ms (NULL where the log has none).
    pub fn latency(&self, role: Role) -> Fragment {
        self.role(role)
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::format::alb::athena::table_sql;

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
        let s = table_sql(&w).unwrap().window;
        // until is exclusive: the last request is on the 20th, delivered by the 21st
        assert_eq!(s.scan, ["2026/11/20", "2026/11/21"]);
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
        let e = table_sql(&open).err().unwrap();
        assert!(e.0.contains("needs a bounded window"), "{e}");
        let long = Window {
            since_us: Some(us("2020-01-01T00:00:00Z")),
            until_us: Some(us("2026-01-01T00:00:00Z")),
        };
        let e = table_sql(&long).err().unwrap();
        assert!(
            e.0.contains("2193 delivery days") && e.0.contains("at most 400"),
            "{e}"
        );
    }

    #[test]
    fn ipv6_exclusions_are_refused_not_ignored() {
        let filter = ClientFilter::new(&[], &["2001:db8::/32".to_string()]).unwrap();
        let (ua, ip) = (Fragment::fixed("ua"), Fragment::fixed("ip"));
        let e = excluded_sql(&filter, &ua, &ip).err().unwrap();
        assert!(
            e.0.contains("2001:db8::/32") && e.0.contains("IPv4 networks only"),
            "{e}"
        );
    }

    #[test]
    fn percent_decoding_keeps_broken_escapes_and_plus() {
        let d = decoded_once("ua");
        assert!(d.starts_with("(CASE WHEN strpos(ua, '%') = 0 THEN ua ELSE url_decode("));
        assert!(d.contains("replace(ua, '+', '%2B')"));
        assert_eq!(crate::sql::count_markers(&d), 0);
    }
}
