//! `hosp-logs serve` over real HTTP on a free 127.0.0.1 port: the token, the Host check, the
//! headers, the bounds; `/api/snapshot` against `slo` over the same window; lines appended to
//! a followed file reaching the JSON within 2 s; hostile log text inert; `/metrics`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::*;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
const WAIT: Duration = Duration::from_secs(30);
/// The first poll reads whole fixture days (three hops' with the config): a debug build on a
/// loaded machine takes its time.
const FIRST_POLL: Duration = Duration::from_secs(180);

/// A running `serve`, its address and token read from the line it prints.
struct Serve {
    child: Child,
    addr: String,
    token: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str], now: Option<&str>) -> Serve {
    let mut cmd = hosp_logs_std();
    cmd.arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"]);
    if let Some(now) = now {
        cmd.env("HOSP_LOGS_NOW", now);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "serve ended before it listened"
        );
        if line.contains("serving http://") {
            break;
        }
    }
    // the rest of stderr is drained so serve never blocks on it
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let url = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let (addr, token) = url.split_once("/?token=").unwrap();
    Serve {
        child,
        addr: addr.to_string(),
        token: token.to_string(),
    }
}

/// One answer: status, headers (names in lower case), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A raw HTTP/1.1 request (`Connection: close`), so any Host and method can be sent.
fn raw(addr: &str, request: &str) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

fn get(s: &Serve, path: &str, extra: &[(&str, &str)]) -> Answer {
    let mut req = format!("GET {path} HTTP/1.1\r\n");
    if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {}\r\n", s.addr));
    }
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    raw(&s.addr, &req)
}

fn bearer(s: &Serve) -> String {
    format!("Bearer {}", s.token)
}

/// The JSON at `path` once the first poll is done.
fn json(s: &Serve, path: &str) -> Value {
    let deadline = Instant::now() + FIRST_POLL;
    loop {
        let a = get(s, path, &[("Authorization", &bearer(s))]);
        if a.status == 200 {
            return serde_json::from_str(&a.body).unwrap();
        }
        assert_eq!(a.status, 503, "{a:?}");
        assert!(Instant::now() < deadline, "no first poll in {FIRST_POLL:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `n` ALB lines answered `status`, `secs_ago` seconds before the real clock, from
/// tests/data/one-line.log; `url` and `ua` replace its request line's URL and user agent.
fn lines(n: usize, status: u16, secs_ago: i64, url: &str, ua: &str) -> String {
    let template = std::fs::read_to_string(root().join("tests/data/one-line.log")).unwrap();
    let template = template
        .trim_end()
        .replace("http://hosp.example.com:80/staffs/239", url)
        .replace(
            "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
            ua,
        );
    let t = chrono::Utc::now() - chrono::Duration::seconds(secs_ago);
    let time = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let mut out = String::new();
    for _ in 0..n {
        let mut f: Vec<String> = template.split(' ').map(str::to_string).collect();
        f[1] = time.clone();
        f[8] = status.to_string();
        f[9] = status.to_string();
        out.push_str(&f.join(" "));
        out.push('\n');
    }
    out
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

const PLAIN_URL: &str = "http://hosp.example.com:80/staffs/239";
const PLAIN_UA: &str = "Mozilla/5.0";

#[test]
fn every_request_but_healthz_needs_the_token_and_the_right_host() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(3, 200, 5, PLAIN_URL, PLAIN_UA));
    let s = serve(&["--source", &log.display().to_string()], None);
    let auth = bearer(&s);
    json(&s, "/api/snapshot");

    let secured = |a: &Answer| {
        assert_eq!(a.header("content-security-policy"), Some(CSP), "{a:?}");
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"));
    };
    let health = get(&s, "/healthz", &[]);
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    secured(&health);
    for path in ["/", "/api/snapshot", "/api/panel", "/metrics", "/app.js"] {
        let a = get(&s, path, &[]);
        assert_eq!(a.status, 401, "{path} without a token: {a:?}");
        secured(&a);
        assert!(!a.body.contains(&s.token));
    }
    // a wrong token of the right length, and the right one cut short
    let mut wrong = s.token.clone().into_bytes();
    wrong[31] = if wrong[31] == b'0' { b'1' } else { b'0' };
    let wrong = format!("Bearer {}", String::from_utf8(wrong).unwrap());
    assert_eq!(
        get(&s, "/metrics", &[("Authorization", &wrong)]).status,
        401
    );
    let short = format!("Bearer {}", &s.token[..31]);
    assert_eq!(
        get(&s, "/metrics", &[("Authorization", &short)]).status,
        401
    );
    assert_eq!(get(&s, "/metrics", &[("Authorization", &auth)]).status, 200);

    // DNS rebinding: the right token under another Host is refused
    let port = s.addr.rsplit(':').next().unwrap();
    let evil = format!("evil.example.com:{port}");
    let a = get(
        &s,
        "/api/snapshot",
        &[("Host", &evil), ("Authorization", &auth)],
    );
    assert_eq!(a.status, 403, "{a:?}");
    secured(&a);
    let local = format!("localhost:{port}");
    let a = get(
        &s,
        "/api/snapshot",
        &[("Host", &local), ("Authorization", &auth)],
    );
    assert_eq!(a.status, 200);

    // the printed link: the token becomes an HttpOnly SameSite=Strict cookie, then leaves the URL
    let bad_link = get(&s, &format!("/?token={}", &s.token[..31]), &[]);
    assert_eq!(bad_link.status, 401);
    let link = get(&s, &format!("/?token={}", s.token), &[]);
    assert_eq!(link.status, 303, "{link:?}");
    assert_eq!(link.header("location"), Some("/"));
    let cookie = link.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    assert_eq!(pair, format!("hosp_token={}", s.token));
    let page = get(&s, "/", &[("Cookie", &pair)]);
    assert_eq!(page.status, 200);
    secured(&page);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(
        !page.body.contains(&s.token),
        "the token is never in a page"
    );
    // nothing inline: every script has a src, no style attribute or element, no handler
    assert_eq!(page.body.matches("<script").count(), 1);
    assert!(page
        .body
        .contains("<script src=\"/app.js\" defer></script>"));
    for inline in [
        "style=",
        "<style",
        " onload=",
        " onclick=",
        "javascript:",
        "http://",
        "https://",
    ] {
        assert!(!page.body.contains(inline), "{inline} in the page");
    }
    let script = get(&s, "/app.js", &[("Cookie", &pair)]);
    assert!(script
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(
        !script.body.contains("innerHTML"),
        "log text is placed as text only"
    );
    let style = get(&s, "/app.css", &[("Cookie", &pair)]);
    assert!(style
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(get(&s, "/nothing", &[("Cookie", &pair)]).status, 404);

    // GET only, no body, bounded heads
    let post = raw(
        &s.addr,
        &format!("POST /api/snapshot HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", s.addr),
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
    secured(&post);
    let with_body = raw(
        &s.addr,
        &format!("GET /api/snapshot HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", s.addr),
    );
    assert_eq!(with_body.status, 413);
    let huge = "x".repeat(40_000);
    let big = raw(
        &s.addr,
        &format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Big: {huge}\r\nConnection: close\r\n\r\n",
            s.addr
        ),
    );
    assert!(big.status == 431 || big.status == 0, "{:?}", big.status);
    let long = format!("/healthz?{}", "a".repeat(3000));
    assert_eq!(get(&s, &long, &[]).status, 414);
}

#[test]
fn a_non_loopback_listen_needs_allow_remote() {
    for addr in ["0.0.0.0:8087", "192.0.2.1:8087", "[::]:8087"] {
        let out = hosp_logs()
            .args(["serve", "--source", &fixture_day(), "--listen", addr])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--allow-remote") && err.contains("TLS") && err.contains("token"),
            "{err}"
        );
    }
}

/// The fixture day followed with the clock half an hour after it: the snapshot is `slo` over
/// the snapshot's own window, and /metrics says the same.
#[test]
fn the_snapshot_is_the_slo_of_the_same_window() {
    let day = fixture_day();
    let s = serve(
        // one poll only: /metrics read later shows the same poll
        &["--source", &day, "--since", "24h", "--interval", "1h"],
        Some("2026-11-21T00:30:00Z"),
    );
    let snap = json(&s, "/api/snapshot");
    let since = snap["window"]["start"].as_str().unwrap().to_string();
    let until = snap["window"]["end"].as_str().unwrap().to_string();
    let slo = json_ok(
        &hosp_logs()
            .args([
                "slo", "--source", &day, "--since", &since, "--until", &until, "--format", "json",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        u(&slo["requests"]["valid"]) > 70_000,
        "the window holds most of the day"
    );
    for key in [
        "requests",
        "success_rate",
        "target",
        "met",
        "error_budget",
        "burn_rate",
        "periods",
        "definitions",
        "window",
    ] {
        assert_eq!(snap[key], slo[key], "{key}");
    }
    // the burn-rate alerts: the live view keeps 3 days, so its 3d alert reads before the
    // 24-hour window: the first three as `slo` says, the 3d one as `slo` over 3 days does
    let (live, batch) = (&snap["burn_rate_alerts"], &slo["burn_rate_alerts"]);
    for i in 0..3 {
        assert_eq!(live[i], batch[i], "alert {i}");
    }
    let end: chrono::DateTime<chrono::Utc> = until.parse().unwrap();
    let three_days = (end - chrono::Duration::days(3)).to_rfc3339();
    let slo_3d = json_ok(
        &hosp_logs()
            .args([
                "slo",
                "--source",
                &day,
                "--since",
                &three_days,
                "--until",
                &until,
                "--format",
                "json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(live[3]["long_burn_rate"], slo_3d["burn_rate"]);
    assert_eq!(live[3]["short_burn_rate"], batch[3]["short_burn_rate"]);
    assert!(snap["alerts_firing"].is_array() && snap["at"].is_string());

    // /metrics: the same success ratio, and the counters over everything read
    let whole = json_ok(
        &hosp_logs()
            .args(["slo", "--source", &day, "--format", "json"])
            .output()
            .unwrap(),
    );
    let m = get(&s, "/metrics", &[("Authorization", &bearer(&s))]);
    assert!(m
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let value = |series: &str| -> f64 {
        let line = m
            .body
            .lines()
            .find(|l| l.starts_with(series))
            .unwrap_or_else(|| panic!("{series} missing:\n{}", m.body));
        line[series.len()..].trim().parse().unwrap()
    };
    let ratio = value("hosp_slo_success_ratio{slo=\"availability\",window=\"24h\"}");
    assert!((ratio - slo["success_rate"].as_f64().unwrap()).abs() < 1e-12);
    let valid = value("hosp_slo_valid_total{slo=\"availability\"}");
    assert_eq!(valid as u64, u(&whole["requests"]["valid"]));
    let good = value("hosp_slo_good_total{slo=\"availability\"}");
    assert_eq!(good as u64, u(&whole["requests"]["good"]));
    assert_eq!(
        value("hosp_input_lines_total") as u64,
        u(&whole["input"]["lines"])
    );
    let om = get(
        &s,
        "/metrics",
        &[
            ("Authorization", &bearer(&s)),
            (
                "Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
            ),
        ],
    );
    assert!(om
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(om.body.ends_with("# EOF\n"));
}

#[test]
fn appended_lines_reach_the_json_within_two_seconds_and_hostile_text_stays_inert() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(10, 200, 5, PLAIN_URL, PLAIN_UA));
    let s = serve(
        &["--source", &log.display().to_string(), "--since", "1h"],
        None,
    );
    let deadline = Instant::now() + WAIT;
    while u(&json(&s, "/api/snapshot")["requests"]["total"]) != 10 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    }
    let panel = json(&s, "/api/panel");
    assert_eq!(panel["slos"][0]["name"], "availability");
    assert_eq!(panel["slos"][0]["success"], "100.000%");

    // 5 failures with hostile user agents and URLs: markup, quotes, a bidi override
    let ua = "\\x22><img src=x onerror=alert(1)><script>alert('ua')</script>' onmouseover='alert(2)\u{202E}gnp.exe";
    let url = "http://hosp.example.com:80/patients/<img src=x onerror=alert(3)>?patient=0012345&q=1' OR 1=1--";
    append(&log, &lines(5, 503, 1, url, ua));
    let appended = Instant::now();
    let snap = loop {
        let v = json(&s, "/api/snapshot");
        if u(&v["requests"]["total"]) == 15 {
            break v;
        }
        assert!(
            appended.elapsed() < Duration::from_secs(2),
            "the appended lines are not in the snapshot after 2 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = appended.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(u(&snap["requests"]["bad"]), 5);
    // the page's numbers are the new slo figures: 10 good of 15
    let panel = json(&s, "/api/panel");
    assert_eq!(
        panel["slos"][0]["success"],
        format!("{:.3}%", 10.0 / 15.0 * 100.0)
    );
    let text = panel.to_string();
    // no client address, no raw URL (its query carries a patient id), no bidi override
    for absent in [
        "192.0.2.39",
        "0012345",
        "patient=",
        "1=1",
        "\u{202E}",
        "\\u202e",
    ] {
        assert!(!text.contains(absent), "{absent:?} in the panel: {text}");
    }
    let failing = &panel["top_failing"][0];
    assert_eq!(failing["errors"], 5);
    assert!(
        failing["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("GET /patients/"),
        "{failing}"
    );
    // the JSON is served as JSON, never sniffed into a page
    let a = get(&s, "/api/panel", &[("Authorization", &bearer(&s))]);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    eprintln!("serve: appended lines in the snapshot after {took:?}");
}

#[test]
fn sigterm_ends_serve_with_130() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(1, 200, 5, PLAIN_URL, PLAIN_UA));
    let mut s = serve(&["--source", &log.display().to_string()], None);
    json(&s, "/api/snapshot");
    // SAFETY: a plain kill(2) of the child this test started
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "serve did not end on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
}

/// With a store, the view starts from the store's counts up to where it is complete and
/// reads the sources from there on: the fixture day collected, an empty folder followed, the
/// snapshot is still `slo` over the logs of the same window.
#[test]
fn the_store_backfills_the_view() {
    let day = fixture_day();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let empty = dir.path().join("new-logs");
    std::fs::create_dir(&empty).unwrap();
    stdout_ok(
        &hosp_logs()
            .args(["collect", "-q", "--source", &day, "--store"])
            .arg(&store)
            .output()
            .unwrap(),
    );
    let s = serve(
        &[
            "--source",
            &empty.display().to_string(),
            "--store",
            &store.display().to_string(),
            "--since",
            "24h",
            "--interval",
            "1h",
        ],
        Some("2026-11-21T00:30:00Z"),
    );
    let snap = json(&s, "/api/snapshot");
    let since = snap["window"]["start"].as_str().unwrap().to_string();
    let until = snap["window"]["end"].as_str().unwrap().to_string();
    let slo = json_ok(
        &hosp_logs()
            .args([
                "slo", "--source", &day, "--since", &since, "--until", &until, "--format", "json",
            ])
            .output()
            .unwrap(),
    );
    assert!(u(&slo["requests"]["valid"]) > 70_000);
    assert_eq!(snap["requests"], slo["requests"]);
    assert_eq!(snap["success_rate"], slo["success_rate"]);
    // nothing was read from the (empty) sources: the numbers are the store's, and the
    // snapshot says so (`input.store`, as every answer from the store does)
    assert_eq!(u(&snap["input"]["lines"]), 0);
    let info = store_info(&store);
    let kept = &snap["input"]["store"];
    assert_eq!(kept["path"], store.display().to_string(), "{kept}");
    assert_eq!(kept["objects"], info["objects"], "{kept}");
    assert_eq!(kept["complete_through"], info["complete_through"], "{kept}");
    assert!(slo["input"].get("store").is_none());
    let panel = json(&s, "/api/panel");
    // the day's last minute ends at midnight: the store is complete through it
    assert_eq!(
        panel["freshness"]["complete_through"],
        "2026-11-21T00:00:00Z"
    );
    assert_eq!(
        panel["slos"][0]["success"],
        format!("{:.3}%", slo["success_rate"].as_f64().unwrap() * 100.0)
    );
}

/// With `[[hops]]` and no --source, every hop is followed: the SLO at the outermost (as `slo`
/// measures it), each hop's requests in /metrics and on the page.
#[test]
fn the_config_hops_are_followed_side_by_side() {
    let config = fixture_config();
    let s = serve(
        &["--config", &config, "--since", "24h", "--interval", "1h"],
        Some("2026-11-21T00:30:00Z"),
    );
    let snap = json(&s, "/api/snapshot");
    assert_eq!(snap["hop"]["name"], "edge");
    let since = snap["window"]["start"].as_str().unwrap().to_string();
    let until = snap["window"]["end"].as_str().unwrap().to_string();
    let slo = |extra: &[&str]| {
        json_ok(
            &hosp_logs()
                .args(["slo", "--config", &config, "--format", "json"])
                .args(extra)
                .output()
                .unwrap(),
        )
    };
    let edge = slo(&["--since", &since, "--until", &until]);
    assert_eq!(snap["requests"], edge["requests"]);
    assert_eq!(snap["success_rate"], edge["success_rate"]);
    let m = get(&s, "/metrics", &[("Authorization", &bearer(&s))]).body;
    let panel = json(&s, "/api/panel");
    let hops: Vec<&str> = panel["where_failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hop"].as_str().unwrap())
        .collect();
    assert_eq!(hops, ["edge", "lb", "proxy"]);
    for hop in ["edge", "lb", "proxy"] {
        // the whole day was read (the view keeps 3 days): its requests less the excluded
        let day = slo(&["--hop", hop]);
        let want = u(&day["requests"]["total"]) - u(&day["requests"]["excluded"]);
        let got: u64 = m
            .lines()
            .filter(|l| l.starts_with(&format!("hosp_requests_total{{hop=\"{hop}\",")))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(got, want, "{hop}");
        assert!(m.contains(&format!(
            "hosp_request_duration_seconds_count{{hop=\"{hop}\"}}"
        )));
    }
}

/// Requests per second and connections are bounded: past --max-rps, 429; past 256 open
/// connections, a new one waits until one closes.
#[test]
fn requests_per_second_and_connections_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(1, 200, 5, PLAIN_URL, PLAIN_UA));
    let s = serve(
        &["--source", &log.display().to_string(), "--max-rps", "2"],
        None,
    );
    // a burst of twice the rate passes, then the bucket is empty
    let codes: Vec<u16> = (0..8).map(|_| get(&s, "/healthz", &[]).status).collect();
    let limited = codes.iter().filter(|c| **c == 429).count();
    assert!(limited >= 3, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 200 || *c == 429), "{codes:?}");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(get(&s, "/healthz", &[]).status, 200, "the bucket refills");

    // 256 idle connections hold every slot: the next request is not answered
    let idle: Vec<TcpStream> = (0..256)
        .map(|_| TcpStream::connect(&s.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut waiting = TcpStream::connect(&s.addr).unwrap();
    waiting
        .write_all(
            format!(
                "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                s.addr
            )
            .as_bytes(),
        )
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut buf = [0u8; 64];
    let early = waiting.read(&mut buf);
    assert!(
        early.is_err(),
        "answered with 256 connections open: {early:?}"
    );
    // one closes: the waiting request is served
    drop(idle);
    waiting.set_read_timeout(Some(WAIT)).unwrap();
    let mut out = Vec::new();
    let _ = waiting.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}

#[test]
fn every_slo_of_the_config_is_a_row_and_in_the_snapshot() {
    let day = fixture_day();
    let config = common::root().join("tests/data/slos/two.toml");
    let config = config.to_str().unwrap();
    let s = serve(
        &[
            "--config",
            config,
            "--source",
            &day,
            "--since",
            "24h",
            "--interval",
            "1h",
        ],
        Some("2026-11-21T00:30:00Z"),
    );
    let snap = json(&s, "/api/snapshot");
    let since = snap["window"]["start"].as_str().unwrap().to_string();
    let until = snap["window"]["end"].as_str().unwrap().to_string();
    let slo = json_ok(
        &hosp_logs()
            .args([
                "--config", config, "slo", "--source", &day, "--since", &since, "--until", &until,
                "--format", "json",
            ])
            .output()
            .unwrap(),
    );
    let (live, batch) = (
        snap["slos"].as_array().unwrap(),
        slo["slos"].as_array().unwrap(),
    );
    assert_eq!(live.len(), 2);
    for (l, b) in live.iter().zip(batch) {
        assert_eq!(l["name"], b["name"]);
        assert_eq!(l["requests"], b["requests"], "{}", b["name"]);
        assert_eq!(l["success_rate"], b["success_rate"], "{}", b["name"]);
    }
    // the fast-3s SLO counts fewer good requests than availability: a row each on the page
    assert!(u(&batch[1]["requests"]["good"]) < u(&batch[0]["requests"]["good"]));
    let panel = json(&s, "/api/panel");
    let mut names: Vec<&str> = panel["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["availability", "fast-3s"]);
}
