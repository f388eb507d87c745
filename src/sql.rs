//! Safe SQL text: fragments written by this crate, values either as execution parameters
//! (`?`) or as validated literals. Nothing from the command line, the config or the logs
//! reaches SQL text any other way.

use serde::Serialize;

use crate::error::UsageError;

/// A query and its execution parameters (SQL literals, in the order of the `?`s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    pub sql: String,
    pub parameters: Vec<String>,
}

/// A piece of SQL written by this crate, and the literals for its `?` markers in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub(crate) sql: String,
    pub(crate) params: Vec<String>,
}

impl Fragment {
    /// SQL text from this crate's own code: never pass outside text here.
    pub fn fixed(sql: impl Into<String>) -> Fragment {
        Fragment {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// A value as an ExecutionParameter: only where Athena accepts `?`, in a WHERE clause.
    pub fn param(literal: String) -> Fragment {
        Fragment {
            sql: "?".into(),
            params: vec![literal],
        }
    }

    /// A value written into the SQL as a literal made by `lit_str`, `lit_int` or `lit_double`.
    pub fn literal(literal: String) -> Fragment {
        Fragment::fixed(literal)
    }

    /// Appends a literal made by `lit_str`, `lit_int` or `lit_double`.
    pub fn push_literal(&mut self, literal: &str) {
        self.sql.push_str(literal);
    }

    /// Appends another fragment, its parameters after this one's.
    pub fn append(&mut self, other: &Fragment) {
        self.sql.push_str(&other.sql);
        self.params.extend(other.params.iter().cloned());
    }

    pub fn push(&mut self, sql: &str, params: impl IntoIterator<Item = String>) {
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
pub(crate) fn count_markers(sql: &str) -> usize {
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
