//! `--source s3://…` against a real S3 implementation (s3s + s3s-fs) served in-process on
//! 127.0.0.1, with SigV4 checked. A wrapper around the store counts requests and injects
//! faults (throttling, failing and truncated objects, a delay per request, SlowDown above a
//! number of GETs in flight or for a run of GETs).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use serde_json::Value;

mod common;
mod s3_server;
use common::*;
use s3_server::*;

fn local(args: &[&str]) -> Value {
    let day = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/day/AWSLogs")
        .display()
        .to_string();
    let out = hosp_logs()
        .args(args)
        .args(["--source", &day, "--format", "json", "-q"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

const DAY: [&str; 4] = [
    "--since",
    "2026-11-20T00:00:00Z",
    "--until",
    "2026-11-21T00:00:00Z",
];

#[test]
fn s3_results_equal_the_local_folder_and_the_cache_serves_the_second_run() {
    let s = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("s3://{BUCKET}/hosp");
    for cmd in ["slo", "errors", "latency"] {
        let mut args = vec![cmd, "--source", &url];
        args.extend(DAY);
        let (code, remote, err) = s.run(cache.path(), &args);
        assert_eq!(code, 0, "{cmd}: {err}");
        let mut largs = vec![cmd];
        largs.extend(DAY);
        let mut here = local(&largs);
        let mut remote = remote;
        // the inputs differ (paths vs keys, object counters); the answers must not
        remote = common::without_input(&remote);
        here = common::without_input(&here);
        assert_eq!(remote, here, "{cmd} over S3 differs from the local folder");
    }
    // the first command downloaded every object once; the next ones came from the cache
    let gets = s.gets.load(Ordering::SeqCst);
    assert_eq!(gets, 576);
    let mut args = vec!["slo", "--source", url.as_str()];
    args.extend(DAY);
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        gets,
        "a cached run makes no GET"
    );
    let o = &r["input"]["objects"];
    assert_eq!(u(&o["from_cache"]), 576);
    assert_eq!(u(&o["fetched"]), 0);
    // the prefix stopped above AWSLogs: account and region were discovered by listing
    assert_eq!(u(&o["listed"]), 576);
}

#[test]
fn the_window_decides_which_days_are_listed_and_which_keys_are_fetched() {
    let s = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("s3://{BUCKET}/{PREFIX}");
    let (code, r, err) = s.run(
        cache.path(),
        &[
            "slo",
            "--source",
            &url,
            "--since",
            "2026-11-20T14:00:00Z",
            "--until",
            "2026-11-20T15:00:00Z",
            "--no-cache",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let o = &r["input"]["objects"];
    // delivery folders 2026/11/20 and the day after (2026/11/21) are listed: all 576 keys
    assert_eq!(u(&o["listed"]), 576);
    // 13:50Z..15:10Z end times (10 minutes of slack each side), two nodes: 17 intervals
    assert_eq!(u(&o["fetched"]), 34);
    assert_eq!(u(&r["input"]["files"]), 34);
    assert_eq!(u(&o["pruned"]), 576 - 34);
    assert_eq!(s.gets.load(Ordering::SeqCst), 34);
    let here = local(&[
        "slo",
        "--since",
        "2026-11-20T14:00:00Z",
        "--until",
        "2026-11-20T15:00:00Z",
    ]);
    assert_eq!(r["requests"], here["requests"]);
}

#[test]
fn listings_page_past_1000_keys() {
    let s = Server::start();
    // 1,100 one-line objects delivered on 2026-11-19, ALB-named, 5 minutes apart per node
    let dir = s.day_dir("2026/11/19");
    std::fs::create_dir_all(&dir).unwrap();
    let line = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/one-line.log"),
    )
    .unwrap();
    for i in 0..1100u32 {
        let node = i % 4;
        let minute = (i / 4) * 5 % 1440;
        let name = format!(
            "123456789012_elasticloadbalancing_eu-west-1_app.hosp-alb.5e4f3a2b1c0d9e8f_20261119T{:02}{:02}Z_10.0.0.{node}_{i:08}.log",
            minute / 60,
            minute % 60
        );
        std::fs::write(dir.join(name), &line).unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let url = format!("s3://{BUCKET}/hosp/");
    let (code, r, err) = s.run(
        cache.path(),
        &[
            "slo",
            "--source",
            &url,
            "--since",
            "2026-11-19T00:00:00Z",
            "--until",
            "2026-11-19T01:00:00Z",
            "--no-cache",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let o = &r["input"]["objects"];
    // 2026/11/19 (1,100 keys, two pages) and 2026/11/20 (574 keys) are listed
    assert_eq!(u(&o["listed"]), 1100 + 574);
    assert!(
        s.lists.load(Ordering::SeqCst) >= 4,
        "account and region discovery plus paged listings"
    );
    // every one-line object (all dated inside the hour) was read
    assert_eq!(u(&r["requests"]["total"]), u(&o["fetched"]));
    assert!(u(&o["fetched"]) > 0);
}

#[test]
fn throttling_is_retried_and_failed_objects_are_named() {
    let s = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("s3://{BUCKET}/hosp");
    let window = [
        "--since",
        "2026-11-20T14:00:00Z",
        "--until",
        "2026-11-20T14:30:00Z",
        "--no-cache",
        "--max-attempts",
        "3",
    ];

    s.faults.lock().unwrap().throttle_first_get = true;
    let mut args = vec!["slo", "--source", url.as_str()];
    args.extend(window);
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 0, "retries absorb one SlowDown per object: {err}");
    let fetched = u(&r["input"]["objects"]["fetched"]);
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        2 * fetched,
        "each object: one SlowDown, one success"
    );
    assert_eq!(u(&r["input"]["failed_sources"]), 0);

    // one object fails on every attempt: named, counted, exit 1 unless --allow-partial
    let victim = "20261120T1410Z_34.246.120.5";
    let key = std::fs::read_dir(s.day_dir("2026/11/20"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.contains(victim))
        .unwrap();
    {
        let mut f = s.faults.lock().unwrap();
        f.throttle_first_get = false;
        f.broken.insert(format!("{PREFIX}/2026/11/20/{key}"));
    }
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 1, "{err} {}", r["input"]);
    assert!(err.contains("could not be read"), "{err}");
    assert_eq!(u(&r["input"]["failed_sources"]), 1);
    assert!(r["input"]["source_errors"][0]["source"]
        .as_str()
        .unwrap()
        .ends_with(&key));
    let mut partial = args.clone();
    partial.push("--allow-partial");
    let (code, r2, _) = s.run(cache.path(), &partial);
    assert_eq!(code, 0);
    assert_eq!(r2["requests"], r["requests"]);

    // every command that reads logs holds to the same rule
    let out = tempfile::tempdir().unwrap();
    let parquet = out.path().join("x.parquet").display().to_string();
    let report = out.path().join("report").display().to_string();
    let commands: [&[&str]; 6] = [
        &["errors"],
        &["security"],
        &["audit", "--summary"],
        &["query", "SELECT count(*) AS n FROM logs"],
        &["export", "--to", "parquet", "--out", &parquet],
        &["report", "--out", &report],
    ];
    for cmd in commands {
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend(["--source", url.as_str()]);
        args.extend(window);
        let (code, _, err) = s.run(cache.path(), &args);
        assert_eq!(code, 1, "{cmd:?}: {err}");
        assert!(err.contains("could not be read"), "{cmd:?}: {err}");
        args.push("--allow-partial");
        let (code, _, err) = s.run(cache.path(), &args);
        assert_eq!(code, 0, "{cmd:?} --allow-partial: {err}");
    }
}

#[test]
fn a_truncated_object_keeps_its_lines_and_is_reported_with_its_key() {
    let s = Server::start();
    let dir = s.day_dir("2026/11/20");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.contains("20261120T1405Z"))
        .unwrap();
    let path = dir.join(&name);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("s3://{BUCKET}/hosp");
    let (code, r, err) = s.run(
        cache.path(),
        &[
            "slo",
            "--source",
            &url,
            "--since",
            "2026-11-20T14:00:00Z",
            "--until",
            "2026-11-20T14:10:00Z",
            "--allow-partial",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let errors = r["input"]["source_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["source"].as_str().unwrap().ends_with(&name));
    assert!(u(&r["input"]["lines"]) > 0);
}

#[test]
fn fetch_copies_a_window_once_in_the_same_layout() {
    let s = Server::start();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("copy");
    let url = format!("s3://{BUCKET}/hosp");
    let fetch = |extra: &[&str]| {
        let o = s
            .command(
                work.path(),
                &[
                    "fetch",
                    &url,
                    "--since",
                    "2026-11-20T14:00:00Z",
                    "--until",
                    "2026-11-20T15:00:00Z",
                    "--out",
                    out.to_str().unwrap(),
                ],
            )
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let first = fetch(&[]);
    assert_eq!(u(&first["written"]), 34);
    assert_eq!(u(&first["present"]), 0);
    assert_eq!(s.gets.load(Ordering::SeqCst), 34);
    let again = fetch(&[]);
    assert_eq!(u(&again["written"]), 0);
    assert_eq!(u(&again["present"]), 34);
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        34,
        "present objects are not downloaded again"
    );
    // the copy keeps the S3 layout and reads like the bucket
    assert!(out.join(PREFIX).join("2026/11/20").is_dir());
    let copy = out.display().to_string();
    let window = [
        "--since",
        "2026-11-20T14:00:00Z",
        "--until",
        "2026-11-20T15:00:00Z",
    ];
    let mut args = vec!["slo", "--format", "json", "-q", "--source", copy.as_str()];
    args.extend(window);
    let here: Value =
        serde_json::from_slice(&hosp_logs().args(&args).output().unwrap().stdout).unwrap();
    let mut largs = vec!["slo"];
    largs.extend(window);
    assert_eq!(here["requests"], local(&largs)["requests"]);
}

#[test]
fn athena_max_scan_refuses_a_query_from_the_size_of_its_delivery_folders() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("hosp-logs.toml");
    std::fs::write(
        &config,
        format!("[athena]\nlocation = \"s3://{BUCKET}/{PREFIX}/\"\n"),
    )
    .unwrap();
    // what Athena would read for 2026-11-20: that day's folder and the next (delivery +1)
    let expected: u64 = ["2026/11/20", "2026/11/21"]
        .iter()
        .flat_map(|d| std::fs::read_dir(server.day_dir(d)).unwrap())
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let args = |limit: &'static str| {
        vec![
            "--config".to_string(),
            config.display().to_string(),
            "slo".into(),
            "--engine".into(),
            "athena".into(),
            "--since".into(),
            "2026-11-20T00:00:00Z".into(),
            "--until".into(),
            "2026-11-21T00:00:00Z".into(),
            "--max-scan".into(),
            limit.into(),
            // nothing listens there: a query that got past the guard fails to start
            "--athena-endpoint-url".into(),
            "http://127.0.0.1:9".into(),
        ]
    };
    let small = args("100KB");
    let (code, _, err) = server.run(
        cache.path(),
        &small.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("scan about {expected} bytes"))
            && err.contains("over --max-scan 100000"),
        "{err}"
    );
    assert_eq!(
        server.gets.load(Ordering::SeqCst),
        0,
        "listed, never downloaded"
    );
    let big = args("1GB");
    let (code, _, err) = server.run(
        cache.path(),
        &big.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Athena refused the query"),
        "the guard let it through: {err}"
    );
}

// ---- CloudFront: keys pruned by the hour in their names ----

/// The fixture day's CloudFront files, by name.
fn edge_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(fixture_edge()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The hour in a CloudFront file name (`E2HOSP0EXAMPLE.2026-11-20-09.X.gz` → "09").
fn hour_of(p: &Path) -> String {
    let name = p.file_name().unwrap().to_str().unwrap();
    name.split('.').nth(1).unwrap()[11..].to_string()
}

impl Server {
    /// The fixture's CloudFront log under `s3://alb-logs/cf/` (the legacy layout) and under
    /// `s3://alb-logs/v2/AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/2026/11/20/HH/` (v2's
    /// partitions).
    fn add_cloudfront(&self) {
        let bucket = self.root.path().join(BUCKET);
        for f in edge_files() {
            let name = f.file_name().unwrap();
            let legacy = bucket.join("cf");
            let v2 = bucket
                .join("v2/AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/2026/11/20")
                .join(hour_of(&f));
            for dir in [legacy, v2] {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::copy(&f, dir.join(name)).unwrap();
            }
        }
    }
}

fn local_edge(args: &[&str]) -> Value {
    json_ok(
        &hosp_logs()
            .args(args)
            .args(["--source", &fixture_edge(), "--format", "json", "-q"])
            .output()
            .unwrap(),
    )
}

const NINE_TO_ELEVEN: [&str; 4] = [
    "--since",
    "2026-11-20T09:00:00Z",
    "--until",
    "2026-11-20T11:00:00Z",
];

#[test]
fn cloudfront_keys_are_pruned_by_the_hour_in_their_names() {
    let s = Server::start();
    s.add_cloudfront();
    let cache = tempfile::tempdir().unwrap();
    let all = edge_files();
    let in_window = all
        .iter()
        .filter(|f| ["09", "10"].contains(&hour_of(f).as_str()))
        .count() as u64;
    assert_eq!(in_window, 4, "two files an hour");
    // --log-format auto: the prefix's objects are CloudFront-named
    let url = format!("s3://{BUCKET}/cf");
    let mut args = vec!["edge", "--source", url.as_str(), "--no-cache"];
    args.extend(NINE_TO_ELEVEN);
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 0, "{err}");
    let o = &r["input"]["objects"];
    assert_eq!(u(&o["listed"]), all.len() as u64);
    assert_eq!(u(&o["fetched"]), in_window);
    assert_eq!(u(&o["pruned"]), all.len() as u64 - in_window);
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        in_window,
        "listed, not downloaded"
    );
    assert_eq!(r["input"]["formats"]["cloudfront"], in_window);
    let mut here = local_edge(&[&["edge"][..], &NINE_TO_ELEVEN].concat());
    let mut remote = r;
    remote = common::without_input(&remote);
    here = common::without_input(&here);
    assert_eq!(remote, here, "edge over S3 differs from the local folder");
}

#[test]
fn cloudfront_v2_date_folders_are_listed_only_around_the_window() {
    let s = Server::start();
    s.add_cloudfront();
    let cache = tempfile::tempdir().unwrap();
    // the prefix says CloudFront; its date folders from 09:00 to a day past 11:00 are listed
    let url = format!("s3://{BUCKET}/v2");
    let mut args = vec!["slo", "--source", url.as_str(), "--no-cache"];
    args.extend(NINE_TO_ELEVEN);
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 0, "{err}");
    let o = &r["input"]["objects"];
    let listed = edge_files()
        .iter()
        .filter(|f| hour_of(f).as_str() >= "09")
        .count() as u64;
    assert_eq!(
        u(&o["listed"]),
        listed,
        "hour folders 09..23: files up to 24 h late"
    );
    assert_eq!(u(&o["fetched"]), 4);
    let here = local_edge(&[&["slo"][..], &NINE_TO_ELEVEN].concat());
    assert_eq!(r["requests"], here["requests"]);
    // the ALB prefix beside it is still read as ALB
    let alb = format!("s3://{BUCKET}/hosp");
    let mut args = vec!["slo", "--source", alb.as_str(), "--no-cache"];
    args.extend(NINE_TO_ELEVEN);
    let (code, r, err) = s.run(cache.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(r["input"]["formats"]["alb"].as_u64().unwrap() > 0);
    assert!(r["input"]["formats"].get("cloudfront").is_none());
}

#[test]
fn fetch_copies_a_cloudfront_window() {
    let s = Server::start();
    s.add_cloudfront();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("copy");
    let url = format!("s3://{BUCKET}/cf");
    let mut args = vec!["fetch", url.as_str(), "--out", out.to_str().unwrap()];
    args.extend(NINE_TO_ELEVEN);
    let o = s.command(work.path(), &args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(u(&summary["written"]), 4);
    let copied = std::fs::read_dir(out.join("cf")).unwrap().count();
    assert_eq!(copied, 4);
}

/// `slo` over the fixture day from the server, without cache; the answer without `input`.
fn slo_day(s: &Server, home: &Path, extra: &[&str]) -> (Value, Value) {
    let url = format!("s3://{BUCKET}/hosp");
    let mut args = vec!["slo", "--source", url.as_str(), "--no-cache"];
    args.extend(DAY);
    args.extend(extra);
    let (code, r, err) = s.run(home, &args);
    assert_eq!(code, 0, "{err}");
    let input = r["input"].clone();
    (common::without_input(&r), input)
}

fn local_slo_day() -> Value {
    let mut args = vec!["slo"];
    args.extend(DAY);
    let mut here = local(&args);
    here = common::without_input(&here);
    here
}

#[test]
fn requests_in_flight_rise_with_the_round_trip_and_the_answer_is_unchanged() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    s.faults.lock().unwrap().delay = std::time::Duration::from_millis(50);
    let (answer, input) = slo_day(&s, home.path(), &[]);
    assert_eq!(
        answer,
        local_slo_day(),
        "slo over S3 differs from the local read"
    );
    let o = &input["objects"];
    assert_eq!(u(&o["fetched"]), 576);
    assert_eq!(s.gets.load(Ordering::SeqCst), 576, "each object once");
    let f = &o["in_flight"];
    assert_eq!(u(&f["start"]), 32);
    assert_eq!(u(&f["cap"]), 128, "--concurrency's default");
    // every GET waits 50 ms: the rate grows with the limit, so the limit grows past its start,
    // and the server saw more than 32 GETs at once (its own count)
    assert!(u(&f["peak_limit"]) > 32, "{f}");
    let seen = s.in_flight.peak.load(Ordering::SeqCst);
    assert!(seen > 32, "server saw at most {seen} GETs at once: {f}");
    assert!(seen <= 128, "never above --concurrency: {seen}");
    // the client counts a GET from its start, the server from its arrival
    assert!(u(&f["peak"]) >= seen, "{f}");
    assert_eq!(u(&f["throttled"]), 0);

    // --concurrency stays the cap
    let before = s.gets.load(Ordering::SeqCst);
    s.in_flight.peak.store(0, Ordering::SeqCst);
    let (answer, input) = slo_day(&s, home.path(), &["--concurrency", "6"]);
    assert_eq!(answer, local_slo_day());
    let f = &input["objects"]["in_flight"];
    assert_eq!((u(&f["start"]), u(&f["peak_limit"])), (6, 6), "{f}");
    assert!(s.in_flight.peak.load(Ordering::SeqCst) <= 6);
    assert_eq!(s.gets.load(Ordering::SeqCst) - before, 576);
}

#[test]
fn requests_in_flight_fall_on_slowdown_and_the_answer_is_unchanged() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    {
        let mut f = s.faults.lock().unwrap();
        f.delay = std::time::Duration::from_millis(20);
        // S3 throttles the prefix above 12 GETs at once
        f.slowdown_above = Some(12);
    }
    let (answer, input) = slo_day(&s, home.path(), &[]);
    assert_eq!(
        answer,
        local_slo_day(),
        "slo over S3 differs from the local read"
    );
    let o = &input["objects"];
    assert_eq!(u(&input["failed_sources"]), 0, "{input}");
    assert_eq!(u(&o["fetched"]), 576);
    let slowdowns = s.in_flight.slowdowns.load(Ordering::SeqCst);
    assert!(slowdowns > 0, "the start (32) is above 12");
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        576 + slowdowns,
        "every SlowDown retried once more"
    );
    let f = &o["in_flight"];
    assert_eq!(u(&f["throttled"]), slowdowns, "{f}");
    assert!(u(&f["backoffs"]) >= 1, "{f}");
    // the limit fell below its start and stayed there (halved on SlowDown, then growing by an
    // eighth a round, halved again past 12)
    assert_eq!(u(&f["start"]), 32);
    assert!(u(&f["last_limit"]) < 32, "{f}");
    assert!(u(&f["last_limit"]) <= 24, "{f}");
    // far fewer SlowDowns than GETs: the client stopped asking for more than S3 allows
    assert!(slowdowns * 4 < 576, "{slowdowns} SlowDowns: {f}");
}

#[test]
fn gets_start_while_the_listing_pages_and_the_answer_is_unchanged() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    {
        let mut f = s.faults.lock().unwrap();
        f.delay = std::time::Duration::from_millis(50);
        // 50 keys a page: the delivery day 2026/11/20 (574 keys) takes 12 pages, one after
        // another, 50 ms each
        f.list_page = Some(50);
    }
    let (answer, input) = slo_day(&s, home.path(), &[]);
    assert_eq!(
        answer,
        local_slo_day(),
        "slo over S3 differs from the local read"
    );
    let o = &input["objects"];
    assert_eq!(u(&o["listed"]), 576);
    assert_eq!(u(&o["fetched"]), 576);
    // the objects downloaded during the listing were read, not downloaded again
    assert_eq!(s.gets.load(Ordering::SeqCst), 576, "each object once");
    let log = s.log.lock().unwrap().clone();
    let day = format!("{PREFIX}/2026/11/20/");
    let pages: Vec<std::time::Instant> = log
        .iter()
        .filter_map(|l| match l {
            Logged::ListAnswered { at, prefix, .. } if *prefix == day => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(pages.len(), 574usize.div_ceil(50), "{log:?}");
    let last_page = *pages.last().unwrap();
    let gets: Vec<std::time::Instant> = log
        .iter()
        .filter_map(|l| match l {
            Logged::GetArrived { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(gets.len(), 576);
    let early = gets.iter().filter(|&&t| t < last_page).count();
    // the first page's 50 objects were asked for as soon as it arrived, up to the limit at
    // the start (32), some 500 ms before the last page
    assert!(
        early >= 32,
        "{early} GETs arrived before the day's last page was answered"
    );
}

#[test]
fn the_days_are_listed_at_once_and_their_gets_start_before_the_listing_ends() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    // three days of objects: the fixture day and two copies of it on the days before
    let (objects, days) = s.add_objects(3 * 576);
    assert_eq!((objects, days), (1728, 3));
    {
        let mut f = s.faults.lock().unwrap();
        f.delay = std::time::Duration::from_millis(50);
        // 100 keys a page: every delivery day with objects takes several pages
        f.list_page = Some(100);
    }
    let window = [
        "--since",
        "2026-11-18T00:00:00Z",
        "--until",
        "2026-11-21T00:00:00Z",
    ];
    let url = format!("s3://{BUCKET}/hosp");
    let mut args = vec!["slo", "--source", url.as_str(), "--no-cache"];
    args.extend(window);
    let (code, r, err) = s.run(home.path(), &args);
    assert_eq!(code, 0, "{err}");
    // the same objects read from the server's own folder
    let folder = s.day_dir("").display().to_string();
    let out = hosp_logs()
        .args(["slo", "--source", &folder, "--format", "json", "-q"])
        .args(window)
        .output()
        .unwrap();
    let here: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        common::without_input(&r),
        common::without_input(&here),
        "slo over S3 differs from the local read of the same objects"
    );
    assert_eq!(u(&r["input"]["objects"]["fetched"]), 1728);
    assert_eq!(s.gets.load(Ordering::SeqCst), 1728, "each object once");
    // the delivery days 2026/11/18 to 2026/11/21 hold objects: listed at once, not one
    // after another (their LISTs overlapped at the server)
    let lists_at_once = s.listing.peak.load(Ordering::SeqCst);
    assert!(lists_at_once >= 4, "at most {lists_at_once} LISTs at once");
    // the first GET arrived before the last LIST page was answered
    let log = s.log.lock().unwrap().clone();
    let first_get = log
        .iter()
        .position(|l| matches!(l, Logged::GetArrived { .. }))
        .unwrap();
    let last_page = log
        .iter()
        .rposition(|l| matches!(l, Logged::ListAnswered { .. }))
        .unwrap();
    assert!(first_get < last_page, "{log:?}");
}

/// Not a test: the server scripts/bench-s3.sh reads from (`--ignored`). Serves
/// S3_BENCH_OBJECTS objects (the fixture day and copies of it on the days before, see
/// `Server::add_objects`) with S3_BENCH_DELAY_MS per request, writes its endpoint and the
/// window's first day (`ENDPOINT SINCE`) to S3_BENCH_ENDPOINT and stops when that file is
/// removed.
#[test]
#[ignore]
fn bench_server() {
    let Some(endpoint_file) = std::env::var_os("S3_BENCH_ENDPOINT") else {
        return;
    };
    let s = Server::start();
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    let ms: u64 = env("S3_BENCH_DELAY_MS").unwrap_or(0);
    let (objects, days) = s.add_objects(env("S3_BENCH_OBJECTS").unwrap_or(0));
    {
        let mut f = s.faults.lock().unwrap();
        f.delay = std::time::Duration::from_millis(ms);
        f.list_page = env("S3_BENCH_LIST_PAGE");
    }
    eprintln!("serving {objects} objects over {days} delivery day(s), {ms} ms a request");
    // the window: the days served, ending when the fixture day ends
    let since = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
        - chrono::Duration::days(i64::from(days));
    let tmp = PathBuf::from(&endpoint_file).with_extension("tmp");
    std::fs::write(&tmp, format!("{} {since}T00:00:00Z\n", s.endpoint)).unwrap();
    std::fs::rename(&tmp, &endpoint_file).unwrap();
    while Path::new(&endpoint_file).exists() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!(
        "served {} GETs, at most {} at once",
        s.gets.load(Ordering::SeqCst),
        s.in_flight.peak.load(Ordering::SeqCst)
    );
}

/// The keys of an SLO answer that must be equal, store or raw (as tests/store.rs has them).
const SLO_SAME: [&str; 9] = [
    "requests",
    "success_rate",
    "met",
    "error_budget",
    "burn_rate",
    "burn_rate_alerts",
    "periods",
    "window",
    "latency_threshold_ms",
];

#[test]
fn collect_reads_s3_objects_once_by_etag_and_replaces_a_changed_one() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("store").display().to_string();
    let url = format!("s3://{BUCKET}/hosp");
    let mut collect = vec![
        "collect",
        "--source",
        url.as_str(),
        "--store",
        &store,
        "--no-cache",
    ];
    collect.extend(DAY);
    let mut from_store = vec!["slo", "--store", store.as_str()];
    from_store.extend(DAY);
    let mut raw = vec!["slo", "--source", url.as_str(), "--no-cache"];
    raw.extend(DAY);
    let assert_same = |what: &str| {
        let (code, stored, err) = s.run(home.path(), &from_store);
        assert_eq!(code, 0, "{err}");
        let (code, read, err) = s.run(home.path(), &raw);
        assert_eq!(code, 0, "{err}");
        assert!(u(&read["requests"]["total"]) > 0);
        for key in SLO_SAME {
            assert_eq!(stored[key], read[key], "{what}: {key} differs");
        }
    };

    let (code, first, err) = s.run(home.path(), &collect);
    assert_eq!(code, 0, "{err}");
    let o = &first["objects"];
    assert_eq!(
        (u(&o["seen"]), u(&o["ingested"]), u(&o["unchanged"])),
        (576, 576, 0),
        "{first}"
    );
    assert_eq!(s.gets.load(Ordering::SeqCst), 576, "each object one GET");
    assert_same("first collect");

    // again: the listing says every object is known (same key, ETag, size): LIST only
    s.got.lock().unwrap().clear();
    let (gets, lists) = (
        s.gets.load(Ordering::SeqCst),
        s.lists.load(Ordering::SeqCst),
    );
    let (code, again, err) = s.run(home.path(), &collect);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        gets,
        "no GET of a known object"
    );
    assert!(s.lists.load(Ordering::SeqCst) > lists);
    let o = &again["objects"];
    assert_eq!(
        (
            u(&o["seen"]),
            u(&o["ingested"]),
            u(&o["unchanged"]),
            u(&o["replaced"])
        ),
        (576, 0, 576, 0),
        "{again}"
    );
    assert_eq!(u(&again["requests"]), 0);

    // one object rewritten with its first half of lines: a new ETag, read once, replacing
    // the old object's contribution
    let dir = s.day_dir("2026/11/20");
    let victim = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".log.gz"))
        .min()
        .unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&victim).unwrap()),
        &mut text,
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "{}", victim.display());
    let kept = lines[..lines.len() / 2].join("\n") + "\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, kept.as_bytes()).unwrap();
    std::fs::write(&victim, gz.finish().unwrap()).unwrap();
    let name = victim.file_name().unwrap().to_string_lossy().into_owned();

    s.got.lock().unwrap().clear();
    let (code, changed, err) = s.run(home.path(), &collect);
    assert_eq!(code, 0, "{err}");
    let got = s.got.lock().unwrap().clone();
    assert_eq!(
        got.len(),
        1,
        "only the changed object is downloaded: {got:?}"
    );
    assert!(got[0].ends_with(&name), "{got:?}");
    let o = &changed["objects"];
    assert_eq!(
        (u(&o["ingested"]), u(&o["unchanged"]), u(&o["replaced"])),
        (1, 575, 1),
        "{changed}"
    );
    assert_eq!(u(&changed["requests"]), (lines.len() / 2) as u64);
    assert_same("after the changed object");

    // an answer from the store with the S3 source as well: it collects what the store has not
    // seen (nothing here: no GET), then answers as the raw read does
    let gets = s.gets.load(Ordering::SeqCst);
    let mut both = vec![
        "slo",
        "--store",
        store.as_str(),
        "--source",
        url.as_str(),
        "--no-cache",
    ];
    both.extend(DAY);
    let (code, answer, err) = s.run(home.path(), &both);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        gets,
        "no GET of a known object"
    );
    let (_, read, _) = s.run(home.path(), &raw);
    for key in SLO_SAME {
        assert_eq!(answer[key], read[key], "store with --source: {key} differs");
    }
}

#[test]
fn a_burst_of_slowdown_at_full_flight_is_retried_not_failed() {
    // the limit grows to 128 under a 50 ms delay; then 128 GETs in a row are answered
    // SlowDown: each must be retried (the SDK's default retry quota holds 100 retries at
    // once; the client's quota is sized to --concurrency), and the answer is the local one
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    {
        let mut f = s.faults.lock().unwrap();
        f.delay = std::time::Duration::from_millis(50);
        f.slowdown_arrivals = Some((300, 128));
    }
    let (answer, input) = slo_day(&s, home.path(), &[]);
    assert_eq!(u(&input["failed_sources"]), 0, "{input}");
    assert_eq!(answer, local_slo_day());
    let f = &input["objects"]["in_flight"];
    assert_eq!(u(&f["throttled"]), 128, "{f}");
    assert!(u(&f["peak_limit"]) >= 128, "{f}");
    assert!(u(&f["backoffs"]) >= 1, "{f}");
    assert_eq!(s.gets.load(Ordering::SeqCst), 576 + 128);
}
