//! The store over a generated month of CloudFront and nginx logs (the fixture day's lines
//! re-dated over 28 days, a different sample each day): `edge`, `retries` and the others from
//! the store equal a raw read, and `complete_through` waits each format's delivery delay
//! (CloudFront 24 hours, nginx none). The expected request counts and minutes are the lines
//! the test wrote, counted here by their time fields. And API Gateway's logs (the generator's
//! migration day) from the store equal a raw read and the generator's truth.

mod common;

use std::io::{BufRead, Write};
use std::path::Path;

use common::{hosp_logs, json_ok, root, u, without_input};
use serde_json::Value;

const DAYS: usize = 28;
/// One line in this many of the fixture day per day.
const SAMPLE: usize = 150;

/// Every line of the gzip files under `dir`, decompressed here.
fn lines_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        lines.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    lines
}

fn first_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 10, 20).unwrap()
}

/// Writes `DAYS` days of CloudFront logs (one file a day, with the `#` headers) and returns
/// every written line's time (`2026-10-20T00:01:08Z`).
fn write_cloudfront(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let all = lines_under(&root().join("fixtures/day/cloudfront"));
    let headers: Vec<&String> = all.iter().filter(|l| l.starts_with('#')).take(2).collect();
    let day: Vec<&String> = all
        .iter()
        .filter(|l| l.starts_with("2026-11-20\t"))
        .collect();
    let mut times = Vec::new();
    for (d, date) in first_day().iter_days().take(DAYS).enumerate() {
        let stamp = date.format("%Y-%m-%d").to_string();
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(dir.join(format!("E2GEN.{stamp}.log"))).unwrap(),
        );
        for h in &headers {
            writeln!(f, "{h}").unwrap();
        }
        for l in day.iter().skip(d % SAMPLE).step_by(SAMPLE) {
            let line = format!("{stamp}{}", &l["2026-11-20".len()..]);
            let time = line.split('\t').nth(1).unwrap();
            times.push(format!("{stamp}T{time}Z"));
            writeln!(f, "{line}").unwrap();
        }
    }
    times
}

/// Writes `DAYS` days of nginx logs (one file a day) and returns every written line's time
/// and the upstream attempts it names (the addresses in `ua="a, b : c"`).
fn write_nginx(dir: &Path) -> Vec<(String, u64)> {
    std::fs::create_dir_all(dir).unwrap();
    let day: Vec<String> = lines_under(&root().join("fixtures/day/nginx"))
        .into_iter()
        .filter(|l| l.contains("[20/Nov/2026:"))
        .collect();
    let mut times = Vec::new();
    for (d, date) in first_day().iter_days().take(DAYS).enumerate() {
        let stamp = date.format("%Y-%m-%d").to_string();
        let local = date.format("[%d/%b/%Y:").to_string();
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(dir.join(format!("access-{stamp}.log"))).unwrap(),
        );
        for l in day.iter().skip(d % SAMPLE).step_by(SAMPLE) {
            let line = l.replace("[20/Nov/2026:", &local);
            // [20/Oct/2026:01:00:04 +0000]: the clock follows the date and its colon
            let at = line.find(&local).unwrap() + local.len();
            let ua = line
                .split(" ua=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let attempts = match ua {
                "-" => 0,
                _ => ua.split(", ").flat_map(|g| g.split(" : ")).count() as u64,
            };
            times.push((format!("{stamp}T{}Z", &line[at..at + 8]), attempts));
            writeln!(f, "{line}").unwrap();
        }
    }
    times
}

/// The written lines with a time in `[since, until)` (same shape, compared as text).
fn lines_in(times: &[String], since: &str, until: &str) -> u64 {
    times
        .iter()
        .filter(|t| t.as_str() >= since && t.as_str() < until)
        .count() as u64
}

/// The fixture proxy hop's nginx log_format (from the fixture config).
fn proxy_log_format() -> String {
    let config: toml::Value =
        toml::from_str(&std::fs::read_to_string(common::fixture_config()).unwrap()).unwrap();
    config["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"].as_str() == Some("proxy"))
        .unwrap()["nginx"]["log_format"]
        .as_str()
        .unwrap()
        .to_string()
}

fn run(cmd: &str, config: &Path, args: &[&str], source: Result<&Path, &Path>) -> Value {
    let mut c = hosp_logs();
    c.arg(cmd)
        .arg("--config")
        .arg(config)
        .args(["--format", "json"])
        .args(args);
    match source {
        Ok(store) => c.arg("--store").arg(store),
        Err(logs) => c.arg("--no-store").arg("--source").arg(logs),
    };
    json_ok(&c.output().unwrap())
}

#[test]
fn edge_and_retries_over_a_generated_month_from_the_store_equal_a_raw_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (cf, ng) = (tmp.path().join("cloudfront"), tmp.path().join("nginx"));
    let (cf_times, ng_lines) = (write_cloudfront(&cf), write_nginx(&ng));
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[slo]\n").unwrap();
    let store = tmp.path().join("store");
    let log_format = proxy_log_format();
    let nginx = ["--log-format", "nginx", "--nginx-log-format", &log_format];
    // collected at noon on the day after the last: CloudFront's logs may come 24 hours late,
    // so they are complete through 11:59 the day before; nginx's through its last minute
    let now = "2026-11-17T12:00:00Z";
    let collect = |source: &Path, args: &[&str]| {
        json_ok(
            &hosp_logs()
                .env("HOSP_LOGS_NOW", now)
                .arg("collect")
                .arg("--config")
                .arg(&config)
                .args(["--format", "json"])
                .arg("--store")
                .arg(&store)
                .arg("--source")
                .arg(source)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let c = collect(&cf, &["--log-format", "cloudfront"]);
    assert_eq!(u(&c["objects"]["ingested"]), DAYS as u64);
    assert_eq!(u(&c["requests"]), cf_times.len() as u64);
    assert_eq!(c["complete_through"], "2026-11-16T11:59:00Z");
    let n = collect(&ng, &nginx);
    assert_eq!(u(&n["objects"]["ingested"]), DAYS as u64);
    assert_eq!(u(&n["requests"]), ng_lines.len() as u64);
    // the store's: the earlier of the two formats'
    assert_eq!(n["complete_through"], "2026-11-16T11:59:00Z");
    let last_nginx = ng_lines.iter().map(|(t, _)| t).max().unwrap();
    assert!(last_nginx.as_str() < now);

    let weeks = [
        "--since",
        "2026-10-24T00:00:00Z",
        "--until",
        "2026-11-14T00:00:00Z",
    ];
    let both = |cmd: &str, fmt: &[&str], opts: &[&str], logs: &Path| {
        let mut args: Vec<&str> = fmt.to_vec();
        args.extend(opts);
        let raw = run(cmd, &config, &args, Err(logs));
        let from = run(cmd, &config, &args, Ok(&store));
        assert_eq!(
            without_input(&raw),
            without_input(&from),
            "{cmd} {args:?}: the store's answer differs from the raw read"
        );
        from
    };
    let cloudfront = ["--log-format", "cloudfront"];
    for (cmd, opts) in [
        ("edge", vec![]),
        (
            "edge",
            [&weeks[..], &["--bucket", "1d", "--top", "3"]].concat(),
        ),
        ("latency", weeks.to_vec()),
        ("errors", vec!["--4xx"]),
        ("traffic", vec!["--bucket", "1d"]),
    ] {
        let a = both(cmd, &cloudfront, &opts, &cf);
        assert_eq!(
            a["input"]["store"]["complete_through"], "2026-11-16T11:59:00Z",
            "{cmd}"
        );
    }
    let edge = both("edge", &cloudfront, &weeks, &cf);
    let expected = lines_in(&cf_times, weeks[1], weeks[3]);
    assert!(expected > 0);
    assert_eq!(u(&edge["requests"]), expected, "edge over the weeks");
    for opts in [
        vec![],
        [&weeks[..], &["--bucket", "1d", "--top", "3"]].concat(),
    ] {
        let a = both("retries", &nginx, &opts, &ng);
        // nginx logs are not delayed: complete through the last minute written
        assert_eq!(
            a["input"]["store"]["complete_through"],
            format!("{}:00Z", &last_nginx[..16]),
            "retries {opts:?}"
        );
    }
    let r = both("retries", &nginx, &weeks, &ng);
    let in_weeks: Vec<&(String, u64)> = ng_lines
        .iter()
        .filter(|(t, _)| t.as_str() >= weeks[1] && t.as_str() < weeks[3])
        .collect();
    assert!(!in_weeks.is_empty());
    assert_eq!(
        u(&r["requests"]),
        in_weeks.len() as u64,
        "retries over the weeks"
    );
    let attempts: u64 = in_weeks.iter().map(|(_, a)| a).sum();
    assert!(
        attempts > in_weeks.len() as u64,
        "some requests were retried"
    );
    assert_eq!(u(&r["attempts"]), attempts, "retries over the weeks");
}

/// API Gateway's access logs (the generator's migration day, CloudWatch export lines): the
/// store answers `slo`, `errors`, `latency`, `traffic` and `gate` as a raw read does, and
/// the counts are the generator's truth.
#[test]
fn api_gateway_logs_from_the_store_equal_a_raw_read() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = hosp_logs()
        .args([
            "generate",
            "-q",
            "--start",
            "2026-11-20T11:30:00Z",
            "--duration",
            "150m",
            "--rate",
            "2",
            "--migration",
            "--out",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(gen.status.success(), "{gen:?}");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("truth.json")).unwrap()).unwrap();
    let truth = &truth["migration"]["apigw"];
    let logs = tmp.path().join("apigw");
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[slo]\n").unwrap();
    let store = tmp.path().join("store");
    let c = json_ok(
        &hosp_logs()
            .arg("collect")
            .arg("--config")
            .arg(&config)
            .args(["--format", "json"])
            .arg("--store")
            .arg(&store)
            .arg("--source")
            .arg(&logs)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&c["objects"]["ingested"]), u(&truth["files"]));
    assert_eq!(u(&c["requests"]), u(&truth["requests"]));
    let fmt = ["--log-format", "apigw"];
    let mut answers = Vec::new();
    for (cmd, opts) in [
        ("slo", vec![]),
        ("errors", vec!["--4xx"]),
        ("latency", vec!["--bucket", "15m"]),
        ("traffic", vec![]),
        ("gate", vec!["--slo", "90", "--max-p99", "600s"]),
    ] {
        let mut args = fmt.to_vec();
        args.extend(&opts);
        let raw = run(cmd, &config, &args, Err(&logs));
        let from = run(cmd, &config, &args, Ok(&store));
        assert_eq!(
            without_input(&raw),
            without_input(&from),
            "apigw {cmd} {opts:?}: the store's answer differs from the raw read"
        );
        assert!(from["input"]["store"]["path"].is_string(), "{cmd}");
        answers.push(from);
    }
    let (slo, errors) = (&answers[0], &answers[1]);
    assert_eq!(u(&slo["requests"]["total"]), u(&truth["requests"]));
    assert_eq!(u(&slo["requests"]["bad"]), u(&truth["errors_5xx"]));
    assert_eq!(u(&errors["total_5xx"]), u(&truth["errors_5xx"]));
    assert_eq!(u(&errors["total_4xx"]), u(&truth["errors_4xx"]));
}

/// A minute with more clients than the store keeps per object and minute (1,000): the top
/// keys are kept exactly, the rest counted as other, and `traffic` from the store says so.
#[test]
fn a_minute_of_more_clients_than_the_store_keeps_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // one ALB line of the fixture day, sent by 1,200 clients in one minute: the first 1,000
    // twice, the last 200 once
    let line = common::fixture_lines()
        .into_iter()
        .find(|l| l.starts_with("https "))
        .unwrap();
    let fields: Vec<&str> = line.splitn(5, ' ').collect();
    let mut text = String::new();
    let mut n = 0u64;
    for i in 0..1200u32 {
        let client = format!("10.{}.{}.1:40000", i / 256, i % 256);
        for _ in 0..if i < 1000 { 2 } else { 1 } {
            let time = format!("2026-11-20T10:00:{:02}.{:06}Z", n % 60, n);
            text.push_str(&format!(
                "{} {time} {} {client} {}\n",
                fields[0], fields[2], fields[4]
            ));
            n += 1;
        }
    }
    assert_eq!(n, 2200);
    std::fs::write(logs.join("busy.log"), text).unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[slo]\n").unwrap();
    let store = tmp.path().join("store");
    let c = json_ok(
        &hosp_logs()
            .arg("collect")
            .arg("--config")
            .arg(&config)
            .args(["--format", "json", "--log-format", "alb"])
            .arg("--store")
            .arg(&store)
            .arg("--source")
            .arg(&logs)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&c["requests"]), n);
    let args = ["--log-format", "alb", "--top", "5"];
    let raw = run("traffic", &config, &args, Err(&logs));
    let from = run("traffic", &config, &args, Ok(&store));
    assert!(raw.get("beyond_store_cap").is_none(), "{raw}");
    let b = &from["beyond_store_cap"];
    assert_eq!(u(&b["keys_per_minute"]), 1000);
    // the 200 clients of one request each are left out of the top table
    assert_eq!(u(&b["other"]["clients"]), 200);
    assert_eq!(u(&b["other"]["endpoints"]), 0);
    // the totals and the top rows are those of the raw read
    assert_eq!(u(&raw["requests"]), n);
    assert_eq!(from["requests"], raw["requests"]);
    assert_eq!(raw["top_clients"].as_array().map(Vec::len), Some(5));
    assert_eq!(from["top_clients"], raw["top_clients"]);
    let table = hosp_logs()
        .arg("traffic")
        .arg("--config")
        .arg(&config)
        .args(args)
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    let table = common::stdout_ok(&table);
    assert!(
        table.contains("keeps the top 1000 keys per object and minute")
            && table.contains("clients 200"),
        "{table}"
    );
}
