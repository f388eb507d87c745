//! `errors` and `latency` on the fixture day, checked against truth.json and against
//! percentiles computed here, independently, from the raw log lines.

use std::path::PathBuf;

use serde_json::Value;

mod common;
use common::*;

fn run_json(args: &[&str]) -> Value {
    let out = hosp_logs()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    json_ok(&out)
}

fn or_dash(v: &Value) -> String {
    v.as_str().unwrap_or("-").to_string()
}

#[test]
fn errors_match_truth() {
    let t = truth();
    let r = run_json(&["errors", "--source", &fixture_day(), "--top", "1000"]);
    let by_status = t["by_elb_status"].as_object().unwrap();
    let total_5xx: u64 = by_status
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .map(|(_, v)| u(v))
        .sum();
    assert_eq!(u(&r["total_5xx"]), total_5xx);
    assert_eq!(r["alb_generated"], t["alb_generated_5xx"]);
    assert_eq!(r["target_generated"], t["target_generated_5xx"]);
    assert_eq!(r["requests"], t["requests"]["total"]);
    for s in r["by_status"].as_array().unwrap() {
        assert_eq!(
            s["count"],
            by_status[&s["status"].to_string()],
            "status {}",
            s["status"]
        );
    }
    assert_eq!(
        r["by_status"].as_array().unwrap().len(),
        by_status.keys().filter(|k| k.starts_with('5')).count()
    );

    // every endpoint with a 5XX, with its request count and error rate
    let expected: Vec<&Value> = t["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| u(&e["errors_5xx"]) > 0)
        .collect();
    let got = r["by_endpoint"].as_array().unwrap();
    assert_eq!(got.len(), expected.len());
    for e in expected {
        let g = got
            .iter()
            .find(|g| {
                or_dash(&g["method"]) == e["method"].as_str().unwrap()
                    && or_dash(&g["endpoint"]) == e["endpoint"].as_str().unwrap()
            })
            .unwrap_or_else(|| panic!("missing {e}"));
        assert_eq!(g["requests"], e["requests"], "{e}");
        assert_eq!(g["errors"], e["errors_5xx"], "{e}");
        let rate = u(&e["errors_5xx"]) as f64 / u(&e["requests"]) as f64;
        assert!((g["error_rate"].as_f64().unwrap() - rate).abs() < 1e-12);
    }
    for tg in t["by_target_group"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| u(&g["errors_5xx"]) > 0)
    {
        let name = tg["target_group"].as_str().unwrap();
        let g = r["by_target_group"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| or_dash(&g["key"]) == name)
            .unwrap();
        assert_eq!(g["requests"], tg["requests"], "{name}");
        assert_eq!(g["errors"], tg["errors_5xx"], "{name}");
    }
    // over time sums back to the totals
    let ot = r["over_time"].as_array().unwrap();
    assert_eq!(ot.iter().map(|b| u(&b["errors"])).sum::<u64>(), total_5xx);
    assert_eq!(
        ot.iter().map(|b| u(&b["requests"])).sum::<u64>(),
        u(&t["requests"]["total"])
    );
    assert_eq!(r["bucket"], "10m");
    let fs = &r["fast_vs_slow"];
    assert_eq!(
        u(&fs["fast"]) + u(&fs["slow"]) + u(&fs["no_latency"]),
        total_5xx
    );
}

#[test]
fn errors_with_4xx_and_a_bucket() {
    let t = truth();
    let r = run_json(&[
        "errors",
        "--source",
        &fixture_day(),
        "--4xx",
        "--bucket",
        "1h",
    ]);
    let by_status = t["by_elb_status"].as_object().unwrap();
    let total_4xx: u64 = by_status
        .iter()
        .filter(|(k, _)| k.starts_with('4'))
        .map(|(_, v)| u(v))
        .sum();
    assert_eq!(u(&r["total_4xx"]), total_4xx);
    assert_eq!(r["over_time"].as_array().unwrap().len(), 24);
    assert!(r["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["status"] == 404));
}

/// Latencies straight from the log text: fields 6-8 are the processing times (no quoted field
/// comes before them, so splitting on spaces is safe).
fn raw_latencies(field: usize, only: Option<(&str, &str)>) -> (Vec<f64>, u64) {
    let (mut values, mut none) = (Vec::new(), 0);
    for line in fixture_lines() {
        let tok: Vec<&str> = line.split(' ').collect();
        if let Some((method, path)) = only {
            let url = tok[13];
            let p = url
                .splitn(4, '/')
                .nth(3)
                .map(|rest| format!("/{}", rest.split('?').next().unwrap()));
            if tok[12] != format!("\"{method}") || p.as_deref() != Some(path) {
                continue;
            }
        }
        let times: Vec<&str> = if field == 0 {
            tok[5..8].to_vec()
        } else {
            vec![tok[4 + field]]
        };
        if times.contains(&"-1") {
            none += 1;
            continue;
        }
        let s: f64 = times.iter().map(|t| t.parse::<f64>().unwrap()).sum();
        values.push(s * 1000.0);
    }
    values.sort_by(f64::total_cmp);
    (values, none)
}

/// Linear interpolation between closest ranks (numpy's default, DuckDB quantile_cont).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

fn assert_close(got: &Value, want: f64, what: &str) {
    let g = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!(
        (g - want).abs() < 1e-6 * want.max(1.0),
        "{what}: got {g}, want {want}"
    );
}

#[test]
fn latency_percentiles_match_an_independent_computation() {
    let t = truth();
    let r = run_json(&["latency", "--source", &fixture_day(), "--top", "1000"]);
    let (values, none) = raw_latencies(0, None);
    assert_eq!(r["no_latency"], t["no_latency"]);
    assert_eq!(u(&r["no_latency"]), none);
    let o = &r["overall"];
    assert_eq!(u(&o["count"]), values.len() as u64);
    for (key, q) in [
        ("p50", 0.5),
        ("p90", 0.9),
        ("p95", 0.95),
        ("p99", 0.99),
        ("p999", 0.999),
    ] {
        assert_close(&o[key], quantile(&values, q), key);
    }
    assert_close(&o["max"], *values.last().unwrap(), "max");

    let (notes, _) = raw_latencies(0, Some(("POST", "/notes")));
    let ep = r["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "POST" && e["endpoint"] == "/notes")
        .unwrap();
    assert_eq!(u(&ep["count"]), notes.len() as u64);
    assert_close(&ep["p99"], quantile(&notes, 0.99), "POST /notes p99");
    assert_close(&ep["p50"], quantile(&notes, 0.5), "POST /notes p50");
}

#[test]
fn latency_of_one_processing_time() {
    let r = run_json(&["latency", "--source", &fixture_day(), "--field", "target"]);
    let (values, none) = raw_latencies(2, None);
    assert_eq!(r["field"], "target");
    assert_eq!(u(&r["no_latency"]), none);
    assert_close(&r["overall"]["p99"], quantile(&values, 0.99), "target p99");
    assert_close(&r["overall"]["p50"], quantile(&values, 0.5), "target p50");
}

#[test]
fn backends_show_the_migration_against_truth() {
    let t = truth();
    let r = run_json(&["backends", "--source", &fixture_day()]);
    for tg in t["by_target_group"].as_array().unwrap() {
        let name = tg["target_group"].as_str().unwrap();
        let g = r["target_groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| or_dash(&g["target_group"]) == name)
            .unwrap();
        assert_eq!(g["requests"], tg["requests"], "{name}");
        assert_eq!(g["errors_5xx"], tg["errors_5xx"], "{name}");
    }
    let migration = t["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "migration")
        .unwrap();
    let at = migration["at"].as_str().unwrap();
    let moved = r["moved_routes"].as_array().unwrap();
    assert!(!moved.is_empty());
    let routes: std::collections::BTreeSet<&str> = moved
        .iter()
        .map(|m| m["endpoint"].as_str().unwrap())
        .collect();
    let expected: std::collections::BTreeSet<&str> = migration["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(routes, expected);
    let mut on_new = 0;
    for m in moved {
        let by = m["served_by"].as_array().unwrap();
        assert_eq!(by.len(), 2, "{m}");
        assert_eq!(by[0]["target_group"], migration["from"]);
        assert_eq!(by[1]["target_group"], migration["to"]);
        assert!(by[0]["last_seen"].as_str().unwrap() < at, "{m}");
        assert!(by[1]["first_seen"].as_str().unwrap() >= at, "{m}");
        // the new backend is much faster
        assert!(
            by[1]["p50_ms"].as_f64().unwrap() * 2.0 < by[0]["p50_ms"].as_f64().unwrap(),
            "{m}"
        );
        on_new += u(&by[1]["requests"]);
    }
    assert_eq!(on_new, u(&migration["requests"]));
    let shares = r["over_time"].as_array().unwrap();
    assert_eq!(
        shares.iter().map(|s| u(&s["requests"])).sum::<u64>(),
        u(&t["requests"]["total"])
    );
}

#[test]
fn traffic_mix_matches_truth() {
    let t = truth();
    let r = run_json(&["traffic", "--source", &fixture_day(), "--top", "5"]);
    assert_eq!(r["requests"], t["requests"]["total"]);
    for (kind, n) in t["by_type"].as_object().unwrap() {
        let got = r["request_types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == kind.as_str())
            .unwrap();
        assert_eq!(&got["requests"], n, "{kind}");
    }
    assert_eq!(r["plain_http"]["requests"], t["by_type"]["http"]);
    assert_eq!(r["ipv6"]["requests"], t["ipv6_requests"]);
    let mut eps: Vec<&Value> = t["by_endpoint"].as_array().unwrap().iter().collect();
    eps.sort_by_key(|e| std::cmp::Reverse(u(&e["requests"])));
    let top = r["top_endpoints"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    for (g, e) in top.iter().zip(eps) {
        assert_eq!(or_dash(&g["method"]), e["method"].as_str().unwrap());
        assert_eq!(g["endpoint"], e["endpoint"]);
        assert_eq!(g["requests"], e["requests"]);
    }
    let no_tls = r["tls_protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"].is_null())
        .unwrap();
    assert_eq!(no_tls["requests"], t["by_type"]["http"]);
}

fn gate(args: &[&str]) -> (i32, Value) {
    let cfg = root().join("fixtures/hosp-logs.toml").display().to_string();
    let out = hosp_logs()
        .args(["gate", "-q", "--format", "json", "--config", &cfg])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json)
}

#[test]
fn gate_passes_breaches_and_fails_closed() {
    let t = truth();
    let rate = u(&t["requests"]["good"]) as f64 / u(&t["requests"]["valid"]) as f64 * 100.0;
    let day = fixture_day();
    // thresholds on either side of the day's real success rate
    let below = format!("{:.2}", rate - 0.01);
    let above = format!("{:.2}", rate + 0.01);
    let (code, r) = gate(&["--source", &day, "--slo", &below]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["checks"][0]["passed"], true);

    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let junit_s = junit.display().to_string();
    let (code, r) = gate(&[
        "--source",
        &day,
        "--slo",
        &above,
        "--max-5xx-rate",
        "10%",
        "--junit",
        &junit_s,
    ]);
    assert_eq!(code, 3, "{r}");
    assert_eq!(r["verdict"], "breach");
    assert_eq!(r["checks"][0]["passed"], false);
    assert_eq!(r["checks"][1]["passed"], true);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"tests="2" failures="1""#), "{xml}");

    // no request in the window: never a pass
    let (code, r) = gate(&[
        "--source",
        &day,
        "--slo",
        "50",
        "--since",
        "2030-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 4, "{r}");
    assert_eq!(r["verdict"], "no_data");

    // an input that could not be read completely: never a pass
    let bad = dir.path().join("cut.log.gz");
    let gz = std::fs::read(first_gz()).unwrap();
    std::fs::write(&bad, &gz[..gz.len() / 2]).unwrap();
    let (code, r) = gate(&[
        "--source",
        &day,
        "--source",
        &bad.display().to_string(),
        "--slo",
        "50",
    ]);
    assert_eq!(code, 4, "{r}");
    assert!(
        r["reason"].as_str().unwrap().contains("could not be read"),
        "{r}"
    );

    // no check at all is a usage error
    let (code, _) = gate(&["--source", &day]);
    assert_eq!(code, 2);
}

#[test]
fn gate_writes_the_github_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = hosp_logs()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["gate", "-q", "--source", &fixture_day(), "--max-p99", "30s"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| Check | Threshold | Actual | Result |"),
        "{md}"
    );
    assert!(md.contains("| p99_latency | &lt;= 30000 ms |"), "{md}");
}

fn first_gz() -> PathBuf {
    log_files(&root().join("fixtures/day")).remove(0)
}

#[test]
fn gate_counts_security_findings() {
    let day = fixture_day();
    // truth: one intruder writes 289 notes from outside the known networks with a script's
    // user agent, far above everyone else; the gate runs without a baseline, so it is two
    // high findings (unexpected-writer: outside + scripted; write-burst) and nothing else is
    // high (the scanner's 404s are medium, the load test is in a known network)
    let t = truth();
    let incidents = t["incidents"].as_array().unwrap();
    let intruders: Vec<&Value> = incidents
        .iter()
        .filter(|i| i["kind"] == "intruder")
        .collect();
    assert_eq!(intruders.len(), 1);
    assert_eq!(intruders[0]["writes"], 289);
    let (code, r) = gate(&["--source", &day, "--max-findings", "high=0"]);
    assert_eq!(code, 3, "{r}");
    let check = &r["checks"][0];
    assert_eq!(check["name"], "security_findings");
    assert_eq!(
        check["actual"],
        (2 * intruders.len()).to_string().as_str(),
        "{check}"
    );
    assert_eq!(check["actual_value"], 2.0 * intruders.len() as f64);
    // at or above critical: none
    let (code, r) = gate(&["--source", &day, "--max-findings", "critical=0"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["checks"][0]["actual"], "0");
    // nothing is critical without a baseline; two high findings are allowed
    let (code, r) = gate(&[
        "--source",
        &day,
        "--max-findings",
        "critical=0",
        "--max-findings",
        "high=5",
    ]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["checks"].as_array().unwrap().len(), 2);
    let (code, _) = gate(&["--source", &day, "--max-findings", "severe=1"]);
    assert_eq!(code, 2);
}

/// Either exclusion alone works: the gate reads only the columns the filter uses (it once asked
/// for client_ip with only user-agent globs configured, and failed).
#[test]
fn gate_with_only_one_kind_of_exclusion() {
    let t = truth();
    let dir = tempfile::tempdir().unwrap();
    for (name, section) in [
        ("ua", "user_agents = [\"hosp-loadtest/*\"]"),
        ("cidr", "client_cidrs = [\"10.99.0.0/24\"]"),
    ] {
        let cfg = dir.path().join(format!("{name}.toml"));
        std::fs::write(&cfg, format!("[exclude]\n{section}\n")).unwrap();
        let out = common::hosp_logs()
            .args(["--config", &cfg.display().to_string()])
            .args(["gate", "--source", &fixture_day(), "--slo", "90"])
            .args([
                "--max-p99",
                "30s",
                "--max-5xx-rate",
                "10%",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let r = json_ok(&out);
        // the load test matches both rules, so either one leaves out all of it
        assert_eq!(r["valid_requests"], t["requests"]["valid"], "{name}");
        assert_eq!(r["excluded"], t["requests"]["excluded"], "{name}");
        assert_eq!(r["checks"].as_array().unwrap().len(), 3, "{name}");
    }
}
