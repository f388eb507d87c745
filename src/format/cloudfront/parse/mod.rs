//! CloudFront standard-log lines: tab-separated values mapped by the file's `#Fields` line
//! ([`parse_tsv`]), or the JSON objects of standard logging v2 ([`parse_json`]).
//!
//! Every string borrows from the line and is raw: `cs-uri-stem`, `cs-uri-query` and
//! `cs(User-Agent)` stay percent-encoded here and are decoded once where they are read
//! ([`CfRecord::decoded`]). `-` is absent in every field; `sc-status` `000` (the viewer left
//! before a response) is no status.
//!
//! Depends only on `std`, `memchr` and the std-only `crate::format::{error, text}` and ALB's
//! numeric parsers, like the ALB parser (the fuzz crate compiles these files by path).

mod json;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use super::fields::{Field, Fields, Origin, FIELD_COUNT, STANDARD};
use crate::format::alb::parse::num::{parse_port, parse_seconds, parse_time_us, parse_u64};
use crate::format::error::{ParseError, ParseErrorKind};
use crate::format::text::{airport_code, percent_decode_once};
pub use json::unescape as unescape_json;

/// One CloudFront request. Text fields are raw (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct CfRecord<'a> {
    /// Each field's text, by [`Field`]; None when absent or `-`.
    raw: [Option<&'a str>; FIELD_COUNT],
    /// JSON records: string values hold JSON escapes, undone before percent-decoding.
    json: bool,
    /// `date` + `time` (or a v2 timestamp), µs since the epoch, UTC.
    pub time_us: i64,
    /// `sc-status`; None for `000` (no response) and `-`.
    pub status: Option<u16>,
    pub sc_bytes: Option<u64>,
    pub cs_bytes: Option<u64>,
    pub c_port: Option<u16>,
    /// `time-taken` and `time-to-first-byte`: seconds as written, and in ms.
    pub time_taken: Option<Seconds>,
    pub time_to_first_byte: Option<Seconds>,
    pub fle_encrypted_fields: Option<u64>,
    pub sc_content_len: Option<u64>,
    pub sc_range_start: Option<u64>,
    pub sc_range_end: Option<u64>,
    /// Fields on the line (a JSON record: keys).
    pub field_count: usize,
}

/// A duration CloudFront writes in seconds with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds {
    /// As written, parsed as f64 (the native column).
    pub seconds: f64,
    /// In ms, exact for up to three decimals (`0.238` is 238.0, not 238.00000000000003).
    pub ms: f64,
}

impl<'a> CfRecord<'a> {
    /// A field's raw text (None: absent or `-`).
    #[inline]
    pub fn get(&self, f: Field) -> Option<&'a str> {
        self.raw[f as usize]
    }

    /// A field's text decoded once: JSON escapes (v2 JSON records), then one round of
    /// percent-encoding (`%2520` becomes `%20`, what the client sent).
    pub fn decoded(&self, f: Field) -> Option<Cow<'a, str>> {
        let raw = self.get(f)?;
        if self.json && raw.contains('\\') {
            let text = json::unescape(raw);
            return Some(Cow::Owned(percent_decode_once(&text).into_owned()));
        }
        Some(percent_decode_once(raw))
    }

    /// The request's URL as the client sent it: the decoded stem, and `?` with the decoded
    /// query when there is one.
    pub fn url(&self) -> Option<Cow<'a, str>> {
        let stem = self.decoded(Field::CsUriStem)?;
        match self.decoded(Field::CsUriQuery) {
            Some(q) => Some(Cow::Owned(format!("{stem}?{q}"))),
            None => Some(stem),
        }
    }

    /// The value of a numeric field (bytes, lengths, ranges, port, status).
    pub fn number(&self, f: Field) -> Option<u64> {
        match f {
            Field::ScBytes => self.sc_bytes,
            Field::CsBytes => self.cs_bytes,
            Field::CPort => self.c_port.map(u64::from),
            Field::ScStatus => self.status.map(u64::from),
            Field::FleEncryptedFields => self.fle_encrypted_fields,
            Field::ScContentLen => self.sc_content_len,
            Field::ScRangeStart => self.sc_range_start,
            Field::ScRangeEnd => self.sc_range_end,
            _ => None,
        }
    }

    /// `x-edge-location`'s first three letters: the IATA code of the nearest airport.
    pub fn airport(&self) -> Option<&'a str> {
        airport_code(self.get(Field::EdgeLocation)?)
    }
}

fn missing(field: &'static str, found: usize, min: usize) -> ParseError {
    ParseError::new(
        Some(field),
        ParseErrorKind::MissingField { found, min },
        None,
    )
}

fn invalid(field: Field, expected: &'static str, got: &str) -> ParseError {
    ParseError::new(
        Some(field.name()),
        ParseErrorKind::Invalid { expected },
        Some(got),
    )
}

/// Parses one tab-separated line with a file's mapping.
pub fn parse_tsv<'a>(line: &'a str, fields: &Fields) -> Result<CfRecord<'a>, ParseError> {
    if line.trim_ascii().is_empty() {
        return Err(ParseError::new(None, ParseErrorKind::Empty, None));
    }
    let mut raw = [None; FIELD_COUNT];
    let mut n = 0;
    // tabs found with the memchr crate, '-' compared by byte: str::split's searcher and the
    // memcmp calls of `value != "-"` took a fifth of the time of `slo` on CloudFront logs
    let mut start = 0;
    for end in memchr::memchr_iter(b'\t', line.as_bytes()).chain([line.len()]) {
        let value = &line[start..end];
        start = end + 1;
        if let Some(f) = fields.at(n) {
            let dash = value.len() == 1 && value.as_bytes()[0] == b'-';
            raw[f as usize] = (!dash && !value.is_empty()).then_some(value);
        }
        n += 1;
    }
    if !fields.is_whole(n) {
        let field = fields
            .at(n)
            .map_or("(a field hosp-logs does not read)", Field::name);
        return Err(missing(field, n, fields.next_whole(n)));
    }
    typed(raw, false, n, fields.origin == Origin::Assumed)
}

/// Parses one JSON line of standard logging v2 (keys are the field names).
pub fn parse_json(line: &str) -> Result<CfRecord<'_>, ParseError> {
    let members = json::members(line)?;
    let mut raw = [None; FIELD_COUNT];
    for m in &members {
        if let Some(f) = Field::from_name(m.key) {
            // JSON escapes stay as written, like ALB's `\xHH`: only the decoded fields undo them
            raw[f as usize] = m.value.filter(|v| *v != "-" && !v.is_empty());
        }
    }
    typed(raw, true, members.len(), false)
}

/// Real-time logs start with an epoch time (`1600299221.087`), not a date.
fn looks_like_epoch(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    int.len() == 10
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// The typed values of a record's raw fields, each checked.
fn typed(
    raw: [Option<&str>; FIELD_COUNT],
    json: bool,
    field_count: usize,
    assumed: bool,
) -> Result<CfRecord<'_>, ParseError> {
    let get = |f: Field| raw[f as usize];
    let time_us = time_of(&raw, assumed)?;
    let num = |f: Field| -> Result<Option<u64>, ParseError> {
        get(f)
            .map(|v| parse_u64(v).ok_or_else(|| invalid(f, "a whole number or '-'", v)))
            .transpose()
    };
    let secs = |f: Field| -> Result<Option<Seconds>, ParseError> {
        get(f)
            .map(|v| seconds(v).ok_or_else(|| invalid(f, "seconds such as 0.238, or '-'", v)))
            .transpose()
    };
    let status = match get(Field::ScStatus) {
        None | Some("000") => None,
        Some(v) => match parse_u64(v) {
            Some(s @ 100..=999) if v.len() == 3 => Some(s as u16),
            _ => return Err(invalid(Field::ScStatus, "a 3-digit status, 000 or '-'", v)),
        },
    };
    let c_port = get(Field::CPort)
        .map(|v| parse_port(v).ok_or_else(|| invalid(Field::CPort, "a port number or '-'", v)))
        .transpose()?;
    Ok(CfRecord {
        raw,
        json,
        time_us,
        status,
        sc_bytes: num(Field::ScBytes)?,
        cs_bytes: num(Field::CsBytes)?,
        c_port,
        time_taken: secs(Field::TimeTaken)?,
        time_to_first_byte: secs(Field::TimeToFirstByte)?,
        fle_encrypted_fields: num(Field::FleEncryptedFields)?,
        sc_content_len: num(Field::ScContentLen)?,
        sc_range_start: num(Field::ScRangeStart)?,
        sc_range_end: num(Field::ScRangeEnd)?,
        field_count,
    })
}

/// The record's time: `date` + `time`, else a v2 `timestamp` / `timestamp(ms)`.
fn time_of(raw: &[Option<&str>; FIELD_COUNT], assumed: bool) -> Result<i64, ParseError> {
    let get = |f: Field| raw[f as usize];
    if let Some(date) = get(Field::Date) {
        if date.len() != 10 {
            let expected = if assumed && looks_like_epoch(date) {
                "a date YYYY-MM-DD; the line starts with an epoch time, as a CloudFront real-time log record does: hosp-logs reads standard logs, not real-time logs"
            } else {
                "a date YYYY-MM-DD"
            };
            return Err(invalid(Field::Date, expected, date));
        }
        let time = get(Field::Time).ok_or_else(|| invalid(Field::Time, "a time HH:MM:SS", "-"))?;
        if time.len() != 8 {
            return Err(invalid(Field::Time, "a time HH:MM:SS", time));
        }
        // `2019-12-04` + `21:02:31` → `2019-12-04T21:02:31Z`, read by the ALB time parser
        let mut buf = [0u8; 20];
        buf[..10].copy_from_slice(date.as_bytes());
        buf[10] = b'T';
        buf[11..19].copy_from_slice(time.as_bytes());
        buf[19] = b'Z';
        let text = std::str::from_utf8(&buf)
            .map_err(|_| invalid(Field::Date, "a date YYYY-MM-DD", date))?;
        return parse_time_us(text).ok_or_else(|| {
            if parse_time_us(&format!("{date}T00:00:00Z")).is_none() {
                invalid(Field::Date, "a date YYYY-MM-DD", date)
            } else {
                invalid(Field::Time, "a time HH:MM:SS", time)
            }
        });
    }
    if let Some(ms) = get(Field::TimestampMs) {
        return parse_u64(ms)
            .and_then(|v| i64::try_from(v).ok()?.checked_mul(1000))
            .ok_or_else(|| invalid(Field::TimestampMs, "epoch milliseconds", ms));
    }
    if let Some(s) = get(Field::Timestamp) {
        return seconds(s)
            .and_then(|v| {
                let us = (v.seconds * 1e6).round();
                (us.is_finite() && us < 9.0e18).then_some(us as i64)
            })
            .ok_or_else(|| invalid(Field::Timestamp, "epoch seconds", s));
    }
    Err(ParseError::new(
        None,
        ParseErrorKind::Invalid {
            expected:
                "a date and time: the file's #Fields header names no date, time or timestamp field",
        },
        None,
    ))
}

/// Seconds as CloudFront writes them (`0.238`), exact in ms for up to three decimals.
fn seconds(s: &str) -> Option<Seconds> {
    if s.starts_with('-') {
        return None;
    }
    let seconds = parse_seconds(s)??;
    // a byte search: str::split_once's searcher cost more than the parse
    let (int, frac) = match s.bytes().position(|c| c == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let ms = match (
        parse_u64(if int.is_empty() { "0" } else { int }),
        frac.len(),
    ) {
        (Some(i), 0..=3) if i < 1 << 40 => {
            let f = if frac.is_empty() {
                Some(0)
            } else {
                parse_u64(frac)
            }?;
            (i * 1000 + f * 10u64.pow(3 - frac.len() as u32)) as f64
        }
        _ => seconds * 1000.0,
    };
    Some(Seconds { seconds, ms })
}
