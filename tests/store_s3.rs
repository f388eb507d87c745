//! The store over S3 (the in-process S3 server): the same objects reached through another,
//! wider prefix are the same objects (bucket, key, ETag, size): collected once, no GET again.

use std::sync::atomic::Ordering;

mod common;
mod s3_server;
use common::*;
use s3_server::*;

const DAY: [&str; 4] = [
    "--since",
    "2026-11-20T00:00:00Z",
    "--until",
    "2026-11-21T00:00:00Z",
];

#[test]
fn the_same_objects_under_a_wider_prefix_are_not_collected_twice() {
    let s = Server::start();
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("store").display().to_string();
    // the fixture day's ALB objects, as the server serves them
    let objects = log_files(&root().join("fixtures/day/AWSLogs")).len() as u64;
    assert!(objects > 0);
    let collect = |url: &str| {
        let mut args = vec!["collect", "--source", url, "--store", &store, "--no-cache"];
        args.extend(DAY);
        let (code, v, err) = s.run(home.path(), &args);
        assert_eq!(code, 0, "{url}: {err}");
        v
    };
    // the region's prefix first (where ALB delivers: its day folders below)
    let narrow = collect(&format!("s3://{BUCKET}/{PREFIX}"));
    assert_eq!(u(&narrow["objects"]["ingested"]), objects, "{narrow}");
    assert_eq!(s.gets.load(Ordering::SeqCst), objects);
    // then the bucket's top prefix, which lists the same keys: nothing is read again
    let wide = collect(&format!("s3://{BUCKET}/hosp"));
    let o = &wide["objects"];
    assert_eq!(
        (u(&o["seen"]), u(&o["ingested"]), u(&o["unchanged"])),
        (objects, 0, objects),
        "{wide}"
    );
    assert_eq!(u(&wide["requests"]), 0);
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        objects,
        "no GET of a known object"
    );
    // the store's answer is one read of the day
    let mut from_store = vec!["slo", "--store", store.as_str()];
    from_store.extend(DAY);
    let (code, answer, err) = s.run(home.path(), &from_store);
    assert_eq!(code, 0, "{err}");
    let day = root().join("fixtures/day/AWSLogs");
    let raw = json_ok(
        &hosp_logs()
            .args(["slo", "--no-store", "--format", "json"])
            .arg("--source")
            .arg(&day)
            .args(DAY)
            .output()
            .unwrap(),
    );
    assert!(u(&raw["requests"]["total"]) > 0);
    assert_eq!(answer["requests"], raw["requests"]);
    assert_eq!(answer["success_rate"], raw["success_rate"]);
}
