//! `--source cwlogs://GROUP` against moto's CloudWatch Logs server (on 127.0.0.1, started and
//! stopped here, its clock set to the day after the fixture day so it takes the day's events),
//! and CloudWatch exports in S3 (`s3://…/exportedlogs/…/000000.gz`) against the in-process S3
//! server. The fixture day's ALB lines are put as events (their own time as the event's time)
//! into three streams of a group whose name holds a slash; every answer must be the one the
//! same lines give read from a local file.
//!
//! Needs Python with moto (scripts/athena-env.sh, as the Athena tests): HOSP_LOGS_PYTHON, else
//! the repository's .venv; without either the moto tests say so and pass without running.

mod common;
mod s3_server;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as StdCommand, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{hosp_logs_std, log_files, root, u};
use serde_json::{json, Value};

const GROUP: &str = "API-Gateway-Access-Logs_abc123/prod";
const STREAMS: [&str; 3] = ["app/a-1", "app/a-2", "other/b-1"];
/// The lines put: those of 08:00 to 12:00; the runs ask for 09:00 to 11:00.
const PUT_FROM: &str = "2026-11-20T08:00:00Z";
const PUT_TO: &str = "2026-11-20T12:00:00Z";
const SINCE: &str = "2026-11-20T09:00:00Z";
const UNTIL: &str = "2026-11-20T11:00:00Z";
/// The source keeps events this long past the window's end (END_SLACK_MS).
const SLACK_MS: i64 = 5 * 60 * 1000;

/// moto's server, its clock at the start of the day after the fixture day (it refuses events
/// older than 14 days by its clock); argv[1] is the port.
const MOTO_AT_FIXTURE_DAY: &str = r#"
import sys, os, threading, datetime
# it ends when our end of its stdin closes (the test binary exited)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
import moto.logs.models as logs
logs.utcnow = lambda: datetime.datetime(2026, 11, 21, 0, 0, 0)
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"#;

/// Puts the events of a JSON file ({group, streams: {name: [[ms, message], …]}}) with boto3.
const LOAD: &str = r#"
import sys, json, boto3
endpoint, path = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
c = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test-key", aws_secret_access_key="test-secret")
c.create_log_group(logGroupName=spec["group"])
for name, events in spec["streams"].items():
    c.create_log_stream(logGroupName=spec["group"], logStreamName=name)
    for i in range(0, len(events), 1000):
        batch = [{"timestamp": t, "message": m} for t, m in events[i:i + 1000]]
        r = c.put_log_events(logGroupName=spec["group"], logStreamName=name, logEvents=batch)
        assert not r.get("rejectedLogEventsInfo"), r
print("ok")
"#;

fn python() -> Option<String> {
    if let Ok(p) = std::env::var("HOSP_LOGS_PYTHON") {
        return Some(p);
    }
    let venv = root().join(".venv/bin/python");
    venv.exists().then(|| venv.display().to_string())
}

struct Moto {
    endpoint: String,
    child: Child,
    _stdin: ChildStdin,
    /// Every event put, per stream: (ms, line).
    streams: BTreeMap<String, Vec<(i64, String)>>,
    dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

/// The fixture day's ALB lines of 08:00 to 12:00 with their time in ms (floored), in order.
fn alb_lines() -> Vec<(i64, String)> {
    use std::io::BufRead;
    let (from, to) = (ms(PUT_FROM), ms(PUT_TO));
    let mut out = Vec::new();
    for f in log_files(&root().join("fixtures/day/AWSLogs")) {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap());
        for line in std::io::BufReader::new(gz).lines() {
            let line = line.unwrap();
            let t = ms(line.split(' ').nth(1).unwrap());
            if (from..to).contains(&t) {
                out.push((t, line));
            }
        }
    }
    out.sort();
    out
}

/// moto, started once for the test binary with the events put; None (and a note) without
/// Python. The static is never dropped: the server ends when our end of its stdin closes,
/// as the Athena harness does.
fn moto() -> Option<&'static Moto> {
    static M: OnceLock<Option<Moto>> = OnceLock::new();
    M.get_or_init(|| {
        let Some(py) = python() else {
            eprintln!(
                "skipped: the CloudWatch Logs tests need Python with moto: run scripts/athena-env.sh (or set HOSP_LOGS_PYTHON)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = StdCommand::new(&py)
            .args(["-c", MOTO_AT_FIXTURE_DAY, &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting moto's server");
        let stdin = child.stdin.take().unwrap();
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto's server did not listen on 127.0.0.1:{port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut streams: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for (i, ev) in alb_lines().into_iter().enumerate() {
            streams
                .entry(STREAMS[i % STREAMS.len()].to_string())
                .or_default()
                .push(ev);
        }
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("events.json");
        std::fs::write(&spec, json!({"group": GROUP, "streams": streams}).to_string()).unwrap();
        let out = StdCommand::new(&py)
            .args(["-c", LOAD, &endpoint])
            .arg(&spec)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "putting the events: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(Moto {
            endpoint,
            child,
            _stdin: stdin,
            streams,
            dir,
        })
    })
    .as_ref()
}

/// The binary with test credentials, no AWS config, and moto as its endpoint.
fn cmd(m: &Moto, args: &[&str]) -> StdCommand {
    let mut c = hosp_logs_std();
    let none = m.dir.path().join("no-aws-config");
    c.env("AWS_ACCESS_KEY_ID", "test-key")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &none)
        .env("AWS_SHARED_CREDENTIALS_FILE", &none)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .args(args);
    c
}

fn run(mut c: StdCommand) -> (i32, Value, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `slo` over the window, JSON, from `source`.
fn slo(m: &Moto, source: &str) -> (i32, Value, String) {
    let args = [
        "slo",
        "--source",
        source,
        "--log-format",
        "alb",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--format",
        "json",
        "--max-attempts",
        "2",
        "--endpoint-url",
        &m.endpoint,
        "--region",
        "us-east-1",
        "-v",
    ];
    run(cmd(m, &args))
}

/// The same lines in a local file.
fn local_file(m: &Moto, name: &str, lines: &[(i64, String)]) -> PathBuf {
    let path = m.dir.path().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    for (_, l) in lines {
        writeln!(f, "{l}").unwrap();
    }
    path
}

fn without_input(v: &Value) -> Value {
    common::without_input(v)
}

/// Events a run must fetch: those from the window's start to its end plus the slack.
fn fetched(lines: &[(i64, String)]) -> (u64, u64) {
    let (since, until) = (ms(SINCE), ms(UNTIL));
    let all = lines
        .iter()
        .filter(|(t, _)| (since..=until + SLACK_MS).contains(t))
        .count() as u64;
    let slack = lines
        .iter()
        .filter(|(t, _)| (until..=until + SLACK_MS).contains(t))
        .count() as u64;
    (all, slack)
}

#[test]
fn a_group_read_in_small_pages_answers_as_its_lines_in_a_local_file() {
    let Some(m) = moto() else { return };
    let mut all: Vec<(i64, String)> = m.streams.values().flatten().cloned().collect();
    all.sort();
    let file = local_file(m, "all.log", &all);
    let (code, local, err) = slo(m, file.to_str().unwrap());
    assert_eq!(code, 0, "{err}");
    // pages of 500 events: the group's window holds thousands
    let (code, cw, err) = slo(m, &format!("cwlogs://{GROUP}?limit=500"));
    assert_eq!(code, 0, "{err}");
    assert!(
        u(&local["requests"]["valid"]) > 2000,
        "{}",
        local["requests"]
    );
    assert_eq!(without_input(&cw), without_input(&local));
    // the window was pushed down: only the events from 09:00 to 11:05 came, not the 4 hours
    let (want, slack) = fetched(&all);
    let input = &cw["input"];
    assert_eq!(u(&input["lines"]), want);
    // the events of 08:00 to 09:00 and 11:05 to 12:00, never fetched
    let not_fetched = all.len() as u64 - want;
    assert!(not_fetched > 1000, "{not_fetched}");
    assert_eq!(u(&input["out_of_window"]), slack);
    // in pages of 500 (moto gives no empty page)
    let pages = format!(
        "log group {GROUP}, streams app/a-1 … other/b-1 (3): {} pages (0 empty), {want} events, 0 retries",
        want.div_ceil(500)
    );
    assert!(err.contains(&pages), "{pages}\n{err}");
    assert_eq!(u(&input["malformed"]), 0);
    assert_eq!(u(&local["input"]["lines"]), all.len() as u64);
    // one input: three streams in one FilterLogEvents batch
    assert_eq!(u(&input["files"]), 1);
    assert_eq!(input["source_errors"], json!([]));
}

#[test]
fn a_stream_prefix_narrows_the_group() {
    let Some(m) = moto() else { return };
    let mut app: Vec<(i64, String)> = m
        .streams
        .iter()
        .filter(|(name, _)| name.starts_with("app/"))
        .flat_map(|(_, ev)| ev.clone())
        .collect();
    app.sort();
    let file = local_file(m, "app.log", &app);
    let (code, local, err) = slo(m, file.to_str().unwrap());
    assert_eq!(code, 0, "{err}");
    let (code, cw, err) = slo(m, &format!("cwlogs://{GROUP}?stream_prefix=app/"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(without_input(&cw), without_input(&local));
    assert_eq!(u(&cw["input"]["lines"]), fetched(&app).0);
    let every = m.streams.values().map(Vec::len).sum::<usize>() as u64;
    assert!(u(&local["input"]["lines"]) < every);
}

#[test]
fn a_missing_group_is_named_and_fails_as_s3_listings_do() {
    let Some(m) = moto() else { return };
    let (code, json, err) = slo(m, "cwlogs://no-such/group");
    assert_eq!(code, 1, "{err}");
    assert_eq!(json, Value::Null);
    assert!(err.contains("log group no-such/group"), "{err}");
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // a name CloudWatch cannot hold, and no region: usage errors, before any request
    let (code, _, err) = slo(m, "cwlogs://a group");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expected cwlogs://LOG_GROUP"), "{err}");
    let mut c = cmd(
        m,
        &[
            "slo",
            "--source",
            "cwlogs://g",
            "--endpoint-url",
            &m.endpoint,
        ],
    );
    c.args(["--since", SINCE, "--until", UNTIL]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a region"), "{err}");
    // the analyses read cwlogs://; commands that copy files say they do not
    let out = cmd(
        m,
        &["collect", "--source", "cwlogs://g", "--region", "us-east-1"],
    )
    .output()
    .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// An export part as CloudWatch writes it: gzip, each line an ISO time, a space, the message.
fn export_part(lines: &[String]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for (i, l) in lines.iter().enumerate() {
        writeln!(
            e,
            "2026-11-20T10:{:02}:{:02}.{:03}Z {l}",
            i / 60 % 60,
            i % 60,
            i % 1000
        )
        .unwrap();
    }
    e.finish().unwrap()
}

#[test]
fn cloudwatch_exports_in_s3_are_read_without_their_time_prefix_and_the_write_test_is_skipped() {
    use std::io::BufRead;
    let server = s3_server::Server::start();
    // two streams' parts of one export task, of the fixture's nginx lines of two hours
    let export = server
        .root
        .path()
        .join(s3_server::BUCKET)
        .join("exportedlogs");
    let mut every = Vec::new();
    for (i, hour) in ["2026112009", "2026112010"].iter().enumerate() {
        let src = root().join(format!("fixtures/day/nginx/10.0.1.10/access.log-{hour}.gz"));
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(&src).unwrap());
        let lines: Vec<String> = std::io::BufReader::new(gz)
            .lines()
            .map(Result::unwrap)
            .collect();
        let dir = export.join(format!("0f1e2d3c-task/nginx-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("000000.gz"), export_part(&lines)).unwrap();
        every.extend(lines);
    }
    std::fs::write(
        export.join("aws-logs-write-test"),
        "Permission Check Successful",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let plain = home.path().join("nginx.log");
    std::fs::write(&plain, every.join("\n") + "\n").unwrap();
    let config = common::fixture_config();
    let args = |source: &str| -> Vec<String> {
        [
            "slo",
            "--config",
            &config,
            "--source",
            source,
            "--log-format",
            "nginx",
            "--since",
            "2026-11-20T00:00:00Z",
            "--until",
            "2026-11-21T00:00:00Z",
            "--no-cache",
        ]
        .map(String::from)
        .to_vec()
    };
    let a = args(plain.to_str().unwrap());
    let local = run_in(
        &server,
        home.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let a = args("s3://alb-logs/exportedlogs");
    let s3 = run_in(
        &server,
        home.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(local.0, 0, "{}", local.2);
    assert_eq!(s3.0, 0, "{}", s3.2);
    assert_eq!(without_input(&s3.1), without_input(&local.1));
    let input = &s3.1["input"];
    assert_eq!(u(&input["lines"]), every.len() as u64);
    assert_eq!(u(&input["parsed"]), every.len() as u64);
    assert_eq!(u(&input["malformed"]), 0);
    assert_eq!(u(&input["files"]), 2);
    let objects = &input["objects"];
    assert_eq!(
        (u(&objects["listed"]), u(&objects["skipped"])),
        (3, 1),
        "{input}"
    );
}

fn run_in(server: &s3_server::Server, home: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = server
        .command(home, args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A CloudWatch Logs endpoint on 127.0.0.1 that answers from a script: DescribeLogStreams with
/// one stream, FilterLogEvents with the answers given in turn; every FilterLogEvents request
/// body is kept.
struct Scripted {
    endpoint: String,
    filter_bodies: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

fn scripted(answers: Vec<(u16, Value)>) -> Scripted {
    let s = json!({"logStreamName": "s-1", "firstEventTimestamp": 0});
    scripted_listing((200, json!({ "logStreams": [s] })), answers)
}

/// [`scripted`] with DescribeLogStreams answering `listing`.
fn scripted_listing(listing: (u16, Value), answers: Vec<(u16, Value)>) -> Scripted {
    use std::io::{BufRead, BufReader, Read};
    use std::sync::{Arc, Mutex};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let answers = Arc::new(Mutex::new(std::collections::VecDeque::from(answers)));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let (answers, kept) = (Arc::clone(&answers), Arc::clone(&kept));
            let listing = listing.clone();
            std::thread::spawn(move || {
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                loop {
                    let (mut target, mut len) = (String::new(), 0usize);
                    loop {
                        let mut line = String::new();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            match k.trim().to_ascii_lowercase().as_str() {
                                "x-amz-target" => target = v.trim().to_string(),
                                "content-length" => len = v.trim().parse().unwrap(),
                                _ => {}
                            }
                        }
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    let (status, reply) = if target.ends_with(".DescribeLogStreams") {
                        listing.clone()
                    } else {
                        kept.lock()
                            .unwrap()
                            .push(serde_json::from_slice(&body).unwrap());
                        answers.lock().unwrap().pop_front().unwrap_or((
                            500,
                            json!({"__type": "ServiceUnavailableException", "message": "script done"}),
                        ))
                    };
                    let reply = reply.to_string();
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n",
                        reply.len()
                    );
                    if w.write_all(head.as_bytes()).is_err()
                        || w.write_all(reply.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Scripted {
        endpoint,
        filter_bodies: bodies,
    }
}

/// `slo` over the window from `cwlogs://g`, against a scripted endpoint.
fn slo_scripted(s: &Scripted, extra: &[&str]) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let none = home.path().join("no-aws-config");
    let mut c = hosp_logs_std();
    c.env("AWS_ACCESS_KEY_ID", "test-key")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &none)
        .env("AWS_SHARED_CREDENTIALS_FILE", &none)
        .args(["slo", "--source", "cwlogs://hosp/g", "--log-format", "alb"])
        .args(["--since", SINCE, "--until", UNTIL, "--format", "json"])
        .args(["--endpoint-url", &s.endpoint, "--region", "eu-west-1"])
        .args(extra);
    run(c)
}

fn events(lines: &[String]) -> Value {
    lines
        .iter()
        .map(|l| json!({"logStreamName": "s-1", "timestamp": ms(l.split(' ').nth(1).unwrap()), "message": l, "eventId": "1"}))
        .collect()
}

#[test]
fn empty_pages_are_followed_and_throttling_is_retried_through_the_sdk() {
    let lines: Vec<String> = alb_lines()
        .into_iter()
        .filter(|(t, _)| (ms(SINCE)..ms(UNTIL)).contains(t))
        .map(|(_, l)| l)
        .take(5)
        .collect();
    let throttled = json!({"__type": "ThrottlingException", "message": "Rate exceeded"});
    let s = scripted(vec![
        (200, json!({"events": [], "nextToken": "t1"})),
        (400, throttled.clone()),
        (
            200,
            json!({"events": events(&lines[..2]), "nextToken": "t2"}),
        ),
        (200, json!({"events": [], "nextToken": "t3"})),
        (400, throttled),
        (200, json!({"events": [], "nextToken": "t4"})),
        (200, json!({"events": events(&lines[2..])})),
    ]);
    let (code, cw, err) = slo_scripted(&s, &["--max-attempts", "2", "-v"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("cwlogs://hosp/g: 1 streams listed, 0 outside the window, 1 input(s)")
            && err.contains("log group hosp/g, stream s-1: 5 pages (3 empty), 5 events, 2 retries"),
        "{err}"
    );
    assert_eq!(u(&cw["input"]["lines"]), 5);
    assert_eq!(u(&cw["requests"]["valid"]), 5);
    let bodies = s.filter_bodies.lock().unwrap().clone();
    // 7 calls: 5 pages and 2 throttled ones tried again with the same token
    let tokens: Vec<&str> = bodies
        .iter()
        .map(|b| b["nextToken"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(tokens, ["-", "t1", "t1", "t2", "t3", "t3", "t4"]);
    for b in &bodies {
        assert_eq!(b["logGroupName"], "hosp/g");
        assert_eq!(b["logStreamNames"], json!(["s-1"]));
        assert_eq!(b["startTime"], ms(SINCE));
        assert_eq!(b["endTime"], ms(UNTIL) + SLACK_MS);
    }
}

#[test]
fn a_page_that_fails_after_its_tries_is_named_and_exits_1_unless_partial_is_allowed() {
    for (allow, want) in [(false, 1), (true, 0)] {
        let throttled = json!({"__type": "ThrottlingException", "message": "Rate exceeded"});
        let s = scripted(vec![
            (200, json!({"events": [], "nextToken": "t1"})),
            (400, throttled.clone()),
            (400, throttled.clone()),
            (400, throttled),
        ]);
        let mut extra = vec!["--max-attempts", "3"];
        if allow {
            extra.push("--allow-partial");
        }
        let (code, json, err) = slo_scripted(&s, &extra);
        assert_eq!(code, want, "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let e = &json["input"]["source_errors"][0];
        assert_eq!(e["source"], "cwlogs://hosp/g", "{json}");
        let reason = e["reason"].as_str().unwrap();
        assert!(
            reason.contains("log group hosp/g, stream s-1")
                && reason.contains("ThrottlingException: Rate exceeded (after 3 attempts)"),
            "{reason}"
        );
        assert_eq!(u(&json["input"]["failed_sources"]), 1);
        assert_eq!(s.filter_bodies.lock().unwrap().len(), 4);
    }
}

#[test]
fn access_denied_while_listing_stops_the_command_named_without_a_retry() {
    let denied = json!({"__type": "AccessDeniedException", "message": "User is not authorized to perform: logs:DescribeLogStreams"});
    let s = scripted_listing((400, denied), vec![]);
    let (code, json, err) = slo_scripted(&s, &["--max-attempts", "3"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(json, Value::Null);
    assert!(
        err.contains("listing the streams of log group hosp/g: HTTP 400 AccessDeniedException: User is not authorized"),
        "{err}"
    );
    assert!(!err.contains("attempts"), "retried: {err}");
    assert!(s.filter_bodies.lock().unwrap().is_empty());
}
