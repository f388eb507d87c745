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
