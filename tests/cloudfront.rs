//! CloudFront standard logs end to end: the public samples through the binary, counted here
//! independently from the raw tab-separated text; a `#Fields` line in the middle of a file;
//! a file without one; short lines named; roles a format lacks refused.

use std::path::PathBuf;

use serde_json::Value;

mod common;
use common::*;

fn shared_sample(name: &str) -> PathBuf {
    let dir = std::env::var_os("HOSP_LOGS_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let path = dir.join("samples").join(name);
    assert!(
        path.is_file(),
        "the public corpus is missing: {}",
        path.display()
    );
    path
}

fn run(args: &[&str]) -> std::process::Output {
    hosp_logs().args(args).output().unwrap()
}

fn run_json(args: &[&str]) -> Value {
    json_ok(&run(&[args, &["--format", "json"]].concat()))
}

/// The data lines of a sample, split on tabs (header lines left out).
fn tsv_rows(path: &PathBuf) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Seconds with three decimals as whole ms, read here with integer arithmetic.
fn ms(text: &str) -> f64 {
    let (s, frac) = text.split_once('.').unwrap();
    (s.parse::<u64>().unwrap() * 1000 + format!("{frac:0<3}").parse::<u64>().unwrap()) as f64
}

/// Linear interpolation between closest ranks (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

fn count_where(rows: &[Vec<String>], f: impl Fn(&Vec<String>) -> bool) -> u64 {
    rows.iter().filter(|r| f(r)).count() as u64
}

#[test]
fn edge_on_the_public_sample_matches_a_count_made_here() {
    let path = shared_sample("cloudfront-public.log");
    let rows = tsv_rows(&path);
    let r = run_json(&["edge", "--source", path.to_str().unwrap()]);
    // fields (1-based in AWS's order): 3 location, 9 status, 14 result, 28 ttfb, 29 detail
    let field = |row: &Vec<String>, i: usize| row.get(i - 1).cloned().unwrap_or_default();
    let n = rows.len() as u64;
    assert_eq!(n, 21);
    assert_eq!(u(&r["requests"]), n);
    let result = |t: &str| count_where(&rows, |row| field(row, 14) == t);
    let (hit, refresh, miss) = (result("Hit"), result("RefreshHit"), result("Miss"));
    assert_eq!(u(&r["hits"]), hit + refresh);
    assert_eq!(u(&r["misses"]), miss);
    let ratio = (hit + refresh) as f64 / (hit + refresh + miss) as f64;
    assert!((r["cache_hit_ratio"].as_f64().unwrap() - ratio).abs() < 1e-12);
    for rt in r["result_types"].as_array().unwrap() {
        let name = rt["result_type"].as_str().unwrap();
        assert_eq!(u(&rt["requests"]), result(name), "{name}");
    }
    let is_5xx = |row: &Vec<String>| field(row, 9).starts_with('5');
    let e5 = count_where(&rows, is_5xx);
    assert_eq!(u(&r["errors_5xx"]), e5);
    let details = r["errors_by_detail"].as_array().unwrap();
    assert_eq!(details.iter().map(|d| u(&d["count"])).sum::<u64>(), e5);
    for d in details {
        let name = d["detail"].as_str().unwrap();
        let here = count_where(&rows, |row| is_5xx(row) && field(row, 29) == name);
        assert_eq!(u(&d["count"]), here, "{name}");
        if name.starts_with("Origin") {
            assert_eq!(d["cause"], "origin");
        }
    }
    for l in r["by_location"].as_array().unwrap() {
        let loc = l["location"].as_str().unwrap();
        assert_eq!(
            u(&l["requests"]),
            count_where(&rows, |row| field(row, 3) == loc)
        );
        assert_eq!(
            u(&l["errors_5xx"]),
            count_where(&rows, |row| field(row, 3) == loc && is_5xx(row))
        );
        assert_eq!(l["airport"].as_str(), Some(&loc[..3]));
    }
    let airports: u64 = r["by_airport"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| u(&a["requests"]))
        .sum();
    assert_eq!(airports, n);
    let mut ttfb: Vec<f64> = rows.iter().map(|row| ms(&field(row, 28))).collect();
    ttfb.sort_by(f64::total_cmp);
    let t = &r["time_to_first_byte"];
    assert_eq!(u(&t["count"]), ttfb.len() as u64);
    for (key, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
        let got = t[key].as_f64().unwrap();
        assert!((got - quantile(&ttfb, q)).abs() < 1e-9, "{key}: {got}");
    }
    let plain = count_where(&rows, |row| field(row, 17) == "http");
    assert_eq!(u(&r["plain_http"]["requests"]), plain);
}

#[test]
fn the_slo_counts_000_as_no_status() {
    let path = shared_sample("cloudfront-public.log");
    let rows = tsv_rows(&path);
    let r = run_json(&["slo", "--source", path.to_str().unwrap()]);
    let status = |row: &Vec<String>| row[8].clone();
    let no_status = count_where(&rows, |row| status(row) == "000");
    let bad = count_where(&rows, |row| status(row).starts_with('5'));
    let total = rows.len() as u64;
    assert_eq!(u(&r["requests"]["total"]), total);
    assert_eq!(u(&r["requests"]["no_status"]), no_status);
    assert_eq!(no_status, 1);
    assert_eq!(u(&r["requests"]["valid"]), total - no_status);
    assert_eq!(u(&r["requests"]["bad"]), bad);
    assert_eq!(u(&r["requests"]["good"]), total - no_status - bad);
    assert_eq!(r["input"]["formats"]["cloudfront"], 1);
    assert_eq!(u(&r["input"]["header_lines"]), 2);
}

#[test]
fn a_fields_line_in_the_middle_switches_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let first = std::fs::read_to_string(shared_sample("cloudfront-public.log")).unwrap();
    // a second file, concatenated: fewer fields, in another order
    let second = "#Version: 1.0\n#Fields: time date sc-status c-ip cs-method cs-uri-stem x-edge-result-type time-taken\n\
        10:00:00\t2026-11-20\t200\t192.0.2.14\tGET\t/patients/7\tHit\t0.002\n\
        10:00:01\t2026-11-20\t503\t192.0.2.15\tGET\t/notes\tError\t0.101\n";
    let path = dir.path().join("E2HOSP0EXAMPLE.2026-11-20-10.concat.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, format!("{first}{second}").as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let src = path.to_str().unwrap();
    let r = run_json(&["slo", "--source", src]);
    assert_eq!(u(&r["input"]["malformed"]), 0, "{}", r["input"]);
    assert_eq!(u(&r["input"]["parsed"]), 23);
    assert_eq!(u(&r["input"]["header_lines"]), 4);
    let q = run_json(&[
        "query",
        "--source",
        src,
        "SELECT c_ip, sc_status, cs_uri_stem, latency_ms FROM logs WHERE time >= '2026-01-01 00:00:00' ORDER BY c_ip",
    ]);
    assert_eq!(
        q,
        serde_json::json!([
            {"c_ip": "192.0.2.14", "sc_status": 200, "cs_uri_stem": "/patients/7", "latency_ms": 2.0},
            {"c_ip": "192.0.2.15", "sc_status": 503, "cs_uri_stem": "/notes", "latency_ms": 101.0}
        ])
    );

    // the same far into a file: the reader cuts it into chunks parsed in parallel, and the
    // new mapping must hold in every chunk after the second header (here about 7 MB in, and
    // then for about 6 MB)
    let header = &first[..first.find("\n2019").unwrap() + 1];
    let body: String = first.lines().skip(2).map(|l| format!("{l}\n")).collect();
    let (head2, lines2) = second.split_at(second.find("\n10:00:00").unwrap() + 1);
    let (n1, n2) = (7_000_000 / body.len() + 1, 6_000_000 / lines2.len() + 1);
    let big = format!("{header}{}{head2}{}", body.repeat(n1), lines2.repeat(n2));
    let path = dir.path().join("big.log");
    std::fs::write(&path, big).unwrap();
    let r = run_json(&["slo", "--source", path.to_str().unwrap()]);
    assert_eq!(u(&r["input"]["malformed"]), 0, "{}", r["input"]);
    assert_eq!(u(&r["input"]["parsed"]), (21 * n1 + 2 * n2) as u64);
    assert_eq!(
        u(&r["requests"]["bad"]),
        (3 * n1 + n2) as u64,
        "the 503s after the switch"
    );
}

#[test]
fn a_file_without_fields_is_read_in_the_standard_order_and_says_so_once() {
    let path = shared_sample("cloudfront-variants-public.log");
    let out = run(&[
        "traffic",
        "--source",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let r = json_ok(&out);
    let notes = r["input"]["format_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0]["note"].as_str().unwrap().contains("33-field"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("33-field").count(), 1, "{stderr}");
    // three older layouts read; the real-time record refused, with its line and reason
    assert_eq!(u(&r["requests"]), 3);
    assert_eq!(u(&r["input"]["malformed"]), 1);
    let m = &r["input"]["malformed_samples"][0];
    assert_eq!(m["line"], 4);
    let reason = m["reason"].as_str().unwrap();
    assert!(
        reason.contains("`date`") && reason.contains("real-time"),
        "{reason}"
    );
}

#[test]
fn short_lines_are_malformed_with_their_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(shared_sample("cloudfront-public.log")).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // line 5 cut to 25 fields: inside a group, so not an older layout
    lines[4] = lines[4].split('\t').take(25).collect::<Vec<_>>().join("\t");
    let path = dir.path().join("cut.log");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let r = run_json(&["slo", "--source", path.to_str().unwrap()]);
    assert_eq!(u(&r["input"]["malformed"]), 1);
    assert_eq!(u(&r["input"]["parsed"]), 20);
    let m = &r["input"]["malformed_samples"][0];
    assert_eq!(m["line"], 5);
    assert!(m["source"].as_str().unwrap().ends_with("cut.log"));
    let reason = m["reason"].as_str().unwrap();
    assert!(
        reason.contains("fle-encrypted-fields") && reason.contains("25"),
        "{reason}"
    );
    // --strict turns it into an error naming the line
    let out = run(&["slo", "--source", path.to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.log, line 5"));
}

#[test]
fn roles_a_format_lacks_are_refused_naming_both() {
    let path = shared_sample("cloudfront-public.log");
    let out = run(&[
        "latency",
        "--source",
        path.to_str().unwrap(),
        "--field",
        "target",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("upstream_ms") && err.contains("CloudFront"),
        "{err}"
    );
    let out = run(&["edge", "--source", &fixture_day(), "--log-format", "alb"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("edge_result") && err.contains("ALB"), "{err}");
}

// ---- the fixture day at the edge (fixtures/day/cloudfront) against truth.json ----

/// Every data line of the fixture's CloudFront log, split on tabs, decompressed here.
fn edge_rows() -> Vec<Vec<String>> {
    use std::io::Read;
    let mut rows = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_edge())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        rows.extend(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>()),
        );
    }
    rows
}

fn edge_truth() -> Value {
    truth()["cloudfront"].clone()
}

fn on_edge(args: &[&str]) -> Value {
    let src = fixture_edge();
    let cfg = fixture_config();
    run_json(&[args, &["--source", &src, "--config", &cfg]].concat())
}

#[test]
fn slo_and_gate_at_the_edge_match_truth() {
    let t = edge_truth();
    let r = on_edge(&["slo"]);
    for key in ["total", "excluded", "no_status", "valid", "good", "bad"] {
        assert_eq!(r["requests"][key], t["requests"][key], "requests.{key}");
    }
    assert_eq!(r["input"]["files"], t["files"]);
    assert_eq!(r["input"]["parsed"], t["lines"]);
    assert_eq!(u(&r["input"]["malformed"]), 0);
    let r = on_edge(&["slo", "--latency-threshold", "3s"]);
    assert_eq!(r["requests"]["good"], t["latency_threshold_3s"]["good"]);
    assert_eq!(r["requests"]["bad"], t["latency_threshold_3s"]["bad"]);
    // the edge's success rate is the users': the gate passes just below it, breaches above
    let rate = u(&t["requests"]["good"]) as f64 / u(&t["requests"]["valid"]) as f64 * 100.0;
    for (slo, code) in [(rate - 0.01, 0), (rate + 0.01, 3)] {
        let out = run(&[
            "gate",
            "-q",
            "--source",
            &fixture_edge(),
            "--slo",
            &format!("{slo:.2}"),
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(code), "{slo}");
    }
}

#[test]
fn errors_at_the_edge_name_who_answered() {
    let t = edge_truth();
    let r = on_edge(&["errors", "--top", "1000"]);
    assert_eq!(r["total_5xx"], t["errors_5xx"]);
    for s in r["by_status"].as_array().unwrap() {
        assert_eq!(s["count"], t["by_status"][s["status"].to_string()], "{s}");
    }
    // generated: the edge answered itself (origin unreachable or timed out, its limits);
    // a detailed type of Error is the origin's own 5XX
    let details = t["errors_by_detail"].as_object().unwrap();
    let origin_answered = u(&details["Error"]);
    assert_eq!(u(&r["target_generated"]), origin_answered);
    assert_eq!(
        u(&r["alb_generated"]),
        u(&t["errors_5xx"]) - origin_answered
    );
    for e in t["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| u(&e["errors_5xx"]) > 0)
    {
        let g = r["by_endpoint"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["method"] == e["method"] && g["endpoint"] == e["endpoint"])
            .unwrap_or_else(|| panic!("missing {e}"));
        assert_eq!(g["requests"], e["requests"], "{e}");
        assert_eq!(g["errors"], e["errors_5xx"], "{e}");
    }
    // the edge's reasons, as error_reason
    let reasons: u64 = r["by_error_reason"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["key"] == "OriginConnectError")
        .map(|k| u(&k["count"]))
        .sum();
    assert_eq!(reasons, u(&details["OriginConnectError"]));
}

#[test]
fn latency_and_edge_timings_are_exact_against_the_raw_lines() {
    let rows = edge_rows();
    let t = edge_truth();
    assert_eq!(rows.len() as u64, u(&t["lines"]));
    // time-taken (field 19) and time-to-first-byte (field 28), read here as whole ms
    let mut taken: Vec<f64> = rows.iter().map(|r| ms(&r[18])).collect();
    taken.sort_by(f64::total_cmp);
    let mut ttfb: Vec<f64> = rows
        .iter()
        .filter(|r| r[27] != "-")
        .map(|r| ms(&r[27]))
        .collect();
    ttfb.sort_by(f64::total_cmp);
    let r = on_edge(&["latency"]);
    assert_eq!(u(&r["overall"]["count"]), taken.len() as u64);
    for (key, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)] {
        let got = r["overall"][key].as_f64().unwrap();
        assert!((got - quantile(&taken, q)).abs() < 1e-9, "{key}: {got}");
    }
    let e = on_edge(&["edge"]);
    let f = &e["time_to_first_byte"];
    assert_eq!(u(&f["count"]), ttfb.len() as u64);
    assert_eq!(u(&f["none"]), u(&t["viewers_left"]));
    for (key, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
        let got = f[key].as_f64().unwrap();
        assert!((got - quantile(&ttfb, q)).abs() < 1e-9, "{key}: {got}");
    }
}

#[test]
fn edge_view_of_the_fixture_day_matches_truth_and_a_count_made_here() {
    let t = edge_truth();
    let rows = edge_rows();
    let r = on_edge(&["edge", "--top", "1000", "--bucket", "1h"]);
    assert_eq!(r["requests"], t["lines"]);
    assert_eq!(r["hits"], t["hits"]);
    assert_eq!(r["misses"], t["misses"]);
    let ratio = t["cache_hit_ratio"].as_f64().unwrap();
    assert!((r["cache_hit_ratio"].as_f64().unwrap() - ratio).abs() < 1e-12);
    assert_eq!(r["errors_5xx"], t["errors_5xx"]);
    for d in r["errors_by_detail"].as_array().unwrap() {
        let name = d["detail"].as_str().unwrap();
        assert_eq!(d["count"], t["errors_by_detail"][name], "{name}");
    }
    let cause = &r["errors_by_cause"];
    let details = &t["errors_by_detail"];
    assert_eq!(
        u(&cause["origin"]),
        u(&details["OriginCommError"]) + u(&details["OriginConnectError"])
    );
    assert_eq!(
        u(&cause["edge"]),
        u(&details["LimitExceeded"]) + u(&details["CapacityExceeded"])
    );
    for l in t["by_location"].as_array().unwrap() {
        let g = r["by_location"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["location"] == l["location"])
            .unwrap();
        assert_eq!(g["requests"], l["requests"]);
        assert_eq!(g["errors_5xx"], l["errors_5xx"]);
        assert_eq!(g["airport"], l["airport"]);
    }
    // result types over time and by endpoint add up to the counts made here
    let count = |f: &dyn Fn(&Vec<String>) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
    let ot = r["over_time"].as_array().unwrap();
    assert_eq!(ot.len(), 24);
    for (key, rt) in [("hit", "Hit"), ("miss", "Miss"), ("error", "Error")] {
        let sum: u64 = ot.iter().map(|b| u(&b[key])).sum();
        assert_eq!(sum, count(&|row| row[13] == rt), "{key}");
    }
    let hospitals = r["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "GET" && e["endpoint"] == "/hospitals")
        .unwrap();
    let here = |rt: &str| count(&|row| row[5] == "GET" && row[7] == "/hospitals" && row[13] == rt);
    assert_eq!(u(&hospitals["hit"]), here("Hit"));
    assert_eq!(u(&hospitals["miss"]), here("Miss"));
    assert!(
        u(&hospitals["hit"]) > 0,
        "a cacheable route is served from the cache"
    );
    let notes_hits = r["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["endpoint"]
                .as_str()
                .is_some_and(|p| p.starts_with("/notes"))
        })
        .map(|e| u(&e["hit"]))
        .sum::<u64>();
    assert_eq!(notes_hits, 0, "patient notes are never cached");
    // viewer protocols and TLS: the HTTPS ticket as the users saw it
    for p in r["viewer_protocols"].as_array().unwrap() {
        assert_eq!(p["requests"], t["by_protocol"][p["key"].as_str().unwrap()]);
    }
    assert_eq!(r["plain_http"]["requests"], t["by_protocol"]["http"]);
}

#[test]
fn traffic_backends_and_the_frame_at_the_edge() {
    let t = edge_truth();
    let rows = edge_rows();
    let r = on_edge(&["traffic", "--top", "3"]);
    assert_eq!(r["requests"], t["lines"]);
    let v6 = rows.iter().filter(|row| row[4].contains(':')).count() as u64;
    assert!(v6 > 0);
    assert_eq!(
        u(&r["ipv6"]["requests"]),
        v6,
        "the clinics' own IPv6 addresses"
    );
    assert_eq!(r["plain_http"]["requests"], t["by_protocol"]["http"]);
    let bytes_out: u64 = rows.iter().map(|row| row[3].parse::<u64>().unwrap()).sum();
    assert_eq!(u(&r["bytes_out"]), bytes_out);
    // one backend: the Host the viewers asked for
    let b = on_edge(&["backends"]);
    let groups = b["target_groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["target_group"], "hosp.example.com");
    assert_eq!(groups[0]["requests"], t["lines"]);
    // query: the native columns, counted by result type
    let q = on_edge(&[
        "query",
        "SELECT x_edge_result_type AS r, count(*) AS n FROM logs GROUP BY r ORDER BY r",
    ]);
    let got: std::collections::BTreeMap<String, u64> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["r"].as_str().unwrap().to_string(), u(&row["n"])))
        .collect();
    assert_eq!(got, count_map(&t["result_types"]));
    // export: every row, typed; 000 is a null status
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("edge.ndjson");
    let src = fixture_edge();
    let o = run(&[
        "export",
        "-q",
        "--source",
        &src,
        "--to",
        "ndjson",
        "--out",
        out.to_str().unwrap(),
        "--columns",
        "time,sc_status,cs_user_agent,edge_generated",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let rows_out: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows_out.len() as u64, u(&t["lines"]));
    let null_status = rows_out.iter().filter(|r| r["sc_status"].is_null()).count() as u64;
    assert_eq!(null_status, u(&t["requests"]["no_status"]));
    // user agents decoded once: no %20 left in the browsers' names
    assert!(rows_out
        .iter()
        .all(|r| !r["cs_user_agent"].as_str().unwrap_or("").contains("%20")));
    assert!(rows_out
        .iter()
        .any(|r| r["cs_user_agent"].as_str().unwrap_or("").starts_with('"')));
}

#[test]
fn security_audit_and_report_run_on_the_edge_log() {
    let t = edge_truth();
    // the real viewers are in the edge log: the clinics (known networks), nothing loud
    let s = on_edge(&["security", "--min-severity", "medium"]);
    assert_eq!(s["requests"], t["lines"]);
    assert_eq!(
        s["findings"].as_array().unwrap().len(),
        0,
        "{}",
        s["findings"]
    );
    let a = on_edge(&["audit", "--summary", "--method", "write"]);
    assert_eq!(a["total_requests"], t["lines"]);
    let clients: Vec<&str> = a["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_ip"].as_str().unwrap())
        .collect();
    assert!(!clients.is_empty());
    assert!(
        clients
            .iter()
            .all(|c| c.starts_with("192.0.2.") || c.starts_with("2001:db8:4a1:")),
        "{clients:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "report",
        "-q",
        "--source",
        &fixture_edge(),
        "--config",
        &fixture_config(),
        "--out",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["slo"]["requests"]["valid"], t["requests"]["valid"]);
    assert_eq!(summary["errors"]["total_5xx"], t["errors_5xx"]);
}

#[test]
fn athena_setup_prints_awss_cloudfront_table_and_the_analyses_query_it() {
    let setup = |location: &str| {
        run(&[
            "athena",
            "setup",
            "--log-format",
            "cloudfront",
            "--location",
            location,
            "--print",
        ])
    };
    let ddl = stdout_ok(&setup("s3://cf-logs/hosp/"));
    assert!(ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS hosp_logs.cloudfront_standard_logs"));
    assert!(ddl.contains("FIELDS TERMINATED BY '\\t'"));
    assert!(ddl.contains("'skip.header.line.count' = '2'"));
    assert!(ddl.contains("LOCATION 's3://cf-logs/hosp/'"));
    // every field of the standard order is a column, in order
    let columns: Vec<&str> = ddl
        .lines()
        .filter(|l| l.starts_with("    ") && !l.contains("'"))
        .map(|l| l.trim().split(' ').next().unwrap().trim_matches('`'))
        .collect();
    assert_eq!(columns.len(), 33, "{columns:?}");
    assert_eq!(
        (columns[0], columns[28]),
        ("date", "x_edge_detailed_result_type")
    );
    // v2's folders: partition projection over the days
    let ddl = stdout_ok(&setup(
        "s3://cf-logs/AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/",
    ));
    assert!(ddl.contains("PARTITIONED BY (day STRING)"));
    assert!(ddl.contains("'projection.day.format' = 'yyyy/MM/dd'"));
    // a hostile location never reaches the DDL
    assert_eq!(setup("s3://x/' ) DROP TABLE t; --/").status.code(), Some(2));
    // the analyses query that table (tests/athena.rs runs them against the local numbers)
    let out = run(&[
        "edge",
        "--engine",
        "athena",
        "--log-format",
        "cloudfront",
        "--since",
        "1h",
        "--print-sql",
    ]);
    let sql = stdout_ok(&out);
    assert!(sql.contains("FROM cloudfront_standard_logs"), "{sql}");
    assert!(sql.contains("x_edge_result_type"), "{sql}");
}
