use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use flate2::read::{GzDecoder, MultiGzDecoder};

use super::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("hosp-generate-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn opts(out: &Path, start: &str, minutes: i64, rate: f64) -> GenerateOptions {
    GenerateOptions {
        hops: false,
        migration: false,
        seed: 42,
        start: start.parse::<DateTime<Utc>>().unwrap(),
        duration: Duration::minutes(minutes),
        rate,
        out: out.to_path_buf(),
    }
}

/// All files under `dir`, relative path -> bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn gunzip(bytes: &[u8]) -> String {
    let mut s = String::new();
    MultiGzDecoder::new(bytes).read_to_string(&mut s).unwrap();
    s
}

/// Quote-aware tokens of one ALB line.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            i += 1;
            out.push(&line[start + 1..i - 1]);
        } else {
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push(&line[start..i]);
        }
    }
    out
}

fn truth_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap()
}

fn all_lines(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    files
        .iter()
        .filter(|(k, _)| k.ends_with(".log.gz"))
        .flat_map(|(_, v)| gunzip(v).lines().map(String::from).collect::<Vec<_>>())
        .collect()
}

#[test]
fn same_seed_same_bytes() {
    let a = TempDir::new("det-a");
    let b = TempDir::new("det-b");
    let sa = run(&opts(&a.0, "2026-11-20T08:00:00Z", 15, 1.1)).unwrap();
    let sb = run(&opts(&b.0, "2026-11-20T08:00:00Z", 15, 1.1)).unwrap();
    assert_eq!(sa.files, sb.files);
    assert_eq!(sa.lines, sb.lines);
    assert!(sa.lines > 100, "{}", sa.lines);
    let (ta, tb) = (tree(&a.0), tree(&b.0));
    assert_eq!(ta, tb);
    // A different seed gives different content.
    let c = TempDir::new("det-c");
    let mut o = opts(&c.0, "2026-11-20T08:00:00Z", 15, 1.1);
    o.seed = 43;
    run(&o).unwrap();
    assert_ne!(all_lines(&ta), all_lines(&tree(&c.0)));
}

#[test]
fn minutes_do_not_depend_on_the_window() {
    // The first 5 minutes of a 15-minute run equal a 5-minute run (same file, same bytes).
    let a = TempDir::new("prefix-a");
    let b = TempDir::new("prefix-b");
    run(&opts(&a.0, "2026-11-20T10:00:00Z", 5, 1.1)).unwrap();
    run(&opts(&b.0, "2026-11-20T10:00:00Z", 15, 1.1)).unwrap();
    let ta = tree(&a.0);
    let tb = tree(&b.0);
    let first: Vec<_> = ta.keys().filter(|k| k.contains("T1005Z")).collect();
    assert_eq!(first.len(), 2);
    for k in first {
        // The 5-minute run's only interval is also its multi-member file: compare text.
        assert_eq!(gunzip(&ta[k]), gunzip(&tb[k]), "{k}");
    }
    // the edge's lines of those 5 minutes too (the cache is simulated from midnight either way)
    let early = |t: &BTreeMap<String, Vec<u8>>| {
        let mut v: Vec<Vec<String>> = edge_lines(t)
            .into_iter()
            .filter(|r| r[1].as_str() < "10:05:00")
            .collect();
        v.sort();
        v
    };
    let (ea, eb) = (early(&ta), early(&tb));
    assert!(ea.len() > 100, "{}", ea.len());
    assert_eq!(ea, eb);
}

#[test]
fn file_names_and_delivery_date() {
    let d = TempDir::new("names");
    let s = run(&opts(&d.0, "2026-11-20T23:45:00Z", 15, 1.1)).unwrap();
    assert_eq!(s.files, 6);
    let t = tree(&d.0);
    let logs: Vec<&String> = t.keys().filter(|k| k.ends_with(".log.gz")).collect();
    assert_eq!(logs.len(), 6);
    let prefix = "AWSLogs/123456789012/elasticloadbalancing/eu-west-1/";
    for k in &logs {
        assert!(k.starts_with(prefix), "{k}");
        let rest = &k[prefix.len()..];
        let (date, name) = rest.split_at(11); // "yyyy/mm/dd/"
        let parts: Vec<&str> = name.trim_end_matches(".log.gz").split('_').collect();
        assert_eq!(parts.len(), 7, "{name}");
        assert_eq!(parts[0], "123456789012");
        assert_eq!(parts[1], "elasticloadbalancing");
        assert_eq!(parts[2], "eu-west-1");
        assert_eq!(parts[3], "app.hosp-alb.5e4f3a2b1c0d9e8f");
        assert!(NODE_IPS.contains(&parts[5]));
        assert_eq!(parts[6].len(), 8);
        assert!(parts[6]
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        let end = parts[4];
        let want_date = match end {
            "20261120T2350Z" | "20261120T2355Z" => "2026/11/20/",
            "20261121T0000Z" => "2026/11/21/",
            other => panic!("unexpected end time {other}"),
        };
        assert_eq!(date, want_date, "{k}");
        // Every line's time lies in the 5 minutes before the end time.
        let end_t = DateTime::parse_from_str(&format!("{end}+0000"), "%Y%m%dT%H%MZ%z")
            .unwrap()
            .with_timezone(&Utc);
        let mut prev = String::new();
        for line in gunzip(&t[*k]).lines() {
            let time = tokens(line)[1].to_string();
            let ts: DateTime<Utc> = time.parse().unwrap();
            assert!(
                ts < end_t && ts >= end_t - Duration::minutes(5),
                "{time} in {k}"
            );
            assert!(time >= prev, "lines sorted by time");
            prev = time;
        }
    }
    // gzip header: mtime 0, no FNAME flag.
    for k in &logs {
        let b = &t[*k];
        assert_eq!(&b[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(&b[4..8], &[0, 0, 0, 0]);
    }
    let truth = truth_json(&d.0);
    assert_eq!(truth["start"], "2026-11-20T23:45:00Z");
    assert_eq!(truth["end"], "2026-11-21T00:00:00Z");
}

#[test]
fn truth_is_consistent_with_the_files() {
    // 13:50–14:30 covers the migration state, the outage and normal traffic.
    let d = TempDir::new("truth");
    let s = run(&opts(&d.0, "2026-11-20T13:50:00Z", 40, 1.1)).unwrap();
    let truth = truth_json(&d.0);
    let t = tree(&d.0);
    let lines = all_lines(&t);
    assert_eq!(s.files, 16);
    assert_eq!(truth["files"], 16);
    assert_eq!(t.keys().filter(|k| k.ends_with(".log.gz")).count(), 16);
    assert_eq!(truth["lines"].as_u64().unwrap(), lines.len() as u64);
    assert_eq!(s.lines, lines.len() as u64);

    let req = &truth["requests"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    let total = n(&req["total"]);
    assert_eq!(total, lines.len() as u64);
    assert_eq!(n(&req["valid"]) + n(&req["excluded"]), total);
    assert_eq!(n(&req["good"]) + n(&req["bad"]), n(&req["valid"]));
    let lt = &truth["latency_threshold_3s"];
    assert_eq!(n(&lt["good"]) + n(&lt["bad"]), n(&req["valid"]));

    let hourly = truth["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 2);
    for key in ["total", "excluded", "valid", "good", "bad"] {
        let sum: u64 = hourly.iter().map(|h| n(&h[key])).sum();
        assert_eq!(sum, n(&req[key]), "hourly {key}");
    }
    let by_status: u64 = truth["by_elb_status"]
        .as_object()
        .unwrap()
        .values()
        .map(n)
        .sum();
    assert_eq!(by_status, total);
    let by_ep: u64 = truth["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| n(&e["requests"]))
        .sum();
    assert_eq!(by_ep, total);
    let by_tg: u64 = truth["by_target_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| n(&e["requests"]))
        .sum();
    assert_eq!(by_tg, total);

    // Independent recount from the written text.
    let mut s503 = 0;
    let mut fivexx = 0;
    let mut alb5xx = 0;
    let mut no_lat = 0;
    let mut outage_seen = 0;
    for line in &lines {
        let tk = tokens(line);
        let status: u16 = tk[8].parse().unwrap();
        if status == 503 {
            s503 += 1;
        }
        if status >= 500 {
            fivexx += 1;
            if tk[9] == "-" {
                alb5xx += 1;
            }
        }
        if tk[5] == "-1" || tk[6] == "-1" || tk[7] == "-1" {
            no_lat += 1;
        }
        if tk[1] >= "2026-11-20T14:00:00" && tk[1] < "2026-11-20T14:20:00" {
            outage_seen += 1;
            assert_eq!(status, 503, "{line}");
            assert_eq!(tk[4], "-");
            assert_eq!(&tk[5..8], &["-1", "-1", "-1"]);
            assert_eq!(tk[9], "-");
            assert_eq!(&tk[25..27], &["-", "-"]);
        }
        if tk[12].contains("/hospitals") && tk[1] >= "2026-11-20T12" {
            assert!(
                tk[16].contains("targetgroup/hosp-hospitals-lambda/"),
                "{line}"
            );
            assert_eq!(tk[4], "-");
        }
        if status == 504 {
            let t: DateTime<Utc> = tk[1].parse().unwrap();
            let c: DateTime<Utc> = tk[21].parse().unwrap();
            let gap = (t - c).num_milliseconds();
            assert!((60_000..60_001).contains(&gap), "{line}");
        }
    }
    assert!(outage_seen > 0);
    assert_eq!(truth["by_elb_status"]["503"].as_u64().unwrap_or(0), s503);
    assert_eq!(
        n(&truth["alb_generated_5xx"]) + n(&truth["target_generated_5xx"]),
        fivexx
    );
    assert_eq!(n(&truth["alb_generated_5xx"]), alb5xx);
    assert_eq!(n(&truth["no_latency"]), no_lat);
    let kinds: Vec<&str> = truth["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["outage"]);
    assert_eq!(
        n(&truth["incidents"][0]["requests"]),
        outage_seen,
        "outage requests"
    );
}

#[test]
fn multi_member_file_decodes_fully() {
    let d = TempDir::new("multi");
    run(&opts(&d.0, "2026-11-20T10:00:00Z", 15, 1.1)).unwrap();
    let truth = truth_json(&d.0);
    let multi = truth["multi_member_files"].as_array().unwrap();
    assert_eq!(multi.len(), 1);
    let rel = multi[0].as_str().unwrap();
    assert!(rel.contains("20261120T1010Z"), "{rel}");
    let bytes = std::fs::read(d.0.join(rel)).unwrap();
    let all = gunzip(&bytes);
    let n_all = all.lines().count();
    assert!(n_all >= 4, "{n_all}");
    assert!(all.lines().all(|l| tokens(l).len() >= 33));
    // A single-member decoder stops after the first member: about half the lines.
    let mut first = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut first)
        .unwrap();
    let n_first = first.lines().count();
    assert_eq!(n_first, n_all / 2);
    assert!(all.starts_with(&first));
}

#[test]
fn every_line_has_33_fields() {
    // 22:00–22:15: scanner (fixed-response 404s, Log4Shell UA) plus user traffic.
    let d = TempDir::new("fields");
    run(&opts(&d.0, "2026-11-20T22:00:00Z", 15, 1.1)).unwrap();
    let lines = all_lines(&tree(&d.0));
    assert!(!lines.is_empty());
    let mut fixed = 0;
    let mut jndi = 0;
    for line in &lines {
        let tk = tokens(line);
        assert_eq!(tk.len(), 33, "{line}");
        assert!(["http", "https", "h2"].contains(&tk[0]));
        assert!(tk[29].starts_with("TID_"));
        if tk[22] == "fixed-response" {
            fixed += 1;
            assert_eq!(tk[4], "-");
            assert_eq!(tk[16], "-");
            assert_eq!(tk[8], "404");
        }
        if tk[13].starts_with("${jndi:") {
            jndi += 1;
        }
        for (i, v) in tk[5..8].iter().enumerate() {
            assert!(
                *v == "-1" || v.split_once('.').is_some_and(|(_, f)| f.len() == 3),
                "field {i}: {v}"
            );
        }
    }
    assert!(fixed > 50, "{fixed}");
    assert_eq!(jndi, 1);
    let truth = truth_json(&d.0);
    let scanner = &truth["incidents"][0];
    assert_eq!(scanner["kind"], "scanner");
    assert_eq!(scanner["requests"].as_u64().unwrap(), fixed);
}

#[test]
fn special_lines_are_written_as_alb_does() {
    // 16:40–16:50 holds the malformed request lines; 06:10-06:15 a \x22 user agent;
    // 08:30 the raw space in the URI.
    let d = TempDir::new("odd");
    for (start, minutes) in [
        ("2026-11-20T16:44:00Z", 2),
        ("2026-11-20T06:12:00Z", 1),
        ("2026-11-20T08:30:00Z", 1),
    ] {
        let _ = std::fs::remove_dir_all(&d.0);
        run(&opts(&d.0, start, minutes, 0.5)).unwrap();
        let lines = all_lines(&tree(&d.0));
        let odd: Vec<&String> = lines
            .iter()
            .filter(|l| {
                l.contains("\"- http://") || l.contains("\\x22") || l.contains("SpaceInUri")
            })
            .collect();
        assert!(!odd.is_empty(), "{start}");
        for l in odd {
            let tk = tokens(l);
            assert!(tk.len() >= 33, "{l}");
            if l.contains("SpaceInUri") {
                assert!(tk[12].starts_with("GET http"), "{l}");
                assert!(
                    tk[12].contains("/notes?patient_id=42&q=ear infection HTTP/"),
                    "{l}"
                );
                assert_eq!(&tk[27..29], &["Acceptable", "SpaceInUri"]);
            }
            if l.contains("\"- http://") {
                assert_eq!(tk[12], "- http://hosp.example.com:80- -");
                assert_eq!(tk[8], "400");
                assert_eq!(tk[20], "-");
            }
        }
    }
}

#[test]
fn rejects_bad_options() {
    let d = TempDir::new("bad");
    let mut o = opts(&d.0, "2026-11-20T00:00:00Z", 0, 1.0);
    assert!(matches!(run(&o), Err(GenerateError::InvalidOptions(_))));
    o.duration = Duration::minutes(5);
    o.rate = f64::NAN;
    assert!(matches!(run(&o), Err(GenerateError::InvalidOptions(_))));
}

/// The CloudFront lines under `dir`, split on tabs (header lines left out), checking each
/// file starts with the two header lines.
fn edge_lines(files: &BTreeMap<String, Vec<u8>>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in files.iter().filter(|(k, _)| k.starts_with("cloudfront/")) {
        assert!(k.ends_with(".gz") && !k.ends_with(".log.gz"), "{k}");
        let text = gunzip(v);
        assert!(text.starts_with(edge::HEADER), "{k}");
        for l in text.lines().skip(2) {
            out.push(l.split('\t').map(String::from).collect());
        }
    }
    out
}

/// Whether an ALB client address is one of CloudFront's origin-facing ones.
fn from_edge(client: &str) -> bool {
    client.starts_with("130.176.") || client.starts_with("2600:9000:")
}

#[test]
fn the_edge_answers_hits_itself_and_forwards_the_rest() {
    // 16:20–16:40: normal traffic around the three minutes the edge cannot reach the origin
    let d = TempDir::new("edge");
    run(&opts(&d.0, "2026-11-20T16:20:00Z", 20, 1.1)).unwrap();
    let t = tree(&d.0);
    let truth = truth_json(&d.0);
    let cf = &truth["cloudfront"];
    let rows = edge_lines(&t);
    assert_eq!(rows.len() as u64, cf["lines"].as_u64().unwrap());
    assert_eq!(
        t.keys().filter(|k| k.starts_with("cloudfront/")).count() as u64,
        cf["files"].as_u64().unwrap()
    );
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    let mut by_result: BTreeMap<&str, u64> = BTreeMap::new();
    // every hit follows a stored answer (a 2xx miss of the same URL at the same location)
    // less than the TTL before, by the lines' own second-precision times
    let mut stored: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut hits_checked = 0;
    let mut sorted: Vec<&Vec<String>> = rows.iter().collect();
    sorted.sort_by(|a, b| (&a[0], &a[1]).cmp(&(&b[0], &b[1])));
    for r in &sorted {
        assert_eq!(r.len(), 33, "{r:?}");
        *by_result.entry(r[13].as_str()).or_default() += 1;
        let url = format!("{}?{}", r[7], r[11]);
        let key = (r[2].clone(), url);
        let at = format!("{}T{}Z", r[0], r[1]);
        if r[13] == "Miss" && r[8].starts_with('2') && r[5] == "GET" {
            stored.entry(key.clone()).or_default().push(at.clone());
        }
        if r[13] == "Hit" {
            let t: DateTime<Utc> = at.parse().unwrap();
            let fresh = stored.get(&key).is_some_and(|times| {
                times.iter().any(|s| {
                    let s: DateTime<Utc> = s.parse().unwrap();
                    s <= t && t - s <= Duration::seconds(121)
                })
            });
            // hits in the first two minutes may come from answers stored before the window
            assert!(fresh || at.as_str() < "2026-11-20T16:22:00Z", "{r:?}");
            hits_checked += 1;
            assert_eq!(r[8], "200");
            assert_eq!(r[5], "GET");
        }
        if r[28] == "OriginConnectError" {
            assert!(at.as_str() >= "2026-11-20T16:30:00Z" && at.as_str() < "2026-11-20T16:33:01Z");
            assert_eq!(r[8], "502");
        }
        if r[8] == "000" {
            assert_eq!(r[28], "ClientHungUpRequest");
        }
    }
    assert!(hits_checked > 50, "{hits_checked}");
    for (k, v) in cf["result_types"].as_object().unwrap() {
        assert_eq!(by_result[k.as_str()], n(v), "{k}");
    }
    assert!(n(&cf["incidents"][0]["requests"]) > 0);
    // the ALB log holds exactly the forwarded requests (from origin-facing addresses), and
    // none that reached the edge while it could not connect
    let alb = all_lines(&t);
    let mut forwarded = 0;
    for l in &alb {
        let tk = tokens(l);
        let client = tk[3].rsplit_once(':').unwrap().0;
        if from_edge(client) {
            forwarded += 1;
            assert!(
                tk[0] != "h2",
                "CloudFront speaks HTTP/1.1 to the origin: {l}"
            );
            let created = tk[21];
            assert!(
                !(created > "2026-11-20T16:30:01" && created < "2026-11-20T16:32:59"),
                "{l}"
            );
        } else {
            // the direct clients: load test, intruder, scanner, malformed requests
            assert!(
                client.starts_with("10.99.0.")
                    || client.starts_with("198.51.100.")
                    || client == "203.0.113.66",
                "{l}"
            );
        }
    }
    assert_eq!(forwarded, n(&cf["alb_lines_from_edge"]));
    assert_eq!(n(&truth["requests"]["total"]), alb.len() as u64);
}

#[test]
fn the_edge_gives_up_after_30_seconds_while_the_alb_records_a_success() {
    // 09:00–10:00: the slow legacy backend
    let d = TempDir::new("edge-timeout");
    run(&opts(&d.0, "2026-11-20T09:00:00Z", 60, 1.1)).unwrap();
    let t = tree(&d.0);
    let cf = &truth_json(&d.0)["cloudfront"];
    let rows = edge_lines(&t);
    let timeouts: Vec<&Vec<String>> = rows.iter().filter(|r| r[28] == "OriginCommError").collect();
    assert_eq!(
        timeouts.len() as u64,
        cf["origin_timeouts"]["requests"].as_u64().unwrap()
    );
    for r in &timeouts {
        assert_eq!(r[8], "504");
        let taken: f64 = r[18].parse().unwrap();
        assert!((30.0..30.03).contains(&taken), "{r:?}");
    }
    // the ALB lines that took longer than 30 s and still answered below 500
    let slow_success = all_lines(&t)
        .iter()
        .filter(|l| {
            let tk = tokens(l);
            let status: u16 = tk[8].parse().unwrap();
            let total: f64 = tk[5..8]
                .iter()
                .map(|v| v.parse::<f64>().unwrap_or(0.0))
                .sum();
            from_edge(tk[3].rsplit_once(':').unwrap().0) && status < 500 && total > 30.0
        })
        .count() as u64;
    assert!(slow_success > 0);
    assert_eq!(
        slow_success,
        cf["origin_timeouts"]["alb_success"].as_u64().unwrap()
    );
}

/// `generate --migration`: the /hospitals requests from the cut-over are in API Gateway's
/// log, not the ALB's; reading each file back gives truth.json's counts (per system, per
/// route, per cause).
#[test]
fn the_migration_day_puts_the_hospitals_routes_on_api_gateway() {
    use crate::format::apigw::{self, Field, Template};
    let dir = TempDir::new("migration");
    let mut o = opts(&dir.0, "2026-11-20T11:30:00Z", 150, 2.0);
    o.migration = true;
    run(&o).unwrap();
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.0.join("truth.json")).unwrap()).unwrap();
    let m = &truth["migration"];
    let files = tree(&dir.0);
    let t = Template::json_by_name();
    let (mut requests, mut s5xx) = (0u64, 0u64);
    let mut causes: BTreeMap<String, u64> = BTreeMap::new();
    let mut routes: BTreeMap<String, u64> = BTreeMap::new();
    let mut apigw_files = 0;
    let mut alb_lambda_after = 0;
    let cutover_us = 1_795_176_000_000_000; // 2026-11-20T12:00:00Z
    for (name, bytes) in &files {
        let mut text = String::new();
        if name.starts_with("apigw/exportedlogs/") {
            apigw_files += 1;
            GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
            for line in text.lines() {
                let r = apigw::parse_line(line, &t).unwrap_or_else(|e| panic!("{line}: {e}"));
                requests += 1;
                s5xx += u64::from(r.status >= 500);
                if let Some(c) = apigw::cause(&apigw::signals(&r)) {
                    *causes.entry(c.name().to_string()).or_default() += 1;
                }
                let (method, _) = r.route_parts();
                let e = apigw::endpoint(&r, &crate::format::Routes::default()).unwrap();
                *routes
                    .entry(format!("{} {e}", method.unwrap()))
                    .or_default() += 1;
                assert!(r
                    .get(Field::ResourcePath)
                    .unwrap()
                    .starts_with("/hospitals"));
            }
        } else if name.starts_with("AWSLogs/") {
            MultiGzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
            for line in text.lines() {
                let r = crate::format::alb::parse_line(line).unwrap();
                if r.time_us >= cutover_us + 61_000_000
                    && line.contains("targetgroup/hosp-hospitals-lambda/")
                {
                    alb_lambda_after += 1;
                }
            }
        }
    }
    assert_eq!(
        alb_lambda_after, 0,
        "the Lambda target group's requests left the ALB"
    );
    assert_eq!(apigw_files, u(&m["apigw"]["files"]));
    assert!(requests > 100, "{requests}");
    assert_eq!(requests, u(&m["apigw"]["requests"]));
    assert_eq!(s5xx, u(&m["apigw"]["errors_5xx"]));
    let want: BTreeMap<String, u64> = m["apigw"]["by_cause"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), u(v)))
        .collect();
    assert_eq!(causes, want);
    for c in ["function", "integration", "gateway", "throttling", "waf"] {
        assert!(want.contains_key(c), "no {c} in an hour: {want:?}");
    }
    for (route, n) in &routes {
        assert_eq!(*n, u(&m["routes"][route]["apigw"]["requests"]), "{route}");
    }
    assert_eq!(u(&m["alb"]["requests"]), u(&truth["lines"]));
}

fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}
