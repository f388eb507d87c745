//! End-to-end tests of `hosp-logs export`, checked against the fixture day's truth.json.

use polars::prelude::*;
use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::*;

const GOOD: &str = r#"http 2026-11-20T10:00:00.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.5:51000 10.0.1.10:3000 0.001 0.200 0.000 200 200 300 900 "GET http://hosp.example.com:80/patients/7 HTTP/1.1" "Mozilla/5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef "Root=1-6740a000-0123456789abcdef01234567" "-" "-" 0 2026-11-20T10:00:00.099000Z "forward" "-" "-" "10.0.1.10:3000" "200" "-" "-" TID_0123abcd "-" "-" "-""#;

#[test]
fn parquet_round_trip_keeps_rows_and_types() {
    let t = truth();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("day.parquet");
    let day = fixture_day();
    hosp_logs()
        .args(["export", "--source", &day, "--to", "parquet", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(format!(
            "exported {} rows × 48 columns",
            u(&t["requests"]["total"])
        )));
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height() as u64, u(&t["requests"]["total"]));
    assert_eq!(df.width(), 48);
    assert_eq!(
        df.column("time").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    assert_eq!(
        df.column("elb_status_code").unwrap().dtype(),
        &DataType::UInt16
    );
    assert_eq!(df.column("latency_ms").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("sent_bytes").unwrap().dtype(), &DataType::UInt64);
    assert_eq!(
        df.column("alb_generated").unwrap().dtype(),
        &DataType::Boolean
    );
    // the same values: 503s and no-latency requests as in the truth
    let codes = df.column("elb_status_code").unwrap().u16().unwrap();
    let n503 = codes.iter().filter(|c| *c == Some(503)).count() as u64;
    assert_eq!(n503, u(&t["by_elb_status"]["503"]));
    assert_eq!(
        df.column("latency_ms").unwrap().null_count() as u64,
        u(&t["no_latency"])
    );
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("type"));
    assert_eq!(names.last().map(String::as_str), Some("source"));
}

#[test]
fn ndjson_has_one_line_per_request_without_the_load_test() {
    let t = truth();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("day.ndjson");
    let (day, cfg) = (fixture_day(), fixture_config());
    hosp_logs()
        .args(["export", "-q", "--source", &day, "--config", &cfg])
        .args([
            "--to",
            "ndjson",
            "--columns",
            "time,elb_status_code,user_agent",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, u(&t["requests"]["valid"]));
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    let obj = first.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["elb_status_code", "time", "user_agent"]);
    assert!(
        lines[0].starts_with("{\"time\":"),
        "columns in --columns order: {}",
        lines[0]
    );
    assert!(obj["elb_status_code"].is_u64());
    assert!(!text.contains("hosp-loadtest"));
}

#[test]
fn csv_neutralises_formulas_and_keeps_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hostile.log");
    let hostile = GOOD.replace("\"Mozilla/5.0\"", "\"=HYPERLINK(\\x22http://x\\x22)\"");
    let plain = GOOD.replace("10:00:00.100000Z", "10:00:01.100000Z");
    std::fs::write(&log, format!("{hostile}\n{plain}\n")).unwrap();
    let l = log.display().to_string();
    let out = hosp_logs()
        .args(["export", "-q", "--source", &l, "--to", "csv", "--out", "-"])
        .args([
            "--columns",
            "time,user_agent,elb_status_code,latency_ms,matched_rule_priority",
        ])
        .output()
        .unwrap();
    let csv = stdout_ok(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,user_agent,elb_status_code,latency_ms,matched_rule_priority"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    let first = lines[1];
    assert!(
        first.starts_with("2026-11-20T10:00:00.100000Z,'=HYPERLINK(\\x22http://x\\x22),"),
        "{first}"
    );
    assert!(first.ends_with(",200,201.0,0"), "{first}");
    assert_eq!(
        lines[2],
        "2026-11-20T10:00:01.100000Z,Mozilla/5.0,200,201.0,0"
    );
}

#[test]
fn columns_are_validated_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let day = fixture_day();
    hosp_logs()
        .args([
            "export",
            "--source",
            &day,
            "--to",
            "csv",
            "--columns",
            "time,bogus",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("unknown column bogus"))
        .stderr(predicate::str::contains("elb_status_code"));
    assert!(!out.exists(), "nothing is written on a usage error");
}

#[test]
fn parquet_to_stdout_is_a_usage_error() {
    let day = fixture_day();
    hosp_logs()
        .args(["export", "--source", &day, "--to", "parquet", "--out", "-"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--to parquet needs a file"));
}

#[test]
fn export_honours_the_window() {
    let t = truth();
    let day = fixture_day();
    let out = hosp_logs()
        .args([
            "export", "-q", "--source", &day, "--to", "ndjson", "--out", "-",
        ])
        .args([
            "--since",
            "2026-11-20T00:00:00Z",
            "--until",
            "2026-11-20T01:00:00Z",
        ])
        .args(["--columns", "time"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let n = String::from_utf8(out.stdout).unwrap().lines().count() as u64;
    assert_eq!(n, u(&t["hourly"][0]["total"]));
}
