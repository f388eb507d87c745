//! `hosp-logs hops` end to end: the fixture day's three logs (CloudFront, ALB, nginx) joined,
//! every attribution key against truth.json (counted by the generator while writing) and
//! against a count made here from the raw lines; hand-built logs for ids that repeat or are
//! missing on one side, a log_format without ids, and a hop that cannot be read.

mod common;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use common::{fixture_config, hosp_logs, json_ok, log_files, root, truth, u};
use serde_json::Value;

fn run(args: &[&str]) -> std::process::Output {
    hosp_logs().current_dir(root()).args(args).output().unwrap()
}

fn hops_json(args: &[&str]) -> Value {
    let mut all = vec!["hops", "--format", "json"];
    all.extend_from_slice(args);
    json_ok(&run(&all))
}

/// Every line of every gzip file under a folder (any name), decompressed here.
fn gz_lines(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".gz") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        out.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    out
}

/// One CloudFront line: (status, result type, request id), by the file's `#Fields`.
#[derive(Debug, Clone)]
struct EdgeLine {
    status: Option<u16>,
    result: String,
    id: String,
}

fn edge_lines() -> Vec<EdgeLine> {
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for l in gz_lines(&root().join("fixtures/day/cloudfront")) {
        if let Some(f) = l.strip_prefix("#Fields: ") {
            names = f.split(' ').map(String::from).collect();
            continue;
        }
        if l.starts_with('#') {
            continue;
        }
        let v: Vec<&str> = l.split('\t').collect();
        let get = |n: &str| v[names.iter().position(|x| x == n).unwrap()];
        out.push(EdgeLine {
            status: get("sc-status").parse().ok().filter(|s| *s != 0),
            result: get("x-edge-result-type").to_string(),
            id: get("x-edge-request-id").to_string(),
        });
    }
    out
}

/// One nginx line of the fixture's log_format: status, attempt statuses, ids, user agent,
/// request time (ms).
#[derive(Debug, Clone)]
struct ProxyLine {
    status: u16,
    attempts: Vec<Option<u16>>,
    cf_id: Option<String>,
    root: Option<String>,
    user_agent: String,
    request_ms: u64,
}

fn proxy_lines() -> Vec<ProxyLine> {
    let re = regex::Regex::new(
        r#"^\S+ - \S+ \[[^\]]+\] "(?:[^"\\]|\\.)*" (\d{3}) \d+ "[^"]*" "((?:[^"\\]|\\.)*)" "[^"]*" rt=(\d+)\.(\d{3}) ua="[^"]*" us="([^"]*)" urt="[^"]*" cfid="([^"]*)" trace="([^"]*)"$"#,
    )
    .unwrap();
    gz_lines(&root().join("fixtures/day/nginx"))
        .iter()
        .map(|l| {
            let c = re.captures(l).unwrap_or_else(|| panic!("{l}"));
            let dash = |s: &str| (s != "-").then(|| s.to_string());
            ProxyLine {
                status: c[1].parse().unwrap(),
                user_agent: c[2].to_string(),
                request_ms: c[3].parse::<u64>().unwrap() * 1000 + c[4].parse::<u64>().unwrap(),
                attempts: c[5]
                    .split(", ")
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().ok())
                    .collect(),
                cf_id: dash(&c[6]),
                root: dash(&c[7]).and_then(|t| t.strip_prefix("Root=").map(String::from)),
            }
        })
        .collect()
}

/// The ALB lines' trace roots (`"Root=…"` in the line), None for `"-"`.
fn alb_roots() -> Vec<Option<String>> {
    gz_lines(&root().join("fixtures/day/AWSLogs"))
        .iter()
        .map(|l| {
            l.split("\"Root=")
                .nth(1)
                .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        })
        .collect()
}

fn failed(a: &Option<u16>) -> bool {
    a.is_none_or(|s| s >= 500)
}

#[test]
fn attribution_on_the_fixture_day_matches_truth_and_a_count_made_here() {
    let r = hops_json(&["--config", &fixture_config()]);
    let t = &truth()["hops"];

    // --- the count made here, from the raw lines, by the issue's definitions
    let edge = edge_lines();
    let proxy = proxy_lines();
    let roots = alb_roots();
    // the fixture's ids are unique on each side: a plain map joins them
    let mut by_cf: HashMap<&str, &ProxyLine> = HashMap::new();
    for p in &proxy {
        if let Some(id) = &p.cf_id {
            assert!(by_cf.insert(id, p).is_none(), "repeated X-Amz-Cf-Id {id}");
        }
    }
    let (mut cache, mut at_proxy, mut timeout, mut before, mut saved) = (0, 0, 0, 0, 0);
    let mut edge_joined = 0u64;
    for e in &edge {
        let joined = by_cf.get(e.id.as_str());
        edge_joined += u64::from(joined.is_some());
        let Some(status) = e.status else { continue };
        if e.result == "Hit" {
            cache += 1;
        }
        match (status >= 500, joined) {
            (true, Some(p)) if p.status >= 500 => at_proxy += 1,
            (true, Some(_)) => timeout += 1,
            (true, None) => before += 1,
            (false, Some(p)) if p.attempts.iter().any(failed) => saved += 1,
            (false, _) => {}
        }
    }
    let lb_roots: std::collections::HashSet<&str> =
        roots.iter().flatten().map(String::as_str).collect();
    assert_eq!(
        lb_roots.len(),
        roots.iter().flatten().count(),
        "repeated roots"
    );
    let lb_joined = proxy
        .iter()
        .filter(|p| p.root.as_deref().is_some_and(|r| lb_roots.contains(r)))
        .count() as u64;

    let mine = [
        ("served_from_cache", cache),
        ("failed_at.proxy", at_proxy),
        ("failed_at.edge_timeout", timeout),
        ("failed_at.before_proxy", before),
        ("saved_by_retries", saved),
        ("join.edge_proxy.joined", edge_joined),
        (
            "join.edge_proxy.edge_unmatched",
            edge.len() as u64 - edge_joined,
        ),
        (
            "join.edge_proxy.proxy_unmatched",
            proxy.len() as u64 - edge_joined,
        ),
        ("join.lb_proxy.joined", lb_joined),
        ("join.lb_proxy.lb_unmatched", roots.len() as u64 - lb_joined),
        (
            "join.lb_proxy.proxy_unmatched",
            proxy.len() as u64 - lb_joined,
        ),
    ];
    let at = |v: &Value, path: &str| {
        path.split('.')
            .fold(v.clone(), |v, k| v.get(k).cloned().unwrap_or(Value::Null))
    };
    for (key, n) in mine {
        assert_eq!(u(&at(&r, key)), n, "{key}: the tool vs the count made here");
        assert_eq!(
            u(&at(t, key)),
            n,
            "{key}: truth.json vs the count made here"
        );
    }
    // the attribution splits the edge's bad requests whole
    let edge_hop = &r["hops"][0];
    assert_eq!(edge_hop["name"], "edge");
    assert_eq!(u(&edge_hop["valid"]), u(&t["edge_valid"]));
    assert_eq!(
        u(&edge_hop["valid"]) - u(&edge_hop["good"]),
        at_proxy + timeout + before
    );
    // per hop: the slo command's numbers for the same logs
    for (i, source, format) in [
        (0, "fixtures/day/cloudfront", "cloudfront"),
        (1, "fixtures/day/AWSLogs", "alb"),
    ] {
        let slo = json_ok(&run(&[
            "slo",
            "--source",
            source,
            "--log-format",
            format,
            "--config",
            &fixture_config(),
            "--format",
            "json",
        ]));
        let hop = &r["hops"][i];
        assert_eq!(hop["valid"], slo["requests"]["valid"], "{format}");
        assert_eq!(hop["good"], slo["requests"]["good"], "{format}");
    }
    // the proxy: its valid requests, the load test (its user agent) excluded
    let user: Vec<&ProxyLine> = proxy
        .iter()
        .filter(|p| !p.user_agent.starts_with("hosp-loadtest/"))
        .collect();
    let proxy_hop = &r["hops"][2];
    assert_eq!(u(&proxy_hop["valid"]), user.len() as u64);
    assert_eq!(
        u(&proxy_hop["good"]),
        user.iter().filter(|p| p.status < 500).count() as u64
    );
    assert_eq!(
        u(&proxy_hop["valid"]),
        u(&truth()["nginx"]["requests"]["valid"])
    );
    // reached: each hop's requests against the edge's (the edge itself 100 %)
    let share = proxy_hop["reached_share"].as_f64().unwrap();
    assert!(
        (share - u(&proxy_hop["requests"]) as f64 / u(&edge_hop["requests"]) as f64).abs() < 1e-12
    );
    assert_eq!(edge_hop["reached_share"].as_f64(), Some(1.0));
    let cf = &truth()["cloudfront"]["requests"];
    assert_eq!(
        u(&edge_hop["requests"]),
        u(&cf["total"]) - u(&cf["excluded"])
    );
    // the load balancer's own failures stand beside them, from its log
    // (user traffic: the load test, by its user agent, left out)
    let alb_own_5xx = gz_lines(&root().join("fixtures/day/AWSLogs"))
        .iter()
        .filter(|l| !l.contains("\"hosp-loadtest/"))
        .filter(|l| {
            let f: Vec<&str> = l.splitn(11, ' ').collect();
            f[8].parse::<u16>().is_ok_and(|s| s >= 500) && f[9] == "-"
        })
        .count() as u64;
    assert_eq!(u(&r["lb_own"]["errors_5xx"]), alb_own_5xx);
    // ids present: no per-minute fallback; each hop's input
    assert!(r.get("per_minute").is_none(), "{}", r["notes"]);
    for hop in ["edge", "lb", "proxy"] {
        assert!(u(&r["input"][hop]["parsed"]) > 0, "{hop}");
        assert_eq!(u(&r["input"][hop]["malformed"]), 0, "{hop}");
    }
    assert!(r["over_time"].as_array().unwrap().len() >= 3 * 24);
}

#[test]
fn retries_on_the_fixture_proxies_match_truth_and_a_count_made_here() {
    let t = &truth()["nginx"];
    let format = t["log_format"].as_str().unwrap();
    let r = json_ok(&run(&[
        "retries",
        "--source",
        "fixtures/day/nginx",
        "--log-format",
        "nginx",
        "--nginx-log-format",
        format,
        "--config",
        &fixture_config(),
        "--format",
        "json",
    ]));
    let user: Vec<ProxyLine> = proxy_lines()
        .into_iter()
        .filter(|p| !p.user_agent.starts_with("hosp-loadtest/"))
        .collect();
    let n = |f: &dyn Fn(&ProxyLine) -> bool| user.iter().filter(|p| f(p)).count() as u64;
    let attempts: u64 = user.iter().map(|p| p.attempts.len() as u64).sum();
    let failed_attempts: u64 = user
        .iter()
        .map(|p| p.attempts.iter().filter(|a| failed(a)).count() as u64)
        .sum();
    let with_upstream = n(&|p| !p.attempts.is_empty());
    let mine = [
        ("requests", user.len() as u64),
        ("requests_with_upstream", with_upstream),
        ("attempts", attempts),
        ("failed_attempts", failed_attempts),
        ("retried", n(&|p| p.attempts.len() > 1)),
        (
            "recovered",
            n(&|p| p.status < 500 && p.attempts.iter().any(failed)),
        ),
        (
            "exhausted",
            n(&|p| !p.attempts.is_empty() && p.attempts.iter().all(failed)),
        ),
        ("extra_attempts", attempts - with_upstream),
        ("over_client_timeout", n(&|p| p.request_ms > 30_000)),
    ];
    for (key, count) in mine {
        assert_eq!(u(&r[key]), count, "{key}: the tool vs the count made here");
        assert_eq!(
            u(&t["retries"][key]),
            count,
            "{key}: truth.json vs the count made here"
        );
    }
    // the story: retries hide failures the upstream had
    assert!(u(&r["recovered"]) > 0 && u(&r["exhausted"]) > 0);
}

/// A CloudFront file with a short `#Fields` header, and its lines.
fn write_edge(dir: &Path, lines: &[(&str, u16, &str, &str)]) -> String {
    let mut text = String::from(
        "#Version: 1.0\n#Fields: date time x-edge-location c-ip cs-method cs-uri-stem sc-status x-edge-result-type x-edge-request-id time-taken\n",
    );
    for (time, status, result, id) in lines {
        text.push_str(&format!(
            "2026-11-20\t{time}\tDUB56-P1\t192.0.2.7\tGET\t/patients\t{status:03}\t{result}\t{id}\t0.050\n"
        ));
    }
    let path = dir.join("E2TEST.2026-11-20-10.abcd.log");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const PROXY_FORMAT: &str = r#"[$time_iso8601] $status rt=$request_time us="$upstream_status" cfid="$http_x_amz_cf_id" trace="$http_x_amzn_trace_id""#;

fn write_proxy(dir: &Path, lines: &[(&str, u16, &str, &str, &str)]) -> String {
    let mut text = String::new();
    for (time, status, us, cf, trace) in lines {
        text.push_str(&format!(
            "[2026-11-20T{time}+00:00] {status} rt=0.040 us=\"{us}\" cfid=\"{cf}\" trace=\"{trace}\"\n"
        ));
    }
    let path = dir.join("access.log");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn config(dir: &Path, log_format: &str) -> String {
    let path = dir.join("hops.toml");
    std::fs::write(
        &path,
        format!("[[hops]]\nname = \"proxy\"\nlog_format = \"nginx\"\nsources = []\n[hops.nginx]\nlog_format = '{log_format}'\n"),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn ids_repeated_or_missing_on_one_side_join_by_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    // edge: A twice (10:00:01 a 502, 10:00:05 a 200), B a 504, C a Hit, D a 200 the proxy
    // never logged, a 000, and F a 200 whose proxy line retried
    let edge = write_edge(
        dir.path(),
        &[
            ("10:00:05", 200, "Miss", "A"),
            ("10:00:01", 502, "Error", "A"),
            ("10:00:02", 504, "Error", "B"),
            ("10:00:03", 200, "Hit", "C"),
            ("10:00:04", 200, "Miss", "D"),
            ("10:00:06", 0, "Error", "G"),
            ("10:00:07", 200, "Miss", "F"),
        ],
    );
    // proxy: A twice (a failed 502, then a 503 a second later), B answered 200 late, E unknown
    // to the edge, a line without an id, F retried once then 200
    let proxy = write_proxy(
        dir.path(),
        &[
            ("10:00:00", 502, "502", "A", "-"),
            ("10:00:01", 503, "503", "A", "-"),
            ("10:00:31", 200, "200", "B", "-"),
            ("10:00:03", 200, "200", "E", "-"),
            ("10:00:04", 200, "200", "-", "-"),
            ("10:00:07", 200, "502, 200", "F", "-"),
        ],
    );
    let cfg = config(dir.path(), PROXY_FORMAT);
    let r = hops_json(&[
        "--config",
        &cfg,
        "--hop",
        &format!("edge=cloudfront:{edge}"),
        "--hop",
        &format!("proxy=nginx:{proxy}"),
    ]);
    // both A proxy lines match A's first edge line by time (10:00:01, the 502); the 200 at
    // 10:00:05 is unmatched. Edge lines matched: A@01, B, F = 3 of 7; proxy lines joined: A,
    // A, B, F = 4 of 6 (E and the line without an id are not)
    assert_eq!(
        r["join"]["edge_proxy"],
        serde_json::json!({"joined": 4, "edge_unmatched": 7 - 3, "proxy_unmatched": 6 - 4})
    );
    // A@01 bad, its last proxy answer (10:00:01) a 503: proxy. B bad, the proxy's 200 came
    // after the edge gave up: edge timeout. No bad edge line without a proxy line.
    assert_eq!(
        r["failed_at"],
        serde_json::json!({"proxy": 1, "edge_timeout": 1, "before_proxy": 0})
    );
    assert_eq!(u(&r["served_from_cache"]), 1);
    // F: good at the edge, a failed attempt behind it. (A@05 is good but unmatched.)
    assert_eq!(u(&r["saved_by_retries"]), 1);
    // the 000 is not valid at the edge: 6 valid of 7 lines
    assert_eq!(u(&r["hops"][0]["valid"]), 6);
    // no load balancer hop: its join is null
    assert!(r["join"]["lb_proxy"].is_null());
}

#[test]
fn without_ids_the_keys_are_null_and_the_hops_are_compared_per_minute() {
    let dir = tempfile::tempdir().unwrap();
    let edge = write_edge(
        dir.path(),
        &[
            ("10:00:01", 200, "Miss", "A"),
            ("10:00:02", 502, "Error", "B"),
            ("10:01:03", 200, "Hit", "C"),
        ],
    );
    // a log_format without the ids
    let text = "[2026-11-20T10:00:01+00:00] 200 rt=0.040 us=\"200\"\n[2026-11-20T10:00:02+00:00] 502 rt=0.040 us=\"502, 502\"\n";
    let proxy = dir.path().join("access.log");
    std::fs::write(&proxy, text).unwrap();
    let cfg = config(
        dir.path(),
        r#"[$time_iso8601] $status rt=$request_time us="$upstream_status""#,
    );
    let args = [
        "--config".to_string(),
        cfg.clone(),
        "--hop".into(),
        format!("edge=cloudfront:{edge}"),
        "--hop".into(),
        format!("proxy=nginx:{}", proxy.display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = hops_json(&args);
    for key in ["served_from_cache", "failed_at", "saved_by_retries"] {
        assert!(r[key].is_null(), "{key}: {}", r[key]);
    }
    assert!(r["join"]["edge_proxy"].is_null());
    let notes = r["notes"].to_string();
    assert!(notes.contains("$http_x_amz_cf_id"), "{notes}");
    let minutes = r["per_minute"].as_array().unwrap();
    assert_eq!(minutes.len(), 2);
    assert_eq!(
        minutes[0]["requests"],
        serde_json::json!({"edge": 2, "proxy": 2})
    );
    assert_eq!(
        minutes[1]["requests"],
        serde_json::json!({"edge": 1, "proxy": 0})
    );
    // the table says so too
    let out = run(&[&["hops"][..], &args].concat());
    let table = common::stdout_ok(&out);
    assert!(table.contains("n/a (no ids)"), "{table}");

    // the variable logged but every value '-': the same, with a note that says so
    let text = "[2026-11-20T10:00:01+00:00] 200 rt=0.040 us=\"200\" cfid=\"-\" trace=\"-\"\n";
    std::fs::write(&proxy, text).unwrap();
    let cfg = config(dir.path(), PROXY_FORMAT);
    let mut args = args.clone();
    args[1] = &cfg;
    let r = hops_json(&args);
    assert!(r["failed_at"].is_null());
    assert!(
        r["notes"].to_string().contains("no line of hop `proxy`"),
        "{}",
        r["notes"]
    );
}

#[test]
fn a_hop_that_cannot_be_read_is_named_and_fails_unless_allow_partial() {
    let missing = root().join("fixtures/day/no-such-nginx");
    let args = [
        "hops".to_string(),
        "--format".into(),
        "json".into(),
        "--hop".into(),
        "edge=cloudfront:fixtures/day/cloudfront".into(),
        "--hop".into(),
        format!("proxy=nginx:{}", missing.display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hop `proxy`"), "{stderr}");
    assert!(stderr.contains("no-such-nginx"), "{stderr}");
    // the other hops are still reported, the unreadable one named
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["hops"][1]["error"]
        .as_str()
        .unwrap()
        .contains("no-such-nginx"));
    assert_eq!(
        u(&r["hops"][0]["valid"]),
        u(&truth()["cloudfront"]["requests"]["valid"])
    );

    let out = run(&[&args[..], &["--allow-partial"]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_hops_are_usage_errors_before_anything_is_read() {
    for (args, says) in [
        (vec!["hops"], "no hops"),
        (vec!["hops", "--hop", "edge"], "NAME=FORMAT:SOURCE"),
        (
            vec!["hops", "--hop", "a=alb:x", "--hop", "b=alb:y"],
            "one hop per format",
        ),
        (
            vec!["hops", "--hop", "a=alb:x", "--source", "y"],
            "--hop NAME=FORMAT:SOURCE",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn the_help_examples_on_the_fixture_run() {
    let help = run(&["hops", "--help"]);
    let text = common::stdout_ok(&help);
    let examples: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("hosp-logs hops") && l.contains("fixtures/"))
        .collect();
    assert!(examples.len() >= 3, "{text}");
    for ex in examples {
        let cmd = ex.split(" | ").next().unwrap();
        let words: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        let out = run(&words);
        assert!(
            out.status.success(),
            "{ex}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_three_logs_of_the_fixture_day_are_in_the_formats_they_claim() {
    // every line of every hop parsed: nothing malformed, nothing unrecognised
    let r = hops_json(&["--config", &fixture_config()]);
    for (hop, files) in [("edge", 48), ("lb", 576), ("proxy", 48)] {
        assert_eq!(u(&r["input"][hop]["files"]), files, "{hop}");
        assert_eq!(u(&r["input"][hop]["malformed"]), 0, "{hop}");
    }
    assert_eq!(
        u(&r["input"]["proxy"]["parsed"]),
        u(&truth()["nginx"]["lines"])
    );
    assert_eq!(
        u(&r["input"]["lb"]["files"]),
        log_files(&root().join("fixtures/day/AWSLogs")).len() as u64
    );
}

#[test]
fn slo_measures_at_the_outermost_hop_or_the_one_named() {
    let t = truth();
    let slo = |extra: &[&str]| {
        let mut args = vec![
            "slo",
            "--config",
            "fixtures/hosp-logs.toml",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json_ok(&run(&args))
    };
    let edge = slo(&[]);
    assert_eq!(
        edge["hop"],
        serde_json::json!({"name": "edge", "log_format": "cloudfront"})
    );
    assert_eq!(
        edge["requests"]["valid"],
        t["cloudfront"]["requests"]["valid"]
    );
    let proxy = slo(&["--hop", "proxy"]);
    assert_eq!(proxy["hop"]["name"], "proxy");
    assert_eq!(proxy["requests"]["valid"], t["nginx"]["requests"]["valid"]);
    assert_eq!(proxy["requests"]["good"], t["nginx"]["requests"]["good"]);
    // --source wins over the hops (and says no hop)
    let alb = slo(&["--source", "fixtures/day/AWSLogs"]);
    assert!(alb.get("hop").is_none());
    assert_eq!(alb["requests"]["valid"], t["requests"]["valid"]);
    let out = run(&[
        "slo",
        "--config",
        "fixtures/hosp-logs.toml",
        "--hop",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("edge, lb, proxy"));
    let table = common::stdout_ok(&run(&["slo", "--config", "fixtures/hosp-logs.toml"]));
    assert!(table.contains("edge (cloudfront)"), "{table}");
}

#[test]
fn the_table_sums_up_each_hops_series_unless_every_bucket_is_asked_for() {
    let r = hops_json(&["--config", &fixture_config()]);
    let buckets = r["over_time"].as_array().unwrap();
    // JSON keeps every bucket of every hop (10-minute buckets over the day)
    let per_hop = |hop: &str| buckets.iter().filter(|b| b["hop"] == hop).count();
    assert_eq!(per_hop("edge"), 144);
    assert_eq!(per_hop("lb"), 144);
    // no hop reached more than the edge on the fixture day, so no note about it
    for h in r["hops"].as_array().unwrap() {
        assert!(h["reached_share"].as_f64().unwrap() <= 1.0, "{h}");
    }
    assert!(!r["notes"].to_string().contains("logged more requests"));
    let table = common::stdout_ok(&run(&["hops", "--config", &fixture_config()]));
    // one line per hop: its sparkline and its worst bucket (the edge's: the 14:10 outage,
    // every valid request bad)
    let worst = buckets
        .iter()
        .filter(|b| b["hop"] == "edge" && u(&b["valid"]) > 0)
        .min_by(|a, b| {
            let rate = |x: &Value| u(&x["good"]) as f64 / u(&x["valid"]) as f64;
            rate(a).total_cmp(&rate(b))
        })
        .unwrap();
    let start = worst["start"].as_str().unwrap();
    let edge_row = table
        .lines()
        .find(|l| l.contains("│ edge ") && l.contains(start))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(edge_row.contains('█'), "{edge_row}");
    let rows_with_a_bucket_start = |text: &str| {
        text.lines()
            .filter(|l| l.contains("2026-11-20T") && !l.contains("→"))
            .count()
    };
    assert_eq!(rows_with_a_bucket_start(&table), 3, "{table}");
    let every = common::stdout_ok(&run(&[
        "hops",
        "--config",
        &fixture_config(),
        "--over-time",
    ]));
    assert_eq!(rows_with_a_bucket_start(&every), buckets.len(), "{every}");
}

#[test]
fn without_ids_the_table_sums_up_the_minutes_unless_every_one_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    // the edge: 3 requests in 10:00, 1 in 10:02; the proxy: 2 in 10:00 (no ids to join)
    let edge = write_edge(
        dir.path(),
        &[
            ("10:00:01", 200, "Miss", "A"),
            ("10:00:02", 200, "Miss", "B"),
            ("10:00:03", 200, "Hit", "C"),
            ("10:02:03", 200, "Hit", "D"),
        ],
    );
    let text = "[2026-11-20T10:00:01+00:00] 200 rt=0.040 us=\"200\"\n[2026-11-20T10:00:02+00:00] 200 rt=0.040 us=\"200\"\n";
    let proxy = dir.path().join("access.log");
    std::fs::write(&proxy, text).unwrap();
    let cfg = config(
        dir.path(),
        r#"[$time_iso8601] $status rt=$request_time us="$upstream_status""#,
    );
    let args = [
        "hops".to_string(),
        "--config".into(),
        cfg,
        "--hop".into(),
        format!("edge=cloudfront:{edge}"),
        "--hop".into(),
        format!("proxy=nginx:{}", proxy.display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = hops_json(&args[1..]);
    let minutes = r["per_minute"].as_array().unwrap();
    let table = common::stdout_ok(&run(&args));
    // one row per hop: 0 to the busiest minute of any hop (the edge's 3), its busiest minute
    let row = |hop: &str| {
        table
            .lines()
            .find(|l| l.contains(&format!("│ {hop} ")) && l.contains("at 2026-"))
            .unwrap_or_else(|| panic!("{table}"))
            .to_string()
    };
    let first = minutes[0]["start"].as_str().unwrap();
    assert!(row("edge").contains(&format!("3 at {first}")), "{table}");
    assert!(row("proxy").contains(&format!("2 at {first}")), "{table}");
    assert!(row("edge").contains('█'), "{table}");
    // the last minute (the edge's one request at 10:02) is no one's busiest: no row of its own
    let last = minutes.last().unwrap()["start"].as_str().unwrap();
    assert!(last.contains("10:02:00"), "{minutes:?}");
    assert!(!table.contains(last), "no row per minute: {table}");
    let every = common::stdout_ok(&run(&[&args[..], &["--over-time"]].concat()));
    for m in minutes {
        assert!(every.contains(m["start"].as_str().unwrap()), "{every}");
    }
}
