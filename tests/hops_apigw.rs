//! `hosp-logs hops` with an API Gateway hop: a second branch behind the edge (edge → apigw)
//! beside the load balancer's. On the generated migration day (its API Gateway lines carry
//! CloudFront's id as `$context.authorizer.cfId`: joined request by request; read with a
//! stage format without it: compared per minute), every number against truth.json and
//! against a count made here from the raw lines; on hand-written logs, each case of the join.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeZone, Utc};
use common::{hosp_logs, json_ok, u};
use serde_json::Value;

const MIN: i64 = 60_000_000;
const SEC: i64 = 1_000_000;

fn hops_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["hops", "--format", "json"];
    all.extend_from_slice(args);
    json_ok(&hosp_logs().current_dir(dir).args(&all).output().unwrap())
}

fn rfc3339(us: i64) -> String {
    Utc.timestamp_micros(us)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Every line of every gzip file under a folder, decompressed here.
fn gz_lines(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".gz") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        out.extend(std::io::BufReader::new(gz).lines().map(Result::unwrap));
    }
    out
}

/// A path's route template as the ALB's endpoints write it: numeric segments are `{id}`.
fn template(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One CloudFront line as the branch needs it.
#[derive(Debug, Clone)]
struct Edge {
    route: String,
    /// The line's time: when the edge finished, to the second (µs).
    time_us: i64,
    /// When the edge received it: the line's time less its time taken (µs).
    arrival_us: i64,
    status: Option<u16>,
    /// The origin answered (the detailed result type is not one of the edge's own answers).
    forwarded: bool,
    id: String,
}

fn edge_lines(dir: &Path) -> Vec<Edge> {
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for l in gz_lines(dir) {
        if let Some(f) = l.strip_prefix("#Fields: ") {
            names = f.split(' ').map(String::from).collect();
            continue;
        }
        if l.starts_with('#') {
            continue;
        }
        let v: Vec<&str> = l.split('\t').collect();
        let get = |n: &str| v[names.iter().position(|x| x == n).unwrap()];
        let t = NaiveDateTime::parse_from_str(
            &format!("{} {}", get("date"), get("time")),
            "%Y-%m-%d %H:%M:%S",
        )
        .unwrap()
        .and_utc()
        .timestamp_micros();
        // time-taken: seconds with three decimals, read as whole milliseconds
        let (s, ms) = get("time-taken").split_once('.').unwrap();
        let taken_ms: i64 = s.parse::<i64>().unwrap() * 1000 + ms.parse::<i64>().unwrap();
        out.push(Edge {
            route: format!("{} {}", get("cs-method"), template(get("cs-uri-stem"))),
            time_us: t,
            arrival_us: t - taken_ms * 1000,
            status: get("sc-status").parse().ok().filter(|s| *s != 0),
            forwarded: matches!(
                get("x-edge-detailed-result-type"),
                "Miss" | "RefreshHit" | "Error" | "ClientCommError" | "ClientHungUpRequest"
            ),
            id: get("x-edge-request-id").to_string(),
        });
    }
    out
}

/// One API Gateway line (CloudWatch's export: a timestamp, a space, the JSON).
#[derive(Debug, Clone)]
struct Gateway {
    route: String,
    time_us: i64,
    status: u16,
    /// `authorizer.cfId`: CloudFront's id, `-` when none.
    cf_id: String,
}

fn gateway_lines(dir: &Path) -> Vec<Gateway> {
    gz_lines(dir)
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l.split_once(' ').unwrap().1).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            Gateway {
                route: format!(
                    "{} {}",
                    s("httpMethod"),
                    s("resourcePath").replace("{hospitalId}", "{id}")
                ),
                time_us: s("requestTimeEpoch").parse::<i64>().unwrap() * 1000,
                status: s("status").parse().unwrap(),
                cf_id: v["authorizer"]["cfId"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn is_5xx(s: Option<u16>) -> bool {
    s.is_some_and(|s| (500..600).contains(&s))
}

/// The generated migration day (2h30 from 11:30, API Gateway from 12:00) in a new folder.
fn migration_day() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = hosp_logs()
        .args([
            "generate",
            "-q",
            "--start",
            "2026-11-20T11:30:00Z",
            "--duration",
            "150m",
            "--rate",
            "2",
            "--migration",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    (dir, truth["migration"].clone())
}

/// The branch's sides and routes, checked against the files and truth.json (the same with
/// either join): returns the edge's lines of the branch, the gateway's lines and each
/// route's first gateway time.
fn check_sides<'a>(
    dir: &Path,
    m: &Value,
    b: &Value,
    edge: &'a [Edge],
) -> (Vec<&'a Edge>, Vec<Gateway>, BTreeMap<String, i64>) {
    assert_eq!(
        (b["from"].as_str(), b["to"].as_str()),
        (Some("edge"), Some("api"))
    );
    assert_eq!(b["log_format"], "apigw");
    assert_eq!(u(&b["gateway"]["requests"]), u(&m["apigw"]["requests"]));
    assert_eq!(u(&b["gateway"]["errors_5xx"]), u(&m["apigw"]["errors_5xx"]));
    assert!(u(&m["apigw"]["errors_5xx"]) > 0);

    // the routes and their first time, from the API Gateway lines read here
    let gateway = gateway_lines(&dir.join("apigw"));
    assert_eq!(gateway.len() as u64, u(&m["apigw"]["requests"]));
    let mut since: BTreeMap<String, i64> = BTreeMap::new();
    for g in &gateway {
        let t = since.entry(g.route.clone()).or_insert(g.time_us);
        *t = (*t).min(g.time_us);
    }
    let got: BTreeMap<String, String> = b["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["route"].as_str().unwrap().to_string(),
                r["since"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = since
        .iter()
        .map(|(k, t)| (k.clone(), rfc3339(*t)))
        .collect();
    assert_eq!(got, want);
    // the truth's routes on API Gateway are these
    let truth_routes: BTreeSet<String> = m["routes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v["apigw"].is_null())
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(truth_routes, since.keys().cloned().collect());

    // the edge's lines of the branch, counted here: a route API Gateway served, finished by
    // the edge in or after the second of its first API Gateway line
    let bound: Vec<&Edge> = edge
        .iter()
        .filter(|e| {
            since
                .get(&e.route)
                .is_some_and(|s| e.time_us >= s.div_euclid(SEC) * SEC)
        })
        .collect();
    let e = &b["edge"];
    assert_eq!(u(&e["requests"]), bound.len() as u64);
    assert_eq!(
        u(&e["errors_5xx"]),
        bound.iter().filter(|e| is_5xx(e.status)).count() as u64
    );
    assert_eq!(
        u(&e["forwarded"]),
        bound.iter().filter(|e| e.forwarded).count() as u64
    );
    assert_eq!(
        u(&e["valid"]),
        bound.iter().filter(|e| e.status.is_some()).count() as u64
    );
    assert_eq!(
        u(&e["good"]),
        bound
            .iter()
            .filter(|e| e.status.is_some_and(|s| s < 500))
            .count() as u64
    );

    // against the generator's truth (the requests it sent to API Gateway's routes): every
    // forwarded one reached API Gateway, and the edge's 5XX on the branch are API Gateway's
    // and its own
    let te = &m["edge"];
    assert_eq!(u(&e["forwarded"]), u(&te["forwarded"]));
    assert_eq!(u(&e["forwarded"]), u(&m["apigw"]["requests"]));
    assert_eq!(u(&e["errors_5xx"]), u(&te["errors_5xx"]));
    assert_eq!(u(&te["apigw_5xx"]), u(&m["apigw"]["errors_5xx"]));
    assert!(u(&te["apigw_5xx"]) < u(&te["errors_5xx"]));
    // the routes' first lines split the edge's lines as the generator did except around the
    // cut-over (cache hits before a route's first API Gateway line; the ALB's requests on
    // the route that the edge finished after it)
    let cutover = chrono::DateTime::parse_from_rfc3339(m["cutover"].as_str().unwrap())
        .unwrap()
        .timestamp_micros();
    let lo = since.values().copied().min().unwrap().min(cutover) - SEC;
    let hi = since.values().copied().max().unwrap().max(cutover) + SEC;
    let around = edge
        .iter()
        .filter(|e| since.contains_key(&e.route) && e.time_us >= lo && e.arrival_us < hi)
        .count() as u64;
    let diff = u(&te["requests"]).abs_diff(u(&e["requests"]));
    assert!(diff <= around, "{diff} > {around}");
    assert!(around * 20 < u(&te["requests"]), "{around}");
    // and minute by minute (by when the edge received them), away from the cut-over
    let mut minutes: BTreeMap<String, [u64; 2]> = BTreeMap::new();
    for e in &bound {
        let c = minutes
            .entry(rfc3339(e.arrival_us.div_euclid(MIN) * MIN))
            .or_default();
        c[0] += 1;
        c[1] += u64::from(is_5xx(e.status));
    }
    let mut compared = 0;
    for (start, c) in te["per_minute"].as_object().unwrap() {
        let t = chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .timestamp_micros();
        if t + MIN > lo - 2 * MIN && t < hi {
            continue;
        }
        let mine = minutes.get(start).copied().unwrap_or_default();
        assert_eq!(mine, [u(&c["requests"]), u(&c["errors_5xx"])], "{start}");
        compared += 1;
    }
    assert!(compared > 100, "{compared}");
    (bound, gateway, since)
}

#[test]
fn the_migration_days_branch_joins_on_cloudfronts_id_and_matches_truth() {
    let (dir, m) = migration_day();
    let r = hops_json(
        dir.path(),
        &[
            "--hop",
            "edge=cloudfront:cloudfront",
            "--hop",
            "lb=alb:AWSLogs",
            "--hop",
            "api=apigw:apigw",
        ],
    );
    let names: Vec<&str> = r["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["edge", "lb", "api"]);
    // the API Gateway hop: what the generator wrote to API Gateway
    let api = &r["hops"][2];
    assert_eq!(api["log_format"], "apigw");
    assert_eq!(u(&api["requests"]), u(&m["apigw"]["requests"]));
    assert_eq!(u(&api["errors_5xx"]), u(&m["apigw"]["errors_5xx"]));

    let branches = r["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 1);
    let b = &branches[0];
    assert_eq!(b["join"], "id");
    assert!(b["per_minute"].is_null() && b["note"].is_null());
    let edge = edge_lines(&dir.path().join("cloudfront"));
    let (bound, gateway, _) = check_sides(dir.path(), &m, b, &edge);

    // the join, counted here: API Gateway's cfId = CloudFront's x-edge-request-id
    let by_id: HashMap<&str, &Gateway> = gateway.iter().map(|g| (g.cf_id.as_str(), g)).collect();
    assert_eq!(by_id.len(), gateway.len(), "one line per id");
    let edge_ids: HashSet<&str> = edge.iter().map(|e| e.id.as_str()).collect();
    let joined = gateway
        .iter()
        .filter(|g| edge_ids.contains(g.cf_id.as_str()))
        .count() as u64;
    let bound_ids: HashSet<&str> = bound.iter().map(|e| e.id.as_str()).collect();
    let outside = edge
        .iter()
        .filter(|e| !bound_ids.contains(e.id.as_str()) && by_id.contains_key(e.id.as_str()))
        .count() as u64;
    let edge_unmatched = bound
        .iter()
        .filter(|e| !by_id.contains_key(e.id.as_str()))
        .count() as u64;
    assert_eq!(
        b["joined"],
        serde_json::json!({"joined": joined, "edge_unmatched": edge_unmatched,
            "gateway_unmatched": gateway.len() as u64 - joined, "outside_routes": outside})
    );
    // every API Gateway request came through the edge
    assert_eq!(joined, u(&m["apigw"]["requests"]));
    // where the branch's failures happened, from the joined pairs
    let mut failed = [0u64; 3];
    for e in bound.iter().filter(|e| is_5xx(e.status)) {
        match by_id.get(e.id.as_str()) {
            Some(g) if g.status >= 500 => failed[0] += 1,
            Some(_) => failed[1] += 1,
            None => failed[2] += 1,
        }
    }
    assert_eq!(
        b["failed_at"],
        serde_json::json!({"gateway": failed[0], "edge_timeout": failed[1],
            "before_gateway": failed[2]})
    );
    // API Gateway's 5XX, every one relayed by the edge, and some of the edge's own
    assert_eq!(failed[0], u(&m["apigw"]["errors_5xx"]));
    assert!(failed[2] > 0);
    assert!(!r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("authorizer")));
    // the table shows the branch and the join
    let table = common::stdout_ok(
        &hosp_logs()
            .current_dir(dir.path())
            .args([
                "hops",
                "--hop",
                "edge=cloudfront:cloudfront",
                "--hop",
                "api=apigw:apigw",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        table.contains("Branch edge → api (apigw): joined request by request on CloudFront's id"),
        "{table}"
    );
    let row = table
        .lines()
        .find(|l| l.contains("joined.joined"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains(&format!(" {joined} ")), "{row}");
    assert!(table.contains("GET /hospitals/{id}"), "{table}");
}

#[test]
fn the_migration_day_read_without_the_id_is_compared_per_minute_with_the_note() {
    let (dir, m) = migration_day();
    // the stage's format as most are written: no $context.authorizer.cfId
    let cfg = dir.path().join("hops.toml");
    std::fs::write(
        &cfg,
        r#"[apigw]
format = '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status","responseLatency":"$context.responseLatency","integrationStatus":"$context.integrationStatus"}'
"#,
    )
    .unwrap();
    let r = hops_json(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--hop",
            "edge=cloudfront:cloudfront",
            "--hop",
            "lb=alb:AWSLogs",
            "--hop",
            "api=apigw:apigw",
        ],
    );
    let b = &r["branches"][0];
    assert_eq!(b["join"], "per_minute");
    assert!(b["joined"].is_null() && b["failed_at"].is_null());
    let note = b["note"].as_str().unwrap();
    for want in [
        "the access log format of hop `api` has no `$context.authorizer.cfId`",
        "X-Amz-Cf-Id",
        "Lambda authorizer",
    ] {
        assert!(note.contains(want), "{note}");
    }
    assert!(r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str() == Some(note)));
    let edge = edge_lines(&dir.path().join("cloudfront"));
    let (bound, gateway, _) = check_sides(dir.path(), &m, b, &edge);

    // per minute: the edge's by when it received the request, the gateway's by its time
    let mut minutes: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for e in &bound {
        let c = minutes
            .entry(rfc3339(e.arrival_us.div_euclid(MIN) * MIN))
            .or_default();
        c[0] += 1;
        c[1] += u64::from(is_5xx(e.status));
        c[2] += u64::from(e.forwarded);
    }
    for g in &gateway {
        let c = minutes
            .entry(rfc3339(g.time_us.div_euclid(MIN) * MIN))
            .or_default();
        c[3] += 1;
        c[4] += u64::from(g.status >= 500);
    }
    let got: BTreeMap<String, [u64; 5]> = b["per_minute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["start"].as_str().unwrap().to_string(),
                [
                    u(&m["edge_requests"]),
                    u(&m["edge_errors_5xx"]),
                    u(&m["edge_forwarded"]),
                    u(&m["gateway_requests"]),
                    u(&m["gateway_errors_5xx"]),
                ],
            )
        })
        .collect();
    assert_eq!(got, minutes);
    // the edge forwarded what API Gateway logged: the same in all, and minute by minute but
    // for a request near a minute's end (the edge's line is to the second, so when it
    // received one is known to within a second): the running difference stays small
    let (mut ahead, mut most) = (0i64, 0i64);
    for c in minutes.values() {
        ahead += c[2] as i64 - c[3] as i64;
        most = most.max(ahead.abs());
    }
    assert_eq!(ahead, 0);
    assert!(most <= 3, "{most}");
    assert!(minutes.values().filter(|c| c[2] == c[3]).count() * 2 > minutes.len());
    let table = common::stdout_ok(
        &hosp_logs()
            .current_dir(dir.path())
            .args([
                "hops",
                "--config",
                cfg.to_str().unwrap(),
                "--hop",
                "edge=cloudfront:cloudfront",
                "--hop",
                "api=apigw:apigw",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        table.contains("Branch edge → api (apigw): compared per minute"),
        "{table}"
    );
}

/// A CloudFront file: (time, time-taken, method, stem, status, detailed result type, id).
fn write_edge(dir: &Path, lines: &[(&str, &str, &str, &str, u16, &str, &str)]) -> String {
    let mut text = String::from(
        "#Version: 1.0\n#Fields: date time x-edge-location c-ip cs-method cs-uri-stem sc-status x-edge-result-type x-edge-request-id time-taken x-edge-detailed-result-type\n",
    );
    for (time, taken, method, stem, status, detail, id) in lines {
        let result = match *detail {
            "Hit" | "Miss" | "LimitExceeded" => *detail,
            _ => "Error",
        };
        text.push_str(&format!(
            "2026-11-20\t{time}\tDUB56-P1\t192.0.2.7\t{method}\t{stem}\t{status:03}\t{result}\t{id}\t{taken}\t{detail}\n"
        ));
    }
    let path = dir.join("E2TEST.2026-11-20-10.abcd.log");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// API Gateway lines keyed by the `$context` variables' names: (ms past 10:00, method,
/// resource, status, CloudFront's id as a Lambda authorizer returned it, or none).
fn write_gateway(dir: &Path, lines: &[(i64, &str, &str, u16, Option<&str>)]) -> String {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
        .unwrap()
        .timestamp_millis();
    let mut text = String::new();
    for (i, (ms, method, resource, status, cf)) in lines.iter().enumerate() {
        let authorizer = cf.map_or(String::new(), |c| {
            format!(r#","authorizer":{{"cfId":"{c}"}}"#)
        });
        text.push_str(&format!(
            r#"{{"requestId":"r-{i}","requestTimeEpoch":"{}","httpMethod":"{method}","resourcePath":"{resource}","status":"{status}","responseLatency":"40"{authorizer}}}"#,
            t0 + ms
        ));
        text.push('\n');
    }
    let path = dir.join("apigw.log");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The edge's lines: A a 502 from API Gateway, B the edge's 504 after its origin timeout (API
/// Gateway answered 200 later), C a cache hit in the second of its route's first API Gateway
/// line (10:00:00.600: the edge's line is to the second), D the edge's own limit, E a success, F on the
/// ALB's route, H received before API Gateway's first line of its route (finished after it),
/// I finished by the edge's clock before the second of its route's first API Gateway line.
fn edge_day(dir: &Path) -> String {
    write_edge(
        dir,
        &[
            (
                "10:00:01",
                "0.400",
                "GET",
                "/hospitals/1",
                502,
                "Error",
                "A",
            ),
            (
                "10:00:31",
                "30.000",
                "GET",
                "/hospitals/2",
                504,
                "OriginCommError",
                "B",
            ),
            ("10:00:00", "0.000", "GET", "/hospitals/7", 200, "Hit", "C"),
            (
                "10:00:04",
                "0.001",
                "GET",
                "/hospitals/8",
                503,
                "LimitExceeded",
                "D",
            ),
            ("10:00:05", "0.060", "POST", "/hospitals", 201, "Miss", "E"),
            ("10:00:06", "0.100", "GET", "/patients/3", 502, "Error", "F"),
            (
                "10:00:02",
                "2.000",
                "DELETE",
                "/hospitals/9",
                200,
                "Miss",
                "H",
            ),
            ("10:00:09", "0.050", "PUT", "/hospitals/5", 200, "Miss", "I"),
        ],
    )
}

#[test]
fn with_cloudfronts_id_in_the_gateway_log_the_branch_joins_request_by_request() {
    let dir = tempfile::tempdir().unwrap();
    let edge = edge_day(dir.path());
    // API Gateway: A's 502, B's late 200, E's 201, H's 200 (at 10:00:00.100, after the edge
    // received H), I's 200 (its clock ahead of the edge's), an id the edge never logged and
    // a line without one
    let gateway = write_gateway(
        dir.path(),
        &[
            (600, "GET", "/hospitals/{hospitalId}", 502, Some("A")),
            (1_000, "GET", "/hospitals/{hospitalId}", 200, Some("B")),
            (5_000, "POST", "/hospitals", 201, Some("E")),
            (100, "DELETE", "/hospitals/{hospitalId}", 200, Some("H")),
            (10_200, "PUT", "/hospitals/{hospitalId}", 200, Some("I")),
            (7_000, "GET", "/hospitals/{hospitalId}", 200, Some("Z")),
            (8_000, "GET", "/hospitals/{hospitalId}", 200, None),
        ],
    );
    let r = hops_json(
        dir.path(),
        &[
            "--hop",
            &format!("edge=cloudfront:{edge}"),
            "--hop",
            &format!("api=apigw:{gateway}"),
        ],
    );
    let b = &r["branches"][0];
    assert_eq!(b["join"], "id");
    assert!(b["per_minute"].is_null() && b["note"].is_null());
    // the branch's edge lines: A B C D E H (F is the ALB's route; I finished before PUT's
    // first line at API Gateway)
    assert_eq!(
        b["edge"],
        serde_json::json!({"requests": 6, "forwarded": 3, "valid": 6, "good": 3,
            "success_rate": 0.5, "errors_5xx": 3})
    );
    assert_eq!(u(&b["gateway"]["requests"]), 7);
    assert_eq!(u(&b["gateway"]["errors_5xx"]), 1);
    // joined: A, B, E, H, I (5 of 7 gateway lines); the branch's edge lines unmatched: C,
    // D; I joined although the routes left it out
    assert_eq!(
        b["joined"],
        serde_json::json!({"joined": 5, "edge_unmatched": 2, "gateway_unmatched": 2,
            "outside_routes": 1})
    );
    // A: API Gateway's 502; B: API Gateway answered 200 after the edge gave up; D: no line
    assert_eq!(
        b["failed_at"],
        serde_json::json!({"gateway": 1, "edge_timeout": 1, "before_gateway": 1})
    );
    let routes: Vec<(&str, &str)> = b["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["route"].as_str().unwrap(), r["since"].as_str().unwrap()))
        .collect();
    assert_eq!(
        routes,
        [
            ("DELETE /hospitals/{id}", "2026-11-20T10:00:00Z"),
            ("GET /hospitals/{id}", "2026-11-20T10:00:00Z"),
            ("POST /hospitals", "2026-11-20T10:00:05Z"),
            ("PUT /hospitals/{id}", "2026-11-20T10:00:10Z"),
        ]
    );
    // no note about the branch: it joined
    assert!(!r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("authorizer")));
    // the same hops from the config's [[hops]] (sources relative to its folder)
    let cfg = dir.path().join("hops.toml");
    std::fs::write(
        &cfg,
        "[[hops]]\nname = \"edge\"\nlog_format = \"cloudfront\"\nsources = [\"E2TEST.2026-11-20-10.abcd.log\"]\n[[hops]]\nname = \"api\"\nlog_format = \"apigw\"\nsources = [\"apigw.log\"]\n",
    )
    .unwrap();
    let from_config = hops_json(dir.path(), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(from_config["branches"], r["branches"]);
}

#[test]
fn a_gateway_format_without_the_id_is_compared_per_minute_with_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let edge = edge_day(dir.path());
    // the stage's own format, without $context.authorizer.cfId
    let gateway = write_gateway(
        dir.path(),
        &[
            (600, "GET", "/hospitals/{hospitalId}", 502, None),
            (1_000, "GET", "/hospitals/{hospitalId}", 200, None),
            (5_000, "POST", "/hospitals", 201, None),
            (100, "DELETE", "/hospitals/{hospitalId}", 200, None),
            (61_000, "GET", "/hospitals/{hospitalId}", 504, None),
        ],
    );
    let cfg = dir.path().join("hops.toml");
    std::fs::write(
        &cfg,
        r#"[apigw]
format = '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","responseLatency":"$context.responseLatency"}'
"#,
    )
    .unwrap();
    let r = hops_json(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--hop",
            &format!("edge=cloudfront:{edge}"),
            "--hop",
            &format!("api=apigw:{gateway}"),
        ],
    );
    let b = &r["branches"][0];
    assert_eq!(b["join"], "per_minute");
    assert!(b["joined"].is_null() && b["failed_at"].is_null());
    let note = b["note"].as_str().unwrap();
    assert!(
        note.contains("the access log format of hop `api` has no `$context.authorizer.cfId`"),
        "{note}"
    );
    assert!(note.contains("X-Amz-Cf-Id"), "{note}");
    // 10:00: the edge's A B C D E H (A, E, H forwarded; A, B, D 5XX; I is on no route API
    // Gateway served), API Gateway's 4 lines (one 502); 10:01: API Gateway's 504 alone
    assert_eq!(
        b["per_minute"],
        serde_json::json!([
            {"start": "2026-11-20T10:00:00Z", "edge_requests": 6, "edge_errors_5xx": 3,
             "edge_forwarded": 3, "gateway_requests": 4, "gateway_errors_5xx": 1},
            {"start": "2026-11-20T10:01:00Z", "edge_requests": 0, "edge_errors_5xx": 0,
             "edge_forwarded": 0, "gateway_requests": 1, "gateway_errors_5xx": 1},
        ])
    );
    // without the config, the lines' own keys: a format that could have the id, but no line
    // has it; the same minutes, and the note says so
    let r = hops_json(
        dir.path(),
        &[
            "--hop",
            &format!("edge=cloudfront:{edge}"),
            "--hop",
            &format!("api=apigw:{gateway}"),
        ],
    );
    let b2 = &r["branches"][0];
    assert_eq!(b2["join"], "per_minute");
    assert_eq!(b2["per_minute"], b["per_minute"]);
    let note = b2["note"].as_str().unwrap();
    assert!(
        note.contains("no line of hop `api` carries CloudFront's id"),
        "{note}"
    );
    assert!(note.contains("$context.authorizer.cfId"), "{note}");
}

#[test]
fn a_gateway_without_an_edge_is_a_hop_without_a_branch() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = write_gateway(
        dir.path(),
        &[(600, "GET", "/hospitals/{hospitalId}", 502, Some("A"))],
    );
    let r = hops_json(dir.path(), &["--hop", &format!("api=apigw:{gateway}")]);
    // no branch: the key is left out, as without a gateway hop
    assert!(r.get("branches").is_none(), "{r}");
    assert_eq!(u(&r["hops"][0]["requests"]), 1);
    assert!(r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap()
            == "hop `api` (apigw) has no edge hop in front of it: no branch is reported"));
}
