//! `hosp-logs watch`: NDJSON snapshots over a file the test appends to, rotated and truncated;
//! `--on-alert` raised once when a burst of 5XX burns the budget and once when it resolves;
//! new S3 objects read with no GET of the old ones; the dashboard on a real terminal (tmux).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver};
use serde_json::Value;

mod common;
mod s3_server;
use common::*;
use s3_server::*;

const WAIT: Duration = Duration::from_secs(30);

/// A running `watch` whose NDJSON lines are collected as they come.
struct Watch {
    child: Child,
    lines: Receiver<Value>,
    /// Every snapshot seen so far.
    seen: Vec<Value>,
}

impl Watch {
    fn spawn(mut cmd: Command) -> Watch {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                let v: Value = serde_json::from_str(&line).expect("one JSON object per line");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Watch {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// The first snapshot from now on that `ok` accepts.
    fn until(&mut self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "no snapshot with {what} in {WAIT:?}; last: {}",
                    self.seen
                        .last()
                        .map(|v| v["requests"].to_string())
                        .unwrap_or_default()
                )
            });
            self.seen.push(v.clone());
            if ok(&v) {
                return v;
            }
        }
    }

    /// The next `n` snapshots.
    fn next(&mut self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|_| {
                let v = self
                    .lines
                    .recv_timeout(WAIT)
                    .expect("a snapshot each interval");
                self.seen.push(v.clone());
                v
            })
            .collect()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn watch(args: &[&str]) -> Command {
    let mut cmd = hosp_logs_std();
    cmd.arg("watch").args(args);
    cmd
}

/// `n` ALB lines answered `status`, `secs_ago` seconds before the real clock (the template is
/// tests/data/one-line.log with its time and status codes replaced).
fn lines(n: usize, status: u16, secs_ago: i64) -> String {
    let template = std::fs::read_to_string(root().join("tests/data/one-line.log")).unwrap();
    let fields: Vec<&str> = template.trim_end().split(' ').collect();
    let t = chrono::Utc::now() - chrono::Duration::seconds(secs_ago);
    let time = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let status = status.to_string();
    let mut out = String::new();
    for _ in 0..n {
        let mut f = fields.clone();
        f[1] = &time;
        f[8] = &status;
        f[9] = &status;
        out.push_str(&f.join(" "));
        out.push('\n');
    }
    out
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn req(v: &Value, key: &str) -> u64 {
    u(&v["requests"][key])
}

#[test]
fn snapshots_follow_appends_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(10, 200, 5));
    let mut w = Watch::spawn(watch(&[
        "--source",
        &log.display().to_string(),
        "--interval",
        "300ms",
        "--since",
        "1h",
    ]));
    let first = w.until("the first 10 lines", |v| req(v, "total") == 10);
    assert_eq!(u(&first["input"]["files"]), 1);
    assert!(first["alerts_firing"].as_array().unwrap().is_empty());
    assert!(first["at"].as_str().unwrap().ends_with('Z'));

    append(&log, &lines(5, 200, 4));
    append(&log, &lines(3, 503, 4));
    let v = w.until("18 requests", |v| req(v, "total") >= 18);
    assert_eq!(
        (req(&v, "total"), req(&v, "good"), req(&v, "bad")),
        (18, 15, 3)
    );

    // a partial line waits for its newline
    let line = lines(1, 200, 3);
    let (head, tail) = line.split_at(40);
    append(&log, head);
    for s in w.next(3) {
        assert_eq!(req(&s, "total"), 18, "half a line is not a request");
    }
    append(&log, tail);
    w.until("the completed line", |v| req(v, "total") == 19);

    // logrotate: rename, the old writer adds 2 lines to the renamed file, a new file starts
    let rotated = dir.path().join("access.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    append(&rotated, &lines(2, 502, 3));
    append(&log, &lines(4, 200, 2));
    let v = w.until("the rotated and the new file's lines", |v| {
        req(v, "total") >= 25
    });
    assert_eq!((req(&v, "total"), req(&v, "bad")), (25, 5));
    assert_eq!(u(&v["input"]["files"]), 2);

    // copytruncate: the new file emptied and written again from its start
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, &lines(1, 200, 1));
    let v = w.until("the line after the truncation", |v| req(v, "total") >= 26);
    assert_eq!(req(&v, "total"), 26);
    // nothing was ever read twice: the counts never went past the truth
    let most = w.seen.iter().map(|s| req(s, "total")).max().unwrap();
    assert_eq!(most, 26);
    for s in w.next(2) {
        assert_eq!(req(&s, "total"), 26);
        assert_eq!(u(&s["input"]["lines"]), 26);
        assert_eq!(u(&s["input"]["malformed"]), 0);
    }
}

#[test]
fn on_alert_runs_once_when_a_burst_burns_the_budget_and_once_when_it_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let events = dir.path().join("events.ndjson");
    append(&log, &lines(300, 200, 30));
    let cmd = format!("cat >> '{}'", events.display());
    let mut w = Watch::spawn(watch(&[
        "--source",
        &log.display().to_string(),
        "--interval",
        "300ms",
        "--on-alert",
        &cmd,
        "--alert-severity",
        "critical",
    ]));
    w.until("300 good requests", |v| req(v, "good") == 300);

    // 100 5XX: 100 of 400 bad = 25×, over 14.4 on the 1 h and the 5 m windows
    append(&log, &lines(100, 503, 20));
    let fired = w.until("page 1h/5m firing", |v| {
        v["alerts_firing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "page 1h/5m")
    });
    assert_eq!(req(&fired, "bad"), 100, "the burst is read in one poll");
    w.next(4);
    // 2,000 good: 100 of 2,400 = 4.2×, under 14.4 (and 6): the pages resolve
    append(&log, &lines(2000, 200, 10));
    let calm = w.until("page 1h/5m resolved", |v| {
        !v["alerts_firing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "page 1h/5m")
    });
    assert_eq!(req(&calm, "total"), 2400);
    assert_eq!(
        calm["alerts_firing"],
        serde_json::json!(["ticket 24h/2h", "ticket 3d/6h"])
    );
    w.next(4);

    let deadline = Instant::now() + WAIT;
    let sent: Vec<Value> = loop {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        let sent: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let resolved = sent.iter().filter(|e| e["event"] == "resolved").count();
        if resolved >= 2 || Instant::now() > deadline {
            break sent;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let of = |event: &str, name: &str| -> Vec<&Value> {
        sent.iter()
            .filter(|e| e["event"] == event && e["alert"]["name"] == name)
            .collect()
    };
    // once each, however many intervals the alert kept firing
    assert_eq!(of("firing", "page 1h/5m").len(), 1, "{sent:?}");
    assert_eq!(of("resolved", "page 1h/5m").len(), 1, "{sent:?}");
    assert_eq!(of("firing", "page 6h/30m").len(), 1);
    assert_eq!(of("resolved", "page 6h/30m").len(), 1);
    assert_eq!(of("firing", "ticket 3d/6h").len(), 1);
    assert!(of("resolved", "ticket 3d/6h").is_empty());
    assert_eq!(sent.len(), 6, "4 firing, 2 resolved, no finding: {sent:?}");
    // the event carries the snapshot it was raised at
    let e = of("firing", "page 1h/5m")[0];
    assert_eq!(e["at"], fired["at"]);
    assert_eq!(e["success_rate"], fired["success_rate"]);
    assert_eq!(e["success_rate"], 300.0 / 400.0);
    assert_eq!(
        e["budget_remaining"],
        fired["error_budget"]["remaining_fraction"]
    );
    assert_eq!(e["alert"]["threshold"], 14.4);
    assert_eq!(e["alert"]["firing"], true);
}

/// The end time in an ALB key name, as `yyyymmddThhmm`.
fn key_time(name: &str) -> Option<String> {
    let i = name.find("_2026")? + 1;
    Some(name[i..i + 13].to_string())
}

#[test]
fn new_s3_objects_are_read_once_and_old_ones_never_again() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let url = format!("s3://{BUCKET}/hosp");
    let mut cmd = s.command(
        home.path(),
        &[
            "watch",
            "--source",
            &url,
            "--interval",
            "500ms",
            "--cache-dir",
            &cache.display().to_string(),
        ],
    );
    // the clock starts at noon on the fixture day
    cmd.env("HOSP_LOGS_NOW", "2026-11-20T12:00:00Z");
    let lists_before = s.lists.load(Ordering::SeqCst);
    let mut w = Watch::spawn(cmd);
    let first = w.until("the first read", |_| true);
    // the objects read: those of 2026/11/20 whose interval ends by 12:10 (10 minutes of
    // slack), counted here from the key names
    let day = s.day_dir("2026/11/20");
    let names: Vec<String> = std::fs::read_dir(&day)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected = names
        .iter()
        .filter(|n| key_time(n).is_some_and(|t| t.as_str() <= "20261120T1210"))
        .count() as u64;
    assert!(expected > 100);
    assert_eq!(u(&first["input"]["files"]), expected);
    let gets = s.gets.load(Ordering::SeqCst);
    assert_eq!(gets, expected);
    w.next(3);
    assert_eq!(s.gets.load(Ordering::SeqCst), gets, "nothing new: no GET");

    // a new object: one of the day's, delivered again under a new key
    let source = names.iter().find(|n| n.contains("20261120T1105Z")).unwrap();
    let new_key = source.replace("20261120T1105Z", "20261120T1155Z");
    let new_lines = {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(day.join(source)).unwrap());
        BufReader::new(gz).lines().count() as u64
    };
    let lines_before = u(&w.seen.last().unwrap()["input"]["lines"]);
    let lists_at = s.lists.load(Ordering::SeqCst);
    let polls_at = w.seen.len();
    std::fs::copy(day.join(source), day.join(&new_key)).unwrap();
    let v = w.until("the new object", |v| {
        u(&v["input"]["files"]) == expected + 1
    });
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        gets + 1,
        "one GET: the new object"
    );
    assert_eq!(u(&v["input"]["lines"]), lines_before + new_lines);
    assert_eq!(u(&v["input"]["objects"]["fetched"]), expected + 1);
    // idle cost: each interval lists the newest delivery day, one page
    let polls = (w.seen.len() - polls_at) as u64;
    let lists = s.lists.load(Ordering::SeqCst) - lists_at;
    assert!(lists <= polls + 1, "{lists} LISTs in {polls} intervals");
    assert!(
        lists_at - lists_before >= 5,
        "the first read lists the window's days"
    );
    drop(w);
}

/// tmux, or why the terminal test cannot run: installed from Debian in CI (scripts/test.sh
/// installs it first), where its absence fails the test rather than skipping it.
fn tmux() -> Result<(), String> {
    let have = || {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have() {
        return Ok(());
    }
    if std::env::var("CI").as_deref() != Ok("true") {
        return Err("tmux is not installed (CI installs it with apt-get)".into());
    }
    let ok = Command::new("sh")
        .args([
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux",
        ])
        .status()
        .is_ok_and(|s| s.success());
    match ok && have() {
        true => Ok(()),
        false => Err("tmux could not be installed with apt-get".into()),
    }
}

/// A tmux server of this test's own.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "w"];
        if escapes {
            args.push("-e");
        }
        self.run(&args)
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen(false);
            if screen.contains(what) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{what:?} never showed:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn the_dashboard_on_a_real_terminal() {
    if let Err(why) = tmux() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and the dashboard test cannot run: {why}"
        );
        println!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log: PathBuf = dir.path().join("access.log");
    append(&log, &lines(90, 200, 20));
    append(&log, &lines(10, 503, 10));
    let t = Tmux {
        socket: format!("hosp-logs-watch-{}", std::process::id()),
    };
    let clean = env_unset_args();
    let start = |color: bool| {
        let cmd = format!(
            "{} {} watch --source '{}' --interval 300ms; echo exit=$?; sleep 60",
            if color { "" } else { "NO_COLOR=1" },
            env!("CARGO_BIN_EXE_hosp-logs"),
            log.display()
        );
        let mut args: Vec<&str> = vec!["new-session", "-d", "-s", "w", "-x", "140", "-y", "42"];
        args.extend(clean.iter().map(String::as_str));
        args.extend(["sh", "-c", &cmd]);
        t.run(&args);
    };
    start(false);
    // the input line is near the bottom, drawn after the panels: once it shows the read, the
    // frame is whole
    t.wait_for("100 lines · 0 malformed");
    let screen = t.wait_for("Past 24 hours");
    // 90 good, 10 bad in the past hour; 10 of 100 = 10× burns the 6h/30m page, not 1h/5m
    let hour = screen.lines().find(|l| l.contains("Past hour")).unwrap();
    assert!(
        hour.contains(" 90 ") && hour.contains(" 10 ") && hour.contains("90.000%"),
        "{hour}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("page 6h/30m") && l.contains("FIRING")),
        "{screen}"
    );
    assert!(
        screen.contains("input: 1 files · 100 lines · 0 malformed"),
        "{screen}"
    );
    assert!(screen.contains("[Overview]"));
    // NO_COLOR: no foreground colour anywhere
    let raw = t.screen(true);
    assert!(
        !raw.contains("\u{1b}[31m") && !raw.contains("\u{1b}[38;"),
        "{raw:?}"
    );

    t.run(&["send-keys", "-t", "w", "Tab"]);
    t.wait_for("[Failing endpoints]");
    t.run(&["send-keys", "-t", "w", "p"]);
    t.wait_for("PAUSED");
    // a resize redraws to the new size
    t.run(&["resize-window", "-t", "w", "-x", "100", "-y", "30"]);
    let small = t.wait_for("[Failing endpoints]");
    assert!(small.lines().all(|l| l.chars().count() <= 100));
    t.run(&["send-keys", "-t", "w", "q"]);
    let after = t.wait_for("exit=0");
    assert!(
        !after.contains("Past hour"),
        "the dashboard left the screen:\n{after}"
    );
    t.run(&["kill-session", "-t", "w"]);

    // Ctrl-C: exit 130, the terminal restored; with colour the firing alert is red
    start(true);
    t.wait_for("Past 24 hours");
    let raw = t.screen(true);
    let firing = raw.lines().find(|l| l.contains("page 6h/30m")).unwrap();
    assert!(
        firing.contains("\u{1b}[38;5;1m") || firing.contains("\u{1b}[31m"),
        "{firing:?}"
    );
    t.run(&["send-keys", "-t", "w", "C-c"]);
    let after = t.wait_for("exit=130");
    assert!(!after.contains("Past hour"), "{after}");
    t.run(&["kill-session", "-t", "w"]);

    // the window closed under a running dashboard: it ends, without a busy loop
    start(false);
    t.wait_for("Past 24 hours");
    let shell = t.run(&["list-panes", "-t", "w", "-F", "#{pane_pid}"]);
    let shell = shell.trim();
    let children =
        std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
    let pid = children
        .split_whitespace()
        .next()
        .expect("watch under the shell");
    let stat = |pid: &str| -> Option<(char, u64)> {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &s[s.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        Some((
            f[0].chars().next()?,
            f[11].parse::<u64>().ok()? + f[12].parse::<u64>().ok()?,
        ))
    };
    let (_, ticks_before) = stat(pid).expect("watch is running");
    t.run(&["kill-session", "-t", "w"]);
    let closed = Instant::now();
    let mut last = ticks_before;
    loop {
        match stat(pid) {
            None | Some(('Z', _)) => break,
            Some((_, ticks)) => last = ticks,
        }
        assert!(
            closed.elapsed() < Duration::from_millis(1500),
            "watch {pid} still running after its tmux window closed ({} CPU ticks since)",
            last - ticks_before
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // clock ticks are 10 ms: a busy loop would burn the whole wait
    assert!(
        last - ticks_before < 30,
        "{} CPU ticks",
        last - ticks_before
    );
}

#[test]
fn what_cannot_be_followed_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, &lines(1, 200, 1));
    let log = log.display().to_string();
    let cases: [(&[&str], &str); 4] = [
        (&["--source", "/no/such/path"], "no such file"),
        (&["--source", "-"], "stdin"),
        (&["--source", &log, "--until", "1h"], "--until"),
        (&["--source", &log, "--interval", "0s"], "--interval"),
    ];
    for (args, why) in cases {
        let out = watch(args).stdin(Stdio::null()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
}

/// A new pseudo-terminal of 120×40: (master, slave), both close-on-exec from the start (tests
/// run in threads, and a process another test starts must not inherit them: the terminal
/// would stay open).
fn pty() -> (libc::c_int, libc::c_int) {
    let last = std::io::Error::last_os_error;
    // SAFETY: plain libc calls on descriptors this function owns; ptsname's buffer is read
    // at once
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(master >= 0, "posix_openpt: {}", last());
        assert_eq!(libc::grantpt(master), 0, "grantpt: {}", last());
        assert_eq!(libc::unlockpt(master), 0, "unlockpt: {}", last());
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        let slave = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        assert!(slave >= 0, "open the slave: {}", last());
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        assert_eq!(libc::ioctl(slave, libc::TIOCSWINSZ, &size), 0);
        (master, slave)
    }
}

/// A `watch` dashboard on a pseudo-terminal of its own (stdin, stdout and stderr its slave
/// side); `controlling`: the terminal is its controlling terminal (a session of its own), so
/// closing the master sends it SIGHUP as a dropped SSH session or a closed tmux window does.
struct OnPty {
    master: libc::c_int,
    pid: libc::pid_t,
    /// What it drew.
    screen: Vec<u8>,
    reaped: bool,
}

impl OnPty {
    fn spawn(log: &Path, controlling: bool) -> OnPty {
        use std::os::fd::{FromRawFd, OwnedFd};
        use std::os::unix::process::CommandExt;
        let (master, slave) = pty();
        // SAFETY: the slave is ours; each Stdio gets its own duplicate
        let slave = unsafe { OwnedFd::from_raw_fd(slave) };
        let mut cmd = watch(&[
            "--source",
            &log.display().to_string(),
            "--interval",
            "300ms",
        ]);
        cmd.env("TERM", "xterm-256color")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        if controlling {
            // SAFETY: async-signal-safe calls only, between fork and exec
            unsafe {
                cmd.pre_exec(|| {
                    if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().unwrap();
        // the slave's copies went with `cmd`: the child holds the only ones
        drop(cmd);
        let mut w = OnPty {
            master,
            pid: child.id() as libc::pid_t,
            screen: Vec::new(),
            reaped: false,
        };
        // reaped by wait4 below, for its resource use; Child is not waited on
        drop(child);
        w.read_until("Past 24 hours");
        w
    }

    /// Reads what the dashboard draws until `what` shows.
    fn read_until(&mut self, what: &str) {
        let deadline = Instant::now() + WAIT;
        while !String::from_utf8_lossy(&self.screen).contains(what) {
            assert!(
                Instant::now() < deadline,
                "{what:?} never drawn: {}",
                String::from_utf8_lossy(&self.screen)
            );
            self.read_some(Duration::from_millis(100));
        }
    }

    fn read_some(&mut self, wait: Duration) {
        let mut p = libc::pollfd {
            fd: self.master,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd
        if unsafe { libc::poll(&mut p, 1, wait.as_millis() as i32) } > 0 {
            let mut buf = [0u8; 8192];
            // SAFETY: the buffer is valid for its length
            let n = unsafe { libc::read(self.master, buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                self.screen.extend_from_slice(&buf[..n as usize]);
            }
        }
    }

    /// The CPU time (user + system) it used so far, from /proc.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap();
        // after "(comm)": state is field 3, utime 14, stime 15
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        // SAFETY: sysconf has no preconditions
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis(ticks * 1000 / hz)
    }

    fn close_master(&mut self) {
        // SAFETY: our own descriptor, closed once
        unsafe { libc::close(self.master) };
        self.master = -1;
    }

    /// Waits up to `limit` for it to end: (how long it took, its exit code, the CPU time it
    /// used over its whole life).
    fn ends_within(&mut self, limit: Duration) -> (Duration, i32, Duration) {
        let start = Instant::now();
        loop {
            let mut status = 0;
            // SAFETY: a zeroed rusage is a valid out-parameter
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: our own child; valid out-pointers
            let r = unsafe { libc::wait4(self.pid, &mut status, libc::WNOHANG, &mut usage) };
            if r == self.pid {
                self.reaped = true;
                let tv = |t: libc::timeval| {
                    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
                };
                let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
                let code = match libc::WIFEXITED(status) {
                    true => libc::WEXITSTATUS(status),
                    false => -libc::WTERMSIG(status),
                };
                return (start.elapsed(), code, cpu);
            }
            assert!(
                start.elapsed() < limit,
                "watch still running {limit:?} after its terminal went away (CPU so far: {:?})",
                self.cpu()
            );
            if self.master >= 0 {
                self.read_some(Duration::from_millis(10));
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

impl Drop for OnPty {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: our own child
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
        if self.master >= 0 {
            self.close_master();
        }
    }
}

/// How long `watch` may take to notice its terminal is gone (it waits for keys 200 ms at a
/// time), with room for a loaded machine.
const PROMPT: Duration = Duration::from_millis(1500);

fn a_log() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    append(&log, &lines(50, 200, 20));
    (dir, log)
}

#[test]
fn watch_ends_when_its_terminal_is_closed() {
    let (_dir, log) = a_log();
    // not its controlling terminal: no SIGHUP, only the end of the terminal's input (EIO)
    // tells it; then its controlling terminal: SIGHUP too
    for controlling in [false, true] {
        let mut w = OnPty::spawn(&log, controlling);
        let before = w.cpu();
        w.close_master();
        let (took, code, cpu) = w.ends_within(PROMPT);
        eprintln!(
            "controlling {controlling}: ended {took:?} after the close, exit {code}, CPU {cpu:?} (before the close {before:?})"
        );
        assert_eq!(code, 130, "a hang-up is an interruption");
        // a busy loop burns the whole wait; an idle dashboard almost nothing
        assert!(
            cpu.saturating_sub(before) < Duration::from_millis(300),
            "CPU {cpu:?} (before the close {before:?}) in {took:?}"
        );
    }
}

#[test]
fn watch_ends_on_sigterm_and_sighup_with_the_terminal_restored() {
    let (_dir, log) = a_log();
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let mut w = OnPty::spawn(&log, false);
        let drawn = w.screen.len();
        let before = w.cpu();
        // SAFETY: our own child
        unsafe { libc::kill(w.pid, sig) };
        let (took, code, cpu) = w.ends_within(PROMPT);
        eprintln!("signal {sig}: ended in {took:?}, exit {code}, CPU {cpu:?}");
        assert_eq!(code, 130);
        assert!(
            cpu.saturating_sub(before) < Duration::from_millis(300),
            "{cpu:?}"
        );
        // the terminal is still there: the alternate screen left, the cursor shown again
        w.read_some(Duration::from_millis(200));
        let after = String::from_utf8_lossy(&w.screen[drawn..]).into_owned();
        assert!(after.contains("\u{1b}[?1049l"), "{after:?}");
        assert!(after.contains("\u{1b}[?25h"), "{after:?}");
    }
}

#[test]
fn ndjson_ends_when_stdout_is_closed() {
    let (_dir, log) = a_log();
    let mut child = watch(&["--source", &log.display().to_string(), "--interval", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(req(&v, "total"), 50);
    // no more reader: the next snapshot is a minute away, the watch ends now
    drop(out);
    let closed = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(
            closed.elapsed() < PROMPT,
            "watch still running with no one reading its output"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("ended {:?} after its stdout closed", closed.elapsed());
}

/// Followed files in two formats (the same requests at two hops) are never added into one view:
/// the first poll refuses them with exit 2, naming both files.
#[test]
fn followed_files_in_two_formats_are_refused_naming_both() {
    use flate2::read::MultiGzDecoder;
    let dir = tempfile::tempdir().unwrap();
    // the first file of a fixture folder (CloudFront's are named `….gz`, not `.log.gz`)
    let first = |sub: &str| {
        let mut all: Vec<PathBuf> = Vec::new();
        let mut stack = vec![root().join("fixtures/day").join(sub)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                match p.is_dir() {
                    true => stack.push(p),
                    false if p.to_string_lossy().ends_with(".gz") => all.push(p),
                    false => {}
                }
            }
        }
        all.into_iter().min().unwrap()
    };
    for (from, to) in [("AWSLogs", "alb.log"), ("cloudfront", "edge.log")] {
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut MultiGzDecoder::new(std::fs::File::open(first(from)).unwrap()),
            &mut text,
        )
        .unwrap();
        std::fs::write(dir.path().join(to), text).unwrap();
    }
    let out = hosp_logs()
        .args(["watch", "--once", "--format", "json", "--since", "3650d"])
        .args(["--source", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no view of the sum: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    for named in [
        "alb.log",
        "edge.log",
        "ALB access log",
        "CloudFront standard log",
    ] {
        assert!(err.contains(named), "{named} in {err}");
    }
}
