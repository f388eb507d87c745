//! `cargo +nightly fuzz run parse_line` (from the checkout or fuzz/): the ALB line parser.
//! Any bytes, decoded lossily as the CLI's line reader would: the parser and its helpers
//! must never panic, and a parsed record's text fields must be borrowed from the line
//! (sub-slices of it), its processing times non-negative and its field count at least 20.
#![no_main]

use hosp_logs_fuzz::format::alb::parse::{decode_escapes, parse_line, AlbRecord, MIN_FIELDS};
use hosp_logs_fuzz::format::text::{split_url, Routes};
use hosp_logs_fuzz::within;
use libfuzzer_sys::fuzz_target;

fn check(line: &str, r: &AlbRecord<'_>) {
    let texts = [
        Some(r.kind),
        Some(r.elb),
        r.client_ip,
        r.target_ip,
        Some(r.request),
        r.method(),
        r.url(),
        r.protocol(),
        r.user_agent,
        r.ssl_cipher,
        r.ssl_protocol,
        r.target_group_arn,
        r.trace_id,
        r.domain_name,
        r.chosen_cert_arn,
        r.actions_executed,
        r.redirect_url,
        r.error_reason,
        r.target_port_list,
        r.target_status_code_list,
        r.classification,
        r.classification_reason,
        r.conn_trace_id,
        r.transformed_host,
        r.transformed_uri,
        r.request_transform_status,
    ];
    for (i, t) in texts.iter().enumerate() {
        if let Some(t) = t {
            assert!(
                within(line, t),
                "text field {i} {t:?} is not a sub-slice of the line"
            );
        }
    }
    for t in [
        r.request_processing_time,
        r.target_processing_time,
        r.response_processing_time,
    ]
    .into_iter()
    .flatten()
    {
        assert!(t >= 0.0 && t.is_finite(), "processing time {t}");
    }
    assert!(r.field_count >= MIN_FIELDS, "{} fields", r.field_count);
    if let Some(ms) = r.latency_ms() {
        assert!(ms >= 0.0, "latency {ms}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let line: &str = &text;
    let routes = Routes::default();
    match parse_line(line) {
        Ok(record) => {
            check(line, &record);
            if let Some(url) = record.url() {
                let parts = split_url(url);
                for p in [parts.scheme, parts.host, parts.path, parts.query]
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        within(url, p),
                        "URL part {p:?} is not a sub-slice of {url:?}"
                    );
                }
                let _ = routes.endpoint(parts.path.unwrap_or("/"));
                let _ = decode_escapes(url);
            }
            if let Some(ua) = record.user_agent {
                let _ = decode_escapes(ua);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = split_url(line);
    let _ = decode_escapes(line);
    let _ = routes.endpoint(line);
});
