//! Every analysis answered from the store (`latency --store`, `errors --store`, …) equals a
//! raw read of the same objects: the JSON of both, computed by running both, compared whole
//! but for the `input` block (which says where the numbers were read from). `traffic` keeps
//! its top keys up to a cap per object and minute (unit-tested in metrics::traffic); the
//! fixture day never passes it, so its answer is equal too, with no `beyond_store_cap`.

mod common;

use std::path::{Path, PathBuf};

use common::{
    fixture_config, fixture_day, fixture_edge, hosp_logs, json_ok, log_files, random_split, root,
    store_info, u,
};
use serde_json::Value;

/// An analysis read raw from `sources`.
fn raw(cmd: &str, sources: &[String], extra: &[&str]) -> Value {
    let mut c = hosp_logs();
    c.args([
        cmd,
        "--config",
        &fixture_config(),
        "--format",
        "json",
        "--no-store",
    ]);
    for s in sources {
        c.args(["--source", s]);
    }
    json_ok(&c.args(extra).output().unwrap())
}

/// The same analysis answered from the store.
fn stored(cmd: &str, store: &Path, extra: &[&str]) -> Value {
    json_ok(
        &hosp_logs()
            .args([cmd, "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(store)
            .args(extra)
            .output()
            .unwrap(),
    )
}

fn collect(store: &Path, sources: &[PathBuf]) -> Value {
    let mut cmd = hosp_logs();
    cmd.args(["collect", "--config", &fixture_config(), "--format", "json"])
        .arg("--store")
        .arg(store);
    for s in sources {
        cmd.arg("--source").arg(s);
    }
    json_ok(&cmd.output().unwrap())
}

/// The answer without its `input` block, and that block.
fn split(v: Value) -> (Value, Value) {
    let input = v["input"].clone();
    (common::without_input(&v), input)
}

/// Asserts the store's answer equals the raw one (but for `input`), and that the raw one
/// counted something; returns the store's `input.store`.
fn assert_equal(raw: Value, store: Value, what: &str) -> Value {
    let (raw, raw_input) = split(raw);
    let (store, input) = split(store);
    assert!(
        u(&raw_input["lines"]) > 0,
        "{what}: the raw read read nothing"
    );
    if raw != store {
        let (a, b) = (raw.as_object().unwrap(), store.as_object().unwrap());
        let differ: Vec<&String> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
        panic!("{what}: the store's answer differs from the raw read in {differ:?}");
    }
    if !what.contains("--since") && !what.contains("--until") {
        // over the whole of the objects, the store counts the lines a raw read of them reads
        // (a window's raw read skips the files named outside it, the store has no names)
        assert_eq!(input["lines"], raw_input["lines"], "{what}: lines read");
    }
    input["store"].clone()
}

/// The analyses the store answers, each with option sets that change its finish (buckets,
/// thresholds, tops, windows on whole minutes).
fn cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("latency", vec![]),
        (
            "latency",
            vec!["--field", "target", "--bucket", "5m", "--top", "3"],
        ),
        ("latency", vec!["--field", "request"]),
        ("latency", vec!["--field", "response", "--bucket", "1h"]),
        (
            "latency",
            vec![
                "--since",
                "2026-11-20T09:17:00Z",
                "--until",
                "2026-11-20T13:03:00Z",
            ],
        ),
        ("errors", vec![]),
        ("errors", vec!["--4xx", "--slow", "150ms", "--top", "4"]),
        (
            "errors",
            vec!["--until", "2026-11-20T06:00:00Z", "--bucket", "1m"],
        ),
        ("backends", vec![]),
        (
            "backends",
            vec!["--since", "2026-11-20T22:00:00Z", "--bucket", "10m"],
        ),
    ]
}

#[test]
fn each_analysis_from_the_store_equals_a_raw_read_of_the_fixture_day() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let out = collect(
        &store,
        &[PathBuf::from(fixture_day()), PathBuf::from(fixture_edge())],
    );
    let objects = log_files(Path::new(&fixture_day())).len();
    assert_eq!(
        u(&out["objects"]["ingested"]),
        objects as u64 + std::fs::read_dir(fixture_edge()).unwrap().count() as u64
    );
    for (cmd, opts) in cases() {
        let mut extra = vec!["--log-format", "alb"];
        extra.extend(&opts);
        let info = assert_equal(
            raw(cmd, &[fixture_day()], &opts),
            stored(cmd, &store, &extra),
            &format!("{cmd} {opts:?}"),
        );
        assert_eq!(info["path"], store.display().to_string());
        assert_eq!(u(&info["ingested"]), 0);
        assert!(info["complete_through"].is_string(), "{info}");
        assert_eq!(u(&info["late_rows"]), 0);
        if opts.is_empty() {
            assert_eq!(u(&info["objects"]), objects as u64, "{cmd}");
        }
    }
    // the CloudFront hop's objects, from the same store
    for (cmd, opts) in [
        ("latency", vec![]),
        ("errors", vec!["--4xx"]),
        ("traffic", vec!["--top", "5"]),
        ("edge", vec![]),
        (
            "edge",
            vec![
                "--since",
                "2026-11-20T05:00:00Z",
                "--top",
                "2",
                "--bucket",
                "15m",
            ],
        ),
    ] {
        let mut extra = vec!["--log-format", "cloudfront"];
        extra.extend(&opts);
        assert_equal(
            raw(cmd, &[fixture_edge()], &opts),
            stored(cmd, &store, &extra),
            &format!("cloudfront {cmd} {opts:?}"),
        );
    }
}

/// A fixed pseudo-random sequence (the test must be the same on every run).
#[test]
fn any_split_of_the_objects_over_several_collects_gives_the_same_answers() {
    let files = log_files(Path::new(&fixture_day()));
    let answers: Vec<(&str, Vec<&str>, Value)> = [
        ("latency", vec![]),
        ("errors", vec!["--4xx"]),
        ("backends", vec![]),
        ("traffic", vec![]),
        ("audit", vec!["--summary"]),
        ("audit", vec!["--method", "write", "--limit", "3"]),
    ]
    .into_iter()
    .map(|(cmd, opts)| {
        let r = raw(cmd, &[fixture_day()], &opts);
        (cmd, opts, r)
    })
    .collect();
    for seed in [3u64, 11] {
        // 2 to 4 collects of uneven sizes, one object of each given again
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("s");
        let mut ingested = 0;
        for group in random_split(&files, seed, 3) {
            ingested += u(&collect(&store, &group)["objects"]["ingested"]);
        }
        assert_eq!(ingested, files.len() as u64, "seed {seed}");
        for (cmd, opts, r) in &answers {
            assert_equal(
                r.clone(),
                stored(cmd, &store, opts),
                &format!("seed {seed}: {cmd} {opts:?}"),
            );
        }
    }
}

#[test]
fn with_source_the_unseen_objects_are_collected_then_answered_over_exactly() {
    let files = log_files(Path::new(&fixture_day()));
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    // the store knows the first 100 objects; the answer is over 150, 50 of them new
    collect(&store, &files[..100]);
    let dir = tmp.path().join("some");
    std::fs::create_dir_all(&dir).unwrap();
    for f in &files[..150] {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    let source = dir.display().to_string();
    let info = assert_equal(
        raw("latency", std::slice::from_ref(&source), &[]),
        stored("latency", &store, &["--source", &source]),
        "latency --source",
    );
    assert_eq!(u(&info["ingested"]), 50);
    assert_eq!(u(&info["objects"]), 150);
    // with CloudFront objects in the store too, --source says which format is answered
    collect(&store, &[PathBuf::from(fixture_edge())]);
    // again: nothing new
    let info = assert_equal(
        raw("errors", std::slice::from_ref(&source), &[]),
        stored("errors", &store, &["--source", &source]),
        "errors --source",
    );
    assert_eq!(u(&info["ingested"]), 0);
}

#[test]
fn a_window_that_cuts_a_minute_holding_requests_on_both_sides_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())]);
    let out = hosp_logs()
        .args(["latency", "--config", &fixture_config()])
        .arg("--store")
        .arg(&store)
        .args(["--since", "2026-11-20T10:00:30Z"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2026-11-20T10:00:00Z") && err.contains("--no-store"),
        "{err}"
    );
    // past the last request, an edge inside a minute cuts nothing: answered, equal
    let opts = ["--until", "2026-11-21T00:00:30Z"];
    assert_equal(
        raw("latency", &[fixture_day()], &opts),
        stored("latency", &store, &opts),
        "an edge after the data: --until",
    );
}

#[test]
fn a_store_of_schema_version_1_is_refused_with_what_to_do_then_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    std::fs::create_dir_all(&store).unwrap();
    // a version 1 store: its tables as version 1 wrote them (SLO counts only)
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);
         INSERT INTO schema_version VALUES (1);
         CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE objects (id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE);
         CREATE TABLE slo_minutes (object_id INTEGER NOT NULL, minute INTEGER NOT NULL);",
    )
    .unwrap();
    drop(conn);
    for cmd in [
        vec!["latency"],
        vec!["slo", "--hop", "lb"],
        vec!["collect", "--source", "fixtures/day/AWSLogs"],
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
            err.contains("schema version 1") && err.contains("hosp-logs store rebuild"),
            "{cmd:?}: {err}"
        );
    }
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
    assert_eq!(
        u(&rebuilt["objects"]["ingested"]),
        log_files(Path::new(&fixture_day())).len() as u64
    );
    assert_equal(
        raw("backends", &[fixture_day()], &[]),
        stored("backends", &store, &[]),
        "rebuilt",
    );
}

/// The fixture proxy hop's nginx log_format (from the fixture config).
fn proxy_log_format() -> String {
    let config: toml::Value =
        toml::from_str(&std::fs::read_to_string(fixture_config()).unwrap()).unwrap();
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

#[test]
fn retries_and_the_others_over_nginx_logs_from_the_store_equal_a_raw_read() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let nginx = root().join("fixtures/day/nginx");
    let log_format = proxy_log_format();
    let fmt = ["--log-format", "nginx", "--nginx-log-format", &log_format];
    let out = json_ok(
        &hosp_logs()
            .args(["collect", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&store)
            .arg("--source")
            .arg(&nginx)
            .args(fmt)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&out["objects"]["ingested"]), common::count_files(&nginx));
    let source = [nginx.display().to_string()];
    for (cmd, opts) in [
        ("retries", vec![]),
        (
            "retries",
            vec![
                "--since",
                "2026-11-20T08:00:00Z",
                "--top",
                "3",
                "--bucket",
                "5m",
            ],
        ),
        ("latency", vec!["--field", "target"]),
        ("errors", vec![]),
    ] {
        let mut opts = opts;
        opts.extend(fmt);
        assert_equal(
            raw(cmd, &source, &opts),
            stored(cmd, &store, &opts),
            &format!("nginx {cmd} {opts:?}"),
        );
    }
    // over_client_timeout is kept for the default --client-timeout only: another is refused
    let out = hosp_logs()
        .args([
            "retries",
            "--config",
            &fixture_config(),
            "--client-timeout",
            "10s",
        ])
        .arg("--store")
        .arg(&store)
        .args(fmt)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--client-timeout 30s") && err.contains("--no-store"),
        "{err}"
    );
}

#[test]
fn the_gate_from_the_store_equals_a_raw_read_and_exits_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())]);
    for opts in [
        vec!["--slo", "99", "--max-p99", "800ms", "--max-5xx-rate", "1%"],
        vec!["--slo", "90", "--max-p99", "60s", "--max-5xx-rate", "50%"],
        vec![
            "--slo",
            "99.99",
            "--since",
            "2026-11-20T06:00:00Z",
            "--until",
            "2026-11-20T18:00:00Z",
        ],
        // the findings from `security`'s kept state: one over its limit, one within
        vec!["--max-findings", "high=0"],
        vec![
            "--max-findings",
            "medium=3",
            "--slo",
            "99",
            "--since",
            "2026-11-20T06:00:00Z",
        ],
    ] {
        let run = |store_args: &[&str], source: bool| {
            let mut c = hosp_logs();
            c.args(["gate", "--config", &fixture_config(), "--format", "json"]);
            if source {
                c.args(["--source", &fixture_day()]);
            }
            c.args(store_args).args(&opts).output().unwrap()
        };
        let raw = run(&["--no-store"], true);
        let from_store = run(&["--store", store.to_str().unwrap()], false);
        assert_eq!(raw.status.code(), from_store.status.code(), "{opts:?}");
        if opts.contains(&"high=0") {
            // the fixture day holds high findings: the check fails on both
            assert_eq!(raw.status.code(), Some(3), "{opts:?}");
        }
        let parse =
            |o: &std::process::Output| -> Value { serde_json::from_slice(&o.stdout).unwrap() };
        assert_equal(parse(&raw), parse(&from_store), &format!("gate {opts:?}"));
    }
    // only the first SLO's counts are kept: a named SLO is refused, never judged on them
    let out = hosp_logs()
        .args([
            "gate",
            "--config",
            &fixture_config(),
            "--slo",
            "availability=99",
        ])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--slo NAME=TARGET reads the logs (add --no-store)"),
        "{err}"
    );
}

/// The ALB lines of the fixture day's objects `files`, decompressed here.
fn alb_lines(files: &[PathBuf]) -> Vec<String> {
    use std::io::BufRead;
    let mut lines = Vec::new();
    for f in files {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap());
        lines.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    lines
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The kept partials live in packs shared by the objects of an hour: an object whose content
/// changed is taken out of its packs and its new content put in (the answers equal a raw read
/// of what the files hold now); collecting again changes neither the answers nor the packs.
#[test]
fn a_changed_object_replaces_its_members_of_the_packs_and_collecting_again_changes_nothing() {
    let files = log_files(Path::new(&fixture_day()));
    // the first 24 objects: one hour of the day, so both files' partials share its packs
    let lines = alb_lines(&files[..24]);
    assert!(lines.len() > 400, "{}", lines.len());
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let half = lines.len() / 2;
    write_lines(&logs.join("a.log"), &lines[..half]);
    write_lines(&logs.join("b.log"), &lines[half..]);
    let store = tmp.path().join("s");
    let first = collect(&store, std::slice::from_ref(&logs));
    assert_eq!(u(&first["requests"]), lines.len() as u64);
    let answers = [
        ("latency", vec![]),
        ("errors", vec!["--4xx"]),
        ("backends", vec![]),
        ("traffic", vec![]),
    ];
    let source = [logs.display().to_string()];
    // a.log loses its second half and gains b.log's last line: its old content must not count
    let mut changed = lines[..half / 2].to_vec();
    changed.push(lines[lines.len() - 1].clone());
    write_lines(&logs.join("a.log"), &changed);
    let second = collect(&store, std::slice::from_ref(&logs));
    assert_eq!(u(&second["objects"]["ingested"]), 1);
    assert_eq!(u(&second["objects"]["replaced"]), 1);
    assert_eq!(u(&second["requests"]), changed.len() as u64);
    let mut before = Vec::new();
    for (cmd, opts) in &answers {
        let r = raw(cmd, &source, opts);
        assert_eq!(
            u(&r["input"]["lines"]),
            (changed.len() + lines.len() - half) as u64
        );
        let s = stored(cmd, &store, opts);
        assert_equal(r, s.clone(), &format!("changed: {cmd} {opts:?}"));
        before.push(s);
    }
    let packs = store_info(&store)["bytes"]["packs"].clone();
    assert!(
        u(&packs["timings"]) > 0 && u(&packs["traffic"]) > 0,
        "{packs}"
    );
    let third = collect(&store, std::slice::from_ref(&logs));
    assert_eq!(u(&third["objects"]["ingested"]), 0);
    assert_eq!(u(&third["objects"]["unchanged"]), 2);
    for ((cmd, opts), b) in answers.iter().zip(before) {
        // the same store gives the same JSON, `input` included
        assert_eq!(stored(cmd, &store, opts), b, "again: {cmd} {opts:?}");
    }
    assert_eq!(store_info(&store)["bytes"]["packs"], packs);
}

/// Version 2's tables as version 2 wrote them (no `packs`): its partials one row per object ×
/// analysis.
const SCHEMA_V2: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE objects (
    id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
    format TEXT NOT NULL, ingested_at INTEGER NOT NULL, first_minute INTEGER,
    last_minute INTEGER, requests INTEGER NOT NULL, lines INTEGER NOT NULL,
    malformed INTEGER NOT NULL, blank_lines INTEGER NOT NULL, header_lines INTEGER NOT NULL,
    bytes INTEGER NOT NULL, late_rows INTEGER NOT NULL
);
CREATE TABLE locations (
    path TEXT PRIMARY KEY, object_id INTEGER NOT NULL, size INTEGER, mtime_ns INTEGER
);
CREATE INDEX locations_object ON locations (object_id);
CREATE TABLE slo_minutes (
    object_id INTEGER NOT NULL, minute INTEGER NOT NULL, total INTEGER NOT NULL,
    excluded INTEGER NOT NULL, no_status INTEGER NOT NULL, good INTEGER NOT NULL,
    status_1xx INTEGER NOT NULL, status_2xx INTEGER NOT NULL, status_3xx INTEGER NOT NULL,
    status_4xx INTEGER NOT NULL, status_5xx INTEGER NOT NULL, seconds BLOB NOT NULL,
    PRIMARY KEY (object_id, minute)
) WITHOUT ROWID;
CREATE INDEX slo_minutes_minute ON slo_minutes (minute);
CREATE TABLE minutes (
    object_id INTEGER NOT NULL, minute INTEGER NOT NULL, first_us INTEGER NOT NULL,
    last_us INTEGER NOT NULL, seen_first_us INTEGER, seen_last_us INTEGER,
    excluded INTEGER NOT NULL, requests INTEGER NOT NULL,
    PRIMARY KEY (object_id, minute)
) WITHOUT ROWID;
CREATE INDEX minutes_minute ON minutes (minute);
CREATE TABLE partials (
    object_id INTEGER NOT NULL, analysis TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (object_id, analysis)
);
";

/// A version 2 store (its file made by version 2's schema, its rows those a collect writes
/// before packing them) is migrated in place by the first command that opens it: answered
/// from as it is, then packed by the next collect, which gives the freed pages back.
#[test]
fn a_store_of_schema_version_2_is_migrated_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = tmp.path().join("rows");
    let out = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_TEST_NO_COMPACT", "1")
            .args(["collect", "--config", &fixture_config(), "--format", "json"])
            .arg("--store")
            .arg(&rows)
            .args(["--source", &fixture_day()])
            .output()
            .unwrap(),
    );
    let files = log_files(Path::new(&fixture_day())).len() as u64;
    assert_eq!(u(&out["objects"]["ingested"]), files);
    let store = tmp.path().join("v2");
    std::fs::create_dir_all(&store).unwrap();
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    conn.execute_batch(SCHEMA_V2).unwrap();
    conn.execute(
        "ATTACH ?1 AS r",
        [rows.join("store.sqlite").display().to_string()],
    )
    .unwrap();
    let packed: i64 = conn
        .query_row("SELECT count(*) FROM r.packs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(packed, 0, "the rows were packed");
    for t in [
        "settings",
        "objects",
        "locations",
        "slo_minutes",
        "minutes",
        "partials",
    ] {
        conn.execute_batch(&format!("INSERT INTO main.{t} SELECT * FROM r.{t}"))
            .unwrap();
    }
    conn.execute_batch("INSERT INTO schema_version VALUES (2); DETACH r")
        .unwrap();
    drop(conn);
    let v2_bytes = std::fs::metadata(store.join("store.sqlite")).unwrap().len();

    // an answer migrates it, and reads the rows waiting
    let expected: Vec<(&str, Vec<&str>, Value)> = [
        ("latency", vec![]),
        ("errors", vec!["--4xx"]),
        ("traffic", vec![]),
    ]
    .into_iter()
    .map(|(cmd, opts)| {
        let r = raw(cmd, &[fixture_day()], &opts);
        (cmd, opts, r)
    })
    .collect();
    let (cmd, opts, r) = &expected[0];
    assert_equal(r.clone(), stored(cmd, &store, opts), "migrated, not packed");
    let migrated = store_info(&store);
    assert_eq!(migrated["schema_version"], 3);
    assert_eq!(u(&migrated["objects"]), files);
    assert!(u(&migrated["bytes"]["packs"]["waiting"]) > 0, "{migrated}");
    assert!(migrated["bytes"]["packs"].get("timings").is_none());

    // a collect packs them: nothing new, the same answers, a smaller file
    let again = collect(&store, &[PathBuf::from(fixture_day())]);
    assert_eq!(u(&again["objects"]["ingested"]), 0);
    assert_eq!(u(&again["objects"]["unchanged"]), files);
    let packed = store_info(&store);
    assert!(
        packed["bytes"]["packs"].get("waiting").is_none(),
        "{packed}"
    );
    assert!(u(&packed["bytes"]["packs"]["timings"]) > 0);
    for (cmd, opts, r) in &expected {
        assert_equal(
            r.clone(),
            stored(cmd, &store, opts),
            &format!("packed: {cmd}"),
        );
    }
    assert!(
        u(&packed["size_bytes"]) * 10 < v2_bytes * 7,
        "{} bytes after packing, {v2_bytes} before",
        packed["size_bytes"]
    );
}

/// `security` raw: the kept baseline off (`--state`), so a raw read is of the objects only.
fn security_raw(sources: &[String], opts: &[&str]) -> Value {
    let mut extra = vec!["--state", "off"];
    extra.extend(opts);
    raw("security", sources, &extra)
}

/// The option sets of `security` the store must answer as a raw read does: every finding,
/// a window with the baseline period before it (in the store too), rules chosen, severities.
fn security_cases() -> Vec<Vec<&'static str>> {
    vec![
        vec![],
        vec!["--all"],
        vec!["--all", "--since", "2026-11-20T12:00:00Z"],
        vec![
            "--all",
            "--since",
            "2026-11-20T09:30:00Z",
            "--until",
            "2026-11-20T17:00:00Z",
            "--baseline",
            "3h",
        ],
        vec!["--rule", "scanner,write-burst", "--all"],
        vec!["--rule", "unexpected-writer", "--min-severity", "low"],
        vec![
            "--all",
            "--since",
            "2026-11-20T12:00:00Z",
            "--baseline",
            "off",
        ],
    ]
}

#[test]
fn security_from_the_store_equals_a_raw_read_with_its_baseline_period() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())]);
    for opts in security_cases() {
        let raw = security_raw(&[fixture_day()], &opts);
        let findings = raw["findings"].as_array().unwrap().len();
        assert!(
            findings > 0 || opts.contains(&"unexpected-writer"),
            "{opts:?}"
        );
        if opts.contains(&"--since") && !opts.contains(&"off") {
            // the baseline period held requests and writers: the store loaded it too
            assert!(u(&raw["baseline"]["requests"]) > 0, "{opts:?}");
            assert!(u(&raw["baseline"]["writers"]) > 0, "{opts:?}");
        }
        assert_equal(
            raw,
            stored("security", &store, &opts),
            &format!("security {opts:?}"),
        );
    }
    // the store keeps the evidence lines of [security] evidence (5): another count is
    // refused, not answered with other lines
    let out = hosp_logs()
        .args(["security", "--config", &fixture_config(), "--evidence", "2"])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"evidence\":5") && err.contains("--no-store"),
        "{err}"
    );
    // --fail-on exits as the raw read does
    for (store_args, source) in [
        (vec!["--store", store.to_str().unwrap()], false),
        (vec!["--no-store", "--state", "off"], true),
    ] {
        let mut c = hosp_logs();
        c.args([
            "security",
            "--config",
            &fixture_config(),
            "--fail-on",
            "high",
        ]);
        if source {
            c.args(["--source", &fixture_day()]);
        }
        let out = c.args(store_args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "source {source}");
    }
}

#[test]
fn security_over_the_hostile_fixture_from_the_store_equals_a_raw_read() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let hostile = root().join("fixtures/hostile");
    collect(&store, std::slice::from_ref(&hostile));
    let source = [hostile.display().to_string()];
    for opts in [
        vec!["--all"],
        vec!["--rule", "attack-signature,scanner", "--all"],
    ] {
        let raw = security_raw(&source, &opts);
        assert!(!raw["findings"].as_array().unwrap().is_empty(), "{opts:?}");
        assert_equal(
            raw,
            stored("security", &store, &opts),
            &format!("hostile security {opts:?}"),
        );
    }
}

#[test]
fn security_over_any_split_of_the_objects_equals_a_raw_read() {
    let files = log_files(Path::new(&fixture_day()));
    let cases = [
        vec!["--all"],
        vec!["--all", "--since", "2026-11-20T12:00:00Z"],
    ];
    let answers: Vec<Value> = cases
        .iter()
        .map(|o| security_raw(&[fixture_day()], o))
        .collect();
    for seed in [5u64, 17] {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("s");
        for group in random_split(&files, seed, 3) {
            collect(&store, &group);
        }
        for (opts, r) in cases.iter().zip(&answers) {
            assert_equal(
                r.clone(),
                stored("security", &store, opts),
                &format!("seed {seed}: security {opts:?}"),
            );
        }
    }
}

/// The option sets of `audit` the store answers (every client's counts, the writes' rows),
/// each changing what is listed: clients by address, network and user agent, every filter
/// over writes, events and their limit, a window on whole minutes.
fn audit_cases() -> Vec<Vec<&'static str>> {
    vec![
        vec!["--summary"],
        vec!["--summary", "--client", "130.176.0.0/16"],
        vec![
            "--summary",
            "--client",
            "python-requests/*",
            "--client",
            "2600:9000::/28",
        ],
        vec!["--method", "write"],
        vec!["--method", "POST,DELETE", "--status", "4xx", "--limit", "2"],
        vec!["--method", "write", "--endpoint", "/notes", "--summary"],
        vec![
            "--method",
            "patch",
            "--since",
            "2026-11-20T10:00:00Z",
            "--until",
            "2026-11-20T11:30:00Z",
        ],
    ]
}

#[test]
fn audit_and_report_from_the_store_equal_a_raw_read_and_the_rest_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())]);
    // the fixture day's writes, counted here from the logs (the 13th field is the request)
    let writes = fixture_lines_methods()
        .into_iter()
        .filter(|m| ["POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()))
        .count() as u64;
    assert!(writes > 1000, "{writes}");
    for opts in audit_cases() {
        let raw = raw("audit", &[fixture_day()], &opts);
        assert!(!raw["clients"].as_array().unwrap().is_empty(), "{opts:?}");
        if opts == ["--method", "write"] {
            assert_eq!(u(&raw["requests"]), writes);
        }
        assert_equal(
            raw,
            stored("audit", &store, &opts),
            &format!("audit {opts:?}"),
        );
    }
    // the reads' rows are not kept: their events and the filters on them are refused
    for opts in [
        vec![],
        vec!["--summary", "--endpoint", "/notes"],
        vec!["--method", "GET", "--summary"],
        vec!["--method", "write,read"],
        vec!["--summary", "--status", "5xx"],
    ] {
        let out = hosp_logs()
            .args(["audit", "--config", &fixture_config()])
            .arg("--store")
            .arg(&store)
            .args(&opts)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{opts:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--method write") && err.contains("--no-store"),
            "{opts:?}: {err}"
        );
    }

    // the report: without [[hops]] every part of it equals a raw read, charts byte for byte
    let config = tmp.path().join("no-hops.toml");
    let text = std::fs::read_to_string(fixture_config()).unwrap();
    let cut = text.find("[[hops]]").unwrap();
    std::fs::write(&config, &text[..cut]).unwrap();
    let report = |config: &Path, out: &Path, how: &[&str]| -> Value {
        let mut c = hosp_logs();
        c.args(["report", "--format", "json", "--top", "5"])
            .arg("--config")
            .arg(config)
            .arg("--out")
            .arg(out)
            .args(how);
        json_ok(&c.output().unwrap());
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        // the first SLO's keys repeat the input too
        let input = v["input"].clone();
        v["slo"].as_object_mut().unwrap().remove("input");
        v["input"] = input;
        v
    };
    let store_arg = ["--store", store.to_str().unwrap()];
    let day = ["--no-store", "--source", &fixture_day()];
    for (window, name) in [
        (vec![], "day"),
        (
            vec![
                "--since",
                "2026-11-20T08:00:00Z",
                "--until",
                "2026-11-20T20:00:00Z",
            ],
            "window",
        ),
    ] {
        let (a, b) = (
            tmp.path().join(format!("raw-{name}")),
            tmp.path().join(name),
        );
        let raw = report(&config, &a, &[&day[..], &window].concat());
        let stored = report(&config, &b, &[&store_arg[..], &window].concat());
        assert!(raw["path"].is_null() && stored["path_not_answered"].is_null());
        assert_equal(raw.clone(), stored, &format!("report {name} {window:?}"));
        assert!(!raw["charts"].as_array().unwrap().is_empty());
        for c in raw["charts"].as_array().unwrap() {
            let f = c["file"].as_str().unwrap();
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap(),
                "report {name}: {f}"
            );
        }
    }
    // with [[hops]], the Path section (a request-by-request join) is said not answered
    let (a, b) = (tmp.path().join("raw-hops"), tmp.path().join("hops"));
    let raw = report(Path::new(&fixture_config()), &a, &day);
    let mut stored = report(Path::new(&fixture_config()), &b, &store_arg);
    assert!(raw["path"].is_object());
    assert!(
        stored["path_not_answered"]
            .as_str()
            .unwrap()
            .contains("--no-store"),
        "{stored}"
    );
    let html = std::fs::read_to_string(b.join("index.html")).unwrap();
    assert!(html.contains("Not in this report"), "the page says so");
    let o = stored.as_object_mut().unwrap();
    o.remove("path_not_answered");
    let mut raw = raw;
    let r = raw.as_object_mut().unwrap();
    r.remove("path");
    for v in [&mut *o, &mut *r] {
        v["charts"]
            .as_array_mut()
            .unwrap()
            .retain(|c| c["file"] != "path-success.png");
    }
    assert_equal(raw, stored, "report with [[hops]]");
    // an SLO the store's counts do not answer is refused
    let out = hosp_logs()
        .args([
            "report",
            "--config",
            &fixture_config(),
            "--latency-threshold",
            "300ms",
        ])
        .arg("--out")
        .arg(tmp.path().join("refused"))
        .args(store_arg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // hops joins request by request: --store is refused, with what to do
    let out = hosp_logs()
        .args(["hops", "--config", &fixture_config()])
        .args(store_arg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the store does not keep") && err.contains("drop --store"),
        "{err}"
    );
}

/// The method of every line of the fixture day's load balancer logs (the first quoted
/// field is the request line).
fn fixture_lines_methods() -> Vec<String> {
    use std::io::BufRead;
    let mut methods = Vec::new();
    for f in log_files(Path::new(&fixture_day())) {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        for l in std::io::BufReader::new(gz).lines() {
            let l = l.unwrap();
            if let Some(m) = l.split('"').nth(1).and_then(|r| r.split(' ').next()) {
                methods.push(m.to_string());
            }
        }
    }
    methods
}

#[test]
fn a_kind_the_store_did_not_keep_when_its_objects_were_collected_is_refused_then_rebuilt() {
    let files = log_files(Path::new(&fixture_day()));
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &files[..40]);
    // as a store written before the audit trail was kept: no audit partials, no kinds
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    conn.execute_batch(
        "DELETE FROM partials WHERE analysis = 'audit';
         DELETE FROM settings WHERE key = 'kinds';",
    )
    .unwrap();
    drop(conn);
    let refused = |store: &Path| {
        let out = hosp_logs()
            .args(["audit", "--config", &fixture_config(), "--summary"])
            .arg("--store")
            .arg(store)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("\"audit\"") && err.contains("hosp-logs store rebuild"),
            "{err}"
        );
    };
    refused(&store);
    // more objects collected: still some without it
    collect(&store, &files[40..60]);
    refused(&store);
    // the other analyses still answer
    let sixty = tmp.path().join("sixty");
    std::fs::create_dir_all(&sixty).unwrap();
    for f in &files[..60] {
        std::fs::copy(f, sixty.join(f.file_name().unwrap())).unwrap();
    }
    let source = [sixty.display().to_string()];
    assert_equal(
        raw("latency", &source, &[]),
        stored("latency", &store, &[]),
        "latency beside a kind missing",
    );
    json_ok(
        &hosp_logs()
            .args([
                "--config",
                &fixture_config(),
                "store",
                "rebuild",
                "--format",
                "json",
            ])
            .arg("--store")
            .arg(&store)
            .args(["--source", &source[0]])
            .output()
            .unwrap(),
    );
    assert_equal(
        raw("audit", &source, &["--summary"]),
        stored("audit", &store, &["--summary"]),
        "audit after store rebuild",
    );
}

#[test]
fn watch_backfilled_from_the_store_shows_what_a_raw_read_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    collect(&store, &[PathBuf::from(fixture_day())]);
    // half an hour after the day: the panel's 36 hours hold all of it, the last hour its end
    let once = |how: &[&str]| -> Value {
        json_ok(
            &hosp_logs()
                .env("HOSP_LOGS_NOW", "2026-11-21T00:30:00Z")
                .args(["watch", "--once", "--format", "json", "--since", "36h"])
                .args(["--config", &fixture_config(), "--source", &fixture_day()])
                .args(how)
                .output()
                .unwrap(),
        )
    };
    // the clock moves on with the real time: the two snapshots are compared when taken in
    // the same second
    let mut compared = false;
    for _ in 0..4 {
        let raw = once(&["--no-store"]);
        let stored = once(&["--store", store.to_str().unwrap()]);
        if raw["at"] != stored["at"] {
            continue;
        }
        // the sources were read from the store's end on: a few lines, not the day's
        let (r, s) = (u(&raw["input"]["lines"]), u(&stored["input"]["lines"]));
        assert!(r > 80_000 && s < r / 100, "{r} {s}");
        assert!(u(&raw["requests"]["total"]) > 80_000);
        assert!(raw["input"].get("store").is_none(), "{}", raw["input"]);
        // (the input differs: the store's run read the sources from its end)
        let kept = assert_equal(raw, stored, "watch --once --since 36h");
        // and says what it read from the store: every object of the day, complete through
        // the store's own complete_through
        let info = store_info(&store);
        assert_eq!(kept["path"], store.display().to_string(), "{kept}");
        assert_eq!(kept["objects"], info["objects"], "{kept}");
        assert_eq!(kept["complete_through"], info["complete_through"], "{kept}");
        assert_eq!(u(&kept["late_rows"]), 0, "{kept}");
        compared = true;
        break;
    }
    assert!(compared, "no two snapshots in the same second");
    // an SLO the store's counts do not answer is refused, not shown from half the counts
    let config = tmp.path().join("two-slos.toml");
    let text = std::fs::read_to_string(fixture_config()).unwrap();
    let cut = text.find("[[hops]]").unwrap();
    std::fs::write(
        &config,
        format!(
            "{}[[slo]]\nname = \"everything\"\ntarget = 99\n\n\
             [[slo]]\nname = \"notes-writes\"\ntarget = 99.9\nendpoints = [\"POST /notes\"]\n",
            &text[..cut]
        ),
    )
    .unwrap();
    let out = hosp_logs()
        .env("HOSP_LOGS_NOW", "2026-11-21T00:30:00Z")
        .args([
            "watch",
            "--once",
            "--format",
            "json",
            "--source",
            &fixture_day(),
        ])
        .arg("--config")
        .arg(&config)
        .args(["--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes-writes") && err.contains("--no-store"),
        "{err}"
    );
}

/// An audit event's endpoint is the `[routes]` template the store was collected under, as a
/// raw read with the same config names it (the kept rows keep each request's endpoint).
#[test]
fn audit_events_from_the_store_keep_the_endpoints_of_the_route_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("hosp-logs.toml");
    let mut text = std::fs::read_to_string(fixture_config()).unwrap();
    // the config's relative paths are its folder's: the hops are not read here
    text.push_str("\n[routes]\ntemplates = [\"/hospitals/{hospital}\"]\n");
    std::fs::write(&config, text).unwrap();
    let config = config.display().to_string();
    let store = tmp.path().join("s");
    let mut cmd = hosp_logs();
    cmd.args([
        "collect", "--config", &config, "--format", "json", "--store",
    ])
    .arg(&store)
    .args(["--source", &fixture_day()]);
    json_ok(&cmd.output().unwrap());
    let opts = ["--method", "patch", "--format", "json", "--config", &config];
    let raw = json_ok(
        &hosp_logs()
            .arg("audit")
            .args(opts)
            .args(["--no-store", "--source", &fixture_day()])
            .output()
            .unwrap(),
    );
    let events: Vec<Value> = raw["clients"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["events"].as_array().unwrap().clone())
        .collect();
    // every PATCH of the fixture day is to one hospital: its endpoint is the template
    assert!(events.len() > 100, "{}", events.len());
    for e in &events {
        assert_eq!(e["endpoint"], "/hospitals/{hospital}", "{e}");
        assert!(e["url"].as_str().unwrap().contains("/hospitals/"), "{e}");
    }
    let stored = json_ok(
        &hosp_logs()
            .arg("audit")
            .args(opts)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap(),
    );
    assert_equal(raw, stored, "audit --method patch under a route template");
}
