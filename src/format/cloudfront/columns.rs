//! The CloudFront frame's columns (what `query` and `export` see): the fields in snake_case
//! (`cs(User-Agent)` → `cs_user_agent`, as in AWS's Athena table), typed, with `date` and
//! `time` as one `time` column; then the raw forms of the decoded fields and the derived
//! columns.

use super::parse::Field;
use crate::format::ColumnDef;
use crate::frame::Kind;

/// Where a column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// `date` + `time` (or the v2 timestamp).
    Time,
    /// A field's text as written.
    Raw(Field),
    /// A field's text decoded once (`cs-uri-stem`, `cs-uri-query`, `cs(User-Agent)`).
    Decoded(Field),
    /// A numeric field (bytes, lengths, port, status).
    Number(Field),
    /// A duration field, in seconds as written.
    Seconds(Field),
    /// The stem with ids templated.
    Endpoint,
    /// `time-taken` in ms.
    LatencyMs,
    /// `time-to-first-byte` in ms.
    FirstByteMs,
    /// The edge location's airport code.
    Airport,
    /// The edge answered without the origin's response.
    Generated,
    /// The file or object the line came from.
    Source,
}

/// One column: its name, type, where its values come from and what it means.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub value: Value,
    pub doc: &'static str,
}

const fn col(name: &'static str, kind: Kind, value: Value, doc: &'static str) -> Column {
    Column {
        name,
        kind,
        value,
        doc,
    }
}

use Kind::{Bool, Str, Time, F64, U16, U64};
use Value::{Decoded, Number, Raw, Seconds};

/// Every column, in output order.
pub const COLUMNS: [Column; 42] = [
    col("time", Time, Value::Time, "date + time: when the edge finished the response, UTC (second precision)"),
    col("x_edge_location", Str, Raw(Field::EdgeLocation), "edge location (PoP) that served the request, e.g. DUB56-P1"),
    col("sc_bytes", U64, Number(Field::ScBytes), "bytes sent to the viewer, headers included"),
    col("c_ip", Str, Raw(Field::CIp), "the viewer's address (a proxy's, when the viewer came through one)"),
    col("cs_method", Str, Raw(Field::CsMethod), "HTTP method"),
    col("cs_host", Str, Raw(Field::CsHost), "the distribution's domain (d111111abcdef8.cloudfront.net)"),
    col("cs_uri_stem", Str, Decoded(Field::CsUriStem), "the path, percent-decoded once"),
    col("sc_status", U16, Number(Field::ScStatus), "status sent to the viewer; null for 000 (the viewer left before a response)"),
    col("cs_referer", Str, Raw(Field::CsReferer), "Referer header, as written"),
    col("cs_user_agent", Str, Decoded(Field::CsUserAgent), "User-Agent header, percent-decoded once (attacker-controlled)"),
    col("cs_uri_query", Str, Decoded(Field::CsUriQuery), "the query string, percent-decoded once; null when none"),
    col("cs_cookie", Str, Raw(Field::CsCookie), "Cookie header, as written (when cookie logging is on)"),
    col("x_edge_result_type", Str, Raw(Field::EdgeResultType), "Hit, RefreshHit, Miss, Error, Redirect, LimitExceeded, CapacityExceeded"),
    col("x_edge_request_id", Str, Raw(Field::EdgeRequestId), "the request's id (also sent as x-amz-cf-id)"),
    col("x_host_header", Str, Raw(Field::HostHeader), "the Host header the viewer sent"),
    col("cs_protocol", Str, Raw(Field::CsProtocol), "viewer protocol: http, https, ws, wss"),
    col("cs_bytes", U64, Number(Field::CsBytes), "bytes received from the viewer, headers included"),
    col("time_taken", F64, Seconds(Field::TimeTaken), "seconds from receiving the request to sending the response's last byte"),
    col("x_forwarded_for", Str, Raw(Field::ForwardedFor), "X-Forwarded-For the viewer sent: a list, entries may carry ports"),
    col("ssl_protocol", Str, Raw(Field::SslProtocol), "TLS protocol; null on plain HTTP"),
    col("ssl_cipher", Str, Raw(Field::SslCipher), "TLS cipher; null on plain HTTP"),
    col("x_edge_response_result_type", Str, Raw(Field::EdgeResponseResultType), "the result as the response was sent (differs when the viewer hung up)"),
    col("cs_protocol_version", Str, Raw(Field::CsProtocolVersion), "HTTP version: HTTP/1.1, HTTP/2.0, HTTP/3.0"),
    col("fle_status", Str, Raw(Field::FleStatus), "field-level encryption status"),
    col("fle_encrypted_fields", U64, Number(Field::FleEncryptedFields), "fields field-level encryption encrypted"),
    col("c_port", U16, Number(Field::CPort), "the viewer's port"),
    col("time_to_first_byte", F64, Seconds(Field::TimeToFirstByte), "seconds from receiving the request to the response's first byte"),
    col("x_edge_detailed_result_type", Str, Raw(Field::EdgeDetailedResultType), "the result in detail: OriginDnsError, OriginConnectError, ClientHungUpRequest, …"),
    col("sc_content_type", Str, Raw(Field::ScContentType), "Content-Type of the response, as written"),
    col("sc_content_len", U64, Number(Field::ScContentLen), "Content-Length of the response"),
    col("sc_range_start", U64, Number(Field::ScRangeStart), "first byte of a range response"),
    col("sc_range_end", U64, Number(Field::ScRangeEnd), "last byte of a range response"),
    col("distribution_id", Str, Raw(Field::DistributionId), "the distribution (standard logging v2 only)"),
    col("cs_uri_stem_raw", Str, Raw(Field::CsUriStem), "cs-uri-stem as written (percent-encoded)"),
    col("cs_uri_query_raw", Str, Raw(Field::CsUriQuery), "cs-uri-query as written (percent-encoded)"),
    col("cs_user_agent_raw", Str, Raw(Field::CsUserAgent), "cs(User-Agent) as written (percent-encoded)"),
    col("endpoint", Str, Value::Endpoint, "route with ids templated: /patients/123/screen -> /patients/{id}/screen"),
    col("latency_ms", F64, Value::LatencyMs, "time-taken in ms"),
    col("time_to_first_byte_ms", F64, Value::FirstByteMs, "time-to-first-byte in ms"),
    col("edge_airport", Str, Value::Airport, "the edge location's first three letters: the nearest airport's IATA code"),
    col("edge_generated", Bool, Value::Generated, "the edge answered without a response from the origin (cache hit, redirect, limits, origin unreachable)"),
    col("source", Str, Value::Source, "file or object the line came from"),
];

/// The columns as the format-neutral code sees them.
pub fn column_defs() -> Vec<ColumnDef> {
    COLUMNS
        .iter()
        .map(|c| ColumnDef {
            name: c.name.to_string(),
            kind: c.kind,
            doc: c.doc.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_field_has_a_column() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
        for f in Field::ALL {
            let shown = COLUMNS
                .iter()
                .any(|c| matches!(c.value, Raw(g) | Decoded(g) | Number(g) | Seconds(g) if g == f));
            let in_time = matches!(
                f,
                Field::Date | Field::Time | Field::Timestamp | Field::TimestampMs
            );
            assert!(shown || in_time, "{f:?} has no column");
        }
        // the kinds the values give
        for c in COLUMNS {
            let ok = match c.value {
                Value::Time => c.kind == Time,
                Raw(_) | Decoded(_) | Value::Endpoint | Value::Airport | Value::Source => {
                    c.kind == Str
                }
                Number(Field::ScStatus | Field::CPort) => c.kind == U16,
                Number(_) => c.kind == U64,
                Seconds(_) | Value::LatencyMs | Value::FirstByteMs => c.kind == F64,
                Value::Generated => c.kind == Bool,
            };
            assert!(ok, "{}", c.name);
        }
    }
}
