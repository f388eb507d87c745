//! Lines in each of AWS's presets and in custom formats, read field by field; broken lines
//! named by field and reason. The expected values are written out by hand from the lines.

use super::fields::Field;
use super::template::{Body, Template, TemplateError};
use super::*;

/// 2026-11-20T10:00:00Z
const T0: i64 = 1_795_168_800_000_000;
const REQ: &str = "c12d1542-b79e-4e79-a158-fdf36452a81b";

/// What a test reads of a record: time, status, method and route template as logged,
/// client, bytes, request id.
type Seen<'a> = (
    i64,
    u16,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<u64>,
    Option<&'a str>,
);

fn seen<'a>(r: &ApigwRecord<'a>) -> Seen<'a> {
    let (method, route) = r.route_parts();
    (
        r.time_us,
        r.status,
        method,
        route,
        r.get(Field::SourceIp),
        r.response_length,
        r.get(Field::RequestId),
    )
}

fn preset(name: &str) -> &'static Template {
    Template::presets()
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no preset {name}"))
}

#[test]
fn every_preset_reads_its_lines() {
    let rest: Seen = (
        T0,
        200,
        Some("GET"),
        Some("/hospitals/{hospitalId}"),
        Some("203.0.113.7"),
        Some(184),
        Some(REQ),
    );
    let http: Seen = (
        T0,
        502,
        Some("POST"),
        Some("/notes"),
        Some("198.51.100.2"),
        Some(35),
        Some("GQIVriFLIAMEMsA="),
    );
    let cases: &[(&str, &str, Seen)] = &[
        (
            "REST JSON",
            r#"{ "requestId":"c12d1542-b79e-4e79-a158-fdf36452a81b", "ip": "203.0.113.7", "caller":"-", "user":"-","requestTime":"20/Nov/2026:10:00:00 +0000", "httpMethod":"GET","resourcePath":"/hospitals/{hospitalId}", "status":"200","protocol":"HTTP/1.1", "responseLength":"184" }"#,
            rest,
        ),
        (
            "REST CLF",
            r#"203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] "GET /hospitals/{hospitalId} HTTP/1.1" 200 184 c12d1542-b79e-4e79-a158-fdf36452a81b"#,
            rest,
        ),
        (
            "REST XML",
            r#"<request id="c12d1542-b79e-4e79-a158-fdf36452a81b"> <ip>203.0.113.7</ip> <caller>-</caller> <user>-</user> <requestTime>20/Nov/2026:10:00:00 +0000</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/hospitals/{hospitalId}</resourcePath> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>184</responseLength> </request>"#,
            rest,
        ),
        (
            "REST CSV",
            "203.0.113.7,-,-,20/Nov/2026:10:00:00 +0000,GET,/hospitals/{hospitalId},HTTP/1.1,200,184,c12d1542-b79e-4e79-a158-fdf36452a81b",
            rest,
        ),
        (
            "HTTP JSON",
            r#"{ "requestId":"GQIVriFLIAMEMsA=", "ip": "198.51.100.2", "requestTime":"20/Nov/2026:10:00:00 +0000", "httpMethod":"POST","routeKey":"POST /notes", "status":"502","protocol":"HTTP/1.1", "responseLength":"35" }"#,
            http,
        ),
        (
            "HTTP CLF",
            r#"198.51.100.2 - - [20/Nov/2026:10:00:00 +0000] "POST POST /notes HTTP/1.1" 502 35 GQIVriFLIAMEMsA="#,
            http,
        ),
        (
            "HTTP XML",
            r#"<request id="GQIVriFLIAMEMsA="> <ip>198.51.100.2</ip> <requestTime>20/Nov/2026:10:00:00 +0000</requestTime> <httpMethod>POST</httpMethod> <routeKey>POST /notes</routeKey> <status>502</status> <protocol>HTTP/1.1</protocol> <responseLength>35</responseLength> </request>"#,
            http,
        ),
        (
            "HTTP CSV",
            "198.51.100.2,20/Nov/2026:10:00:00 +0000,POST,POST /notes,HTTP/1.1,502,35,GQIVriFLIAMEMsA=",
            http,
        ),
    ];
    assert_eq!(cases.len(), PRESETS.len());
    let settings = ApigwSettings::default();
    for (name, line, want) in cases {
        let r = parse_line(line, preset(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(seen(&r), *want, "{name}");
        // recognised on its own, without a configured format, and read alike
        let found = settings
            .recognise(&[line])
            .unwrap_or_else(|| panic!("{name} not recognised"));
        let again = parse_line(line, &found.0).unwrap();
        assert_eq!(seen(&again), *want, "{name} recognised as {}", found.0.name);
        // behind CloudWatch's prefixes (export to S3; `aws logs tail`)
        for prefix in [
            "2026-11-20T10:00:00.120Z ",
            "2026-11-20T10:00:00.120000+00:00 000da73a1ad94452c2cef6acde2d5896 ",
        ] {
            let cw = format!("{prefix}{line}");
            let r = parse_line(&cw, &found.0).unwrap_or_else(|e| panic!("{name} {cw}: {e}"));
            assert_eq!(seen(&r), *want, "{cw}");
        }
    }
}

#[test]
fn custom_formats_read_what_their_template_says() {
    struct Case {
        what: &'static str,
        format: &'static str,
        line: &'static str,
        want: &'static [(Field, &'static str)],
        /// (status, integration status, function status, response latency, integration
        /// latency, time µs)
        typed: (u16, Option<u16>, Option<u16>, Option<f64>, Option<f64>, i64),
    }
    let cases = [
        Case {
            what: "keys renamed, spaces after colons, numbers as strings and bare",
            format: r#"{"id": "$context.requestId", "code": "$context.status", "ms": $context.responseLatency, "fn": {"status": "$context.integration.status", "lat": "$context.integrationLatency"}, "when": "$context.requestTimeEpoch", "route": "$context.routeKey"}"#,
            line: r#"{"id": "a1", "code": "500", "ms": 812, "fn": {"status": 500, "lat": "790"}, "when": "1795168800000", "route": "GET /hospitals/{id}"}"#,
            want: &[(Field::RequestId, "a1"), (Field::RouteKey, "GET /hospitals/{id}")],
            typed: (500, None, Some(500), Some(812.0), Some(790.0), T0),
        },
        Case {
            what: "keys in another order than the template's; '-' is null",
            format: r#"{"s":"$context.status","is":"$context.integrationStatus","waf":"$context.wafResponseCode","t":"$context.requestTime","err":"$context.error.message"}"#,
            line: r#"{"err":"-","t":"20/Nov/2026:10:00:00 +0000","waf":"WAF_BLOCK","is":"-","s":"403"}"#,
            want: &[(Field::WafResponseCode, "WAF_BLOCK")],
            typed: (403, None, None, None, None, T0),
        },
        Case {
            what: "a key holding text and two variables",
            format: r#"{"req":"$context.httpMethod $context.resourcePath","st":"$context.status","at":"$context.requestTimeEpoch"}"#,
            line: r#"{"req":"DELETE /patients/{patientId}","st":"204","at":1795168800000}"#,
            want: &[
                (Field::HttpMethod, "DELETE"),
                (Field::ResourcePath, "/patients/{patientId}"),
            ],
            typed: (204, None, None, None, None, T0),
        },
        Case {
            what: "a custom text line, quoted user agent with spaces",
            format: r#"$context.requestTimeEpoch $context.status $context.integrationStatus "$context.identity.userAgent" $context.xrayTraceId"#,
            line: r#"1795168800000 200 200 "Mozilla/5.0 (X11; Linux)" Root=1-5e1b4151-5ac6c58f3f2f4c4c9a0a0a0a"#,
            want: &[
                (Field::UserAgent, "Mozilla/5.0 (X11; Linux)"),
                (Field::XrayTraceId, "Root=1-5e1b4151-5ac6c58f3f2f4c4c9a0a0a0a"),
            ],
            typed: (200, Some(200), None, None, None, T0),
        },
        Case {
            what: "variables hosp-logs does not read are matched and dropped",
            format: "$context.stage|$context.requestTime|$stageVariables.alias|$context.status|$context.responseLatency",
            line: "prod|20/Nov/2026:10:00:00 +0000|blue|429|3",
            want: &[],
            typed: (429, None, None, Some(3.0), None, T0),
        },
    ];
    for c in &cases {
        let t = Template::compile(c.format).unwrap_or_else(|e| panic!("{}: {e}", c.what));
        let r = parse_line(c.line, &t).unwrap_or_else(|e| panic!("{}: {e}", c.what));
        for (f, v) in c.want {
            assert_eq!(r.get(*f), Some(*v), "{}: {f:?}", c.what);
        }
        let typed = (
            r.status,
            r.integration_status,
            r.function_status,
            r.response_latency,
            r.integration_latency,
            r.time_us,
        );
        assert_eq!(typed, c.typed, "{}", c.what);
        // the fields the template does not have are null
        for f in Field::ALL {
            if !t.has(f) {
                assert_eq!(r.get(f), None, "{}: {f:?}", c.what);
            }
        }
    }
}

#[test]
fn formats_that_cannot_be_read_are_refused() {
    let cases: &[(&str, TemplateError)] = &[
        ("  ", TemplateError::Empty),
        (
            "$context.requestId $context.httpMethod",
            TemplateError::NoStatus,
        ),
        (
            "$context.status$context.requestId",
            TemplateError::Adjacent {
                name: "context.requestId".into(),
            },
        ),
        ("$context.status $", TemplateError::NoName { at: 16 }),
        (
            r#"{"s":"$context.status""#,
            TemplateError::Json {
                at: 22,
                expected: "',' or '}'",
            },
        ),
    ];
    for (format, want) in cases {
        assert_eq!(Template::compile(format).unwrap_err(), *want, "{format}");
    }
    let t = Template::compile(r#"{"s": "$context.status", "a": {"b": "$context.path"}}"#).unwrap();
    assert!(matches!(&t.body, Body::Json(keys) if keys.len() == 2 && keys[1].0 == "a.b"));
}

#[test]
fn broken_lines_are_named_by_field_and_reason() {
    let json = Template::json_by_name();
    let clf = preset("REST CLF");
    let cases: &[(&Template, &str, Option<&str>, &str)] = &[
        (&json, "", None, "empty line"),
        (&json, "{\"status\":\"200\"", None, "expected ',' or '}'"),
        (
            &json,
            r#"{"status":"2000","requestTimeEpoch":"1795168800000"}"#,
            Some("status"),
            "expected a status",
        ),
        (
            &json,
            r#"{"status":"200"}"#,
            Some("requestTime"),
            "expected a requestTime or requestTimeEpoch",
        ),
        (
            &json,
            r#"{"requestTimeEpoch":"1795168800000"}"#,
            Some("status"),
            "expected a status",
        ),
        (
            &json,
            r#"{"status":"200","requestTime":"2026-11-20 10:00:00"}"#,
            Some("requestTime"),
            "expected a time",
        ),
        (
            &json,
            r#"{"status":"200","requestTimeEpoch":"1795168800000","responseLatency":"12ms"}"#,
            Some("responseLatency"),
            "expected milliseconds",
        ),
        (
            &json,
            r#"{"status":"200","requestTimeEpoch":"1795168800000","integration":{"status":"abc"}}"#,
            Some("integration.status"),
            "expected a status",
        ),
        (
            &json,
            r#"{"status":"200","requestTimeEpoch":"99999999999999999999"}"#,
            Some("requestTimeEpoch"),
            "expected milliseconds since the epoch",
        ),
        (
            clf,
            "203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200",
            None,
            "expected a line in the configured format",
        ),
        (
            clf,
            "203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12 a b",
            Some("requestId"),
            "expected an id",
        ),
    ];
    for (t, line, field, reason) in cases {
        let e = parse_line(line, t).unwrap_err();
        assert_eq!(e.field, *field, "{line}: {e}");
        assert!(e.to_string().contains(reason), "{line}: {e}");
    }
}

#[test]
fn roles_come_from_the_fields_the_format_has() {
    let routes = crate::format::Routes::default();
    let want = Want {
        roles: ROLES,
        routes: &routes,
        arena: None,
    };
    let gw = Apigw(Arc::new(
        Template::compile(r#"{"s":"$context.status","t":"$context.requestTimeEpoch","m":"$context.httpMethod","r":"$context.resourcePath","p":"$context.path","is":"$context.integrationStatus","fs":"$context.integration.status","l":"$context.responseLatency","il":"$context.integrationLatency","ip":"$context.identity.sourceIp","ua":"$context.identity.userAgent","x":"$context.xrayTraceId","e":"$context.error.responseType","n":"$context.responseLength","cf":"$context.authorizer.cfId"}"#).unwrap(),
    ));
    assert_eq!(gw.roles(), ROLES);
    let line = r#"{"s":"504","t":"1795168800000","m":"GET","r":"/hospitals/{hospitalId}","p":"/prod/hospitals/42","is":"-","fs":"-","l":"29010","il":"29000","ip":"203.0.113.9","ua":"curl/8 \u00e9","x":"Root=1-a","e":"INTEGRATION_TIMEOUT","n":"41","cf":"SOX4xwn4XV6Q4rgO_9IXGfIN2Lk8aXrQmBn2yRNmBy5cA7Ns0r1FEw=="}"#;
    let r = gw.request_of(&parse_line(line, &gw.0).unwrap(), &want);
    assert_eq!(r.time_us, T0);
    assert_eq!(
        r.edge_id,
        Some("SOX4xwn4XV6Q4rgO_9IXGfIN2Lk8aXrQmBn2yRNmBy5cA7Ns0r1FEw==")
    );
    assert_eq!(
        (r.status, r.upstream_status, r.generated),
        (Some(504), None, true)
    );
    assert_eq!(r.method, Some("GET"));
    assert_eq!(r.endpoint.as_deref(), Some("/hospitals/{id}"));
    assert_eq!(r.path.as_deref(), Some("/prod/hospitals/42"));
    assert_eq!(
        (r.latency_ms, r.upstream_ms),
        (Some(29010.0), Some(29000.0))
    );
    assert_eq!(r.client_ip, Some("203.0.113.9"));
    assert_eq!(r.user_agent.as_deref(), Some("curl/8 é"));
    assert_eq!(r.bytes_out, Some(41));
    assert_eq!(r.trace_id, Some("Root=1-a"));
    assert_eq!(r.error_reason, Some("INTEGRATION_TIMEOUT"));
    // the JSON preset: no integration field, so no role says "generated"
    let preset = Apigw(Arc::new(preset("HTTP JSON").clone()));
    let roles = preset.roles();
    assert!(!roles.contains(Role::Generated) && !roles.contains(Role::LatencyMs));
    assert!(roles.contains(Role::Endpoint) && roles.contains(Role::BytesOut));
    for role in Role::ALL {
        assert!(!role_source(*role).is_empty());
    }
}

#[test]
fn routes_match_the_albs_templated_endpoints() {
    // a configured template is written as configured, on both sides
    let routes = crate::format::Routes::new(&["/hospitals/{hid}/beds".to_string()]).unwrap();
    let cases: &[(&str, Option<&str>, &crate::format::Routes)] = &[
        (
            r#"{"status":"200","requestTimeEpoch":"1","resourcePath":"/hospitals/{hospitalId}","httpMethod":"GET"}"#,
            Some("/hospitals/{id}"),
            &crate::format::Routes::default(),
        ),
        (
            r#"{"status":"200","requestTimeEpoch":"1","routeKey":"GET /hospitals/{id}/beds"}"#,
            Some("/hospitals/{hid}/beds"),
            &routes,
        ),
        (
            r#"{"status":"200","requestTimeEpoch":"1","routeKey":"$default","path":"/patients/123"}"#,
            Some("/patients/{id}"),
            &crate::format::Routes::default(),
        ),
        (
            r#"{"status":"200","requestTimeEpoch":"1","resourcePath":"/{proxy+}","path":"/staffs/77/x"}"#,
            Some("/staffs/{id}/x"),
            &crate::format::Routes::default(),
        ),
        (
            r#"{"status":"200","requestTimeEpoch":"1","routeKey":"$default"}"#,
            None,
            &crate::format::Routes::default(),
        ),
    ];
    let t = Template::json_by_name();
    for (line, want, routes) in cases {
        let r = parse_line(line, &t).unwrap();
        assert_eq!(endpoint(&r, routes).as_deref(), *want, "{line}");
        // the ALB's side of the same request
        if let Some(w) = want {
            let alb_path = w.replace("{id}", "42").replace("{hid}", "42");
            assert_eq!(&*routes.endpoint(&alb_path), *w, "{alb_path}");
        }
    }
    let r = parse_line(cases[1].0, &t).unwrap();
    assert_eq!(r.route_parts().0, Some("GET"));
    assert_eq!(
        route(r.route_parts().0, endpoint(&r, &routes).as_deref()).as_deref(),
        Some("GET /hospitals/{hid}/beds")
    );
}
