//! `--engine athena` end to end: tests/athena/harness.py serves Athena's API (moto in server
//! mode behind a proxy that pages results, fails or holds queries) and runs each query's SQL on
//! DuckDB, over the fixture day loaded through the table's own DDL regex. The numbers must be
//! the local engine's.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command as StdCommand, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use chrono::DateTime;
use common::{fixture_config, fixture_day, hosp_logs, hosp_logs_std, json_ok, log_files, root, u};
use serde_json::{json, Value};

const DAY: [&str; 4] = [
    "--since",
    "2026-11-20T00:00:00Z",
    "--until",
    "2026-11-21T00:00:00Z",
];

struct Harness {
    endpoint: String,
    _child: Child,
    _stdin: ChildStdin,
}

fn python() -> String {
    if let Ok(p) = std::env::var("HOSP_LOGS_PYTHON") {
        return p;
    }
    let venv = root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "the Athena tests need Python with moto, duckdb and sqlglot: run scripts/athena-env.sh (or set HOSP_LOGS_PYTHON)"
    );
    venv.display().to_string()
}

const EXTRA_DAY: [&str; 4] = [
    "--since",
    "2026-11-25T00:00:00Z",
    "--until",
    "2026-11-26T00:00:00Z",
];

/// A day beside the fixture's: three current lines (one an ALB 503), two pre-2020 lines of 25
/// fields (one an ALB 502), which the table's regex reads as every ALB era, and two current
/// lines with a doubled space between two fields, which the native parser reads (it splits on
/// runs of spaces) and the regex (one space between fields, as ALB writes) does not.
fn extra_day() -> std::path::PathBuf {
    let dir = root().join("target/athena-extra");
    let day = dir.join("AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    let line = |sec: u32, status: &str, target_status: &str, fields: usize| {
        let l = format!(
            "https 2026-11-25T10:00:{sec:02}.000000Z app/hosp-alb/5e4f3a2b1c0d9e8f 192.0.2.10:51234 \
             10.0.1.5:8080 0.001 0.120 0.000 {status} {target_status} 512 2048 \
             \"GET https://hosp.example:443/patients/42/notes HTTP/1.1\" \"Mozilla/5.0\" \
             ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \
             arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/abc \
             \"Root=1-abc\" \"hosp.example\" \"arn:aws:acm:eu-west-1:123456789012:certificate/x\" 1 \
             2026-11-25T10:00:00.879000Z \"forward\" \"-\" \"-\" \"10.0.1.5:8080\" \"200\" \"-\" \"-\" TID_1234"
        );
        // the first `fields` fields (the request's two spaces make two more tokens)
        let cut: Vec<&str> = l.split(' ').collect();
        cut[..fields + 2].join(" ")
    };
    let text = [
        line(1, "200", "200", 30),
        line(2, "503", "-", 30),
        line(3, "200", "200", 30),
        line(4, "200", "200", 25),
        line(5, "502", "-", 25),
        line(6, "200", "200", 30).replacen(' ', "  ", 1),
        line(7, "200", "200", 30).replacen(" \"Mozilla", "  \"Mozilla", 1),
    ]
    .join("\n");
    std::fs::write(
        day.join("123456789012_elasticloadbalancing_eu-west-1_app.hosp-alb.5e4f3a2b1c0d9e8f_20261125T1005Z_52.49.18.77_extra.log"),
        text + "\n",
    )
    .unwrap();
    dir
}

/// Starts tests/athena/harness.py over `logs` with a DDL file; its ready line. It exits when
/// our end of its stdin closes.
fn start_harness(
    ddl: &std::path::Path,
    table: &str,
    logs: &[std::path::PathBuf],
) -> (Harness, Value) {
    let mut cmd = StdCommand::new(python());
    cmd.arg(root().join("tests/athena/harness.py"))
        .arg("--ddl")
        .arg(ddl)
        .args(["--table", table]);
    for l in logs {
        cmd.arg("--logs").arg(l);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting tests/athena/harness.py");
    let stdin = child.stdin.take().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("harness did not start: {e}: {line:?}"));
    let h = Harness {
        endpoint: ready["endpoint"].as_str().unwrap().to_string(),
        _child: child,
        _stdin: stdin,
    };
    (h, ready)
}

/// One harness for the whole test binary over the ALB table.
fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let (h, ready) = start_harness(
            &root().join("queries/alb_access_logs.sql"),
            "alb_access_logs",
            &[fixture_day().into(), extra_day()],
        );
        assert_eq!(
            u(&ready["rows"]),
            u(&common::truth()["lines"]) + 7,
            "the fixture day and the extra one"
        );
        assert_eq!(
            ready["unmatched"], 2,
            "the two doubled-space lines of the extra day"
        );
        h
    })
}

/// The harness' settings are global: one Athena test at a time, each from a clean state.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    control("POST", "/harness/reset", &json!({}));
    guard
}

/// A plain HTTP call to the harness (the control API, or a raw Athena call).
fn http(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let addr = harness().endpoint.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

fn control(method: &str, path: &str, body: &Value) -> Value {
    let (status, text) = http(
        method,
        path,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    );
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn log() -> Vec<Value> {
    control("GET", "/harness/log", &json!({}))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Test credentials and the harness' address; no AWS config or metadata service is read.
fn athena_env() -> Vec<(&'static str, String)> {
    athena_env_at(harness())
}

fn athena_env_at(h: &Harness) -> Vec<(&'static str, String)> {
    let none = root().join("target/no-aws-config").display().to_string();
    vec![
        ("HOSP_LOGS_ATHENA_ENDPOINT", h.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "test-key".into()),
        ("AWS_SECRET_ACCESS_KEY", "test-secret".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", none.clone()),
        ("AWS_SHARED_CREDENTIALS_FILE", none),
    ]
}

/// The binary pointed at the harness, with the fixture's config.
fn athena_cmd() -> assert_cmd::Command {
    let mut cmd = hosp_logs();
    cmd.envs(athena_env()).args(["--config", &fixture_config()]);
    cmd
}

fn local(args: &[&str]) -> Value {
    let out = hosp_logs()
        .args(["--config", &fixture_config()])
        .args(args)
        .args(["--source", &fixture_day(), "--format", "json"])
        .output()
        .unwrap();
    json_ok(&out)
}

fn remote(args: &[&str]) -> Value {
    let out = athena_cmd()
        .args(args)
        .args(["--engine", "athena", "--format", "json"])
        .output()
        .unwrap();
    json_ok(&out)
}

/// Equal, numbers within 1e-9 relative (sums of doubles in another order), else exactly.
fn assert_same(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut kx: Vec<_> = x.keys().collect();
            let mut ky: Vec<_> = y.keys().collect();
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "keys differ at {path}");
            for k in kx {
                assert_same(&x[k], &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "lengths differ at {path}: {a} vs {b}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_same(p, q, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(p), Value::Number(q)) if p.is_f64() || q.is_f64() => {
            let (p, q) = (p.as_f64().unwrap(), q.as_f64().unwrap());
            assert!(
                (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                "{path}: {p} vs {q}"
            );
        }
        _ => assert_eq!(a, b, "at {path}"),
    }
}

/// Compares an analysis from both engines; `input` differs by nature (files vs a query).
fn same_numbers(args: &[&str]) -> (Value, Value) {
    let mut l = local(args);
    let mut r = remote(args);
    let athena = r["input"]["athena"].clone();
    assert!(
        athena["query_execution_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "the Athena query is named in the output: {athena}"
    );
    l = common::without_input(&l);
    r = common::without_input(&r);
    assert_same(&l, &r, &args.join(" "));
    (l, athena)
}

#[test]
fn every_analysis_gives_the_local_numbers() {
    let _g = exclusive();
    let (slo, athena) = same_numbers(&[&["slo"][..], &DAY].concat());
    // the fixture's truth, so neither engine agrees with the other by being wrong the same way
    let truth = common::truth();
    assert_eq!(slo["requests"]["valid"], truth["requests"]["valid"]);
    assert_eq!(slo["requests"]["good"], truth["requests"]["good"]);
    // whole-minute window: per-minute counts, well under 1,440 rows
    assert!(athena["rows"].as_u64().unwrap() <= 1441, "{athena}");
    // cost shown: the harness reports the size of the files it loaded as the bytes scanned
    let scanned = athena["data_scanned_bytes"].as_u64().unwrap();
    let on_disk: u64 = [root().join("fixtures/day"), extra_day()]
        .iter()
        .flat_map(|d| log_files(d))
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(scanned, on_disk, "{athena}");
    let cost = athena["cost_usd"].as_f64().unwrap();
    assert!((cost - scanned.max(10_000_000) as f64 * 5.0 / 1e12).abs() < 1e-12);

    same_numbers(&[&["slo", "--latency-threshold", "3s"][..], &DAY].concat());
    // a window that is not whole minutes: per-second counts only in the six minutes holding a
    // boundary (the ends, and the 5m, 30m, 1h and 2h burn-rate windows), per minute elsewhere
    let (_, athena) = same_numbers(&[
        "slo",
        "--since",
        "2026-11-20T10:00:30Z",
        "--until",
        "2026-11-20T13:17:45Z",
    ]);
    let rows = athena["rows"].as_u64().unwrap();
    assert!(rows <= 198 + 6 * 60 && rows > 198, "{athena}");
    let (errors, _) = same_numbers(&[&["errors"][..], &DAY].concat());
    // 5XX to user traffic are the SLO's bad requests (no latency threshold)
    assert_eq!(errors["total_5xx"], truth["requests"]["bad"]);
    assert_eq!(errors["excluded"], truth["requests"]["excluded"]);
    same_numbers(
        &[
            &["errors", "--4xx", "--bucket", "15m", "--top", "5"][..],
            &DAY,
        ]
        .concat(),
    );
    same_numbers(&[&["latency"][..], &DAY].concat());
    same_numbers(&[&["latency", "--field", "target", "--top", "50"][..], &DAY].concat());
    same_numbers(&[&["backends"][..], &DAY].concat());
    let (traffic, _) = same_numbers(&[&["traffic"][..], &DAY].concat());
    assert_eq!(traffic["requests"], truth["requests"]["valid"]);
    same_numbers(&[&["traffic", "--top", "3", "--bucket", "30m"][..], &DAY].concat());
}

#[test]
fn window_values_reach_athena_as_execution_parameters() {
    let _g = exclusive();
    remote(&[&["errors"][..], &DAY].concat());
    let q = &log()[0];
    let sql = q["query"].as_str().unwrap();
    let params: Vec<&str> = q["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // Athena takes `?` in WHERE clauses only: the window's days and bounds
    assert_eq!(
        params,
        [
            "'2026/11/20'",
            "'2026/11/21'",
            "'2026-11-20T00:00:00.000000Z'",
            "'2026-11-21T00:00:00.000000Z'"
        ]
    );
    assert!(!sql.contains("2026"), "a window value in the SQL text");
    // the config's exclusions are checked literals in the SELECT list
    assert!(sql.contains("'^hosp\\-loadtest\\/'"), "{sql}");
    assert_eq!(q["database"], "hosp_logs");
    // polled through QUEUED and RUNNING before SUCCEEDED
    assert!(q["polls"].as_u64().unwrap() >= 3, "{q}");
}

/// Hostile text in the config ends up inside string literals: the query runs, and gives the
/// local engine's numbers under the same config (route templates included).
#[test]
fn hostile_config_values_stay_literals() {
    let _g = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hostile.toml");
    std::fs::write(
        &config,
        r#"[exclude]
user_agents = ["hosp-loadtest/*", "*'; DROP TABLE alb_access_logs; --*", "*\\' OR 1=1 --*"]
client_cidrs = ["10.99.0.0/24"]
[routes]
templates = ["/patients/{pid}/screen", "/x');DROP--/{id}", "/static/*"]
"#,
    )
    .unwrap();
    let config = config.display().to_string();
    let args = [&["--config", &config, "errors", "--top", "50"][..], &DAY].concat();
    let mut l = json_ok(
        &hosp_logs()
            .args(&args)
            .args(["--source", &fixture_day(), "--format", "json"])
            .output()
            .unwrap(),
    );
    let mut r = json_ok(
        &hosp_logs()
            .envs(athena_env())
            .args(&args)
            .args(["--engine", "athena", "--format", "json"])
            .output()
            .unwrap(),
    );
    l = common::without_input(&l);
    r = common::without_input(&r);
    assert_same(&l, &r, "hostile config");
    // the route template took effect on both sides
    let endpoints: Vec<&str> = r["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["endpoint"].as_str())
        .collect();
    assert!(
        endpoints.contains(&"/patients/{pid}/screen"),
        "{endpoints:?}"
    );
    assert_eq!(log()[0]["error"], Value::Null, "{}", log()[0]);
}

#[test]
fn results_are_paged_until_the_last_token() {
    let _g = exclusive();
    control("POST", "/harness/config", &json!({"page_size": 7}));
    let (_, athena) = same_numbers(&[&["errors", "--bucket", "5m"][..], &DAY].concat());
    let rows = athena["rows"].as_u64().unwrap();
    let pages = athena["result_pages"].as_u64().unwrap();
    // 7 rows a page, the header row on the first one
    assert_eq!(pages, (rows + 1).div_ceil(7), "{athena}");
    assert!(pages > 20, "{athena}");
    assert_eq!(log()[0]["pages_served"].as_u64().unwrap(), pages);
}

#[test]
fn ad_hoc_sql_runs_in_athena_with_typed_columns() {
    let _g = exclusive();
    let out = athena_cmd()
        .args([
            "query",
            "--engine",
            "athena",
            "--format",
            "json",
            "SELECT elb_status_code AS status, count(*) AS n, avg(sent_bytes) AS mean_sent \
             FROM alb_access_logs WHERE day IN ('2026/11/20', '2026/11/21') \
             GROUP BY elb_status_code ORDER BY elb_status_code",
        ])
        .output()
        .unwrap();
    let athena = json_ok(&out);
    let out = hosp_logs()
        .args([
            "query",
            "--source",
            &fixture_day(),
            "--format",
            "json",
            "SELECT elb_status_code AS status, count(*) AS n, avg(sent_bytes) AS mean_sent \
             FROM logs GROUP BY elb_status_code ORDER BY elb_status_code",
        ])
        .output()
        .unwrap();
    let local = json_ok(&out);
    assert_same(&local, &athena, "query");
    assert!(
        athena[0]["n"].is_u64(),
        "bigint comes back as a number: {}",
        athena[0]
    );
}

#[test]
fn seeded_values_convert_by_athena_type() {
    let _g = exclusive();
    let row = |vals: &[Option<&str>]| {
        json!({"Data": vals.iter().map(|v| match v {
            Some(s) => json!({"VarCharValue": s}),
            None => json!({}),
        }).collect::<Vec<_>>()})
    };
    let seed = json!({"results": [{
        "rows": [
            row(&[Some("i"), Some("d"), Some("b"), Some("s"), Some("t")]),
            row(&[Some("42"), Some("1.0E-4"), Some("true"), Some("=HYPERLINK(\"x\")"), Some("2026-11-20 10:00:00.000")]),
            row(&[None, None, Some("false"), None, None]),
        ],
        "column_info": [
            {"Name": "i", "Type": "bigint"}, {"Name": "d", "Type": "double"},
            {"Name": "b", "Type": "boolean"}, {"Name": "s", "Type": "varchar"},
            {"Name": "t", "Type": "timestamp"}
        ]
    }]});
    control("POST", "/harness/seed", &seed);
    let out = athena_cmd()
        .args([
            "query", "--engine", "athena", "--format", "json", "SELECT 1",
        ])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v[0]["i"], 42);
    assert_eq!(v[0]["d"].as_f64(), Some(0.0001));
    assert_eq!(v[0]["b"], true);
    assert_eq!(v[0]["t"], "2026-11-20 10:00:00.000");
    assert_eq!(v[1]["i"], Value::Null);
    assert_eq!(v[1]["b"], false);
    // CSV output still neutralises a formula that came back from Athena
    control("POST", "/harness/seed", &seed);
    let out = athena_cmd()
        .args(["query", "--engine", "athena", "--format", "csv", "SELECT 1"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

#[test]
fn a_failed_query_reports_athenas_reason() {
    let _g = exclusive();
    let reason = "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved";
    control("POST", "/harness/config", &json!({"fail_next": reason}));
    let out = athena_cmd()
        .args(["errors", "--engine", "athena"])
        .args(DAY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let id = log()[0]["id"].as_str().unwrap().to_string();
    assert!(err.contains(reason) && err.contains(&id), "{err}");
    // ErrorCategory 2 (a user error: the SQL or the table): exit 2
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "no partial report on stdout");

    // SQL the engine rejects: its own message comes back
    let out = athena_cmd()
        .args([
            "query",
            "--engine",
            "athena",
            "SELECT nope FROM alb_access_logs",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed") && err.contains("nope"), "{err}");
    assert_eq!(out.status.code(), Some(2));
}

fn wait_for_running() -> Value {
    let start = Instant::now();
    loop {
        if let Some(q) = log()
            .first()
            .filter(|q| q["polls"].as_u64().unwrap_or(0) >= 3)
        {
            return q.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no running query"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_the_running_query() {
    let _g = exclusive();
    control("POST", "/harness/config", &json!({"hold_running": true}));
    let child = hosp_logs_std()
        .envs(athena_env())
        .args(["--config", &fixture_config(), "slo", "--engine", "athena"])
        .args(DAY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let q = wait_for_running();
    assert_eq!(q["stopped"], false);
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("stopped") && err.contains(q["id"].as_str().unwrap()),
        "{err}"
    );
    assert_eq!(
        log()[0]["stopped"],
        true,
        "StopQueryExecution reached Athena"
    );
}

#[test]
fn a_query_cancelled_elsewhere_says_so() {
    let _g = exclusive();
    control("POST", "/harness/config", &json!({"hold_running": true}));
    let run = std::thread::spawn(|| {
        athena_cmd()
            .args(["traffic", "--engine", "athena"])
            .args(DAY)
            .output()
            .unwrap()
    });
    let q = wait_for_running();
    // someone stops it from the console: a raw StopQueryExecution
    let (status, body) = http(
        "POST",
        "/",
        &[
            ("X-Amz-Target", "AmazonAthena.StopQueryExecution"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        &json!({"QueryExecutionId": q["id"]}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let out = run.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cancelled"), "{err}");
}

#[test]
fn setup_creates_the_table_idempotently_and_print_shows_it() {
    let _g = exclusive();
    let location = "s3://hosp-logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/";
    let out = athena_cmd()
        .args(["athena", "setup", "--print", "--location", location])
        .output()
        .unwrap();
    assert!(out.status.success());
    let ddl = String::from_utf8(out.stdout).unwrap();
    assert!(
        ddl.contains("CREATE DATABASE IF NOT EXISTS hosp_logs;"),
        "{ddl}"
    );
    assert!(ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS hosp_logs.alb_access_logs"));
    assert!(ddl.contains(&format!(
        "'storage.location.template' = '{location}${{day}}'"
    )));
    assert!(log().is_empty(), "--print runs nothing");

    for _ in 0..2 {
        athena_cmd()
            .args(["athena", "setup", "--location", location])
            .assert()
            .success();
    }
    let statements: Vec<String> = log()
        .iter()
        .map(|q| q["query"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statements.len(), 4, "{statements:?}");
    assert!(statements[0].starts_with("CREATE DATABASE IF NOT EXISTS"));
    assert!(statements[1].contains("CREATE EXTERNAL TABLE IF NOT EXISTS"));
    assert_eq!(
        statements[0..2],
        statements[2..4],
        "the same statements again"
    );

    // a location that would break out of its quotes is refused before any call
    athena_cmd()
        .args([
            "athena",
            "setup",
            "--location",
            "s3://x/' ) LOCATION 's3://evil/",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the table location must be an s3://bucket/prefix/",
        ));
    assert_eq!(log().len(), 4, "nothing sent for the refused location");
}

#[test]
fn print_sql_needs_no_aws_and_refuses_unbounded_or_ipv6_exclusions() {
    // no harness needed: nothing is sent
    let out = hosp_logs()
        .args(["latency", "--engine", "athena", "--print-sql"])
        .args(DAY)
        .output()
        .unwrap();
    let q = json_ok(&out);
    assert!(q["sql"].as_str().unwrap().contains("GROUPING SETS"));
    assert_eq!(
        q["parameters"],
        json!([
            "'2026/11/20'",
            "'2026/11/21'",
            "'2026-11-20T00:00:00.000000Z'",
            "'2026-11-21T00:00:00.000000Z'"
        ])
    );
    // --source makes no sense with the Athena engine
    hosp_logs()
        .args(["slo", "--engine", "athena", "--source", &fixture_day()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--engine athena reads the Athena table, not --source",
        ));
    // an IPv6 exclusion cannot be expressed: refused, never ignored
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("v6.toml");
    std::fs::write(&config, "[exclude]\nclient_cidrs = [\"2001:db8::/32\"]\n").unwrap();
    hosp_logs()
        .args(["--config", &config.display().to_string()])
        .args(["slo", "--engine", "athena", "--print-sql"])
        .args(DAY)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("IPv4 networks only"));
}

#[test]
fn lines_the_tables_regex_cannot_read_are_counted_not_dropped() {
    let _g = exclusive();
    let extra = extra_day().display().to_string();
    // the native parser reads all seven
    let out = hosp_logs()
        .args(["slo", "--source", &extra, "--format", "json"])
        .args(EXTRA_DAY)
        .output()
        .unwrap();
    assert_eq!(json_ok(&out)["requests"]["total"], 7);

    let out = athena_cmd()
        .args(["slo", "--engine", "athena", "--format", "json"])
        .args(EXTRA_DAY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let slo = json_ok(&out);
    // Athena all but the two doubled-space lines: the 25-field lines too
    assert_eq!(slo["requests"]["total"], 5);
    assert_eq!(slo["input"]["malformed"], 2);
    assert!(err.contains("2 lines") && err.contains("regex"), "{err}");
    // --strict refuses them, as it refuses a malformed line locally
    athena_cmd()
        .args(["slo", "--engine", "athena", "--strict"])
        .args(EXTRA_DAY)
        .assert()
        .code(2);
    for analysis in ["errors", "latency", "backends", "traffic"] {
        let out = athena_cmd()
            .args([analysis, "--engine", "athena", "--format", "json"])
            .args(EXTRA_DAY)
            .output()
            .unwrap();
        let v = json_ok(&out);
        assert_eq!(v["input"]["malformed"], 2, "{analysis}");
        assert_eq!(v["input"]["parsed"], 5, "{analysis}");
        assert_eq!(v["requests"], 5, "{analysis}: {v}");
    }
    let out = athena_cmd()
        .args(["errors", "--engine", "athena", "--format", "json"])
        .args(EXTRA_DAY)
        .output()
        .unwrap();
    let v = json_ok(&out);
    // the 503 of 2026 and the 502 of a 25-field line
    assert_eq!(v["total_5xx"], 2);
    assert_eq!(v["alb_generated"], 2);
}

#[test]
fn charts_are_the_same_png_from_either_engine() {
    let _g = exclusive();
    let dir = tempfile::tempdir().unwrap();
    for analysis in ["slo", "errors", "latency", "backends", "traffic"] {
        let local_png = dir.path().join(format!("{analysis}-local.png"));
        let athena_png = dir.path().join(format!("{analysis}-athena.png"));
        hosp_logs()
            .args([
                "--config",
                &fixture_config(),
                analysis,
                "--source",
                &fixture_day(),
            ])
            .args(DAY)
            .args(["--format", "json", "--chart"])
            .arg(&local_png)
            .assert()
            .success();
        athena_cmd()
            .args([
                analysis, "--engine", "athena", "--format", "json", "--chart",
            ])
            .arg(&athena_png)
            .args(DAY)
            .assert()
            .success();
        let (a, b) = (
            std::fs::read(&local_png).unwrap(),
            std::fs::read(&athena_png).unwrap(),
        );
        assert!(a.len() > 10_000, "{analysis}: a real chart");
        assert!(a == b, "{analysis}: the charts differ");
    }
}

// ---- CloudFront: AWS's documented standard-log table, legacy and v2 ---------------------------

const CF_V2: &str = "s3://hosp-cf-logs/AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/";

/// The CloudFront table's DDL as `athena setup --print` writes it for a location (the legacy
/// flat prefix, or v2's partitioned folders).
fn cf_ddl(name: &str, location: &str) -> std::path::PathBuf {
    let out = hosp_logs()
        .args(["athena", "setup", "--log-format", "cloudfront", "--print"])
        .args(["--location", location])
        .output()
        .unwrap();
    let dir = root().join("target/athena-cf");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sql"));
    std::fs::write(&path, common::stdout_ok(&out)).unwrap();
    path
}

/// A CloudFront file of another day (2026-11-25): three lines the table reads, one it cannot.
fn cf_extra_day() -> std::path::PathBuf {
    let dir = root().join("target/athena-cf/extra");
    std::fs::create_dir_all(&dir).unwrap();
    let header = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n";
    let line = |sec: u32, status: &str, result: &str, detail: &str, stem: &str, ua: &str| {
        format!(
            "2026-11-25\t10:00:{sec:02}\tDUB56-P1\t1290\t192.0.2.14\tGET\td3hosp0example.cloudfront.net\t{stem}\t{status}\t-\t{ua}\t-\t-\t{result}\treq{sec}==\thosp.example.com\thttps\t812\t0.254\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\t{result}\tHTTP/2.0\t-\t-\t51234\t0.250\t{detail}\ttext/html\t128\t-\t-\n"
        )
    };
    let text = [
        header.to_string(),
        line(
            1,
            "200",
            "Hit",
            "Hit",
            "/patients/123/notes",
            "Mozilla/5.0%20(X11)",
        ),
        // a broken escape and a double-encoded one, a '+' that is no space
        line(
            2,
            "502",
            "Error",
            "OriginConnectError",
            "/a%zz/b%2520c+d",
            "curl/8.0%4",
        ),
        line(
            3,
            "000",
            "Error",
            "ClientHungUpRequest",
            "/patients/42",
            "-",
        ),
        "not a CloudFront line\n".to_string(),
    ]
    .concat();
    std::fs::write(dir.join("E2HOSP0EXAMPLE.2026-11-25-10.EXTRA001.log"), text).unwrap();
    dir
}

/// The fixture day's CloudFront files filed as standard logging v2 files them:
/// `…/CloudFront/<distribution>/yyyy/MM/dd/` (the table's `day` partition).
fn cf_v2_day() -> std::path::PathBuf {
    let dir = root().join("target/athena-cf/v2");
    let day = dir.join("AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/2026/11/20");
    std::fs::create_dir_all(&day).unwrap();
    for f in std::fs::read_dir(common::fixture_edge()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, day.join(f.file_name().unwrap())).unwrap();
    }
    dir
}

/// Harnesses over the CloudFront table: the legacy prefix (with the extra day), and v2.
fn cf_harness(v2: bool) -> &'static Harness {
    static LEGACY: OnceLock<Harness> = OnceLock::new();
    static V2: OnceLock<Harness> = OnceLock::new();
    let start = || {
        let lines = u(&common::truth()["cloudfront"]["lines"]);
        let (h, ready) = if v2 {
            start_harness(
                &cf_ddl("v2", CF_V2),
                "cloudfront_standard_logs",
                &[cf_v2_day()],
            )
        } else {
            start_harness(
                &cf_ddl("legacy", "s3://hosp-cf-logs/hosp/"),
                "cloudfront_standard_logs",
                &[common::fixture_edge().into(), cf_extra_day()],
            )
        };
        // the two header lines of each file skipped
        let extra = if v2 { 0 } else { 4 };
        assert_eq!(u(&ready["rows"]), lines + extra, "{ready}");
        h
    };
    if v2 {
        V2.get_or_init(start)
    } else {
        LEGACY.get_or_init(start)
    }
}

/// The fixture config, and for v2 the table's location (so the query prunes by `day`).
fn cf_config(v2: bool) -> String {
    if !v2 {
        return fixture_config();
    }
    let path = root().join("target/athena-cf/v2.toml");
    let text = std::fs::read_to_string(fixture_config()).unwrap();
    std::fs::write(&path, format!("{text}\n[athena]\nlocation = \"{CF_V2}\"\n")).unwrap();
    path.display().to_string()
}

/// An analysis of the CloudFront log from both engines, compared whole but for `input`.
fn cf_same(config: &str, v2: bool, args: &[&str]) -> Value {
    let cf = ["--log-format", "cloudfront", "--format", "json"];
    let out = hosp_logs()
        .args(["--config", config])
        .args(args)
        .args(cf)
        .args(["--source", &common::fixture_edge()])
        .output()
        .unwrap();
    let mut l = json_ok(&out);
    let out = hosp_logs()
        .envs(athena_env_at(cf_harness(v2)))
        .args(["--config", config])
        .args(args)
        .args(cf)
        .args(["--engine", "athena"])
        .output()
        .unwrap();
    let mut r = json_ok(&out);
    assert!(
        r["input"]["athena"]["query_execution_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{}",
        r["input"]
    );
    l = common::without_input(&l);
    r = common::without_input(&r);
    let what = format!(
        "cloudfront{} {}",
        if v2 { " v2" } else { "" },
        args.join(" ")
    );
    assert_same(&l, &r, &what);
    l
}

const CF_CASES: &[&[&str]] = &[
    &["slo"],
    &["slo", "--latency-threshold", "3s"],
    &["errors"],
    &["errors", "--4xx", "--bucket", "15m", "--top", "5"],
    &["latency"],
    &["backends"],
    &["traffic"],
    &["traffic", "--top", "3", "--bucket", "30m"],
    &["edge"],
    &["edge", "--top", "5", "--bucket", "10m"],
];

#[test]
fn cloudfront_analyses_give_the_local_numbers_legacy_and_v2() {
    let truth = common::truth();
    let edge_truth = &truth["cloudfront"];
    for v2 in [false, true] {
        let config = cf_config(v2);
        for case in CF_CASES {
            let v = cf_same(&config, v2, &[case, &DAY[..]].concat());
            if case == &["slo"] {
                // the edge's truth, so neither engine agrees by being wrong the same way
                assert_eq!(v["requests"]["valid"], edge_truth["requests"]["valid"]);
                assert_eq!(v["requests"]["good"], edge_truth["requests"]["good"]);
                assert_eq!(
                    v["requests"]["no_status"],
                    edge_truth["requests"]["no_status"]
                );
            }
            if case == &["edge"] {
                assert_eq!(u(&v["requests"]), u(&edge_truth["lines"]));
                assert!(v["errors_by_detail"].as_array().unwrap().len() > 1, "{v}");
            }
        }
        // windows that are not whole days or minutes: the bounds cut inside the day, and a
        // fractional --since leaves its own second out
        for (since, until) in [
            ("2026-11-20T10:00:30Z", "2026-11-20T13:17:45Z"),
            ("2026-11-20T16:29:59.5Z", "2026-11-20T16:35:00Z"),
        ] {
            for a in ["slo", "errors", "edge"] {
                cf_same(&config, v2, &[a, "--since", since, "--until", until]);
            }
        }
    }
}

#[test]
fn cloudfront_exclusions_read_the_decoded_user_agent_and_the_viewer() {
    let dir = root().join("target/athena-cf");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("exclude.toml");
    std::fs::write(
        &config,
        "[exclude]\nuser_agents = [\"*Edg/142*\"]\nclient_cidrs = [\"192.0.2.0/28\"]\n",
    )
    .unwrap();
    let config = config.display().to_string();
    for a in ["slo", "traffic", "edge"] {
        let v = cf_same(&config, false, &[&[a][..], &DAY].concat());
        let excluded = if a == "slo" {
            &v["requests"]["excluded"]
        } else {
            &v["excluded"]
        };
        assert!(u(excluded) > 1000, "{a}: {excluded}");
    }
}

#[test]
fn cloudfront_lines_the_table_cannot_read_are_counted_and_values_decoded_once() {
    let extra = cf_extra_day().display().to_string();
    let cf = ["--log-format", "cloudfront", "--format", "json"];
    let local = |a: &str| {
        let out = hosp_logs()
            .args([a, "--source", &extra])
            .args(cf)
            .args(EXTRA_DAY)
            .output()
            .unwrap();
        json_ok(&out)
    };
    let remote = |a: &str| {
        let out = hosp_logs()
            .envs(athena_env_at(cf_harness(false)))
            .args([a, "--engine", "athena"])
            .args(cf)
            .args(EXTRA_DAY)
            .output()
            .unwrap();
        json_ok(&out)
    };
    let slo = remote("slo");
    assert_eq!(slo["requests"]["total"], 3);
    assert_eq!(slo["requests"]["no_status"], 1);
    // the legacy table has no partitions: its unreadable lines are counted whatever the window
    assert_eq!(slo["input"]["malformed"], 1);
    for a in ["errors", "traffic", "edge"] {
        let (mut l, mut r) = (local(a), remote(a));
        l = common::without_input(&l);
        r = common::without_input(&r);
        assert_same(&l, &r, a);
    }
    let traffic = remote("traffic");
    let agents: Vec<&str> = traffic["top_user_agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert!(agents.contains(&"curl/8.0%4"), "{agents:?}");
    assert!(agents.contains(&"Mozilla/5.0 (X11)"), "{agents:?}");
    let endpoints: Vec<&str> = traffic["top_endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["endpoint"].as_str())
        .collect();
    assert!(endpoints.contains(&"/a%zz/b%20c+d"), "{endpoints:?}");
}

#[test]
fn cloudfront_sql_prunes_by_date_or_by_v2_partitions() {
    let print = |config: &str| {
        let out = hosp_logs()
            .args(["--config", config])
            .args(["edge", "--log-format", "cloudfront", "--engine", "athena"])
            .args(["--print-sql"])
            .args(DAY)
            .output()
            .unwrap();
        json_ok(&out)
    };
    let legacy = print(&cf_config(false));
    let sql = legacy["sql"].as_str().unwrap();
    assert!(sql.contains("FROM cloudfront_standard_logs"), "{sql}");
    assert!(!sql.contains("day IN"), "{sql}");
    assert_eq!(
        legacy["parameters"],
        json!([
            "'2026-11-20'",
            "'2026-11-20'",
            "'2026-11-20T00:00:00'",
            "'2026-11-21T00:00:00'"
        ])
    );
    let v2 = print(&cf_config(true));
    assert!(v2["sql"].as_str().unwrap().contains("day IN (?, ?)"));
    assert_eq!(v2["parameters"][0], "'2026/11/20'");
    assert_eq!(v2["parameters"][1], "'2026/11/21'");
}

#[test]
fn a_table_of_the_other_format_is_a_clear_usage_error() {
    // ALB's SQL over the CloudFront table
    hosp_logs()
        .envs(athena_env_at(cf_harness(false)))
        .args([
            "slo",
            "--engine",
            "athena",
            "--table",
            "cloudfront_standard_logs",
        ])
        .args(DAY)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "\"cloudfront_standard_logs\" lacks a column of the ALB access log table",
        ))
        .stderr(predicates::str::contains("--log-format cloudfront"));
    // CloudFront's SQL over the ALB table
    {
        let _g = exclusive();
        athena_cmd()
            .args(["errors", "--engine", "athena", "--log-format", "cloudfront"])
            .args(["--table", "alb_access_logs"])
            .args(DAY)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "\"alb_access_logs\" lacks a column of the CloudFront standard log table",
            ))
            .stderr(predicates::str::contains("--log-format alb"));
    }
    // refused before any query: an analysis needing a role the table's format lacks, and a
    // format without a table
    hosp_logs()
        .args(["edge", "--engine", "athena", "--print-sql"])
        .args(DAY)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`edge` needs edge_result"));
    hosp_logs()
        .args(["latency", "--field", "target", "--log-format", "cloudfront"])
        .args(["--engine", "athena", "--print-sql"])
        .args(DAY)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("upstream_ms"));
    hosp_logs()
        .args([
            "slo",
            "--log-format",
            "nginx",
            "--engine",
            "athena",
            "--print-sql",
        ])
        .args(DAY)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no Athena table for nginx"));
}

// ---- API Gateway: JSON lines through the OpenX JSON SerDe ------------------------------------

const APIGW_WINDOW: [&str; 4] = [
    "--since",
    "2026-11-20T11:30:00Z",
    "--until",
    "2026-11-20T14:00:00Z",
];

/// The generated migration day's API Gateway messages (their hour, the JSON object each
/// CloudWatch export line holds) and truth.json; generated once.
fn apigw_generated() -> &'static (Vec<(String, String)>, Value) {
    static GENERATED: OnceLock<(Vec<(String, String)>, Value)> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let gen = root().join("target/athena-apigw/generated");
        let _ = std::fs::remove_dir_all(&gen);
        let out = hosp_logs()
            .args(["generate", "-q", "--start", "2026-11-20T11:30:00Z"])
            .args(["--duration", "150m", "--rate", "2", "--migration", "--out"])
            .arg(&gen)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let truth: Value =
            serde_json::from_slice(&std::fs::read(gen.join("truth.json")).unwrap()).unwrap();
        let mut files = Vec::new();
        let mut stack = vec![gen.join("apigw")];
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
        let mut messages = Vec::new();
        for f in files {
            let mut text = String::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            for line in text.lines() {
                let (stamp, message) = line.split_once(' ').unwrap();
                messages.push((stamp[11..13].to_string(), message.to_string()));
            }
        }
        (messages, truth)
    })
}

/// A generated migration day's API Gateway log (its /hospitals routes, 11:30 to 14:00) as
/// Kinesis Data Firehose delivers JSON access logs: the messages of the CloudWatch export lines,
/// one JSON object per line, under `yyyy/MM/dd/HH/`; with three lines neither engine reads (a
/// JSON object cut short; not JSON; a status that is not one). `rename`: each object rewritten with the keys of
/// [`APIGW_RENAMED`] (flat, one of them dotted). Returns the folder and truth.json.
fn apigw_day(rename: bool) -> (std::path::PathBuf, Value) {
    let (messages, truth) = apigw_generated();
    let dir = root()
        .join("target/athena-apigw")
        .join(if rename { "renamed" } else { "by-name" });
    let _ = std::fs::remove_dir_all(&dir);
    let mut by_hour: std::collections::BTreeMap<String, String> = Default::default();
    for (hour, message) in messages {
        let message = if rename {
            renamed(message)
        } else {
            message.clone()
        };
        let out = by_hour.entry(hour.clone()).or_default();
        out.push_str(&message);
        out.push('\n');
    }
    assert!(by_hour.len() >= 2, "{:?}", by_hour.keys());
    for (i, (hour, mut text)) in by_hour.into_iter().enumerate() {
        if i == 0 {
            // a JSON object cut short (a partial write): not even the SerDe reads it
            let first = text.lines().next().unwrap();
            let cut = first[..first.len() / 2].to_string();
            text.push_str(&cut);
            text.push('\n');
            text.push_str("not a JSON line\n");
            text.push_str(if rename {
                "{\"time\":\"20/Nov/2026:12:30:00 +0000\",\"code\":\"abc\"}\n"
            } else {
                "{\"requestTimeEpoch\":\"1795179600000\",\"status\":\"abc\"}\n"
            });
        }
        let folder = dir.join("2026/11/20").join(hour);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("hosp-apigw-1-2026-11-20.log"), text).unwrap();
    }
    (dir, truth.clone())
}

/// A stage format with keys of its own: flat, renamed, one with a dot; the time as
/// `requestTime` (CLF, with its offset).
const APIGW_RENAMED: &str = r#"{"id":"$context.requestId","time":"$context.requestTime","ip":"$context.identity.sourceIp","verb":"$context.httpMethod","resource":"$context.resourcePath","p":"$context.path","code":"$context.status","bytes":"$context.responseLength","lat":"$context.responseLatency","ilat":"$context.integrationLatency","istatus":"$context.integrationStatus","integration.status":"$context.integration.status","err":"$context.error.responseType","waf":"$context.wafResponseCode","ua":"$context.identity.userAgent"}"#;

/// A generated (nested, by-name) line written with [`APIGW_RENAMED`]'s keys.
fn renamed(message: &str) -> String {
    let v: Value = serde_json::from_str(message).unwrap();
    let keys: [(&str, &[&str]); 14] = [
        ("id", &["requestId"]),
        ("ip", &["identity", "sourceIp"]),
        ("verb", &["httpMethod"]),
        ("resource", &["resourcePath"]),
        ("p", &["path"]),
        ("code", &["status"]),
        ("bytes", &["responseLength"]),
        ("lat", &["responseLatency"]),
        ("ilat", &["integrationLatency"]),
        ("istatus", &["integrationStatus"]),
        ("integration.status", &["integration", "status"]),
        ("err", &["error", "responseType"]),
        ("waf", &["wafResponseCode"]),
        ("ua", &["identity", "userAgent"]),
    ];
    let mut out = serde_json::Map::new();
    // requestTime to the second, in UTC or (odd seconds) written at +01:30
    let ms: i64 = v["requestTimeEpoch"].as_str().unwrap().parse().unwrap();
    let at = DateTime::from_timestamp_millis(ms).unwrap();
    let time = if at.timestamp() % 2 == 0 {
        at.format("%d/%b/%Y:%H:%M:%S +0000").to_string()
    } else {
        (at + chrono::Duration::minutes(90))
            .format("%d/%b/%Y:%H:%M:%S +0130")
            .to_string()
    };
    out.insert("time".into(), json!(time));
    for (key, path) in keys {
        let mut x = &v;
        for p in path {
            x = &x[*p];
        }
        // latencies as JSON numbers where they are numbers: both engines read either
        let x = match (key, x.as_str().and_then(|s| s.parse::<u64>().ok())) {
            ("lat" | "ilat", Some(n)) => json!(n),
            _ => x.clone(),
        };
        out.insert(key.to_string(), x);
    }
    Value::Object(out).to_string()
}

/// The apigw table's DDL as `athena setup --print` writes it (with `config`, if any).
fn apigw_ddl(name: &str, config: Option<&str>) -> std::path::PathBuf {
    let mut cmd = hosp_logs();
    if let Some(c) = config {
        cmd.args(["--config", c]);
    }
    let out = cmd
        .args(["athena", "setup", "--log-format", "apigw", "--print"])
        .args(["--location", "s3://hosp-apigw-logs/firehose/"])
        .output()
        .unwrap();
    let path = root().join(format!("target/athena-apigw/{name}.sql"));
    std::fs::write(&path, common::stdout_ok(&out)).unwrap();
    path
}

fn apigw_config() -> String {
    let path = root().join("target/athena-apigw/renamed.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("[apigw]\nformat = '{APIGW_RENAMED}'\n")).unwrap();
    path.display().to_string()
}

/// The harness over the generated API Gateway day: by name (no config) or renamed.
fn apigw_harness(rename: bool) -> &'static (Harness, std::path::PathBuf, Value) {
    static BY_NAME: OnceLock<(Harness, std::path::PathBuf, Value)> = OnceLock::new();
    static RENAMED: OnceLock<(Harness, std::path::PathBuf, Value)> = OnceLock::new();
    let start = || {
        let (dir, truth) = apigw_day(rename);
        let ddl = if rename {
            apigw_ddl("renamed", Some(&apigw_config()))
        } else {
            apigw_ddl("by-name", None)
        };
        let (h, ready) = start_harness(&ddl, "apigw_access_logs", std::slice::from_ref(&dir));
        let requests = u(&truth["migration"]["apigw"]["requests"]);
        assert_eq!(u(&ready["rows"]), requests + 3, "{ready}");
        assert_eq!(
            u(&ready["unmatched"]),
            2,
            "the lines that are not JSON objects: {ready}"
        );
        (h, dir, truth)
    };
    if rename {
        RENAMED.get_or_init(start)
    } else {
        BY_NAME.get_or_init(start)
    }
}

/// An analysis of the API Gateway day from both engines, compared whole but for `input`.
fn apigw_same(rename: bool, args: &[&str]) -> (Value, Value) {
    let (h, dir, _) = apigw_harness(rename);
    let config = rename.then(apigw_config);
    let run = |athena: bool| {
        let mut cmd = hosp_logs();
        if let Some(c) = &config {
            cmd.args(["--config", c]);
        }
        cmd.args(args)
            .args(APIGW_WINDOW)
            .args(["--log-format", "apigw", "--format", "json"]);
        if athena {
            cmd.envs(athena_env_at(h)).args(["--engine", "athena"]);
        } else {
            cmd.arg("--source").arg(dir);
        }
        json_ok(&cmd.output().unwrap())
    };
    let (l, r) = (run(false), run(true));
    assert!(
        r["input"]["athena"]["query_execution_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{}",
        r["input"]
    );
    assert_eq!(u(&l["input"]["malformed"]), 3, "{}", l["input"]);
    assert_eq!(u(&r["input"]["malformed"]), 3, "{}", r["input"]);
    let what = format!(
        "apigw{} {}",
        if rename { " renamed" } else { "" },
        args.join(" ")
    );
    assert_same(
        &common::without_input(&l),
        &common::without_input(&r),
        &what,
    );
    (l, r)
}

const APIGW_CASES: &[&[&str]] = &[
    &["slo"],
    &["slo", "--latency-threshold", "50ms"],
    &["errors"],
    &["errors", "--4xx", "--bucket", "15m"],
    &["latency"],
    &["latency", "--field", "integration"],
    &["traffic"],
];

#[test]
fn apigw_analyses_give_the_local_numbers_and_the_generators_truth() {
    for rename in [false, true] {
        let (_, _, truth) = apigw_harness(rename);
        let m = &truth["migration"]["apigw"];
        for case in APIGW_CASES {
            let (v, _) = apigw_same(rename, case);
            match *case {
                ["slo"] => assert_eq!(u(&v["requests"]["total"]), u(&m["requests"]), "{v}"),
                ["errors"] => {
                    assert_eq!(u(&v["requests"]), u(&m["requests"]));
                    assert_eq!(u(&v["total_5xx"]), u(&m["errors_5xx"]));
                }
                ["errors", "--4xx", ..] => {
                    let causes = v["by_cause"].as_object().unwrap();
                    assert_eq!(causes.len(), 7, "{v}");
                    for (c, n) in causes {
                        let want = m["by_cause"][c.as_str()].as_u64().unwrap_or(0);
                        assert_eq!(u(n), want, "{c}");
                    }
                    assert!(u(&m["by_cause"]["function"]) > 0, "{m}");
                }
                _ => {}
            }
        }
    }
}

/// Where the two engines part, as docs/athena.md says: the SerDe reads a JSON object with text
/// after it (the native parser refuses the line), makes a row of NULLs of a blank line (the
/// native parser skips it) and of a line behind CloudWatch Logs' prefix (the native parser
/// reads it). The counts are the test's own over the lines it writes.
#[test]
fn apigw_lines_the_serde_reads_otherwise_part_the_engines_as_documented() {
    let (messages, _) = apigw_generated();
    let hour = &messages[0].0;
    let same_hour: Vec<&String> = messages
        .iter()
        .filter(|(h, _)| h == hour)
        .map(|(_, m)| m)
        .take(12)
        .collect();
    assert_eq!(same_hour.len(), 12);
    let mut text = String::new();
    for m in &same_hour[..10] {
        text.push_str(m);
        text.push('\n');
    }
    text.push('\n');
    text.push_str("   \n");
    text.push_str(&format!("{} trailing text\n", same_hour[10]));
    text.push_str(&format!("2026-11-20T{hour}:00:00.000Z {}\n", same_hour[11]));
    let dir = root().join("target/athena-apigw/parting");
    let _ = std::fs::remove_dir_all(&dir);
    let folder = dir.join("2026/11/20").join(hour);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("hosp-apigw-1-2026-11-20.log"), text).unwrap();
    let ddl = apigw_ddl("parting", None);
    let (h, ready) = start_harness(&ddl, "apigw_access_logs", std::slice::from_ref(&dir));
    // 14 lines: the blank ones and the CloudWatch line are rows of NULLs
    assert_eq!(u(&ready["rows"]), 14, "{ready}");
    assert_eq!(u(&ready["unmatched"]), 3, "{ready}");
    let run = |athena: bool| {
        let mut cmd = hosp_logs();
        cmd.args(["slo", "--log-format", "apigw", "--format", "json"])
            .args(APIGW_WINDOW);
        if athena {
            cmd.envs(athena_env_at(&h)).args(["--engine", "athena"]);
        } else {
            cmd.arg("--source").arg(&dir);
        }
        json_ok(&cmd.output().unwrap())
    };
    let (l, r) = (run(false), run(true));
    // local: the 10, and the CloudWatch line; the line with text after its object is malformed
    assert_eq!(u(&l["requests"]["total"]), 11, "{l}");
    assert_eq!(u(&l["input"]["malformed"]), 1, "{}", l["input"]);
    // Athena: the 10, and the object before the text; 2 blank lines and the CloudWatch line
    assert_eq!(u(&r["requests"]["total"]), 11, "{r}");
    assert_eq!(u(&r["input"]["malformed"]), 3, "{}", r["input"]);
}
