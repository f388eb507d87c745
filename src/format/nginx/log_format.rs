//! Compiling a `log_format` into a matcher, once per run.
//!
//! The config takes the format as nginx.conf has it, in any of three shapes:
//! - the format itself: `$remote_addr - $remote_user [$time_local] "$request" …`;
//! - its quoted pieces, as nginx concatenates them: `'$remote_addr - ' '"$request" …'`
//!   (the text starts with a single quote);
//! - the whole directive: `log_format main escape=json '{"status":"$status"}';`.
//!
//! A format is literal text and variables (`$name` or `${name}`). Each distinct variable gets
//! a slot in the record; known variables (see `vars`) are typed, any other is text. A format
//! that is a flat JSON object (`{"key":"$var",…}`) is read as JSON: by key, whatever the
//! order and spacing of the line, as log shippers rewrite JSON. Anything else is matched as
//! written.
//!
//! Depends only on `std`, `thiserror` and `vars` (the fuzz crate compiles it by path).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use super::vars::{Var, VarKind};

/// How nginx escaped the values (`log_format … escape=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escape {
    /// `"`, `\` and bytes outside 32..=126 written as `\xHH`.
    #[default]
    Default,
    /// JSON string escapes: `\"`, `\\`, `\n`, `\u00XX`; a variable with no value is empty.
    Json,
    /// Values written as they are.
    None,
}

impl Escape {
    pub fn parse(text: &str) -> Result<Escape, LogFormatError> {
        match text {
            "default" => Ok(Escape::Default),
            "json" => Ok(Escape::Json),
            "none" => Ok(Escape::None),
            other => Err(LogFormatError::BadEscape(other.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Escape::Default => "default",
            Escape::Json => "json",
            Escape::None => "none",
        }
    }
}

/// A `log_format` that cannot be read (a usage error: exit 2, before any log is read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogFormatError {
    #[error("unbalanced quotes: the {quote} opened at character {at} is not closed")]
    UnclosedQuote { quote: char, at: usize },
    #[error("unbalanced quotes: the format has an odd number of '\"'")]
    OddQuotes,
    #[error("'$' with no variable name at character {at}")]
    NoName { at: usize },
    #[error("'${{' with no closing '}}' at character {at}")]
    UnclosedBrace { at: usize },
    #[error("unknown escape {0:?}: expected default, json or none")]
    BadEscape(String),
    #[error("the directive says escape={directive} but [nginx] escape is {config:?}")]
    EscapeConflict { directive: String, config: String },
    #[error("the directive `log_format` has no format after its name")]
    NoFormat,
    #[error("the log_format is empty")]
    Empty,
    #[error("the log_format has no variable: nothing to read")]
    NoVariable,
}

/// One part of a format: literal text, or a variable (its slot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(Lit),
    Var(usize),
}

/// Literal text, with the messages a line that lacks it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lit {
    pub text: String,
    /// `" [" after it`
    pub after: &'static str,
    /// `" [" before it`
    pub before: &'static str,
}

/// A distinct variable of the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The name without `$`.
    pub name: String,
    /// `$name`, for messages.
    pub field: &'static str,
    pub kind: VarKind,
    pub var: Option<Var>,
}

/// How lines are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Matched piece by piece, as written.
    Line(Vec<Piece>),
    /// A JSON object: each key's value matched by its own pieces.
    Json(Vec<JsonField>),
}

/// One key of a JSON-object format: `"status":$status` or `"request":"$request_method $uri"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonField {
    pub key: String,
    pub pieces: Vec<Piece>,
}

/// A compiled log_format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxLogFormat {
    /// The format as configured, for messages.
    pub text: String,
    pub escape: Escape,
    pub body: Body,
    pub slots: Vec<Slot>,
    /// The slot of each known variable the format has.
    known: Vec<Option<usize>>,
}

/// nginx's predefined `combined` format, the default.
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;

impl Default for NginxLogFormat {
    fn default() -> Self {
        NginxLogFormat::compile(COMBINED, None).expect("the combined format compiles")
    }
}

impl NginxLogFormat {
    /// Compiles a format as configured; `escape` is `[nginx] escape` (a directive's own
    /// `escape=` must agree with it).
    pub fn compile(text: &str, escape: Option<&str>) -> Result<NginxLogFormat, LogFormatError> {
        let config_escape = escape.map(Escape::parse).transpose()?;
        let (format, directive_escape) = unwrap_config_text(text)?;
        let escape = match (directive_escape, config_escape) {
            (Some(d), Some(c)) if d != c => {
                return Err(LogFormatError::EscapeConflict {
                    directive: d.name().into(),
                    config: c.name().into(),
                })
            }
            (d, c) => d.or(c).unwrap_or_default(),
        };
        if format.trim().is_empty() {
            return Err(LogFormatError::Empty);
        }
        if format.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
            return Err(LogFormatError::OddQuotes);
        }
        let mut slots = Vec::new();
        // checked whole first, so a `$` error names its place in the format as written
        let line = pieces(&format, 0, &mut slots)?;
        let body = match json_template(&format) {
            Some(fields) => {
                slots.clear();
                let fields = fields
                    .into_iter()
                    .map(|(key, value)| {
                        // `$` errors were found above, where their place is known
                        Ok(JsonField {
                            key,
                            pieces: pieces(&value, 0, &mut slots)?,
                        })
                    })
                    .collect::<Result<Vec<_>, LogFormatError>>()?;
                Body::Json(fields)
            }
            None => Body::Line(line),
        };
        if slots.is_empty() {
            return Err(LogFormatError::NoVariable);
        }
        let mut known = vec![None; Var::ALL.len()];
        for (i, s) in slots.iter().enumerate() {
            if let Some(v) = s.var {
                known[v as usize] = Some(i);
            }
        }
        Ok(NginxLogFormat {
            text: text.to_string(),
            escape,
            body,
            slots,
            known,
        })
    }

    /// The slot of a known variable, when the format has it.
    pub fn slot(&self, var: Var) -> Option<usize> {
        self.known[var as usize]
    }

    pub fn has(&self, var: Var) -> bool {
        self.slot(var).is_some()
    }
}

/// The format string from the config's text, and the directive's `escape=` if any.
fn unwrap_config_text(text: &str) -> Result<(String, Option<Escape>), LogFormatError> {
    let t = text.trim_start();
    let (rest, directive) = match t.strip_prefix("log_format") {
        Some(r) if r.starts_with(char::is_whitespace) => {
            // the format's name
            let r = r.trim_start();
            let name_end = r.find(char::is_whitespace).unwrap_or(r.len());
            (&r[name_end..], true)
        }
        _ => (t, false),
    };
    let rest_t = rest.trim_start();
    let (rest_t, escape) = match rest_t.strip_prefix("escape=") {
        Some(r) => {
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            (&r[end..], Some(Escape::parse(&r[..end])?))
        }
        None => (rest_t, None),
    };
    if directive || escape.is_some() || rest_t.starts_with('\'') {
        let at = text[..text.len() - rest_t.len()].chars().count();
        let joined = conf_strings(rest_t, at)?;
        if joined.is_empty() && directive {
            return Err(LogFormatError::NoFormat);
        }
        return Ok((joined, escape));
    }
    Ok((text.trim_end_matches(['\n', '\r']).to_string(), None))
}

/// nginx.conf's string arguments, concatenated as `log_format` does: quoted (`'…'`, `"…"`,
/// with `\"`, `\'`, `\\`, `\t`, `\r`, `\n` escapes) or bare words, up to an optional `;`.
/// `at` is where `text` starts in the config's text (0-based chars), for messages.
fn conf_strings(text: &str, at: usize) -> Result<String, LogFormatError> {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            ';' => break,
            '\'' | '"' => {
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    if d == '\\' {
                        match chars.peek().map(|(_, n)| *n) {
                            Some(n @ ('"' | '\'' | '\\')) => {
                                out.push(n);
                                chars.next();
                            }
                            Some('t') => {
                                out.push('\t');
                                chars.next();
                            }
                            Some('r') => {
                                out.push('\r');
                                chars.next();
                            }
                            Some('n') => {
                                out.push('\n');
                                chars.next();
                            }
                            _ => out.push('\\'),
                        }
                        continue;
                    }
                    out.push(d);
                }
                if !closed {
                    return Err(LogFormatError::UnclosedQuote {
                        quote: c,
                        at: at + text[..i].chars().count() + 1,
                    });
                }
            }
            c => {
                out.push(c);
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_whitespace() || d == ';' {
                        break;
                    }
                    out.push(d);
                    chars.next();
                }
            }
        }
    }
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits a format into literal text and variables, adding new variables to `slots`. `at` is
/// where `format` starts in the whole format (chars), for messages.
fn pieces(format: &str, at: usize, slots: &mut Vec<Slot>) -> Result<Vec<Piece>, LogFormatError> {
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut chars = format.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            lit.push(c);
            continue;
        }
        let pos = at + format[..i].chars().count() + 1;
        let mut name = String::new();
        if chars.peek().map(|(_, c)| *c) == Some('{') {
            chars.next();
            let mut closed = false;
            for (_, d) in chars.by_ref() {
                if d == '}' {
                    closed = true;
                    break;
                }
                name.push(d);
            }
            if !closed {
                return Err(LogFormatError::UnclosedBrace { at: pos });
            }
            if name.is_empty() || !name.chars().all(is_name_char) {
                return Err(LogFormatError::NoName { at: pos });
            }
        } else {
            while let Some(&(_, d)) = chars.peek() {
                if !is_name_char(d) {
                    break;
                }
                name.push(d);
                chars.next();
            }
            if name.is_empty() {
                return Err(LogFormatError::NoName { at: pos });
            }
        }
        if !lit.is_empty() {
            out.push(Piece::Lit(literal(std::mem::take(&mut lit))));
        }
        out.push(Piece::Var(slot_of(slots, &name)));
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(literal(lit)));
    }
    Ok(out)
}

fn literal(text: String) -> Lit {
    Lit {
        after: intern(format!("{text:?} after it")),
        before: intern(format!("{text:?} before it")),
        text,
    }
}

/// The slot of a variable, added on first sight (nginx variable names are case-insensitive).
fn slot_of(slots: &mut Vec<Slot>, name: &str) -> usize {
    let name = name.to_ascii_lowercase();
    if let Some(i) = slots.iter().position(|s| s.name == name) {
        return i;
    }
    let var = Var::from_name(&name);
    slots.push(Slot {
        field: intern(format!("${name}")),
        kind: var.map_or(VarKind::Text, Var::kind),
        var,
        name,
    });
    slots.len() - 1
}

/// Names and messages made from a format live as long as the run: kept once each, so
/// compiling the same format again adds nothing.
fn intern(text: String) -> &'static str {
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.get(text.as_str()) {
        return s;
    }
    let s: &'static str = Box::leak(text.into_boxed_str());
    seen.insert(s);
    s
}

/// A format that is a flat JSON object whose values are strings or bare variables: each
/// (key, the value's format). None for anything else (it is then matched as written).
fn json_template(format: &str) -> Option<Vec<(String, String)>> {
    let body = format.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let (key, after) = json_string(rest)?;
        let after = after.trim_start().strip_prefix(':')?.trim_start();
        let (value, after) = if after.starts_with('"') {
            json_string(after)?
        } else {
            let end = after
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(after.len());
            after.split_at(end)
        };
        if value.is_empty() || value.starts_with(['{', '[']) {
            return None;
        }
        out.push((key.to_string(), value.to_string()));
        rest = after.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The content of the JSON string `text` starts with (escapes kept), and what follows it.
pub fn json_string(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    let b = inner.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some((&inner[..i], &inner[i + 1..])),
            _ => i += 1,
        }
    }
    None
}
