//! A config's relative paths are the config file's (as Cargo's and Compose's are): the same
//! answer from any working directory. A path on the command line stays the working
//! directory's.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::{hosp_logs, json_ok, root, truth, u};

/// A config in `dir` whose hops and [source] read `day/…` beside it.
fn write_config(dir: &Path) -> String {
    symlink(root().join("fixtures/day"), dir.join("day")).unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/hosp-logs.toml")).unwrap();
    assert!(
        text.contains("sources = [\"day/nginx\"]"),
        "the fixture config reads day/…"
    );
    let text = format!("[source]\npaths = [\"day/AWSLogs\"]\n\n{text}");
    let file = dir.join("hosp-logs.toml");
    std::fs::write(&file, text).unwrap();
    file.display().to_string()
}

#[test]
fn a_config_in_another_folder_reads_its_own_relative_paths_from_a_third_cwd() {
    let config_dir = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let config = write_config(config_dir.path());
    let t = truth();
    let out = hosp_logs()
        .current_dir(cwd.path())
        .args(["hops", "--format", "json", "--config", &config])
        .output()
        .unwrap();
    let r = json_ok(&out);
    let hops = r["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 3);
    assert_eq!(hops[0]["valid"], t["cloudfront"]["requests"]["valid"]);
    assert_eq!(hops[1]["valid"], t["requests"]["valid"]);
    assert_eq!(u(&hops[2]["valid"]), u(&t["nginx"]["requests"]["valid"]));
    let notes = r["notes"].to_string();
    assert!(!notes.contains("cannot be joined"), "{notes}");
    assert!(r["join"]["lb_proxy"]["joined"].as_u64().unwrap() > 0);
    // [source] paths too: `errors` without --source reads the config's day/AWSLogs
    let out = hosp_logs()
        .current_dir(cwd.path())
        .args(["errors", "--format", "json", "--config", &config])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(u(&v["input"]["formats"]["alb"]), u(&t["files"]));
}

#[test]
fn a_command_line_path_stays_the_working_directorys() {
    let config_dir = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let config = write_config(config_dir.path());
    symlink(
        root().join("fixtures/day/cloudfront"),
        cwd.path().join("edge"),
    )
    .unwrap();
    let v = json_ok(
        &hosp_logs()
            .current_dir(cwd.path())
            .args(["slo", "--format", "json", "--config", &config])
            .args(["--source", "edge"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v["requests"]["valid"],
        truth()["cloudfront"]["requests"]["valid"]
    );
}

#[test]
fn a_hop_that_reads_nothing_says_so_before_any_join_note() {
    let config_dir = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let config = write_config(config_dir.path());
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("sources = [\"day/nginx\"]", "sources = [\"proxy\"]");
    std::fs::write(&config, text).unwrap();
    std::fs::create_dir(config_dir.path().join("proxy")).unwrap();
    let out = hosp_logs()
        .current_dir(cwd.path())
        .args(["hops", "--format", "json", "--config", &config])
        .output()
        .unwrap();
    let r = json_ok(&out);
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let proxy = config_dir.path().join("proxy").display().to_string();
    assert_eq!(
        notes[0],
        format!("hop `proxy`: no files under {proxy}"),
        "{notes:?}"
    );
    assert!(
        notes[1..].iter().any(|n| n.contains("cannot be joined")),
        "{notes:?}"
    );
    // the table says it first as well
    let table = common::stdout_ok(
        &hosp_logs()
            .current_dir(cwd.path())
            .args(["hops", "--config", &config])
            .output()
            .unwrap(),
    );
    let said = table.find("hop `proxy`: no files under").unwrap();
    assert!(said < table.find("cannot be joined").unwrap(), "{table}");
}
