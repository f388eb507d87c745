//! Input that is not in the format it is read as: named, counted, and refused (exit 2) rather
//! than an empty report with exit 0.

mod common;

use common::{hosp_logs, json_ok};

const ALB: &str = r#"http 2026-11-20T10:00:00.100000Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.5:51000 10.0.1.10:3000 0.001 0.200 0.000 200 200 300 900 "GET http://hosp.example.com:80/patients/7 HTTP/1.1" "Mozilla/5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/0123456789abcdef "Root=1-6740a000-0123456789abcdef01234567" "-" "-" 0 2026-11-20T10:00:00.099000Z "forward" "-" "-" "10.0.1.10:3000" "200" "-" "-""#;

/// A CloudFront standard log as AWS documents it (synthetic values).
const CLOUDFRONT: &str = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken\n2026-11-20\t10:00:00\tDUB56-P1\t2297\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/notes\t200\t-\tMozilla/5.0\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\thosp.example.com\thttps\t74\t0.003\n";

const NGINX: &str = "192.0.2.7 - - [20/Nov/2026:10:00:00 +0000] \"GET /notes HTTP/1.1\" 200 612 \"-\" \"curl/8.5.0\"\n";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn a_file_in_another_format_is_refused_naming_what_it_looks_like() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, looks) in [
        ("cf.log", CLOUDFRONT, "CloudFront"),
        ("nginx.log", NGINX, "nginx"),
        ("events.log", "{\"a\": 1}\n{\"a\": 2}\n", "JSON lines"),
    ] {
        let path = write(dir.path(), name, text);
        for command in ["slo", "errors", "latency", "traffic", "query"] {
            let mut cmd = hosp_logs();
            cmd.args([command, "--source", &path, "--log-format", "alb"]);
            if command == "query" {
                cmd.arg("SELECT count(*) AS n FROM logs");
            }
            let out = cmd.output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {name}: {err}");
            assert!(
                out.stdout.is_empty(),
                "{command} {name}: no report on stdout"
            );
            assert!(
                err.contains(&path)
                    && err.contains(looks)
                    && err.contains("an ALB access log line"),
                "{command} {name}: {err}"
            );
        }
    }
}

#[test]
fn a_stray_file_of_another_format_in_a_folder_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "alb.log", &format!("{ALB}\n{ALB}\n"));
    let cf = write(dir.path(), "cloudfront.log", CLOUDFRONT);
    let out = hosp_logs()
        .args(["slo", "--log-format", "alb", "--source"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&cf) && err.contains("CloudFront"), "{err}");
}

#[test]
fn lines_in_no_known_format_beside_good_logs_are_counted_and_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "alb.log", &format!("{ALB}\n{ALB}\n{ALB}\n"));
    let junk = write(dir.path(), "junk.log", "hello world\nnot a log\n\n");
    let out = hosp_logs()
        .args(["slo", "--format", "json", "--source"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v = json_ok(&out);
    let input = &v["input"];
    assert_eq!(input["parsed"], 3);
    assert_eq!(input["malformed"], 2);
    assert_eq!(input["lines"], 5);
    assert_eq!(input["unrecognised"][0]["source"], junk.as_str());
    assert_eq!(input["unrecognised"][0]["lines"], 2);
    assert_eq!(input["unrecognised"].as_array().unwrap().len(), 1);
    assert_eq!(input["formats"]["alb"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&junk), "{err}");
    // nothing readable at all is an error, not an empty report
    let out = hosp_logs()
        .args(["slo", "--source", &junk])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
