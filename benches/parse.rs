// Criterion benchmark of the ALB line parser (throughput in bytes).
//
//   cargo bench --bench parse
//
// Needs in Cargo.toml: `criterion = "0.8"` under [dev-dependencies] and
// [[bench]] name = "parse", harness = false.
// (No `//!` doc comment: the scratch crate `include!`s this file to check it.)

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hosp_logs::format::alb::parse_line;
use hosp_logs::format::text::{split_url, Routes};

/// Representative lines from shared/samples/alb-public.log.
const LINES: &[(&str, &str)] = &[
    // Line 2: https, 29 fields (the common case on 2020-2024 logs).
    (
        "https_29",
        r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#,
    ),
    // Line 41: real h2 TLSv1.3 line with a browser user agent and TID (30 fields).
    (
        "h2_browser_30",
        r#"h2 2024-05-28T08:12:36.431832Z app/xxxxxx-lb/xxxxxxx 10.10.10.10:13624 1.1.1.1:8000 0.000 0.177 0.000 200 200 961 2071 "GET https://xxx.xx:443/ HTTP/2.0" "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:ap-northeast-1:00000000000:targetgroup/xxxxxxx/fc465292d29 "Root=1-665591f4-15d57af7699b090b59a269b4" "xxxxxx.xx" "arn:aws:acm:ap-northeast-1:0000000000000:certificate/5ceabee6-9244-4331-9690-xxxxxxxxxx" 10160 2024-05-28T08:12:36.254000Z "forward" "-" "-" "172.16.140.164:8000" "200" "-" "-" TID_37acbe0641d1c34287fee137ef3a5286"#,
    ),
    // Line 32: 33 fields with transform fields.
    (
        "transform_33",
        r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess""#,
    ),
    // Line 9: ALB-generated 400, -1 times, malformed request.
    (
        "malformed_400",
        r#"http 2021-03-17T18:54:14.216357Z app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f 113.241.19.90:15070 - -1 -1 -1 400 - 0 272 "- http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2021-03-17T18:54:13.967000Z "-" "-" "-" "-" "-" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"#,
    ),
    // Line 11: unbracketed IPv6 client and target.
    (
        "ipv6_30",
        r#"https 2021-03-16T20:20:00.135052Z app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b 2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599 fd6d:6bbc:c529:6::face:ed83:f46:80 0.001 0.052 0.000 200 200 589 2084 "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1" "User 1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039 "Root=1-605112f0-31f367be4fd3da651daa4157" "some.domain.com" "arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899" 0 2021-03-16T20:20:00.081000Z "waf,forward" "-" "-" "fd6d:6bbc:c529:27ff:b::dead:ed84:80" "200" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"#,
    ),
];

fn bench_parse_line(c: &mut Criterion) {
    for (_, line) in LINES {
        assert!(
            parse_line(line).is_ok(),
            "bench line does not parse: {line}"
        );
    }
    let mut group = c.benchmark_group("parse_line");
    for &(name, line) in LINES {
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), line, |b, line| {
            b.iter(|| parse_line(black_box(line)))
        });
    }
    let total: u64 = LINES.iter().map(|(_, l)| l.len() as u64).sum();
    group.throughput(Throughput::Bytes(total));
    group.bench_function("mixed", |b| {
        b.iter(|| {
            for &(_, line) in LINES {
                let _ = black_box(parse_line(black_box(line)));
            }
        })
    });
    group.finish();
}

/// Per-line work of an endpoint report: parse, split the URL, template the path.
fn bench_parse_and_endpoint(c: &mut Criterion) {
    let routes = Routes::default();
    let total: u64 = LINES.iter().map(|(_, l)| l.len() as u64).sum();
    let mut group = c.benchmark_group("parse_and_endpoint");
    group.throughput(Throughput::Bytes(total));
    group.bench_function("mixed", |b| {
        b.iter(|| {
            for &(_, line) in LINES {
                if let Ok(r) = parse_line(black_box(line)) {
                    let path = r.url().map(split_url).and_then(|u| u.path).unwrap_or("/");
                    black_box(routes.endpoint(path));
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse_line, bench_parse_and_endpoint);
criterion_main!(benches);
