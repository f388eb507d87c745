//! Helpers shared by the integration tests: the fixture day, its truth, and the binary with a
//! clean environment.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture day's ALB log (`fixtures/day/AWSLogs`; the folder beside it holds the same
/// day's CloudFront log).
pub fn fixture_day() -> String {
    root().join("fixtures/day/AWSLogs").display().to_string()
}

/// The fixture day as CloudFront logged it.
pub fn fixture_edge() -> String {
    root().join("fixtures/day/cloudfront").display().to_string()
}

pub fn fixture_config() -> String {
    root().join("fixtures/hosp-logs.toml").display().to_string()
}

/// What the generator wrote for the fixture day (counted while writing, not re-parsed).
pub fn truth() -> Value {
    let text = std::fs::read_to_string(root().join("fixtures/day/truth.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The binary with a clean environment: no config, colour or CI settings leak in, and no
/// kept security baseline (tests that keep one pass `--state DIR`).
pub fn hosp_logs() -> Command {
    let mut cmd = Command::cargo_bin("hosp-logs").unwrap();
    cmd.env("HOSP_LOGS_STATE", "off");
    for var in [
        "HOSP_LOGS_CONFIG",
        "HOSP_LOGS_NOW",
        "HOSP_LOGS_THREADS",
        "NO_COLOR",
        "AWS_PROFILE",
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

pub fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// The `.log` and `.log.gz` files under a folder, sorted.
pub fn log_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.to_string_lossy();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".log") || name.ends_with(".log.gz") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every line of the fixture day, file by file in name order, decompressed here (not by the
/// code under test).
pub fn fixture_lines() -> Vec<String> {
    use std::io::BufRead;
    let mut lines = Vec::new();
    for f in log_files(&root().join("fixtures/day")) {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        lines.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    lines
}

/// A run's stdout, once it is known to have succeeded (its stderr shown when it did not).
pub fn stdout_ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A successful run's stdout as JSON.
pub fn json_ok(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout_ok(out)).unwrap()
}

/// A JSON object of counts (`{"200": 67178, …}`) as a sorted map.
pub fn count_map(v: &Value) -> std::collections::BTreeMap<String, u64> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .iter()
        .map(|(k, n)| (k.clone(), u(n)))
        .collect()
}
