//! Which analyses a store keeps (`collect --keep`, `[store] keep`): what is kept answers as a
//! raw read does, what is not is refused (exit 2) naming the analysis, what the store keeps
//! and what to do, and the store's `kinds` stays what EVERY object holds when collects keep
//! different analyses.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture_config, fixture_day, hosp_logs, json_ok, log_files, store_info, u};
use serde_json::Value;

/// `files` copied into `dir` (one folder: one `--source` for the raw read and the collect).
fn folder(dir: &Path, files: &[PathBuf]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    for f in files {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    dir.display().to_string()
}

fn raw(cmd: &str, source: &str) -> Value {
    json_ok(
        &hosp_logs()
            .args([cmd, "--config", &fixture_config(), "--format", "json"])
            .args(["--no-store", "--source", source])
            .output()
            .unwrap(),
    )
}

fn from_store(cmd: &str, config: &str, store: &Path) -> std::process::Output {
    let mut words = cmd.split(' ');
    hosp_logs()
        .args([
            words.next().unwrap(),
            "--config",
            config,
            "--format",
            "json",
        ])
        .args(words)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap()
}

fn collect(config: &str, store: &Path, source: &str, extra: &[&str]) -> std::process::Output {
    hosp_logs()
        .args(["collect", "--config", config, "--format", "json"])
        .arg("--store")
        .arg(store)
        .args(["--source", source])
        .args(extra)
        .output()
        .unwrap()
}

/// The answer from the store equals the raw read (but for `input`), which read something.
fn assert_same(cmd: &str, source: &str, config: &str, store: &Path) {
    let raw = raw(cmd, source);
    assert!(
        u(&raw["input"]["lines"]) > 0,
        "{cmd}: the raw read read nothing"
    );
    let stored = json_ok(&from_store(cmd, config, store));
    assert_eq!(
        common::without_input(&raw),
        common::without_input(&stored),
        "{cmd}: the store's answer differs from the raw read"
    );
}

/// `cmd --store` (`cmd`: its words) is refused with exit 2, its message naming the analysis, what the store
/// keeps and the rebuild that keeps it; returns the message.
fn assert_refused(cmd: &str, config: &str, store: &Path, name: &str, keeps: &str) -> String {
    let out = from_store(cmd, config, store);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
    assert!(out.stdout.is_empty(), "{cmd}: printed an answer");
    assert!(
        err.contains(&format!("{name:?}"))
            && err.contains(&format!("every object holds: {keeps})"))
            && err.contains(&format!(
                "hosp-logs store rebuild --keep {},{name}",
                keeps.replace(", ", ",")
            ))
            && err.contains("--no-store"),
        "{cmd}: {err}"
    );
    err
}

fn keeps(store: &Path) -> Vec<String> {
    let info = store_info(store);
    info["keep"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn alb_files() -> Vec<PathBuf> {
    log_files(Path::new(&fixture_day()))
}

#[test]
fn a_store_keeping_slo_and_latency_answers_them_as_raw_and_refuses_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let files = alb_files();
    let source = folder(&tmp.path().join("logs"), &files[..48]);
    let store = tmp.path().join("store");
    let config = fixture_config();
    let out = collect(&config, &store, &source, &["--keep", "slo,latency"]);
    assert_eq!(u(&json_ok(&out)["objects"]["ingested"]), 48);
    assert_eq!(keeps(&store), ["slo", "latency"]);
    assert_same("latency", &source, &config, &store);
    let raw_slo = raw("slo", &source);
    // (the config's [[hops]]: the load balancer's hop)
    let stored_slo = json_ok(&from_store("slo --hop lb", &config, &store));
    assert_eq!(raw_slo["requests"], stored_slo["requests"]);
    assert_eq!(raw_slo["success_rate"], stored_slo["success_rate"]);
    for (cmd, name) in [
        ("security", "security"),
        ("errors", "errors"),
        ("backends", "backends"),
        ("traffic", "traffic"),
        ("audit --summary", "audit"),
        ("gate --max-p99 500ms", "gate"),
    ] {
        assert_refused(cmd, &config, &store, name, "slo, latency");
    }
    // the report names every analysis it misses
    let out = from_store("report", &config, &store);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for name in ["security", "errors", "backends", "traffic", "report"] {
        assert!(err.contains(&format!("{name:?}")), "report: {name}: {err}");
    }
    // the store keeps no partial of what it does not keep: only the latency family's packs
    let conn = rusqlite::Connection::open(store.join("store.sqlite")).unwrap();
    let kept: Vec<String> = conn
        .prepare("SELECT DISTINCT family FROM packs UNION SELECT DISTINCT analysis FROM partials")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kept, ["timings"], "{kept:?}");
}

#[test]
fn an_unknown_name_is_refused_naming_it_and_the_valid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let files = alb_files();
    let source = folder(&tmp.path().join("logs"), &files[..2]);
    let store = tmp.path().join("store");
    let config = fixture_config();
    let out = collect(&config, &store, &source, &["--keep", "latency,latencies"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("\"latencies\"")
            && err.contains(
                "all, slo, latency, errors, backends, traffic, edge, retries, gate, security, audit, report"
            ),
        "{err}"
    );
    assert!(!store.join("store.sqlite").exists(), "a store was written");
    // from the config too, named as such
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&config).unwrap() + "\n[store]\nkeep = [\"slo\", \"nope\"]\n",
    )
    .unwrap();
    let out = collect(&bad.display().to_string(), &store, &source, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("[store] keep") && err.contains("\"nope\""),
        "{err}"
    );
    // store rebuild refuses before moving the store aside
    json_ok(&collect(&config, &store, &source, &[]));
    let out = hosp_logs()
        .args(["--config", &config, "store", "rebuild", "--keep", "bogus"])
        .arg("--store")
        .arg(&store)
        .args(["--source", &source])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let moved = std::fs::read_dir(&store)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("broken")
        })
        .count();
    assert_eq!(moved, 0, "the store was moved aside");
    assert_eq!(keeps(&store)[0], "slo");
    assert_eq!(keeps(&store).len(), 11, "{:?}", keeps(&store));
}

#[test]
fn the_config_store_keep_is_used_and_collect_keep_overrides_it() {
    let tmp = tempfile::tempdir().unwrap();
    let files = alb_files();
    let source = folder(&tmp.path().join("logs"), &files[..24]);
    let config = tmp.path().join("keep.toml");
    std::fs::write(
        &config,
        std::fs::read_to_string(fixture_config()).unwrap()
            + "\n[store]\nkeep = [\"errors\", \"backends\"]\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let store = tmp.path().join("store");
    json_ok(&collect(&config, &store, &source, &[]));
    assert_eq!(keeps(&store), ["slo", "errors", "backends"]);
    assert_same("errors", &source, &config, &store);
    assert_same("backends", &source, &config, &store);
    assert_refused(
        "latency",
        &config,
        &store,
        "latency",
        "slo, errors, backends",
    );
    // the flag wins over the config
    let all = tmp.path().join("all");
    json_ok(&collect(&config, &all, &source, &["--keep", "all"]));
    assert_eq!(keeps(&all).len(), 11, "{:?}", keeps(&all));
    assert_same("latency", &source, &config, &all);
    // an answer with --source collects with the config's keep: one the config does not keep
    // is refused before anything is collected
    let fresh = tmp.path().join("fresh");
    let out = hosp_logs()
        .args(["security", "--config", &config, "--format", "json"])
        .arg("--store")
        .arg(&fresh)
        .args(["--source", &source])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("\"security\"") && err.contains("[store] keep (slo, errors, backends)"),
        "{err}"
    );
    assert!(
        !fresh.join("store.sqlite").exists(),
        "collected before refusing"
    );
}

/// A collect keeping less than the store's objects hold narrows what the store answers (its
/// `kinds` is what EVERY object holds: an answer from part of the objects would be wrong); one
/// keeping more does not widen it (the earlier objects still lack them). `store rebuild
/// --keep` answers again.
#[test]
fn collects_keeping_different_analyses_leave_kinds_what_every_object_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let files = alb_files();
    let first = folder(&tmp.path().join("first"), &files[..24]);
    let second = folder(&tmp.path().join("second"), &files[24..48]);
    let both = folder(&tmp.path().join("both"), &files[..48]);
    let config = fixture_config();

    // every analysis, then slo and latency only: errors is no longer answered
    let store = tmp.path().join("narrowed");
    json_ok(&collect(&config, &store, &first, &[]));
    assert_same("errors", &first, &config, &store);
    // known objects only: nothing is added, nothing narrowed
    let again = collect(&config, &store, &first, &["--keep", "slo"]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("no longer answers"));
    assert_eq!(u(&json_ok(&again)["objects"]["unchanged"]), 24);
    assert_eq!(keeps(&store).len(), 11, "{:?}", keeps(&store));
    let out = collect(&config, &store, &second, &["--keep", "latency"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("no longer answers") && err.contains("errors"),
        "{err}"
    );
    assert_eq!(u(&json_ok(&out)["objects"]["ingested"]), 24);
    assert_eq!(keeps(&store), ["slo", "latency"]);
    assert_refused("errors", &config, &store, "errors", "slo, latency");
    assert_same("latency", &both, &config, &store);
    // a collect keeping everything again does not widen it
    let third = folder(&tmp.path().join("third"), &files[48..50]);
    json_ok(&collect(&config, &store, &third, &[]));
    assert_eq!(keeps(&store), ["slo", "latency"]);
    assert_refused("errors", &config, &store, "errors", "slo, latency");

    // slo and latency first, then everything: the first objects lack errors
    let store = tmp.path().join("widened");
    json_ok(&collect(
        &config,
        &store,
        &first,
        &["--keep", "slo,latency"],
    ));
    json_ok(&collect(&config, &store, &second, &[]));
    assert_eq!(keeps(&store), ["slo", "latency"]);
    assert_refused("errors", &config, &store, "errors", "slo, latency");
    // rebuilt with it kept: answered as raw
    json_ok(
        &hosp_logs()
            .args(["--config", &config, "store", "rebuild", "--format", "json"])
            .args(["--keep", "latency,errors"])
            .arg("--store")
            .arg(&store)
            .args(["--source", &both])
            .output()
            .unwrap(),
    );
    assert_eq!(keeps(&store), ["slo", "latency", "errors"]);
    assert_same("errors", &both, &config, &store);
}
