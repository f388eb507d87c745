//! Several SLOs (`[[slo]]`, `--slo-spec` OpenSLO documents): every command's `slos[]`, each
//! SLO's counts checked against the fixture day's truth.json or a count made here.

use std::path::Path;

use serde_json::Value;

mod common;
use common::*;

fn data(name: &str) -> String {
    root()
        .join("tests/data/slos")
        .join(name)
        .display()
        .to_string()
}

/// Runs the binary; returns (exit code, stdout JSON or Null, stderr).
fn run(args: &[&str]) -> (i32, Value, String) {
    let out = hosp_logs().args(args).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn slo_json(args: &[&str]) -> Value {
    let day = fixture_day();
    let mut all = vec!["slo", "--source", &day, "--format", "json"];
    all.extend_from_slice(args);
    let (code, json, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    json
}

fn named<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no SLO {name} in {}", v["slos"]))
}

#[test]
fn two_slos_from_toml_and_from_openslo_give_the_same_slos() {
    let truth = truth();
    let toml = slo_json(&["--config", &data("two.toml")]);
    // the OpenSLO file read with the fixture config, whose [exclude] is two.toml's
    let yaml = slo_json(&[
        "--config",
        &fixture_config(),
        "--slo-spec",
        &data("two.openslo.yaml"),
    ]);
    assert_eq!(toml["slos"].as_array().unwrap().len(), 2);
    assert_eq!(toml["slos"], yaml["slos"]);

    // the same documents as JSON read the same
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = serde_yaml_ng::Deserializer::from_str(
        &std::fs::read_to_string(data("two.openslo.yaml")).unwrap(),
    )
    .map(|d| serde::Deserialize::deserialize(d).unwrap())
    .collect();
    let json_file = dir.path().join("two.json");
    std::fs::write(&json_file, serde_json::to_string_pretty(&docs).unwrap()).unwrap();
    let json = slo_json(&[
        "--config",
        &fixture_config(),
        "--slo-spec",
        json_file.to_str().unwrap(),
    ]);
    assert_eq!(toml["slos"], json["slos"]);

    // each SLO's counts are the generator's
    let availability = named(&toml, "availability");
    assert_eq!(
        availability["requests"]["valid"],
        truth["requests"]["valid"]
    );
    assert_eq!(availability["requests"]["good"], truth["requests"]["good"]);
    let fast = named(&toml, "fast-3s");
    assert_eq!(fast["requests"]["valid"], truth["requests"]["valid"]);
    assert_eq!(
        fast["requests"]["good"],
        truth["latency_threshold_3s"]["good"]
    );
    assert_eq!(
        fast["requests"]["bad"],
        truth["latency_threshold_3s"]["bad"]
    );
    assert_eq!(fast["latency_threshold_ms"], 3000.0);
    // its own two alerts, not the workbook's four
    let alerts: Vec<String> = fast["burn_rate_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}/{}",
                a["severity"], a["long_window"], a["short_window"]
            )
        })
        .collect();
    assert_eq!(alerts, [r#""page" "1h"/"5m""#, r#""ticket" "6h"/"30m""#]);
    assert_eq!(
        availability["burn_rate_alerts"].as_array().unwrap().len(),
        4
    );
    // the top-level keys are the first SLO's
    for (k, v) in toml.as_object().unwrap() {
        if k != "slos" {
            assert_eq!(&availability[k], v, "{k}");
        }
    }
    let rate = fast["success_rate"].as_f64().unwrap();
    let want = truth["latency_threshold_3s"]["good"].as_f64().unwrap()
        / truth["requests"]["valid"].as_f64().unwrap();
    assert!((rate - want).abs() < 1e-12);
}

/// The requests of the fixture day that match `POST /notes` (whole segments), from the
/// generator's per-endpoint counts: (requests, 5xx).
fn post_notes(truth: &Value) -> (u64, u64) {
    truth["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let ep = e["endpoint"].as_str().unwrap();
            e["method"] == "POST" && (ep == "/notes" || ep.starts_with("/notes/"))
        })
        .fold((0, 0), |(r, f), e| {
            (
                r + e["requests"].as_u64().unwrap(),
                f + e["errors_5xx"].as_u64().unwrap(),
            )
        })
}

#[test]
fn an_endpoints_filtered_slo_counts_its_endpoints_only() {
    let truth = truth();
    // no [exclude]: the generator's per-endpoint counts include the load test
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("notes.toml");
    std::fs::write(
        &cfg,
        "[[slo]]\nname = \"everything\"\ntarget = 99\n\n\
         [[slo]]\nname = \"notes-writes\"\ntarget = 99.9\nendpoints = [\"POST /notes\"]\n\n\
         [[slo]]\nname = \"nothing\"\ntarget = 99\nendpoints = [\"DELETE /no/such/{id}\"]\n",
    )
    .unwrap();
    let v = slo_json(&["--config", cfg.to_str().unwrap()]);
    let (requests, failed) = post_notes(&truth);
    assert!(requests > 1000, "{requests}");
    let notes = named(&v, "notes-writes");
    assert_eq!(notes["endpoints"], serde_json::json!(["POST /notes"]));
    assert_eq!(notes["requests"]["total"], requests);
    assert_eq!(notes["requests"]["valid"], requests);
    assert_eq!(notes["requests"]["good"], requests - failed);
    assert_eq!(notes["target"], 0.999);
    let all = named(&v, "everything");
    let total = truth["requests"]["total"].as_u64().unwrap();
    let e5: u64 = truth["by_elb_status"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(code, _)| code.as_str() >= "500")
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(all["requests"]["valid"], total);
    assert_eq!(all["requests"]["good"], total - e5);
    assert!(all.get("endpoints").is_none());
    let nothing = named(&v, "nothing");
    assert_eq!(nothing["requests"]["total"], 0);
    assert_eq!(nothing["success_rate"], Value::Null);

    // --fail-on-breach: an SLO with nothing to judge fails closed (4)
    let day = fixture_day();
    let (code, _, _) = run(&[
        "slo",
        "--source",
        &day,
        "--config",
        cfg.to_str().unwrap(),
        "--fail-on-breach",
    ]);
    assert_eq!(code, 4);
}

#[test]
fn invalid_documents_are_refused_naming_the_field() {
    let good = std::fs::read_to_string(data("two.openslo.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // a missing field
        (
            "  budgetingMethod: Occurrences\n",
            "",
            "spec.budgetingMethod: required",
        ),
        // the wrong kind
        (
            "kind: SLO\nmetadata:\n  name: fast-3s",
            "kind: SLOs\nmetadata:\n  name: fast-3s",
            "kind: \"SLOs\"",
        ),
        // a target out of range
        (
            "    - target: 0.99",
            "    - target: 99.5",
            "spec.objectives[0].target: 99.5",
        ),
        (
            "    - targetPercent: 99",
            "    - targetPercent: 100",
            "spec.objectives[0].targetPercent",
        ),
        // a burn-rate condition that never fires upward
        (
            "    op: gt\n    threshold: 6",
            "    op: lte\n    threshold: 6",
            "spec.condition.op",
        ),
    ];
    for (i, (from, to, field)) in cases.into_iter().enumerate() {
        assert!(good.contains(from), "{from:?}");
        let file = dir.path().join(format!("bad{i}.yaml"));
        std::fs::write(&file, good.replacen(from, to, 1)).unwrap();
        let day = fixture_day();
        let (code, out, err) = run(&[
            "slo",
            "--source",
            &day,
            "--slo-spec",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{to:?}: {err}");
        assert!(err.contains(field), "{to:?}: {err}");
        assert!(out.is_null());
    }
    // the same refusal through gate
    let file = dir.path().join("bad2.yaml");
    let (code, _, err) = run(&[
        "gate",
        "--source",
        &fixture_day(),
        "--slo-spec",
        file.to_str().unwrap(),
        "--slo",
        "fast-3s=80",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("spec.objectives[0].target"), "{err}");
    // a config's [[slo]] with a bad endpoint pattern or a duplicate name
    for (text, says) in [
        (
            "[[slo]]\nname = \"a\"\ntarget = 99\nendpoints = [\"notes\"]\n",
            "endpoints",
        ),
        (
            "[[slo]]\nname = \"a\"\ntarget = 99\n[[slo]]\nname = \"a\"\ntarget = 98\n",
            "two SLOs are named",
        ),
        ("[[slo]]\nname = \"a\"\ntarget = 100\n", "SLO target 100"),
        ("[[slo]]\nname = \"a\"\ntargett = 99\n", "targett"),
    ] {
        let cfg = dir.path().join("bad.toml");
        std::fs::write(&cfg, text).unwrap();
        let (code, _, err) = run(&[
            "slo",
            "--source",
            &fixture_day(),
            "--config",
            cfg.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn gate_judges_each_named_slo_by_its_own_definition() {
    let truth = truth();
    let valid = truth["requests"]["valid"].as_f64().unwrap();
    let availability = truth["requests"]["good"].as_f64().unwrap() / valid * 100.0;
    let fast = truth["latency_threshold_3s"]["good"].as_f64().unwrap() / valid * 100.0;
    let day = fixture_day();
    let cfg = data("two.toml");
    let gate = |checks: &[String]| {
        let mut args = vec![
            "gate".to_string(),
            "--source".into(),
            day.clone(),
            "--config".into(),
            cfg.clone(),
            "--format".into(),
            "json".into(),
        ];
        for c in checks {
            args.push("--slo".into());
            args.push(c.clone());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    };
    let at = |name: &str, pct: f64| format!("{name}={pct:.3}");
    // just under each SLO's success rate passes, just over it is a breach (exit 3)
    let (code, v, err) = gate(&[at("availability", availability - 0.01)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["checks"][0]["slo"], "availability");
    let (code, _, _) = gate(&[at("availability", availability + 0.01)]);
    assert_eq!(code, 3);
    // fast-3s is the stricter: its threshold passes availability and breaches itself
    let (code, v, _) = gate(&[at("fast-3s", fast - 0.01), at("availability", fast - 0.01)]);
    assert_eq!(code, 0);
    assert!((v["checks"][0]["actual_value"].as_f64().unwrap() * 100.0 - fast).abs() < 1e-9);
    let (code, v, _) = gate(&[at("availability", fast + 0.01), at("fast-3s", fast + 0.01)]);
    assert_eq!(code, 3);
    assert_eq!(v["checks"][0]["passed"], true);
    assert_eq!(v["checks"][1]["passed"], false);
    // the plain --slo is the first SLO, as always
    let (code, v, _) = gate(&[format!("{:.3}", availability - 0.01)]);
    assert_eq!(code, 0);
    assert!(v["checks"][0].get("slo").is_none());
    // an unknown name is a usage error (2)
    let (code, _, err) = gate(&["nope=99".into()]);
    assert_eq!(code, 2);
    assert!(err.contains("availability, fast-3s"), "{err}");
    // a named SLO with no valid request fails closed (4)
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(
        &empty,
        "[[slo]]\nname = \"availability\"\ntarget = 99\n\
         [[slo]]\nname = \"none\"\ntarget = 99\nendpoints = [\"PATCH /nothing\"]\n",
    )
    .unwrap();
    let (code, v, _) = run(&[
        "gate",
        "--source",
        &day,
        "--config",
        empty.to_str().unwrap(),
        "--slo",
        "none=50",
        "--format",
        "json",
    ]);
    assert_eq!(code, 4);
    assert_eq!(v["verdict"], "no_data");
}

#[test]
fn a_single_slo_config_keeps_its_json_and_gains_slos_of_one() {
    let v = slo_json(&["--config", &fixture_config()]);
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    // today's keys, and slos
    for k in [
        "definitions",
        "window",
        "input",
        "requests",
        "success_rate",
        "target",
        "met",
        "latency_threshold_ms",
        "error_budget",
        "burn_rate",
        "burn_rate_alerts",
        "periods",
        "slos",
    ] {
        assert!(top.contains(&&k.to_string()), "{k}: {top:?}");
    }
    assert_eq!(top.len(), 13, "{top:?}");
    let slos = v["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 1);
    assert_eq!(slos[0]["name"], "availability");
    let mut one = slos[0].as_object().unwrap().clone();
    one.remove("name");
    let mut rest = v.as_object().unwrap().clone();
    rest.remove("slos");
    assert_eq!(one, rest);
    assert_eq!(v["requests"]["good"], truth()["requests"]["good"]);
}

#[test]
fn the_store_answers_the_slos_it_can_and_says_which_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let cfg = dir.path().join("three.toml");
    std::fs::write(
        &cfg,
        "[exclude]\nuser_agents = [\"hosp-loadtest/*\"]\nclient_cidrs = [\"10.99.0.0/24\"]\n\
         [[slo]]\nname = \"availability\"\ntarget = 99\nwindow = \"28d\"\n\
         [[slo]]\nname = \"strict\"\ntarget = 99.9\n\
         [[slo]]\nname = \"fast-3s\"\ntarget = 99\nlatency_threshold = \"3s\"\n\
         [[slo]]\nname = \"notes\"\ntarget = 99\nendpoints = [\"POST /notes\"]\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let day = fixture_day();
    let (code, _, err) = run(&[
        "collect", "--source", &day, "--config", cfg, "--store", store,
    ]);
    assert_eq!(code, 0, "{err}");
    let until = ["--until", "2026-11-21T00:00:00Z"];
    let mut args = vec!["slo", "--config", cfg, "--store", store, "--format", "json"];
    args.extend(until);
    let (code, from_store, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("SLO fast-3s is not answered from the store"),
        "{err}"
    );
    let mut args = vec!["slo", "--source", &day, "--config", cfg, "--format", "json"];
    args.extend(until);
    let raw = run(&args).1;
    let names: Vec<&Value> = from_store["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(names, ["availability", "strict"]);
    for name in ["availability", "strict"] {
        let (mut a, mut b) = (named(&from_store, name).clone(), named(&raw, name).clone());
        a.as_object_mut().unwrap().remove("input");
        b.as_object_mut().unwrap().remove("input");
        assert_eq!(a, b, "{name}");
    }
    // availability is judged over its own 28 days, strict over what the run read
    assert_eq!(named(&raw, "availability")["slo_window"]["name"], "28d");
    assert_eq!(
        named(&raw, "strict")["requests"],
        named(&raw, "availability")["requests"]
    );
    let not: Vec<&Value> = from_store["slos_not_answered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(not, ["fast-3s", "notes"]);
    assert!(raw.get("slos_not_answered").is_none());
    assert_eq!(raw["slos"].as_array().unwrap().len(), 4);
}

#[test]
fn watch_and_report_show_every_slo() {
    let truth = truth();
    let day = fixture_day();
    let cfg = data("two.toml");
    let out = hosp_logs()
        .env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z")
        .args([
            "watch", "--source", &day, "--config", &cfg, "--once", "--since", "24h",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        named(&snap, "availability")["requests"]["good"],
        truth["requests"]["good"]
    );
    assert_eq!(
        named(&snap, "fast-3s")["requests"]["good"],
        truth["latency_threshold_3s"]["good"]
    );

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let (code, printed, err) = run(&[
        "report",
        "--source",
        &day,
        "--config",
        &cfg,
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(printed["slos"][1]["name"], "fast-3s");
    assert_eq!(printed["slos"][1]["met"], false);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        named(&summary, "fast-3s")["requests"]["good"],
        truth["latency_threshold_3s"]["good"]
    );
    let page = std::fs::read_to_string(Path::new(&out_dir).join("index.html")).unwrap();
    assert!(page.contains("Every SLO") && page.contains("fast-3s"));
}
