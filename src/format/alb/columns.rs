//! The ALB frame's columns (what `query` and `export` see): one place for names and types.
//!
//! Names follow the AWS field names in snake_case; derived columns (method, path, endpoint,
//! latency_ms, …) come after the raw fields. The schema is explicit: nothing is inferred.

use crate::format::ColumnDef;
use crate::frame::Kind;

/// Every column hosp-logs can materialise, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Col {
    Type,
    Time,
    Elb,
    ClientIp,
    ClientPort,
    TargetIp,
    TargetPort,
    RequestProcessingTime,
    TargetProcessingTime,
    ResponseProcessingTime,
    ElbStatusCode,
    TargetStatusCode,
    ReceivedBytes,
    SentBytes,
    Request,
    Method,
    Url,
    Protocol,
    Scheme,
    Host,
    Port,
    Path,
    Query,
    UserAgent,
    SslCipher,
    SslProtocol,
    TargetGroupArn,
    TraceId,
    DomainName,
    ChosenCertArn,
    MatchedRulePriority,
    RequestCreationTime,
    ActionsExecuted,
    RedirectUrl,
    ErrorReason,
    TargetPortList,
    TargetStatusCodeList,
    Classification,
    ClassificationReason,
    ConnTraceId,
    TransformedHost,
    TransformedUri,
    RequestTransformStatus,
    Endpoint,
    LatencyMs,
    AlbGenerated,
    TargetGroup,
    Source,
}

impl Col {
    pub const ALL: [Col; 48] = [
        Col::Type,
        Col::Time,
        Col::Elb,
        Col::ClientIp,
        Col::ClientPort,
        Col::TargetIp,
        Col::TargetPort,
        Col::RequestProcessingTime,
        Col::TargetProcessingTime,
        Col::ResponseProcessingTime,
        Col::ElbStatusCode,
        Col::TargetStatusCode,
        Col::ReceivedBytes,
        Col::SentBytes,
        Col::Request,
        Col::Method,
        Col::Url,
        Col::Protocol,
        Col::Scheme,
        Col::Host,
        Col::Port,
        Col::Path,
        Col::Query,
        Col::UserAgent,
        Col::SslCipher,
        Col::SslProtocol,
        Col::TargetGroupArn,
        Col::TraceId,
        Col::DomainName,
        Col::ChosenCertArn,
        Col::MatchedRulePriority,
        Col::RequestCreationTime,
        Col::ActionsExecuted,
        Col::RedirectUrl,
        Col::ErrorReason,
        Col::TargetPortList,
        Col::TargetStatusCodeList,
        Col::Classification,
        Col::ClassificationReason,
        Col::ConnTraceId,
        Col::TransformedHost,
        Col::TransformedUri,
        Col::RequestTransformStatus,
        Col::Endpoint,
        Col::LatencyMs,
        Col::AlbGenerated,
        Col::TargetGroup,
        Col::Source,
    ];

    /// Column name as users query it (`hosp-logs query`, exports).
    pub fn name(self) -> &'static str {
        COLUMNS[self as usize].0
    }

    pub fn kind(self) -> Kind {
        COLUMNS[self as usize].1
    }

    /// One-line meaning, for docs/alb.md and `hosp-logs schema`.
    pub fn doc(self) -> &'static str {
        COLUMNS[self as usize].2
    }

    pub fn from_name(name: &str) -> Option<Col> {
        Col::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// (name, kind, meaning), indexed by `Col as usize`.
const COLUMNS: [(&str, Kind, &str); 48] = [
    (
        "type",
        Kind::Str,
        "request type: http, https, h2, grpcs, ws, wss",
    ),
    (
        "time",
        Kind::Time,
        "when the ALB sent the response (ws/wss: connection close), UTC",
    ),
    (
        "elb",
        Kind::Str,
        "load balancer resource id, e.g. app/hosp-alb/5e4f3a2b1c0d9e8f",
    ),
    (
        "client_ip",
        Kind::Str,
        "client address (behind a CDN: the CDN edge)",
    ),
    ("client_port", Kind::U16, "client port"),
    (
        "target_ip",
        Kind::Str,
        "target address; null when no target was reached or for Lambda",
    ),
    ("target_port", Kind::U16, "target port"),
    (
        "request_processing_time",
        Kind::F64,
        "seconds; null when the ALB logged -1",
    ),
    (
        "target_processing_time",
        Kind::F64,
        "seconds; null when the ALB logged -1",
    ),
    (
        "response_processing_time",
        Kind::F64,
        "seconds; null when the ALB logged -1",
    ),
    (
        "elb_status_code",
        Kind::U16,
        "status the client received from the ALB",
    ),
    (
        "target_status_code",
        Kind::U16,
        "status the target answered; null when no target response",
    ),
    (
        "received_bytes",
        Kind::U64,
        "request bytes from the client, headers included",
    ),
    (
        "sent_bytes",
        Kind::U64,
        "response bytes to the client, headers included",
    ),
    (
        "request",
        Kind::Str,
        "the raw request field: METHOD URL PROTOCOL",
    ),
    (
        "method",
        Kind::Str,
        "HTTP method; null for malformed requests",
    ),
    (
        "url",
        Kind::Str,
        "the URL as the client sent it (ALB escapes kept raw)",
    ),
    ("protocol", Kind::Str, "HTTP version, e.g. HTTP/1.1"),
    ("scheme", Kind::Str, "URL scheme: http or https"),
    ("host", Kind::Str, "URL host"),
    ("port", Kind::U16, "URL port"),
    ("path", Kind::Str, "URL path, without the query"),
    ("query", Kind::Str, "URL query, without the '?'"),
    (
        "user_agent",
        Kind::Str,
        "User-Agent header (attacker-controlled; ALB escapes kept raw)",
    ),
    ("ssl_cipher", Kind::Str, "TLS cipher; null on plain HTTP"),
    (
        "ssl_protocol",
        Kind::Str,
        "TLS protocol; null on plain HTTP",
    ),
    ("target_group_arn", Kind::Str, "target group ARN"),
    ("trace_id", Kind::Str, "X-Amzn-Trace-Id"),
    ("domain_name", Kind::Str, "TLS SNI domain"),
    (
        "chosen_cert_arn",
        Kind::Str,
        "certificate ARN presented, or session-reused",
    ),
    (
        "matched_rule_priority",
        Kind::I32,
        "listener rule priority (0 default rule, -1 error)",
    ),
    (
        "request_creation_time",
        Kind::Time,
        "when the ALB received the request, UTC",
    ),
    (
        "actions_executed",
        Kind::Str,
        "comma list: waf, forward, redirect, fixed-response, …",
    ),
    ("redirect_url", Kind::Str, "Location of a redirect"),
    (
        "error_reason",
        Kind::Str,
        "ALB error reason code (Athena: lambda_error_reason)",
    ),
    (
        "target_port_list",
        Kind::Str,
        "space-separated target:port list",
    ),
    (
        "target_status_code_list",
        Kind::Str,
        "space-separated target status list",
    ),
    (
        "classification",
        Kind::Str,
        "desync classification: Acceptable, Ambiguous, Severe",
    ),
    (
        "classification_reason",
        Kind::Str,
        "desync classification reason code",
    ),
    (
        "conn_trace_id",
        Kind::Str,
        "connection traceability id (TID_…)",
    ),
    (
        "transformed_host",
        Kind::Str,
        "host after a host-header rewrite transform",
    ),
    (
        "transformed_uri",
        Kind::Str,
        "URI after a URL rewrite transform",
    ),
    (
        "request_transform_status",
        Kind::Str,
        "status of the rewrite transform",
    ),
    (
        "endpoint",
        Kind::Str,
        "route with ids templated: /patients/123/screen -> /patients/{id}/screen",
    ),
    (
        "latency_ms",
        Kind::F64,
        "sum of the three processing times in ms; null if any is -1",
    ),
    (
        "alb_generated",
        Kind::Bool,
        "true when no target response (target_status_code null)",
    ),
    ("target_group", Kind::Str, "target group name, from the ARN"),
    ("source", Kind::Str, "file or object the line came from"),
];

/// Every column, in output order, as the format-neutral code sees them.
pub fn column_defs() -> Vec<ColumnDef> {
    Col::ALL
        .iter()
        .map(|c| ColumnDef {
            name: c.name().to_string(),
            kind: c.kind(),
            doc: c.doc().to_string(),
        })
        .collect()
}

/// A set of columns, so a command materialises only what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ColumnSet(u64);

impl ColumnSet {
    pub fn all() -> Self {
        ColumnSet((1u64 << Col::ALL.len()) - 1)
    }

    pub fn of(cols: &[Col]) -> Self {
        cols.iter().fold(ColumnSet(0), |s, c| s.with(*c))
    }

    pub fn with(self, c: Col) -> Self {
        ColumnSet(self.0 | (1 << c as u8))
    }

    pub fn contains(self, c: Col) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    pub fn union(self, other: ColumnSet) -> Self {
        ColumnSet(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Col> {
        Col::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_indexed_in_order() {
        for (i, c) in Col::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
            assert_eq!(Col::from_name(c.name()), Some(*c));
        }
        let mut names: Vec<_> = Col::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Col::ALL.len());
    }

    #[test]
    fn column_set_projects() {
        let s = ColumnSet::of(&[Col::Time, Col::ElbStatusCode]);
        assert!(s.contains(Col::Time) && s.contains(Col::ElbStatusCode));
        assert!(!s.contains(Col::UserAgent));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Col::Time, Col::ElbStatusCode]
        );
        assert_eq!(ColumnSet::all().iter().count(), 48);
    }
}
