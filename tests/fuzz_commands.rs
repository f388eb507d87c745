//! Every command survives every input: mutated logs of each format (bit flips, cuts, swapped
//! and duplicated fields, quotes, backslashes, `\x` escapes, NUL, control and bidi characters,
//! absurd numbers and times, long lines, empty files, header-only files, cut gzip) run through
//! every command that reads logs. Each run must end with a documented exit code, no panic,
//! `lines = parsed + malformed`, and peak memory under a bound.
//!
//! A few rounds run in CI from a fixed seed; `HOSP_LOGS_FUZZ_ROUNDS=200` (and another
//! `HOSP_LOGS_FUZZ_SEED`) runs longer before a release.

mod common;

use std::io::Write;
use std::path::Path;

use common::{fixture_lines, hosp_logs};
use serde_json::Value;

/// Exit codes docs/exit-codes.md documents.
const DOCUMENTED: [i32; 5] = [0, 1, 2, 3, 4];
/// Peak memory any command may reach on these small inputs.
const MAX_RSS_MIB: i64 = 1024;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Text that breaks parsers and terminals.
const NASTY: &[&str] = &[
    "\"",
    "\\",
    "\\x22",
    "\\x",
    "\\xZZ",
    "\0",
    "\u{1b}[31m",
    "\u{202e}",
    "\u{7}",
    "\t",
    "\r",
    "99999999999999999999999",
    "-1",
    "-0",
    "1e308",
    "NaN",
    "9026-11-20T00:47:01Z",
    "1970-01-01T00:00:00Z",
    "2026-02-30T25:61:61Z",
    "%00",
    "%2520",
    "{\"a\":",
    "'; DROP",
    "=HYPERLINK(\"x\")",
    "[::1]:",
    ":",
    "-",
    "\"\"",
    "  ",
];

/// One mutation of a line, chosen at random.
fn mutate(line: &str, rng: &mut Rng) -> String {
    let mut s = line.to_string();
    match rng.below(9) {
        // flip a bit (keep it text: the reader decodes invalid UTF-8 lossily anyway)
        0 if !s.is_empty() => {
            let mut b = s.into_bytes();
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(7);
            String::from_utf8_lossy(&b).into_owned()
        }
        // cut it short
        1 => {
            let mut at = rng.below(s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            s.truncate(at);
            s
        }
        // swap two fields, or duplicate one
        2 | 3 => {
            let sep = if s.contains('\t') { '\t' } else { ' ' };
            let mut f: Vec<&str> = s.split(sep).collect();
            let (i, j) = (rng.below(f.len()), rng.below(f.len()));
            if rng.below(2) == 0 {
                f.swap(i, j);
            } else {
                let x = f[i];
                f.insert(j, x);
            }
            f.join(&sep.to_string())
        }
        // replace a field with something nasty
        4 | 5 => {
            let sep = if s.contains('\t') { '\t' } else { ' ' };
            let mut f: Vec<String> = s.split(sep).map(str::to_string).collect();
            let i = rng.below(f.len());
            f[i] = rng.pick(NASTY).to_string();
            f.join(&sep.to_string())
        }
        // insert something nasty anywhere
        6 => {
            let mut at = rng.below(s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            s.insert_str(at, rng.pick(NASTY));
            s
        }
        // a long line (under the default limit, so it is parsed, not skipped)
        7 => {
            let n = 1 + rng.below(20_000);
            s.push_str(&"x".repeat(n * 10));
            s
        }
        _ => s,
    }
}

/// The seed lines of each format the harness mutates.
fn seeds() -> Vec<(&'static str, Vec<String>)> {
    let alb: Vec<String> = fixture_lines().into_iter().step_by(250).collect();
    // nginx's default log_format (combined), as the proxies write it
    let nginx: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "192.0.2.{} - - [20/Nov/2026:10:{:02}:{:02} +0000] \"{} /patients/{}/notes?x={i} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11)\"",
                i % 250,
                i % 60,
                (i * 7) % 60,
                ["GET", "POST", "PUT"][i % 3],
                i * 13,
                [200, 201, 404, 502, 499][i % 5],
                100 + i
            )
        })
        .collect();
    vec![
        ("alb", alb),
        ("nginx", nginx),
        ("cloudfront", cloudfront_lines()),
    ]
}

/// The fixture day's CloudFront lines (their `#Version`/`#Fields` header first).
fn cloudfront_lines() -> Vec<String> {
    use std::io::Read;
    let dir = common::root().join("fixtures/day/cloudfront");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&files[0]).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines().take(200).map(str::to_string).collect()
}

/// Writes one round's inputs: mutated files (some gzip, one gzip cut short), an empty file,
/// a file of blank lines and headers, and one untouched file so something parses.
fn write_round(dir: &Path, rng: &mut Rng) {
    for (format, lines) in seeds() {
        std::fs::write(
            dir.join(format!("{format}-clean.log")),
            lines.join("\n") + "\n",
        )
        .unwrap();
        for k in 0..4 {
            // a format's header lines (CloudFront's `#Fields`) stay whole in two files of four
            let text: String = lines
                .iter()
                .map(|l| match l.starts_with('#') && k % 2 == 0 {
                    true => l.clone() + "\n",
                    false => mutate(l, rng) + "\n",
                })
                .collect::<String>();
            match k {
                0 | 1 => std::fs::write(dir.join(format!("{format}-{k}.log")), text).unwrap(),
                _ => {
                    let mut enc =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    enc.write_all(text.as_bytes()).unwrap();
                    let mut gz = enc.finish().unwrap();
                    if k == 3 {
                        gz.truncate(gz.len() * 2 / 3);
                    }
                    std::fs::write(dir.join(format!("{format}-{k}.log.gz")), gz).unwrap();
                }
            }
        }
    }
    std::fs::write(dir.join("empty.log"), "").unwrap();
    std::fs::write(dir.join("headers.log"), "\n\n#Version: 1.0\n\n").unwrap();
}

/// The largest peak memory of any child so far, in MiB.
fn children_max_rss_mib() -> i64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss / 1024
}

/// Runs one command over the round's folder and checks what every command promises.
fn check(dir: &Path, args: &[&str], json: bool) {
    check_with(dir, args, json, true)
}

/// As [`check`]; `source`: whether the folder is given as `--source` (`hops` names it in
/// its `--hop` flags instead).
fn check_with(dir: &Path, args: &[&str], json: bool, source: bool) {
    let mut cmd = hosp_logs();
    cmd.args(args);
    if source {
        cmd.arg("--source").arg(dir);
    }
    cmd.arg("-q");
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let err = String::from_utf8_lossy(&out.stderr);
    let what = format!("{args:?} on {}", dir.display());
    assert!(DOCUMENTED.contains(&code), "{what}: exit {code}\n{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: {err}"
    );
    if json && code != 1 && code != 2 {
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {err}"));
        // one input, or (hops) one per hop under its name
        let inputs: Vec<&Value> = if v["input"].get("lines").is_some() {
            vec![&v["input"]]
        } else {
            v["input"].as_object().expect(&what).values().collect()
        };
        assert!(!inputs.is_empty(), "{what}: no input");
        for input in inputs {
            assert_eq!(
                input["lines"].as_u64(),
                Some(input["parsed"].as_u64().unwrap() + input["malformed"].as_u64().unwrap()),
                "{what}: {input}"
            );
        }
    }
    let rss = children_max_rss_mib();
    assert!(rss < MAX_RSS_MIB, "{what}: peak {rss} MiB");
}

#[test]
fn every_command_survives_mutated_input() {
    let rounds: u64 = std::env::var("HOSP_LOGS_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let seed: u64 = std::env::var("HOSP_LOGS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_1234_ABCD);
    let mut rng = Rng(seed);
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        write_round(dir.path(), &mut rng);
        let report = dir.path().join("report-out");
        std::fs::create_dir(&report).unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).unwrap();
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::rename(&p, logs.join(p.file_name().unwrap())).unwrap();
            }
        }
        let out = report.display().to_string();
        for (args, json) in [
            (vec!["slo", "--format", "json"], true),
            (vec!["errors", "--format", "json", "--4xx"], true),
            (vec!["latency", "--format", "json"], true),
            (vec!["backends", "--format", "json"], true),
            (vec!["traffic", "--format", "json"], true),
            (
                vec![
                    "gate",
                    "--format",
                    "json",
                    "--slo",
                    "99",
                    "--max-p99",
                    "3s",
                    "--max-findings",
                    "high=0",
                ],
                true,
            ),
            (vec!["security", "--format", "json"], true),
            (vec!["edge", "--format", "json"], true),
            (vec!["retries", "--format", "json"], true),
            (vec!["watch", "--once"], false),
            (vec!["audit", "--format", "json", "--summary"], true),
            (
                vec![
                    "query",
                    "--format",
                    "json",
                    "SELECT count(*) AS n, max(latency_ms) AS m FROM logs",
                ],
                false,
            ),
            (vec!["export", "--to", "csv", "--out", "-"], false),
            (vec!["report", "--out", out.as_str()], false),
            (vec!["slo", "--format", "table", "--strict"], false),
        ] {
            check(&logs, &args, json);
        }
        // every hop reads the whole mixed folder in its own format
        let hop = |name: &str, format: &str| format!("{name}={format}:{}", logs.display());
        let hops = [
            hop("edge", "cloudfront"),
            hop("lb", "alb"),
            hop("proxy", "nginx"),
        ];
        let mut args = vec!["hops", "--format", "json"];
        for h in &hops {
            args.extend(["--hop", h.as_str()]);
        }
        check_with(&logs, &args, true, false);
        eprintln!("fuzz round {round} of {rounds} (seed {seed}) passed");
    }
}
