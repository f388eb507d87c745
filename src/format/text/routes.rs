//! Endpoint templating: `/patients/123/screen` -> `/patients/{id}/screen`.

use std::borrow::Cow;
use std::fmt;

/// A rejected route template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    /// The template as given.
    pub template: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid route template {:?}: {}",
            self.template, self.reason
        )
    }
}

impl std::error::Error for RouteError {}

/// Escapes ASCII punctuation, which Java's regex and RE2 both read as literal when escaped.
pub fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    raw: String,
    segments: Vec<Segment>,
    /// Ends with `/*`: matches any rest of the path (including none).
    rest: bool,
}

/// Maps request paths to endpoint names.
///
/// Config templates are tried in order, first match wins and is returned as
/// written. Otherwise the default rule replaces every id-like segment (all
/// digits, a UUID, 16+ hex chars, or 16+ alphanumerics including a digit) by
/// `{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    templates: Vec<Template>,
}

/// Path without query, leading and trailing `/`, for segment matching.
fn trim_path(path: &str) -> &str {
    let p = path.strip_prefix('/').unwrap_or(path);
    p.strip_suffix('/').unwrap_or(p)
}

fn segments(trimmed: &str) -> impl Iterator<Item = &str> {
    // "" has no segment ("/" is the root), unlike "".split('/').
    let mut it = trimmed.split('/');
    if trimmed.is_empty() {
        it.next();
    }
    it
}

fn parse_template(t: &str) -> Result<Template, &'static str> {
    if !t.starts_with('/') {
        return Err("must start with '/'");
    }
    if t.contains(['?', '#']) || t.chars().any(char::is_whitespace) {
        return Err("must not contain '?', '#' or whitespace");
    }
    let (body, rest) = match t.strip_suffix("/*") {
        Some(b) => (b, true),
        None => (t, false),
    };
    let mut out = Vec::new();
    for seg in segments(trim_path(body)) {
        if seg.is_empty() {
            return Err("empty segment ('//')");
        }
        if seg.contains('*') {
            return Err("'*' is only allowed as the last segment ('/*')");
        }
        if let Some(inner) = seg.strip_prefix('{') {
            let Some(name) = inner.strip_suffix('}') else {
                return Err("a placeholder must be a whole segment like {id}");
            };
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return Err("a placeholder name must be non-empty letters, digits or '_'");
            }
            out.push(Segment::Param);
        } else if seg.contains(['{', '}']) {
            return Err("a placeholder must be a whole segment like {id}");
        } else {
            out.push(Segment::Literal(seg.to_owned()));
        }
    }
    Ok(Template {
        raw: t.to_owned(),
        segments: out,
        rest,
    })
}

impl Template {
    fn matches(&self, trimmed: &str) -> bool {
        let mut path = segments(trimmed);
        for seg in &self.segments {
            match (seg, path.next()) {
                (_, None) => return false,
                (Segment::Param, Some(s)) => {
                    if s.is_empty() {
                        return false;
                    }
                }
                (Segment::Literal(l), Some(s)) => {
                    if l != s {
                        return false;
                    }
                }
            }
        }
        self.rest || path.next().is_none()
    }
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => is_hex(c),
        })
}

/// Whether a path segment looks like an identifier.
fn is_id(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.is_empty() {
        return false;
    }
    if b.iter().all(u8::is_ascii_digit) || is_uuid(b) {
        return true;
    }
    b.len() >= 16
        && b.iter().all(u8::is_ascii_alphanumeric)
        && (b.iter().all(|&c| is_hex(c)) || b.iter().any(u8::is_ascii_digit))
}

impl Routes {
    /// Compiles config templates such as `/patients/{id}/screen`,
    /// `/api/{version}/items` or `/static/*` (trailing `/*` matches the rest).
    pub fn new(templates: &[String]) -> Result<Routes, RouteError> {
        let templates = templates
            .iter()
            .map(|t| {
                parse_template(t).map_err(|reason| RouteError {
                    template: t.clone(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Routes { templates })
    }

    /// Each config template as (regex over the path, endpoint name), in order, for engines
    /// that match in SQL. The regex accepts exactly the paths `endpoint` maps to the template.
    pub fn patterns(&self) -> Vec<(String, String)> {
        self.templates
            .iter()
            .map(|t| {
                let segs: Vec<String> = t
                    .segments
                    .iter()
                    .map(|s| match s {
                        Segment::Literal(l) => escape_regex(l),
                        Segment::Param => "[^/]+".to_string(),
                    })
                    .collect();
                let re = match (segs.is_empty(), t.rest) {
                    (true, true) => "^".to_string(),
                    (_, true) => format!("^/?{}(/.*)?/?$", segs.join("/")),
                    (_, false) => format!("^/?{}/?$", segs.join("/")),
                };
                (re, t.raw.clone())
            })
            .collect()
    }

    /// The endpoint for a request path (a query, if any, is ignored; an empty
    /// path is `/`). Borrows from `path` unless a segment is replaced or a
    /// config template matched.
    pub fn endpoint<'p>(&self, path: &'p str) -> Cow<'p, str> {
        let mut out = String::new();
        match self.endpoint_into(path, &mut out) {
            Some(slice) => Cow::Borrowed(slice),
            None => Cow::Owned(out),
        }
    }

    /// [`Routes::endpoint`] without allocating: `Some` when the endpoint is a slice of `path`
    /// (or `/`), else `None` with the endpoint written into `out` (cleared first).
    pub fn endpoint_into<'p>(&self, path: &'p str, out: &mut String) -> Option<&'p str> {
        // byte searches with the memchr crate: this runs on every request of most analyses,
        // and str::split's searcher cost more than the templating itself
        let path = memchr::memchr(b'?', path.as_bytes()).map_or(path, |q| &path[..q]);
        if path.is_empty() {
            return Some("/");
        }
        out.clear();
        if !self.templates.is_empty() {
            let trimmed = trim_path(path);
            if let Some(t) = self.templates.iter().find(|t| t.matches(trimmed)) {
                out.push_str(&t.raw);
                return None;
            }
        }
        // one pass: the path is copied only from its first id-like segment on
        let mut copying = false;
        let mut start = 0;
        let ends = memchr::memchr_iter(b'/', path.as_bytes()).chain([path.len()]);
        for end in ends {
            let seg = &path[start..end];
            if is_id(seg) {
                if !copying {
                    copying = true;
                    out.push_str(&path[..start]);
                }
                out.push_str("{id}");
            } else if copying {
                out.push_str(seg);
            }
            if copying && end < path.len() {
                out.push('/');
            }
            start = end + 1;
        }
        (!copying).then_some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(t: &[&str]) -> Routes {
        Routes::new(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn default_rule() {
        let r = Routes::default();
        let cases = [
            ("/patients/123/screen", "/patients/{id}/screen"),
            ("/notes", "/notes"),
            ("/notes/", "/notes/"),
            ("/", "/"),
            ("", "/"),
            ("/patients/123/screen?x=1", "/patients/{id}/screen"),
            ("?x=1", "/"),
            ("/items/123e4567-e89b-12d3-a456-426614174000", "/items/{id}"),
            ("/blobs/deadbeefdeadbeef", "/blobs/{id}"),
            ("/blobs/deadbeefdeadbee", "/blobs/deadbeefdeadbee"), // 15 hex
            ("/t/a1b2c3d4e5f6g7h8", "/t/{id}"),                   // mixed, 16
            ("/t/abcdefghijklmnopqrstu", "/t/abcdefghijklmnopqrstu"), // no digit, not hex
            (
                "/api/v1/users/42/orders/7",
                "/api/v1/users/{id}/orders/{id}",
            ),
            ("/a//1", "/a//{id}"),
            ("/screen-2", "/screen-2"),
        ];
        for (path, want) in cases {
            assert_eq!(r.endpoint(path), want, "{path:?}");
        }
        assert!(matches!(r.endpoint("/notes"), Cow::Borrowed(_)));
        assert!(matches!(r.endpoint("/notes?a=1"), Cow::Borrowed("/notes")));
    }

    #[test]
    fn config_templates_win_in_order() {
        let r = routes(&[
            "/patients/{id}/screen",
            "/api/{version}/items",
            "/static/*",
            "/api/*",
        ]);
        assert_eq!(r.endpoint("/patients/abc/screen"), "/patients/{id}/screen");
        assert_eq!(r.endpoint("/patients/abc/screen/"), "/patients/{id}/screen");
        assert_eq!(r.endpoint("/api/v2/items?page=3"), "/api/{version}/items");
        assert_eq!(r.endpoint("/api/v2/other/9"), "/api/*");
        assert_eq!(r.endpoint("/static/css/site.css"), "/static/*");
        assert_eq!(r.endpoint("/static"), "/static/*");
        // No template matches: default rule.
        assert_eq!(r.endpoint("/patients/123"), "/patients/{id}");
        assert_eq!(r.endpoint("/patients//screen"), "/patients//screen");
        let all = routes(&["/*"]);
        assert_eq!(all.endpoint("/anything/1"), "/*");
        let root = routes(&["/"]);
        assert_eq!(root.endpoint("/"), "/");
        assert_eq!(root.endpoint("/x"), "/x");
    }

    #[test]
    fn bad_templates_are_named() {
        for bad in [
            "patients/{id}",
            "/a/{id",
            "/a/{}/b",
            "/a/x{id}",
            "/a/*/b",
            "/a//b",
            "/a b",
            "/a?b",
            "/a/{i-d}",
            "",
        ] {
            let err = Routes::new(&["/ok".to_string(), bad.to_string()]).unwrap_err();
            assert_eq!(err.template, bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }
}
