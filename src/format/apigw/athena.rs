//! The API Gateway table in Athena: JSON access logs read with the OpenX JSON SerDe, one JSON
//! object per line, its columns built from the stage's format (`[apigw] format`) or, without
//! one, from the `$context` variables' own names; partition projection over `yyyy/MM/dd`
//! folders (Kinesis Data Firehose's delivery layout); and the SQL that gives each role what
//! the native parser reads (`parse::typed`, `ApigwRecord`, `cause`).
//!
//! Each key that holds one variable is a column named after the variable (`status`,
//! `response_latency`, `function_status` for `integration.status`), with a SerDe
//! `mapping.<column>` when the key is named otherwise (`"lat": "$context.responseLatency"`).
//! The SerDe lowercases keys (`case.insensitive`, its default). A key written with dots
//! (`"integration.status"`) is read, with `dots.in.keys`, only by the column named as the key
//! with `_` for each dot (`integration_status`: the SerDe compares a dotted key with the
//! column's own name, never with its mapping), so that column is named so and another field
//! whose own name it is takes the key's name (`istatus`). A mapping also applies to struct
//! fields of the column's name, so a mapped column never bears one. A key path the format
//! nests (`{"integration": {"status": …}}`) is read through a struct column
//! (`integration struct<status:string>`). The compiled format does not say which of the two a
//! key path is, so both are declared and the SQL takes the first present. Every column is
//! text: `-` and empty are null and numbers are checked as the native parser checks them, so a
//! value it refuses never becomes a number here (the row is counted as unreadable instead).
//!
//! Lines behind CloudWatch Logs' prefix (an export's `2026-… {…}`) are not JSON: the SerDe
//! (`ignore.malformed.json`) reads them as rows of nulls, which the analyses count as lines
//! the table could not read. The CLF, XML and CSV presets have no table (exit 2).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::fields::{Field, DEFAULT_KEYS};
use super::template::{Body, Piece, Template, Value};
use super::ApigwSettings;
use crate::error::UsageError;
use crate::format::alb::athena::checked_location;
use crate::format::athena::{bounds, delivery_partitions, TableSql, WindowSql};
use crate::format::{FormatId, Role};
use crate::sql::{identifier, lit_str, Fragment};
use crate::window::Window;

/// The table `athena setup --log-format apigw` creates by default.
pub const TABLE: &str = "apigw_access_logs";

/// The column a field is read into (its variable's name in snake case).
pub fn column(f: Field) -> &'static str {
    match f {
        Field::RequestId => "request_id",
        Field::ExtendedRequestId => "extended_request_id",
        Field::SourceIp => "source_ip",
        Field::RequestTime => "request_time",
        Field::RequestTimeEpoch => "request_time_epoch",
        Field::HttpMethod => "http_method",
        Field::ResourcePath => "resource_path",
        Field::RouteKey => "route_key",
        Field::Path => "path",
        Field::Status => "status",
        Field::Protocol => "protocol",
        Field::ResponseLength => "response_length",
        Field::ResponseLatency => "response_latency",
        Field::IntegrationLatency => "integration_latency",
        Field::IntegrationStatus => "integration_status",
        Field::FunctionStatus => "function_status",
        Field::IntegrationError => "integration_error_message",
        Field::ErrorMessage => "error_message",
        Field::ErrorResponseType => "error_response_type",
        Field::WafResponseCode => "waf_response_code",
        Field::AuthorizerError => "authorizer_error",
        Field::XrayTraceId => "xray_trace_id",
        Field::UserAgent => "user_agent",
        Field::EdgeId => "cf_id",
    }
}

/// A key as the SerDe sees it: lowercased (`case.insensitive`), dots as underscores
/// (`dots.in.keys`).
fn serde_key(key: &str) -> String {
    key.to_lowercase().replace('.', "_")
}

/// A column name Athena takes: lowercase letters, digits and `_`, not starting with a digit.
fn column_name(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'k');
    }
    s
}

/// A nested key path's struct fields (each segment a struct field; leaves are text).
#[derive(Debug, Default)]
struct Tree(BTreeMap<String, Option<Tree>>);

impl Tree {
    fn insert(&mut self, path: &[String]) {
        match path {
            [] => {}
            [leaf] => {
                self.0.entry(leaf.clone()).or_insert(None);
            }
            [first, rest @ ..] => {
                let node = self
                    .0
                    .entry(first.clone())
                    .or_insert_with(|| Some(Tree::default()));
                // a leaf already (None): the key cannot also be an object
                if let Some(t) = node {
                    t.insert(rest);
                }
            }
        }
    }

    /// Its fields' names, at every level.
    fn names(&self, out: &mut Vec<String>) {
        for (k, v) in &self.0 {
            out.push(k.clone());
            if let Some(t) = v {
                t.names(out);
            }
        }
    }

    fn hive_type(&self) -> String {
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| match v {
                None => format!("{k}:string"),
                Some(t) => format!("{k}:{}", t.hive_type()),
            })
            .collect();
        format!("struct<{}>", fields.join(","))
    }
}

/// The table's columns for a format: flat text columns (name, the key they read), struct
/// columns (name, top-level key, fields), and each field's readings as SQL over them.
#[derive(Debug, Default)]
pub struct Layout {
    flat: Vec<(String, String)>,
    structs: Vec<(String, String, Tree)>,
    readings: BTreeMap<Field, Vec<String>>,
}

/// Whether a key segment can be a struct field's name.
fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

impl Layout {
    /// The layout for the run's API Gateway settings; an error for a format the JSON SerDe
    /// cannot read (not JSON, a key holding several variables, keys it cannot tell apart).
    ///
    /// The SerDe's lookups fix some names. A column reads the key its `mapping.` names (else
    /// its own name), at every level: a mapping also renames a struct's fields of that name,
    /// so a mapped column never bears the name of a struct field. A key written with dots is
    /// read (`dots.in.keys`) only by the column whose own name is the key with `_` for each
    /// dot, whatever the mappings say, so that column takes that name, unmapped.
    pub fn of(settings: &ApigwSettings) -> Result<Layout, UsageError> {
        let keys: Vec<(String, Field)> = match settings.template.as_deref() {
            None => by_name(),
            Some(t) => template_keys(t)?,
        };
        let mut lowered: BTreeMap<String, &str> = BTreeMap::new();
        for (key, _) in &keys {
            if let Some(other) = lowered.insert(serde_key(key), key) {
                if other != key {
                    return Err(UsageError(format!(
                        "config [apigw] format: the keys {other:?} and {key:?} are one key to \
                         Athena's JSON SerDe (it lowercases keys and reads dots as '_'): rename one"
                    )));
                }
            }
        }
        // nested readings: a struct per top-level key of the paths whose segments can be
        // struct fields
        let mut trees: BTreeMap<String, Tree> = BTreeMap::new();
        let mut nested: Vec<(Vec<String>, Field)> = Vec::new();
        for (key, f) in &keys {
            let segs: Vec<String> = key.split('.').map(str::to_lowercase).collect();
            if segs.len() < 2 || !segs.iter().all(|s| plain_segment(s)) {
                continue;
            }
            trees.entry(segs[0].clone()).or_default().insert(&segs[1..]);
            nested.push((segs, *f));
        }
        let mut field_names: Vec<String> = Vec::new();
        for tree in trees.values() {
            tree.names(&mut field_names);
        }
        let mut layout = Layout::default();
        let mut taken: Vec<String> = vec!["day".into()];
        // a mapped column's name: its own, else the next free one that is no struct field's
        let name = |want: String, mapped: bool, taken: &mut Vec<String>| {
            let mut n = want.clone();
            let mut i = 2;
            while taken.contains(&n) || (mapped && field_names.contains(&n)) {
                n = format!("{want}_{i}");
                i += 1;
            }
            taken.push(n.clone());
            n
        };
        // flat readings: dotted keys first (their column's name is fixed), then the others
        let mut flat: Vec<(usize, Field, String, String)> = Vec::new();
        for (i, (key, f)) in keys.iter().enumerate() {
            let sk = serde_key(key);
            if !key.contains('.') {
                continue;
            }
            if !plain_segment(&sk) {
                // only a nested object can hold it
                if !nested
                    .iter()
                    .any(|(segs, _)| segs.join(".") == key.to_lowercase())
                {
                    return Err(UsageError(format!(
                        "config [apigw] format: Athena's JSON SerDe cannot read the key {key:?} \
                         (a key with dots is read by a column named as the key with '_' for \
                         each dot, and a column's name is letters, digits and '_'): rename it"
                    )));
                }
                continue;
            }
            if taken.contains(&sk) {
                return Err(UsageError(format!(
                    "config [apigw] format: the key {key:?} is read by the column {sk:?}, \
                     which Athena's JSON SerDe gives to another key: rename it"
                )));
            }
            taken.push(sk.clone());
            flat.push((i, *f, sk.clone(), sk));
        }
        for (i, (key, f)) in keys.iter().enumerate() {
            if key.contains('.') {
                continue;
            }
            let sk = serde_key(key);
            let own = column(*f).to_string();
            let want = if taken.contains(&own) || field_names.contains(&own) {
                column_name(key)
            } else {
                own
            };
            let col = name(want.clone(), want != sk, &mut taken);
            flat.push((i, *f, col, sk));
        }
        flat.sort_by_key(|x| x.0);
        for (_, f, col, sk) in flat {
            layout.readings.entry(f).or_default().push(quoted(&col));
            layout.flat.push((col, sk));
        }
        let mut struct_col: BTreeMap<String, String> = BTreeMap::new();
        for (top, tree) in trees {
            let want = column_name(&top);
            let col = name(want.clone(), want != top, &mut taken);
            struct_col.insert(top.clone(), col.clone());
            layout.structs.push((col, top, tree));
        }
        for (segs, f) in nested {
            let mut sql = quoted(&struct_col[&segs[0]]);
            for s in &segs[1..] {
                sql.push('.');
                sql.push_str(&quoted(s));
            }
            layout.readings.entry(f).or_default().push(sql);
        }
        Ok(layout)
    }

    /// The field's text: its first reading that is neither absent, `-` nor empty.
    fn text(&self, f: Field) -> String {
        let parts: Vec<String> = self
            .readings
            .get(&f)
            .map(|r| {
                r.iter()
                    .map(|c| format!("NULLIF(NULLIF({c}, '-'), '')"))
                    .collect()
            })
            .unwrap_or_default();
        match parts.len() {
            0 => "CAST(NULL AS varchar)".into(),
            1 => parts[0].clone(),
            _ => format!("COALESCE({})", parts.join(", ")),
        }
    }

    /// The column definitions and the SerDe's mappings.
    fn columns_and_mappings(&self) -> (Vec<String>, Vec<String>) {
        let mut cols = Vec::new();
        let mut maps = Vec::new();
        for (col, key) in &self.flat {
            cols.push(format!("`{col}` string"));
            if col != key {
                maps.push(format!("'mapping.{col}' = '{key}'"));
            }
        }
        for (col, key, tree) in &self.structs {
            cols.push(format!("`{col}` {}", tree.hive_type()));
            if col != key {
                maps.push(format!("'mapping.{col}' = '{key}'"));
            }
        }
        (cols, maps)
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// Without a format: each field's variable name (nested or dotted) and the keys of AWS's
/// JSON presets and documentation that the native reader also takes (`ip`, `errorMessage`, …).
fn by_name() -> Vec<(String, Field)> {
    Field::ALL
        .iter()
        .map(|f| (f.name().to_string(), *f))
        .chain(DEFAULT_KEYS.iter().map(|(k, f)| (k.to_string(), *f)))
        .collect()
}

/// A JSON format's keys that hold one variable each; a format that is not JSON, or a key that
/// holds a variable among other text, is refused (the SerDe reads a key's value whole).
fn template_keys(t: &Template) -> Result<Vec<(String, Field)>, UsageError> {
    let Body::Json(keys) = &t.body else {
        return Err(UsageError(format!(
            "config [apigw] format is not JSON ({}): the Athena table reads API Gateway's JSON \
             access logs (one JSON object per line, as the JSON presets or a JSON format write \
             them) and the CLF, XML and CSV presets have none: use the local engine, or give \
             the stage a JSON format",
            t.name
        )));
    };
    let mut out = Vec::new();
    for (key, v) in keys {
        match v {
            Value::One(f) => out.push((key.clone(), *f)),
            Value::Pieces(p) => {
                if p.0.iter().any(|x| matches!(x, Piece::Var(Some(_)))) {
                    return Err(UsageError(format!(
                        "config [apigw] format: the key {key:?} holds a variable among other text; \
                         Athena's JSON SerDe reads a key's value whole: give each variable its own \
                         key, or use the local engine"
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// SQL that is TRUE when `text` (NULL: absent) is a status as `parse::status_of` takes it.
fn is_status(text: &str) -> String {
    format!("regexp_like({text}, '^[1-9][0-9]{{2}}$')")
}

fn is_count(text: &str) -> String {
    format!("regexp_like({text}, '^[0-9]{{1,19}}$')")
}

fn is_ms(text: &str) -> String {
    format!("regexp_like({text}, '^[0-9]{{1,12}}([.][0-9]{{1,12}})?$')")
}

/// `requestTime` as API Gateway writes it: `20/Nov/2026:10:00:05 +0000`.
const CLF_TIME: &str = "^[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$";

/// The SQL of each role and of the lines the table cannot read, for a layout.
struct Exprs {
    roles: Vec<(Role, Fragment)>,
    /// API Gateway's attribution of a 4XX or 5XX (`cause::cause`), NULL for other statuses.
    cause: String,
    time: String,
    unparsed: String,
}

fn exprs(layout: &Layout, fields: u32) -> Exprs {
    let t = |f: Field| layout.text(f);
    let has = |f: Field| fields & super::template::bit(f) != 0;
    let status_of = |f: Field| {
        let x = t(f);
        format!(
            "(CASE WHEN {} THEN CAST({x} AS integer) END)",
            is_status(&x)
        )
    };
    let ms_of = |f: Field| {
        let x = t(f);
        format!("(CASE WHEN {} THEN CAST({x} AS double) END)", is_ms(&x))
    };
    let epoch = t(Field::RequestTimeEpoch);
    let clf = t(Field::RequestTime);
    let epoch_ok = format!(
        "({} AND CAST({epoch} AS bigint) < 4503599627370496)",
        is_count(&epoch)
    );
    let clf_ok = format!("regexp_like({clf}, '{CLF_TIME}')");
    // µs precision written out, so text order is time order against the window's bounds
    let time = format!(
        "(CASE WHEN {epoch_ok} THEN date_format(from_unixtime(CAST({epoch} AS bigint) / 1000.0), \
         '%Y-%m-%dT%H:%i:%s') || '.' || lpad(CAST(CAST({epoch} AS bigint) % 1000 AS varchar), 3, '0') \
         || '000Z' \
         WHEN {epoch} IS NULL AND {clf_ok} THEN date_format(from_unixtime(to_unixtime(date_parse(\
         substr({clf}, 1, 20), '%d/%b/%Y:%H:%i:%s')) - (CASE WHEN substr({clf}, 22, 1) = '-' THEN -1 \
         ELSE 1 END) * (CAST(substr({clf}, 23, 2) AS integer) * 3600 + CAST(substr({clf}, 25, 2) \
         AS integer) * 60)), '%Y-%m-%dT%H:%i:%s') || '.000000Z' END)"
    );
    // what the native parser refuses: the line is malformed, not a request
    let mut bad: Vec<String> = vec![
        format!("NOT COALESCE({}, FALSE)", is_status(&t(Field::Status))),
        format!("{time} IS NULL"),
        format!("({epoch} IS NOT NULL AND NOT {epoch_ok})"),
        format!("({clf} IS NOT NULL AND NOT {clf_ok})"),
    ];
    for f in [
        Field::IntegrationStatus,
        Field::FunctionStatus,
        Field::ResponseLength,
        Field::ResponseLatency,
        Field::IntegrationLatency,
    ] {
        let x = t(f);
        let ok = match f {
            Field::ResponseLength => is_count(&x),
            Field::ResponseLatency | Field::IntegrationLatency => is_ms(&x),
            _ => is_status(&x),
        };
        bad.push(format!("({x} IS NOT NULL AND NOT {ok})"));
    }
    for f in [
        Field::RequestId,
        Field::ExtendedRequestId,
        Field::SourceIp,
        Field::HttpMethod,
        Field::Protocol,
    ] {
        bad.push(format!(
            "COALESCE(regexp_like({}, '[ \\t\\n\\f\\r\"]'), FALSE)",
            t(f)
        ));
    }
    for f in [Field::ResourcePath, Field::Path] {
        bad.push(format!("COALESCE(substr({}, 1, 1) <> '/', FALSE)", t(f)));
    }
    let unparsed = format!("({})", bad.join(" OR "));

    let route_key = t(Field::RouteKey);
    let key_method = format!(
        "(CASE WHEN strpos({route_key}, ' ') > 0 THEN split_part({route_key}, ' ', 1) END)"
    );
    let key_path = format!(
        "(CASE WHEN strpos({route_key}, ' ') > 0 THEN substr({route_key}, strpos({route_key}, ' ') + 1) \
         WHEN substr({route_key}, 1, 1) = '/' THEN {route_key} END)"
    );
    let method = format!(
        "COALESCE({}, NULLIF({key_method}, 'ANY'))",
        t(Field::HttpMethod)
    );
    let template = format!("COALESCE({}, {key_path})", t(Field::ResourcePath));
    // `route::unify_params`: each {name} segment {id}; a greedy {name+} says nothing
    let unified = format!(
        "(CASE WHEN regexp_like({template}, '(^|/)[{{][^/]*[+][}}](/|$)') THEN NULL ELSE array_join(transform(split({template}, '/'), s -> CASE WHEN \
         regexp_like(s, '^[{{].*[}}]$') THEN '{{id}}' ELSE s END), '/') END)"
    );
    let path = t(Field::Path);
    let function = status_of(Field::FunctionStatus);
    let integration = status_of(Field::IntegrationStatus);
    let status = status_of(Field::Status);
    let integrated = has(Field::IntegrationStatus) || has(Field::FunctionStatus);
    let generated = if integrated {
        format!("({function} IS NULL AND {integration} IS NULL)")
    } else {
        "FALSE".into()
    };
    let cause = format!(
        "(CASE WHEN {status} BETWEEN 500 AND 599 THEN (CASE WHEN {function} >= 500 THEN 'function' \
         WHEN {integration} IS NOT NULL AND NOT ({integration} BETWEEN 200 AND 299) THEN 'integration' \
         ELSE 'gateway' END) \
         WHEN {status} BETWEEN 400 AND 499 THEN (CASE WHEN {waf} = 'WAF_BLOCK' THEN 'waf' \
         WHEN {auth} IS NOT NULL OR {ert} IN ('UNAUTHORIZED', 'ACCESS_DENIED', 'AUTHORIZER_FAILURE', \
         'AUTHORIZER_CONFIGURATION_ERROR', 'EXPIRED_TOKEN', 'INVALID_SIGNATURE') \
         OR ({status} = 401 AND {integration} IS NULL AND {function} IS NULL) THEN 'authorizer' \
         WHEN {status} = 429 THEN 'throttling' ELSE 'client' END) END)",
        waf = t(Field::WafResponseCode),
        auth = t(Field::AuthorizerError),
        ert = t(Field::ErrorResponseType),
    );
    // a line the native parser refuses is no request: its time is NULL, as a line the
    // SerDe could not read (the templates count those apart by it)
    let mut roles: Vec<(Role, String)> = vec![
        (
            Role::Time,
            format!("(CASE WHEN NOT {unparsed} THEN {time} END)"),
        ),
        (Role::Status, status.clone()),
    ];
    let mut add = |role, on: bool, sql: String| {
        if on {
            roles.push((role, sql));
        }
    };
    add(Role::ClientIp, has(Field::SourceIp), t(Field::SourceIp));
    add(Role::UserAgent, has(Field::UserAgent), t(Field::UserAgent));
    add(
        Role::Method,
        has(Field::HttpMethod) || has(Field::RouteKey),
        method,
    );
    add(Role::Url, has(Field::Path), path.clone());
    add(Role::Path, has(Field::Path), path.clone());
    add(
        Role::Endpoint,
        has(Field::ResourcePath) || has(Field::RouteKey) || has(Field::Path),
        format!("COALESCE({unified}, {path})"),
    );
    add(
        Role::UpstreamStatus,
        integrated,
        format!("COALESCE({function}, {integration})"),
    );
    add(Role::Generated, integrated, generated);
    add(
        Role::LatencyMs,
        has(Field::ResponseLatency),
        ms_of(Field::ResponseLatency),
    );
    add(
        Role::UpstreamMs,
        has(Field::IntegrationLatency),
        ms_of(Field::IntegrationLatency),
    );
    add(Role::BytesOut, has(Field::ResponseLength), {
        let x = t(Field::ResponseLength);
        format!("(CASE WHEN {} THEN CAST({x} AS bigint) END)", is_count(&x))
    });
    add(
        Role::TraceId,
        has(Field::XrayTraceId),
        t(Field::XrayTraceId),
    );
    add(
        Role::ErrorReason,
        has(Field::ErrorResponseType),
        t(Field::ErrorResponseType),
    );
    add(Role::EdgeId, has(Field::EdgeId), t(Field::EdgeId));
    Exprs {
        roles: roles
            .into_iter()
            .map(|(r, s)| (r, Fragment::fixed(s)))
            .collect(),
        cause,
        time,
        unparsed,
    }
}

/// The fields the run's format has (all of them without one: read by name).
fn fields_of(settings: &ApigwSettings) -> u32 {
    settings
        .template
        .as_deref()
        .map_or(u32::MAX, |t: &Template| t.fields)
}

/// ISO text of µs, as the time role writes it.
fn iso(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default()
}

/// The table as the analyses' SQL reads it over a window: `day IN (…)` over the delivery days
/// and the day after the end, and the time role against the window's bounds.
pub fn table_sql(window: &Window, settings: &ApigwSettings) -> Result<TableSql, UsageError> {
    let (since, until) = bounds(window)?;
    let (partitions, days) = delivery_partitions(since, until)?;
    let layout = Layout::of(settings)?;
    let e = exprs(&layout, fields_of(settings));
    let mut in_window = Fragment::fixed(format!("{t} >= ? AND {t} < ?", t = e.time));
    in_window.params = vec![lit_str(&iso(since))?, lit_str(&iso(until))?];
    Ok(TableSql {
        format: FormatId::Apigw,
        roles: e.roles,
        unparsed: Fragment::fixed(e.unparsed),
        cause: Some(Fragment::fixed(e.cause)),
        window: WindowSql {
            partitions,
            in_window,
            scan: days,
        },
    })
}

/// The DDL for `athena setup --log-format apigw`: the columns and mappings of the run's
/// format, partition projection over `yyyy/MM/dd` under the location (from `range_start`).
pub fn ddl(
    database: &str,
    table: &str,
    location: &str,
    range_start: &str,
    settings: &ApigwSettings,
) -> Result<String, UsageError> {
    let location = checked_location(location, range_start)?;
    let layout = Layout::of(settings)?;
    let (cols, maps) = layout.columns_and_mappings();
    let mut props = vec![
        "'ignore.malformed.json' = 'true'".to_string(),
        "'dots.in.keys' = 'true'".to_string(),
    ];
    props.extend(maps);
    Ok(format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {db}.{table} (\n    {cols}\n)\n\
         PARTITIONED BY (day STRING)\n\
         ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n\
         WITH SERDEPROPERTIES (\n    {props}\n)\n\
         LOCATION '{location}'\n\
         TBLPROPERTIES (\n    'projection.enabled' = 'true',\n    'projection.day.type' = 'date',\n    \
         'projection.day.range' = '{range_start},NOW',\n    'projection.day.format' = 'yyyy/MM/dd',\n    \
         'projection.day.interval' = '1',\n    'projection.day.interval.unit' = 'DAYS',\n    \
         'storage.location.template' = '{location}${{day}}'\n)",
        db = identifier(database)?,
        table = identifier(table)?,
        cols = cols.join(",\n    "),
        props = props.join(",\n    "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(format: Option<&str>) -> ApigwSettings {
        ApigwSettings::new(format).unwrap()
    }

    /// The mappings of a DDL: (column, key).
    fn mappings(d: &str) -> Vec<(String, String)> {
        d.lines()
            .filter_map(|l| {
                let l = l.trim().trim_end_matches(',');
                let rest = l.strip_prefix("'mapping.")?;
                let (col, key) = rest.split_once("' = '")?;
                Some((col.to_string(), key.trim_end_matches('\'').to_string()))
            })
            .collect()
    }

    #[test]
    fn renamed_keys_are_mapped_dotted_ones_named_by_the_key_nested_ones_are_structs() {
        let s = settings(Some(
            r#"{"id":"$context.requestId","when":"$context.requestTimeEpoch","code":"$context.status","lat":"$context.responseLatency","istatus":"$context.integrationStatus","integration.status":"$context.integration.status","err":{"type":"$context.error.responseType"},"Route":"$context.routeKey"}"#,
        ));
        let d = ddl("hosp", TABLE, "s3://logs/apigw/", "2026/01/01", &s).unwrap();
        for want in [
            "CREATE EXTERNAL TABLE IF NOT EXISTS hosp.apigw_access_logs (",
            "`request_id` string",
            "`response_latency` string",
            // the dotted key's column is the key with '_' (the SerDe's only match for it),
            // and the field whose own name that is takes its key's
            "`integration_status` string",
            "`istatus` string",
            "`err_type` string",
            "`err` struct<type:string>",
            "`integration` struct<status:string>",
            // `status` is a struct field: a column mapped under that name would rename it
            "`code` string",
            "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'",
            "'dots.in.keys' = 'true'",
            "'storage.location.template' = 's3://logs/apigw/${day}'",
        ] {
            assert!(d.contains(want), "{want}\n{d}");
        }
        let want: Vec<(String, String)> = [
            ("request_id", "id"),
            ("request_time_epoch", "when"),
            ("response_latency", "lat"),
            ("route_key", "route"),
        ]
        .iter()
        .map(|(c, k)| (c.to_string(), k.to_string()))
        .collect();
        assert_eq!(mappings(&d), want, "{d}");
        let l = Layout::of(&s).unwrap();
        assert_eq!(
            l.readings[&Field::FunctionStatus],
            ["\"integration_status\"", "\"integration\".\"status\""]
        );
        assert_eq!(l.readings[&Field::IntegrationStatus], ["\"istatus\""]);
        assert_eq!(l.readings[&Field::Status], ["\"code\""]);
    }

    #[test]
    fn no_mapping_names_a_struct_field_or_reads_a_dotted_key() {
        let formats = [
            None,
            Some(
                r#"{"status":"$context.status","a.status":"$context.integration.status","b":{"request_id":"$context.requestId"},"rid":"$context.extendedRequestId","requestTime":"$context.requestTime"}"#,
            ),
        ];
        for format in formats {
            let s = settings(format);
            let d = ddl("hosp", TABLE, "s3://logs/", "2026/01/01", &s).unwrap();
            let l = Layout::of(&s).unwrap();
            let mut fields = Vec::new();
            for (_, _, t) in &l.structs {
                t.names(&mut fields);
            }
            for (col, key) in mappings(&d) {
                assert!(!fields.contains(&col), "{col} is a struct field\n{d}");
                // these formats' keys have no '_' but for their dots: a dotted key is unmapped
                assert!(!key.contains('_'), "{col} -> {key}\n{d}");
            }
        }
        let d = ddl(
            "hosp",
            TABLE,
            "s3://logs/",
            "2026/01/01",
            &settings(Some(
                r#"{"status":"$context.status","b":{"request_id":"$context.extendedRequestId"},"rid":"$context.requestId"}"#,
            )),
        )
        .unwrap();
        // requestId's own column name is a struct field's: the column is named by its key
        assert!(d.contains("`rid` string"), "{d}");
        assert!(d.contains("`b_request_id` string"), "{d}");
        assert!(d.contains("`b` struct<request_id:string>"), "{d}");
        assert!(!d.contains("'mapping."), "{d}");
    }

    #[test]
    fn formats_the_serde_cannot_read_are_refused() {
        let clf = settings(Some(super::super::PRESETS[2].1));
        let e = ddl("hosp", TABLE, "s3://logs/", "2026/01/01", &clf).unwrap_err();
        assert!(e.0.contains("is not JSON"), "{e}");
        let pieces = settings(Some(
            r#"{"status":"$context.status","route":"$context.httpMethod $context.resourcePath"}"#,
        ));
        let e = ddl("hosp", TABLE, "s3://logs/", "2026/01/01", &pieces).unwrap_err();
        assert!(
            e.0.contains("\"route\"") && e.0.contains("its own key"),
            "{e}"
        );
        let clash = settings(Some(
            r#"{"status":"$context.status","Status":"$context.path"}"#,
        ));
        let e = ddl("hosp", TABLE, "s3://logs/", "2026/01/01", &clash).unwrap_err();
        assert!(e.0.contains("rename one"), "{e}");
    }

    #[test]
    fn by_name_reads_nested_and_dotted_spellings() {
        let d = ddl("hosp", TABLE, "s3://logs/", "2026/01/01", &settings(None)).unwrap();
        assert!(d.contains("`integration_status` string"), "{d}");
        assert!(d.contains("`integrationstatus` string"), "{d}");
        assert!(!d.contains("'mapping.integration_status'"), "{d}");
        assert!(d.contains("`integration` struct<status:string>"), "{d}");
        assert!(
            d.contains("`identity` struct<sourceip:string,useragent:string>"),
            "{d}"
        );
        let l = Layout::of(&settings(None)).unwrap();
        assert_eq!(
            l.readings[&Field::FunctionStatus],
            ["\"integration_status\"", "\"integration\".\"status\""]
        );
        assert_eq!(
            l.readings[&Field::IntegrationStatus],
            ["\"integrationstatus\""]
        );
        // the presets' `ip` as well
        assert!(d.contains("'mapping.source_ip' = 'ip'"), "{d}");
        assert_eq!(
            l.readings[&Field::SourceIp],
            [
                "\"identity_sourceip\"",
                "\"source_ip\"",
                "\"sourceip\"",
                "\"identity\".\"sourceip\""
            ]
        );
    }
}
