//! A record's fields as JSON values, by name: what the golden files (`tests_lines`) are
//! compared with.

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
    fields!(
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
        method,
        url,
        protocol,
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
    )
}
