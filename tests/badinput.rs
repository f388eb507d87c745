//! Bad input never takes a command down: absurd times are malformed lines, a line too long to
//! hold is counted and skipped in linear time, a compressed bomb stops at its limit.

mod common;

use std::io::Write;

use common::{hosp_logs, json_ok, u};

const GOOD: &str = r#"http 2026-11-20T10:00:00.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.5:51000 10.0.1.10:3000 0.001 0.200 0.000 200 200 300 900 "GET http://hosp.example.com:80/patients/7 HTTP/1.1" "Mozilla/5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef "Root=1-6740a000-0123456789abcdef01234567" "-" "-" 0 2026-11-20T10:00:00.099000Z "forward" "-" "-" "10.0.1.10:3000" "200" "-" "-""#;

fn at(time: &str) -> String {
    GOOD.replace("2026-11-20T10:00:00.100000Z", time)
}

#[test]
fn an_absurd_year_is_a_malformed_line_and_the_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        at("2026-11-20T10:00:00.100000Z"),
        at("9026-11-20T00:47:01.000000Z"), // a flipped digit
        at("2026-11-20T10:05:00.100000Z"),
        at("2126-11-20T10:00:00.100000Z"),
        at("2010-01-01T00:00:00.000000Z"), // before ALB existed
        at("2026-11-20T11:00:00.100000Z"),
    ];
    let log = dir.path().join("day.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let src = log.display().to_string();
    let v = json_ok(
        &hosp_logs()
            .args(["slo", "--format", "json", "--source", &src])
            .env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z")
            .output()
            .unwrap(),
    );
    assert_eq!(u(&v["input"]["parsed"]), 3);
    assert_eq!(u(&v["input"]["malformed"]), 3);
    let samples = v["input"]["malformed_samples"].as_array().unwrap();
    let located: Vec<(u64, bool)> = samples
        .iter()
        .map(|m| {
            (
                u(&m["line"]),
                m["reason"].as_str().unwrap().contains("time out of range"),
            )
        })
        .collect();
    assert_eq!(located, [(2, true), (4, true), (5, true)]);
    // the window is the real requests', not seven thousand years
    assert_eq!(v["window"]["end"], "2026-11-20T11:00:01Z");
    let out = dir.path().join("report");
    let r = hosp_logs()
        .args(["report", "-q", "--source", &src, "--out"])
        .arg(&out)
        .env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(u(&summary["input"]["malformed"]), 3);
    assert!(out.join("index.html").exists());
}

#[test]
fn a_line_too_long_is_counted_where_it_stands_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("long.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    writeln!(f, "{}", at("2026-11-20T10:00:00.100000Z")).unwrap();
    let long = vec![b'x'; 24 << 20];
    f.write_all(&long).unwrap();
    writeln!(f).unwrap();
    writeln!(f, "{}", at("2026-11-20T10:00:01.100000Z")).unwrap();
    f.flush().unwrap();
    drop(f);
    let started = std::time::Instant::now();
    let v = json_ok(
        &hosp_logs()
            .args(["slo", "--format", "json", "--source"])
            .arg(&log)
            .output()
            .unwrap(),
    );
    assert_eq!(u(&v["input"]["parsed"]), 2);
    assert_eq!(u(&v["input"]["malformed"]), 1);
    let m = &v["input"]["malformed_samples"][0];
    assert_eq!(u(&m["line"]), 2);
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("line too long: {} bytes", 24 << 20)),
        "{m}"
    );
    // linear, not quadratic: 20 MB took seconds and 300 MB minutes before the fix
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());

    // a stream with no newline at all: one line, too long, and nothing else to read
    let none = dir.path().join("none.log");
    std::fs::write(&none, vec![b'a'; 8 << 20]).unwrap();
    let out = hosp_logs()
        .args(["slo", "--source"])
        .arg(&none)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("its one line is not"), "{err}");
}

#[test]
fn a_decompression_bomb_stops_at_its_limit_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.log"),
        format!("{}\n{}\n", at("2026-11-20T10:00:00.100000Z"), GOOD),
    )
    .unwrap();
    // 64 MiB of NUL bytes in a small gzip
    let bomb = dir.path().join("bomb.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&bomb).unwrap(),
        flate2::Compression::best(),
    );
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap();
    let run = |extra: &[&str]| {
        hosp_logs()
            .args([
                "slo",
                "--format",
                "json",
                "--max-inflate",
                "8MiB",
                "--source",
            ])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["input"]["source_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["source"], bomb.display().to_string());
    assert!(errors[0]["reason"]
        .as_str()
        .unwrap()
        .contains("--max-inflate"));
    assert_eq!(u(&v["input"]["parsed"]), 2);
    // read no further than the limit
    assert!(
        u(&v["input"]["bytes"]) <= (8 << 20) + 4096,
        "{}",
        v["input"]["bytes"]
    );
    let out = run(&["--allow-partial"]);
    assert_eq!(out.status.code(), Some(0));
}

/// `slo --format json` on `src`, mapped (the default) and read (`--no-mmap`): both outputs.
fn mapped_and_read(src: &str, extra: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let run = |no_mmap: bool| {
        let mut cmd = hosp_logs();
        cmd.args(["slo", "--format", "json", "--source", src])
            .args(extra)
            .env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z");
        if no_mmap {
            cmd.arg("--no-mmap");
        }
        json_ok(&cmd.output().unwrap())
    };
    (run(false), run(true))
}

/// A plain file read through mapped windows gives what reading it gives, at every place a
/// window can cut: lines across window ends, a line longer than the limit spanning windows,
/// a line longer than a whole window (the window grows), CRLF ends, no final line end.
#[test]
fn a_mapped_file_counts_what_a_read_one_counts_wherever_windows_cut() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("big.log");
    let mut text = String::new();
    let (mut good, mut bad, mut line) = (0u64, Vec::new(), 0u64);
    let mut push = |text: &mut String, l: &str, ok: bool| {
        line += 1;
        text.push_str(l);
        if ok {
            good += 1;
        } else {
            bad.push(line);
        }
    };
    let mut k = 0;
    while text.len() < 5 << 20 {
        k += 1;
        let t = format!("2026-11-20T10:{:02}:{:02}.000000Z", (k / 60) % 60, k % 60);
        let crlf = if k % 7 == 0 { "\r\n" } else { "\n" };
        push(&mut text, &(at(&t) + crlf), true);
        if k % 5000 == 0 {
            push(&mut text, "not an ALB line\n", false);
        }
    }
    // 1.5 MiB without a line end: too long for the default 1 MiB, across the 4 MiB window end
    push(&mut text, &("x".repeat(3 << 19) + "\n"), false);
    for k in 0..2000 {
        push(
            &mut text,
            &(at(&format!("2026-11-20T11:00:{:02}.000000Z", k % 60)) + "\n"),
            true,
        );
    }
    // 5 MiB: longer than a window; malformed (too long) at the default limit
    push(&mut text, &("y".repeat(5 << 20) + "\n"), false);
    push(&mut text, &at("2026-11-20T12:00:00.000000Z"), true); // no final line end
    std::fs::write(&log, &text).unwrap();
    let src = log.display().to_string();

    let (mapped, read) = mapped_and_read(&src, &[]);
    assert_eq!(mapped, read);
    assert_eq!(u(&mapped["input"]["parsed"]), good);
    assert_eq!(u(&mapped["input"]["malformed"]), bad.len() as u64);
    let lines: Vec<u64> = mapped["input"]["malformed_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| u(&m["line"]))
        .collect();
    assert_eq!(lines, bad[..lines.len()]);
    assert_eq!(mapped["input"]["source_errors"], serde_json::json!([]));
    assert_eq!(u(&mapped["input"]["failed_sources"]), 0);

    // a limit above a window: the 5 MiB line is held whole (a larger window) and parsed
    let (mapped, read) = mapped_and_read(&src, &["--max-line-bytes", "8MiB"]);
    assert_eq!(mapped, read);
    assert_eq!(u(&mapped["input"]["parsed"]), good);
    assert_eq!(u(&mapped["input"]["malformed"]), bad.len() as u64);
}

/// A plain CloudFront file whose second half has its own `#Fields` header (two hourly files
/// concatenated) switches mapping mid-file when mapped, as when read.
#[test]
fn a_mapped_cloudfront_file_switches_its_fields_where_a_header_stands() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(common::fixture_edge())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut text = Vec::new();
    for f in &files[..2] {
        let gz = std::fs::read(f).unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&gz[..]), &mut plain)
            .unwrap();
        text.extend_from_slice(&plain);
    }
    let whole = dir.path().join("edge.log");
    std::fs::write(&whole, &text).unwrap();
    let (mapped, read) = mapped_and_read(&whole.display().to_string(), &[]);
    assert_eq!(mapped, read);
    // the two gzipped files as they are give the same requests
    let mut cmd = hosp_logs();
    cmd.args(["slo", "--format", "json"]);
    for f in &files[..2] {
        cmd.arg("--source").arg(f);
    }
    let apart = json_ok(
        &cmd.env("HOSP_LOGS_NOW", "2026-11-21T00:00:00Z")
            .output()
            .unwrap(),
    );
    assert_eq!(mapped["input"]["parsed"], apart["input"]["parsed"]);
    assert_eq!(u(&mapped["input"]["malformed"]), 0);
    assert_eq!(mapped["requests"], apart["requests"]);
    assert_eq!(mapped["success_rate"], apart["success_rate"]);
    assert_eq!(mapped["periods"], apart["periods"]);
}

/// A line that is not UTF-8 is read as `String::from_utf8_lossy` makes it (each invalid
/// sequence one U+FFFD), mapped, read, or gzipped alike; the lines around it are untouched.
#[test]
fn a_line_that_is_not_utf8_is_read_lossily_wherever_it_stands() {
    let dir = tempfile::tempdir().unwrap();
    let mut text: Vec<u8> = Vec::new();
    let mut want = Vec::new();
    for k in 0..300 {
        let line = at(&format!(
            "2026-11-20T10:{:02}:{:02}.000000Z",
            k / 60,
            k % 60
        ));
        // every 50th line's user agent holds bytes that are not UTF-8, at a different place
        // (and so in a different 64-byte step of the line) each time
        let agent: Vec<u8> = if k % 50 == 7 {
            let mut a = b"Mozilla/5.0 ".to_vec();
            a.extend(std::iter::repeat_n(b'x', k / 10));
            a.extend_from_slice(b"\xff\xfe\xc3(");
            a
        } else {
            "Mozilla/5.0 é".as_bytes().to_vec()
        };
        let (before, after) = line.split_once("Mozilla/5.0").unwrap();
        text.extend_from_slice(before.as_bytes());
        text.extend_from_slice(&agent);
        text.extend_from_slice(after.as_bytes());
        text.push(b'\n');
        want.push(String::from_utf8_lossy(&agent).into_owned());
    }
    let plain = dir.path().join("agents.log");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("agents.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    want.sort();
    for (src, extra) in [(&plain, None), (&plain, Some("--no-mmap")), (&gz, None)] {
        let mut cmd = hosp_logs();
        cmd.args(["query", "--format", "json", "--source"])
            .arg(src)
            .args(extra)
            .arg("SELECT user_agent FROM logs ORDER BY user_agent");
        let v = json_ok(&cmd.output().unwrap());
        let got: Vec<String> = v
            .as_array()
            .unwrap_or_else(|| panic!("not rows: {v}"))
            .iter()
            .map(|r| r["user_agent"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{src:?} {extra:?}");
        assert_eq!(got.iter().filter(|a| a.contains('\u{fffd}')).count(), 6);
    }
}
