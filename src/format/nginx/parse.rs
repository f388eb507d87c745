//! Reading one line with a compiled log_format.
//!
//! Literal text must be there as written. A variable's value ends:
//! - for typed values (numbers, statuses, times, upstream lists), where its syntax ends: an
//!   upstream list runs over `, ` and ` : ` to its last entry, so the lists nginx writes
//!   (`502, 502, 200`) are read whole wherever they sit in the line;
//! - for text, where the format's next literal text starts (skipping escaped characters,
//!   which nginx writes for `"` and `\`), or at the line's end when that literal ends the
//!   format (so `"$http_user_agent"` at the end takes everything up to the last quote);
//!   before another variable, at the next space.
//!
//! Every value's syntax is checked, so a line is malformed or not whatever is read of it, and
//! a malformed line names the variable where matching stopped. Values are kept as logged:
//! nginx's escapes stay, as for ALB.
//!
//! Depends only on `std`, `memchr`, `chrono`, the std-only `crate::format::{error, attempts}`
//! and this module's `log_format` and `vars` (the fuzz crate compiles these files by path).

use chrono::{DateTime, NaiveDate};

use super::log_format::{json_string, Body, Escape, NginxLogFormat, Piece};
use super::vars::{ListOf, Var, VarKind};
use crate::format::{ParseError, ParseErrorKind};

/// One parsed line: each variable's text as logged, and the values every analysis reads.
#[derive(Debug, Clone, PartialEq)]
pub struct NginxRecord<'a> {
    /// µs since the epoch, UTC, from `$msec`, else `$time_iso8601`, else `$time_local`;
    /// None when the format logs no time.
    pub time_us: Option<i64>,
    pub status: Option<u16>,
    /// `$request_time` in seconds.
    pub request_time: Option<f64>,
    /// Each slot's text ("" when the line did not hold it: a JSON key missing).
    values: Vec<&'a str>,
}

impl<'a> NginxRecord<'a> {
    /// A slot's text as logged, None when absent, empty or `-` (nginx's "no value").
    pub fn value(&self, slot: usize) -> Option<&'a str> {
        self.values
            .get(slot)
            .copied()
            .filter(|v| !v.is_empty() && !is_dash(v))
    }

    /// A slot's text as logged, `-` included (upstream lists read `-` as an attempt).
    pub fn raw(&self, slot: usize) -> Option<&'a str> {
        self.values.get(slot).copied().filter(|v| !v.is_empty())
    }
}

fn err(field: &'static str, expected: &'static str, got: &str) -> ParseError {
    ParseError::new(Some(field), ParseErrorKind::Invalid { expected }, Some(got))
}

impl NginxLogFormat {
    /// Parses one line (without its line end).
    pub fn parse<'a>(&self, line: &'a str) -> Result<NginxRecord<'a>, ParseError> {
        if line.trim().is_empty() {
            return Err(ParseError::new(None, ParseErrorKind::Empty, None));
        }
        let mut values = vec![""; self.slots.len()];
        match &self.body {
            Body::Line(pieces) => self.match_pieces(pieces, line, &mut values)?,
            Body::Json(fields) => self.match_json(fields, line, &mut values)?,
        }
        let number = |var: Var| {
            self.slot(var)
                .map(|s| values[s])
                .filter(|v| !v.is_empty() && !is_dash(v))
        };
        let time_us = if let Some(v) = number(Var::Msec) {
            parse_msec(v)
        } else if let Some(v) = number(Var::TimeIso8601) {
            parse_time_iso(v)
        } else {
            number(Var::TimeLocal).and_then(parse_time_local)
        };
        Ok(NginxRecord {
            time_us,
            status: number(Var::Status).and_then(|s| s.parse().ok()),
            request_time: number(Var::RequestTime).and_then(parse_seconds),
            values,
        })
    }

    /// Matches `text` piece by piece, filling the slots.
    fn match_pieces<'a>(
        &self,
        pieces: &[Piece],
        text: &'a str,
        values: &mut [&'a str],
    ) -> Result<(), ParseError> {
        let mut pos = 0;
        let mut last_field: Option<&'static str> = None;
        for (i, piece) in pieces.iter().enumerate() {
            let rest = &text[pos..];
            match piece {
                Piece::Lit(lit) => {
                    if !rest.starts_with(lit.text.as_str()) {
                        return Err(match (last_field, next_var(self, &pieces[i..])) {
                            (Some(f), _) => err(f, lit.after, rest),
                            (None, Some(f)) => err(f, lit.before, rest),
                            (None, None) => err("log_format", lit.before, rest),
                        });
                    }
                    pos += lit.text.len();
                }
                Piece::Var(slot) => {
                    let s = &self.slots[*slot];
                    let end = self
                        .value_end(s.kind, rest, pieces.get(i + 1), i + 2 == pieces.len())
                        .ok_or_else(|| {
                            let what = match pieces.get(i + 1) {
                                Some(Piece::Lit(l)) => l.after,
                                _ => s.kind.expected(),
                            };
                            err(s.field, what, rest)
                        })?;
                    let value = &rest[..end];
                    if !valid(s.kind, value) {
                        // an empty value shows what stood there instead
                        let got = if value.is_empty() { rest } else { value };
                        return Err(err(s.field, s.kind.expected(), got));
                    }
                    // a variable logged twice keeps its first value
                    if values[*slot].is_empty() {
                        values[*slot] = value;
                    }
                    pos += end;
                    last_field = Some(s.field);
                }
            }
        }
        if pos < text.len() {
            return Err(err(
                last_field.unwrap_or("log_format"),
                "the end of the line after it",
                &text[pos..],
            ));
        }
        Ok(())
    }

    /// Where a value starting `rest` ends (None: it cannot end where the format says).
    fn value_end(
        &self,
        kind: VarKind,
        rest: &str,
        next: Option<&Piece>,
        next_is_last: bool,
    ) -> Option<usize> {
        if let (VarKind::List(_), Some(Piece::Lit(lit))) = (kind, next) {
            // the text after a list may start inside what reads as its last item: the quote
            // of `"$upstream_addr"`, the bracket of `[$upstream_status]`
            let (end, last) = list_end(rest.as_bytes());
            if rest[end..].starts_with(lit.text.as_str()) {
                return Some(end);
            }
            return find_str(&rest[last..], &lit.text)
                .map(|k| last + k)
                .filter(|e| *e <= end && *e > last);
        }
        if let Some(end) = typed_end(kind, rest) {
            return Some(end);
        }
        match next {
            None => Some(rest.len()),
            Some(Piece::Var(_)) => {
                Some(memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len()))
            }
            Some(Piece::Lit(lit)) if next_is_last => {
                rest.strip_suffix(lit.text.as_str()).map(str::len)
            }
            Some(Piece::Lit(lit)) => find_literal(rest, &lit.text, self.escape != Escape::None),
        }
    }

    /// Reads a JSON object and matches each key the format has with its pieces.
    fn match_json<'a>(
        &self,
        fields: &[super::log_format::JsonField],
        line: &'a str,
        values: &mut [&'a str],
    ) -> Result<(), ParseError> {
        let not_json = |got: &str| {
            ParseError::new(
                None,
                ParseErrorKind::Invalid {
                    expected: "a JSON object",
                },
                Some(got),
            )
        };
        let t = line.trim();
        let mut rest = t.strip_prefix('{').ok_or_else(|| not_json(t))?.trim_start();
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                if !r.trim().is_empty() {
                    return Err(not_json(r));
                }
                return Ok(());
            }
            let (key, after) = json_string(rest).ok_or_else(|| not_json(rest))?;
            let after = after
                .trim_start()
                .strip_prefix(':')
                .ok_or_else(|| not_json(after))?
                .trim_start();
            let (value, after) = json_value(after).ok_or_else(|| not_json(after))?;
            if let Some(f) = fields.iter().find(|f| f.key == key) {
                self.match_pieces(&f.pieces, value, values)?;
            }
            rest = after.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
            } else if !rest.starts_with('}') {
                return Err(not_json(rest));
            }
        }
    }
}

/// The first variable among `pieces`, for a message about the literal before it.
fn next_var(f: &NginxLogFormat, pieces: &[Piece]) -> Option<&'static str> {
    pieces.iter().find_map(|p| match p {
        Piece::Var(s) => Some(f.slots[*s].field),
        Piece::Lit(_) => None,
    })
}

/// One JSON value: a string's content (escapes kept), or a bare token (a number, `true`,
/// `null`, or nothing: nginx writes nothing for a variable with no value under escape=json);
/// an object or array is skipped whole. And what follows it.
fn json_value(text: &str) -> Option<(&str, &str)> {
    match text.as_bytes().first()? {
        b'"' => json_string(text),
        b'{' | b'[' => {
            let b = text.as_bytes();
            let (mut depth, mut i) = (0usize, 0);
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        let (_, after) = json_string(&text[i..])?;
                        i = text.len() - after.len();
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(("", &text[i + 1..]));
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let end = text
                .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
                .unwrap_or(text.len());
            Some(text.split_at(end))
        }
    }
}

/// Where `lit` first starts in `text`; with `skip_escapes`, not inside a `\`-escape (nginx
/// escapes `"` and `\` in values, so a quote in a value never ends it).
fn find_literal(text: &str, lit: &str, skip_escapes: bool) -> Option<usize> {
    if !skip_escapes {
        return find_str(text, lit);
    }
    let (b, l) = (text.as_bytes(), lit.as_bytes());
    let first = *l.first()?;
    let mut i = 0;
    while let Some(k) = memchr::memchr2(first, b'\\', &b[i..]) {
        i += k;
        // a byte-level match starts at a char boundary: its first byte is a char's first byte
        if b[i..].starts_with(l) {
            return Some(i);
        }
        i += if b[i] == b'\\' { 2 } else { 1 };
        if i >= b.len() {
            return None;
        }
    }
    None
}

/// Where a typed value ends by its syntax; None for text (its end is the next literal's).
fn typed_end(kind: VarKind, s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let run = |ok: fn(u8) -> bool| b.iter().position(|c| !ok(*c)).unwrap_or(b.len());
    Some(match kind {
        VarKind::Text => return None,
        _ if b.first() == Some(&b'-') && !matches!(kind, VarKind::List(_)) => 1,
        // three digits at most, so `$status$request_time` reads `2000.5` as 200 and 0.5
        VarKind::Status => run(|c| c.is_ascii_digit()).min(3),
        VarKind::Count => run(|c| c.is_ascii_digit()),
        VarKind::Seconds | VarKind::Msec => run(|c| c.is_ascii_digit() || c == b'.'),
        VarKind::TimeLocal => {
            // `10/Oct/2000:13:55:36 -0700`: one space inside, at a fixed place
            if b.len() >= 26 && s.is_char_boundary(26) {
                26
            } else {
                b.len()
            }
        }
        VarKind::TimeIso => {
            run(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'+' | b'.'))
        }
        VarKind::List(_) => list_end(b).0,
    })
}

/// The end of an upstream list: items (no space, no comma) joined by `, ` or ` : `; and
/// where its last item starts.
fn list_end(b: &[u8]) -> (usize, usize) {
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i] != b' ' && b[i] != b',' {
            i += 1;
        }
        if i == start {
            return (start, start);
        }
        let sep = if b[i..].starts_with(b", ") {
            2
        } else if b[i..].starts_with(b" : ") {
            3
        } else {
            return (i, start);
        };
        match b.get(i + sep) {
            Some(c) if *c != b' ' && *c != b',' => i += sep,
            _ => return (i, start),
        }
    }
}

/// Where `lit` first starts in `text`, as `str::find` says, with the memchr crate's search
/// for its first byte: `str::find`'s two-way searcher is set up anew on every call, and this
/// runs for a literal of the log_format on every line.
fn find_str(text: &str, lit: &str) -> Option<usize> {
    let (b, l) = (text.as_bytes(), lit.as_bytes());
    let Some(&first) = l.first() else {
        return Some(0);
    };
    let mut i = 0;
    while let Some(k) = memchr::memchr(first, &b[i..]) {
        i += k;
        // a byte-level match starts at a char boundary: its first byte is a char's first byte
        if b[i..].starts_with(l) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// nginx's "no value", compared by length and byte (`v == "-"` became a call to memcmp).
#[inline]
fn is_dash(v: &str) -> bool {
    v.len() == 1 && v.as_bytes()[0] == b'-'
}

/// Whether a value has its kind's syntax.
fn valid(kind: VarKind, v: &str) -> bool {
    let dash = is_dash(v);
    match kind {
        VarKind::Text => true,
        VarKind::Status => {
            dash || (matches!(v.len(), 1..=3) && v.bytes().all(|c| c.is_ascii_digit()))
        }
        VarKind::Count => dash || v.parse::<u64>().is_ok(),
        VarKind::Seconds => dash || parse_seconds(v).is_some(),
        VarKind::Msec => dash || parse_msec(v).is_some(),
        VarKind::TimeLocal => parse_time_local(v).is_some(),
        VarKind::TimeIso => parse_time_iso(v).is_some(),
        VarKind::List(of) => {
            !v.is_empty()
                && crate::format::attempts::ListItems::new(v).all(|item| {
                    is_dash(item)
                        || match of {
                            ListOf::Addr => true,
                            ListOf::Status => valid(VarKind::Status, item),
                            ListOf::Seconds => parse_seconds(item).is_some(),
                            ListOf::Count => item.parse::<u64>().is_ok(),
                        }
                })
        }
    }
}

/// `0.123` seconds (digits and one dot; no sign, exponent or `inf`).
pub fn parse_seconds(v: &str) -> Option<f64> {
    let ok = !v.is_empty()
        && v.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && v.bytes().filter(|c| *c == b'.').count() <= 1
        && v != ".";
    // the ALB parser's exact decimal reading (the same f64 as str::parse, without its
    // general-purpose float parser on every line)
    ok.then(|| crate::format::alb::parse::num::parse_seconds(v).flatten())
        .flatten()
}

/// `$msec`: `1700000000.123` → µs.
pub fn parse_msec(v: &str) -> Option<i64> {
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 6 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut us: i64 = 0;
    for i in 0..6 {
        us = us * 10 + frac.as_bytes().get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    Some(secs.parse::<i64>().ok()? * 1_000_000 + us)
}

/// `$time_iso8601`: `2000-10-10T13:55:36-07:00` → µs, UTC.
pub fn parse_time_iso(v: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// `$time_local`: `10/Oct/2000:13:55:36 -0700` → µs, UTC.
pub fn parse_time_local(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = v.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| v.get(3..6) == Some(*m))? as u32 + 1;
    let day = num(0..2)? as u32;
    let year = num(7..11)? as i32;
    let (h, m, s) = (num(12..14)?, num(15..17)?, num(18..20)?);
    if b[14] != b':' || b[17] != b':' || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (oh, om) = (num(22..24)?, num(24..26)?);
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?)
        .num_days();
    let local_s = days * 86_400 + h * 3600 + m * 60 + s;
    Some((local_s - sign * (oh * 3600 + om * 60)) * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_str_finds_what_str_find_finds() {
        let texts = [
            "",
            "\" us=\"200\"",
            "10.0.0.1:80, 10.0.0.2:80\" us=\"502, 200\" urt=",
            "a\"b\" us\" us=\"",
            "ééé\" us=\"ü",
            "\"\"\"",
        ];
        for text in texts {
            for lit in ["", "\"", "\" us=\"", " us=", "ü", "\"\"", "zz"] {
                assert_eq!(find_str(text, lit), text.find(lit), "{text:?} {lit:?}");
            }
        }
    }

    #[test]
    fn seconds_read_as_str_parse_reads_them() {
        for v in [
            "0",
            "0.000",
            "0.001",
            "1.",
            ".5",
            "9.309",
            "12.345",
            "0.1",
            "123456.789",
        ] {
            assert_eq!(parse_seconds(v), v.parse::<f64>().ok(), "{v}");
        }
        for v in ["", ".", "-1", "1e3", "inf", "1.2.3", " 1"] {
            assert_eq!(parse_seconds(v), None, "{v}");
        }
    }
}
