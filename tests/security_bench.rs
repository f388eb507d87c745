//! The security precision benchmark: `generate --scenario security-bench` writes ordinary
//! traffic (about 1,900 NAT'd clinics with browsers, the vets' app and now and then an
//! integration script; staff; a load test) and seven intruders named in its truth.json.
//! `security` must find the intruders without drowning them: unconfigured, at least 6 of 7 at
//! medium or above with at most 3 ordinary clients there; configured (known networks,
//! working hours), all 7 and no ordinary client.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

mod common;
use common::*;

const RANK: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// The benchmark day, generated once.
fn bench() -> &'static (tempfile::TempDir, Value) {
    static B: std::sync::OnceLock<(tempfile::TempDir, Value)> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = hosp_logs()
            .args(["generate", "-q", "--scenario", "security-bench"])
            .args(["--duration", "36h", "--rate", "2.3", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        stdout_ok(&out);
        let truth: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
        (dir, truth)
    })
}

/// Each client's highest severity over a run's findings.
fn worst(args: &[&str]) -> BTreeMap<String, usize> {
    let (dir, _) = bench();
    let out = hosp_logs()
        .args([
            "security",
            "-q",
            "--format",
            "json",
            "--min-severity",
            "info",
        ])
        .arg("--source")
        .arg(dir.path())
        .args(args)
        .output()
        .unwrap();
    let r: Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    let mut w: BTreeMap<String, usize> = BTreeMap::new();
    for f in r["findings"].as_array().unwrap() {
        let rank = RANK.iter().position(|s| f["severity"] == *s).unwrap();
        let e = w
            .entry(f["client_ip"].as_str().unwrap().to_string())
            .or_default();
        *e = (*e).max(rank);
    }
    w
}

/// (intruders found at medium or above, ordinary clients at medium or above).
fn score(w: &BTreeMap<String, usize>) -> (Vec<String>, Vec<String>) {
    let truth = &bench().1;
    let intruders: BTreeSet<&str> = truth["intruders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client_ip"].as_str().unwrap())
        .collect();
    let loud = |ip: &&String| w[*ip] >= 2;
    let found = w
        .keys()
        .filter(loud)
        .filter(|ip| intruders.contains(ip.as_str()))
        .cloned()
        .collect();
    let ordinary = w
        .keys()
        .filter(loud)
        .filter(|ip| !intruders.contains(ip.as_str()))
        .cloned()
        .collect();
    (found, ordinary)
}

#[test]
fn the_benchmark_has_seven_intruders_among_about_two_thousand_clients() {
    let t = &bench().1;
    let kinds: BTreeSet<&str> = t["intruders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    let clients = u(&t["ordinary_clients"]);
    assert!((1800..=2200).contains(&clients), "{clients}");
    assert!(u(&t["lines"]) > 250_000);
    // one of them writes from IPv6, one rotates user agents
    assert!(t["intruders"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["client_ip"].as_str().unwrap().contains(':')));
    assert!(t["intruders"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["user_agents"].as_array().unwrap().len() >= 10));
}

#[test]
fn unconfigured_six_of_seven_intruders_and_at_most_three_ordinary_clients() {
    let (found, ordinary) = score(&worst(&[]));
    assert!(found.len() >= 6, "found {found:?}");
    assert!(ordinary.len() <= 3, "ordinary at medium+: {ordinary:?}");
}

#[test]
fn configured_every_intruder_and_no_ordinary_client() {
    let t = &bench().1;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bench.toml");
    let nets: Vec<String> = t["known_networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{n}"))
        .collect();
    std::fs::write(
        &cfg,
        format!(
            "[security]\nknown_networks = [{}]\nworking_hours = {}\ntime_zone = {}\n",
            nets.join(", "),
            t["working_hours"],
            t["time_zone"]
        ),
    )
    .unwrap();
    let (found, ordinary) = score(&worst(&["--config", &cfg.display().to_string()]));
    assert_eq!(found.len(), 7, "found {found:?}");
    assert!(ordinary.is_empty(), "ordinary at medium+: {ordinary:?}");
}
