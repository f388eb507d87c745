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

/// The variables a developer's shell may hold that would change what a run answers: every
/// `HOSP_LOGS_*` (config, clock, threads, kept state, cache) and `XDG_*` (the folders of the
/// kept state, the cache, the query history), and colour, AWS profile and CI summary settings.
fn leaks(name: &str) -> bool {
    name.starts_with("HOSP_LOGS_")
        || name.starts_with("XDG_")
        || matches!(name, "NO_COLOR" | "AWS_PROFILE" | "GITHUB_STEP_SUMMARY")
}

/// Clears what [`leaks`] names from a command's environment, and turns the kept security
/// baseline off (tests that keep one pass `--state DIR`, or set `XDG_STATE_HOME` and remove
/// `HOSP_LOGS_STATE`).
pub fn clean_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for (name, _) in std::env::vars_os() {
        if leaks(&name.to_string_lossy()) {
            cmd.env_remove(&name);
        }
    }
    cmd.env("HOSP_LOGS_STATE", "off")
}

/// The binary with a clean environment ([`clean_env`]), as assert_cmd runs it.
pub fn hosp_logs() -> Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hosp-logs"));
    clean_env(&mut cmd);
    Command::from_std(cmd)
}

/// The binary with a clean environment ([`clean_env`]), as std runs it (to spawn and watch
/// a running process).
pub fn hosp_logs_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hosp-logs"));
    clean_env(&mut cmd);
    cmd
}

/// `env -u NAME …` for each variable [`clean_env`] clears, for a command line run through a
/// shell (tmux): the same clean environment.
pub fn env_unset_args() -> Vec<String> {
    let mut out = vec!["env".to_string()];
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if leaks(&name) {
            out.push("-u".into());
            out.push(name.into_owned());
        }
    }
    out.push("HOSP_LOGS_STATE=off".into());
    out
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

/// `hosp-logs store info --format json` of `store`.
pub fn store_info(store: &std::path::Path) -> Value {
    json_ok(
        &hosp_logs()
            .args(["store", "info", "--format", "json"])
            .arg("--store")
            .arg(store)
            .output()
            .unwrap(),
    )
}

/// A JSON object of counts (`{"200": 67178, …}`) as a sorted map.
pub fn count_map(v: &Value) -> std::collections::BTreeMap<String, u64> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .iter()
        .map(|(k, n)| (k.clone(), u(n)))
        .collect()
}

/// Copies a folder and everything under it.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// An answer's JSON without what it read: the top-level `input` and each `slos[]` entry's
/// (every SLO repeats the input), to compare two reads of the same requests.
#[allow(dead_code)]
pub fn without_input(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("input");
        if let Some(Value::Array(slos)) = o.get_mut("slos") {
            for s in slos {
                if let Some(s) = s.as_object_mut() {
                    s.remove("input");
                }
            }
        }
    }
    v
}

/// A split of `files` over several collects, for the store's "any split gives the same
/// answers" tests: shuffled by `seed`, cut into 2 to `1 + kinds` groups of uneven sizes, each
/// group with one file of the whole given again (a file collected twice).
#[allow(dead_code)]
pub fn random_split(files: &[PathBuf], seed: u64, kinds: u64) -> Vec<Vec<PathBuf>> {
    let mut rng = seed;
    let mut next = || {
        rng = rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        rng >> 33
    };
    let mut order = files.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    let parts = 2 + (next() % kinds) as usize;
    let mut groups = Vec::with_capacity(parts);
    let mut rest: &[PathBuf] = &order;
    for p in 0..parts {
        let take = if p + 1 == parts {
            rest.len()
        } else {
            1 + (next() as usize % rest.len().max(1))
        }
        .min(rest.len());
        let (now, later) = rest.split_at(take);
        let mut group = now.to_vec();
        group.push(files[(next() as usize) % files.len()].clone());
        groups.push(group);
        rest = later;
    }
    groups
}

/// Every file under a folder, counted recursively (whatever its name).
#[allow(dead_code)]
pub fn count_files(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                count_files(&p)
            } else {
                1
            }
        })
        .sum()
}
