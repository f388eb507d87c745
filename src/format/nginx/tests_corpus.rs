//! Conformance: the 16 real lines of `shared/samples/nginx-upstream-public.log`, each read
//! with its layout's log_format (`nginx-upstream-public.notes.md` and the sources it cites),
//! with the attempts its source shows. The files are read from the shared folder, never
//! copied here.

use super::*;
use crate::format::testing::read_sample;
use crate::format::Attempt;
use crate::window::format_us;

/// ingress-nginx's `upstreaminfo` (lines 1-7 and 11).
const UPSTREAMINFO: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id"#;
/// The older ingress-nginx layout: `[$the_real_ip]`, no alternative upstream (lines 8-10).
const OLD_INGRESS: &str = r#"$remote_addr - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id"#;
/// prometheus-nginxlog-exporter's issue 217 scenario (features/test-config-issue217.yaml).
const ISSUE_217: &str = r#"$server_name $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time "$upstream_response_time" $pipe $ssl_protocol/$ssl_cipher $request_id $host"#;
/// elastic/beats#20813: upstreaminfo with the host in front.
const HOST_UPSTREAMINFO: &str = r#"$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id"#;
/// prometheus-nginxlog-exporter#70.
const ISSUE_70: &str =
    "[proxy ($upstream_cache_status) : $upstream_addr $upstream_response_time $upstream_status ]";
/// netdata's web_log format (netdata#5238, netdata#6125).
const NETDATA: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_length $request_time $upstream_response_time "$http_referer" "$http_user_agent""#;

/// Each line's layout, 1-based as the notes number them.
fn layout(line: usize) -> &'static str {
    match line {
        1..=7 | 11 => UPSTREAMINFO,
        8..=10 => OLD_INGRESS,
        12 => ISSUE_217,
        13 | 14 => HOST_UPSTREAMINFO,
        15 => ISSUE_70,
        16 => NETDATA,
        _ => unreachable!("the sample has 16 lines"),
    }
}

/// An attempt as the source shows it: address, status, seconds.
type A<'a> = (Option<&'a str>, Option<u16>, Option<f64>);

/// Per line: the status the client got, the time (UTC), and the attempts.
fn expected(line: usize) -> (Option<u16>, Option<&'static str>, Vec<A<'static>>) {
    match line {
        1 => (
            Some(200),
            Some("2020-02-07T11:48:51Z"),
            vec![(Some("172.17.0.5:8080"), Some(200), Some(0.0))],
        ),
        // nginx refused the request itself: every upstream field `-`
        2 => (Some(400), Some("2020-02-07T11:49:50Z"), vec![]),
        3 => (
            Some(200),
            Some("2020-02-07T12:02:42Z"),
            vec![
                (Some("172.17.0.6:8080"), Some(200), Some(0.1)),
                (Some("172.17.0.7:8080"), Some(203), Some(0.004)),
            ],
        ),
        // every attempt failed; bracketed IPv6 addresses
        4 => (
            Some(502),
            Some("2022-08-24T18:05:41Z"),
            vec![
                (Some("[2a02:cf40::7]:5000"), Some(502), Some(0.0)),
                (Some("[2a02:cf40::4e36]:5000"), Some(502), Some(0.0)),
            ],
        ),
        5 => (
            Some(200),
            Some("2020-02-07T11:56:54Z"),
            vec![(Some("unix:/var/run/php-fpm.sock"), Some(200), Some(0.002))],
        ),
        // the second attempt got no response; the length list is a lone `-`
        6 => (
            Some(200),
            Some("2020-02-07T12:02:42Z"),
            vec![
                (Some("172.17.0.6:8080"), Some(200), Some(0.1)),
                (Some("172.17.0.7:8080"), None, None),
            ],
        ),
        7 => (
            Some(502),
            Some("2022-08-24T18:05:41Z"),
            vec![
                (Some("[2a02:cf40::7]:5000"), Some(502), Some(0.0)),
                (Some("[2a02:cf40::4e36]:5000"), Some(403), Some(1.0)),
            ],
        ),
        8 => (
            Some(200),
            Some("2018-12-07T18:31:33Z"),
            vec![
                (Some("172.17.0.1:9000"), Some(200), Some(0.012)),
                (Some("100.110.0.3:80"), None, None),
            ],
        ),
        9 => (
            Some(200),
            Some("2018-12-07T18:31:33Z"),
            vec![
                (Some("172.17.0.1:9000"), Some(200), Some(0.012)),
                (Some("100.110.0.3:80"), None, Some(0.013)),
            ],
        ),
        // one backend retried: the same address twice
        10 => (
            Some(200),
            Some("2018-12-07T18:31:33Z"),
            vec![
                (Some("172.17.0.1:9000"), Some(200), Some(0.012)),
                (Some("100.110.0.3:80"), None, None),
                (Some("100.110.0.3:80"), None, None),
            ],
        ),
        11 => (Some(503), Some("2020-03-19T16:02:20Z"), vec![]),
        // only the times are logged: four attempts, their sum 4 s (the exporter's test)
        12 => (
            Some(200),
            Some("2021-10-27T04:00:14Z"),
            vec![
                (None, None, Some(1.0)),
                (None, None, Some(0.25)),
                (None, None, Some(2.0)),
                (None, None, Some(0.75)),
            ],
        ),
        // 502, then the websocket upgrade on the second upstream
        13 => (
            Some(101),
            Some("2020-08-24T01:30:24Z"),
            vec![
                (Some("10.0.0.1:443"), Some(502), Some(0.1)),
                (Some("10.0.0.2:443"), Some(101), Some(143.757)),
            ],
        ),
        14 => (
            Some(200),
            Some("2020-08-24T01:28:53Z"),
            vec![
                (Some("10.0.0.1:443"), Some(502), Some(0.096)),
                (Some("10.0.0.2:443"), Some(502), Some(0.092)),
                (Some("10.0.0.3:443"), Some(200), Some(0.496)),
            ],
        ),
        // no status or time in this layout
        15 => (
            None,
            None,
            vec![
                (Some("127.0.0.1:80"), Some(502), Some(0.0)),
                (Some("[::]:80"), Some(200), Some(0.001)),
            ],
        ),
        16 => (
            Some(200),
            Some("2019-01-21T07:59:55Z"),
            vec![(None, None, Some(0.0)), (None, None, Some(0.001))],
        ),
        _ => unreachable!(),
    }
}

fn lines() -> Vec<String> {
    read_sample("nginx-upstream-public.log")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn nginx(format: &str) -> Nginx {
    Nginx(Arc::new(
        NginxSettings::new(Some(format), None, &[]).unwrap(),
    ))
}

#[test]
fn every_public_line_parses_with_its_layout_and_the_attempts_its_source_shows() {
    let lines = lines();
    assert_eq!(
        lines.len(),
        16,
        "nginx-upstream-public.log should have 16 lines"
    );
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let f = nginx(layout(n));
        let r = f
            .parse(line)
            .unwrap_or_else(|e| panic!("line {n}: {e}\n{line}"));
        let (status, time, want) = expected(n);
        assert_eq!(r.status, status, "line {n}");
        assert_eq!(r.time_us.map(format_us).as_deref(), time, "line {n}");
        let got: Vec<Attempt> =
            f.0.log_format
                .attempts(&r)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
        let got: Vec<A> = got.iter().map(|a| (a.addr, a.status, a.time_s)).collect();
        assert_eq!(got, want, "line {n}");
    }
}

/// Line `n` read with its layout.
fn record(lines: &[String], n: usize) -> (NginxRecord<'_>, Nginx) {
    let f = nginx(layout(n));
    let r = f.parse(&lines[n - 1]).unwrap();
    (r, f)
}

#[test]
fn what_the_sources_assert_beyond_the_attempts() {
    let lines = lines();
    let rec = |n: usize| record(&lines, n);
    // elastic/beats: the last upstream is the one that counts (status, address)
    let routes = crate::format::Routes::default();
    let (r, f) = rec(14);
    let want = Want {
        roles: f.0.roles(),
        routes: &routes,
        arena: None,
    };
    let q = f.request(&r, &want);
    assert_eq!(
        (q.upstream_status, q.backend),
        (Some(200), Some("10.0.0.3:443"))
    );
    assert_eq!(q.latency_ms, Some(683.0));
    assert!((q.upstream_ms.unwrap() - 684.0).abs() < 1e-9);
    let a = q.attempts.unwrap();
    assert_eq!(a.iter().filter(|a| a.failed()).count(), 2);
    // line 4: every attempt failed, nginx passed the last 502 on
    let (r, f) = rec(4);
    let q = f.request(&r, &want);
    assert!(q.attempts.unwrap().iter().all(|a| a.failed()));
    assert_eq!((q.status, q.generated), (Some(502), false));
    // line 11: nginx answered 503 itself
    let (r, f) = rec(11);
    let q = f.request(&r, &want);
    assert_eq!((q.status, q.generated, q.backend), (Some(503), true, None));
    // prometheus-nginxlog-exporter#217 sums the times: 4 s per line
    let (r, f) = rec(12);
    assert_eq!(f.0.log_format.upstream_ms(&r), Some(4000.0));
    assert_eq!(
        f.0.log_format.text(&r, vars::Var::SslCipher),
        Some("TLS_AES_256_GCM_SHA384")
    );
    // the masked address netdata's user posted is still text
    let (r, f) = rec(16);
    assert_eq!(
        f.0.log_format.text(&r, vars::Var::RemoteAddr),
        Some("10.xx.xx.xx")
    );
    assert_eq!(r.request_time, Some(0.024));
    // the malformed method of line 2 is still the method the client sent
    let (r, f) = rec(2);
    assert_eq!(
        f.0.log_format.method_url(&r),
        (Some("PATCHp"), Some("/products/42"))
    );
}
