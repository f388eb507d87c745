//! Ad hoc SQL over the typed frame (Polars SQL), as the table `logs`.
//!
//! A query is checked against the full schema with no rows before any log is read, so a bad
//! query fails fast; then only the columns it names are loaded. The projection is
//! conservative: a column is loaded when its name occurs anywhere in the text as a word, and
//! everything is loaded for `*` (other than `count(*)`), `COLUMNS(…)` or `NATURAL` joins. It
//! is confirmed on empty frames (the projected schema must give the same result schema) and
//! falls back to every column otherwise.

use polars::prelude::{DataFrame, IntoLazy, PolarsError};
use polars::sql::SQLContext;

use crate::error::UsageError;
use crate::format::ColumnDef;
use crate::frame::empty_frame;

/// The table name queries use.
pub const TABLE: &str = "logs";

/// A SQL session over one loaded frame; queries run one after another against it.
pub struct Session {
    ctx: SQLContext,
}

impl Session {
    pub fn new(df: DataFrame) -> Session {
        let ctx = SQLContext::new();
        ctx.register(TABLE, df.lazy());
        Session { ctx }
    }

    /// Runs one statement; any Polars error (syntax, unknown column or table, a failed cast)
    /// is the user's query's and comes back as a usage error.
    pub fn run(&mut self, sql: &str) -> Result<DataFrame, UsageError> {
        self.ctx
            .execute(sql)
            .and_then(|lf| lf.collect())
            .map_err(sql_error)
    }
}

/// The columns `idx` of a format's columns, as definitions.
pub fn pick(defs: &[ColumnDef], idx: &[usize]) -> Vec<ColumnDef> {
    idx.iter().map(|&i| defs[i].clone()).collect()
}

/// Checks `sql` against the schema of `defs` (no rows, nothing read) and returns the columns
/// to load, as indexes into `defs` in schema order.
pub fn plan(sql: &str, defs: &[ColumnDef]) -> Result<Vec<usize>, UsageError> {
    let all: Vec<usize> = (0..defs.len()).collect();
    let full = Session::new(empty_frame(defs)).run(sql)?;
    let Some(mut mentioned) = mentioned_columns(sql, defs) else {
        return Ok(all);
    };
    // `time` always: a frame with no column has no rows
    if let Some(t) = defs.iter().position(|d| d.name == "time") {
        if !mentioned.contains(&t) {
            mentioned.push(t);
            mentioned.sort_unstable();
        }
    }
    if mentioned == all {
        return Ok(all);
    }
    match Session::new(empty_frame(&pick(defs, &mentioned))).run(sql) {
        Ok(projected) if projected.schema() == full.schema() => Ok(mentioned),
        _ => Ok(all),
    }
}

/// The columns (indexes into `defs`, in schema order) whose names occur in the text as words
/// (case-insensitive); None (all of them) when the text has a `*` other than `(*)`, `COLUMNS`
/// or `NATURAL`. Over-inclusive on purpose: a name inside a string literal or a comment also
/// counts.
pub fn mentioned_columns(sql: &str, defs: &[ColumnDef]) -> Option<Vec<usize>> {
    let chars: Vec<char> = sql.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '*' {
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if !(before == Some(&'(') && after == Some(&')')) {
                return None;
            }
        }
    }
    let mut set = Vec::new();
    for word in sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if word == "columns" || word == "natural" {
            return None;
        }
        if let Some(c) = defs.iter().position(|d| d.name == word) {
            if !set.contains(&c) {
                set.push(c);
            }
        }
    }
    set.sort_unstable();
    Some(set)
}

/// Polars' message, first paragraph only (the rest is its internal plan), on one line.
fn sql_error(e: PolarsError) -> UsageError {
    let text = e.to_string();
    let first = text.split("\n\n").next().unwrap_or(&text);
    let first = first.split_whitespace().collect::<Vec<_>>().join(" ");
    // Polars 0.55 compares a UTC column with ISO text only when the text has no offset
    let hint = if first.contains("cannot compare 'date/datetime/time' to a string value") {
        " (times are UTC: write them without an offset, e.g. time >= '2026-11-20 10:00:00')"
    } else {
        ""
    };
    UsageError(format!("query: {first}{hint}"))
}

/// Splits input into complete statements at `;` outside quotes and `--` comments.
/// Returns the statements (trimmed, without the `;`, empty ones dropped) and the unfinished rest.
pub fn split_statements(text: &str) -> (Vec<String>, String) {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if comment {
            current.push(c);
            if c == '\n' {
                comment = false;
            }
            continue;
        }
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    comment = true;
                    current.push(c);
                }
                ';' => {
                    let stmt = current.trim();
                    if !stmt.is_empty() {
                        out.push(stmt.to_string());
                    }
                    current.clear();
                }
                _ => current.push(c),
            },
        }
    }
    (out, current)
}

/// True when the text holds nothing but whitespace and `--` comments.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("--"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(defs: &[ColumnDef], idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| defs[i].name.clone()).collect()
    }

    #[test]
    fn mentions_are_projected() {
        let defs = crate::format::FormatId::Alb.columns();
        let s = mentioned_columns(
            "SELECT endpoint, count(*) AS n FROM logs WHERE elb_status_code >= 500 GROUP BY endpoint",
            &defs,
        )
        .unwrap();
        assert_eq!(names(&defs, &s), ["elb_status_code", "endpoint"]);
        assert_eq!(
            mentioned_columns("select COUNT( * ) from logs", &defs),
            Some(vec![])
        );
        assert_eq!(mentioned_columns("SELECT * FROM logs", &defs), None);
        assert_eq!(
            mentioned_columns("SELECT latency_ms * 2 FROM logs", &defs),
            None
        );
        assert_eq!(
            mentioned_columns("SELECT COLUMNS('^ssl_.*$') FROM logs", &defs),
            None
        );
        // quoted and upper-case names count
        let t = mentioned_columns("SELECT \"TIME\" FROM logs", &defs).unwrap();
        assert_eq!(names(&defs, &t), ["time"]);
    }

    #[test]
    fn plan_checks_before_reading() {
        let defs = crate::format::FormatId::Alb.columns();
        let cols = plan("SELECT path, count(*) AS n FROM logs GROUP BY path", &defs).unwrap();
        assert_eq!(names(&defs, &cols), ["time", "path"]);
        assert_eq!(plan("SELECT * FROM logs", &defs).unwrap().len(), defs.len());
        for bad in [
            "SELEC 1",
            "SELECT nope FROM logs",
            "SELECT path FROM nowhere",
        ] {
            let err = plan(bad, &defs).unwrap_err();
            assert!(err.0.starts_with("query: "), "{err}");
            assert!(!err.0.contains('\n'), "{err}");
        }
    }

    #[test]
    fn statements_split_outside_quotes_and_comments() {
        let (stmts, rest) =
            split_statements("SELECT ';' FROM logs; -- a; comment\nSELECT 2;\n;SELECT 3");
        assert_eq!(
            stmts,
            vec!["SELECT ';' FROM logs", "-- a; comment\nSELECT 2"]
        );
        assert_eq!(rest, "SELECT 3");
        assert!(is_blank("  \n-- only a comment\n"));
        assert!(!is_blank("SELECT 1"));
    }
}
