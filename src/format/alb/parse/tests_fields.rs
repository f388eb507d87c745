//! A record's fields as JSON values, by name: what the golden files (`tests_lines`) and the
//! tables of `tests_corpus` and `tests_errors` compare with.

use serde_json::Value;

use super::*;

/// Every field of an [`AlbRecord`], named as in the struct and in its order, `None` as `null`.
/// The pattern names every field (no `..`), so a field added to `AlbRecord` does not compile
/// until it is listed here, and then every golden JSON lacks it until it is added there.
pub(super) fn record_fields(r: &AlbRecord<'_>) -> Vec<(&'static str, Value)> {
    macro_rules! fields {
        ($($f:ident),* $(,)?) => {{
            let AlbRecord { $($f),* } = *r;
            vec![$((stringify!($f), Value::from($f))),*]
        }};
    }
    let mut fields = fields!(
        kind,
        time_us,
        elb,
        client_ip,
        client_port,
        target_ip,
        target_port,
        request_processing_time,
        target_processing_time,
        response_processing_time,
        elb_status_code,
        target_status_code,
        received_bytes,
        sent_bytes,
        request,
        user_agent,
        ssl_cipher,
        ssl_protocol,
        target_group_arn,
        trace_id,
        domain_name,
        chosen_cert_arn,
        matched_rule_priority,
        request_creation_time_us,
        actions_executed,
        redirect_url,
        error_reason,
        target_port_list,
        target_status_code_list,
        classification,
        classification_reason,
        conn_trace_id,
        transformed_host,
        transformed_uri,
        request_transform_status,
        field_count,
    );
    // the request line's parts, where the golden JSON has them (after `request`)
    let (method, url, protocol) = r.request_parts();
    let at = fields
        .iter()
        .position(|(n, _)| *n == "request")
        .map_or(0, |i| i + 1);
    fields.splice(
        at..at,
        [
            ("method", Value::from(method)),
            ("url", Value::from(url)),
            ("protocol", Value::from(protocol)),
        ],
    );
    fields
}

/// An expected field value in a const table (a `serde_json::Value` cannot be const).
#[derive(Debug, Clone, Copy)]
pub(super) enum Want {
    Str(&'static str),
    Int(i64),
    Float(f64),
    /// `None`.
    Null,
}

impl From<Want> for Value {
    fn from(w: Want) -> Value {
        match w {
            Want::Str(s) => s.into(),
            Want::Int(i) => i.into(),
            Want::Float(f) => f.into(),
            Want::Null => Value::Null,
        }
    }
}

/// `None` when field `name` of `r` is `want`, else what is wrong (the field differs, or no
/// field has that name).
pub(super) fn field_mismatch(r: &AlbRecord<'_>, name: &str, want: Want) -> Option<String> {
    let want = Value::from(want);
    match record_fields(r).into_iter().find(|(n, _)| *n == name) {
        None => Some(format!("`{name}` is no field of AlbRecord")),
        Some((_, got)) if got != want => {
            Some(format!("field `{name}`: parsed {got}, expected {want}"))
        }
        Some(_) => None,
    }
}

#[test]
fn field_mismatch_names_what_differs() {
    let r = parse_line(
        r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - - "-" "-" "-""#,
    )
    .unwrap();
    for (name, want) in [
        ("kind", Want::Str("http")),
        ("client_port", Want::Int(2817)),
        ("target_processing_time", Want::Float(0.001)),
        ("ssl_cipher", Want::Null),
        ("field_count", Want::Int(20)),
    ] {
        assert_eq!(field_mismatch(&r, name, want), None, "{name}");
    }
    for (name, want, message) in [
        (
            "kind",
            Want::Str("https"),
            r#"field `kind`: parsed "http", expected "https""#,
        ),
        (
            "client_port",
            Want::Null,
            "field `client_port`: parsed 2817, expected null",
        ),
        (
            "request_processing_time",
            Want::Int(0),
            "field `request_processing_time`: parsed 0.0, expected 0",
        ),
        (
            "ssl_cipher",
            Want::Str("-"),
            r#"field `ssl_cipher`: parsed null, expected "-""#,
        ),
        (
            "kinds",
            Want::Str("http"),
            "`kinds` is no field of AlbRecord",
        ),
    ] {
        assert_eq!(field_mismatch(&r, name, want).as_deref(), Some(message));
    }
}
