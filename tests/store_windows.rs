//! SLO windows over a month: a generated month of ALB logs (the fixture day's lines re-dated
//! over 36 days, 28 September to 2 November 2026, a different sample each day) answered from
//! the store equals a raw read for `slo --window 28d|month|quarter` and the other analyses, and
//! calendar windows follow `[slo] timezone`: a month that begins on another day than UTC's, a
//! quarter and a month that began in summer time and are judged after the change (Berlin's
//! ended on 25 October, Los Angeles' on 1 November). The expected request counts are the lines
//! the test wrote, counted here by their time field.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{fixture_lines, hosp_logs, json_ok, u, without_input};
use serde_json::Value;

/// The first day: 28 September 2026, so the days cross two month ends and a quarter's, and
/// the end of summer time in Europe (25 October) and in the United States (1 November).
const FIRST_DAY: (u32, u32) = (9, 28);
const DAYS: u32 = 36;
/// One line in this many of the fixture day per day (about 400 a day).
const SAMPLE: usize = 200;

/// Writes the month, one plain file per day, and returns every written line's `time` field.
fn write_month(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    // the lines whose response and request-creation times are both on the fixture's day
    let day: Vec<String> = fixture_lines()
        .into_iter()
        .filter(|l| l.matches("2026-11-20T").count() == 2)
        .collect();
    let mut times = Vec::new();
    let first = chrono::NaiveDate::from_ymd_opt(2026, FIRST_DAY.0, FIRST_DAY.1).unwrap();
    for (d, date) in first.iter_days().take(DAYS as usize).enumerate() {
        let stamp = date.format("%Y-%m-%dT").to_string();
        let path = dir.join(format!("{}.log", date.format("%Y-%m-%d")));
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for l in day.iter().skip(d % SAMPLE).step_by(SAMPLE) {
            let line = l.replace("2026-11-20T", &stamp);
            times.push(line.split(' ').nth(1).unwrap().to_string());
            writeln!(f, "{line}").unwrap();
        }
    }
    times
}

/// The written lines with a time in `[since, until)` (RFC 3339 in UTC, compared as text:
/// every time has the same shape).
fn lines_in(times: &[String], since: &str, until: &str) -> u64 {
    let (since, until) = (since.trim_end_matches('Z'), until.trim_end_matches('Z'));
    times
        .iter()
        .filter(|t| t.as_str() >= since && t.trim_end_matches('Z') < until)
        .count() as u64
}

fn config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join(format!("c{}.toml", text.len()));
    std::fs::write(&path, text).unwrap();
    path
}

/// `cmd` with `args`, at `now`, as JSON.
fn run(cmd: &str, config: &Path, now: &str, args: &[&str]) -> Value {
    json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", now)
            .arg(cmd)
            .arg("--config")
            .arg(config)
            .args(["--format", "json", "--log-format", "alb"])
            .args(args)
            .output()
            .unwrap(),
    )
}

struct Month {
    _tmp: tempfile::TempDir,
    logs: PathBuf,
    store: PathBuf,
    dir: PathBuf,
    times: Vec<String>,
}

impl Month {
    fn collected() -> Month {
        let tmp = tempfile::tempdir().unwrap();
        let logs = tmp.path().join("logs");
        let times = write_month(&logs);
        let store = tmp.path().join("store");
        let dir = tmp.path().to_path_buf();
        let out = json_ok(
            &hosp_logs()
                .args(["collect", "--format", "json", "--log-format", "alb"])
                .arg("--config")
                .arg(config(&dir, "[slo]\n"))
                .arg("--store")
                .arg(&store)
                .arg("--source")
                .arg(&logs)
                .output()
                .unwrap(),
        );
        assert_eq!(u(&out["objects"]["ingested"]), DAYS as u64);
        assert_eq!(u(&out["requests"]), times.len() as u64);
        // the first and last minute it holds: those of the first and last line written
        let (first, last) = (times.iter().min().unwrap(), times.iter().max().unwrap());
        assert_eq!(out["minutes"]["first"], format!("{}:00Z", &first[..16]));
        assert_eq!(out["minutes"]["last"], format!("{}:00Z", &last[..16]));
        Month {
            _tmp: tmp,
            logs,
            store,
            dir,
            times,
        }
    }

    fn raw(&self, cmd: &str, config: &Path, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--no-store", "--source", self.logs.to_str().unwrap()];
        a.extend(args);
        run(cmd, config, now, &a)
    }

    fn stored(&self, cmd: &str, config: &Path, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--store", self.store.to_str().unwrap()];
        a.extend(args);
        run(cmd, config, now, &a)
    }

    /// The answer from the store and the raw one, asserted equal but for what they read.
    fn both(&self, cmd: &str, config: &Path, now: &str, args: &[&str]) -> Value {
        let raw = self.raw(cmd, config, now, args);
        let from = self.stored(cmd, config, now, args);
        assert_eq!(
            without_input(&raw),
            without_input(&from),
            "{cmd} {args:?} at {now}: the store's answer differs from the raw read"
        );
        assert!(from["input"]["store"]["path"].is_string(), "{cmd} {args:?}");
        assert!(raw["input"].get("store").is_none(), "{cmd} {args:?}");
        from
    }
}

#[test]
fn a_generated_month_from_the_store_equals_a_raw_read() {
    let m = Month::collected();
    let plain = config(&m.dir, "[slo]\n");
    let now = "2026-11-04T00:00:00Z";
    // rolling 28 days ending at --until and ending now, the calendar month (October to the
    // 31st's evening, and November to date) and quarter (the fourth to date, and the third:
    // a window ending at midnight on 1 October belongs to the day before), in UTC
    for (args, name, start, end) in [
        (
            vec!["--window", "28d", "--until", "2026-11-01T06:00:00Z"],
            "28d",
            "2026-10-04T06:00:00Z",
            "2026-11-01T06:00:00Z",
        ),
        (vec!["--window", "28d"], "28d", "2026-10-07T00:00:00Z", now),
        (
            vec!["--window", "month", "--until", "2026-10-31T18:00:00Z"],
            "month",
            "2026-10-01T00:00:00Z",
            "2026-10-31T18:00:00Z",
        ),
        (
            vec!["--window", "month"],
            "month",
            "2026-11-01T00:00:00Z",
            now,
        ),
        (
            vec!["--window", "quarter"],
            "quarter",
            "2026-10-01T00:00:00Z",
            now,
        ),
        (
            vec!["--window", "quarter", "--until", "2026-10-01T00:00:00Z"],
            "quarter",
            "2026-07-01T00:00:00Z",
            "2026-10-01T00:00:00Z",
        ),
    ] {
        let a = m.both("slo", &plain, now, &args);
        assert_eq!(a["slo_window"]["name"], name, "{args:?}");
        assert_eq!(a["slo_window"]["timezone"], "UTC", "{args:?}");
        assert_eq!(
            (a["window"]["start"].as_str(), a["window"]["end"].as_str()),
            (Some(start), Some(end)),
            "{args:?}"
        );
        let expected = lines_in(&m.times, start, end);
        assert!(expected > 0, "{args:?}");
        assert_eq!(u(&a["requests"]["total"]), expected, "{args:?}");
    }
    // the config's [slo] window = "28d": the same window as --window 28d, said the same
    let rolling = config(&m.dir, "[slo]\nwindow = \"28d\"\n");
    let a = m.both("slo", &rolling, now, &[]);
    assert_eq!(a["slo_window"]["name"], "28d");
    assert_eq!(a["window"]["start"], "2026-10-07T00:00:00Z");
    assert_eq!(
        u(&a["requests"]["total"]),
        lines_in(&m.times, "2026-10-07T00:00:00Z", now)
    );
    // the other analyses over four weeks on whole minutes, and over every day
    let weeks = [
        "--since",
        "2026-10-04T00:00:00Z",
        "--until",
        "2026-11-01T00:00:00Z",
    ];
    for cmd in ["latency", "errors", "backends", "traffic"] {
        m.both(cmd, &plain, now, &weeks);
        m.both(cmd, &plain, now, &["--bucket", "1d"]);
    }
    let errors = m.both("errors", &plain, now, &weeks);
    assert!(u(&errors["requests"]) > 0, "{errors}");
}

#[test]
fn calendar_windows_follow_the_slo_time_zone() {
    let m = Month::collected();
    for (zone, window, now, start, said) in [
        // 12:00 UTC on 1 November is 01:00 on 2 November in Auckland (NZDT, +13): its month
        // began at 11:00 UTC on 31 October
        (
            "Pacific/Auckland",
            "month",
            "2026-11-01T12:00:00Z",
            "2026-10-31T11:00:00Z",
            "month in Pacific/Auckland (from 2026-11-01T00:00:00+13:00)",
        ),
        // and 04:00 on 1 November in Los Angeles, after DST ended at 09:00 UTC (-08 since):
        // the month began at midnight in daylight time, -07, so 07:00 UTC, not 08:00
        (
            "America/Los_Angeles",
            "month",
            "2026-11-01T12:00:00Z",
            "2026-11-01T07:00:00Z",
            "month in America/Los_Angeles (from 2026-11-01T00:00:00-07:00)",
        ),
        // Berlin's summer time ended on 25 October at 01:00 UTC; judged on the 26th (+01),
        // its fourth quarter began at midnight in summer time (+02): 22:00 UTC on 30 September
        (
            "Europe/Berlin",
            "quarter",
            "2026-10-26T12:00:00Z",
            "2026-09-30T22:00:00Z",
            "quarter in Europe/Berlin (from 2026-10-01T00:00:00+02:00)",
        ),
        (
            "UTC",
            "month",
            "2026-11-01T12:00:00Z",
            "2026-11-01T00:00:00Z",
            "month",
        ),
    ] {
        let cfg = config(
            &m.dir,
            &format!("[slo]\ntimezone = \"{zone}\"\nwindow = \"{window}\"\n"),
        );
        let a = m.both("slo", &cfg, now, &[]);
        assert_eq!(a["slo_window"]["timezone"], zone);
        assert_eq!(a["slo_window"]["start"], start, "{zone}");
        assert_eq!(a["window"]["start"], start, "{zone}");
        assert_eq!(
            u(&a["requests"]["total"]),
            lines_in(&m.times, start, now),
            "{zone}"
        );
        // --window month too reads the calendar in the configured zone
        let flag = m.stored("slo", &cfg, now, &["--window", window]);
        assert_eq!(flag["slo_window"]["start"], start, "{zone} --window");
        assert_eq!(flag["requests"], a["requests"], "{zone} --window");
        // the text says which window and zone it judged
        let text = hosp_logs()
            .env("HOSP_LOGS_NOW", now)
            .arg("slo")
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(&m.store)
            .args(["--log-format", "alb"])
            .output()
            .unwrap();
        let text = common::stdout_ok(&text);
        assert!(
            text.lines()
                .any(|l| l.contains("SLO window judged") && l.contains(said)),
            "{zone}: {text}"
        );
    }
    // the hours that tell the zones apart hold requests, so a start read an hour off (the
    // offset after the change instead of before) or in UTC changes the count
    for (since, until) in [
        ("2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"),
        ("2026-09-30T22:00:00Z", "2026-09-30T23:00:00Z"),
    ] {
        assert!(lines_in(&m.times, since, until) > 0, "{since}");
    }
    let now = "2026-11-01T12:00:00Z";
    let nz = lines_in(&m.times, "2026-10-31T11:00:00Z", now);
    let utc = lines_in(&m.times, "2026-11-01T00:00:00Z", now);
    let la = lines_in(&m.times, "2026-11-01T07:00:00Z", now);
    assert!(nz > utc && utc > la && la > 0, "{nz} {utc} {la}");
    // [slo] start as a date: its midnight in the zone, across the change (Los Angeles on
    // 25 October: -07, 07:00 UTC)
    let cfg = config(
        &m.dir,
        "[slo]\ntimezone = \"America/Los_Angeles\"\nstart = \"2026-10-25\"\n",
    );
    let a = m.both("slo", &cfg, now, &[]);
    assert_eq!(a["window"]["start"], "2026-10-25T07:00:00Z");
    assert_eq!(
        u(&a["requests"]["total"]),
        lines_in(&m.times, "2026-10-25T07:00:00Z", now)
    );
    // each [[slo]] its own zone, in one run
    let cfg = config(
        &m.dir,
        "[[slo]]\nname = \"nz\"\ntarget = 99\nwindow = \"month\"\ntimezone = \"Pacific/Auckland\"\n\
         [[slo]]\nname = \"utc\"\ntarget = 99\nwindow = \"month\"\n\
         [[slo]]\nname = \"la\"\ntarget = 99\nwindow = \"month\"\ntimezone = \"America/Los_Angeles\"\n",
    );
    let a = m.both("slo", &cfg, now, &[]);
    let slos = a["slos"].as_array().unwrap();
    let got: Vec<(&str, u64)> = slos
        .iter()
        .map(|s| {
            (
                s["slo_window"]["start"].as_str().unwrap(),
                u(&s["requests"]["total"]),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2026-10-31T11:00:00Z", nz),
            ("2026-11-01T00:00:00Z", utc),
            ("2026-11-01T07:00:00Z", la)
        ]
    );
}

#[test]
fn an_unknown_time_zone_exits_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    for (text, named) in [
        (
            "[slo]\ntimezone = \"Mars/Olympus\"\nwindow = \"month\"\n",
            "config [slo] timezone \"Mars/Olympus\"",
        ),
        (
            "[[slo]]\nname = \"a\"\ntarget = 99\ntimezone = \"Europe/Zurichh\"\n",
            "timezone \"Europe/Zurichh\"",
        ),
    ] {
        let cfg = config(tmp.path(), text);
        let out = hosp_logs()
            .arg("slo")
            .arg("--config")
            .arg(&cfg)
            .args(["--source", &common::fixture_day(), "--no-store"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(named) && err.contains("IANA"), "{err}");
    }
}

/// `gate` over four weeks of the month: the store's answer and exit code equal a raw read's,
/// for a gate that passes and one that fails.
#[test]
fn the_gate_over_a_generated_month_from_the_store_equals_a_raw_read() {
    let m = Month::collected();
    let plain = config(&m.dir, "[slo]\n");
    let (since, until) = ("2026-10-04T00:00:00Z", "2026-11-01T00:00:00Z");
    let mut codes = Vec::new();
    for thresholds in [
        ["--slo", "50", "--max-p99", "600s", "--max-5xx-rate", "90%"],
        [
            "--slo",
            "99.99",
            "--max-p99",
            "1ms",
            "--max-5xx-rate",
            "0.01%",
        ],
    ] {
        let gate = |store: bool| {
            let mut c = hosp_logs();
            c.env("HOSP_LOGS_NOW", "2026-11-04T00:00:00Z")
                .arg("gate")
                .arg("--config")
                .arg(&plain)
                .args(["--format", "json", "--log-format", "alb"])
                .args(["--since", since, "--until", until])
                .args(thresholds);
            if store {
                c.arg("--store").arg(&m.store);
            } else {
                c.arg("--no-store").arg("--source").arg(&m.logs);
            }
            let out = c.output().unwrap();
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
            (out.status.code(), v)
        };
        let (raw_code, raw) = gate(false);
        let (code, from) = gate(true);
        assert_eq!(code, raw_code, "{thresholds:?}");
        assert_eq!(without_input(&raw), without_input(&from), "{thresholds:?}");
        assert!(from["input"]["store"]["path"].is_string(), "{from}");
        codes.push(code);
        // what it judged: the lines written in the four weeks (every one valid: no exclusions)
        let n = lines_in(&m.times, since, until);
        assert!(n > 0);
        assert_eq!(u(&from["valid_requests"]), n, "{from}");
    }
    assert_eq!(codes, [Some(0), Some(3)], "one gate passes, one fails");
}

/// `store info` says what the month's store holds, and `store prune --keep 10d` removes the
/// days wholly older than ten days before now; the store then answers over the rest only.
#[test]
fn store_info_and_prune_over_a_generated_month() {
    let m = Month::collected();
    let now = "2026-11-04T00:00:00Z";
    let info = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", now)
            .args(["store", "info", "--format", "json"])
            .arg("--store")
            .arg(&m.store)
            .output()
            .unwrap(),
    );
    let (first, last) = (m.times.iter().min().unwrap(), m.times.iter().max().unwrap());
    assert_eq!(u(&info["objects"]), DAYS as u64);
    assert_eq!(info["first_minute"], format!("{}:00Z", &first[..16]));
    assert_eq!(info["last_minute"], format!("{}:00Z", &last[..16]));
    assert_eq!(u(&info["requests"]), m.times.len() as u64);
    // the minutes holding a request (each day one file: no minute in two files)
    let minutes: std::collections::BTreeSet<&str> = m.times.iter().map(|t| &t[..16]).collect();
    assert_eq!(u(&info["minutes"]), minutes.len() as u64);
    // collected after the last line's day: ALB's hour of delay is past, complete through it
    assert_eq!(info["complete_through"], info["last_minute"]);
    let pruned = json_ok(
        &hosp_logs()
            .env("HOSP_LOGS_NOW", now)
            .args(["store", "prune", "--keep", "10d", "--format", "json"])
            .arg("--store")
            .arg(&m.store)
            .output()
            .unwrap(),
    );
    // from 25 October on is kept: 28 September to 24 October (27 days) are removed
    assert_eq!(u(&pruned["removed_objects"]), 27);
    let plain = config(&m.dir, "[slo]\n");
    let a = m.stored("slo", &plain, now, &[]);
    let kept = lines_in(&m.times, "2026-10-25T00:00:00Z", now);
    assert!(kept > 0 && kept < m.times.len() as u64);
    assert_eq!(u(&a["requests"]["total"]), kept);
    assert_eq!(u(&a["input"]["store"]["objects"]), 9);
}
