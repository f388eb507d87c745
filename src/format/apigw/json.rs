//! A JSON object's leaves, by key path: API Gateway writes whatever object its format says,
//! nested (`{"identity":{"sourceIp":…}}`) or flat, with any spacing. Each leaf's value is the
//! raw text between its quotes (escapes kept), a number's or a literal's text, or None for
//! `null`; nested keys are joined with `.`. Arrays are skipped. Nesting deeper than
//! [`MAX_DEPTH`] is refused (log content is hostile: no recursion it controls).
//!
//! Depends only on `std` (the fuzz crate compiles it by path).

/// Deepest nesting read.
pub const MAX_DEPTH: usize = 8;

/// Where the text stopped making sense: (byte offset, what was expected).
pub type JsonError = (usize, &'static str);

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The string starting at the quote at `i`: (contents, index after the closing quote).
fn string_at(s: &str, i: usize) -> Result<(&str, usize), JsonError> {
    let b = s.as_bytes();
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return Ok((&s[i + 1..j], j + 1)),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    Err((i, "a closing quote"))
}

/// Calls `visit(path, value, offset)` for each leaf of the object `text` is (space around it
/// allowed). `template`: a format's text, whose values may be bare `$context.x` (unquoted).
pub fn walk<'a>(
    text: &'a str,
    template: bool,
    visit: &mut impl FnMut(&str, Option<&'a str>, usize),
) -> Result<(), JsonError> {
    let b = text.as_bytes();
    let i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err((i, "a JSON object"));
    }
    let mut path = String::new();
    let end = object(text, i, 0, template, &mut path, visit)?;
    let end = skip_ws(b, end);
    if end != b.len() {
        return Err((end, "the end of the line after the object"));
    }
    Ok(())
}

/// The object at `i` (its `{`): returns the index after its `}`.
fn object<'a>(
    s: &'a str,
    i: usize,
    depth: usize,
    template: bool,
    path: &mut String,
    visit: &mut impl FnMut(&str, Option<&'a str>, usize),
) -> Result<usize, JsonError> {
    if depth >= MAX_DEPTH {
        return Err((i, "an object nested less deeply"));
    }
    let b = s.as_bytes();
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    let base = path.len();
    loop {
        if b.get(i) != Some(&b'"') {
            return Err((i, "a quoted key"));
        }
        let (key, after) = string_at(s, i)?;
        i = skip_ws(b, after);
        if b.get(i) != Some(&b':') {
            return Err((i, "':' after a key"));
        }
        i = skip_ws(b, i + 1);
        path.truncate(base);
        if base > 0 {
            path.push('.');
        }
        path.push_str(key);
        i = match b.get(i) {
            Some(b'{') => object(s, i, depth + 1, template, path, visit)?,
            Some(b'[') => array(s, i, depth + 1)?,
            Some(b'"') => {
                let (v, after) = string_at(s, i)?;
                visit(path, Some(v), i + 1);
                after
            }
            Some(_) => {
                let end = b[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                    .map_or(b.len(), |k| i + k);
                let t = &s[i..end];
                let ok = matches!(t, "true" | "false")
                    || (!t.is_empty()
                        && t.bytes().all(|c| {
                            c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                        }))
                    || (template && t.starts_with('$'));
                if t == "null" {
                    visit(path, None, i);
                } else if ok {
                    visit(path, Some(t), i);
                } else {
                    return Err((i, "a string, number, object, array or null"));
                }
                end
            }
            None => return Err((i, "a value")),
        };
        path.truncate(base);
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Ok(i + 1),
            _ => return Err((i, "',' or '}'")),
        }
    }
}

/// Skips the array at `i` (its `[`): returns the index after its `]`.
fn array(s: &str, i: usize, depth: usize) -> Result<usize, JsonError> {
    if depth >= MAX_DEPTH {
        return Err((i, "an array nested less deeply"));
    }
    let b = s.as_bytes();
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Ok(i + 1);
    }
    let mut ignored = String::new();
    loop {
        i = match b.get(i) {
            Some(b'{') => object(s, i, depth + 1, false, &mut ignored, &mut |_, _, _| {})?,
            Some(b'[') => array(s, i, depth + 1)?,
            Some(b'"') => string_at(s, i)?.1,
            Some(_) => b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))
                .map_or(b.len(), |k| i + k),
            None => return Err((i, "a value")),
        };
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return Ok(i + 1),
            _ => return Err((i, "',' or ']'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Leaves<'a> = &'a [(&'a str, Option<&'a str>)];

    fn leaves(text: &str) -> Result<Vec<(String, Option<&str>)>, JsonError> {
        let mut out = Vec::new();
        walk(text, false, &mut |p, v, _| out.push((p.to_string(), v)))?;
        Ok(out)
    }

    #[test]
    fn leaves_by_key_path() {
        let cases: &[(&str, Leaves)] = &[
            ("{}", &[]),
            (r#" { "a" : "1" } "#, &[("a", Some("1"))]),
            (
                r#"{"a":{"b":"x","c":{"d":2}},"e":null,"f":true}"#,
                &[
                    ("a.b", Some("x")),
                    ("a.c.d", Some("2")),
                    ("e", None),
                    ("f", Some("true")),
                ],
            ),
            (
                r#"{"q":"say \"hi\"","arr":[1,{"x":"y"},[2]],"n":-1.5e3}"#,
                &[("q", Some(r#"say \"hi\""#)), ("n", Some("-1.5e3"))],
            ),
        ];
        for (text, want) in cases {
            let got = leaves(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let want: Vec<_> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn broken_objects_are_refused_where_they_break() {
        let deep = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("[1]", 0),
            (r#"{"a""#, 4),
            (r#"{"a":"x"#, 5),
            (r#"{"a":x}"#, 5),
            (r#"{"a":"x" "b":"y"}"#, 9),
            (r#"{"a":"x"} tail"#, 10),
            (r#"{"a":[1,2}"#, 9),
            (r#"{a:1}"#, 1),
        ];
        for (text, at) in cases {
            assert_eq!(leaves(text).unwrap_err().0, *at, "{text}");
        }
        assert!(leaves(&deep).is_err());
        // a template's bare variables
        let mut n = 0;
        walk(r#"{"s":$context.status}"#, true, &mut |_, _, _| n += 1).unwrap();
        assert_eq!(n, 1);
        assert!(leaves(r#"{"s":$context.status}"#).is_err());
    }
}
