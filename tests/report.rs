//! `hosp-logs report` and the analyses' `--chart`: the files, PNGs that decode at the expected
//! size and are not blank, byte-for-byte reproducibility, the committed reports/example/, and
//! hostile log text that stays text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{truth, u};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared clean environment ([`common::hosp_logs`]), without colour.
fn hosp_logs() -> Command {
    let mut cmd = common::hosp_logs();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Decodes a PNG: (width, height, RGB(A) pixels).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Variance of the pixel bytes: near 0 for a blank image.
fn variance(px: &[u8]) -> f64 {
    let n = px.len() as f64;
    let mean = px.iter().map(|v| *v as f64).sum::<f64>() / n;
    px.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n
}

/// Distinct colours: a chart has text, axes and series, not one or two flat colours.
fn colours(px: &[u8]) -> usize {
    let mut set: Vec<[u8; 3]> = px.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    set.sort_unstable();
    set.dedup();
    set.len()
}

fn report_day(out: &Path) {
    hosp_logs()
        .current_dir(root())
        .args([
            "report",
            "--source",
            "fixtures/day/AWSLogs",
            "--config",
            "fixtures/hosp-logs.toml",
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

const CHARTS: [&str; 12] = [
    "backends-latency.png",
    "backends-share.png",
    "error-budget.png",
    "errors-5xx.png",
    "latency-histogram.png",
    "latency-percentiles.png",
    "path-success.png",
    "security-findings.png",
    "status-classes.png",
    "success-rate.png",
    "top-failing-endpoints.png",
    "traffic.png",
];

#[test]
fn fixture_day_report_is_complete_reproducible_and_committed() {
    let a = tempfile::tempdir().unwrap();
    report_day(a.path());
    let got = files(a.path());
    let mut expected: Vec<String> = CHARTS.iter().map(|s| s.to_string()).collect();
    expected.extend(["index.html".into(), "summary.json".into()]);
    expected.sort();
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), expected);

    for name in CHARTS {
        let (w, h, px) = decode(&got[name]);
        assert_eq!((w, h), (1200, 480), "{name}");
        assert!(variance(&px) > 100.0, "{name} looks blank");
        assert!(colours(&px) > 20, "{name} has too few colours");
    }

    // summary.json: the analyses in one document, the truth of the fixture day
    let s: Value = serde_json::from_slice(&got["summary.json"]).unwrap();
    let t = truth();
    assert_eq!(s["slo"]["requests"]["valid"], t["requests"]["valid"]);
    assert_eq!(s["slo"]["requests"]["good"], t["requests"]["good"]);
    assert_eq!(s["slo"]["met"], false);
    // one frame for every analysis: the 5XX the errors count are the SLO's bad requests
    assert_eq!(s["errors"]["total_5xx"], s["slo"]["requests"]["bad"]);
    assert_eq!(
        u(&s["traffic"]["requests"]),
        u(&t["requests"]["total"]) - u(&t["requests"]["excluded"])
    );
    // security sees all traffic: the intruder (truth's incident) is a high finding
    let intruder = s["security"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unexpected-writer" && f["client_ip"] == "203.0.113.66")
        .expect("the intruder is in the report");
    assert_eq!(intruder["severity"], "high");
    let writes = t["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "intruder")
        .unwrap()["writes"]
        .clone();
    assert_eq!(intruder["count"], writes);
    for k in ["slo", "errors", "latency", "backends", "traffic"] {
        assert!(s[k].is_object(), "{k}");
    }
    let outages = s["slo_series"]["outages"].as_array().unwrap();
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert_eq!(outages[0]["start"], "2026-11-20T14:00:00Z");
    assert_eq!(outages[0]["end"], "2026-11-20T14:20:00Z");
    assert_eq!(s["generated_at"], s["window"]["end"]);
    // the config's [[hops]]: the Path section, its attribution the fixture's truth
    for key in ["served_from_cache", "saved_by_retries"] {
        assert_eq!(s["path"][key], t["hops"][key], "{key}");
    }
    assert_eq!(s["path"]["failed_at"], t["hops"]["failed_at"]);
    assert_eq!(s["path"]["hops"].as_array().unwrap().len(), 3);
    assert_eq!(s["charts"].as_array().unwrap().len(), CHARTS.len());

    // the page: self-contained, every chart inlined
    let html = String::from_utf8(got["index.html"].clone()).unwrap();
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("@media print"));
    assert!(!html.contains("<script"), "no script in the page");
    assert_eq!(html.matches("<img ").count(), CHARTS.len());
    assert_eq!(
        html.matches("src=\"data:image/png;base64,").count(),
        CHARTS.len()
    );
    assert!(html.contains("NOT MET"));
    assert!(html.contains("Control panel"));
    assert!(html.contains("Path: the request hop by hop"));
    assert!(html.contains("Funnel: how far the requests got"));
    assert!(
        html.contains("2026-11-20T14:00:00Z"),
        "the outage is listed"
    );

    // the same input gives the same bytes
    let b = tempfile::tempdir().unwrap();
    report_day(b.path());
    let again = files(b.path());
    for (name, bytes) in &got {
        assert!(again[name] == *bytes, "{name} differs between two runs");
    }

    // reports/example/ is this report
    let example = files(&root().join("reports/example"));
    let stale: Vec<&String> = got
        .keys()
        .filter(|k| example.get(*k) != got.get(*k))
        .chain(example.keys().filter(|k| !got.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "reports/example/ is out of date ({stale:?}); regenerate it with:\n  \
         cargo run -- report --source fixtures/day/AWSLogs --config fixtures/hosp-logs.toml --out reports/example"
    );
}

/// Attribute values in the page's tags that would load something: only inline images and
/// in-page anchors are allowed. Every `<` in the page opens a real tag (log text is escaped).
fn external_refs(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        for attr in [
            "src=",
            "href=",
            "action=",
            "srcset=",
            "poster=",
            "data=",
            "formaction=",
        ] {
            for (i, _) in tag.match_indices(attr) {
                if !tag[..i].ends_with(' ') {
                    continue;
                }
                let value: String = tag[i + attr.len()..]
                    .trim_start_matches('"')
                    .chars()
                    .take_while(|c| *c != '"' && *c != ' ')
                    .collect();
                if !(value.starts_with("data:image/png;base64,") || value.starts_with('#')) {
                    bad.push(value.chars().take(80).collect());
                }
            }
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        // ` onerror=`, ` onmouseover=`…: an event-handler attribute
        for (i, _) in tag.match_indices(" on") {
            let rest = &tag[i + 3..];
            let letters = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
            if letters > 0 && rest[letters..].starts_with('=') {
                bad.push(format!("event handler in <{name}>"));
            }
        }
    }
    bad
}

#[test]
fn hostile_log_text_is_escaped_in_the_page() {
    let dir = tempfile::tempdir().unwrap();
    hosp_logs()
        .current_dir(root())
        .args(["report", "--source", "fixtures/hostile/access.log", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(
        !html.contains("<script"),
        "a script element reached the page"
    );
    assert!(
        !html.contains("<img src=x"),
        "an injected element reached the page"
    );
    assert!(!html.contains("onmouseover='"), "an attribute broke out");
    assert!(
        html.contains(
            "\\x22&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;ua&#39;)&lt;/script&gt;"
        ),
        "the hostile user agent is shown as text"
    );
    assert!(
        html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "the hostile endpoint is shown as text"
    );
    assert_eq!(external_refs(&html), Vec::<String>::new());
    // the JSON keeps the value as it was logged
    let s: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    let uas = s["traffic"]["top_user_agents"].to_string();
    assert!(uas.contains("<script>alert('ua')</script>"), "{uas}");
}

#[test]
fn out_takes_the_date_of_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let source = root().join("fixtures/hostile/access.log");
    hosp_logs()
        .current_dir(dir.path())
        .args(["report", "-q", "--format", "json", "--source"])
        .arg(&source)
        .assert()
        .success();
    assert!(dir.path().join("reports/2026-11-20/index.html").is_file());
}

#[test]
fn analyses_draw_their_charts() {
    let dir = tempfile::tempdir().unwrap();
    // the outage hour of the fixture day: 24 files, quick to read
    let hour = root()
        .join("fixtures/day/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/20/*T14*")
        .display()
        .to_string();
    for (cmd, panels) in [
        ("slo", 2),
        ("errors", 2),
        ("latency", 2),
        ("backends", 2),
        ("traffic", 1),
    ] {
        let path = dir.path().join(format!("{cmd}.png"));
        hosp_logs()
            .args([cmd, "-q", "--format", "json", "--source", &hour, "--chart"])
            .arg(&path)
            .assert()
            .success();
        let bytes = std::fs::read(&path).unwrap();
        let (w, h, px) = decode(&bytes);
        assert_eq!((w, h), (1200, 480 * panels), "{cmd}");
        assert!(variance(&px) > 100.0, "{cmd} chart looks blank");
        // the same input, the same bytes
        let again = dir.path().join(format!("{cmd}-2.png"));
        hosp_logs()
            .args([cmd, "-q", "--format", "json", "--source", &hour, "--chart"])
            .arg(&again)
            .assert()
            .success();
        assert!(
            std::fs::read(&again).unwrap() == bytes,
            "{cmd}: not reproducible"
        );
    }
}

#[test]
fn a_chart_that_cannot_be_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let source = root().join("fixtures/hostile/access.log");
    hosp_logs()
        .args(["errors", "-q", "--source"])
        .arg(&source)
        .arg("--chart")
        .arg(dir.path().join("file/sub/errors.png"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("errors.png"));
}

#[test]
fn an_empty_window_still_makes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let source = root().join("fixtures/hostile/access.log");
    hosp_logs()
        .args([
            "report",
            "-q",
            "--since",
            "2030-01-01T00:00:00Z",
            "--until",
            "2030-01-02T00:00:00Z",
            "--source",
        ])
        .arg(&source)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains("no data"));
}
