//! Hops are never added together: inputs in two formats (the same requests logged at two
//! hops) are refused with exit 2, naming the formats and what to run instead; a hop of the
//! config, or one format's folder, gives that hop's own figures.

mod common;

use common::{fixture_config, hosp_logs, json_ok, root, truth, u};

/// The commands that judge the requests, as a user would try them on the fixture day's
/// folder (ALB, CloudFront and nginx logs of the same requests).
fn analyses(out_dir: &str) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["slo"]),
        s(&["errors"]),
        s(&["latency"]),
        s(&["traffic"]),
        s(&["backends"]),
        s(&["report", "--out", out_dir]),
        s(&["gate", "--slo", "90"]),
        s(&["query", "SELECT count(*) AS n FROM logs"]),
        s(&["export", "--to", "csv", "--out", "-"]),
    ]
}

fn refused(args: &[String], source: &str) -> String {
    let out = hosp_logs()
        .args(args)
        .args(["--source", source, "--config", &fixture_config()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?} on {source}: {err}");
    // export streams its rows as they are read: the first format's may be out already, but
    // the exit says the run was refused; the others print nothing
    if args[0] != "export" {
        assert!(out.stdout.is_empty(), "{args:?}: no sum on stdout");
    }
    err
}

#[test]
fn a_folder_of_three_hops_is_refused_by_every_analysis_naming_the_formats_and_the_way_out() {
    let day = root().join("fixtures/day").display().to_string();
    let out = tempfile::tempdir().unwrap();
    for args in analyses(out.path().to_str().unwrap()) {
        let err = refused(&args, &day);
        let titles = [
            "ALB access log",
            "CloudFront standard log",
            "nginx access log",
        ];
        let named = titles.iter().filter(|t| err.contains(*t)).count();
        assert!(named >= 2, "{args:?}: {err}");
        for way_out in ["--source", "--log-format", "--hop NAME", "hosp-logs hops"] {
            assert!(err.contains(way_out), "{args:?}: {way_out} in {err}");
        }
    }
    // the report wrote nothing
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn two_files_in_two_formats_are_both_named() {
    let dir = tempfile::tempdir().unwrap();
    let alb = common::log_files(&root().join("fixtures/day/AWSLogs")).remove(0);
    let cf = std::fs::read_dir(root().join("fixtures/day/cloudfront"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let a = dir.path().join("a.log.gz");
    let b = dir.path().join("b.gz");
    std::fs::copy(&alb, &a).unwrap();
    std::fs::copy(&cf, &b).unwrap();
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let out = tempfile::tempdir().unwrap();
    for args in analyses(out.path().to_str().unwrap()) {
        let err = refused(&args, dir.path().to_str().unwrap());
        assert!(
            err.contains(&format!(
                "{a} is an ALB access log, {b} a CloudFront standard log"
            )),
            "{args:?}: {err}"
        );
    }
    // each file alone is read
    for (file, key) in [(&a, "alb"), (&b, "cloudfront")] {
        let v = json_ok(
            &hosp_logs()
                .args(["slo", "--format", "json", "--source", file])
                .output()
                .unwrap(),
        );
        assert_eq!(u(&v["input"]["formats"][key]), 1, "{file}");
    }
}

#[test]
fn a_hop_or_one_formats_folder_gives_that_hops_own_figures() {
    let t = truth();
    let slo = |args: &[&str]| {
        json_ok(
            &hosp_logs()
                .args(["slo", "--format", "json", "--config", &fixture_config()])
                .args(args)
                .output()
                .unwrap(),
        )
    };
    // the config's outermost hop (the edge) by default, the load balancer with --hop lb
    let edge = slo(&[]);
    assert_eq!(
        edge["requests"]["valid"],
        t["cloudfront"]["requests"]["valid"]
    );
    assert_eq!(
        edge["requests"]["good"],
        t["cloudfront"]["requests"]["good"]
    );
    let lb = slo(&["--hop", "lb"]);
    assert_eq!(lb["requests"]["valid"], t["requests"]["valid"]);
    assert_eq!(lb["requests"]["good"], t["requests"]["good"]);
    let alb = slo(&["--source", &common::fixture_day()]);
    assert_eq!(alb["requests"], lb["requests"]);
}
