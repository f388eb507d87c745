//! The security precision benchmark: `generate --scenario security-bench` writes ordinary
//! traffic (about 1,900 NAT'd clinics with browsers, the vets' app and now and then an
//! integration script; staff; a load test) and seven intruders named in its truth.json.
//! `security` must find the intruders without drowning them: unconfigured, at least 6 of 7 at
//! medium or above with at most 3 ordinary clients there; configured (known networks,
//! working hours), all 7 and no ordinary client. The same holds, unconfigured, on each of the
//! `--variant`s of ordinary traffic the rules were not written against (BENCHMARKS.md lists
//! each one's precision and recall).

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
    worst_in(&bench().0, args)
}

fn worst_in(dir: &tempfile::TempDir, args: &[&str]) -> BTreeMap<String, usize> {
    let out = hosp_logs()
        .args([
            "security",
            "-q",
            "--format",
            "json",
            "--min-severity",
            "info",
            "--state",
            "off",
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
    score_with(&bench().1, w)
}

fn score_with(truth: &Value, w: &BTreeMap<String, usize>) -> (Vec<String>, Vec<String>) {
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

/// A variation of the benchmark, generated for the test that reads it.
fn variant(name: &str) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = hosp_logs()
        .args([
            "generate",
            "-q",
            "--scenario",
            "security-bench",
            "--variant",
            name,
        ])
        .args(["--duration", "36h", "--rate", "2.3", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    stdout_ok(&out);
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth["variant"], name);
    (dir, truth)
}

/// Unconfigured, on a variation: at least 6 of the 7 intruders at medium or above, at most 3
/// ordinary clients there; precision and recall as BENCHMARKS.md reports them.
fn variation_holds(name: &str, precision_at_least: f64, recall_at_least: f64) {
    let (dir, truth) = variant(name);
    let intruders = truth["intruders"].as_array().unwrap().len();
    assert_eq!(intruders, 7);
    let (found, ordinary) = score_with(&truth, &worst_in(&dir, &[]));
    let precision = found.len() as f64 / (found.len() + ordinary.len()).max(1) as f64;
    let recall = found.len() as f64 / intruders as f64;
    eprintln!("{name}: precision {precision:.2}, recall {recall:.2}, ordinary {ordinary:?}");
    assert!(found.len() >= 6, "{name}: found {found:?}");
    assert!(
        ordinary.len() <= 3,
        "{name}: ordinary at medium+: {ordinary:?}"
    );
    assert!(
        precision >= precision_at_least,
        "{name}: precision {precision}"
    );
    assert!(recall >= recall_at_least, "{name}: recall {recall}");
}

// measured (BENCHMARKS.md): precision 1.00 and recall 0.86 (6 of 7: the slow writer, one
// browser note every 45 minutes at night, needs working_hours) on every variation

#[test]
fn variation_scripts_2_percent_of_writes() {
    variation_holds("scripts-2", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_scripts_12_percent_of_writes() {
    variation_holds("scripts-12", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_scripts_25_percent_of_writes() {
    variation_holds("scripts-25", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_many_small_clients() {
    variation_holds("small-clients", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_busy_nat_clinics() {
    variation_holds("busy-nat", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_outage_failures_rise_for_everyone() {
    variation_holds("outage", 1.0, 6.0 / 7.0);
}

#[test]
fn variation_night_shifts() {
    variation_holds("night-shift", 1.0, 6.0 / 7.0);
}

#[test]
fn the_default_table_of_a_busy_day_is_short() {
    let (dir, truth) = bench();
    let run = |args: &[&str]| -> Value {
        let out = hosp_logs()
            .args(["security", "-q", "--format", "json", "--state", "off"])
            .arg("--source")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        serde_json::from_str(&stdout_ok(&out)).unwrap()
    };
    // the default lists medium and above: the intruders' findings, not the clinics'
    let r = run(&[]);
    assert_eq!(r["min_severity"], "medium");
    let listed = r["findings"].as_array().unwrap();
    let intruders: BTreeSet<&str> = truth["intruders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client_ip"].as_str().unwrap())
        .collect();
    let clients: BTreeSet<&str> = listed
        .iter()
        .map(|f| f["client_ip"].as_str().unwrap())
        .collect();
    assert!(clients.len() <= 10, "{clients:?}");
    assert!(
        clients.iter().filter(|c| !intruders.contains(*c)).count() <= 3,
        "{clients:?}"
    );
    for f in listed {
        assert!(["medium", "high", "critical"].contains(&f["severity"].as_str().unwrap()));
    }
    // ranked: most severe first, and within a severity the strongest evidence first
    let key = |f: &Value| {
        (
            RANK.iter().position(|s| f["severity"] == *s).unwrap(),
            f["strength"].as_f64().unwrap_or(0.0),
        )
    };
    for w in listed.windows(2) {
        let (a, b) = (key(&w[0]), key(&w[1]));
        assert!(a.0 > b.0 || (a.0 == b.0 && a.1 >= b.1), "{a:?} then {b:?}");
    }
    let hidden = r["hidden"].as_u64().unwrap();
    assert!(hidden > 0);
    // --all lists the rest, and says the same counts
    let all = run(&["--all"]);
    assert_eq!(all["min_severity"], "info");
    assert_eq!(
        all["findings"].as_array().unwrap().len() as u64,
        listed.len() as u64 + hidden
    );
    assert_eq!(all["by_severity"], r["by_severity"]);
    // the table says what it left out
    let out = hosp_logs()
        .args(["security", "-q", "--state", "off", "--source"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(stdout_ok(&out).contains(&format!("medium and above ({hidden} below not listed)")));
}
