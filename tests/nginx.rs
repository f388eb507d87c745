//! nginx access logs end to end: hand-built logs whose retries are counted here, as they are
//! written (never by parsing them back), then read by the binary.

mod common;

use common::{hosp_logs, json_ok, u};
use serde_json::Value;

/// The proxy log format of these tests: the ALB in front, CloudFront's id and the ALB's trace
/// id logged, and the three upstream lists.
const FORMAT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" xff="$http_x_forwarded_for" cf=$http_x_amz_cf_id trace=$http_x_amzn_trace_id"#;

const UPSTREAMS: [&str; 2] = ["10.0.2.10:3000", "10.0.2.11:3000"];

/// A tiny deterministic generator (no dependency on the code under test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What the test counts while writing, by the definitions of the issue.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    requests: u64,
    with_upstream: u64,
    attempts: u64,
    failed: u64,
    retried: u64,
    good: u64,
    recovered: u64,
    exhausted: u64,
    over_timeout: u64,
    failed_ms: u64,
}

/// One written request: its line and what it counts for.
struct Written {
    line: String,
    endpoint: &'static str,
    excluded: bool,
}

/// `n` requests, every 7 seconds from 2026-11-20T00:00:00Z, each with 0 to 5 attempts. The
/// counts are of the requests a run with `[exclude] user_agents = ["loadtest/*"]` judges.
fn build(n: usize, seed: u64) -> (Vec<Written>, Counts, [(u64, u64); 2]) {
    let mut rng = Lcg(seed);
    let mut c = Counts::default();
    let mut per_upstream = [(0u64, 0u64); 2];
    let endpoints = [
        ("GET", "/hospitals", "/hospitals"),
        ("GET", "/patients/42", "/patients/{id}"),
        ("POST", "/notes", "/notes"),
    ];
    let mut out = Vec::new();
    for i in 0..n {
        let t = i as u64 * 7;
        let time = format!(
            "20/Nov/2026:{:02}:{:02}:{:02} +0000",
            t / 3600,
            (t / 60) % 60,
            t % 60
        );
        let (method, path, endpoint) = endpoints[rng.next(3) as usize];
        // nginx tries until an attempt does not fail, at most 5 times
        let tries = rng.next(6);
        let (mut addrs, mut statuses, mut times) = (Vec::new(), Vec::new(), Vec::new());
        let (mut failed, mut failed_ms, mut total_ms) = (0u64, 0u64, 0u64);
        let mut last: Option<u16> = None;
        for k in 0..tries {
            let up = rng.next(2) as usize;
            let ms = 10 + rng.next(3) * 1000 + rng.next(900);
            // the last try may be answered, the others failed (else nginx stops retrying)
            let outcome = if k + 1 == tries {
                rng.next(4)
            } else {
                1 + rng.next(3)
            };
            let (status, text) = match outcome {
                0 => (Some(200), "200".to_string()),
                1 => (Some(502), "502".to_string()),
                2 => (Some(504), "504".to_string()),
                _ => (None, "-".to_string()),
            };
            let bad = status.is_none_or(|s| s >= 500);
            addrs.push(UPSTREAMS[up]);
            statuses.push(text);
            times.push(if status.is_some() {
                format!("{}.{:03}", ms / 1000, ms % 1000)
            } else {
                "-".to_string()
            });
            total_ms += ms;
            if bad {
                failed += 1;
                if status.is_some() {
                    failed_ms += ms;
                }
            }
            per_upstream[up].0 += 1;
            per_upstream[up].1 += u64::from(bad);
            last = status;
        }
        // what the client got: the last answer, else nginx's own 502/504; 499 when the client
        // gave up first (a 4XX, so good), 503 when nothing was tried
        let status: u16 = match (tries, last) {
            (0, _) => 503,
            (_, Some(s)) => s,
            _ if i % 11 == 0 => 499,
            _ => 502,
        };
        let request_time_ms = total_ms + 1 + if i % 13 == 0 { 30_000 } else { 0 };
        let excluded = i % 17 == 0;
        let ua = if excluded {
            "loadtest/1.0"
        } else {
            "Mozilla/5.0"
        };
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        let line = format!(
            r#"10.0.1.7 - - [{time}] "{method} {path} HTTP/1.1" {status} 12 "-" "{ua}" rt={}.{:03} ua="{}" us="{}" urt="{}" xff="203.0.113.{}, 130.176.0.9" cf=cf{i}== trace=Root=1-673db0a0-{i:024x}"#,
            request_time_ms / 1000,
            request_time_ms % 1000,
            if addrs.is_empty() {
                "-".to_string()
            } else {
                addrs.join(", ")
            },
            list(&statuses),
            list(&times),
            i % 250,
        );
        if !excluded {
            c.requests += 1;
            c.good += u64::from(status < 500);
            c.over_timeout += u64::from(request_time_ms > 30_000);
            if tries > 0 {
                c.with_upstream += 1;
                c.attempts += tries;
                c.failed += failed;
                c.failed_ms += failed_ms;
                c.retried += u64::from(tries > 1);
                c.exhausted += u64::from(failed == tries);
                c.recovered += u64::from(failed > 0 && status < 500);
            }
        } else {
            // excluded requests' attempts are not counted per upstream either
            for (k, a) in addrs.iter().enumerate() {
                let up = UPSTREAMS.iter().position(|u| u == a).unwrap();
                per_upstream[up].0 -= 1;
                per_upstream[up].1 -= u64::from(statuses[k] != "200");
            }
        }
        out.push(Written {
            line,
            endpoint,
            excluded,
        });
    }
    (out, c, per_upstream)
}

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("hosp-logs.toml");
    std::fs::write(
        &path,
        format!(
            "[exclude]\nuser_agents = [\"loadtest/*\"]\n\n[nginx]\nlog_format = '{FORMAT}'\ntrusted_proxies = [\"10.0.0.0/8\", \"130.176.0.0/16\"]\n"
        ),
    )
    .unwrap();
    path
}

fn write_logs(dir: &std::path::Path, lines: &[Written]) -> std::path::PathBuf {
    let path = dir.join("access.log");
    let text: String = lines.iter().map(|w| w.line.clone() + "\n").collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> std::process::Output {
    hosp_logs().args(args).output().unwrap()
}

/// `hosp-logs <command> -s <log> --config <cfg> -f json <extra…>`, as JSON.
fn json(command: &str, log: &std::path::Path, cfg: &std::path::Path, extra: &[&str]) -> Value {
    let (log, cfg) = (log.to_str().unwrap(), cfg.to_str().unwrap());
    let args = [
        &[command, "-s", log, "--config", cfg, "-f", "json"][..],
        extra,
    ]
    .concat();
    json_ok(&run(&args))
}

#[test]
fn retries_match_the_counts_made_while_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, c, per_upstream) = build(1500, 7);
    let log = write_logs(dir.path(), &lines);
    let cfg = config(dir.path());
    let j = json("retries", &log, &cfg, &["--threads", "2"]);
    assert!(
        c.retried > 50 && c.recovered > 10 && c.exhausted > 10 && c.over_timeout > 10,
        "{c:?}"
    );
    let n = |k: &str| u(&j[k]);
    assert_eq!(n("requests"), c.requests);
    assert_eq!(n("requests_with_upstream"), c.with_upstream);
    assert_eq!(n("attempts"), c.attempts);
    assert_eq!(n("failed_attempts"), c.failed);
    assert_eq!(n("retried"), c.retried);
    assert_eq!(n("recovered"), c.recovered);
    assert_eq!(n("exhausted"), c.exhausted);
    assert_eq!(n("extra_attempts"), c.attempts - c.with_upstream);
    assert_eq!(n("over_client_timeout"), c.over_timeout);
    let f = |k: &str| j[k].as_f64().unwrap();
    assert!(
        (f("attempt_success_rate") - (c.attempts - c.failed) as f64 / c.attempts as f64).abs()
            < 1e-12
    );
    assert!((f("request_success_rate") - c.good as f64 / c.requests as f64).abs() < 1e-12);
    assert!((f("attempts_per_request") - c.attempts as f64 / c.with_upstream as f64).abs() < 1e-12);
    assert!((f("time_in_failed_attempts_s") - c.failed_ms as f64 / 1000.0).abs() < 1e-6);
    assert_eq!(
        u(&j["excluded"]),
        lines.iter().filter(|w| w.excluded).count() as u64
    );
    // by upstream: attempts and failures
    for (k, name) in UPSTREAMS.iter().enumerate() {
        let row = j["by_upstream"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["upstream"] == *name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            (u(&row["attempts"]), u(&row["failed"])),
            per_upstream[k],
            "{name}"
        );
    }
    // by endpoint: the requests add up, each endpoint's own count as written
    let eps = j["by_endpoint"].as_array().unwrap();
    for ep in ["/hospitals", "/patients/{id}", "/notes"] {
        let want = lines
            .iter()
            .filter(|w| !w.excluded && w.endpoint == ep)
            .count() as u64;
        let got: u64 = eps
            .iter()
            .filter(|r| r["endpoint"] == ep)
            .map(|r| u(&r["requests"]))
            .sum();
        assert_eq!(got, want, "{ep}");
    }
    let sum = |rows: &Value, k: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| u(&r[k]))
            .sum::<u64>()
    };
    assert_eq!(sum(&j["by_endpoint"], "attempts"), c.attempts);
    // over time: every bucket adds up to the totals
    assert_eq!(sum(&j["over_time"], "attempts"), c.attempts);
    assert_eq!(sum(&j["over_time"], "recovered"), c.recovered);
    // the first request is the load test's: the window starts at the second
    assert!(lines[0].excluded && !lines[1].excluded);
    assert_eq!(j["window"]["start"], "2026-11-20T00:00:07Z");
    assert_eq!(u(&j["input"]["parsed"]), lines.len() as u64);
}

#[test]
fn every_output_format_and_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, c, _) = build(300, 3);
    let log = write_logs(dir.path(), &lines);
    let cfg = config(dir.path());
    let base = [
        "retries",
        "-s",
        log.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ];
    let table = common::stdout_ok(&run(&base));
    assert!(table.contains("Upstream retries"), "{table}");
    assert!(
        table.contains(&format!(
            "{} extra from retries",
            c.attempts - c.with_upstream
        )),
        "{table}"
    );
    let md = common::stdout_ok(&run(&[&base[..], &["-f", "markdown"]].concat()));
    assert!(
        md.contains("| Method | Endpoint | Requests | Attempts |"),
        "{md}"
    );
    let csv = common::stdout_ok(&run(&[&base[..], &["-f", "csv"]].concat()));
    assert!(
        csv.starts_with("Method,Endpoint,Requests,Attempts"),
        "{csv}"
    );
    let png = dir.path().join("retries.png");
    common::stdout_ok(&run(&[
        &base[..],
        &["-q", "--chart", png.to_str().unwrap()],
    ]
    .concat()));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn the_slo_reads_nginx_with_the_same_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, c, _) = build(600, 11);
    let log = write_logs(dir.path(), &lines);
    let cfg = config(dir.path());
    let j = json("slo", &log, &cfg, &[]);
    // 499 (the client gave up) is a 4XX: good; excluded traffic is left out
    assert!(lines.iter().any(|w| w.line.contains("\" 499 ")));
    assert_eq!(u(&j["requests"]["valid"]), c.requests);
    assert_eq!(u(&j["requests"]["good"]), c.good);
    let excluded = lines.iter().filter(|w| w.excluded).count() as u64;
    assert_eq!(u(&j["requests"]["excluded"]), excluded);
}

#[test]
fn the_client_behind_trusted_proxies_is_never_the_spoofed_leftmost_address() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let line = |xff: &str| {
        format!(
            r#"10.0.1.7 - - [20/Nov/2026:10:00:00 +0000] "POST /notes HTTP/1.1" 201 12 "-" "curl/8" rt=0.100 ua="10.0.2.10:3000" us="201" urt="0.099" xff="{xff}" cf=x trace=-"#
        )
    };
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        [
            line("203.0.113.9, 130.176.0.9"),
            // the client wrote its own X-Forwarded-For: 10.0.0.1 is made up
            line("10.0.0.1, 198.51.100.23, 130.176.0.9"),
        ]
        .join("\n"),
    )
    .unwrap();
    let j = json("query", &log, &cfg, &["SELECT client_ip FROM logs"]);
    let clients: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["client_ip"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["203.0.113.9", "198.51.100.23"]);
    // the audit trail names the same clients
    let j = json("audit", &log, &cfg, &[]);
    let text = j.to_string();
    assert!(
        text.contains("198.51.100.23") && !text.contains("\"10.0.0.1\""),
        "{text}"
    );
}

#[test]
fn a_log_format_that_cannot_be_read_is_a_usage_error_before_any_log_is_read() {
    // the source does not exist: the log_format is judged first
    for (format, says) in [
        (
            "$remote_addr $ $status",
            "'$' with no variable name at character 14",
        ),
        ("'$remote_addr - $status", "unbalanced quotes"),
        (r#"$remote_addr "$request $status"#, "unbalanced quotes"),
    ] {
        let out = run(&[
            "slo",
            "-s",
            "/no/such/file.log",
            "--nginx-log-format",
            format,
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("--nginx-log-format") && err.contains(says),
            "{err}"
        );
        assert!(!err.contains("no such file"), "{err}");
    }
}

#[test]
fn lines_that_do_not_match_are_malformed_and_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lines, _, _) = build(20, 5);
    lines[3].line = lines[3].line.replace(" rt=", " rt=slow");
    lines[7].line = lines[7].line.replace(" us=\"", " us=\"x");
    let log = write_logs(dir.path(), &lines);
    let cfg = config(dir.path());
    let j = json("retries", &log, &cfg, &["-q"]);
    assert_eq!(u(&j["input"]["malformed"]), 2);
    let samples = j["input"]["malformed_samples"].as_array().unwrap();
    assert_eq!(u(&samples[0]["line"]), 4);
    assert!(
        samples[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("field `$request_time`"),
        "{samples:?}"
    );
    assert_eq!(u(&samples[1]["line"]), 8);
    assert!(
        samples[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("field `$upstream_status`"),
        "{samples:?}"
    );
}

#[test]
fn analyses_a_format_cannot_feed_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("combined.log");
    std::fs::write(
        &log,
        "203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8\"\n",
    )
    .unwrap();
    // combined (the default) has no upstream lists and no timing
    let out = run(&["retries", "-s", log.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("upstream_attempts") && err.contains("nginx"),
        "{err}"
    );
    let out = run(&[
        "latency",
        "-s",
        log.to_str().unwrap(),
        "--log-format",
        "nginx",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("latency_ms"), "{err}");
    // what it has, it answers: recognised as nginx without --log-format
    let j = json_ok(&run(&["slo", "-s", log.to_str().unwrap(), "-f", "json"]));
    assert_eq!(
        (u(&j["requests"]["valid"]), u(&j["requests"]["good"])),
        (1, 1)
    );
    assert_eq!(j["input"]["formats"]["nginx"], 1);
    // ALB logs have no attempt lists
    let alb = common::root().join("tests/data/one-line.log");
    let out = run(&["retries", "-s", alb.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("upstream_attempts") && err.contains("ALB"),
        "{err}"
    );
}

#[test]
fn schema_lists_the_columns_of_the_configured_log_format() {
    let out = run(&[
        "schema",
        "--log-format",
        "nginx",
        "--nginx-log-format",
        "$msec $status $upstream_status $http_x_custom",
    ]);
    let text = common::stdout_ok(&out);
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "msec",
            "status",
            "upstream_status",
            "http_x_custom",
            "time",
            "attempts",
            "failed_attempts",
            "final_upstream_status",
            "nginx_generated",
            "source"
        ]
    );
    assert!(text.contains("X-Custom request header"), "{text}");
}

#[test]
fn every_analysis_runs_on_nginx_with_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, c, _) = build(400, 23);
    let log = write_logs(dir.path(), &lines);
    let cfg = config(dir.path());
    // every status written is 2XX, 499 or 5XX: the 5XX are the requests that are not good
    let e5 = c.requests - c.good;
    let j = json("errors", &log, &cfg, &[]);
    assert_eq!((u(&j["requests"]), u(&j["total_5xx"])), (c.requests, e5));
    let j = json("latency", &log, &cfg, &[]);
    assert_eq!((u(&j["requests"]), u(&j["no_latency"])), (c.requests, 0));
    let j = json("traffic", &log, &cfg, &[]);
    assert_eq!(u(&j["requests"]), c.requests);
    let j = json("backends", &log, &cfg, &[]);
    assert_eq!(u(&j["requests"]), c.requests);
    let out = run(&[
        "gate",
        "-s",
        log.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--slo",
        "99",
        "-f",
        "json",
    ]);
    // far below 99 %: a breach, judged on the same valid requests
    assert_eq!(out.status.code(), Some(3));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(u(&j["valid_requests"]), c.requests);
    // security and audit see every request, the load test included
    let j = json("audit", &log, &cfg, &[]);
    assert_eq!(j["input"]["parsed"], lines.len());
    let j = json("security", &log, &cfg, &[]);
    assert_eq!(u(&j["requests"]), lines.len() as u64);
    assert_eq!(j["input"]["parsed"], lines.len());
    assert!(
        c.requests < lines.len() as u64,
        "the load test is in the log"
    );
    // export leaves the load test out, as every analysis does
    let out = run(&[
        "export",
        "-s",
        log.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--to",
        "csv",
        "--out",
        "-",
        "--columns",
        "time,status,attempts",
        "-q",
    ]);
    let csv = common::stdout_ok(&out);
    assert_eq!(csv.lines().count() as u64, c.requests + 1);
    let attempts: u64 = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(attempts, c.attempts);
    // the daily report reads it all at once
    let out_dir = dir.path().join("report");
    common::stdout_ok(&run(&[
        "report",
        "-s",
        log.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "-q",
    ]));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(u(&summary["slo"]["requests"]["valid"]), c.requests);
    assert_eq!(u(&summary["errors"]["total_5xx"]), e5);
}
