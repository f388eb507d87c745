//! Parser tables per layout (19, 23, 24, 26, 31 and 33 fields, a header of its own, v2 JSON),
//! bad input named by field, and conformance against the public samples
//! (`../shared/samples/cloudfront-*.log`, or `$HOSP_LOGS_SHARED_DIR/samples`), whose values
//! are the ones their sources assert (elastic/integrations' expected documents for its lines:
//! decoded user agent, bytes, status, result types, time to first byte; AWS's descriptions of
//! its examples; the notes beside the samples).

use std::path::PathBuf;

use super::*;
use crate::format::cloudfront::CloudFront;
use crate::format::LineFormat;

/// The standard order's values of a 33-field HOSP line, field by field.
const HOSP: [&str; 33] = [
    "2026-11-20",
    "09:15:42",
    "DUB56-P1",
    "2231",
    "192.0.2.14",
    "GET",
    "d3hosp0example.cloudfront.net",
    "/notes",
    "200",
    "-",
    "Mozilla/5.0%20(X11;%20Linux%20x86_64)",
    "patient_id=42&q=ear%20infection",
    "-",
    "Miss",
    "Zx9_example-id==",
    "hosp.example.com",
    "https",
    "512",
    "1.250",
    "198.51.100.9, 10.0.0.1:443",
    "TLSv1.3",
    "TLS_AES_128_GCM_SHA256",
    "Miss",
    "HTTP/2.0",
    "-",
    "-",
    "51234",
    "1.201",
    "Miss",
    "application/json",
    "1840",
    "-",
    "-",
];

fn first(n: usize) -> String {
    HOSP[..n].join("\t")
}

#[test]
fn every_layout_aws_wrote_parses_by_position() {
    let standard = Fields::standard();
    for n in [19, 23, 24, 26, 31, 33] {
        // without a header (the standard order), and under a header naming exactly its fields
        let names: Vec<&str> = STANDARD[..n].iter().map(|f| f.name()).collect();
        let header = Fields::from_header(&format!("#Fields: {}", names.join(" "))).unwrap();
        for fields in [&standard, &header] {
            let line = first(n);
            let r = parse_tsv(&line, fields).unwrap_or_else(|e| panic!("{n} fields: {e}"));
            assert_eq!(r.field_count, n);
            assert_eq!(crate::window::format_us(r.time_us), "2026-11-20T09:15:42Z");
            assert_eq!(r.get(Field::CIp), Some("192.0.2.14"));
            assert_eq!(r.status, Some(200));
            assert_eq!(r.sc_bytes, Some(2231));
            assert_eq!(r.cs_bytes, Some(512));
            assert_eq!(
                r.time_taken.map(|s| (s.seconds, s.ms)),
                Some((1.25, 1250.0))
            );
            assert_eq!(r.get(Field::HostHeader), Some("hosp.example.com"));
            // fields past the line's end are absent, never shifted
            let has = |f: Field| r.get(f).is_some();
            assert_eq!(has(Field::SslProtocol), n >= 23, "{n}");
            assert_eq!(has(Field::CsProtocolVersion), n >= 24, "{n}");
            assert_eq!(r.c_port, (n >= 31).then_some(51234), "{n}");
            assert_eq!(
                r.time_to_first_byte.map(|s| s.ms),
                (n >= 31).then_some(1201.0)
            );
            assert_eq!(r.sc_content_len, (n >= 31).then_some(1840), "{n}");
        }
    }
}

#[test]
fn decoded_once_raw_kept() {
    let line = first(33);
    let r = parse_tsv(&line, &Fields::standard()).unwrap();
    assert_eq!(
        r.get(Field::CsUserAgent),
        Some("Mozilla/5.0%20(X11;%20Linux%20x86_64)")
    );
    assert_eq!(
        r.decoded(Field::CsUserAgent).as_deref(),
        Some("Mozilla/5.0 (X11; Linux x86_64)")
    );
    assert_eq!(
        r.url().as_deref(),
        Some("/notes?patient_id=42&q=ear infection")
    );
    assert_eq!(
        r.get(Field::ForwardedFor),
        Some("198.51.100.9, 10.0.0.1:443")
    );
    // %2520 is what a client's own %20 looks like after CloudFront encodes it: one round
    let twice = line.replace("ear%20infection", "ear%2520infection");
    let r = parse_tsv(&twice, &Fields::standard()).unwrap();
    assert_eq!(
        r.decoded(Field::CsUriQuery).as_deref(),
        Some("patient_id=42&q=ear%20infection")
    );
}

#[test]
fn a_header_maps_fields_by_name_and_ignores_the_unknown() {
    let fields =
        Fields::from_header("#Fields: time date x-future-field sc-status c-ip cs-uri-stem")
            .unwrap();
    let r = parse_tsv(
        "09:15:42\t2026-11-20\twhatever\t503\t2001:db8::1\t/health",
        &fields,
    )
    .unwrap();
    assert_eq!(crate::window::format_us(r.time_us), "2026-11-20T09:15:42Z");
    assert_eq!(
        (r.status, r.get(Field::CIp)),
        (Some(503), Some("2001:db8::1"))
    );
    assert_eq!(r.get(Field::CsUriStem), Some("/health"));
    // later fields than the header names are ignored
    let r = parse_tsv(
        "09:15:42\t2026-11-20\tx\t200\t192.0.2.1\t/\tfuture\tmore",
        &fields,
    )
    .unwrap();
    assert_eq!(r.field_count, 8);
}

#[test]
fn short_and_broken_lines_are_named() {
    let std = Fields::standard();
    let err = |line: &str| parse_tsv(line, &std).unwrap_err();
    // 25 fields stops inside the 2016 group: fle-encrypted-fields is missing
    let e = err(&first(25));
    assert_eq!(e.field, Some("fle-encrypted-fields"));
    assert_eq!(e.kind, ParseErrorKind::MissingField { found: 25, min: 26 });
    let e = err(&first(12));
    assert_eq!(
        (e.field, e.kind),
        (
            Some("cs(Cookie)"),
            ParseErrorKind::MissingField { found: 12, min: 19 }
        )
    );
    // under a 33-field header, a 31-field line (ends at sc-content-len) is whole, 32 is not
    assert!(parse_tsv(&first(31), &std).is_ok());
    assert_eq!(err(&first(32)).field, Some("sc-range-end"));
    let with = |i: usize, v: &str| {
        let mut f = HOSP;
        f[i] = v;
        f.join("\t")
    };
    for (i, v, field) in [
        (0, "2026-13-01", "date"),
        (0, "20261120", "date"),
        (1, "25:00:00", "time"),
        (1, "-", "time"),
        (3, "12k", "sc-bytes"),
        (8, "20", "sc-status"),
        (8, "OK!", "sc-status"),
        (17, "-5", "cs-bytes"),
        (18, "fast", "time-taken"),
        (18, "-1", "time-taken"),
        (26, "70000", "c-port"),
        (27, "1,2", "time-to-first-byte"),
        (30, "0x10", "sc-content-len"),
    ] {
        let e = err(&with(i, v));
        assert_eq!(e.field, Some(field), "{v:?}: {e}");
        assert!(e.to_string().contains(v), "{e}");
    }
    assert_eq!(err("").kind, ParseErrorKind::Empty);
    // 000: the viewer left before a response: no status, not malformed
    assert_eq!(parse_tsv(&with(8, "000"), &std).unwrap().status, None);
    // a header without date and time cannot place its lines in time
    let no_time = Fields::from_header("#Fields: sc-status c-ip").unwrap();
    let e = parse_tsv("200\t192.0.2.1", &no_time).unwrap_err();
    assert!(e.to_string().contains("names no date"), "{e}");
}

#[test]
fn v2_json_lines() {
    let line = r#"{"date":"2026-11-20","time":"09:15:42","x-edge-location":"DUB56-P1","sc-bytes":"2231","c-ip":"192.0.2.14","cs-method":"GET","cs-uri-stem":"/notes","sc-status":"000","cs(User-Agent)":"Mozilla/5.0%20(X11)","cs-uri-query":"-","x-edge-result-type":"Error","x-edge-detailed-result-type":"ClientHungUpRequest","time-taken":0.5,"x-edge-request-id":"a\"b","DistributionId":"E2HOSP0EXAMPLE","x-new":{"no":1}}"#;
    // a nested value is refused (CloudFront writes none), naming what was expected
    assert!(parse_json(line).is_err());
    let line = line.replace(r#","x-new":{"no":1}"#, r#","x-new":[1]"#);
    assert!(parse_json(&line).is_err());
    let line = line.replace(r#","x-new":[1]"#, r#","x-new":"later field""#);
    let r = parse_json(&line).unwrap();
    assert_eq!(crate::window::format_us(r.time_us), "2026-11-20T09:15:42Z");
    assert_eq!((r.status, r.sc_bytes), (None, Some(2231)));
    assert_eq!(
        r.decoded(Field::CsUserAgent).as_deref(),
        Some("Mozilla/5.0 (X11)")
    );
    assert_eq!(r.get(Field::CsUriQuery), None);
    assert_eq!(r.time_taken.map(|s| s.ms), Some(500.0));
    assert_eq!(r.get(Field::DistributionId), Some("E2HOSP0EXAMPLE"));
    // JSON escapes stay raw outside the decoded fields
    assert_eq!(r.get(Field::EdgeRequestId), Some(r#"a\"b"#));
    let ua = r#"{"timestamp(ms)":"1795144542123","cs(User-Agent)":"say \"hi\"%20now"}"#;
    let r = parse_json(ua).unwrap();
    assert_eq!(r.time_us, 1_795_144_542_123_000);
    assert_eq!(
        r.decoded(Field::CsUserAgent).as_deref(),
        Some("say \"hi\" now")
    );
    let r = parse_json(r#"{"timestamp":"1795144542.5"}"#).unwrap();
    assert_eq!(r.time_us, 1_795_144_542_500_000);
    assert!(parse_json(r#"{"sc-status":"200"}"#).is_err(), "no time");
    assert!(parse_json(r#"{"date":"2026-11-20","time":"09:15:42","sc-bytes":"many"}"#).is_err());
}

fn sample(name: &str) -> String {
    let dir = std::env::var_os("HOSP_LOGS_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let path = dir.join("samples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the public corpus is missing: {} ({e}); it is read from ../shared beside the checkout or $HOSP_LOGS_SHARED_DIR",
            path.display()
        )
    })
}

/// What a sample line's sources say about it.
struct Expect {
    line: usize,
    time: &'static str,
    c_ip: &'static str,
    method: &'static str,
    stem: &'static str,
    status: Option<u16>,
    result: &'static str,
    detail: Option<&'static str>,
    request_id: &'static str,
    sc_bytes: u64,
    cs_bytes: u64,
    time_taken_ms: f64,
    first_byte_ms: Option<f64>,
    content_len: Option<u64>,
    fields: usize,
}

#[rustfmt::skip]
const PUBLIC: [Expect; 21] = [
    Expect { line: 3, time: "2019-12-04T21:02:31Z", c_ip: "192.0.2.100", method: "GET", stem: "/index.html", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", sc_bytes: 392, cs_bytes: 23, time_taken_ms: 1.0, first_byte_ms: Some(1.0), content_len: Some(78), fields: 33 },
    Expect { line: 4, time: "2019-12-13T22:36:27Z", c_ip: "192.0.2.200", method: "GET", stem: "/favicon.ico", status: Some(502), result: "Error", detail: Some("OriginDnsError"), request_id: "1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==", sc_bytes: 900, cs_bytes: 675, time_taken_ms: 102.0, first_byte_ms: Some(102.0), content_len: Some(507), fields: 33 },
    Expect { line: 5, time: "2019-12-13T22:37:02Z", c_ip: "192.0.2.200", method: "GET", stem: "/", status: Some(502), result: "Error", detail: Some("OriginDnsError"), request_id: "kBkDzGnceVtWHqSCqBUqtA_cEs2T3tFUBbnBNkB9El_uVRhHgcZfcw==", sc_bytes: 900, cs_bytes: 387, time_taken_ms: 103.0, first_byte_ms: Some(103.0), content_len: Some(507), fields: 33 },
    Expect { line: 6, time: "2019-12-04T21:02:31Z", c_ip: "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6", method: "GET", stem: "/index.html", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "k6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow==", sc_bytes: 392, cs_bytes: 23, time_taken_ms: 0.0, first_byte_ms: Some(0.0), content_len: Some(78), fields: 33 },
    Expect { line: 7, time: "2022-04-19T12:29:36Z", c_ip: "81.2.69.143", method: "POST", stem: "/getApplications", status: Some(200), result: "Miss", detail: Some("Miss"), request_id: "hrsHM5OM6sTIXUleC1G20YtDxMf5Cq0Jbz0pwhVpod2kgEn_W6akCQ==", sc_bytes: 10157, cs_bytes: 1057, time_taken_ms: 238.0, first_byte_ms: Some(238.0), content_len: None, fields: 33 },
    Expect { line: 8, time: "2022-04-19T12:29:36Z", c_ip: "81.2.69.143", method: "POST", stem: "/getApplications", status: None, result: "Miss", detail: Some("Miss"), request_id: "hrsHM5OM6sTIXUleC1G20YtDxMf5Cq0Jbz0pwhVpod2kgEn_W6akCQ==", sc_bytes: 10157, cs_bytes: 1057, time_taken_ms: 238.0, first_byte_ms: Some(238.0), content_len: None, fields: 33 },
    Expect { line: 9, time: "2022-11-15T08:43:04Z", c_ip: "81.2.69.143", method: "GET", stem: "/getApplications", status: Some(200), result: "Miss", detail: Some("Miss"), request_id: "hrsHM5OM6sTIXUleC1G20YtDxMf5Cq0Jbz0pwhVpod2kgEn_W6akCQ==", sc_bytes: 10157, cs_bytes: 1057, time_taken_ms: 93.0, first_byte_ms: Some(93.0), content_len: None, fields: 33 },
    Expect { line: 10, time: "2022-11-15T08:43:04Z", c_ip: "81.2.69.143", method: "GET", stem: "/getApplications", status: Some(200), result: "Miss", detail: Some("Miss"), request_id: "hrsHM5OM6sTIXUleC1G20YtDxMf5Cq0Jbz0pwhVpod2kgEn_W6akCQ==", sc_bytes: 10157, cs_bytes: 1057, time_taken_ms: 93.0, first_byte_ms: Some(93.0), content_len: None, fields: 33 },
    Expect { line: 11, time: "2024-07-13T15:29:45Z", c_ip: "127.0.0.1", method: "GET", stem: "/en(test)", status: Some(404), result: "Error", detail: Some("Error"), request_id: "somevalidbase64==", sc_bytes: 198083, cs_bytes: 609, time_taken_ms: 318.0, first_byte_ms: Some(318.0), content_len: None, fields: 31 },
    Expect { line: 12, time: "2024-10-11T22:33:27Z", c_ip: "114.119.135.98", method: "GET", stem: "/graph/link/are-developers-needed-in-the-age-of-ai-link", status: Some(302), result: "Miss", detail: Some("Miss"), request_id: "5fnl73FSgF4xlEgwShL_S0rJqoX2DYNzHSqDJV7QxiIGAH4rUj5zQQ==", sc_bytes: 808, cs_bytes: 470, time_taken_ms: 382.0, first_byte_ms: Some(382.0), content_len: Some(313), fields: 33 },
    Expect { line: 13, time: "2024-10-11T22:35:07Z", c_ip: "107.151.187.202", method: "GET", stem: "/", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "__F65GZu9Q1OXhCIUubwspRCGF-g7MiYWCBpf1LjgPAHaMOgoqLPOQ==", sc_bytes: 25104, cs_bytes: 204, time_taken_ms: 1.0, first_byte_ms: Some(1.0), content_len: Some(24650), fields: 33 },
    Expect { line: 14, time: "2024-10-11T22:35:07Z", c_ip: "128.14.159.250", method: "GET", stem: "/", status: Some(200), result: "RefreshHit", detail: Some("RefreshHit"), request_id: "ZAgI43BC6T0g9p6QamLq8om9KF9V_HTTLRqF5DsLe4VY5i6S1vZhqw==", sc_bytes: 25111, cs_bytes: 204, time_taken_ms: 298.0, first_byte_ms: Some(298.0), content_len: Some(24650), fields: 33 },
    Expect { line: 15, time: "2024-10-11T22:35:45Z", c_ip: "216.244.66.244", method: "GET", stem: "/robots.txt", status: Some(200), result: "RefreshHit", detail: Some("RefreshHit"), request_id: "Szyb5Cz7_JK0rENfdp8-jc7oJmoTbjNJZoJ_iKjI7F6Oj0xq9SCeog==", sc_bytes: 529, cs_bytes: 222, time_taken_ms: 273.0, first_byte_ms: Some(273.0), content_len: Some(69), fields: 33 },
    Expect { line: 16, time: "2024-10-11T22:35:44Z", c_ip: "216.244.66.244", method: "GET", stem: "/robots.txt", status: Some(301), result: "Redirect", detail: Some("Redirect"), request_id: "iG3alVWAwv4dYiX9xuaMLXFWOq3GGU2usKwUPRS3T8CNJkkXW9i_rA==", sc_bytes: 578, cs_bytes: 222, time_taken_ms: 1.0, first_byte_ms: Some(1.0), content_len: Some(167), fields: 33 },
    Expect { line: 17, time: "2020-07-28T01:16:13Z", c_ip: "255.255.255.4", method: "GET", stem: "/v1/tiles/aerial/EPSG:3857/19/516542/319785.png", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "9KNnEESjZA-yVs62ffwtRYNaa0gpYKLeEEHH490dmO7AAu3ZxnPc8Q==", sc_bytes: 156474, cs_bytes: 77, time_taken_ms: 1791.0, first_byte_ms: Some(28.0), content_len: Some(155886), fields: 33 },
    Expect { line: 18, time: "2020-07-28T01:16:21Z", c_ip: "255.255.255.73", method: "GET", stem: "/v1/tiles/topo50/3857/18/257866/162011.jpeg", status: Some(200), result: "Miss", detail: Some("Miss"), request_id: "a5nrTCsdsP5EDQ9EXkUQQJMCJTlbRUz5JIxowZ-1kRriRDUmLPxvVQ==", sc_bytes: 21223, cs_bytes: 76, time_taken_ms: 222.0, first_byte_ms: Some(222.0), content_len: Some(20797), fields: 33 },
    Expect { line: 19, time: "2020-07-28T01:13:33Z", c_ip: "255.255.255.128", method: "GET", stem: "/v1/tiles/topo50/EPSG:3857/WMTSCapabilities.xml", status: Some(200), result: "RefreshHit", detail: Some("RefreshHit"), request_id: "oflBr-vO5caoVpi2S23hGh9YWMUca-McU_Fl5oN9fqW_H9ea_iS-Kg==", sc_bytes: 2588, cs_bytes: 243, time_taken_ms: 51.0, first_byte_ms: Some(50.0), content_len: None, fields: 31 },
    Expect { line: 20, time: "2019-12-17T16:36:45Z", c_ip: "167.216.131.180", method: "POST", stem: "/api/effu/back_office/environments/staging/pcdu/netsuite/record-change", status: Some(401), result: "Error", detail: Some("Error"), request_id: "tiLX4Pye9scFGNb_tEnixIKN3hAW15drXcSeNG-xoFligmwedxjbbA==", sc_bytes: 418, cs_bytes: 934, time_taken_ms: 67.0, first_byte_ms: Some(67.0), content_len: Some(42), fields: 33 },
    Expect { line: 21, time: "2019-12-04T21:02:31Z", c_ip: "192.0.2.100", method: "GET", stem: "/index.html", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "k6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow==", sc_bytes: 392, cs_bytes: 23, time_taken_ms: 0.0, first_byte_ms: Some(0.0), content_len: Some(78), fields: 33 },
    Expect { line: 22, time: "2019-12-04T21:02:31Z", c_ip: "192.0.2.100", method: "GET", stem: "/index.html", status: Some(200), result: "Hit", detail: Some("Hit"), request_id: "f37nTMVvnKvV2ZSvEsivup_c2kZ7VXzYdjC-GUQZ5qNs-89BlWazbw==", sc_bytes: 392, cs_bytes: 23, time_taken_ms: 1.0, first_byte_ms: Some(1.0), content_len: Some(78), fields: 34 },
    Expect { line: 23, time: "2019-12-13T22:36:26Z", c_ip: "192.0.2.200", method: "GET", stem: "/", status: Some(502), result: "Error", detail: Some("OriginDnsError"), request_id: "3AqrZGCnF_g0-5KOvfA7c9XLcf4YGvMFSeFdIetR1N_2y8jSis8Zxg==", sc_bytes: 900, cs_bytes: 735, time_taken_ms: 107.0, first_byte_ms: Some(107.0), content_len: Some(507), fields: 33 },
];

/// The sample as the loader reads it: the format from the file's first bytes, header lines
/// left to `is_meta`.
fn read_as_the_loader_does(text: &str) -> (CloudFront, Vec<(usize, &str)>) {
    let cf = CloudFront::for_file(text.as_bytes());
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !cf.is_meta(l))
        .collect();
    (cf, lines)
}

#[test]
fn the_public_samples_parse_with_the_values_their_sources_assert() {
    let text = sample("cloudfront-public.log");
    let (cf, lines) = read_as_the_loader_does(&text);
    assert_eq!(cf.note(), None, "the sample has its #Fields header");
    assert_eq!(lines.len(), 21, "21 data lines under the header");
    for (e, (no, line)) in PUBLIC.iter().zip(&lines) {
        assert_eq!(e.line, *no);
        let r = cf
            .parse(line)
            .unwrap_or_else(|err| panic!("line {no}: {err}"));
        let at = |what: &str| format!("line {no}: {what}");
        assert_eq!(
            crate::window::format_us(r.time_us),
            e.time,
            "{}",
            at("time")
        );
        assert_eq!(r.get(Field::CIp), Some(e.c_ip), "{}", at("c-ip"));
        assert_eq!(r.get(Field::CsMethod), Some(e.method), "{}", at("method"));
        assert_eq!(
            r.decoded(Field::CsUriStem).as_deref(),
            Some(e.stem),
            "{}",
            at("stem")
        );
        assert_eq!(r.status, e.status, "{}", at("status"));
        assert_eq!(
            r.get(Field::EdgeResultType),
            Some(e.result),
            "{}",
            at("result")
        );
        assert_eq!(
            r.get(Field::EdgeDetailedResultType),
            e.detail,
            "{}",
            at("detail")
        );
        assert_eq!(
            r.get(Field::EdgeRequestId),
            Some(e.request_id),
            "{}",
            at("id")
        );
        assert_eq!(
            (r.sc_bytes, r.cs_bytes),
            (Some(e.sc_bytes), Some(e.cs_bytes)),
            "{}",
            at("bytes")
        );
        assert_eq!(
            r.time_taken.map(|s| s.ms),
            Some(e.time_taken_ms),
            "{}",
            at("time-taken")
        );
        assert_eq!(
            r.time_to_first_byte.map(|s| s.ms),
            e.first_byte_ms,
            "{}",
            at("ttfb")
        );
        assert_eq!(r.sc_content_len, e.content_len, "{}", at("sc-content-len"));
        assert_eq!(r.field_count, e.fields, "{}", at("fields"));
    }
    let rec = |no: usize| {
        cf.parse(lines.iter().find(|(n, _)| *n == no).unwrap().1)
            .unwrap()
    };
    // elastic/integrations: user_agent.original is the decoded text
    assert_eq!(
        rec(3).decoded(Field::CsUserAgent).as_deref(),
        Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36")
    );
    assert_eq!(rec(3).c_port, Some(11040));
    assert_eq!(rec(3).get(Field::CsProtocolVersion), Some("HTTP/2.0"));
    assert_eq!(
        rec(4).get(Field::CsReferer),
        Some("http://www.example.com/")
    );
    assert_eq!(rec(4).get(Field::SslProtocol), None, "plain HTTP: '-'");
    assert_eq!(
        rec(7).decoded(Field::CsUriQuery).as_deref(),
        Some("source=global")
    );
    assert_eq!(
        rec(7).get(Field::ScContentType),
        Some("application/json;charset=UTF-8")
    );
    // the forwarded-for list, with its space, and a host:port entry stay one field
    assert_eq!(
        rec(9).get(Field::ForwardedFor),
        Some("81.2.69.142, 216.160.83.56")
    );
    assert_eq!(rec(10).get(Field::ForwardedFor), Some("localhost:8080"));
    assert_eq!(rec(11).get(Field::CsCookie), Some("cookie"));
    assert_eq!(
        rec(11).decoded(Field::CsUserAgent).as_deref(),
        Some("User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1; 360SE)")
    );
    // sc-content-type is kept as written (only stem, query and user agent are decoded)
    assert_eq!(
        rec(12).get(Field::ScContentType),
        Some("text/html;%20charset=utf-8")
    );
    assert_eq!(rec(16).get(Field::CsProtocol), Some("http"));
    assert_eq!(
        rec(17).decoded(Field::CsUriQuery).as_deref(),
        Some("api=${DevApiKey}&foo=bar")
    );
    // double-encoded: decoded once, the client's %20 stays
    assert_eq!(
        rec(20).decoded(Field::CsUserAgent).as_deref(),
        Some("NetSuite/2019.2%20(SuiteScript)")
    );
}

#[test]
fn the_older_layouts_parse_and_the_real_time_record_is_refused() {
    let text = sample("cloudfront-variants-public.log");
    let (cf, lines) = read_as_the_loader_does(&text);
    assert!(
        cf.note().unwrap().contains("33-field"),
        "no #Fields: the standard order, said"
    );
    assert_eq!(lines.len(), 4);
    let r = cf.parse(lines[0].1).unwrap();
    assert_eq!(r.field_count, 23);
    assert_eq!(crate::window::format_us(r.time_us), "2016-06-10T18:41:39Z");
    assert_eq!(r.get(Field::EdgeLocation), Some("IAD53"));
    assert_eq!(
        (r.sc_bytes, r.cs_bytes, r.status),
        (Some(224281), Some(883), Some(200))
    );
    assert_eq!(r.time_taken.map(|s| s.ms), Some(36.0));
    assert_eq!(
        (
            r.get(Field::EdgeResultType),
            r.get(Field::EdgeResponseResultType)
        ),
        (Some("Miss"), Some("RefreshHit"))
    );
    assert_eq!(
        r.decoded(Field::CsUserAgent).as_deref(),
        Some("Mozilla/5.0%20(Windows%20NT%206.1;%20WOW64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/51.0.2704.79%20Safari/537.36")
    );
    let r = cf.parse(lines[1].1).unwrap();
    assert_eq!(r.field_count, 19);
    assert_eq!(
        (r.get(Field::CIp), r.get(Field::CsUserAgent)),
        (Some("195.214.31.26"), Some("curl/7.35.0"))
    );
    assert_eq!(
        (r.get(Field::EdgeResultType), r.time_taken.map(|s| s.ms)),
        (Some("Hit"), Some(1.0))
    );
    assert_eq!(r.get(Field::SslProtocol), None);
    let r = cf.parse(lines[2].1).unwrap();
    assert_eq!(r.field_count, 24);
    assert_eq!(
        (r.cs_bytes, r.get(Field::CsCookie)),
        (None, Some("zip=98101"))
    );
    assert_eq!(r.get(Field::CsProtocolVersion), Some("HTTP/1.1"));
    let e = cf.parse(lines[3].1).unwrap_err();
    assert_eq!(e.field, Some("date"));
    assert!(e.to_string().contains("real-time log"), "{e}");
}
