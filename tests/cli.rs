//! End-to-end tests of the `hosp-logs` binary (assert_cmd), checked against the fixture
//! day's truth.json, which the generator wrote from what it emitted (not by re-parsing).

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::*;

fn run_json(args: &[&str]) -> Value {
    let out = hosp_logs()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    json_ok(&out)
}

fn slo_day(extra: &[&str]) -> Value {
    let day = fixture_day();
    let cfg = fixture_config();
    let mut args = vec!["slo", "--source", &day, "--config", &cfg];
    args.extend_from_slice(extra);
    run_json(&args)
}

#[test]
fn slo_on_the_fixture_day_matches_truth() {
    let t = truth();
    let r = slo_day(&[]);
    for key in ["total", "excluded", "valid", "good", "bad"] {
        assert_eq!(r["requests"][key], t["requests"][key], "requests.{key}");
    }
    let (good, valid) = (u(&t["requests"]["good"]), u(&t["requests"]["valid"]));
    let rate = r["success_rate"].as_f64().unwrap();
    assert!((rate - good as f64 / valid as f64).abs() < 1e-12);
    assert_eq!(r["target"].as_f64(), Some(0.99));
    assert_eq!(r["met"].as_bool(), Some(good as f64 / valid as f64 >= 0.99));
    assert_eq!(r["input"]["files"], t["files"]);
    assert_eq!(r["input"]["lines"], t["lines"]);
    assert_eq!(u(&r["input"]["malformed"]), 0);
    assert_eq!(u(&r["input"]["parsed"]), u(&t["lines"]));
    // by default the window ends the second after the last request
    let end = r["window"]["end"].as_str().unwrap();
    assert!(
        end > "2026-11-20T23:59:00Z" && end <= "2026-11-21T00:00:00Z",
        "{end}"
    );
    // the excluded traffic is exactly the load test
    assert_eq!(r["requests"]["excluded"], t["excluded_traffic"]["requests"]);

    let bad = u(&t["requests"]["bad"]) as f64;
    let allowed = 0.01 * valid as f64;
    let budget = &r["error_budget"];
    assert!((budget["allowed"].as_f64().unwrap() - allowed).abs() < 1e-6);
    assert_eq!(u(&budget["consumed"]), bad as u64);
    assert!((budget["remaining"].as_f64().unwrap() - (allowed - bad)).abs() < 1e-6);
    let burn = (bad / valid as f64) / 0.01;
    assert!((r["burn_rate"].as_f64().unwrap() - burn).abs() < 1e-9);
}

#[test]
fn control_panel_periods_match_truth_by_hour() {
    let t = truth();
    // anchored at an explicit end, so "past hour" is the truth's last hour
    let r = slo_day(&["--until", "2026-11-21T00:00:00Z"]);
    let hourly = t["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 24);
    let periods = r["periods"].as_array().unwrap();
    let names: Vec<&str> = periods
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Past hour", "Past 24 hours", "2026-11-20 (Fri)", "All"]
    );
    assert_eq!(r["window"]["end"], "2026-11-21T00:00:00Z");
    let last = &hourly[23];
    assert_eq!(periods[0]["successful"], last["good"]);
    assert_eq!(periods[0]["failed"], last["bad"]);
    for p in &periods[1..] {
        assert_eq!(p["successful"], t["requests"]["good"], "{}", p["period"]);
        assert_eq!(p["failed"], t["requests"]["bad"], "{}", p["period"]);
    }
}

#[test]
fn burn_rate_windows_match_hourly_truth() {
    let t = truth();
    let r = slo_day(&["--until", "2026-11-21T00:00:00Z"]);
    let hourly = t["hourly"].as_array().unwrap();
    let burn_over = |hours: &[Value]| {
        let bad: u64 = hours.iter().map(|h| u(&h["bad"])).sum();
        let valid: u64 = hours.iter().map(|h| u(&h["valid"])).sum();
        (bad as f64 / valid as f64) / 0.01
    };
    let alerts = r["burn_rate_alerts"].as_array().unwrap();
    let find = |long: &str| alerts.iter().find(|a| a["long_window"] == long).unwrap();
    let one_hour = find("1h");
    assert!((one_hour["long_burn_rate"].as_f64().unwrap() - burn_over(&hourly[23..])).abs() < 1e-9);
    let six = find("6h");
    assert!((six["long_burn_rate"].as_f64().unwrap() - burn_over(&hourly[18..])).abs() < 1e-9);
    assert_eq!(six["short_window"], "30m");
    let three_days = find("3d");
    assert_eq!(three_days["partial"], true);
    assert!((three_days["long_burn_rate"].as_f64().unwrap() - burn_over(hourly)).abs() < 1e-9);
    for a in alerts {
        let firing = a["long_burn_rate"].as_f64().unwrap() > a["threshold"].as_f64().unwrap()
            && a["short_burn_rate"].as_f64().unwrap_or(0.0) > a["threshold"].as_f64().unwrap();
        assert_eq!(a["firing"].as_bool(), Some(firing));
    }
}

#[test]
fn a_window_of_one_hour_counts_that_hour() {
    let t = truth();
    // the outage hour and an ordinary one
    for hour in [14usize, 5] {
        let h = &t["hourly"][hour];
        let since = h["hour"].as_str().unwrap().to_string();
        let until = format!("2026-11-20T{:02}:00:00Z", hour + 1);
        let r = slo_day(&["--since", &since, "--until", &until]);
        for key in ["total", "excluded", "valid", "good", "bad"] {
            assert_eq!(r["requests"][key], h[key], "hour {hour} requests.{key}");
        }
        assert!(u(&r["input"]["out_of_window"]) > 0);
        // files wholly outside the window are never opened
        assert!(
            u(&r["input"]["files"]) < u(&t["files"]) / 4,
            "pruning by file name"
        );
    }
}

#[test]
fn latency_threshold_counts_slow_requests_as_bad() {
    let t = truth();
    let r = slo_day(&["--latency-threshold", "3s"]);
    assert_eq!(r["requests"]["good"], t["latency_threshold_3s"]["good"]);
    assert_eq!(r["requests"]["bad"], t["latency_threshold_3s"]["bad"]);
    assert_eq!(r["latency_threshold_ms"].as_f64(), Some(3000.0));
}

#[test]
fn without_the_exclusions_the_load_test_counts() {
    let t = truth();
    let r = run_json(&["slo", "--source", &fixture_day()]);
    assert_eq!(u(&r["requests"]["excluded"]), 0);
    assert_eq!(r["requests"]["valid"], t["requests"]["total"]);
}

#[test]
fn table_output_states_the_definitions_and_the_accounting() {
    let t = truth();
    let out = hosp_logs()
        .args([
            "slo",
            "--source",
            &fixture_day(),
            "--config",
            &fixture_config(),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "Control panel",
        "Past hour",
        "Past 24 hours",
        "2026-11-20 (Fri)",
        "Burn-rate",
        "valid:",
        "good:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let lines = format!(
        "{} lines read = {} parsed + 0 malformed",
        t["lines"], t["lines"]
    );
    assert!(text.contains(&lines), "missing {lines:?}");
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escapes when stdout is not a terminal"
    );
}

#[test]
fn csv_and_markdown_carry_the_control_panel() {
    let day = fixture_day();
    let csv = hosp_logs()
        .args(["slo", "--source", &day, "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("Period,Successful,Failed,Success rate")
    );
    assert_eq!(csv.lines().count(), 5);
    let md = hosp_logs()
        .args(["slo", "--source", &day, "--format", "markdown"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("| Period | Successful | Failed | Success rate |"));
}

#[test]
fn fail_on_breach_exit_codes() {
    let t = truth();
    let good = u(&t["requests"]["good"]) as f64;
    let valid = u(&t["requests"]["valid"]) as f64;
    let day = fixture_day();
    let cfg = fixture_config();
    let met = good / valid >= 0.99;
    hosp_logs()
        .args([
            "slo",
            "-q",
            "--source",
            &day,
            "--config",
            &cfg,
            "--fail-on-breach",
        ])
        .assert()
        .code(if met { 0 } else { 3 });
    // a target the day certainly meets
    hosp_logs()
        .args([
            "slo",
            "-q",
            "--source",
            &day,
            "--config",
            &cfg,
            "--fail-on-breach",
            "--target",
            "50",
        ])
        .assert()
        .code(0);
    // no request in the window: fail closed
    hosp_logs()
        .args([
            "slo",
            "-q",
            "--source",
            &day,
            "--since",
            "2030-01-01T00:00:00Z",
            "--fail-on-breach",
        ])
        .assert()
        .code(4);
}

const GOOD: &str = r#"http 2026-11-20T10:00:00.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.5:51000 10.0.1.10:3000 0.001 0.200 0.000 200 200 300 900 "GET http://hosp.example.com:80/patients/7 HTTP/1.1" "Mozilla/5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef "Root=1-6740a000-0123456789abcdef01234567" "-" "-" 0 2026-11-20T10:00:00.099000Z "forward" "-" "-" "10.0.1.10:3000" "200" "-" "-" TID_0123abcd "-" "-" "-""#;

fn good_line(second: u32, status: u16) -> String {
    GOOD.replace("10:00:00.100000Z", &format!("10:00:{second:02}.100000Z"))
        .replace(" 200 200 ", &format!(" {status} {status} "))
}

#[test]
fn malformed_lines_are_counted_and_located_never_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.log");
    let text = [
        good_line(1, 200),
        "http 2026-11-20T10:00:02.000000Z truncated line".to_string(),
        good_line(3, 503),
        String::new(),
        good_line(4, 200).replace(" 200 200 ", " 2x0 200 "),
        good_line(5, 200),
    ]
    .join("\n");
    std::fs::write(&file, text).unwrap();
    let f = file.display().to_string();
    let r = run_json(&["slo", "-q", "--source", &f]);
    assert_eq!(u(&r["input"]["lines"]), 5);
    assert_eq!(u(&r["input"]["parsed"]), 3);
    assert_eq!(u(&r["input"]["malformed"]), 2);
    assert_eq!(u(&r["requests"]["valid"]), 3);
    assert_eq!(u(&r["requests"]["bad"]), 1);
    let samples = r["input"]["malformed_samples"].as_array().unwrap();
    assert_eq!(samples[0]["line"], 2);
    assert_eq!(samples[1]["line"], 5);
    assert!(
        samples[1]["reason"]
            .as_str()
            .unwrap()
            .contains("elb_status_code"),
        "{}",
        samples[1]
    );
    assert_eq!(samples[0]["source"].as_str(), Some(f.as_str()));

    // the warning names the file and line on stderr; stdout stays data
    hosp_logs()
        .args(["slo", "--source", &f, "--format", "json"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 of 5 lines were malformed"))
        .stderr(predicate::str::contains(format!("{f}:5:")));

    hosp_logs()
        .args(["slo", "--source", &f, "--strict"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{f}, line 2")));
}

#[test]
fn truncated_gzip_keeps_what_it_read_and_names_the_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..50).map(|i| good_line(i % 60, 200)).collect();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(lines.join("\n").as_bytes()).unwrap();
    enc.write_all(b"\n").unwrap();
    let gz = enc.finish().unwrap();
    let path = dir.path().join("cut.log.gz");
    std::fs::write(&path, &gz[..gz.len() * 2 / 3]).unwrap();
    let p = path.display().to_string();
    let r = run_json(&["slo", "-q", "--source", &p]);
    let errors = r["input"]["source_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["source"].as_str(), Some(p.as_str()));
    let lines_read = u(&r["input"]["lines"]);
    assert!(lines_read > 0 && lines_read <= 50, "{lines_read}");
    assert_eq!(
        u(&r["input"]["parsed"]) + u(&r["input"]["malformed"]),
        lines_read
    );

    hosp_logs()
        .args(["slo", "--source", &p, "--strict"])
        .assert()
        .code(2);
}

#[test]
fn stdin_plain_and_gzip() {
    let text = (0..10)
        .map(|i| good_line(i, if i < 9 { 200 } else { 502 }))
        .collect::<Vec<_>>()
        .join("\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    // the same ten requests, plain and gzipped: stdin is sniffed, not named
    for input in [text.into_bytes(), gz] {
        let out = hosp_logs()
            .args(["slo", "--source", "-", "--format", "json"])
            .write_stdin(input)
            .output()
            .unwrap();
        let r = json_ok(&out);
        assert_eq!(u(&r["requests"]["valid"]), 10);
        assert_eq!(u(&r["requests"]["good"]), 9);
        assert_eq!(u(&r["requests"]["bad"]), 1);
        assert_eq!(u(&r["input"]["lines"]), 10);
        assert_eq!(r["input"]["malformed_samples"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    hosp_logs()
        .args(["slo", "--source", "/no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/dir: no such file or directory",
        ));
    hosp_logs()
        .args(["slo", "--source", &fixture_day(), "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--since \"yesterday\""));
    hosp_logs()
        .args(["slo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--source"));
    hosp_logs().args(["slo", "--bogus"]).assert().code(2);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[slo]\ntarget = 150\n").unwrap();
    hosp_logs()
        .args(["slo", "--source", &fixture_day(), "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLO target 150"));
}

#[test]
fn help_completions_and_man_page() {
    hosp_logs()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("Exit codes")));
    hosp_logs()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("hosp-logs"));
    hosp_logs()
        .args(["man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH"));
    hosp_logs().args(["schema"]).assert().success().stdout(
        predicate::str::contains("elb_status_code").and(predicate::str::contains("latency_ms")),
    );
}

#[test]
fn generate_is_deterministic_and_its_truth_matches_slo() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [a.path(), b.path()] {
        hosp_logs()
            .args([
                "generate",
                "-q",
                "--seed",
                "7",
                "--start",
                "2026-11-20T13:50:00Z",
                "--duration",
                "30m",
                "--out",
            ])
            .arg(dir)
            .assert()
            .success();
    }
    let files_a = list(a.path());
    assert!(!files_a.is_empty());
    assert_eq!(files_a, list(b.path()));
    for f in &files_a {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(a.path().join("truth.json")).unwrap())
            .unwrap();
    let r = run_json(&[
        "slo",
        "--source",
        &a.path().join("AWSLogs").display().to_string(),
        "--config",
        &fixture_config(),
    ]);
    for key in ["total", "excluded", "valid", "good", "bad"] {
        assert_eq!(r["requests"][key], t["requests"][key], "requests.{key}");
    }
    // the same window at the edge, in the folder beside it
    let r = run_json(&[
        "slo",
        "--source",
        &a.path().join("cloudfront").display().to_string(),
        "--config",
        &fixture_config(),
    ]);
    let edge = &t["cloudfront"]["requests"];
    for key in ["total", "excluded", "no_status", "valid", "good", "bad"] {
        assert_eq!(r["requests"][key], edge[key], "cloudfront requests.{key}");
    }
}

fn list(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_log_content_stays_inert() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.log");
    let ansi_ua = good_line(1, 200).replace(
        "\"Mozilla/5.0\"",
        "\"evil\u{1b}[31mRED\u{1b}]0;pwned\u{7} agent\"",
    );
    let formula = good_line(2, 500).replace("\"GET http", "\"=HYPERLINK(\\x22x\\x22) http");
    std::fs::write(&file, format!("{ansi_ua}\n{formula}\n")).unwrap();
    let f = file.display().to_string();

    let table = hosp_logs()
        .args(["traffic", "--source", &f])
        .output()
        .unwrap();
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("evilRED agent"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "control characters reached the terminal"
    );

    let json = hosp_logs()
        .args(["traffic", "--source", &f, "--format", "json"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&json.stdout).unwrap();
    let uas: Vec<&str> = r["top_user_agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert!(
        uas.contains(&"evil\u{1b}[31mRED\u{1b}]0;pwned\u{7} agent"),
        "JSON keeps the value, escaped: {uas:?}"
    );

    let csv = hosp_logs()
        .args(["errors", "--source", &f, "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("'=HYPERLINK")), "{csv}");
}
