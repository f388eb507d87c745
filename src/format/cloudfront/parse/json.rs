//! The flat JSON objects of CloudFront's standard logging v2 (`{"date":"2024-11-14",…}`):
//! each key's value as the raw text between its quotes (JSON escapes kept), or a number's
//! text; `null` and `"-"` are absent. Nested objects and arrays are refused: CloudFront does
//! not write them.

use crate::format::error::{ParseError, ParseErrorKind};

/// A JSON value's text: the inside of a string (escapes kept raw), a number, or a literal.
pub(super) struct Member<'a> {
    pub key: &'a str,
    /// None for `null`.
    pub value: Option<&'a str>,
}

fn invalid(expected: &'static str, got: &str) -> ParseError {
    ParseError::new(None, ParseErrorKind::Invalid { expected }, Some(got))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The string starting at the quote at `i`: (contents, index after the closing quote).
fn string_at(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return Some((&s[i + 1..j], j + 1)),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    None
}

/// The members of one object, in order.
pub(super) fn members(line: &str) -> Result<Vec<Member<'_>>, ParseError> {
    let b = line.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(invalid("a JSON object", line));
    }
    i = skip_ws(b, i + 1);
    let mut out = Vec::with_capacity(40);
    if b.get(i) == Some(&b'}') {
        return finish(line, i + 1, out);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(invalid("a quoted key", &line[i.min(b.len())..]));
        }
        let (key, after) =
            string_at(line, i).ok_or_else(|| invalid("a closing quote", &line[i..]))?;
        i = skip_ws(b, after);
        if b.get(i) != Some(&b':') {
            return Err(invalid("':' after a key", &line[i.min(b.len())..]));
        }
        i = skip_ws(b, i + 1);
        let (value, after) = match b.get(i) {
            Some(b'"') => {
                let (v, after) =
                    string_at(line, i).ok_or_else(|| invalid("a closing quote", &line[i..]))?;
                (Some(v), after)
            }
            Some(b'{' | b'[') => {
                return Err(invalid("a string, number or null", &line[i..]));
            }
            Some(_) => {
                let end = b[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))
                    .map_or(b.len(), |k| i + k);
                let text = &line[i..end];
                let value = match text {
                    "null" => None,
                    "true" | "false" => Some(text),
                    _ if text.bytes().all(|c| {
                        c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                    }) && !text.is_empty() =>
                    {
                        Some(text)
                    }
                    _ => return Err(invalid("a string, number or null", text)),
                };
                (value, end)
            }
            None => return Err(invalid("a value", "")),
        };
        out.push(Member { key, value });
        i = skip_ws(b, after);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return finish(line, i + 1, out),
            _ => return Err(invalid("',' or '}'", &line[i.min(b.len())..])),
        }
    }
}

fn finish<'a>(
    line: &'a str,
    i: usize,
    out: Vec<Member<'a>>,
) -> Result<Vec<Member<'a>>, ParseError> {
    let rest = line[i..].trim_ascii();
    if rest.is_empty() {
        Ok(out)
    } else {
        Err(invalid("the end of the line after the object", rest))
    }
}

/// The text of a JSON string's contents with its escapes undone (`\"`, `\\`, `\/`, `\n`,
/// `\uXXXX` with surrogate pairs); an invalid escape is kept as written.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = chars.as_str();
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => match hex4(rest.get(1..5)) {
                Some(hi @ 0xD800..=0xDBFF) => {
                    // a surrogate pair: \uD83D\uDE00
                    let low = rest
                        .get(5..7)
                        .filter(|p| *p == "\\u")
                        .and_then(|_| hex4(rest.get(7..11)))
                        .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
                    match low {
                        Some(lo) => {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            chars = rest[11..].chars();
                        }
                        None => {
                            out.push('\u{FFFD}');
                            chars = rest[5..].chars();
                        }
                    }
                }
                Some(cp) => {
                    out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                    chars = rest[5..].chars();
                }
                None => {
                    out.push('\\');
                    chars = rest.chars();
                }
            },
            _ => {
                out.push('\\');
                chars = rest.chars();
            }
        }
    }
    out
}

fn hex4(s: Option<&str>) -> Option<u32> {
    let s = s?;
    if s.len() == 4 && s.bytes().all(|c| c.is_ascii_hexdigit()) {
        u32::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_objects() {
        let m =
            members(r#" {"date":"2024-11-14", "sc-bytes": 392, "x":null,"ua":"a\"b"} "#).unwrap();
        let got: Vec<(&str, Option<&str>)> = m.iter().map(|m| (m.key, m.value)).collect();
        assert_eq!(
            got,
            [
                ("date", Some("2024-11-14")),
                ("sc-bytes", Some("392")),
                ("x", None),
                ("ua", Some(r#"a\"b"#)),
            ]
        );
        assert!(members("{}").unwrap().is_empty());
        for bad in [
            "",
            "[1]",
            "{\"a\":{}}",
            "{\"a\":1",
            "{\"a\" 1}",
            "{\"a\":\"x}",
            "{\"a\":1} trailing",
            "{a:1}",
            "{\"a\":nul}",
        ] {
            assert!(members(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unescapes_json_strings() {
        assert_eq!(unescape(r#"a\"b\\c\/d\n"#), "a\"b\\c/d\n");
        assert_eq!(unescape(r"\u00e9\ud83d\ude00"), "é😀");
        assert_eq!(unescape(r"\ud83d x"), "\u{FFFD} x");
        assert_eq!(unescape(r"\q\u12"), r"\q\u12");
        assert_eq!(unescape("\\"), "\\");
    }
}
