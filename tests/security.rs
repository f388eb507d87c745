//! End-to-end tests of `hosp-logs security` and `hosp-logs audit` on the fixture day: the
//! intruder and the scanner are found with the right evidence; staff and the team's own load
//! test give nothing at medium or above; hostile text stays inert.

use std::net::IpAddr;

use serde_json::Value;

mod common;
use common::*;

fn incident(kind: &str) -> Value {
    truth()["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap()
        .clone()
}

/// Runs with --format json and returns (exit code, document).
fn run_json(args: &[&str]) -> (i32, Value) {
    let out = hosp_logs()
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 3 || code == 4,
        "exit {code}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        serde_json::from_slice(&out.stdout).expect("one JSON document"),
    )
}

fn day(cmd: &str, extra: &[&str]) -> Value {
    let (d, c) = (fixture_day(), fixture_config());
    let mut args = vec![cmd, "--source", &d, "--config", &c];
    args.extend_from_slice(extra);
    run_json(&args).1
}

/// `security --min-severity info` on the fixture day, run once for the tests that read it.
fn whole_day() -> &'static Value {
    static DAY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DAY.get_or_init(|| day("security", &["--min-severity", "info"]))
}

fn findings(r: &Value) -> &Vec<Value> {
    r["findings"].as_array().unwrap()
}

fn find<'a>(r: &'a Value, rule: &str, ip: &str) -> &'a Value {
    findings(r)
        .iter()
        .find(|f| f["rule"] == rule && f["client_ip"] == ip)
        .unwrap_or_else(|| panic!("no {rule} finding for {ip}"))
}

const RANK: [&str; 5] = ["info", "low", "medium", "high", "critical"];

fn rank(sev: &Value) -> usize {
    RANK.iter().position(|s| sev == *s).unwrap()
}

fn in_staff_or_loadtest(ip: &str) -> bool {
    let ip: IpAddr = ip.parse().unwrap();
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            (o[0..3] == [192, 0, 2]) || (o[0..3] == [10, 99, 0])
        }
        IpAddr::V6(v6) => v6.segments()[0..3] == [0x2001, 0xdb8, 0x4a1],
    }
}

fn all_evidence_within(f: &Value, start: &str, end: &str) {
    let ev = f["evidence"].as_array().unwrap();
    assert!(!ev.is_empty());
    for e in ev {
        let t = e["time"].as_str().unwrap();
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        assert!(
            at(t) >= at(start) && at(t) < at(end),
            "{t} outside {start}..{end}"
        );
        assert!(e["trace_id"].as_str().unwrap().starts_with("Root=1-"));
    }
}

#[test]
fn the_intruder_is_found_with_its_writes_as_evidence() {
    let t = incident("intruder");
    let r = whole_day();
    let f = find(r, "unexpected-writer", "203.0.113.66");
    assert!(rank(&f["severity"]) >= 3, "{f}");
    assert_eq!(f["user_agent"], t["user_agent"]);
    assert_eq!(u(&f["count"]), u(&t["writes"]));
    assert_eq!(f["endpoints"], serde_json::json!(["POST /notes"]));
    assert_eq!(f["first_seen"].as_str().unwrap()[..16], *"2026-11-20T01:40");
    assert_eq!(f["evidence"].as_array().unwrap().len(), 5);
    for e in f["evidence"].as_array().unwrap() {
        assert_eq!(e["method"], "POST");
        assert_eq!(e["status"], 201);
        assert!(e["url"].as_str().unwrap().contains("/notes"), "{e}");
    }
    all_evidence_within(f, t["start"].as_str().unwrap(), t["end"].as_str().unwrap());
    let why = f["reasons"].to_string();
    assert!(why.contains("outside the known networks"), "{why}");
    assert!(why.contains("python-requests/2.31.0"), "{why}");
    // its burst of writes and its night-time writes are findings too
    assert!(rank(&find(r, "write-burst", "203.0.113.66")["severity"]) >= 2);
    assert!(rank(&find(r, "off-hours-write", "203.0.113.66")["severity"]) >= 2);
    // the baseline had no data before the window: said so
    assert_eq!(r["baseline"]["available"], false);
    let notes = r["rules"].to_string();
    assert!(
        notes.contains("never-seen-writing check did not run"),
        "{notes}"
    );
}

#[test]
fn the_scanner_is_found_with_its_probes_and_the_log4shell_request() {
    let t = incident("scanner");
    let r = day("security", &[]);
    let f = find(&r, "scanner", "198.51.100.23");
    assert!(rank(&f["severity"]) >= 2, "{f}");
    assert_eq!(u(&f["count"]), u(&t["requests"]));
    assert_eq!(u(&f["distinct_endpoints"]), u(&t["distinct_paths"]));
    assert_eq!(f["user_agent"], t["user_agent"]);
    for e in f["evidence"].as_array().unwrap() {
        assert_eq!(e["status"], 404);
    }
    all_evidence_within(f, t["start"].as_str().unwrap(), t["end"].as_str().unwrap());
    let a = find(&r, "attack-signature", "198.51.100.23");
    assert!(rank(&a["severity"]) >= 2, "{a}");
    assert!(
        a["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("Log4Shell: 1 request"),
        "{a}"
    );
    let jndi: Vec<&Value> = a["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["user_agent"] == t["log4shell_user_agent"])
        .collect();
    assert_eq!(jndi.len(), 1);
    assert!(jndi[0]["time"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-20T22:07:33"));
    assert!(jndi[0]["url"].as_str().unwrap().ends_with("/api/v1/login"));
}

#[test]
fn staff_and_the_load_test_give_nothing_at_medium_or_above() {
    let r = whole_day();
    assert_eq!(u(&r["requests"]), u(&truth()["requests"]["total"]));
    let mut loud: Vec<(String, String, String)> = Vec::new();
    for f in findings(r) {
        let ip = f["client_ip"].as_str().unwrap();
        if in_staff_or_loadtest(ip) {
            assert!(
                rank(&f["severity"]) < 2,
                "staff or load test at medium+: {f}"
            );
        }
        if rank(&f["severity"]) >= 2 {
            loud.push((
                f["rule"].as_str().unwrap().into(),
                ip.into(),
                f["severity"].as_str().unwrap().into(),
            ));
        }
    }
    let ips: std::collections::BTreeSet<&str> = loud.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(
        ips.into_iter().collect::<Vec<_>>(),
        vec!["198.51.100.23", "203.0.113.66"],
        "{loud:?}"
    );
    // the load test is in the data (security does not trust [exclude]) and is seen, as low
    let lt = find(r, "write-burst", "10.99.0.21");
    assert_eq!(lt["severity"], "low");
    assert_eq!(lt["known_network"], true);
}

#[test]
fn without_known_networks_the_intruder_is_still_found() {
    let d = fixture_day();
    let (_, r) = run_json(&["security", "--source", &d, "--rule", "unexpected-writer"]);
    let f = find(&r, "unexpected-writer", "203.0.113.66");
    assert_eq!(f["severity"], "medium");
    assert_eq!(findings(&r).len(), 1, "{}", r["findings"]);
    assert!(r["rules"][0]["notes"]
        .to_string()
        .contains("known_networks is not configured"));
}

/// 01:00–03:00 with the hour before as the baseline, unexpected-writer only.
const AFTER_THE_FIRST_HOUR: [&str; 8] = [
    "--since",
    "2026-11-20T01:00:00Z",
    "--until",
    "2026-11-20T03:00:00Z",
    "--baseline",
    "1h",
    "--rule",
    "unexpected-writer",
];

#[test]
fn a_baseline_inside_the_day_makes_the_intruder_a_new_writer() {
    let r = day("security", &AFTER_THE_FIRST_HOUR);
    assert_eq!(r["baseline"]["available"], true);
    assert_eq!(r["baseline"]["start"], "2026-11-20T00:00:00Z");
    assert!(u(&r["baseline"]["writers"]) > 10);
    assert_eq!(r["window"]["start"], "2026-11-20T01:00:00Z");
    let f = find(&r, "unexpected-writer", "203.0.113.66");
    assert_eq!(f["severity"], "critical");
    assert!(f["reasons"].to_string().contains("never seen writing"));
    for f in findings(&r) {
        if f["client_ip"] != "203.0.113.66" {
            assert_eq!(f["severity"], "low", "{f}");
        }
    }
}

#[test]
fn rule_min_severity_and_evidence_options() {
    let r = day(
        "security",
        &["--rule", "scanner,attack-signature", "--evidence", "2"],
    );
    for f in findings(&r) {
        assert!(
            f["rule"] == "scanner" || f["rule"] == "attack-signature",
            "{f}"
        );
        assert!(f["evidence"].as_array().unwrap().len() <= 2);
    }
    assert_eq!(r["rules"].as_array().unwrap().len(), 2);
    // with little room, each kind of attack still shows: Log4Shell and the traversal
    let a = find(&r, "attack-signature", "198.51.100.23");
    let ev = a["evidence"].to_string();
    assert!(ev.contains("jndi") && ev.contains("etc/passwd"), "{ev}");
    // --min-severity high lists exactly the whole day's findings at high or above (the
    // intruder's among them), in the same order, and hides the rest
    let r = day("security", &["--min-severity", "high"]);
    let all = findings(whole_day());
    let want: Vec<&Value> = all.iter().filter(|f| rank(&f["severity"]) >= 3).collect();
    assert!(
        want.iter().any(|f| f["client_ip"] == "203.0.113.66"),
        "the intruder is found at high or above"
    );
    assert_eq!(findings(&r).iter().collect::<Vec<_>>(), want);
    assert_eq!(u(&r["hidden"]), (all.len() - want.len()) as u64);
    // findings are most severe first
    let r = whole_day();
    let ranks: Vec<usize> = findings(r).iter().map(|f| rank(&f["severity"])).collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
}

#[test]
fn fail_on_exit_codes() {
    let (d, c) = (fixture_day(), fixture_config());
    let base = ["security", "-q", "--source", &d, "--config", &c];
    let code = |extra: &[&str]| {
        hosp_logs()
            .args(base)
            .args(extra)
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(code(&["--fail-on", "high"]), 3);
    assert_eq!(code(&["--fail-on", "critical"]), 0);
    // --fail-on judges what --min-severity hides too
    assert_eq!(
        code(&["--fail-on", "high", "--min-severity", "critical"]),
        3
    );
    assert_eq!(code(&["--fail-on", "high", "--rule", "scanner"]), 0);
    assert_eq!(code(&["--fail-on", "medium", "--rule", "scanner"]), 3);
    assert_eq!(
        code(&["--fail-on", "low", "--since", "2030-01-01T00:00:00Z"]),
        4
    );
    assert_eq!(code(&["--fail-on", "loud"]), 2);
}

#[test]
fn table_and_csv_carry_the_findings() {
    let (d, c) = (fixture_day(), fixture_config());
    let out = hosp_logs()
        .args(["security", "-q", "--source", &d, "--config", &c])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Security findings",
        "unexpected-writer",
        "203.0.113.66",
        "python-requests/2.31.0",
        "Evidence 1:",
        "198.51.100.23",
        "Rules",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let out = hosp_logs()
        .args([
            "security", "-q", "--source", &d, "--config", &c, "--format", "csv",
        ])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Severity,Rule,Client IP,User agent,Count,First seen,Last seen,Endpoints,Why"
    );
    assert!(lines.next().unwrap().contains("203.0.113.66"));
}

/// A one-line ALB log of a write with a hostile user agent and URL.
fn hostile_line() -> String {
    format!(
        "{} {}",
        r#"http 2026-11-20T10:00:01.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.9:51000 10.0.1.10:3000 0.001 0.200 0.000 201 201 300 900 "POST http://hosp.example.com:80/notes?x=<script>alert(1)</script>\x1b[31m HTTP/1.1" "=HYPERLINK(\x22http://evil\x22)"#,
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef \"Root=1-6740a000-0123456789abcdef01234567\" \"-\" \"-\" 0 2026-11-20T10:00:01.099000Z \"forward\" \"-\" \"-\" \"10.0.1.10:3000\" \"201\" \"-\" \"-\" TID_0123abcd \"-\" \"-\" \"-\""
    )
}

#[test]
fn hostile_text_stays_inert() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[security]\nknown_networks = [\"192.0.2.0/24\"]\n").unwrap();
    let cfg = cfg.display().to_string();
    let line = hostile_line();
    let run = |fmt: &str| {
        let out = hosp_logs()
            .args([
                "security", "-q", "--source", "-", "--config", &cfg, "--format", fmt,
            ])
            .write_stdin(line.clone())
            .output()
            .unwrap();
        stdout_ok(&out)
    };
    let table = run("table");
    assert!(
        table.contains("unexpected-writer") && table.contains("attack-signature"),
        "{table}"
    );
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    let md = run("markdown");
    assert!(!md.contains('\u{1b}') && !md.contains("<script"), "{md:?}");
    let csv = run("csv");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let f = &json["findings"][0];
    assert!(f["user_agent"].as_str().unwrap().starts_with("=HYPERLINK"));
    // audit too
    let out = hosp_logs()
        .args(["audit", "-q", "--source", "-", "--format", "csv"])
        .write_stdin(line.clone())
        .output()
        .unwrap();
    let csv = stdout_ok(&out);
    assert!(csv.contains(",'=HYPERLINK"), "{csv}");
    let out = hosp_logs()
        .args(["audit", "-q", "--source", "-"])
        .write_stdin(line)
        .output()
        .unwrap();
    let table = stdout_ok(&out);
    // the row is there, without its escape sequence
    assert!(table.contains("203.0.113.9"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
}

#[test]
fn audit_trail_of_the_intruder_writes_first() {
    let t = incident("intruder");
    let r = day("audit", &["--client", "203.0.113.66"]);
    let clients = r["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1);
    let c = &clients[0];
    assert_eq!(c["user_agent"], t["user_agent"]);
    assert_eq!(u(&c["requests"]), u(&t["requests"]));
    assert_eq!(u(&c["writes"]), u(&t["writes"]));
    assert_eq!(u(&c["reads"]), u(&t["requests"]) - u(&t["writes"]));
    let ev = c["events"].as_array().unwrap();
    assert_eq!(ev.len() as u64, u(&t["requests"]));
    let writes = u(&t["writes"]) as usize;
    assert!(ev[..writes]
        .iter()
        .all(|e| e["write"] == true && e["method"] == "POST"));
    assert!(ev[writes..]
        .iter()
        .all(|e| e["write"] == false && e["method"] == "GET"));
    for part in [&ev[..writes], &ev[writes..]] {
        assert!(part
            .windows(2)
            .all(|w| w[0]["time"].as_str() <= w[1]["time"].as_str()));
    }
}

#[test]
fn audit_summary_sees_all_traffic_and_filters() {
    let r = day("audit", &["--summary"]);
    assert_eq!(u(&r["requests"]), u(&truth()["requests"]["total"]));
    let clients = r["clients"].as_array().unwrap();
    assert!(clients.iter().all(|c| c.get("events").is_none()));
    // the load test is listed: the audit does not trust [exclude]
    let lt: u64 = clients
        .iter()
        .filter(|c| c["client_ip"].as_str().unwrap().starts_with("10.99.0."))
        .map(|c| u(&c["requests"]))
        .sum();
    assert_eq!(lt, u(&incident("load_test")["requests"]));
    // writers first
    let writes: Vec<u64> = clients.iter().map(|c| u(&c["writes"])).collect();
    assert!(writes.windows(2).all(|w| w[0] >= w[1]));
    // filters: the scanner's 404s by user agent, and successful note writes
    let r = day(
        "audit",
        &["--summary", "--client", "*zgrab*", "--status", "404"],
    );
    assert_eq!(u(&r["requests"]), u(&incident("scanner")["requests"]) - 1);
    let r = day(
        "audit",
        &[
            "--method",
            "post",
            "--endpoint",
            "/notes",
            "--status",
            "2xx",
            "--limit",
            "3",
        ],
    );
    for c in r["clients"].as_array().unwrap() {
        assert!(c["events"].as_array().unwrap().len() <= 3);
        for e in c["events"].as_array().unwrap() {
            assert_eq!(e["method"], "POST");
            assert_eq!(e["endpoint"], "/notes");
            assert!(u(&e["status"]) / 100 == 2);
        }
    }
}

/// The fixture day's requests as the analyses read them: parsed here once, one batch.
mod split {
    use hosp_logs::engine::{Analysis, Finish};
    use hosp_logs::format::alb::Alb;
    use hosp_logs::format::{LineFormat, Request, Routes, Want};
    use hosp_logs::metrics::security::{roles, Security, Settings, Severity};
    use proptest::prelude::*;

    use super::*;

    fn lines() -> &'static Vec<String> {
        static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        LINES.get_or_init(fixture_lines)
    }

    fn routes() -> &'static Routes {
        static R: std::sync::OnceLock<Routes> = std::sync::OnceLock::new();
        R.get_or_init(|| Routes::new(&[]).unwrap())
    }

    fn requests() -> Vec<Request<'static>> {
        let want = Want {
            roles: roles(),
            routes: routes(),
            arena: None,
        };
        lines()
            .iter()
            .filter_map(|l| Alb.parse(l).ok().map(|rec| Alb.request(&rec, &want)))
            .collect()
    }

    /// The fixture config's rules, with a baseline inside the day so the part before the
    /// window is split too.
    fn analyses() -> Vec<Security> {
        let text = std::fs::read_to_string(fixture_config()).unwrap();
        let cfg = hosp_logs::config::Config::parse(&text).unwrap();
        let settings = Settings::from_section(&cfg.security).unwrap();
        let since = chrono::DateTime::parse_from_rfc3339("2026-11-20T01:00:00Z")
            .unwrap()
            .timestamp_micros();
        vec![
            Security::overall(settings.clone(), Severity::Info, None),
            Security {
                since_us: Some(since),
                baseline: true,
                ..Security::overall(settings, Severity::Info, None)
            },
        ]
    }

    fn report(a: &Security, p: <Security as Analysis>::Partial) -> String {
        let run = a.finish(p, &Finish::default());
        serde_json::to_string(&run.report).unwrap()
    }

    fn whole() -> &'static Vec<String> {
        static W: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        W.get_or_init(|| {
            let reqs = requests();
            analyses()
                .iter()
                .map(|a| {
                    // one partial, never merged
                    let mut p = a.partial();
                    a.fold(&mut p, &reqs);
                    report(a, p)
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4))]

        /// Batches of random sizes, dealt to random "threads", merged in a random order:
        /// the same report as one batch.
        #[test]
        fn the_report_does_not_depend_on_how_the_input_is_split(
            cuts in proptest::collection::vec(0usize..100_000, 1..40),
            threads in 1usize..6,
            deal in any::<u64>(),
        ) {
            let reqs = requests();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % reqs.len()).collect();
            cuts.push(0);
            cuts.push(reqs.len());
            cuts.sort_unstable();
            for (a, want) in analyses().iter().zip(whole()) {
                let mut parts: Vec<_> = (0..threads).map(|_| a.partial()).collect();
                for (i, w) in cuts.windows(2).enumerate() {
                    let t = (deal.rotate_left(i as u32 * 7) % threads as u64) as usize;
                    a.fold(&mut parts[t], &reqs[w[0]..w[1]]);
                }
                if deal % 2 == 1 {
                    parts.reverse();
                }
                let mut all = parts.pop().unwrap();
                for p in parts {
                    a.merge(&mut all, p);
                }
                let got = report(a, all);
                prop_assert!(&got == want, "the report changed with the split");
            }
        }
    }

    #[test]
    fn the_whole_day_in_one_batch_finds_the_intruder() {
        // guards the property above against comparing two empty reports
        assert!(whole()[0].contains("203.0.113.66"));
        assert!(whole()[1].contains("\"available\":true"));
    }
}

/// `security` with a kept baseline in `state`, as JSON.
fn with_state(state: &std::path::Path, extra: &[&str]) -> (Value, String) {
    let (d, c) = (fixture_day(), fixture_config());
    let out = hosp_logs()
        .args([
            "security", "--format", "json", "--source", &d, "--config", &c,
        ])
        .arg("--state")
        .arg(state)
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_str(&stdout_ok(&out)).unwrap();
    (json, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_kept_baseline_knows_earlier_writers_without_reading_their_logs() {
    let state = tempfile::tempdir().unwrap();
    // the first hour, as the previous run would have read it
    let (first, _) = with_state(
        state.path(),
        &[
            "--since",
            "2026-11-20T00:00:00Z",
            "--until",
            "2026-11-20T01:00:00Z",
            "--rule",
            "unexpected-writer",
        ],
    );
    let file = state_file(state.path());
    let kept: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(kept["version"], 2);
    assert_eq!(kept["runs"], 1);
    assert_eq!(kept["key"], FIXTURE_KEY);
    // the hour it read, to the window's bounds (its requests come within seconds of them)
    assert_eq!(
        kept["spans"],
        serde_json::json!([{"start_us": 1_795_132_800_000_000_i64, "end_us": 1_795_136_400_000_000_i64}])
    );
    // the writers of the first hour, counted here from the log lines
    let mut writers = std::collections::BTreeSet::new();
    for l in fixture_lines() {
        let f: Vec<&str> = l.split(' ').collect();
        let method = f[12].trim_start_matches('"');
        if f[1] < "2026-11-20T01:00:00" && ["POST", "PUT", "PATCH", "DELETE"].contains(&method) {
            writers.insert(f[3].rsplit_once(':').unwrap().0.to_string());
        }
    }
    let kept_ips: std::collections::BTreeSet<String> = kept["writers"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(kept_ips, writers);
    assert!(
        first["baseline"]["state"].is_null(),
        "nothing was kept before"
    );
    assert_eq!(first["baseline"]["available"], false);

    // the next window, its baseline hour covered by the state: not read from the logs
    let args = AFTER_THE_FIRST_HOUR;
    let (r, _) = with_state(state.path(), &args);
    assert_eq!(r["baseline"]["available"], true);
    assert_eq!(
        r["baseline"]["requests"], 0,
        "the baseline hour was not read"
    );
    assert_eq!(u(&r["baseline"]["state"]["writers"]), writers.len() as u64);
    assert_eq!(
        r["baseline"]["state"]["file"],
        file.display().to_string().as_str()
    );
    // what the state changed: the baseline hour, read by the first run
    assert_eq!(r["baseline"]["state"]["key"], FIXTURE_KEY);
    assert_eq!(
        r["baseline"]["state"]["spans"],
        serde_json::json!([{"start": "2026-11-20T00:00:00Z", "end": "2026-11-20T01:00:00Z"}])
    );
    let f = find(&r, "unexpected-writer", "203.0.113.66");
    assert_eq!(f["severity"], "critical");
    assert!(f["reasons"].to_string().contains("with the kept state"));
    // the same verdicts as reading the baseline hour from the logs
    let fresh = tempfile::tempdir().unwrap();
    let (logs, _) = with_state(fresh.path(), &args);
    let verdicts = |r: &Value| -> Vec<(String, String)> {
        findings(r)
            .iter()
            .map(|f| (f["client_ip"].to_string(), f["severity"].to_string()))
            .collect()
    };
    assert!(u(&logs["baseline"]["requests"]) > 0);
    assert_eq!(verdicts(&r), verdicts(&logs));
}

#[test]
fn a_corrupt_kept_baseline_is_named_and_ignored() {
    let state = tempfile::tempdir().unwrap();
    // a first run makes the fixture's state file; then it is damaged
    with_state(state.path(), &["--rule", "scanner"]);
    let file = state_file(state.path());
    std::fs::write(&file, "{\"version\": 2, \"writers\": [").unwrap();
    let (r, stderr) = with_state(state.path(), &["--rule", "unexpected-writer"]);
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("ignored"), "{stderr}");
    find(&r, "unexpected-writer", "203.0.113.66");
    // and rewritten whole
    let kept: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(kept["runs"], 1);
    // the default folder is under XDG_STATE_HOME
    let xdg = tempfile::tempdir().unwrap();
    let out = hosp_logs()
        .env_remove("HOSP_LOGS_STATE")
        .env("XDG_STATE_HOME", xdg.path())
        .args([
            "security",
            "-q",
            "--source",
            &fixture_day(),
            "--rule",
            "scanner",
        ])
        .output()
        .unwrap();
    stdout_ok(&out);
    assert!(state_file(&xdg.path().join("hosp-logs/security")).is_file());
}

/// The key of the fixture day's kept state: its load balancer, from its files' names.
const FIXTURE_KEY: &str = "alb/123456789012/eu-west-1/hosp-alb";

/// The one source's state file under a state folder.
fn state_file(dir: &std::path::Path) -> std::path::PathBuf {
    let folders: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    folders[0].join("writers.json")
}

/// `security` as JSON with the default state (`$XDG_STATE_HOME/hosp-logs/security`, under
/// `xdg`), or with none (`xdg` None: `--state off`).
fn default_state(xdg: Option<&std::path::Path>, source: &str, extra: &[&str]) -> Value {
    let mut cmd = hosp_logs();
    if let Some(x) = xdg {
        cmd.env_remove("HOSP_LOGS_STATE").env("XDG_STATE_HOME", x);
    }
    let out = cmd
        .args(["security", "-q", "--format", "json", "--source", source])
        .args(["--config", &fixture_config(), "--min-severity", "info"])
        .args(extra)
        .output()
        .unwrap();
    json_ok(&out)
}

/// The fixture day as one plain file, each line's date changed to `date` ("2026-11-19").
fn day_as_file(dir: &std::path::Path, name: &str, date: &str) -> String {
    let mut text = String::new();
    for l in fixture_lines() {
        text.push_str(&l.replace("2026-11-20T", &format!("{date}T")));
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn one_stray_line_of_an_old_year_does_not_poison_later_runs() {
    let xdg = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    // a damaged copy of the day: its first line dated ten years before (ALB times are read
    // from 2016-08)
    let path = day_as_file(logs.path(), "site.log", "2026-11-20");
    let text = std::fs::read_to_string(&path).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    let stray = first.replace("2026-11-20T", "2016-11-24T");
    std::fs::write(&path, format!("{stray}\n{rest}")).unwrap();
    let damaged = default_state(Some(xdg.path()), &path, &[]);
    assert_eq!(damaged["window"]["start"], "2016-11-24T00:00:02Z");
    // what it kept: what it read, not the ten years between the stray line and the day
    let file = state_file(&xdg.path().join("hosp-logs/security"));
    let kept: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let spans = kept["spans"].as_array().unwrap();
    assert!(!spans.is_empty());
    for s in spans {
        let long = s["end_us"].as_i64().unwrap() - s["start_us"].as_i64().unwrap();
        assert!(long <= 86_400_000_000, "a span of {long} µs: {s}");
    }
    // then the real log at the same place: the answer of a run without state
    std::fs::write(&path, rest).unwrap();
    let real = default_state(Some(xdg.path()), &path, &[]);
    let off = default_state(None, &path, &[]);
    assert!(
        u(&off["by_severity"]["high"]) > 0,
        "the day has findings to change"
    );
    assert_eq!(real, off);
    assert!(real["baseline"]["state"].is_null());
}

#[test]
fn the_same_input_twice_gives_the_same_answer_with_the_default_state() {
    let xdg = tempfile::tempdir().unwrap();
    let d = fixture_day();
    let once = default_state(Some(xdg.path()), &d, &[]);
    let twice = default_state(Some(xdg.path()), &d, &[]);
    assert_eq!(once, twice);
    assert_eq!(once, default_state(None, &d, &[]));
    // with --since: the second run reads the baseline hour from the state, not the logs; the
    // verdicts are the same, and what differs says so (baseline.state, what was read)
    let xdg = tempfile::tempdir().unwrap();
    let once = default_state(Some(xdg.path()), &d, &AFTER_THE_FIRST_HOUR);
    let twice = default_state(Some(xdg.path()), &d, &AFTER_THE_FIRST_HOUR);
    // the same findings (rule, client, severity, requests, evidence) and counts; a reason
    // says the baseline came "with the kept state"
    let answer = |r: &Value| {
        let mut r = r.clone();
        let m = r.as_object_mut().unwrap();
        m.remove("input");
        let b = m["baseline"].as_object_mut().unwrap();
        b.remove("requests");
        b.remove("state");
        for f in m["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("reasons");
        }
        r
    };
    assert_eq!(answer(&once), answer(&twice));
    let intruder = |r: &Value| find(r, "unexpected-writer", "203.0.113.66")["reasons"].to_string();
    assert!(!intruder(&once).contains("with the kept state"));
    assert!(
        intruder(&twice).contains("with the kept state"),
        "{}",
        intruder(&twice)
    );
    assert!(u(&once["baseline"]["requests"]) > 0);
    assert!(once["baseline"]["state"].is_null());
    assert_eq!(twice["baseline"]["requests"], 0);
    assert_eq!(
        twice["baseline"]["state"]["spans"],
        serde_json::json!([{"start": "2026-11-20T00:00:00Z", "end": "2026-11-20T01:00:00Z"}])
    );
    assert!(
        u(&once["by_severity"]["critical"]) > 0,
        "the intruder: a new writer"
    );
}

#[test]
fn two_sites_alternately_keep_apart() {
    let xdg = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    // another site's logs, of the day before (its reads only: no one writes there): in the
    // fixture day's baseline week, so a shared state would make the new-writer check run on
    // the fixture day, and find every writer new
    let other = day_as_file(logs.path(), "other-site.log", "2026-11-19");
    let reads: Vec<&str> = std::fs::read_to_string(&other)
        .unwrap()
        .leak()
        .lines()
        .filter(|l| {
            let method = l.split(' ').nth(12).unwrap_or("").trim_start_matches('"');
            !["POST", "PUT", "PATCH", "DELETE"].contains(&method)
        })
        .collect();
    assert!(reads.len() > 1000);
    std::fs::write(&other, reads.join("\n")).unwrap();
    let d = fixture_day();
    let want_other = default_state(None, &other, &[]);
    let want_day = default_state(None, &d, &[]);
    for round in 0..2 {
        let got = default_state(Some(xdg.path()), &other, &[]);
        assert_eq!(got, want_other, "round {round}");
        let got = default_state(Some(xdg.path()), &d, &[]);
        assert_eq!(got, want_day, "round {round}");
    }
    // one state per site
    let folders = std::fs::read_dir(xdg.path().join("hosp-logs/security"))
        .unwrap()
        .count();
    assert_eq!(folders, 2);
    // the check is not vacuous: the other site's state, were it shared, would change the
    // fixture day's answer (the new-writer check runs on it)
    assert_eq!(want_day["baseline"]["available"], false);
    let shared = tempfile::tempdir().unwrap();
    let with_other = hosp_logs()
        .args([
            "security",
            "-q",
            "--format",
            "json",
            "--min-severity",
            "info",
        ])
        .args(["--config", &fixture_config(), "--source", &other, "--state"])
        .arg(shared.path())
        .output()
        .unwrap();
    json_ok(&with_other);
    // the other site's state file, put where the fixture day's would be
    let theirs = state_file(shared.path());
    let mut kept: Value = serde_json::from_slice(&std::fs::read(&theirs).unwrap()).unwrap();
    kept["key"] = FIXTURE_KEY.into();
    let poisoned = tempfile::tempdir().unwrap();
    let first = hosp_logs()
        .args([
            "security", "-q", "--format", "json", "--source", &d, "--state",
        ])
        .arg(poisoned.path())
        .output()
        .unwrap();
    json_ok(&first);
    std::fs::write(state_file(poisoned.path()), kept.to_string()).unwrap();
    let shared_answer = hosp_logs()
        .args([
            "security",
            "-q",
            "--format",
            "json",
            "--min-severity",
            "info",
        ])
        .args(["--config", &fixture_config(), "--source", &d, "--state"])
        .arg(poisoned.path())
        .output()
        .unwrap();
    let shared_answer = json_ok(&shared_answer);
    assert_eq!(shared_answer["baseline"]["available"], true);
    let critical = |r: &Value| u(&r["by_severity"]["critical"]);
    assert_eq!(critical(&want_day), 0);
    assert!(
        critical(&shared_answer) > 0,
        "the intruder made a new writer"
    );
    // and says what it used
    assert_eq!(
        shared_answer["baseline"]["state"]["spans"][0]["start"],
        "2026-11-19T00:00:02Z"
    );
}

#[test]
fn a_mostly_malformed_run_records_nothing() {
    let xdg = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("junk.log");
    let good: Vec<String> = fixture_lines().into_iter().take(10).collect();
    let junk = "not an access log line\n".repeat(50);
    std::fs::write(&path, format!("{}\n{junk}", good.join("\n"))).unwrap();
    let out = hosp_logs()
        .env_remove("HOSP_LOGS_STATE")
        .env("XDG_STATE_HOME", xdg.path())
        .args(["security", "--format", "json", "--source"])
        .arg(&path)
        .output()
        .unwrap();
    let r = json_ok(&out);
    assert_eq!(u(&r["input"]["malformed"]), 50);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not recorded in the kept baseline: 50 of its 60 lines are malformed"),
        "{err}"
    );
    assert!(!xdg.path().join("hosp-logs/security").exists());
}
