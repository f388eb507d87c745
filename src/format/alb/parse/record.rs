//! The record type and [`parse_line`].

use super::num::{parse_i32, parse_port, parse_seconds, parse_status, parse_time_us, parse_u64};
use super::{FIELD_NAMES, MIN_FIELDS};
use crate::format::error::{ParseError, ParseErrorKind};
use crate::format::text::{split_request, trim_spaces};

/// Number of known fields.
const KNOWN: usize = FIELD_NAMES.len();

/// One parsed ALB access-log entry. Strings borrow from the line and are raw:
/// `\xHH` escapes are kept (see [`decode_escapes`](super::decode_escapes)).
/// `-` (quoted or not) is `None` in every optional field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlbRecord<'a> {
    /// Field `type`: http, https, h2, grpcs, ws, wss (any token is accepted).
    pub kind: &'a str,
    /// Field `time` (response time; connection close for ws/wss), µs since the Unix epoch, UTC.
    pub time_us: i64,
    pub elb: &'a str,
    /// Field `client:port`, split on the last `:` (IPv6 is unbracketed in real
    /// logs; `[v6]:port` is accepted and the brackets are stripped).
    pub client_ip: Option<&'a str>,
    pub client_port: Option<u16>,
    pub target_ip: Option<&'a str>,
    pub target_port: Option<u16>,
    /// Seconds; `None` for `-` and for any negative value (`-1`).
    pub request_processing_time: Option<f64>,
    pub target_processing_time: Option<f64>,
    pub response_processing_time: Option<f64>,
    /// `000` is `Some(0)`.
    pub elb_status_code: Option<u16>,
    pub target_status_code: Option<u16>,
    pub received_bytes: Option<u64>,
    pub sent_bytes: Option<u64>,
    /// Raw text inside the quotes of field `request` ([`AlbRecord::request_parts`] splits it,
    /// only for a caller that reads its parts: the split cannot fail, so the parser, which
    /// checks every field, does not need it).
    pub request: &'a str,
    pub user_agent: Option<&'a str>,
    pub ssl_cipher: Option<&'a str>,
    pub ssl_protocol: Option<&'a str>,
    pub target_group_arn: Option<&'a str>,
    pub trace_id: Option<&'a str>,
    /// SNI name; surrounding spaces (seen in the wild: `" example.com"`) are trimmed.
    pub domain_name: Option<&'a str>,
    pub chosen_cert_arn: Option<&'a str>,
    pub matched_rule_priority: Option<i32>,
    pub request_creation_time_us: Option<i64>,
    /// `""` (observed once in the wild) is `None`, like `-`.
    pub actions_executed: Option<&'a str>,
    pub redirect_url: Option<&'a str>,
    pub error_reason: Option<&'a str>,
    /// Field `target:port_list`, raw (space-delimited list).
    pub target_port_list: Option<&'a str>,
    pub target_status_code_list: Option<&'a str>,
    pub classification: Option<&'a str>,
    pub classification_reason: Option<&'a str>,
    pub conn_trace_id: Option<&'a str>,
    pub transformed_host: Option<&'a str>,
    pub transformed_uri: Option<&'a str>,
    pub request_transform_status: Option<&'a str>,
    /// Tokens on the line, including ignored extras beyond the 33 known fields.
    pub field_count: usize,
}

impl<'a> AlbRecord<'a> {
    /// The request's method (up to its first space; `None` for `-`), URL (between its first
    /// and last space; may contain spaces) and protocol (after its last space, when there are
    /// at least two parts).
    pub fn request_parts(&self) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
        split_request(self.request)
    }

    pub fn method(&self) -> Option<&'a str> {
        self.request_parts().0
    }

    pub fn url(&self) -> Option<&'a str> {
        self.request_parts().1
    }

    pub fn protocol(&self) -> Option<&'a str> {
        self.request_parts().2
    }

    /// Sum of the three processing times in milliseconds when all three are
    /// present, else `None`.
    pub fn latency_ms(&self) -> Option<f64> {
        Some(
            (self.request_processing_time?
                + self.target_processing_time?
                + self.response_processing_time?)
                * 1000.0,
        )
    }
}

// Field indexes (positions in FIELD_NAMES).
const TYPE: usize = 0;
const TIME: usize = 1;
const ELB: usize = 2;
const CLIENT: usize = 3;
const TARGET: usize = 4;
const REQ_TIME: usize = 5;
const TARGET_TIME: usize = 6;
const RESP_TIME: usize = 7;
const ELB_STATUS: usize = 8;
const TARGET_STATUS: usize = 9;
const RECEIVED: usize = 10;
const SENT: usize = 11;
const REQUEST: usize = 12;
const USER_AGENT: usize = 13;
const SSL_CIPHER: usize = 14;
const SSL_PROTOCOL: usize = 15;
const TARGET_GROUP: usize = 16;
const TRACE_ID: usize = 17;
const DOMAIN: usize = 18;
const CERT: usize = 19;
const RULE: usize = 20;
const CREATION_TIME: usize = 21;
const ACTIONS: usize = 22;
const REDIRECT: usize = 23;
const ERROR_REASON: usize = 24;
const TARGET_LIST: usize = 25;
const TARGET_STATUS_LIST: usize = 26;
const CLASSIFICATION: usize = 27;
const CLASSIFICATION_REASON: usize = 28;
const CONN_TRACE: usize = 29;
const TRANSFORMED_HOST: usize = 30;
const TRANSFORMED_URI: usize = 31;
const TRANSFORM_STATUS: usize = 32;

#[cold]
#[inline(never)]
fn invalid(field: usize, expected: &'static str, got: &str) -> ParseError {
    ParseError::new(
        Some(FIELD_NAMES[field]),
        ParseErrorKind::Invalid { expected },
        Some(got),
    )
}

/// The index of the first `needle` in `b` at or after `from`, else `b.len()`. Inline: one
/// 16-byte look first (many fields end in it), then 32 bytes a step (two loads, one test: the
/// longer fields, the user agent, the target group, the request, in half the steps), then 16,
/// then byte by byte. A call to `memchr` (dispatch and set-up for long haystacks) cost more
/// than the search itself.
#[inline(always)]
fn find_byte(b: &[u8], from: usize, needle: u8) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of x86_64; every load reads 16 bytes inside `b` (i + 16 <= len,
        // and i + 32 <= len for the pair)
        unsafe {
            let n = _mm_set1_epi8(needle as i8);
            let p = b.as_ptr();
            if i + 16 <= b.len() {
                let m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(i).cast()), n));
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i += 16;
            }
            while i + 32 <= b.len() {
                let m0 = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(i).cast()), n));
                let m1 =
                    _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(i + 16).cast()), n));
                let m = (m0 as u32 & 0xffff) | (m1 as u32) << 16;
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i += 32;
            }
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast());
                let m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, n)) as u32;
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < b.len() {
        if b[i] == needle {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// `line[from..to]`, where each end is the line's start or end, or next to an ASCII byte a
/// search found (a space, a quote, a port's colon): always a char boundary, so the slice skips
/// `str` indexing's boundary checks (two loads and compares per end, a sixth of the tokenizer).
#[inline(always)]
fn cut(line: &str, from: usize, to: usize) -> &str {
    debug_assert!(from <= to && to <= line.len());
    debug_assert!(line.is_char_boundary(from) && line.is_char_boundary(to));
    // SAFETY: `from <= to <= line.len()`, and both are char boundaries (see above)
    unsafe { line.get_unchecked(from..to) }
}

/// Splits a line into tokens. Returns `(known fields, total token count)`.
/// Extra tokens beyond the known fields are only counted: a broken quote there
/// does not reject the line (AWS: "ignore any fields at the end of the log
/// entry that you were not expecting").
/// The fields are written into the caller's array (not returned): moving 33 slices out on
/// every line cost more than filling them.
#[inline(always)]
fn tokenize<'a>(line: &'a str, fields: &mut [&'a str; KNOWN]) -> Result<usize, ParseError> {
    let b = line.as_bytes();
    let len = b.len();
    let mut n = 0usize;
    let mut pos = 0usize;
    loop {
        while pos < len && b[pos] == b' ' {
            pos += 1;
        }
        if pos >= len {
            break;
        }
        let start = pos;
        let token;
        if b[pos] == b'"' {
            match Some(find_byte(b, pos + 1, b'"')).filter(|&c| c < len) {
                Some(close) => {
                    token = cut(line, pos + 1, close);
                    pos = close + 1;
                    if pos < len && b[pos] != b' ' {
                        let end = find_byte(b, pos, b' ');
                        if n < KNOWN {
                            return Err(ParseError::new(
                                Some(FIELD_NAMES[n]),
                                ParseErrorKind::TextAfterQuote,
                                Some(&line[start..end]),
                            ));
                        }
                        pos = end;
                    } else {
                        // past the space after the quote (or past the line's end)
                        pos += 1;
                    }
                }
                None => {
                    if n < KNOWN {
                        return Err(ParseError::new(
                            Some(FIELD_NAMES[n]),
                            ParseErrorKind::UnterminatedQuote,
                            Some(&line[start..]),
                        ));
                    }
                    token = "";
                    pos = len;
                }
            }
        } else {
            let end = find_byte(b, pos, b' ');
            token = cut(line, pos, end);
            // past the space that ended the token (or past the line's end)
            pos = end + 1;
        }
        if n < KNOWN {
            fields[n] = token;
        }
        n += 1;
    }
    Ok(n)
}

/// A field's `-`: compared as bytes (`s == "-"` and `"-" =>` became calls to memcmp).
#[inline(always)]
fn is_dash(s: &str) -> bool {
    s.len() == 1 && s.as_bytes()[0] == b'-'
}

/// `-` is absent.
#[inline]
fn opt(s: &str) -> Option<&str> {
    if is_dash(s) {
        None
    } else {
        Some(s)
    }
}

#[inline]
fn seconds(f: &[&str; KNOWN], i: usize) -> Result<Option<f64>, ParseError> {
    parse_seconds(f[i]).ok_or_else(|| invalid(i, "a number of seconds, -1 or '-'", f[i]))
}

#[inline]
fn status(f: &[&str; KNOWN], i: usize) -> Result<Option<u16>, ParseError> {
    match f[i] {
        s if is_dash(s) => Ok(None),
        s => parse_status(s)
            .map(Some)
            .ok_or_else(|| invalid(i, "a status code or '-'", s)),
    }
}

#[inline(always)]
fn bytes(f: &[&str; KNOWN], i: usize) -> Result<Option<u64>, ParseError> {
    match f[i] {
        s if is_dash(s) => Ok(None),
        s => parse_u64(s)
            .map(Some)
            .ok_or_else(|| invalid(i, "a byte count or '-'", s)),
    }
}

#[inline(always)]
fn time(f: &[&str; KNOWN], i: usize) -> Result<i64, ParseError> {
    parse_time_us(f[i]).ok_or_else(|| invalid(i, "a time like 2018-07-02T22:23:00.186641Z", f[i]))
}

/// Whether `b` holds a `[` or a `]`. Eight bytes at a time: a byte-by-byte loop over both
/// addresses of every line was a third of [`host_port`]. `c & 0xf9 == 0x59` holds for `[`, `]`,
/// `Y` and `_` only; a word with such a byte is looked at byte by byte.
#[inline]
fn has_bracket(b: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let maybe = |w: u64| {
        let t = (w & (0xf9 * LOW)) ^ (0x59 * LOW);
        t.wrapping_sub(LOW) & !t & HIGH != 0
    };
    let exact = |b: &[u8]| b.iter().any(|&c| c == b'[' || c == b']');
    if b.len() < 8 {
        return exact(b);
    }
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
    let mut i = 0;
    while i + 8 <= b.len() {
        if maybe(word(i)) && exact(&b[i..i + 8]) {
            return true;
        }
        i += 8;
    }
    // the last bytes, in a word that overlaps the one before
    i < b.len() && maybe(word(b.len() - 8)) && exact(&b[b.len() - 8..])
}

/// `ip:port`, `[ipv6]:port` or `-`. Unbracketed IPv6 (`2001:db8::1:443`) is
/// split on the last `:`.
#[inline(always)]
fn host_port<'a>(
    f: &[&'a str; KNOWN],
    i: usize,
) -> Result<(Option<&'a str>, Option<u16>), ParseError> {
    const EXPECTED: &str = "ip:port or '-'";
    let s = f[i];
    if is_dash(s) {
        return Ok((None, None));
    }
    let split = if let Some(rest) = s.strip_prefix('[') {
        rest.split_once("]:")
    } else {
        // the port is at most five digits: its ':' is among the last six bytes (a further
        // one leaves a port too long to parse, rejected below all the same)
        let b = s.as_bytes();
        let tail = b.len().saturating_sub(7);
        match b[tail..].iter().rposition(|&c| c == b':') {
            // around an ASCII ':': char boundaries
            Some(i) => Some((cut(s, 0, tail + i), cut(s, tail + i + 1, s.len()))),
            None => s.rsplit_once(':'),
        }
    };
    match split {
        Some((ip, port)) if !ip.is_empty() && !has_bracket(ip.as_bytes()) => {
            match parse_port(port) {
                Some(p) => Ok((Some(ip), Some(p))),
                None => Err(invalid(i, EXPECTED, s)),
            }
        }
        _ => Err(invalid(i, EXPECTED, s)),
    }
}

/// Parses one ALB access-log line (a trailing `\n`/`\r\n` is ignored).
///
/// Every known field's syntax is checked, so whether a line is accepted does
/// not depend on which fields the caller uses. Allocates only on error.
pub fn parse_line(line: &str) -> Result<AlbRecord<'_>, ParseError> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    // a line that starts with a printable ASCII byte is not blank: `trim`'s scan (Unicode
    // whitespace, from both ends) only for the others
    let printable = matches!(line.as_bytes().first(), Some(&c) if c > b' ' && c < 0x80);
    if !printable && line.trim().is_empty() {
        return Err(ParseError::new(None, ParseErrorKind::Empty, None));
    }
    let mut f = [""; KNOWN];
    let n = tokenize(line, &mut f)?;
    if n < MIN_FIELDS {
        return Err(ParseError::new(
            Some(FIELD_NAMES[n]),
            ParseErrorKind::MissingField {
                found: n,
                min: MIN_FIELDS,
            },
            None,
        ));
    }

    if f[TYPE].is_empty() || is_dash(f[TYPE]) {
        return Err(invalid(
            TYPE,
            "a request type (http, https, h2, ...)",
            f[TYPE],
        ));
    }
    if f[ELB].is_empty() || is_dash(f[ELB]) {
        return Err(invalid(ELB, "a load balancer id", f[ELB]));
    }
    let time_us = time(&f, TIME)?;
    let (client_ip, client_port) = host_port(&f, CLIENT)?;
    let (target_ip, target_port) = host_port(&f, TARGET)?;
    let request_processing_time = seconds(&f, REQ_TIME)?;
    let target_processing_time = seconds(&f, TARGET_TIME)?;
    let response_processing_time = seconds(&f, RESP_TIME)?;
    let elb_status_code = status(&f, ELB_STATUS)?;
    let target_status_code = status(&f, TARGET_STATUS)?;
    let received_bytes = bytes(&f, RECEIVED)?;
    let sent_bytes = bytes(&f, SENT)?;
    let request = f[REQUEST];

    // Fields 21.. are absent on old lines (n <= index): tokenize left "" there.
    let present = |i: usize| i < n;
    let matched_rule_priority = match f[RULE] {
        _ if !present(RULE) => None,
        s if is_dash(s) => None,
        s => Some(parse_i32(s).ok_or_else(|| invalid(RULE, "a rule priority or '-'", s))?),
    };
    let request_creation_time_us = match f[CREATION_TIME] {
        _ if !present(CREATION_TIME) => None,
        s if is_dash(s) => None,
        _ => Some(time(&f, CREATION_TIME)?),
    };
    let text = |i: usize| if present(i) { opt(f[i]) } else { None };
    let actions_executed = text(ACTIONS).filter(|s| !s.is_empty());
    let domain_name = opt(f[DOMAIN]).map(trim_spaces);

    Ok(AlbRecord {
        kind: f[TYPE],
        time_us,
        elb: f[ELB],
        client_ip,
        client_port,
        target_ip,
        target_port,
        request_processing_time,
        target_processing_time,
        response_processing_time,
        elb_status_code,
        target_status_code,
        received_bytes,
        sent_bytes,
        request,
        user_agent: opt(f[USER_AGENT]),
        ssl_cipher: opt(f[SSL_CIPHER]),
        ssl_protocol: opt(f[SSL_PROTOCOL]),
        target_group_arn: opt(f[TARGET_GROUP]),
        trace_id: opt(f[TRACE_ID]),
        domain_name,
        chosen_cert_arn: opt(f[CERT]),
        matched_rule_priority,
        request_creation_time_us,
        actions_executed,
        redirect_url: text(REDIRECT),
        error_reason: text(ERROR_REASON),
        target_port_list: text(TARGET_LIST),
        target_status_code_list: text(TARGET_STATUS_LIST),
        classification: text(CLASSIFICATION),
        classification_reason: text(CLASSIFICATION_REASON),
        conn_trace_id: text(CONN_TRACE),
        transformed_host: text(TRANSFORMED_HOST),
        transformed_uri: text(TRANSFORMED_URI),
        request_transform_status: text(TRANSFORM_STATUS),
        field_count: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_split() {
        type Split<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let cases: &[(&str, Split)] = &[
            (
                "GET http://h:80/ HTTP/1.1",
                (Some("GET"), Some("http://h:80/"), Some("HTTP/1.1")),
            ),
            (
                "GET http://h:80/ HTTP/1.0 ",
                (Some("GET"), Some("http://h:80/"), Some("HTTP/1.0")),
            ),
            ("- http://h:80- -", (None, Some("http://h:80-"), None)),
            ("- http://h:8080- ", (None, Some("http://h:8080-"), None)),
            ("- - -", (None, None, None)),
            ("-", (None, None, None)),
            ("", (None, None, None)),
            ("GET", (Some("GET"), None, None)),
            ("GET /x", (Some("GET"), Some("/x"), None)),
            (
                "GET http://h/a b c HTTP/1.1",
                (Some("GET"), Some("http://h/a b c"), Some("HTTP/1.1")),
            ),
            (
                "GET  /x  HTTP/1.1",
                (Some("GET"), Some("/x"), Some("HTTP/1.1")),
            ),
            ("  ", (None, None, None)),
        ];
        for (input, want) in cases {
            assert_eq!(split_request(input), *want, "{input:?}");
        }
    }

    #[test]
    fn has_bracket_is_a_byte_search() {
        let mut x: u64 = 7;
        for len in 0..48 {
            for _ in 0..2000 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        b"0123456789abcdef.:[]Y_Z\x00\xff"[(x % 25) as usize]
                    })
                    .collect();
                let want = s.iter().any(|&c| c == b'[' || c == b']');
                assert_eq!(has_bracket(&s), want, "{s:?}");
            }
        }
    }

    #[test]
    fn host_ports() {
        let mut f = [""; KNOWN];
        let mut hp = |s: &'static str| {
            f[CLIENT] = s;
            host_port(&f, CLIENT).map_err(|e| e.kind)
        };
        assert_eq!(hp("1.2.3.4:80"), Ok((Some("1.2.3.4"), Some(80))));
        assert_eq!(hp("-"), Ok((None, None)));
        assert_eq!(hp("2001:db8::1:443"), Ok((Some("2001:db8::1"), Some(443))));
        assert_eq!(
            hp("[2001:db8::1]:443"),
            Ok((Some("2001:db8::1"), Some(443)))
        );
        for bad in [
            "1.2.3.4",
            "1.2.3.4:",
            ":80",
            "1.2.3.4:99999",
            "[::1]",
            "[::1]x:80",
            "[]:80",
        ] {
            assert!(hp(bad).is_err(), "{bad:?}");
        }
    }
}
