//! End-to-end tests of `hosp-logs query`, checked against the fixture day's truth.json.

use std::collections::BTreeMap;

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::*;

/// Runs a query over the fixture day (extra flags first) and parses its JSON rows.
fn query(extra: &[&str], sql: &str) -> Vec<Value> {
    let day = fixture_day();
    let out = hosp_logs()
        .args(["query", "-q", "--source", &day, "--format", "json"])
        .args(extra)
        .arg(sql)
        .output()
        .unwrap();
    let v = json_ok(&out);
    v.as_array().expect("an array of rows").clone()
}

#[test]
fn count_is_the_truth_total_and_the_config_excludes_the_load_test() {
    let t = truth();
    let rows = query(&[], "SELECT count(*) AS n FROM logs");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["n"], t["requests"]["total"]);

    let cfg = fixture_config();
    let rows = query(
        &["--config", &cfg],
        "SELECT count(*) AS n, count(DISTINCT user_agent) AS agents, \
         sum(CASE WHEN user_agent LIKE 'hosp-loadtest%' THEN 1 ELSE 0 END) AS load FROM logs",
    );
    let total = u(&t["requests"]["total"]) - u(&t["excluded_traffic"]["requests"]);
    assert_eq!(u(&rows[0]["n"]), total);
    assert_eq!(u(&rows[0]["n"]), u(&t["requests"]["valid"]));
    assert_eq!(u(&rows[0]["load"]), 0);
    assert!(u(&rows[0]["agents"]) > 1);
}

#[test]
fn group_by_status_matches_truth() {
    let t = truth();
    let rows = query(
        &[],
        "SELECT elb_status_code, count(*) AS n FROM logs GROUP BY elb_status_code ORDER BY elb_status_code;",
    );
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (u(&r["elb_status_code"]).to_string(), u(&r["n"])))
        .collect();
    assert_eq!(got, count_map(&t["by_elb_status"]));
    // statuses come out as JSON numbers, in the asked order
    let codes: Vec<u64> = rows.iter().map(|r| u(&r["elb_status_code"])).collect();
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
}

#[test]
fn the_brief_example_and_endpoints_match_truth() {
    let t = truth();
    let rows = query(
        &[],
        "SELECT endpoint, count(*) AS n FROM logs WHERE elb_status_code >= 500 GROUP BY endpoint ORDER BY n DESC",
    );
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in t["by_endpoint"].as_array().unwrap() {
        let n = u(&e["errors_5xx"]);
        if n > 0 {
            *want
                .entry(e["endpoint"].as_str().unwrap().to_string())
                .or_default() += n;
        }
    }
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| {
            (
                r["endpoint"].as_str().unwrap_or("-").to_string(),
                u(&r["n"]),
            )
        })
        .collect();
    assert_eq!(got, want);
    let ns: Vec<u64> = rows.iter().map(|r| u(&r["n"])).collect();
    assert!(
        ns.windows(2).all(|w| w[0] >= w[1]),
        "ORDER BY n DESC: {ns:?}"
    );

    let rows = query(
        &[],
        "SELECT sum(CASE WHEN alb_generated THEN 1 ELSE 0 END) AS alb, \
                sum(CASE WHEN latency_ms IS NULL THEN 1 ELSE 0 END) AS no_latency \
         FROM logs WHERE elb_status_code >= 500 OR latency_ms IS NULL",
    );
    assert_eq!(u(&rows[0]["no_latency"]), u(&t["no_latency"]));
    let rows = query(
        &[],
        "SELECT count(*) AS n FROM logs WHERE elb_status_code >= 500 AND alb_generated",
    );
    assert_eq!(rows[0]["n"], t["alb_generated_5xx"]);
}

#[test]
fn times_are_rfc3339_and_hours_match_truth() {
    let t = truth();
    let rows = query(
        &[],
        "SELECT strftime(time, '%Y-%m-%dT%H:00:00Z') AS hour, count(*) AS total FROM logs GROUP BY hour ORDER BY hour",
    );
    let hourly = t["hourly"].as_array().unwrap();
    assert_eq!(rows.len(), hourly.len());
    for (r, h) in rows.iter().zip(hourly) {
        assert_eq!(r["hour"], h["hour"]);
        assert_eq!(r["total"], h["total"]);
    }
    let rows = query(
        &[],
        "SELECT min(time) AS first, max(time) AS last, count(*) AS n FROM logs \
         WHERE time >= '2026-11-20T01:00:00' AND time < '2026-11-20 02:00:00'",
    );
    assert_eq!(rows[0]["n"], hourly[1]["total"]);
    let first = rows[0]["first"].as_str().unwrap();
    assert!(
        first.starts_with("2026-11-20T01:") && first.ends_with('Z'),
        "{first}"
    );
}

#[test]
fn window_flags_apply() {
    let t = truth();
    let rows = query(
        &[
            "--since",
            "2026-11-20T00:00:00Z",
            "--until",
            "2026-11-20T01:00:00Z",
        ],
        "SELECT count(*) AS n FROM logs",
    );
    assert_eq!(rows[0]["n"], t["hourly"][0]["total"]);
}

#[test]
fn select_star_returns_the_whole_schema() {
    let rows = query(&[], "SELECT * FROM logs ORDER BY time LIMIT 2");
    assert_eq!(rows.len(), 2);
    let row = rows[0].as_object().unwrap();
    assert_eq!(row.len(), 48);
    assert!(row["elb_status_code"].is_u64());
    assert!(row["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn bad_sql_is_a_usage_error_with_polars_message() {
    let day = fixture_day();
    for (sql, needle) in [
        ("SELEC count(*) FROM logs", "sql parser error"),
        ("SELECT no_such_column FROM logs", "no_such_column"),
        ("SELECT count(*) FROM nowhere", "nowhere"),
        ("SELECT 1; SELECT 2", "one statement"),
        (
            "SELECT count(*) FROM logs WHERE time > '2026-11-20T10:00:00Z'",
            "without an offset",
        ),
    ] {
        hosp_logs()
            .args(["query", "--source", &day, sql])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::starts_with("hosp-logs: error: query: "))
            .stderr(predicate::str::contains(needle))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn sql_from_stdin() {
    let t = truth();
    let day = fixture_day();
    let out = hosp_logs()
        .args(["query", "-q", "--source", &day, "--format", "json"])
        .write_stdin("SELECT count(*) AS n\nFROM logs\nWHERE elb_status_code = 503;\n")
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v[0]["n"], t["by_elb_status"]["503"]);

    hosp_logs()
        .args(["query", "--source", &day])
        .write_stdin("  \n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no SQL"));
}

#[test]
fn table_csv_and_markdown_render() {
    let day = fixture_day();
    let t = truth();
    let count = |status: &str| t["by_elb_status"][status].to_string();
    let sql = "SELECT elb_status_code, count(*) AS n FROM logs GROUP BY elb_status_code ORDER BY elb_status_code";
    hosp_logs()
        .args(["query", "-q", "--source", &day, sql])
        .assert()
        .success()
        .stdout(predicate::str::contains("11 rows × 2 columns"))
        .stdout(predicate::str::contains(count("200")));
    hosp_logs()
        .args(["query", "-q", "--source", &day, "--max-rows", "2", sql])
        .assert()
        .success()
        .stdout(predicate::str::contains("showing the first 2 of 11 rows"))
        .stdout(predicate::str::contains(count("201")))
        .stdout(predicate::str::contains(count("500")).not());
    // --max-rows cuts only the terminal formats
    let out = hosp_logs()
        .args(["query", "-q", "--source", &day, "--format", "csv"])
        .args(["--max-rows", "2", sql])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "elb_status_code,n");
    assert_eq!(lines[1], format!("200,{}", count("200")));
    assert_eq!(lines.len(), 12);
    hosp_logs()
        .args(["query", "-q", "--source", &day, "--format", "markdown", sql])
        .assert()
        .success()
        .stdout(predicate::str::contains("| elb_status_code | n |"));
}

#[test]
fn hostile_cells_are_neutralised_and_sanitised() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.log");
    std::fs::write(
        &file,
        format!(
            "{}\n",
            GOOD.replace(
                "\"Mozilla/5.0\"",
                "\"=HYPERLINK(\\x22http://x\\x22)\u{1b}[31m\""
            )
        ),
    )
    .unwrap();
    let f = file.display().to_string();
    let sql = "SELECT user_agent FROM logs";
    let out = hosp_logs()
        .args(["query", "-q", "--source", &f, "--format", "csv", sql])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().starts_with("'=HYPERLINK"),
        "{csv}"
    );
    let out = hosp_logs()
        .args(["query", "-q", "--source", &f, sql])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("=HYPERLINK"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table}");
}

const GOOD: &str = r#"http 2026-11-20T10:00:00.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.5:51000 10.0.1.10:3000 0.001 0.200 0.000 200 200 300 900 "GET http://hosp.example.com:80/patients/7 HTTP/1.1" "Mozilla/5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef "Root=1-6740a000-0123456789abcdef01234567" "-" "-" 0 2026-11-20T10:00:00.099000Z "forward" "-" "-" "10.0.1.10:3000" "200" "-" "-" TID_0123abcd "-" "-" "-""#;
