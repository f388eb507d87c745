//! Compiling an API Gateway stage's access-log format (`[apigw] format`, the "Log format" of
//! the stage's settings) into a matcher, once per run; AWS's presets; reading a line without
//! a template.
//!
//! A format is literal text and `$context.…` variables. A format that is a JSON object
//! (`{"requestId":"$context.requestId", "ip":"$context.identity.sourceIp", …}`, maybe nested)
//! is read as JSON: by key path (nested keys joined with `.`), whatever the order and spacing
//! of the line; a key's value may hold several variables and text (`"$context.httpMethod
//! $context.resourcePath"`), matched as written. Anything else (CLF, CSV, XML, custom) is
//! matched as written: each variable's value runs to the next occurrence of the literal after
//! it (a `requestTime` is its 26 characters, space included; a route key's `METHOD ` is part
//! of it). Variables hosp-logs does not read (`$context.stage`, `$stageVariables.x`) are
//! matched and dropped.
//!
//! Depends only on `std`, `thiserror` and `fields` (the fuzz crate compiles it by path).

use std::sync::OnceLock;

use super::fields::{Field, Kind};

/// AWS's presets, as the console writes them: (name, format).
pub const PRESETS: [(&str, &str); 8] = [
    (
        "REST JSON",
        r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user","requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#,
    ),
    (
        "HTTP JSON",
        r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#,
    ),
    (
        "REST CLF",
        r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#,
    ),
    (
        "HTTP CLF",
        r#"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#,
    ),
    (
        "REST XML",
        r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
    ),
    (
        "HTTP XML",
        r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
    ),
    (
        "REST CSV",
        r#"$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId"#,
    ),
    (
        "HTTP CSV",
        r#"$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId"#,
    ),
];

/// A format that cannot be read (a usage error: exit 2, before any log is read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the format is empty")]
    Empty,
    #[error("'$' with no variable name at character {at}")]
    NoName { at: usize },
    #[error(
        "${name} follows another variable with no text between them: a line cannot be split there"
    )]
    Adjacent { name: String },
    #[error("the format has no $context.status: every request's status is needed")]
    NoStatus,
    #[error("the JSON format does not parse at character {at}: expected {expected}")]
    Json { at: usize, expected: &'static str },
}

/// A piece of a format matched as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// A variable; None for one hosp-logs does not read.
    Var(Option<Field>),
}

/// Literal text and variables, matched as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces(pub Vec<Piece>);

/// What a key of a JSON format holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Exactly one variable (the usual `"status":"$context.status"`).
    One(Field),
    /// Text and variables (`"route":"$context.httpMethod $context.resourcePath"`).
    Pieces(Pieces),
}

/// How the lines are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A JSON object: each key path (nested keys joined with `.`) and what it holds.
    Json(Vec<(String, Value)>),
    /// A JSON object whose keys are the variables' own names (no template configured).
    JsonByName,
    /// Matched as written.
    Line(Pieces),
}

/// A compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// For messages: a preset's name, "custom", or "JSON by variable name".
    pub name: String,
    pub body: Body,
    /// The fields the format has (a bit per [`Field`]).
    pub fields: u32,
}

/// The bit of a field in [`Template::fields`].
pub const fn bit(f: Field) -> u32 {
    1 << f as u32
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// Text and variables; `offset` places errors in the whole format.
fn pieces(text: &str, offset: usize) -> Result<Pieces, TemplateError> {
    let b = text.as_bytes();
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
            lit.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < b.len() && is_name_char(b[end]) {
            end += 1;
        }
        // a sentence's full stop is not part of the name
        while end > start && b[end - 1] == b'.' {
            end -= 1;
        }
        if end == start {
            return Err(TemplateError::NoName { at: offset + i });
        }
        let name = &text[start..end];
        if !lit.is_empty() {
            out.push(Piece::Lit(std::mem::take(&mut lit)));
        } else if matches!(out.last(), Some(Piece::Var(_))) {
            return Err(TemplateError::Adjacent {
                name: name.to_string(),
            });
        }
        let field = name.strip_prefix("context.").and_then(Field::of_variable);
        out.push(Piece::Var(field));
        i = end;
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(Pieces(out))
}

impl Pieces {
    fn fields(&self) -> u32 {
        self.0.iter().fold(0, |m, p| match p {
            Piece::Var(Some(f)) => m | bit(*f),
            _ => m,
        })
    }

    /// Matches `text` whole; each variable's value goes to `put`. None: it does not match.
    pub fn matches<'a>(&self, text: &'a str, put: &mut impl FnMut(Field, &'a str)) -> Option<()> {
        let mut rest = text;
        let mut pieces = self.0.iter().peekable();
        while let Some(p) = pieces.next() {
            match p {
                Piece::Lit(l) => rest = rest.strip_prefix(l.as_str())?,
                Piece::Var(field) => {
                    let end = match pieces.peek() {
                        Some(Piece::Lit(next)) => {
                            let skip = field.map_or(0, |f| must_take(f, rest));
                            skip + rest.get(skip..)?.find(next.as_str())?
                        }
                        _ => rest.len(),
                    };
                    if let Some(f) = field {
                        put(*f, &rest[..end]);
                    }
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(())
    }
}

/// How many bytes of `text` a field's value takes before the literal after it is looked for:
/// a CLF time holds a space (`09/Jun/2023:12:54:08 +0000`), a route key a method and a space
/// (`GET /pets/{id}`).
fn must_take(f: Field, text: &str) -> usize {
    match f.kind() {
        Kind::ClfTime if text.len() >= 26 && text.as_bytes()[20] == b' ' => 21,
        _ if f == Field::RouteKey => {
            let word = text.bytes().take_while(u8::is_ascii_uppercase).count();
            if word > 0 && text.as_bytes().get(word) == Some(&b' ') {
                word + 1
            } else {
                0
            }
        }
        _ => 0,
    }
}

impl Template {
    /// Compiles a stage's format.
    pub fn compile(text: &str) -> Result<Template, TemplateError> {
        Template::compile_named(text, "custom")
    }

    fn compile_named(text: &str, name: &str) -> Result<Template, TemplateError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(TemplateError::Empty);
        }
        let offset = text.len() - text.trim_start().len();
        let (body, fields) = if trimmed.starts_with('{') {
            let mut keys = Vec::new();
            let mut fields = 0;
            let mut err = None;
            super::json::walk(trimmed, true, &mut |path, value, at| {
                let Some(value) = value else { return };
                match pieces(value, offset + at) {
                    Ok(p) => {
                        fields |= p.fields();
                        let v = match p.0.as_slice() {
                            [Piece::Var(Some(f))] => Value::One(*f),
                            [Piece::Var(None)] | [Piece::Lit(_)] | [] => return,
                            _ => Value::Pieces(p),
                        };
                        keys.push((path.to_string(), v));
                    }
                    Err(e) => {
                        err.get_or_insert(e);
                    }
                }
            })
            .map_err(|(at, expected)| TemplateError::Json {
                at: offset + at,
                expected,
            })?;
            if let Some(e) = err {
                return Err(e);
            }
            (Body::Json(keys), fields)
        } else {
            let p = pieces(trimmed, offset)?;
            let fields = p.fields();
            (Body::Line(p), fields)
        };
        if fields & bit(Field::Status) == 0 {
            return Err(TemplateError::NoStatus);
        }
        Ok(Template {
            name: name.to_string(),
            body,
            fields,
        })
    }

    /// A JSON line read by its keys: the variables' own names, nested or dotted, and the
    /// preset's keys (`ip`); see `fields::DEFAULT_KEYS`.
    pub fn json_by_name() -> Template {
        Template {
            name: "JSON keyed by $context variable names".to_string(),
            body: Body::JsonByName,
            fields: u32::MAX >> (32 - super::fields::FIELD_COUNT),
        }
    }

    /// AWS's presets, compiled once.
    pub fn presets() -> &'static [Template] {
        static PRESET_TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
        PRESET_TEMPLATES.get_or_init(|| {
            PRESETS
                .iter()
                .map(|(name, text)| {
                    Template::compile_named(text, name).expect("AWS's presets compile")
                })
                .collect()
        })
    }

    pub fn has(&self, f: Field) -> bool {
        self.fields & bit(f) != 0
    }

    /// The field a JSON key path holds when it is one variable alone.
    pub(super) fn json_key(&self, path: &str) -> Option<&Value> {
        match &self.body {
            Body::Json(keys) => keys.iter().find(|(k, _)| k == path).map(|(_, v)| v),
            _ => None,
        }
    }
}
