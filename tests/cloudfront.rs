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
