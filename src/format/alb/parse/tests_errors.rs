//! Rejected lines: every error names the right field, never a panic.

use super::tests_fields::{field_mismatch, Want};
use super::*;

/// Sample line 2 of alb-public.log (https, 29 fields).
const GOOD: &str = r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;

/// alb-public-malformed.log line 1 (elastic/beats fixture, missing space before `1`).
const MALFORMED_1: &str = r#"wss 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:44244 10.0.0.171:8010 0.000 0.001 0.000 101 101 218 786 "GET https://10.0.0.30:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-"1 2018-07-02T22:22:48.364000Z "forward" "-" "-""#;

/// alb-public-malformed.log line 2 (crowdsec fixture with a duplicated segment).
const MALFORMED_2: &str = r#"https 2023-04-26T19:53:48.420982Z app/546213e5-apiexamplecom-api-94aa/490d68edf04676fe 3.4.5.6:44760 - -1 -1 -1 404 - 204 167 "GET https://api.example.com:443/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%2C%22utf-8%22%29%29.%28%40com.opensymphony.webwork.ServletActionContext%40getResponse%28%29.setHeader%28%22X-Cmd-Response%22%2C%23a%29%29%7D/ HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-6449814c-373 HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-6449814c-3732e31f4ef8997027ce7ece" "api.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2023-04-26T19:53:48.419000Z "waf,fixed-response" "-" "-" "-" "-" "-" "-""#;

/// GOOD with its `index`-th token (0-based, unquoted tokens only) replaced.
fn with_token(index: usize, value: &str) -> String {
    let mut toks = tokens(GOOD);
    toks[index] = value.to_string();
    toks.join(" ")
}

/// Tokens with their quotes kept (test helper; GOOD has no spaces in quotes
/// except the request and user agent, handled by re-joining).
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap() + 2;
            out.push(rest[..end].to_string());
            rest = rest[end..].trim_start_matches(' ');
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = rest[end..].trim_start_matches(' ');
        }
    }
    out
}

#[track_caller]
fn err(line: &str) -> ParseError {
    match parse_line(line) {
        Ok(r) => panic!("expected an error for {line:?}, parsed {r:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn invalid_field(line: &str, field: &str) -> ParseError {
    let e = err(line);
    assert_eq!(e.field, Some(field), "{e}");
    assert!(matches!(e.kind, ParseErrorKind::Invalid { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("field `{field}`: expected ")),
        "{e}"
    );
    e
}

#[test]
fn helper_round_trips() {
    assert_eq!(tokens(GOOD).len(), 29);
    assert_eq!(tokens(GOOD).join(" "), GOOD);
    assert!(parse_line(GOOD).is_ok());
}

#[test]
fn empty_lines() {
    // Unicode whitespace too (`trim`'s), and the ASCII controls at either end of the printable
    // range: the parser looks at the first byte before it trims
    for line in [
        "",
        " ",
        "   ",
        "\r",
        "\n",
        "\r\n",
        " \t ",
        "\u{0b}",
        "\u{0c} ",
        "\u{3000}",
        "\u{a0}\u{2003} ",
        "\u{85}",
    ] {
        let e = err(line);
        assert_eq!(e.kind, ParseErrorKind::Empty, "{line:?}");
        assert_eq!(e.field, None);
        assert_eq!(e.to_string(), "empty line");
    }
    // a line with anything else on it is not empty: it misses fields
    for line in ["x", "!", "~", "\u{7f}", "\u{3000}x", "é", " x ", "\u{0}"] {
        let e = err(line);
        assert!(
            matches!(e.kind, ParseErrorKind::MissingField { found: 1, .. }),
            "{line:?}: {e}"
        );
    }
}

#[test]
fn truncated_lines_name_the_first_missing_field() {
    let toks = tokens(GOOD);
    for n in 1..MIN_FIELDS {
        let line = toks[..n].join(" ");
        let e = err(&line);
        assert_eq!(e.field, Some(FIELD_NAMES[n]), "{n}: {e}");
        assert_eq!(
            e.kind,
            ParseErrorKind::MissingField {
                found: n,
                min: MIN_FIELDS
            }
        );
    }
    let e = err(&toks[..15].join(" "));
    assert_eq!(
        e.to_string(),
        "field `ssl_protocol`: missing: the line has only 15 fields, at least 20 expected"
    );
    // 20 fields is enough.
    assert!(parse_line(&toks[..20].join(" ")).is_ok());
}

#[test]
fn truncated_inside_a_quote() {
    let cut = &GOOD[..GOOD.find("curl").unwrap()];
    let e = err(cut);
    assert_eq!(e.field, Some("user_agent"));
    assert_eq!(e.kind, ParseErrorKind::UnterminatedQuote);
    let cut = &GOOD[..GOOD.find("www.example.com:443").unwrap()];
    assert_eq!(err(cut).field, Some("request"));
}

/// GOOD with one token replaced by a value its field rejects: (token index, value, the field
/// the error must name).
const INVALID: &[(usize, &str, &str)] = &[
    (0, r#""""#, "type"),
    (1, "2018-02-30T22:23:00.186641Z", "time"),
    (1, "2018-07-02T22:23:00.186641", "time"),
    (1, "2018-07-02 22:23:00", "time"),
    (1, "-", "time"),
    (1, "yesterday", "time"),
    (2, "-", "elb"),
    (3, "192.168.131.39:99999", "client:port"),
    (3, "192.168.131.39", "client:port"),
    (3, "192.168.131.39:", "client:port"),
    (3, ":2817", "client:port"),
    (3, "[::1]", "client:port"),
    (4, "10.0.0.1:http", "target:port"),
    (5, "0.0.1", "request_processing_time"),
    (5, "1e3", "request_processing_time"),
    (5, "abc", "request_processing_time"),
    (5, "--1", "request_processing_time"),
    (5, "+1", "request_processing_time"),
    (6, "x", "target_processing_time"),
    (7, "0,5", "response_processing_time"),
    (8, "abc", "elb_status_code"),
    (9, "2000", "target_status_code"),
    (9, "20x", "target_status_code"),
    (9, "-1", "target_status_code"),
    (9, r#""""#, "target_status_code"),
    (9, "2.0", "target_status_code"),
    (10, "-5", "received_bytes"),
    (10, "1.5", "received_bytes"),
    (10, "12a", "received_bytes"),
    (10, "99999999999999999999999", "received_bytes"),
    (11, "lots", "sent_bytes"),
    (20, "TLSv1.2", "matched_rule_priority"),
    (20, "1.0", "matched_rule_priority"),
    (20, "99999999999", "matched_rule_priority"),
    (20, "--1", "matched_rule_priority"),
    (21, "2018-13-02T22:22:48.364000Z", "request_creation_time"),
    (21, "0", "request_creation_time"),
    (21, "2018-07-02T22:22:48.364000Zx", "request_creation_time"),
];

#[test]
fn invalid_tokens_name_their_field() {
    for &(index, bad, field) in INVALID {
        invalid_field(&with_token(index, bad), field);
    }
}

#[test]
fn an_invalid_token_is_quoted_in_the_message() {
    let e = invalid_field(&with_token(8, "abc"), "elb_status_code");
    assert_eq!(
        e.to_string(),
        r#"field `elb_status_code`: expected a status code or '-', got "abc""#
    );
    assert_eq!(e.got(), Some("abc"));
}

/// GOOD with one token replaced by a value its field accepts: (token index, value, field,
/// parsed value). `-` is None quoted or not; `""` stays Some("") except in actions_executed;
/// a quoted number is read like an unquoted one.
const ACCEPTED: &[(usize, &str, &str, Want)] = &[
    (13, "-", "user_agent", Want::Null),
    (13, r#""""#, "user_agent", Want::Str("")),
    (22, r#""""#, "actions_executed", Want::Null),
    (14, r#""-""#, "ssl_cipher", Want::Null),
    (8, r#""503""#, "elb_status_code", Want::Int(503)),
    (21, "-", "request_creation_time_us", Want::Null),
];

#[test]
fn accepted_tokens_parse_to_their_value() {
    for &(index, value, field, want) in ACCEPTED {
        let line = with_token(index, value);
        let r = parse_line(&line).unwrap_or_else(|e| panic!("token {index} = {value:?}: {e}"));
        if let Some(problem) = field_mismatch(&r, field, want) {
            panic!("token {index} = {value:?}: {problem}");
        }
    }
}

#[test]
fn quote_followed_by_text() {
    let line = GOOD.replacen(r#""curl/7.46.0" "#, r#""curl/7.46.0"x "#, 1);
    let e = err(&line);
    assert_eq!(e.field, Some("user_agent"));
    assert_eq!(e.kind, ParseErrorKind::TextAfterQuote);
    assert_eq!(e.got(), Some(r#""curl/7.46.0"x"#));
}

#[test]
fn malformed_samples() {
    let e = err(MALFORMED_1);
    assert_eq!(e.field, Some("chosen_cert_arn"));
    assert_eq!(e.kind, ParseErrorKind::TextAfterQuote);
    assert_eq!(
        e.to_string(),
        r#"field `chosen_cert_arn`: expected a space after the closing quote, got "\"-\"1""#
    );
    let e = invalid_field(MALFORMED_2, "matched_rule_priority");
    assert_eq!(e.got(), Some("TLSv1.2"));
}

#[test]
fn offending_text_is_truncated_and_escaped() {
    let long = "9".repeat(100);
    let e = invalid_field(&with_token(10, &long), "received_bytes");
    assert_eq!(e.got().unwrap(), format!("{}...", "9".repeat(40)));
    let e = invalid_field(&with_token(8, "2\u{1}\u{7f}é\\"), "elb_status_code");
    let msg = e.to_string();
    assert!(msg.ends_with(r#"got "2\u{1}\u{7f}é\\""#), "{msg}");
    // Truncation counts chars, not bytes (no panic inside a multi-byte char).
    let wide = "é".repeat(50);
    let e = invalid_field(&with_token(8, &wide), "elb_status_code");
    assert_eq!(e.got().unwrap().chars().count(), 43);
    let _: &dyn std::error::Error = &e;
}

#[test]
fn extra_fields_are_ignored_even_when_broken() {
    for extra in [r#" "unterminated"#, r#" "a"b c"#, " x y z", r#" """#] {
        let line = format!("{GOOD} TID_1 \"-\" \"-\" \"-\"{extra}");
        let r = parse_line(&line).unwrap_or_else(|e| panic!("{extra:?}: {e}"));
        assert_eq!(r.conn_trace_id, Some("TID_1"));
        assert!(r.field_count > 33, "{extra:?}");
    }
}

#[test]
fn whitespace_tolerance() {
    // Runs of spaces separate tokens; leading/trailing spaces are ignored.
    let spaced = format!("  {}  ", GOOD.replacen(" 200 200 ", "  200   200 ", 1));
    assert_eq!(parse_line(&spaced).unwrap(), parse_line(GOOD).unwrap());
}

#[test]
fn latency_ms() {
    let r = parse_line(GOOD).unwrap();
    let l = r.latency_ms().unwrap();
    assert!((l - 171.0).abs() < 1e-9, "{l}");
    let line = with_token(6, "-1");
    let r = parse_line(&line).unwrap();
    assert_eq!(r.latency_ms(), None);
    let line = with_token(7, "-");
    let r = parse_line(&line).unwrap();
    assert_eq!(r.latency_ms(), None);
    let zero = with_token(5, "0.000");
    let zero = zero.replacen(" 0.048 0.037 ", " 0.000 0.000 ", 1);
    assert_eq!(parse_line(&zero).unwrap().latency_ms(), Some(0.0));
}
