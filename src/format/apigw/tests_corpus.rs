//! The public API Gateway lines of `shared/samples/apigw-public.log` (sources in its notes):
//! every line parses, without a configured format, with the values its sources show.

use super::fields::Field;
use super::*;
use crate::format::testing::read_sample;

/// What each public line's source shows (apigw-public.notes.md), written out by hand.
struct Expect {
    line: usize,
    time_us: i64,
    status: u16,
    method: &'static str,
    endpoint: &'static str,
    source_ip: &'static str,
    bytes: u64,
    request_id: &'static str,
    integration_status: Option<u16>,
    function_status: Option<u16>,
    integration_ms: Option<f64>,
    response_ms: Option<f64>,
    waf: Option<&'static str>,
    error_message: Option<&'static str>,
    cause: Option<Cause>,
}

#[rustfmt::skip]
const PUBLIC: [Expect; 9] = [
    Expect { line: 1, time_us: 1_686_315_248_000_000, status: 200, method: "GET", endpoint: "/", source_ip: "1.128.0.0", bytes: 47_140, request_id: "GQIVriFLIAMEMsA=", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: None, error_message: None, cause: None },
    Expect { line: 2, time_us: 1_690_373_613_000_000, status: 200, method: "GET", endpoint: "/", source_ip: "1.128.0.0", bytes: 51_243, request_id: "Iq8dHhlwIAMEV_g=", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: None, error_message: None, cause: None },
    Expect { line: 3, time_us: 1_686_411_388_000_000, status: 200, method: "GET", endpoint: "/pets", source_ip: "1.128.0.0", bytes: 184, request_id: "48752d0f-c99d-4cfa-a5a7-f3c6834d19e5", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: None, error_message: None, cause: None },
    Expect { line: 4, time_us: 1_690_373_223_000_000, status: 200, method: "GET", endpoint: "/pets/{id}", source_ip: "1.128.0.0", bytes: 48, request_id: "c12d1542-b79e-4e79-a158-fdf36452a81b", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: None, error_message: None, cause: None },
    Expect { line: 5, time_us: 1_784_692_371_355_000, status: 200, method: "GET", endpoint: "/PythonResource", source_ip: "76.33.40.125", bytes: 98, request_id: "c3b42dd2-0aae-4ef0-8993-ed2ba1034021", integration_status: Some(200), function_status: None, integration_ms: Some(351.0), response_ms: None, waf: Some("WAF_ALLOW"), error_message: None, cause: None },
    Expect { line: 6, time_us: 1_784_692_369_745_000, status: 401, method: "GET", endpoint: "/PythonResource", source_ip: "76.33.40.125", bytes: 26, request_id: "e7d6f732-4b2c-4de8-9f95-af7dc4c3b8a7", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: Some("WAF_ALLOW"), error_message: Some("Unauthorized"), cause: Some(Cause::Authorizer) },
    Expect { line: 7, time_us: 1_784_692_373_914_000, status: 403, method: "GET", endpoint: "/PythonResource", source_ip: "76.33.40.125", bytes: 50, request_id: "02436b59-9c06-4a78-97e9-047c6ad6937f", integration_status: Some(403), function_status: None, integration_ms: Some(12.0), response_ms: None, waf: Some("WAF_ALLOW"), error_message: None, cause: Some(Cause::Client) },
    Expect { line: 8, time_us: 1_784_692_374_821_000, status: 403, method: "GET", endpoint: "/PythonResource", source_ip: "76.33.40.125", bytes: 23, request_id: "eed63f63-e960-4d89-ade7-39a0bf8f6740", integration_status: None, function_status: None, integration_ms: None, response_ms: None, waf: Some("WAF_BLOCK"), error_message: Some("Forbidden"), cause: Some(Cause::Waf) },
    Expect { line: 9, time_us: 1_680_997_508_004_000, status: 200, method: "GET", endpoint: "/v1/booking-service", source_ip: "99.0.128.123", bytes: 9, request_id: "9be82ea4-d723-11ed-a76f-263563b74b58", integration_status: Some(200), function_status: Some(200), integration_ms: Some(48.0), response_ms: Some(23.0), waf: None, error_message: None, cause: None },
];

/// Line 9's format, as its keys show the stage wrote it (nested objects, `httpStatusCode`).
const LINE_9_FORMAT: &str = r#"{"requestId":"$context.requestId","accountId":"$context.accountId","httpStatusCode":"$context.status","apiId":"$context.apiId","domainName":"$context.domainName","extendedRequestId":"$context.extendedRequestId","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","protocol":"$context.protocol","requestTimeEpoch":"$context.requestTimeEpoch","stage":"$context.stage","responseLatency":"$context.responseLatency","responseLength":"$context.responseLength","xrayTraceId":"$context.xrayTraceId","webaclArn":"$context.webaclArn","authorizer":{"principalId":"$context.authorizer.principalId","error":"$context.authorizer.error","latency":"$context.authorizer.latency","requestId":"$context.authorizer.requestId","status":"$context.authorizer.status"},"error":{"errorMessage":"$context.error.message","errorResponseType":"$context.error.responseType"},"identity":{"sourceIp":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent"},"integration":{"error":"$context.integration.error","integrationStatus":"$context.integration.integrationStatus","latency":"$context.integration.latency","requestId":"$context.integration.requestId","status":"$context.integration.status"}}"#;

fn check(e: &Expect, r: &ApigwRecord<'_>) {
    let routes = crate::format::Routes::default();
    let line = e.line;
    assert_eq!(r.time_us, e.time_us, "line {line}");
    assert_eq!(r.status, e.status, "line {line}");
    assert_eq!(r.route_parts().0, Some(e.method), "line {line}");
    assert_eq!(
        endpoint(r, &routes).as_deref(),
        Some(e.endpoint),
        "line {line}"
    );
    assert_eq!(r.get(Field::SourceIp), Some(e.source_ip), "line {line}");
    assert_eq!(r.response_length, Some(e.bytes), "line {line}");
    assert_eq!(r.get(Field::RequestId), Some(e.request_id), "line {line}");
    assert_eq!(r.integration_status, e.integration_status, "line {line}");
    assert_eq!(r.function_status, e.function_status, "line {line}");
    assert_eq!(r.integration_latency, e.integration_ms, "line {line}");
    assert_eq!(r.response_latency, e.response_ms, "line {line}");
    assert_eq!(r.get(Field::WafResponseCode), e.waf, "line {line}");
    assert_eq!(r.get(Field::ErrorMessage), e.error_message, "line {line}");
    assert_eq!(cause(&signals(r)), e.cause, "line {line}");
}

#[test]
fn the_public_lines_parse_with_the_values_their_sources_show() {
    let text = read_sample("apigw-public.log");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), PUBLIC.len());
    // no format configured: the file is recognised from its first lines
    let gw = ApigwSettings::default().for_file(text.as_bytes());
    assert!(
        matches!(gw.0.body, template::Body::JsonByName),
        "{}",
        gw.0.name
    );
    let mut parsed = 0;
    for e in &PUBLIC {
        let r = parse_line(lines[e.line - 1], &gw.0)
            .unwrap_or_else(|err| panic!("line {}: {err}", e.line));
        check(e, &r);
        parsed += 1;
    }
    assert_eq!(parsed, 9);
    // line 2's stage is `$default`: text, not a variable
    let r = parse_line(lines[1], &gw.0).unwrap();
    assert_eq!(r.get(Field::RouteKey), Some("GET /"));
    // lines 5-8: the `aws logs tail` prefix is not part of the record, the path keeps its stage
    let r = parse_line(lines[4], &gw.0).unwrap();
    assert_eq!(r.get(Field::Path), Some("/prod/PythonResource"));
    assert_eq!(r.get(Field::ExtendedRequestId), Some("A463GGgNPHcEaXQ="));
    assert_eq!(r.get(Field::UserAgent), Some("curl/8.10.1"));
    // line 9 read with the format its keys show (the same values)
    let nested = Template::compile(LINE_9_FORMAT).unwrap();
    let r = parse_line(lines[8], &nested).unwrap();
    check(&PUBLIC[8], &r);
    assert_eq!(
        r.get(Field::UserAgent),
        Some("Mozilla/5.0 (apple-x86_64-darwin20.4.0) Siege/4.1.6")
    );
    assert_eq!(r.get(Field::AuthorizerError), None, "'-' is null");
    assert_eq!(r.get(Field::ExtendedRequestId), Some("Fkb1_JtoKANExCk="));
}

#[test]
fn the_public_lines_as_cloudwatch_exports_them_to_s3() {
    // CloudWatch's export to S3 writes an ISO timestamp and a space before each message: the
    // requests' own times are kept
    let text = read_sample("apigw-public.log");
    let gw = Apigw::default();
    for (e, line) in PUBLIC.iter().zip(text.lines()) {
        let message = match line.split_once(" {") {
            Some((_, rest)) if e.line >= 5 && e.line <= 8 => format!("{{{rest}"),
            _ => line.to_string(),
        };
        let exported = format!("2026-12-01T00:00:00.000Z {message}");
        let r = parse_line(&exported, &gw.0).unwrap_or_else(|err| panic!("{exported}: {err}"));
        check(e, &r);
    }
}
