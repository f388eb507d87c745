//! Every example of `hosp-logs --help` is run, and gives what it promises: the fixture day's
//! figures (truth.json), the files it says it writes, the exit code its flags ask for.
//!
//! The examples name folders a user has (`logs/`, `cloudfront-logs/`, `/var/log/nginx/`,
//! `hosp-logs.toml`); here they are a working directory in which those names are the fixture
//! day's ALB, CloudFront and nginx folders and the fixture config. The examples that need AWS
//! (an s3:// source, Athena, `watch` on S3) are listed apart and counted: a new example is
//! either run here or added to that list.

mod common;

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::{hosp_logs, root, truth, u};
use hosp_logs::cli::examples::{examples, shell_words};
use serde_json::Value;

/// The folder the examples run in: their names for the logs and the config.
fn workspace(dir: &Path) {
    let day = root().join("fixtures/day");
    symlink(root().join("fixtures"), dir.join("fixtures")).unwrap();
    symlink(day.join("AWSLogs"), dir.join("logs")).unwrap();
    symlink(day.join("cloudfront"), dir.join("cloudfront-logs")).unwrap();
    symlink(day.join("nginx"), dir.join("nginx-logs")).unwrap();
    symlink(&day, dir.join("day")).unwrap();
    // the fixture config, its proxies' log_format as the config's [nginx] (what an nginx
    // example with --log-format nginx reads); its hops read day/… beside it
    let text = std::fs::read_to_string(root().join("fixtures/hosp-logs.toml")).unwrap();
    assert!(text.contains("[hops.nginx]"));
    std::fs::write(
        dir.join("hosp-logs.toml"),
        text.replace("[hops.nginx]", "[nginx]"),
    )
    .unwrap();
}

/// The examples that need AWS (S3, Athena): parsed by the unit test, not run here.
fn needs_aws(ex: &str) -> bool {
    (ex.contains("s3://") || ex.contains("--engine athena")) && !ex.contains("--print-sql")
}

fn rate(requests: &Value) -> f64 {
    u(&requests["good"]) as f64 / u(&requests["valid"]) as f64
}

/// The table's "Success rate" line shows this rate.
fn shows_rate(stdout: &str, rate: f64) -> bool {
    let want = format!("{:.3}%", rate * 100.0);
    stdout
        .lines()
        .any(|l| l.contains("Success rate") && l.contains(&want))
}

#[test]
fn every_top_level_help_example_runs_and_gives_what_it_promises() {
    let help = common::stdout_ok(&hosp_logs().arg("--help").output().unwrap());
    // clap wraps a help line past 100 columns: an example cut in two would not run
    let block = &help[help.find("Examples:").unwrap()..];
    for l in block.lines() {
        assert!(l.chars().count() <= 100, "a wrapped example line: {l}");
    }
    let all = examples(&help);
    assert!(all.len() >= 25, "{help}");
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    workspace(cwd);
    let t = truth();
    let alb = rate(&t["requests"]);
    let edge = rate(&t["cloudfront"]["requests"]);
    // stdin for `zcat today.log.gz | hosp-logs slo --source -`: one hour of the ALB log
    let first_gz = common::log_files(&root().join("fixtures/day/AWSLogs")).remove(0);
    let mut today = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&first_gz).unwrap())
        .read_to_end(&mut today)
        .unwrap();
    let mut skipped = Vec::new();
    let mut ran = 0;
    for ex in &all {
        if needs_aws(ex) {
            skipped.push(ex.clone());
            continue;
        }
        // the workspace is the user's home too (the default store is under it)
        let line = ex
            .replace("/var/log/nginx/", "nginx-logs/")
            .replace("/tmp/day", "generated-day")
            .replace("~/", &format!("{}/", cwd.display()));
        let words = shell_words(&line);
        assert_eq!(words[0], "hosp-logs");
        let mut cmd = hosp_logs();
        // the workspace's config is the user's (HOSP_LOGS_CONFIG): its [exclude] leaves the
        // load test out, as truth.json's figures do
        cmd.current_dir(cwd)
            .env("HOME", cwd)
            .env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z")
            .env("HOSP_LOGS_CONFIG", "hosp-logs.toml")
            .args(&words[1..]);
        if words.iter().any(|w| w == "-") {
            cmd.write_stdin(today.clone());
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let code = out.status.code();
        let what = format!("{ex}\nexit {code:?}\nstderr: {stderr}");
        let json = || -> Value { serde_json::from_str(&stdout).unwrap() };
        let sub = words[1].as_str();
        // what each example promises
        match sub {
            // the store the `collect` example filled (every hop of the config, the default
            // place under the home folder), judged over 28 days: the edge's figures
            "slo" if ex.contains("--store") => {
                assert!(shows_rate(&stdout, edge), "{what}\n{stdout}")
            }
            "collect" => {
                let total = u(&t["requests"]["total"])
                    + u(&t["cloudfront"]["requests"]["total"])
                    + u(&t["nginx"]["requests"]["total"]);
                let want = format!("│ requests ingested ┆ {total} ");
                assert!(stdout.contains(&want), "{what}\n{stdout}");
                assert!(cwd.join(".local/share/hosp-logs/store").is_dir(), "{what}");
            }
            // the fixture day's SLO at the config's outermost hop (the edge), or at the one named
            "slo" if ex.contains("--config fixtures/hosp-logs.toml --hop lb") => {
                assert!(shows_rate(&stdout, alb), "{what}\n{stdout}")
            }
            "slo" if ex.contains("--config fixtures/hosp-logs.toml") => {
                assert!(shows_rate(&stdout, edge), "{what}\n{stdout}")
            }
            "slo" if ex.contains("--format json") => {
                let r = json()["success_rate"].as_f64().unwrap();
                assert!((r - alb).abs() < 1e-12, "{what}: {r} vs {alb}");
            }
            "slo" if ex.contains("--log-format cloudfront") => {
                assert!(shows_rate(&stdout, edge), "{what}\n{stdout}")
            }
            "slo" if ex.contains("--log-format nginx") => {
                assert!(
                    shows_rate(&stdout, rate(&t["nginx"]["requests"])),
                    "{what}\n{stdout}"
                )
            }
            // the glob over the whole day: the ALB's figures
            "slo" if ex.contains("**") => assert!(shows_rate(&stdout, alb), "{what}\n{stdout}"),
            "slo" if ex.contains("--source -") => {
                assert!(stdout.contains("Success rate"), "{what}")
            }
            "hops" => {
                let at_edge = format!(
                    "{:.3}% of {} valid",
                    edge * 100.0,
                    t["cloudfront"]["requests"]["valid"]
                );
                assert!(stdout.contains(&at_edge), "{what}\n{stdout}");
                for hop in ["edge", "lb", "proxy"] {
                    assert!(stdout.contains(&format!("│ {hop} ")), "{what}\n{stdout}");
                }
            }
            // the migration fixture: each system's requests and 5XX as its truth.json counts them
            "migration" => {
                let m: Value = serde_json::from_slice(
                    &std::fs::read(root().join("fixtures/migration/truth.json")).unwrap(),
                )
                .unwrap();
                let m = &m["migration"];
                for (system, side) in [("legacy (alb)", &m["alb"]), ("apigw (apigw)", &m["apigw"])]
                {
                    let line = stdout.lines().find(|l| l.contains(system));
                    let line = line.unwrap_or_else(|| panic!("{what}\n{stdout}"));
                    for want in [
                        format!("┆ {} requests,", side["requests"]),
                        format!(" {} 5XX", side["errors_5xx"]),
                    ] {
                        assert!(line.contains(&want), "{want}: {what}\n{stdout}");
                    }
                }
            }
            "errors" | "latency" | "traffic" | "edge" | "retries" | "audit" | "query" => {
                assert!(!stdout.trim().is_empty(), "{what}")
            }
            // the intruder is a high finding: --fail-on high exits 3
            "security" => {
                assert_eq!(code, Some(3), "{what}");
                assert!(stdout.contains("203.0.113.66"), "{what}\n{stdout}");
            }
            // the day is at 94 %: the gate breaches (3) and writes its JUnit file
            "gate" => {
                assert_eq!(code, Some(3), "{what}");
                assert!(cwd.join("gate.xml").exists(), "{what}");
            }
            "export" => assert!(cwd.join("day.parquet").metadata().unwrap().len() > 0),
            "report" => {
                let reports: Vec<_> = std::fs::read_dir(cwd.join("reports"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                assert_eq!(reports.len(), 1, "{what}");
                assert!(reports[0].join("index.html").exists(), "{what}");
            }
            // seed 42 is the fixture day
            "generate" => {
                let g: Value = serde_json::from_slice(
                    &std::fs::read(cwd.join("generated-day/truth.json")).unwrap(),
                )
                .unwrap();
                assert_eq!(g["requests"], t["requests"], "{what}");
            }
            other => panic!("an example of `{other}` without a check here: {ex}"),
        }
        if !matches!(sub, "security" | "gate") {
            assert_eq!(code, Some(0), "{what}");
        }
        for (flag, file) in [("--chart", "errors.png"), ("--chart", "edge.png")] {
            if ex.contains(&format!("{flag} {file}")) {
                assert!(cwd.join(file).metadata().unwrap().len() > 0, "{what}");
            }
        }
        ran += 1;
    }
    // the AWS ones: S3 sources, fetch, Athena, watch on S3
    assert_eq!(skipped.len(), 5, "{skipped:#?}");
    assert_eq!(ran + skipped.len(), all.len());
}
