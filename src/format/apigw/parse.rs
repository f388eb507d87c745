//! One API Gateway access-log line → a typed record, with a compiled [`Template`].
//!
//! A line is the message API Gateway wrote, maybe behind the prefix CloudWatch Logs puts
//! before it: its export to S3 writes an ISO timestamp and a space
//! (`2026-07-22T03:52:51.355Z {…}`), `aws logs tail` the timestamp, the log stream's name and a
//! space. `-` and empty values are null; numbers may be JSON numbers or strings. The time is
//! `requestTimeEpoch` (ms), else `requestTime` (to the second), else the prefix's.
//!
//! Depends only on `std`, `chrono` and the std-only format modules (the fuzz crate compiles it
//! by path).

use super::fields::{Field, Kind, FIELD_COUNT};
use super::json;
use super::template::{Body, Template, Value};
use crate::format::error::{ParseError, ParseErrorKind};
use crate::format::nginx::parse::{parse_time_iso, parse_time_local};

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub struct ApigwRecord<'a> {
    /// When the request came in, µs since the epoch.
    pub time_us: i64,
    /// The status the client received.
    pub status: u16,
    /// `integrationStatus`: what the integration service (Lambda itself) returned.
    pub integration_status: Option<u16>,
    /// `integration.status`: what the function's code returned.
    pub function_status: Option<u16>,
    pub response_length: Option<u64>,
    /// ms
    pub response_latency: Option<f64>,
    /// ms
    pub integration_latency: Option<f64>,
    /// Each field's text as written (JSON escapes kept), None when absent, `-` or empty.
    raw: [Option<&'a str>; FIELD_COUNT],
    /// Read from JSON (its strings may hold escapes).
    pub json: bool,
}

impl<'a> ApigwRecord<'a> {
    /// A field's text as written (JSON escapes kept).
    pub fn get(&self, f: Field) -> Option<&'a str> {
        self.raw[f as usize]
    }

    /// The route's method and template as logged: `httpMethod` (else the route key's) and
    /// the resource path (REST) or the route key's path (HTTP); None for a route key without
    /// a path (`$default`).
    pub fn route_parts(&self) -> (Option<&'a str>, Option<&'a str>) {
        let key = self.get(Field::RouteKey);
        let (key_method, key_path) = match key.and_then(|k| k.split_once(' ')) {
            Some((m, p)) => (Some(m), Some(p)),
            None => (None, key.filter(|k| k.starts_with('/'))),
        };
        let method = self
            .get(Field::HttpMethod)
            .or(key_method.filter(|m| *m != "ANY"));
        (method, self.get(Field::ResourcePath).or(key_path))
    }
}

fn invalid(field: Field, expected: &'static str, got: &str) -> ParseError {
    ParseError::new(
        Some(field.name()),
        ParseErrorKind::Invalid { expected },
        Some(got),
    )
}

/// The CloudWatch Logs prefix's time and the message after it, if the line has one.
fn cloudwatch_prefix(line: &str) -> Option<(i64, &str)> {
    let b = line.as_bytes();
    let looks = b.len() > 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T';
    if !looks {
        return None;
    }
    let (stamp, message) = line.split_once(' ')?;
    let time = parse_time_iso(stamp).or_else(|| {
        // `aws logs tail` without an offset: UTC
        let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        Some(naive.and_utc().timestamp_micros())
    })?;
    Some((time, message))
}

/// The status in `v` (three digits).
fn status_of(f: Field, v: &str) -> Result<u16, ParseError> {
    if v.len() == 3 && v.bytes().all(|c| c.is_ascii_digit()) && v.as_bytes()[0] != b'0' {
        Ok(v.parse().unwrap_or_default())
    } else {
        Err(invalid(f, "a status (3 digits) or '-'", v))
    }
}

fn count(f: Field, v: &str) -> Result<u64, ParseError> {
    if v.len() <= 19 && !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
        Ok(v.parse().unwrap_or_default())
    } else {
        Err(invalid(f, "a whole number or '-'", v))
    }
}

fn ms(f: Field, v: &str) -> Result<f64, ParseError> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|c| c.is_ascii_digit());
    if digits(whole) && digits(frac) {
        v.parse().map_err(|_| invalid(f, "milliseconds or '-'", v))
    } else {
        Err(invalid(f, "milliseconds or '-'", v))
    }
}

/// Reads `line` with `template`.
pub fn parse_line<'a>(line: &'a str, template: &Template) -> Result<ApigwRecord<'a>, ParseError> {
    if line.trim().is_empty() {
        return Err(ParseError::new(None, ParseErrorKind::Empty, None));
    }
    match cloudwatch_prefix(line) {
        None => read(line, template, None),
        Some((time, message)) => match read(message, template, Some(time)) {
            // API Gateway's log streams are named with 32 hex digits: a line that starts with
            // one after the time is `aws logs tail`'s, whatever the rest would also match
            Ok(r) if is_stream_name(message) => {
                Ok(read(&message[33..], template, Some(time)).unwrap_or(r))
            }
            Ok(r) => Ok(r),
            // `aws logs tail`: the log stream's name before the message
            Err(e) => match message.split_once(' ') {
                Some((stream, rest)) if !stream.is_empty() && !stream.starts_with('{') => {
                    read(rest, template, Some(time)).map_err(|_| e)
                }
                _ => Err(e),
            },
        },
    }
}

/// Whether `message` starts with an API Gateway log stream's name (32 hex digits) and a space.
fn is_stream_name(message: &str) -> bool {
    let b = message.as_bytes();
    b.len() > 33 && b[32] == b' ' && b[..32].iter().all(u8::is_ascii_hexdigit)
}

fn read<'a>(
    message: &'a str,
    template: &Template,
    prefix_time: Option<i64>,
) -> Result<ApigwRecord<'a>, ParseError> {
    let mut raw: [Option<&'a str>; FIELD_COUNT] = [None; FIELD_COUNT];
    let mut put = |f: Field, v: &'a str| {
        let slot = &mut raw[f as usize];
        if slot.is_none() && !v.is_empty() && v != "-" {
            *slot = Some(v);
        }
    };
    let json = match &template.body {
        Body::Line(pieces) => {
            pieces.matches(message, &mut put).ok_or_else(|| {
                ParseError::new(
                    None,
                    ParseErrorKind::Invalid {
                        expected: "a line in the configured format",
                    },
                    Some(message),
                )
            })?;
            false
        }
        Body::Json(_) | Body::JsonByName => {
            let mut unmatched: Option<&'a str> = None;
            json::walk(message, false, &mut |path, value, _| {
                let Some(v) = value else { return };
                match &template.body {
                    Body::JsonByName => {
                        if let Some(f) = super::fields::default_key(path) {
                            put(f, v);
                        }
                    }
                    _ => match template.json_key(path) {
                        Some(Value::One(f)) => put(*f, v),
                        Some(Value::Pieces(p)) if p.matches(v, &mut put).is_none() => {
                            unmatched.get_or_insert(v);
                        }
                        Some(Value::Pieces(_)) | None => {}
                    },
                }
            })
            .map_err(|(at, expected)| {
                ParseError::new(
                    None,
                    ParseErrorKind::Invalid { expected },
                    Some(message.get(at..).unwrap_or(message)),
                )
            })?;
            if let Some(v) = unmatched {
                return Err(ParseError::new(
                    None,
                    ParseErrorKind::Invalid {
                        expected: "a value in the configured format",
                    },
                    Some(v),
                ));
            }
            true
        }
    };
    typed(raw, json, prefix_time)
}

fn typed(
    raw: [Option<&str>; FIELD_COUNT],
    json: bool,
    prefix_time: Option<i64>,
) -> Result<ApigwRecord<'_>, ParseError> {
    let get = |f: Field| raw[f as usize];
    let opt = |f: Field| -> Result<Option<u16>, ParseError> {
        get(f).map(|v| status_of(f, v)).transpose()
    };
    let Some(s) = get(Field::Status) else {
        return Err(ParseError::new(
            Some(Field::Status.name()),
            ParseErrorKind::Invalid {
                expected: "a status",
            },
            None,
        ));
    };
    let status = status_of(Field::Status, s)?;
    let epoch = get(Field::RequestTimeEpoch)
        .map(|v| {
            count(Field::RequestTimeEpoch, v)
                .ok()
                .filter(|ms| *ms < 1 << 52)
                .map(|ms| ms as i64 * 1000)
                .ok_or_else(|| invalid(Field::RequestTimeEpoch, "milliseconds since the epoch", v))
        })
        .transpose()?;
    let clf = get(Field::RequestTime)
        .map(|v| {
            parse_time_local(v).ok_or_else(|| {
                invalid(
                    Field::RequestTime,
                    "a time as 09/Jun/2023:12:54:08 +0000",
                    v,
                )
            })
        })
        .transpose()?;
    let time_us = epoch.or(clf).or(prefix_time).ok_or_else(|| {
        ParseError::new(
            Some(Field::RequestTime.name()),
            ParseErrorKind::Invalid {
                expected: "a requestTime or requestTimeEpoch",
            },
            None,
        )
    })?;
    for f in [
        Field::RequestId,
        Field::ExtendedRequestId,
        Field::SourceIp,
        Field::HttpMethod,
        Field::Protocol,
    ] {
        if let Some(v) = get(f).filter(|v| v.bytes().any(|c| c.is_ascii_whitespace() || c == b'"'))
        {
            return Err(invalid(
                f,
                "an id, address or method without spaces or quotes",
                v,
            ));
        }
    }
    for f in [Field::ResourcePath, Field::Path] {
        if let Some(v) = get(f).filter(|v| !v.starts_with('/')) {
            return Err(invalid(f, "a path starting with '/'", v));
        }
    }
    for f in Field::ALL {
        // the typed fields not kept apart are still checked
        if let (Kind::Status, Some(v)) = (f.kind(), get(f)) {
            status_of(f, v)?;
        }
    }
    Ok(ApigwRecord {
        time_us,
        status,
        integration_status: opt(Field::IntegrationStatus)?,
        function_status: opt(Field::FunctionStatus)?,
        response_length: get(Field::ResponseLength)
            .map(|v| count(Field::ResponseLength, v))
            .transpose()?,
        response_latency: get(Field::ResponseLatency)
            .map(|v| ms(Field::ResponseLatency, v))
            .transpose()?,
        integration_latency: get(Field::IntegrationLatency)
            .map(|v| ms(Field::IntegrationLatency, v))
            .transpose()?,
        raw,
        json,
    })
}
