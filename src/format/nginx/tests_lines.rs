//! Reading lines: literal text, quotes, brackets, adjacent variables, escape modes, JSON,
//! upstream lists, the roles, and malformed lines named by the variable where matching
//! stopped.

use super::vars::Var;
use super::*;
use crate::format::{Attempt, Routes};
use crate::window::format_us;

fn nginx(format: &str, proxies: &[&str]) -> Nginx {
    let proxies: Vec<String> = proxies.iter().map(|p| p.to_string()).collect();
    Nginx(Arc::new(
        NginxSettings::new(Some(format), None, &proxies).unwrap_or_else(|e| panic!("{e}")),
    ))
}

fn parse<'a>(n: &Nginx, line: &'a str) -> NginxRecord<'a> {
    n.parse(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

fn text<'a>(n: &Nginx, r: &NginxRecord<'a>, var: Var) -> Option<&'a str> {
    n.0.log_format.text(r, var)
}

fn request<'a>(n: &Nginx, r: &NginxRecord<'a>, routes: &'a Routes) -> Request<'a> {
    n.request(
        r,
        &Want {
            roles: n.0.roles(),
            routes,
            arena: None,
        },
    )
}

/// The field a rejected line names, and the message.
fn rejected(n: &Nginx, line: &str) -> (Option<&'static str>, String) {
    let e = n.parse(line).map(|_| ()).unwrap_err();
    (e.field, e.to_string())
}

const COMBINED_LINE: &str = r#"203.0.113.7 - alice [20/Nov/2026:10:00:00 +0100] "POST /patients/123/notes?draft=1 HTTP/1.1" 201 612 "https://hosp.example.org/" "Mozilla/5.0 (X11; Linux x86_64)""#;

#[test]
fn a_combined_line() {
    let n = Nginx::default();
    let r = parse(&n, COMBINED_LINE);
    assert_eq!(format_us(r.time_us.unwrap()), "2026-11-20T09:00:00Z");
    assert_eq!(r.status, Some(201));
    assert_eq!(text(&n, &r, Var::RemoteUser), Some("alice"));
    assert_eq!(
        text(&n, &r, Var::HttpReferer),
        Some("https://hosp.example.org/")
    );
    assert_eq!(
        text(&n, &r, Var::HttpUserAgent),
        Some("Mozilla/5.0 (X11; Linux x86_64)")
    );
    let routes = Routes::default();
    let q = request(&n, &r, &routes);
    assert_eq!(q.client_ip, Some("203.0.113.7"));
    assert_eq!(
        (q.method, q.url.as_deref()),
        (Some("POST"), Some("/patients/123/notes?draft=1"))
    );
    assert_eq!(q.path.as_deref(), Some("/patients/123/notes"));
    assert_eq!(q.endpoint.as_deref(), Some("/patients/{id}/notes"));
    assert_eq!(q.bytes_out, Some(612));
    // combined has no timing and no upstream: those roles are not filled
    assert_eq!(
        (q.latency_ms, q.upstream_status, q.attempts),
        (None, None, None)
    );
    let roles = n.0.roles();
    for role in [
        Role::Time,
        Role::ClientIp,
        Role::Status,
        Role::Endpoint,
        Role::UserAgent,
    ] {
        assert!(roles.contains(role), "{role}");
    }
    for role in [
        Role::LatencyMs,
        Role::Attempts,
        Role::Backend,
        Role::Generated,
    ] {
        assert!(!roles.contains(role), "{role}");
    }
}

#[test]
fn literal_text_between_variables_is_matched_as_written() {
    let n = nginx(
        r#"$remote_addr [$time_iso8601] "$request" $status rt=$request_time uct="$upstream_connect_time" ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" cf=$http_x_amz_cf_id trace=$http_x_amzn_trace_id"#,
        &[],
    );
    let line = r#"10.0.1.7 [2026-11-20T10:00:01+00:00] "GET /hospitals HTTP/1.1" 200 rt=0.503 uct="0.000, 0.001" ua="10.0.2.10:3000, 10.0.2.11:3000" us="502, 200" urt="0.300, 0.200" cf=Ab3xQ== trace=Root=1-673db0a0-0123456789abcdef01234567"#;
    let r = parse(&n, line);
    assert_eq!(format_us(r.time_us.unwrap()), "2026-11-20T10:00:01Z");
    assert_eq!(r.request_time, Some(0.503));
    assert_eq!(text(&n, &r, Var::UpstreamConnectTime), Some("0.000, 0.001"));
    assert_eq!(text(&n, &r, Var::HttpXAmzCfId), Some("Ab3xQ=="));
    let routes = Routes::default();
    let q = request(&n, &r, &routes);
    assert_eq!(q.latency_ms, Some(503.0));
    let attempts: Vec<Attempt> = q.attempts.unwrap().iter().collect();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[0],
        Attempt {
            addr: Some("10.0.2.10:3000"),
            status: Some(502),
            time_s: Some(0.3)
        }
    );
    // the last attempt is what nginx passed on
    assert_eq!((q.upstream_status, q.generated), (Some(200), false));
    assert_eq!(q.backend, Some("10.0.2.11:3000"));
    assert_eq!(
        q.target.map(|t| t.to_string()).as_deref(),
        Some("10.0.2.11:3000")
    );
    // the upstream time is the sum over the attempts
    assert!((q.upstream_ms.unwrap() - 500.0).abs() < 1e-9);
    assert_eq!(q.trace_id, Some("Root=1-673db0a0-0123456789abcdef01234567"));
}

#[test]
fn brackets_and_adjacent_variables() {
    // `$status$request_time`: a status is three digits, so the time starts after them
    let n = nginx(
        "[$msec] $remote_addr:$status$request_time {$ssl_protocol/$ssl_cipher}",
        &[],
    );
    let r = parse(
        &n,
        "[1763632800.250] 198.51.100.4:2000.125 {TLSv1.3/TLS_AES_128_GCM_SHA256}",
    );
    // 2025-11-20T10:00:00.250Z
    assert_eq!(r.time_us, Some(1_763_632_800_250_000));
    assert_eq!((r.status, r.request_time), (Some(200), Some(0.125)));
    assert_eq!(text(&n, &r, Var::SslProtocol), Some("TLSv1.3"));
    assert_eq!(text(&n, &r, Var::SslCipher), Some("TLS_AES_128_GCM_SHA256"));
}

#[test]
fn default_escapes_keep_quotes_inside_values() {
    // nginx writes `"` inside a value as \x22: the value does not end there
    let n = Nginx::default();
    let line = r#"203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "evil \x22 \x5C\x22 x" "#;
    // the line ends with a space after the last quote: not the format
    let (field, msg) = rejected(&n, line);
    assert_eq!(field, Some("$http_user_agent"), "{msg}");
    let r = parse(&n, line.trim_end());
    assert_eq!(
        text(&n, &r, Var::HttpUserAgent),
        Some(r#"evil \x22 \x5C\x22 x"#)
    );
    // a referer with an escaped quote followed by a space does not end early
    let line = r#"203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "a\x22 \x22b" "ua""#;
    let r = parse(&n, line);
    assert_eq!(text(&n, &r, Var::HttpReferer), Some(r#"a\x22 \x22b"#));
    assert_eq!(text(&n, &r, Var::HttpUserAgent), Some("ua"));
}

#[test]
fn json_escapes_and_no_escapes() {
    let json = nginx(
        r#"log_format j escape=json '$remote_addr "$http_user_agent" "$http_referer" $status';"#,
        &[],
    );
    let r = parse(&json, r#"1.2.3.4 "say \"hi\" \\" "" 200"#);
    assert_eq!(
        text(&json, &r, Var::HttpUserAgent),
        Some(r#"say \"hi\" \\"#)
    );
    // escape=json writes nothing for a variable with no value
    assert_eq!(text(&json, &r, Var::HttpReferer), None);
    assert_eq!(r.status, Some(200));
    // escape=none: a raw quote in the last quoted value still ends at the line's last quote
    let none = nginx(
        r#"escape=none '$remote_addr "$request" $status "$http_user_agent"'"#,
        &[],
    );
    let r = parse(&none, r#"1.2.3.4 "GET / HTTP/1.1" 404 "a "quoted" agent""#);
    assert_eq!(
        text(&none, &r, Var::HttpUserAgent),
        Some(r#"a "quoted" agent"#)
    );
}

#[test]
fn a_json_object_format_reads_lines_by_key() {
    let n = nginx(
        r#"log_format j escape=json '{"time":"$time_iso8601","client":"$remote_addr","req":"$request","status":$status,"rt":$request_time,"us":"$upstream_status","ua":"$upstream_addr","ua2":"$http_user_agent"}';"#,
        &[],
    );
    // keys in another order, spaces, an extra key and a nested value a shipper added
    let line = r#" { "status": 503, "req": "GET /notes?patient_id=3 HTTP/1.1", "time": "2026-11-20T10:00:02+00:00", "extra": {"k": [1, "}"]}, "rt": 0.012, "us": "502, 502, 503", "ua": "10.0.2.10:3000, 10.0.2.11:3000, 10.0.2.10:3000", "client": "198.51.100.7", "ua2": "curl \"8\"" } "#;
    let r = parse(&n, line);
    assert_eq!(r.status, Some(503));
    assert_eq!(format_us(r.time_us.unwrap()), "2026-11-20T10:00:02Z");
    assert_eq!(text(&n, &r, Var::HttpUserAgent), Some(r#"curl \"8\""#));
    let routes = Routes::default();
    let q = request(&n, &r, &routes);
    assert_eq!(q.endpoint.as_deref(), Some("/notes"));
    let a = q.attempts.unwrap();
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|a| a.failed()));
    // a key the line lacks is no value, not a malformed line
    let r = parse(&n, r#"{"time":"2026-11-20T10:00:02Z","status":200}"#);
    assert_eq!(text(&n, &r, Var::RemoteAddr), None);
    // not JSON, or a value not of its variable's kind
    assert_eq!(rejected(&n, "hello").0, None);
    let (field, msg) = rejected(&n, r#"{"time":"2026-11-20T10:00:02Z","status":"OK"}"#);
    assert_eq!(field, Some("$status"), "{msg}");
}

#[test]
fn upstream_lists_across_redirects_and_of_unequal_length() {
    let n = nginx(
        "$remote_addr [$time_local] \"$request\" $status $request_time $upstream_addr $upstream_response_length $upstream_response_time $upstream_status",
        &[],
    );
    // an internal redirect (` : `) to a second group; the length list is a lone `-`
    let line = r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 1.500 10.0.2.10:3000, 10.0.2.11:3000 : 10.0.3.1:80 - 0.700, 0.600 : 0.100 502, 504 : 200"#;
    let r = parse(&n, line);
    let routes = Routes::default();
    let q = request(&n, &r, &routes);
    let a: Vec<Attempt> = q.attempts.unwrap().iter().collect();
    let statuses: Vec<Option<u16>> = a.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(502), Some(504), Some(200)]);
    assert_eq!(a[2].addr, Some("10.0.3.1:80"));
    assert_eq!(text(&n, &r, Var::UpstreamResponseLength), None);
    // no upstream contacted: every list a lone `-`
    let line = r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "GET /health HTTP/1.1" 200 0.000 - - - -"#;
    let q = request(&n, &parse(&n, line), &routes);
    assert_eq!(q.attempts.map(|a| a.len()), Some(0));
    assert_eq!(
        (q.generated, q.upstream_status, q.backend),
        (true, None, None)
    );
    // the last attempt timed out: nginx answered 504 itself
    let line = r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 504 60.001 10.0.2.10:3000 0 60.001 -"#;
    let q = request(&n, &parse(&n, line), &routes);
    assert_eq!((q.generated, q.upstream_status), (true, None));
    assert_eq!(
        q.target.map(|t| (t.host, t.port)),
        Some(("10.0.2.10", Some(3000)))
    );
}

#[test]
fn malformed_lines_name_the_variable_where_matching_stopped() {
    let n = nginx(
        "$remote_addr [$time_local] \"$request\" $status $request_time $upstream_status",
        &[],
    );
    let ok = r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 0.001 200"#;
    parse(&n, ok);
    let cases = [
        (ok.replace(" 200 0.001", " 2x0 0.001"), "$status"),
        (ok.replace("0.001", "fast"), "$request_time"),
        (ok.replace("0.001", "1e5"), "$request_time"),
        (ok.replace("+0000]", "+0000 ]"), "$time_local"),
        (ok.replace("20/Nov/2026", "20/Nox/2026"), "$time_local"),
        (ok.replace("0.001 200", "0.001 "), "$upstream_status"),
        (
            ok.replace("0.001 200", "0.001 200, abc"),
            "$upstream_status",
        ),
        (ok.replace("0.001 200", "0.001"), "$request_time"),
        (ok.replace("[20", "20"), "$remote_addr"),
        (format!("{ok} trailing"), "$upstream_status"),
        ("10.0.1.7".to_string(), "$remote_addr"),
    ];
    for (line, field) in &cases {
        let (got, msg) = rejected(&n, line);
        assert_eq!(got, Some(*field), "{line:?}: {msg}");
        assert!(msg.starts_with(&format!("field `{field}`")), "{msg}");
    }
    // what was expected is said
    let (_, msg) = rejected(&n, &cases[0].0);
    assert!(msg.contains("\" \" after it"), "{msg}");
    let (_, msg) = rejected(&n, &cases[1].0);
    assert!(msg.contains("seconds"), "{msg}");
    assert_eq!(
        n.parse("   ").unwrap_err().kind,
        crate::format::ParseErrorKind::Empty
    );
}

#[test]
fn the_client_behind_trusted_proxies() {
    let format = r#"$remote_addr [$time_local] "$request" $status "$http_x_forwarded_for""#;
    let trusted = nginx(format, &["10.0.0.0/8", "130.176.0.0/16"]);
    let plain = nginx(format, &[]);
    let routes = Routes::default();
    let line = |xff: &str| {
        format!(r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "POST /notes HTTP/1.1" 201 "{xff}""#)
    };
    let client = |n: &Nginx, l: &str| {
        request(n, &parse(n, l), &routes)
            .client_ip
            .map(str::to_string)
    };
    // the viewer, then the CloudFront edge the ALB saw; the ALB node connected to nginx
    let honest = line("203.0.113.9, 130.176.12.34");
    assert_eq!(client(&trusted, &honest).as_deref(), Some("203.0.113.9"));
    // a client that sends its own X-Forwarded-For: its made-up leftmost entry is not the client
    let spoofed = line("10.0.0.1, 203.0.113.9, 130.176.12.34");
    assert_eq!(client(&trusted, &spoofed).as_deref(), Some("203.0.113.9"));
    // without trusted proxies the client is the load balancer nginx saw
    assert_eq!(client(&plain, &spoofed).as_deref(), Some("10.0.1.7"));
    // the frame's client_ip column follows the same rule
    let cols = trusted.columns();
    let at = cols.iter().position(|c| c.def.name == "client_ip").unwrap();
    let mut b = trusted.frame(&[at], 1, "test");
    crate::format::FrameBuilder::push(&mut b, &parse(&trusted, &spoofed), &routes);
    let df = crate::format::FrameBuilder::finish(b);
    assert_eq!(
        df.column("client_ip").unwrap().str().unwrap().get(0),
        Some("203.0.113.9")
    );
}

#[test]
fn columns_follow_the_format() {
    let n = nginx(
        r#"$remote_addr [$time_local] "$request" $status $request_time $upstream_addr $upstream_status $upstream_response_time $time"#,
        &[],
    );
    let names: Vec<String> = n.column_defs().into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "remote_addr",
            "time_local",
            "request",
            "status",
            "request_time",
            "upstream_addr",
            "upstream_status",
            "upstream_response_time",
            // an unknown `$time` gives way to the derived `time`
            "var_time",
            "time",
            "client_ip",
            "method",
            "url",
            "path",
            "query",
            "endpoint",
            "latency_ms",
            "upstream_ms",
            "attempts",
            "failed_attempts",
            "final_upstream_status",
            "final_upstream_addr",
            "nginx_generated",
            "source"
        ]
    );
    let line = r#"10.0.1.7 [20/Nov/2026:10:00:00 +0000] "GET /patients/7?x=1 HTTP/1.1" 200 1.250 10.0.2.10:3000, 10.0.2.11:3000 502, 200 1.000, 0.200 t"#;
    let all: Vec<usize> = (0..names.len()).collect();
    let mut b = n.frame(&all, 1, "a.log");
    crate::format::FrameBuilder::push(&mut b, &parse(&n, line), &Routes::default());
    let df = crate::format::FrameBuilder::finish(b);
    let row = |c: &str| format!("{}", df.column(c).unwrap().get(0).unwrap());
    assert_eq!(row("status"), "200");
    assert_eq!(row("upstream_status"), "\"502, 200\"");
    assert_eq!(row("attempts"), "2");
    assert_eq!(row("failed_attempts"), "1");
    assert_eq!(row("final_upstream_status"), "200");
    assert_eq!(row("final_upstream_addr"), "\"10.0.2.11:3000\"");
    assert_eq!(row("endpoint"), "\"/patients/{id}\"");
    assert_eq!(row("latency_ms"), "1250.0");
    assert_eq!(row("upstream_ms"), "1200.0");
    assert_eq!(row("nginx_generated"), "false");
    assert_eq!(row("source"), "\"a.log\"");
    assert_eq!(
        df.column("time").unwrap().dtype(),
        &crate::frame::Kind::Time.dtype()
    );
}
