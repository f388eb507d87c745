//! The store (`collect`, `slo --store`, `store info|prune`): answers equal a raw read of the
//! same objects exactly, each object counts once, and a killed or concurrent collect leaves
//! the numbers of one clean run.

mod common;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use common::{
    copy_tree, fixture_config, fixture_day, fixture_edge, hosp_logs, json_ok, log_files,
    random_split, root, store_info, u,
};
use serde_json::Value;

/// The keys of an SLO answer that must be equal, store or raw.
const SAME: [&str; 9] = [
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

fn slo_raw(sources: &[&str], extra: &[&str]) -> Value {
    let mut cmd = hosp_logs();
    cmd.args(["slo", "--config", &fixture_config(), "--format", "json"]);
    for s in sources {
        cmd.args(["--source", s]);
    }
    json_ok(&cmd.args(extra).output().unwrap())
}

fn slo_store(store: &Path, extra: &[&str]) -> Value {
    json_ok(
        &hosp_logs()
            .args(["slo", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(store)
            .args(extra)
            .output()
            .unwrap(),
    )
}

fn collect(store: &Path, sources: &[PathBuf], extra: &[&str]) -> Value {
    let mut cmd = hosp_logs();
    cmd.args(["collect", "--config", &fixture_config(), "--format", "json"])
        .arg("--store")
        .arg(store);
    for s in sources {
        cmd.arg("--source").arg(s);
    }
    json_ok(&cmd.args(extra).output().unwrap())
}

fn assert_same(raw: &Value, store: &Value, what: &str) {
    for key in SAME {
        assert_eq!(raw[key], store[key], "{what}: {key} differs");
    }
    assert!(u(&raw["requests"]["total"]) > 0, "{what}: nothing read");
}

fn alb_files() -> Vec<PathBuf> {
    log_files(&root().join("fixtures/day/AWSLogs"))
}

#[test]
fn the_fixture_day_from_the_store_equals_a_raw_read() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let alb = PathBuf::from(fixture_day());
    let edge = PathBuf::from(fixture_edge());
    let first = collect(&store, &[alb.clone(), edge.clone()], &[]);
    let files = alb_files().len() as u64 + 48;
    assert_eq!(u(&first["objects"]["seen"]), files);
    assert_eq!(u(&first["objects"]["ingested"]), files);
    assert_eq!(u(&first["objects"]["unchanged"]), 0);
    // the ALB hop (--hop lb) and the edge (the outermost hop, the default with [[hops]])
    let raw_alb = slo_raw(&[&fixture_day()], &[]);
    let raw_edge = slo_raw(&[&fixture_edge()], &[]);
    assert_eq!(
        u(&first["requests"]),
        u(&raw_alb["requests"]["total"]) + u(&raw_edge["requests"]["total"])
    );
    let alb_answer = slo_store(&store, &["--hop", "lb"]);
    assert_same(&raw_alb, &alb_answer, "alb");
    assert_eq!(alb_answer["hop"]["name"], "lb");
    assert_eq!(u(&alb_answer["input"]["store"]["objects"]), files - 48);
    assert_eq!(u(&alb_answer["input"]["store"]["ingested"]), 0);
    assert_eq!(alb_answer["input"]["lines"], raw_alb["input"]["lines"]);
    assert_eq!(
        alb_answer["input"]["malformed"],
        raw_alb["input"]["malformed"]
    );
    assert_same(&raw_edge, &slo_store(&store, &[]), "cloudfront");
    // the status classes a tool reading the database sums: with no latency threshold the
    // 5xx are the SLO's bad requests, and the classes together its valid ones
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    for (format, raw) in [("alb", &raw_alb), ("cloudfront", &raw_edge)] {
        let (classes, fives, total): (i64, i64, i64) = conn
            .query_row(
                "SELECT sum(status_1xx + status_2xx + status_3xx + status_4xx + status_5xx),
                 sum(status_5xx), sum(total)
                 FROM slo_minutes s JOIN objects o ON o.id = s.object_id WHERE o.format = ?1",
                [format],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(classes as u64, u(&raw["requests"]["valid"]), "{format}");
        assert_eq!(fives as u64, u(&raw["requests"]["bad"]), "{format}");
        assert_eq!(total as u64, u(&raw["requests"]["total"]), "{format}");
    }
    drop(conn);
    // a window that starts and ends mid-minute
    let w = [
        "--since",
        "2026-11-20T06:00:17Z",
        "--until",
        "2026-11-20T18:29:43Z",
    ];
    let raw = slo_raw(&[&fixture_day()], &w);
    let mut args = vec!["--hop", "lb"];
    args.extend(w);
    assert_same(&raw, &slo_store(&store, &args), "alb, mid-minute window");
    // with the SLO's other settings, the stored counts would be wrong: refused
    let out = hosp_logs()
        .args([
            "slo",
            "--config",
            &fixture_config(),
            "--latency-threshold",
            "250ms",
        ])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no latency threshold") && err.contains("250"),
        "{err}"
    );

    // collecting again reads nothing and changes nothing
    let again = collect(&store, &[alb, edge], &[]);
    assert_eq!(u(&again["objects"]["ingested"]), 0);
    assert_eq!(u(&again["objects"]["unchanged"]), files);
    assert_eq!(u(&again["requests"]), 0);
    assert_same(
        &raw_alb,
        &slo_store(&store, &["--hop", "lb"]),
        "after a second collect",
    );

    // the same files under another path are the same objects
    let copy = tmp.path().join("copy");
    copy_tree(&root().join("fixtures/day/AWSLogs"), &copy);
    let moved = collect(&store, &[copy], &[]);
    assert_eq!(u(&moved["objects"]["ingested"]), 0);
    assert_eq!(u(&moved["objects"]["unchanged"]), files - 48);
    assert_same(
        &raw_alb,
        &slo_store(&store, &["--hop", "lb"]),
        "after a copy",
    );

    let info = store_info(&store);
    assert_eq!(u(&info["objects"]), files);
    assert_eq!(info["schema_version"], 3);
    assert!(u(&info["size_bytes"]) > 0);
    assert_eq!(info["first_minute"], "2026-11-20T00:00:00Z");
}

/// The `--latency-threshold` the store was collected with is the one it answers.
#[test]
fn a_store_collected_with_a_latency_threshold_answers_it_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(
        &store,
        &[PathBuf::from(fixture_day())],
        &["--latency-threshold", "250ms"],
    );
    let raw = slo_raw(&[&fixture_day()], &["--latency-threshold", "250ms"]);
    let from = slo_store(&store, &["--hop", "lb", "--latency-threshold", "250ms"]);
    assert_same(&raw, &from, "250ms");
    // the threshold matters on this day: fewer good requests than without it
    let plain = slo_raw(&[&fixture_day()], &[]);
    assert!(u(&raw["requests"]["good"]) < u(&plain["requests"]["good"]));
}

/// Plain ALB lines of the fixture day, decompressed here.
fn alb_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for f in alb_files() {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        lines.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    lines
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut f = std::fs::File::create(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

#[test]
fn a_file_whose_content_changed_replaces_its_earlier_contribution() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let lines = alb_lines();
    write_lines(&logs.join("a.log"), &lines[..4000]);
    write_lines(&logs.join("b.log"), &lines[4000..9000]);
    let store = tmp.path().join("store");
    let first = collect(&store, std::slice::from_ref(&logs), &[]);
    assert_eq!(u(&first["requests"]), 9000);
    // a.log now holds fewer lines (and one more): the old a.log must not count any more
    let mut changed: Vec<String> = lines[..2500].to_vec();
    changed.push(lines[20_000].clone());
    write_lines(&logs.join("a.log"), &changed);
    let second = collect(&store, std::slice::from_ref(&logs), &[]);
    assert_eq!(u(&second["objects"]["ingested"]), 1);
    assert_eq!(u(&second["objects"]["unchanged"]), 1);
    assert_eq!(u(&second["objects"]["replaced"]), 1);
    assert_eq!(u(&second["requests"]), 2501);
    let raw = slo_raw(&[logs.to_str().unwrap()], &[]);
    assert_eq!(u(&raw["requests"]["total"]), 7501);
    assert_same(
        &raw,
        &slo_store(&store, &["--log-format", "alb", "--hop", "lb"]),
        "changed",
    );
}

/// A small deterministic generator (the test's own; no dependency on the code under test).
#[test]
fn any_split_of_the_objects_over_several_collects_gives_the_same_answer() {
    let raw = slo_raw(&[&fixture_day()], &[]);
    let files = alb_files();
    for seed in [1u64, 7, 42] {
        // 2 to 5 collects of uneven sizes, some objects given twice
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("s");
        let mut ingested = 0;
        for group in random_split(&files, seed, 4) {
            let out = collect(&store, &group, &[]);
            ingested += u(&out["objects"]["ingested"]);
        }
        assert_eq!(ingested, files.len() as u64, "seed {seed}");
        assert_same(
            &raw,
            &slo_store(&store, &["--hop", "lb"]),
            &format!("seed {seed}"),
        );
    }
}

fn spawn_collect(store: &Path, stall: bool) -> std::process::Child {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_hosp-logs"));
    cmd.args(["collect", "--config", &fixture_config(), "--quiet"])
        .arg("--store")
        .arg(store)
        .args(["--source", &fixture_day(), "--threads", "1"])
        .env_remove("HOSP_LOGS_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if stall {
        cmd.env("HOSP_LOGS_TEST_STALL_COLLECT", "1");
    }
    cmd.spawn().unwrap()
}

fn objects_in(store: &Path) -> u64 {
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    // a collect killed before it made the schema leaves a database without tables
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'objects'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if tables == 0 {
        return 0;
    }
    let n: i64 = conn
        .query_row("SELECT count(*) FROM objects", [], |r| r.get(0))
        .unwrap();
    n as u64
}

#[test]
fn a_collect_killed_at_any_point_then_run_again_leaves_the_numbers_of_one_clean_run() {
    let raw = slo_raw(&[&fixture_day()], &[]);
    let all = alb_files().len() as u64;
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let mut seen_partial = false;
    for wait_ms in [150u64, 700, 1500, 3000] {
        let mut child = spawn_collect(&store, true);
        std::thread::sleep(Duration::from_millis(wait_ms));
        // SIGKILL: no handler, no cleanup
        child.kill().unwrap();
        child.wait().unwrap();
        if store.join("store.sqlite").exists() {
            let n = objects_in(&store);
            assert!(n <= all);
            seen_partial |= n > 0 && n < all;
        }
    }
    assert!(seen_partial, "no kill fell in the middle of a collect");
    let done = collect(&store, &[PathBuf::from(fixture_day())], &[]);
    assert_eq!(
        u(&done["objects"]["ingested"]) + u(&done["objects"]["unchanged"]),
        all
    );
    assert_eq!(objects_in(&store), all);
    assert_same(&raw, &slo_store(&store, &["--hop", "lb"]), "after kills");
}

#[test]
fn a_second_collect_on_a_busy_store_waits_then_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let mut first = spawn_collect(&store, true);
    // the first holds the lock once it has made the store
    let start = std::time::Instant::now();
    while !store.join("store.sqlite").exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = hosp_logs()
        .args(["collect", "--config", &fixture_config(), "--wait", "1s"])
        .arg("--store")
        .arg(&store)
        .args(["--source", &fixture_day()])
        .output()
        .unwrap();
    let waited = start.elapsed();
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another collect is writing to it"), "{err}");
    assert!(err.contains(&store.display().to_string()), "{err}");
    assert!(waited >= Duration::from_secs(1));
}

#[test]
fn a_damaged_store_or_one_of_another_version_is_named_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("store.sqlite"), vec![b'x'; 8192]).unwrap();
    for cmd in [
        vec!["slo", "--hop", "lb"],
        vec!["collect", "--source", "fixtures/day/AWSLogs"],
        vec!["store", "info"],
    ] {
        let out = hosp_logs()
            .current_dir(root())
            .args(["--config", &fixture_config()])
            .args(&cmd)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("store.sqlite")
                && err.contains("not a hosp-logs store")
                && err.contains("store rebuild"),
            "{cmd:?}: {err}"
        );
    }
    // rebuild moves the damaged file aside and collects again
    let rebuilt = json_ok(
        &hosp_logs()
            .args(["--config", &fixture_config()])
            .args(["store", "rebuild", "--format", "json"])
            .arg("--store")
            .arg(&store)
            .args(["--source", &fixture_day()])
            .output()
            .unwrap(),
    );
    assert_eq!(u(&rebuilt["objects"]["ingested"]), alb_files().len() as u64);
    let kept: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store.sqlite.broken-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(store.join(&kept[0])).unwrap(),
        vec![b'x'; 8192]
    );
    assert_same(
        &slo_raw(&[&fixture_day()], &[]),
        &slo_store(&store, &["--hop", "lb"]),
        "rebuilt",
    );
    // a store written by another version
    let other = tmp.path().join("o");
    collect(&other, &[alb_files()[0].clone()], &[]);
    let conn = rusqlite::Connection::open(other.join("store.sqlite")).unwrap();
    conn.execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    drop(conn);
    let out = hosp_logs()
        .args(["slo", "--config", &fixture_config(), "--hop", "lb"])
        .arg("--store")
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema version 99") && err.contains("new --store"),
        "{err}"
    );
}

#[test]
fn slo_with_source_collects_what_the_store_has_not_seen_then_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let files = alb_files();
    let half = files.len() / 2;
    collect(&store, &files[..half], &[]);
    let out = json_ok(
        &hosp_logs()
            .args(["slo", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&store)
            .args(["--source", &fixture_day()])
            .output()
            .unwrap(),
    );
    assert_eq!(
        u(&out["input"]["store"]["ingested"]),
        (files.len() - half) as u64
    );
    assert_same(&slo_raw(&[&fixture_day()], &[]), &out, "--source");
    // the store holds the whole day; --source names a few of its objects (copies elsewhere):
    // the answer is over those, as a raw read of them
    let sub = tmp.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    for f in files.iter().step_by(40) {
        std::fs::copy(f, sub.join(f.file_name().unwrap())).unwrap();
    }
    let some = json_ok(
        &hosp_logs()
            .args(["slo", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&store)
            .arg("--source")
            .arg(&sub)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&some["input"]["store"]["ingested"]), 0);
    assert_eq!(
        u(&some["input"]["store"]["objects"]),
        files.iter().step_by(40).count() as u64
    );
    assert_same(
        &slo_raw(&[sub.to_str().unwrap()], &[]),
        &some,
        "a few objects",
    );
    // prune: everything is older than a day before HOSP_LOGS_NOW
    let pruned = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", "2026-12-01T00:00:00Z")
            .args(["store", "prune", "--keep", "1d", "--format", "json"])
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&pruned["removed_objects"]), files.len() as u64);
    assert_eq!(objects_in(&store), 0);
}

/// Requests (non-blank lines) of one gzip ALB file, counted here.
fn requests_in(path: &Path) -> u64 {
    let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    std::io::BufReader::new(gz)
        .lines()
        .map(Result::unwrap)
        .filter(|l| !l.trim().is_empty())
        .count() as u64
}

#[test]
fn an_object_collected_after_its_minutes_were_answered_counts_as_late() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let files = alb_files();
    // the day's first object arrives last
    let first = files
        .iter()
        .min_by_key(|p| p.file_name().unwrap().to_owned())
        .unwrap()
        .clone();
    let rest: Vec<PathBuf> = files.iter().filter(|p| **p != first).cloned().collect();
    collect(&store, &rest, &[]);
    let before = slo_store(&store, &["--hop", "lb"]);
    assert_eq!(u(&before["input"]["store"]["late_rows"]), 0);
    let late = collect(&store, std::slice::from_ref(&first), &[]);
    let n = requests_in(&first);
    assert!(n > 0);
    assert_eq!(u(&late["late_rows"]), n);
    let after = slo_store(&store, &["--hop", "lb"]);
    assert_eq!(u(&after["input"]["store"]["late_rows"]), n);
    assert_same(&slo_raw(&[&fixture_day()], &[]), &after, "late object");
}

#[test]
fn named_slo_windows_are_judged_and_said() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())], &[]);
    let until = ["--until", "2026-11-21T00:00:00Z"];
    // 28 days ending at --until: the same as --since 28 days before it
    let raw = slo_raw(
        &[&fixture_day()],
        &[
            "--since",
            "2026-10-24T00:00:00Z",
            "--until",
            "2026-11-21T00:00:00Z",
        ],
    );
    let mut args = vec!["--hop", "lb", "--window", "28d"];
    args.extend(until);
    let named = slo_store(&store, &args);
    assert_same(&raw, &named, "--window 28d");
    assert_eq!(named["slo_window"]["name"], "28d");
    assert_eq!(named["slo_window"]["start"], "2026-10-24T00:00:00Z");
    let raw_named = slo_raw(&[&fixture_day()], &["--window", "28d", until[0], until[1]]);
    assert_same(&raw, &raw_named, "raw --window 28d");
    // the calendar month to date, ending now
    let month = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", "2026-11-25T10:00:00Z")
            .args(["slo", "--config", &fixture_config(), "--format", "json"])
            .args(["--source", &fixture_day(), "--window", "month"])
            .output()
            .unwrap(),
    );
    assert_eq!(month["window"]["start"], "2026-11-01T00:00:00Z");
    assert_eq!(month["window"]["end"], "2026-11-25T10:00:00Z");
    assert_eq!(month["requests"], raw["requests"]);
    // the config's [slo] start (the project's whole duration) and [store] path
    let config = tmp.path().join("c.toml");
    let text = std::fs::read_to_string(fixture_config()).unwrap();
    std::fs::write(
        &config,
        format!(
            "[slo]\nstart = \"2026-11-20\"\n[store]\npath = \"{}\"\n{text}",
            store.display()
        ),
    )
    .unwrap();
    let project = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", "2026-11-20T12:00:00Z")
            .arg("--config")
            .arg(&config)
            .args(["slo", "--hop", "lb", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(project["slo_window"]["name"], "since 2026-11-20T00:00:00Z");
    assert_eq!(
        project["input"]["store"]["path"],
        store.display().to_string()
    );
    let raw_half = slo_raw(
        &[&fixture_day()],
        &[
            "--since",
            "2026-11-20T00:00:00Z",
            "--until",
            "2026-11-20T12:00:00Z",
        ],
    );
    assert_same(&raw_half, &project, "[slo] start from [store]");
    // --no-store reads the logs: no input.store
    let raw_read = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", "2026-11-20T12:00:00Z")
            .arg("--config")
            .arg(&config)
            .args([
                "slo",
                "--no-store",
                "--source",
                &fixture_day(),
                "--format",
                "json",
            ])
            .output()
            .unwrap(),
    );
    assert!(raw_read["input"].get("store").is_none());
    assert_same(&raw_half, &raw_read, "--no-store");
}

#[test]
fn collect_with_no_source_reads_every_hop_and_each_hop_is_answered_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    // the fixture config's hops name their folders relative to the checkout
    let out = json_ok(
        &hosp_logs()
            .current_dir(root())
            .args(["collect", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap(),
    );
    let files: u64 = ["AWSLogs", "cloudfront", "nginx"]
        .iter()
        .map(|d| common::count_files(&root().join("fixtures/day").join(d)))
        .sum();
    assert_eq!(u(&out["objects"]["ingested"]), files);
    for hop in ["edge", "lb", "proxy"] {
        let raw = json_ok(
            &hosp_logs()
                .current_dir(root())
                .args(["slo", "--config", &fixture_config(), "--format", "json"])
                .args(["--hop", hop])
                .output()
                .unwrap(),
        );
        let from = slo_store(&store, &["--hop", hop]);
        assert_same(&raw, &from, hop);
        assert_eq!(from["hop"]["name"], hop);
    }
    // without a hop or a format, a store of several formats cannot say which to judge
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        "[exclude]\nuser_agents = [\"hosp-loadtest/*\"]\nclient_cidrs = [\"10.99.0.0/24\"]\n",
    )
    .unwrap();
    let out = hosp_logs()
        .arg("--config")
        .arg(&config)
        .args(["slo", "--format", "json"])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--log-format"), "{err}");
}

#[test]
fn complete_through_follows_the_latest_collect_less_the_delivery_delay() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let at = |now: &str| {
        json_ok(
            &hosp_logs()
                .env("HOSP_LOGS_NOW", now)
                .env("XDG_DATA_HOME", &data)
                .args(["collect", "--config", &fixture_config(), "--format", "json"])
                .args(["--source", &fixture_day()])
                .output()
                .unwrap(),
        )
    };
    // ALB objects may arrive an hour late: at noon, the day is complete through 10:59
    let noon = at("2026-11-20T12:00:00Z");
    assert_eq!(noon["complete_through"], "2026-11-20T10:59:00Z");
    // the default store is the XDG data folder's
    let store = data.join("hosp-logs/store");
    assert_eq!(noon["store"], store.display().to_string());
    assert!(store.join("store.sqlite").is_file());
    // a later collect that finds nothing new still moves it, up to the last minute stored
    let next = at("2026-11-21T06:00:00Z");
    assert_eq!(u(&next["objects"]["ingested"]), 0);
    assert_eq!(next["complete_through"], "2026-11-20T23:59:00Z");
    let answer = slo_store(&store, &["--hop", "lb"]);
    assert_eq!(
        answer["input"]["store"]["complete_through"],
        "2026-11-20T23:59:00Z"
    );
}

#[test]
fn an_object_that_cannot_be_read_whole_is_not_recorded_and_is_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let files = alb_files();
    std::fs::copy(&files[0], logs.join("good.log.gz")).unwrap();
    // a gzip cut in the middle: its first lines inflate, then it breaks off
    let bytes = std::fs::read(&files[1]).unwrap();
    std::fs::write(logs.join("cut.log.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let store = tmp.path().join("s");
    let run = || {
        hosp_logs()
            .args(["collect", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&store)
            .arg("--source")
            .arg(&logs)
            .output()
            .unwrap()
    };
    for round in 0..2 {
        let out = run();
        assert_eq!(out.status.code(), Some(1), "round {round}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(u(&v["objects"]["ingested"]), if round == 0 { 1 } else { 0 });
        assert_eq!(v["failed"].as_array().unwrap().len(), 1, "round {round}");
        assert!(v["failed"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("cut.log.gz"));
        assert_eq!(objects_in(&store), 1);
    }
    assert_eq!(
        u(&slo_store(&store, &["--hop", "lb"])["requests"]["total"]),
        requests_in(&files[0])
    );
}

/// A store that holds none of the judged hop's logs answers with nothing to judge, and says
/// why on stderr: the config's outermost hop is the edge, the store holds ALB logs only.
#[test]
fn a_store_without_the_judged_hops_logs_says_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files = alb_files();
    let c = collect(&store, &files[..3], &[]);
    assert_eq!(u(&c["objects"]["ingested"]), 3);
    let out = hosp_logs()
        .args(["slo", "--config", &fixture_config(), "--format", "json"])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("holds no cloudfront logs (it holds: alb)"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(u(&v["requests"]["valid"]), 0, "{v}");
    // the hop it holds is judged without a warning
    let lb = hosp_logs()
        .args([
            "slo",
            "--config",
            &fixture_config(),
            "--format",
            "json",
            "--hop",
            "lb",
        ])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&lb.stderr).contains("holds no"));
    assert!(u(&json_ok(&lb)["requests"]["valid"]) > 0);
}

/// The store's size against the logs it came from: the fixture day's ALB objects (a quiet load
/// balancer: 82,382 requests, about 30 per object and minute). Measured after the merge that
/// kept security's per-client state and audit's write rows: 6,324,224 bytes, 102 % of the
/// 6,192,131 gzip bytes; security's packs 1.58 MB and audit's 1.43 MB of it, the other
/// analyses' packs and tables 3.3 MB (54 %). With their compact form (metrics::security::wire):
/// 5,521,408 bytes (89 %), security's 1.00 MB and audit's 1.19 MB (35 % together). With the
/// packs in zstd at level 3 (a fraction of deflate's CPU, larger on this quiet day): 5,824,512
/// bytes (94.1 %), security and audit 37.2 %, the rest 56.9 %. The goal (5 %) is not
/// met (docs/store.md).
#[test]
fn the_fixture_days_store_is_at_most_99_percent_of_its_gzip_logs_40_security_and_audit_and_60_the_rest(
) {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let out = collect(&store, &[PathBuf::from(fixture_day())], &[]);
    let files = alb_files();
    assert_eq!(u(&out["objects"]["ingested"]), files.len() as u64);
    let gzip: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let mut stored = 0;
    for entry in std::fs::read_dir(&store).unwrap() {
        stored += entry.unwrap().metadata().unwrap().len();
    }
    let info = store_info(&store);
    // every byte of the file is some table's (or free)
    let tables: u64 = info["bytes"]["tables"]
        .as_object()
        .unwrap()
        .values()
        .map(u)
        .sum();
    assert_eq!(tables, u(&info["size_bytes"]), "{info}");
    // nothing left waiting to be packed, and the packs are most of the file
    assert!(info["bytes"]["packs"].get("waiting").is_none(), "{info}");
    let packs: u64 = info["bytes"]["packs"]
        .as_object()
        .unwrap()
        .values()
        .map(u)
        .sum();
    assert!(packs * 2 > stored, "{packs} of {stored}");
    assert!(
        stored * 100 <= gzip * 99,
        "the store takes {stored} bytes, {:.1} % of the {gzip} gzip bytes",
        stored as f64 * 100.0 / gzip as f64
    );
    // security's per-client state and audit's write rows grow with the clients and the
    // writes; the rest with the minutes and keys
    let kept_rows: u64 = ["security", "audit"]
        .iter()
        .map(|k| u(&info["bytes"]["packs"][k]))
        .sum();
    assert!(kept_rows > 0, "{info}");
    assert!(
        kept_rows * 100 <= gzip * 40,
        "security and audit take {kept_rows} bytes, {:.1} % of the {gzip} gzip bytes",
        kept_rows as f64 * 100.0 / gzip as f64
    );
    let rest = stored - kept_rows;
    assert!(
        rest * 100 <= gzip * 60,
        "without security and audit the store takes {rest} bytes, {:.1} % of the {gzip} gzip bytes",
        rest as f64 * 100.0 / gzip as f64
    );
}
