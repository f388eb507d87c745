//! `hosp-logs migration`: the systems of `[[systems]]` side by side, checked against counts
//! made here from the files themselves (gunzipped and split by this test, not by the code under
//! test), against the generator's truth.json, and on a small case counted by hand.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{hosp_logs, json_ok, root, u};
use serde_json::Value;

/// Every file under a folder, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn gunzip_lines(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for f in files_under(dir) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

/// An ALB line's fields: space-separated, `"…"` quoted (with `\"` inside).
fn alb_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while chars.peek().is_some() {
        let mut f = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => f.extend(chars.next()),
                    '"' => break,
                    c => f.push(c),
                }
            }
            chars.next(); // the space after
        } else {
            for c in chars.by_ref() {
                if c == ' ' {
                    break;
                }
                f.push(c);
            }
        }
        out.push(f);
    }
    out
}

/// The path's numeric segments as `{id}` (how the generator writes ids).
fn template(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One request as counted here.
#[derive(Debug)]
struct Line {
    route: String,
    status: Option<u16>,
    latency_ms: Option<f64>,
}

/// The ALB lines of a target group: route, status, latency (the three times; none at -1).
fn alb_lines(dir: &Path, target_group: &str) -> Vec<Line> {
    gunzip_lines(dir)
        .iter()
        .map(|l| alb_fields(l))
        .filter(|f| f[16].contains(&format!("/{target_group}/")))
        .map(|f| {
            let mut request = f[12].split(' ');
            let method = request.next().unwrap().to_string();
            let url = request.next().unwrap();
            let path = url.splitn(4, '/').nth(3).unwrap_or("");
            let path = format!("/{}", path.split('?').next().unwrap());
            let times: Vec<f64> = f[5..8].iter().map(|t| t.parse().unwrap()).collect();
            Line {
                route: format!("{method} {}", template(&path)),
                status: f[8].parse().ok(),
                latency_ms: (!times.contains(&-1.0)).then(|| times.iter().sum::<f64>() * 1000.0),
            }
        })
        .collect()
}

/// API Gateway's lines as CloudWatch exports them: a timestamp, a space, the JSON message.
fn apigw_lines(dir: &Path) -> Vec<Line> {
    gunzip_lines(dir)
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l.split_once(' ').unwrap().1).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            Line {
                route: format!(
                    "{} {}",
                    s("httpMethod"),
                    s("resourcePath").replace("{hospitalId}", "{id}")
                ),
                status: s("status").parse().ok(),
                latency_ms: s("responseLatency").parse().ok(),
            }
        })
        .collect()
}

/// Linear interpolation between the closest ranks.
fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let h = (values.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(values[lo] + (values[hi] - values[lo]) * (h - lo as f64))
}

/// What the test counts for one route (or system): requests, good, 5XX, p50, p99.
#[derive(Debug, PartialEq)]
struct Counted {
    requests: u64,
    good: u64,
    errors_5xx: u64,
    p50: Option<f64>,
    p99: Option<f64>,
}

fn count<'a>(lines: impl Iterator<Item = &'a Line>) -> Counted {
    let lines: Vec<&Line> = lines.collect();
    let mut ms: Vec<f64> = lines.iter().filter_map(|l| l.latency_ms).collect();
    Counted {
        requests: lines.len() as u64,
        good: lines
            .iter()
            .filter(|l| l.status.is_some_and(|s| s < 500))
            .count() as u64,
        errors_5xx: lines
            .iter()
            .filter(|l| l.status.is_some_and(|s| s >= 500))
            .count() as u64,
        p50: quantile(&mut ms, 0.5),
        p99: quantile(&mut ms, 0.99),
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (None, None) => true,
        _ => false,
    }
}

/// Checks a run's `routes[]` and `systems[]` against the lines counted here, per system in
/// config order; returns the routes by name.
fn check_against_count(v: &Value, systems: &[(&str, &[Line])]) {
    let routes = v["routes"].as_array().unwrap();
    let mut all_routes: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, lines) in systems {
        for l in lines.iter() {
            *all_routes.entry(&l.route).or_default() += 1;
        }
    }
    let listed: Vec<&str> = routes
        .iter()
        .map(|r| r["route"].as_str().unwrap())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, all_routes.keys().copied().collect::<Vec<_>>());
    for r in routes {
        let route = r["route"].as_str().unwrap();
        let total = all_routes[route];
        let served: Vec<&Value> = r["systems"].as_array().unwrap().iter().collect();
        for (name, lines) in systems {
            let c = count(lines.iter().filter(|l| l.route == route));
            let got = served.iter().find(|s| s["name"] == *name);
            if c.requests == 0 {
                assert!(got.is_none(), "{route} {name}: served nothing");
                continue;
            }
            let s = got.unwrap_or_else(|| panic!("{route}: {name} missing"));
            assert_eq!(u(&s["requests"]), c.requests, "{route} {name}");
            assert_eq!(u(&s["errors_5xx"]), c.errors_5xx, "{route} {name}");
            // every line here has a status: valid = requests
            let rate = c.good as f64 / c.requests as f64;
            assert!(
                (s["success_rate"].as_f64().unwrap() - rate).abs() < 1e-12,
                "{route} {name}"
            );
            let share = c.requests as f64 / total as f64;
            assert!((s["share"].as_f64().unwrap() - share).abs() < 1e-12);
            assert!(
                close(s["p50_ms"].as_f64(), c.p50),
                "{route} {name} p50 {s} {c:?}"
            );
            assert!(
                close(s["p99_ms"].as_f64(), c.p99),
                "{route} {name} p99 {s} {c:?}"
            );
        }
    }
    for (i, (name, lines)) in systems.iter().enumerate() {
        let s = &v["systems"][i];
        let c = count(lines.iter());
        assert_eq!(s["name"], *name);
        assert_eq!(
            (
                u(&s["requests"]),
                u(&s["valid"]),
                u(&s["good"]),
                u(&s["errors_5xx"])
            ),
            (c.requests, c.requests, c.good, c.errors_5xx),
            "{name}"
        );
        assert!(close(s["p50_ms"].as_f64(), c.p50), "{name}");
        assert!(close(s["p99_ms"].as_f64(), c.p99), "{name}");
    }
}

/// truth.json's `migration.routes`: route → system (`alb`, `apigw`) → requests, 5XX.
fn check_against_truth(v: &Value, truth: &Value, names: [(&str, &str); 2]) {
    let truth_routes = truth["migration"]["routes"].as_object().unwrap();
    assert!(!truth_routes.is_empty());
    for (route, per) in truth_routes {
        let row = v["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["route"] == route.as_str())
            .unwrap_or_else(|| panic!("{route} not listed"));
        for (system, truth_name) in names {
            let want = &per[truth_name];
            let got = row["systems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == system);
            match (want.is_null(), got) {
                (true, None) => {}
                (false, Some(s)) => {
                    assert_eq!(u(&s["requests"]), u(&want["requests"]), "{route} {system}");
                    assert_eq!(
                        u(&s["errors_5xx"]),
                        u(&want["errors_5xx"]),
                        "{route} {system}"
                    );
                }
                _ => panic!("{route} {system}: {want} against {got:?}"),
            }
        }
    }
}

fn write_config(dir: &Path, body: &str) -> String {
    let path = dir.join("migration.toml");
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

const SYSTEMS: &str = "[[systems]]\nname = \"legacy\"\nlog_format = \"alb\"\nsources = [\"AWSLogs\"]\ntarget_groups = [\"hosp-legacy\"]\n\n[[systems]]\nname = \"apigw\"\nlog_format = \"apigw\"\nsources = [\"apigw\"]\n";

#[test]
fn a_generated_cutover_gives_the_counts_of_its_files_and_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let gen = hosp_logs()
        .args([
            "generate",
            "-q",
            "--start",
            "2026-11-20T11:30:00Z",
            "--duration",
            "60m",
            "--rate",
            "1",
            "--migration",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(gen.status.success(), "{gen:?}");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
    // no [exclude]: every line counts, as truth.json's routes do
    let config = write_config(out, SYSTEMS);
    let v = json_ok(
        &hosp_logs()
            .args([
                "migration",
                "--config",
                &config,
                "--bucket",
                "15m",
                "-f",
                "json",
            ])
            .output()
            .unwrap(),
    );
    let legacy = alb_lines(&out.join("AWSLogs"), "hosp-legacy");
    let apigw = apigw_lines(&out.join("apigw"));
    assert!(
        legacy.len() > 1000 && apigw.len() > 50,
        "{} {}",
        legacy.len(),
        apigw.len()
    );
    check_against_count(&v, &[("legacy", &legacy), ("apigw", &apigw)]);
    check_against_truth(&v, &truth, [("legacy", "alb"), ("apigw", "apigw")]);
    assert_eq!(
        u(&v["systems"][1]["requests"]),
        u(&truth["migration"]["apigw"]["requests"])
    );
    assert_eq!(
        u(&v["systems"][1]["errors_5xx"]),
        u(&truth["migration"]["apigw"]["errors_5xx"])
    );
    // the moving routes are the /hospitals ones truth names; before 12:00 (the cut-over)
    // legacy served them all, from 12:00 API Gateway
    let moving: Vec<&str> = v["moving_routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    // (a route truth saw on both sides)
    let mut truth_routes: Vec<&str> = truth["migration"]["routes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, per)| per.get("alb").is_some() && per.get("apigw").is_some())
        .map(|(r, _)| r.as_str())
        .collect();
    truth_routes.sort();
    assert!(truth_routes.len() >= 3, "{truth_routes:?}");
    assert_eq!(moving, truth_routes);
    assert_eq!(truth["migration"]["cutover"], "2026-11-20T12:00:00Z");
    let buckets = v["over_time"].as_array().unwrap();
    assert_eq!(buckets.len(), 4);
    assert_eq!(v["bucket"], "15m");
    for b in buckets {
        let start = b["start"].as_str().unwrap();
        let (old, new) = (&b["systems"][0], &b["systems"][1]);
        let on_legacy = start < "2026-11-20T12:00:00Z";
        assert_eq!(
            old["share"].as_f64(),
            Some(if on_legacy { 1.0 } else { 0.0 }),
            "{b}"
        );
        assert_eq!(
            new["share"].as_f64(),
            Some(if on_legacy { 0.0 } else { 1.0 }),
            "{b}"
        );
        assert_eq!(u(&b["requests"]), u(&old["requests"]) + u(&new["requests"]));
    }
    // the same lines bucket by bucket: every moving-route request once
    let in_buckets: u64 = buckets.iter().map(|b| u(&b["requests"])).sum();
    let moving_requests = legacy
        .iter()
        .chain(&apigw)
        .filter(|l| moving.contains(&l.route.as_str()))
        .count() as u64;
    assert_eq!(in_buckets, moving_requests);
}

/// A template ALB line (the fixture's), its time, request, status, times and target group
/// replaced.
fn alb_line(time: &str, request: &str, status: u16, times: &str, tg: &str) -> String {
    format!(
        "http {time} app/hosp-alb/5e4f3a2b1c0d9e8f 130.176.18.55:12113 10.0.1.10:3000 {times} {status} {status} 549 677 \"{request}\" \"Mozilla/5.0\" - - {tg} \"Root=1-6b0032e6-972191b537c5caf01199dc25\" \"-\" \"-\" 10 {time} \"forward\" \"-\" \"-\" \"10.0.1.10:3000\" \"{status}\" \"-\" \"-\" TID_46013c59addcbf383aadd73ee7aad73d \"-\" \"-\" \"-\""
    )
}

fn apigw_line(epoch_ms: u64, method: &str, resource: &str, status: u16, latency: &str) -> String {
    format!(
        r#"{{"requestId":"r{epoch_ms}","requestTimeEpoch":"{epoch_ms}","httpMethod":"{method}","resourcePath":"{resource}","status":"{status}","responseLatency":"{latency}","integrationStatus":"200"}}"#
    )
}

#[test]
fn a_small_cutover_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let legacy_tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/7a3c9e1f5b2d4068";
    let lambda_tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-hospitals-lambda/c41e8b6d2f9a0357";
    let alb = [
        alb_line(
            "2026-11-20T11:50:00.000000Z",
            "GET http://h:80/hospitals/7 HTTP/1.1",
            200,
            "0.000 0.100 0.000",
            legacy_tg,
        ),
        alb_line(
            "2026-11-20T11:55:00.000000Z",
            "GET http://h:80/hospitals/8?x=1 HTTP/1.1",
            502,
            "-1 -1 -1",
            legacy_tg,
        ),
        alb_line(
            "2026-11-20T11:56:00.000000Z",
            "POST http://h:80/notes HTTP/1.1",
            201,
            "0.000 0.300 0.000",
            legacy_tg,
        ),
        // the Lambda target group: not the legacy system's
        alb_line(
            "2026-11-20T12:01:00.000000Z",
            "GET http://h:80/hospitals/9 HTTP/1.1",
            200,
            "0.000 0.020 0.000",
            lambda_tg,
        ),
        // no target group (a fixed response): not the legacy system's either
        alb_line(
            "2026-11-20T12:02:00.000000Z",
            "GET http://h:80/wp-login.php HTTP/1.1",
            404,
            "-1 -1 -1",
            "-",
        ),
    ];
    std::fs::create_dir_all(dir.path().join("AWSLogs")).unwrap();
    std::fs::write(dir.path().join("AWSLogs/alb.log"), alb.join("\n") + "\n").unwrap();
    // 12:00:00 = 1795176000000 ms
    let gw = [
        apigw_line(
            1_795_176_010_000,
            "GET",
            "/hospitals/{hospitalId}",
            200,
            "40",
        ),
        apigw_line(
            1_795_176_020_000,
            "GET",
            "/hospitals/{hospitalId}",
            502,
            "60",
        ),
        apigw_line(
            1_795_176_030_000,
            "GET",
            "/hospitals/{hospitalId}",
            429,
            "2",
        ),
        apigw_line(1_795_176_040_000, "GET", "/hospitals", 200, "30"),
    ];
    std::fs::create_dir_all(dir.path().join("apigw")).unwrap();
    std::fs::write(dir.path().join("apigw/gw.log"), gw.join("\n") + "\n").unwrap();
    let config = write_config(dir.path(), SYSTEMS);
    let v = json_ok(
        &hosp_logs()
            .args([
                "migration",
                "--config",
                &config,
                "--bucket",
                "1h",
                "-f",
                "json",
            ])
            .output()
            .unwrap(),
    );
    let legacy = &v["systems"][0];
    // 3 lines of hosp-legacy: 1 502; latencies 100 and 300 (the 502 has none)
    assert_eq!(legacy["log_format"], "alb");
    assert_eq!(
        (
            u(&legacy["requests"]),
            u(&legacy["valid"]),
            u(&legacy["good"])
        ),
        (3, 3, 2)
    );
    assert_eq!(u(&legacy["errors_5xx"]), 1);
    assert_eq!(legacy["p50_ms"].as_f64(), Some(200.0));
    let gw = &v["systems"][1];
    // 4 lines: the 502 bad, the 429 good (< 500); latencies 2, 30, 40, 60
    assert_eq!(
        (u(&gw["requests"]), u(&gw["good"]), u(&gw["errors_5xx"])),
        (4, 3, 1)
    );
    assert_eq!(gw["success_rate"].as_f64(), Some(0.75));
    assert_eq!(gw["p50_ms"].as_f64(), Some(35.0));
    // GET /hospitals/{id}: 2 on legacy (1 good), 3 on API Gateway (2 good): the biggest
    // moving route first
    let r = &v["routes"][0];
    assert_eq!(r["route"], "GET /hospitals/{id}");
    assert_eq!(r["systems"][0]["name"], "legacy");
    assert_eq!(u(&r["systems"][0]["requests"]), 2);
    assert_eq!(r["systems"][0]["share"].as_f64(), Some(0.4));
    assert_eq!(r["systems"][0]["success_rate"].as_f64(), Some(0.5));
    assert_eq!(r["systems"][0]["p50_ms"].as_f64(), Some(100.0));
    assert_eq!(r["systems"][1]["share"].as_f64(), Some(0.6));
    assert_eq!(r["systems"][1]["success_rate"].as_f64(), Some(2.0 / 3.0));
    assert_eq!(r["systems"][1]["p99_ms"].as_f64(), Some(40.0 + 0.98 * 20.0));
    // GET /hospitals: API Gateway alone; POST /notes: legacy alone
    assert_eq!(v["routes"][1]["route"], "GET /hospitals");
    assert_eq!(v["routes"][1]["systems"].as_array().unwrap().len(), 1);
    assert_eq!(v["routes"][2]["route"], "POST /notes");
    assert_eq!(v["routes"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["moving_routes"],
        serde_json::json!(["GET /hospitals/{id}"])
    );
    // hours: 11:00 legacy's 2, 12:00 API Gateway's 3
    let t = &v["over_time"];
    assert_eq!(t[0]["start"], "2026-11-20T11:00:00Z");
    assert_eq!(
        (
            u(&t[0]["systems"][0]["requests"]),
            t[0]["systems"][0]["success_rate"].as_f64()
        ),
        (2, Some(0.5))
    );
    assert_eq!(t[1]["systems"][1]["share"].as_f64(), Some(1.0));
    assert_eq!(t.as_array().unwrap().len(), 2);
    // the definitions say what valid and good are
    assert!(v["definitions"].to_string().contains("the SLO's"));
    // the key names the JSON promises
    let keys = |o: &Value| {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(legacy),
        [
            "errors_5xx",
            "good",
            "log_format",
            "name",
            "p50_ms",
            "p99_ms",
            "requests",
            "success_rate",
            "valid"
        ]
    );
    assert_eq!(keys(r), ["route", "systems"]);
    assert_eq!(
        keys(&r["systems"][0]),
        [
            "errors_5xx",
            "name",
            "p50_ms",
            "p99_ms",
            "requests",
            "share",
            "success_rate"
        ]
    );
    for k in ["systems", "routes", "over_time", "window", "input"] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert!(v["input"]["legacy"]["lines"].is_u64());
}

#[test]
fn the_fixture_matches_its_truth_in_every_output_format() {
    let config = root().join("fixtures/migration.toml").display().to_string();
    let dir = root().join("fixtures/migration");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let v = json_ok(
        &hosp_logs()
            .args(["migration", "--config", &config, "-f", "json"])
            .output()
            .unwrap(),
    );
    check_against_truth(&v, &truth, [("legacy", "alb"), ("apigw", "apigw")]);
    check_against_count(
        &v,
        &[
            ("legacy", &alb_lines(&dir.join("AWSLogs"), "hosp-legacy")),
            ("apigw", &apigw_lines(&dir.join("apigw"))),
        ],
    );
    let chart = tempfile::tempdir().unwrap();
    let png = chart.path().join("cutover.png");
    for format in ["table", "csv", "markdown"] {
        let mut cmd = hosp_logs();
        cmd.args(["migration", "--config", &config, "-f", format]);
        if format == "table" {
            cmd.arg("--chart").arg(&png);
        }
        let out = cmd.output().unwrap();
        let text = common::stdout_ok(&out);
        assert!(text.contains("GET /hospitals/{id}"), "{format}: {text}");
    }
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn without_systems_it_says_to_configure_them() {
    let out = hosp_logs().arg("migration").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[[systems]]"));
    // --source is not how systems are named
    let out = hosp_logs()
        .args(["migration", "--config"])
        .arg(root().join("fixtures/migration.toml"))
        .args(["--source", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_daily_report_has_the_migration_section_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("fixtures/migration");
    // a system name with markup: the page shows it as text
    let config = write_config(
        dir.path(),
        &format!(
            "[[systems]]\nname = \"legacy\"\nlog_format = \"alb\"\nsources = [\"{0}/AWSLogs\"]\ntarget_groups = [\"hosp-legacy\"]\n\n[[systems]]\nname = \"<img src=x onerror=alert(1)>\"\nlog_format = \"apigw\"\nsources = [\"{0}/apigw\"]\n",
            fixture.display()
        ),
    );
    let out = dir.path().join("report");
    let run = hosp_logs()
        .args(["report", "-q", "--config", &config, "--source"])
        .arg(fixture.join("AWSLogs"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    common::stdout_ok(&run);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<section id=\"migration\">"));
    assert!(html.contains("GET /hospitals/{id}"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img src=x"));
    for png in ["migration-share.png", "migration-success.png"] {
        assert!(html.contains(png), "{png}");
        assert!(out.join(png).metadata().unwrap().len() > 0);
    }
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let truth: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("truth.json")).unwrap()).unwrap();
    assert_eq!(
        u(&summary["migration"]["systems"][0]["requests"]),
        u(&truth["migration"]["alb"]["requests"])
    );
}

#[test]
fn an_unreadable_system_fails_the_run_unless_allowed_and_the_window_holds_for_every_system() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("fixtures/migration");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("truth.json")).unwrap()).unwrap();
    let missing = dir.path().join("not-there");
    let config = write_config(
        dir.path(),
        &format!(
            "[[systems]]\nname = \"legacy\"\nlog_format = \"alb\"\nsources = [\"{}\"]\ntarget_groups = [\"hosp-legacy\"]\n\n[[systems]]\nname = \"apigw\"\nlog_format = \"apigw\"\nsources = [\"{}\"]\n",
            fixture.join("AWSLogs").display(),
            missing.display()
        ),
    );
    let args = ["migration", "--config", &config, "-f", "json"];
    // the missing system is named on stderr; exit 1, the readable system's numbers still printed
    let out = hosp_logs().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("system `apigw` could not be read"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        u(&v["systems"][0]["requests"]),
        u(&truth["migration"]["alb"]["requests"])
    );
    // --allow-partial: exit 0, the failure in the system's `error` and in the notes
    let v = json_ok(
        &hosp_logs()
            .args(args)
            .arg("--allow-partial")
            .output()
            .unwrap(),
    );
    assert_eq!(u(&v["systems"][1]["requests"]), 0);
    assert!(v["systems"][1]["error"].as_str().is_some(), "{v}");
    assert!(v["systems"][0].get("error").is_none(), "{v}");
    assert!(
        v["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("system `apigw`: could not be read")),
        "{v}"
    );

    // --since at the cut-over: legacy's lines from 12:00 on (its `time` field, counted here),
    // API Gateway's every line; no route served by both, so none is moving
    let since = "2026-11-20T12:00:00";
    let legacy_after = gunzip_lines(&fixture.join("AWSLogs"))
        .iter()
        .map(|l| alb_fields(l))
        .filter(|f| f[1].as_str() >= since && f[16].contains("/hosp-legacy/"))
        .count() as u64;
    assert!(legacy_after > 500, "{legacy_after}");
    let config = root().join("fixtures/migration.toml").display().to_string();
    let v = json_ok(
        &hosp_logs()
            .args(["migration", "--config", &config, "-f", "json", "--since"])
            .arg(format!("{since}Z"))
            .output()
            .unwrap(),
    );
    assert_eq!(u(&v["systems"][0]["requests"]), legacy_after);
    assert_eq!(
        u(&v["systems"][1]["requests"]),
        u(&truth["migration"]["apigw"]["requests"])
    );
    assert_eq!(v["moving_routes"], serde_json::json!([]));
    assert_eq!(v["over_time"], serde_json::json!([]));
    assert_eq!(v["window"]["start"], "2026-11-20T12:00:00Z");
}
