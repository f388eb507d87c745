//! API Gateway access logs end to end: lines written here in each of AWS's presets and in a
//! configured custom format, counted as they are written (never by parsing them back), then
//! read by the binary.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{hosp_logs, json_ok, u};
use serde_json::Value;

/// AWS's presets as its documentation gives them: (file name, format).
const PRESETS: [(&str, &str); 8] = [
    (
        "rest-json.log",
        r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user","requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#,
    ),
    (
        "http-json.log",
        r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#,
    ),
    (
        "rest-clf.log",
        r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#,
    ),
    (
        "http-clf.log",
        r#"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#,
    ),
    (
        "rest-xml.log",
        r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
    ),
    (
        "http-xml.log",
        r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
    ),
    (
        "rest-csv.log",
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId",
    ),
    (
        "http-csv.log",
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId",
    ),
];

/// A tiny deterministic generator (no dependency on the code under test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `format` with each variable replaced by its value (longest names first, so that
/// `$context.requestTime` is not read as `$context.request…`).
fn render(format: &str, values: &[(&str, String)]) -> String {
    let mut vars: Vec<&(&str, String)> = values.iter().collect();
    vars.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let mut out = format.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("$context.{name}"), value);
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn json(args: &[&str]) -> Value {
    json_ok(&hosp_logs().args(args).output().unwrap())
}

/// 20/Nov/2026:HH:MM:SS +0000 for `t` seconds after midnight.
fn clf_time(t: u64) -> String {
    format!(
        "20/Nov/2026:{:02}:{:02}:{:02} +0000",
        t / 3600,
        (t / 60) % 60,
        t % 60
    )
}

#[test]
fn every_preset_is_recognised_on_its_own_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let routes = [
        ("GET", "/hospitals/{hospitalId}", "/hospitals/{id}"),
        ("GET", "/hospitals", "/hospitals"),
        ("POST", "/notes", "/notes"),
    ];
    let statuses = [200, 200, 200, 201, 404, 429, 500, 502, 504];
    let mut rng = Lcg(26);
    let (mut requests, mut s5xx) = (0u64, 0u64);
    let mut by_endpoint: BTreeMap<String, u64> = BTreeMap::new();
    for (i, (name, format)) in PRESETS.iter().enumerate() {
        let rest = name.starts_with("rest");
        let mut lines = Vec::new();
        for k in 0..(20 + rng.next(20)) {
            let (method, template, endpoint) = routes[rng.next(3) as usize];
            let status = statuses[rng.next(statuses.len() as u64) as usize];
            let route = if rest {
                ("resourcePath", template.to_string())
            } else {
                ("routeKey", format!("{method} {template}"))
            };
            lines.push(render(
                format,
                &[
                    ("requestId", format!("req-{i}-{k}")),
                    ("identity.sourceIp", format!("203.0.113.{}", rng.next(250))),
                    ("identity.caller", "-".into()),
                    ("identity.user", "-".into()),
                    ("requestTime", clf_time(i as u64 * 600 + k * 3)),
                    ("httpMethod", method.into()),
                    route,
                    ("status", status.to_string()),
                    ("protocol", "HTTP/1.1".into()),
                    ("responseLength", rng.next(5000).to_string()),
                ],
            ));
            requests += 1;
            s5xx += u64::from(status >= 500);
            *by_endpoint.entry(endpoint.to_string()).or_default() += 1;
        }
        write(dir.path(), name, &(lines.join("\n") + "\n"));
    }
    // no --log-format, no config: each file recognised from its own lines
    let v = json(&["errors", "-s", dir.path().to_str().unwrap(), "-f", "json"]);
    let input = &v["input"];
    assert_eq!(
        u(&input["formats"]["apigw"]),
        PRESETS.len() as u64,
        "{input}"
    );
    assert_eq!(u(&input["malformed"]), 0, "{input}");
    assert_eq!(u(&v["requests"]), requests);
    assert_eq!(u(&v["total_5xx"]), s5xx);
    let got: BTreeMap<String, u64> =
        v["by_endpoint"]
            .as_array()
            .unwrap()
            .iter()
            .fold(BTreeMap::new(), |mut m, e| {
                *m.entry(e["endpoint"].as_str().unwrap().to_string())
                    .or_default() += u(&e["requests"]);
                m
            });
    assert_eq!(got, by_endpoint);
}

/// The configured custom format of the next test: keys of its own, nested, numbers bare.
const CUSTOM: &str = r#"{"id":"$context.requestId","at":$context.requestTimeEpoch,"route":"$context.routeKey","code":$context.status,"ms":$context.responseLatency,"lambda":{"status":"$context.integrationStatus","fn":"$context.integration.status","ms":"$context.integrationLatency"},"waf":"$context.wafResponseCode","err":"$context.error.responseType"}"#;

#[test]
fn a_configured_format_is_read_and_each_error_gets_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    // (cause, status, integrationStatus, integration.status, waf, error.responseType)
    let kinds: [(&str, u16, &str, &str, &str, &str); 7] = [
        ("ok", 200, "200", "200", "WAF_ALLOW", "-"),
        ("function", 502, "200", "500", "WAF_ALLOW", "-"),
        ("integration", 500, "429", "-", "WAF_ALLOW", "-"),
        ("gateway", 504, "-", "-", "WAF_ALLOW", "INTEGRATION_TIMEOUT"),
        ("waf", 403, "-", "-", "WAF_BLOCK", "WAF_FILTERED"),
        ("throttling", 429, "-", "-", "WAF_ALLOW", "THROTTLED"),
        ("client", 404, "200", "404", "WAF_ALLOW", "-"),
    ];
    let mut rng = Lcg(7);
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    let mut lines = Vec::new();
    for k in 0..300u64 {
        let (cause, status, is, fs, waf, err) = kinds[rng.next(kinds.len() as u64) as usize];
        let ms = 20 + rng.next(100);
        lines.push(render(
            CUSTOM,
            &[
                ("requestId", format!("r{k}")),
                // 2026-11-20T00:00:00Z + k seconds, in ms
                (
                    "requestTimeEpoch",
                    (1_795_132_800_000 + k * 1000).to_string(),
                ),
                ("routeKey", "GET /hospitals/{id}".into()),
                ("status", status.to_string()),
                ("responseLatency", ms.to_string()),
                ("integrationStatus", is.into()),
                ("integration.status", fs.into()),
                ("integrationLatency", "-".into()),
                ("wafResponseCode", waf.into()),
                ("error.responseType", err.into()),
            ],
        ));
        *want.entry(cause.to_string()).or_default() += 1;
    }
    // a space after each colon, as some shippers rewrite JSON: still read by key
    let text = lines.join("\n").replace("\":", "\": ") + "\n";
    let log = write(dir.path(), "custom.log", &text);
    let cfg = write(
        dir.path(),
        "hosp.toml",
        &format!("[apigw]\nformat = '{CUSTOM}'\n"),
    );
    let v = json(&[
        "query",
        "-s",
        &log,
        "--config",
        &cfg,
        "--log-format",
        "apigw",
        "-f",
        "json",
        "select coalesce(cause, 'ok') as cause, count(*) as n from logs group by cause",
    ]);
    let got: BTreeMap<String, u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["cause"].as_str().unwrap().to_string(), u(&r["n"])))
        .collect();
    assert_eq!(got, want);
    let v = json(&[
        "errors",
        "-s",
        &log,
        "--config",
        &cfg,
        "--log-format",
        "apigw",
        "-f",
        "json",
    ]);
    let s5xx = want["function"] + want["integration"] + want["gateway"];
    assert_eq!(u(&v["requests"]), 300);
    assert_eq!(u(&v["total_5xx"]), s5xx);
    // by_cause: the 5XX causes as written (zeros included), the 4XX ones only with --4xx
    let written = |c: &str| want.get(c).copied().unwrap_or(0);
    for c in ["function", "integration", "gateway"] {
        assert_eq!(u(&v["by_cause"][c]), written(c), "{c}");
    }
    assert!(v["by_cause"].get("waf").is_none(), "{}", v["by_cause"]);
    let v4 = json(&[
        "errors",
        "-s",
        &log,
        "--config",
        &cfg,
        "--log-format",
        "apigw",
        "--4xx",
        "-f",
        "json",
    ]);
    for c in [
        "function",
        "integration",
        "gateway",
        "waf",
        "authorizer",
        "throttling",
        "client",
    ] {
        assert_eq!(u(&v4["by_cause"][c]), written(c), "{c}");
    }
    assert!(written("waf") > 0 && written("throttling") > 0 && written("function") > 0);
    // a format that cannot be read is a usage error before any log is read
    let bad = write(
        dir.path(),
        "bad.toml",
        "[apigw]\nformat = '$context.requestId'\n",
    );
    let out = hosp_logs()
        .args([
            "errors",
            "-s",
            &log,
            "--config",
            &bad,
            "--log-format",
            "apigw",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("$context.status"));
}

#[test]
fn broken_lines_are_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = |k: u64| {
        format!(
            r#"{{"requestId":"r{k}","requestTimeEpoch":"{}","httpMethod":"GET","resourcePath":"/hospitals","status":"200"}}"#,
            1_795_132_800_000 + k * 1000
        )
    };
    let mut lines: Vec<String> = (0..10).map(good).collect();
    // (line number once inserted, line, what the reason names)
    let broken = [
        (
            3,
            r#"{"requestTimeEpoch":"1795132800000","status":"2OO"}"#.to_string(),
            "field `status`",
        ),
        (
            7,
            r#"{"requestTimeEpoch":"1795132800000","status":"200""#.to_string(),
            "expected ',' or '}'",
        ),
        (
            12,
            r#"{"status":"200","requestTime":"yesterday"}"#.to_string(),
            "field `requestTime`",
        ),
    ];
    for (n, line, _) in &broken {
        lines.insert(n - 1, line.clone());
    }
    let log = write(dir.path(), "api.log", &(lines.join("\n") + "\n"));
    let v = json(&["errors", "-s", &log, "--log-format", "apigw", "-f", "json"]);
    let input = &v["input"];
    assert_eq!(
        (u(&input["parsed"]), u(&input["malformed"])),
        (10, 3),
        "{input}"
    );
    let samples = input["malformed_samples"].as_array().unwrap();
    for (n, _, reason) in &broken {
        let s = samples
            .iter()
            .find(|s| u(&s["line"]) == *n as u64)
            .unwrap_or_else(|| panic!("line {n} not named: {samples:?}"));
        assert!(s["reason"].as_str().unwrap().contains(reason), "{s}");
    }
}

#[test]
fn the_migration_days_api_gateway_log_gives_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let status = hosp_logs()
        .args([
            "generate",
            "-q",
            "--start",
            "2026-11-20T11:30:00Z",
            "--duration",
            "150m",
            "--rate",
            "2",
            "--migration",
            "--out",
            out,
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let m = &truth["migration"]["apigw"];
    let apigw = dir.path().join("apigw");
    let apigw = apigw.to_str().unwrap();
    // no --log-format, no config: CloudWatch's export lines recognised as API Gateway's
    let v = json(&["errors", "-s", apigw, "-f", "json"]);
    assert_eq!(u(&v["input"]["formats"]["apigw"]), u(&m["files"]));
    assert_eq!(u(&v["input"]["malformed"]), 0);
    assert_eq!(u(&v["requests"]), u(&m["requests"]));
    assert_eq!(u(&v["total_5xx"]), u(&m["errors_5xx"]));
    let rows = json(&[
        "query",
        "-s",
        apigw,
        "-f",
        "json",
        "select cause, count(*) as n from logs where cause is not null group by cause",
    ]);
    let got: BTreeMap<String, u64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["cause"].as_str().unwrap().to_string(), u(&r["n"])))
        .collect();
    let want: BTreeMap<String, u64> = m["by_cause"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), u(v)))
        .collect();
    assert_eq!(got, want);
    // errors' by_cause, with --4xx: every cause the generator wrote (zeros for the others)
    let v = json(&["errors", "-s", apigw, "--4xx", "-f", "json"]);
    let causes = v["by_cause"].as_object().unwrap();
    assert_eq!(causes.len(), 7);
    for (c, n) in causes {
        assert_eq!(u(n), want.get(c).copied().unwrap_or(0), "{c}");
    }
    assert!(want.values().sum::<u64>() > 0);
    // latency --field integration: integrationLatency, over the requests that logged one
    let lat = json(&[
        "latency",
        "-s",
        apigw,
        "--field",
        "integration",
        "-f",
        "json",
    ]);
    assert_eq!(lat["field"], "target");
    let counted = json(&[
        "query",
        "-s",
        apigw,
        "-f",
        "json",
        "select count(integration_latency) as n, max(integration_latency) as mx from logs",
    ]);
    let row = &counted[0];
    assert!(u(&row["n"]) > 0);
    assert_eq!(u(&lat["overall"]["count"]), u(&row["n"]));
    assert_eq!(lat["overall"]["max"].as_f64(), row["mx"].as_f64());
}
