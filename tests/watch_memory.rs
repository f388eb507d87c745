//! `watch` over six simulated days, in-process with a simulated clock (the sources, the
//! rolling partials and the snapshots that the binary runs, without its threads): the state
//! held stops growing once the longest window (3 days) is full, and so does the process's
//! resident memory. A process of its own, so no other test's allocations are measured.

use std::io::Write;

use hosp_logs::config::Config;
use hosp_logs::engine::live::LiveSources;
use hosp_logs::engine::{Analysis, Job, LocalSettings};
use hosp_logs::filter::ClientFilter;
use hosp_logs::format::{FormatSettings, LogFormat, Routes};
use hosp_logs::metrics::live::{Live, LiveConfig};
use hosp_logs::metrics::security;
use hosp_logs::metrics::slo::SloConfig;
use hosp_logs::window::Window;

mod common;

const SEC: i64 = 1_000_000;
const DAY: i64 = 86_400 * SEC;
/// 2026-11-20T00:00:00Z.
const T0: i64 = 1_795_132_800_000_000;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn six_days_of_polls_hold_flat_state_and_memory() {
    let template = std::fs::read_to_string(common::root().join("tests/data/one-line.log")).unwrap();
    let fields: Vec<String> = template.trim_end().split(' ').map(String::from).collect();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let config = Config::parse("").unwrap();
    let live = Live::new(LiveConfig {
        slo: SloConfig {
            target: 0.99,
            latency_threshold_ms: None,
        },
        security: security::Settings::from_section(&config.security).unwrap(),
        since_us: DAY,
    });
    let mut sources = LiveSources::new(
        &[dir.path().display().to_string()],
        1 << 20,
        || unreachable!(),
    )
    .unwrap();
    let mut partial = live.partial();
    let routes = Routes::default();
    let exclude = ClientFilter::default();
    let step = 1_200 * SEC; // one poll per 20 simulated minutes
    let per_poll = 120; // a request every 10 seconds
    let polls = 6 * DAY / step;
    let (mut rss_day4, mut held_day4) = (0, [0; 4]);
    let mut written = 0u64;
    for n in 1..=polls {
        let now = T0 + n * step;
        // a day's log is rotated away at midnight (the new file starts empty)
        if n > 1 && (now - step) % DAY == 0 {
            std::fs::rename(&log, dir.path().join(format!("access.log.{n}"))).unwrap();
        }
        let mut out = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&log)
            .unwrap();
        let mut text = String::new();
        for i in 0..per_poll {
            let t = now - step + i * 10 * SEC;
            let time = chrono::DateTime::from_timestamp_micros(t)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string();
            let status = if i % 50 == 0 { "503" } else { "200" };
            let mut f = fields.clone();
            f[1] = time;
            f[8] = status.into();
            f[9] = status.into();
            // a client address per request: the security panel holds distinct strings
            f[3] = format!("198.51.{}.{}:4000", (written / 250) % 250, written % 250);
            text.push_str(&f.join(" "));
            text.push('\n');
            written += 1;
        }
        out.write_all(text.as_bytes()).unwrap();
        let settings = LocalSettings {
            threads: 1,
            readers: None,
            progress: false,
            strict: false,
            log_format: LogFormat::Auto,
            formats: FormatSettings::default(),
            max_line_bytes: 1 << 20,
            max_inflate: hosp_logs::engine::local::InflateLimit::Ratio(100),
            now_us: now,
            mmap: true,
        };
        let job = Job {
            window: Window {
                since_us: Some(now - live.retention_us()),
                until_us: None,
            },
            routes: &routes,
            exclude: &exclude,
        };
        sources.poll(&live, &mut partial, &job, &settings).unwrap();
        live.prune(&mut partial, now);
        if n % 12 == 0 {
            let snap = live.snapshot(&partial, now, T0, sources.stats());
            // every request written is counted once
            assert_eq!(snap.slo.input.lines, written);
            assert_eq!(snap.slo.input.malformed, 0);
        }
        if n == 4 * DAY / step {
            rss_day4 = rss_kib();
            held_day4 = partial.held();
        }
    }
    let held = partial.held();
    let rss = rss_kib();
    println!(
        "{written} requests over {polls} polls; held (SLO hours, errors/latency/security minutes): day 4 {held_day4:?}, day 6 {held:?}; RSS day 4 {rss_day4} KiB, day 6 {rss} KiB"
    );
    // the SLO keeps 3 days of hours (73 with the one in progress), the panels an hour of
    // minutes (61)
    assert_eq!(held, held_day4);
    assert!(
        held[0] <= 73 && held[1..].iter().all(|&m| m <= 61),
        "{held:?}"
    );
    // two more days of traffic after the windows filled: memory stays where it was
    assert!(
        rss <= rss_day4 + rss_day4 / 10,
        "RSS grew from {rss_day4} KiB to {rss} KiB"
    );
    assert_eq!(
        sources.follow_counts().following,
        1,
        "rotated days are let go"
    );
}
