//! AWS Application Load Balancer access logs: one line per request, space-separated fields,
//! quoted where they may hold spaces (see `parse`).
//!
//! Roles: client = `client:port`'s address, status = `elb_status_code` (what the client got),
//! upstream status = `target_status_code`, generated = no target response, backend = the
//! target group's name, target = `target:port`, latency = the sum of the three processing
//! times, bytes = `received_bytes` / `sent_bytes`.

pub mod athena;
pub mod columns;
pub mod descriptor;
pub mod frame;
pub mod layout;
pub mod parse;

pub use columns::{Col, ColumnSet};
pub use descriptor::FORMAT;
pub use frame::target_group_name;
pub use parse::{parse_line, AlbRecord};

use std::borrow::Cow;

use super::{ColumnDef, FormatId, LineFormat, ParseError, Request, Role, RoleSet, Target, Want};

/// The roles ALB fills (all but the CDN edge's).
pub const ROLES: RoleSet = RoleSet::of(&[
    Role::Time,
    Role::ClientIp,
    Role::UserAgent,
    Role::Method,
    Role::Url,
    Role::Path,
    Role::Endpoint,
    Role::Status,
    Role::UpstreamStatus,
    Role::Generated,
    Role::Backend,
    Role::Target,
    Role::LatencyMs,
    Role::RequestMs,
    Role::UpstreamMs,
    Role::ResponseMs,
    Role::BytesIn,
    Role::BytesOut,
    Role::RequestType,
    Role::TlsProtocol,
    Role::TlsCipher,
    Role::TraceId,
    Role::ErrorReason,
    Role::Actions,
    Role::Classification,
]);

/// Which ALB field fills each role (for `hosp-logs schema` and docs/formats.md).
pub fn role_source(role: Role) -> &'static str {
    match role {
        Role::Time => "time",
        Role::ClientIp => "client:port (the address)",
        Role::UserAgent => "user_agent",
        Role::Method => "request (its method)",
        Role::Url => "request (its URL)",
        Role::Path => "request (its URL's path)",
        Role::Endpoint => "request (its path, ids templated)",
        Role::Status => "elb_status_code",
        Role::UpstreamStatus => "target_status_code",
        Role::Generated => "target_status_code is -",
        Role::Backend => "target_group_arn (its name)",
        Role::Target => "target:port",
        Role::LatencyMs => "request + target + response processing time",
        Role::RequestMs => "request_processing_time",
        Role::UpstreamMs => "target_processing_time",
        Role::ResponseMs => "response_processing_time",
        Role::BytesIn => "received_bytes",
        Role::BytesOut => "sent_bytes",
        Role::RequestType => "type",
        Role::TlsProtocol => "ssl_protocol",
        Role::TlsCipher => "ssl_cipher",
        Role::TraceId => "trace_id",
        Role::ErrorReason => "error_reason",
        Role::Actions => "actions_executed",
        Role::Classification => "classification",
        Role::Attempts
        | Role::EdgeResult
        | Role::EdgeDetail
        | Role::EdgeLocation
        | Role::FirstByteMs
        | Role::EdgeId => "(not in ALB logs)",
    }
}

/// The native columns, in output order.
pub fn columns() -> Vec<ColumnDef> {
    columns::column_defs()
}

/// The ALB format (no per-file state: every line stands alone).
#[derive(Debug, Clone, Copy, Default)]
pub struct Alb;

fn ms(seconds: Option<f64>) -> Option<f64> {
    seconds.map(|s| s * 1000.0)
}

impl LineFormat for Alb {
    type Record<'a> = AlbRecord<'a>;
    type Frame = frame::AlbFrame;

    fn id(&self) -> FormatId {
        FormatId::Alb
    }

    fn parse<'a>(&self, line: &'a str) -> Result<AlbRecord<'a>, ParseError> {
        parse_line(line)
    }

    fn time_us(rec: &AlbRecord<'_>) -> i64 {
        rec.time_us
    }

    fn request<'a>(&self, r: &Self::Record<'a>, want: &Want<'a>) -> Request<'a> {
        let has = |role| want.roles.contains(role);
        // the request line is split only for an analysis that reads its parts
        const REQUEST_PARTS: RoleSet =
            RoleSet::of(&[Role::Method, Role::Url, Role::Path, Role::Endpoint]);
        let (method, url, _) = if !want.roles.intersect(REQUEST_PARTS).is_empty() {
            r.request_parts()
        } else {
            (None, None, None)
        };
        let (path, endpoint) = want.path_and_endpoint(url);
        Request {
            time_us: r.time_us,
            excluded: false,
            client_ip: r.client_ip,
            user_agent: r.user_agent.map(Cow::Borrowed),
            method,
            url: url.map(Cow::Borrowed),
            path,
            endpoint,
            status: r.elb_status_code,
            upstream_status: r.target_status_code,
            generated: r.target_status_code.is_none(),
            backend: if has(Role::Backend) {
                r.target_group_arn.and_then(target_group_name)
            } else {
                None
            },
            target: r.target_ip.map(|host| Target {
                host,
                port: r.target_port,
            }),
            latency_ms: r.latency_ms(),
            request_ms: ms(r.request_processing_time),
            upstream_ms: ms(r.target_processing_time),
            response_ms: ms(r.response_processing_time),
            bytes_in: r.received_bytes,
            bytes_out: r.sent_bytes,
            request_type: Some(r.kind),
            tls_protocol: r.ssl_protocol,
            tls_cipher: r.ssl_cipher,
            trace_id: r.trace_id,
            error_reason: r.error_reason,
            actions: r.actions_executed,
            classification: r.classification,
            ..Request::default()
        }
    }

    fn frame(&self, columns: &[usize], capacity: usize, source: &str) -> frame::AlbFrame {
        let set = ColumnSet::of(
            &columns
                .iter()
                .filter_map(|&i| Col::ALL.get(i).copied())
                .collect::<Vec<_>>(),
        );
        frame::AlbFrame::new(set, capacity, source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"https 2026-11-20T10:00:00.123456Z app/hosp-alb/5e4f3a2b1c0d9e8f 203.0.113.66:51234 10.0.1.12:8080 0.001 0.250 0.002 201 201 512 128 "POST https://hosp.example.org:443/patients/123/notes?draft=1 HTTP/1.1" "python-requests/2.31.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/73e2d6bc24d8a067 "Root=1-673db0a0-0123456789abcdef01234567" "hosp.example.org" "arn:aws:acm:eu-west-1:123456789012:certificate/x" 10 2026-11-20T10:00:00.000000Z "waf,forward" "-" "-" "10.0.1.12:8080" "201" "-" "-""#;

    #[test]
    fn roles_come_from_the_documented_fields() {
        let rec = parse_line(LINE).unwrap();
        let routes = super::super::Routes::default();
        let want = Want {
            roles: ROLES,
            routes: &routes,
            arena: None,
        };
        let r = Alb.request(&rec, &want);
        assert_eq!(r.time_us, rec.time_us);
        assert_eq!(r.client_ip, Some("203.0.113.66"));
        assert_eq!(r.method, Some("POST"));
        assert_eq!(r.path.as_deref(), Some("/patients/123/notes"));
        assert_eq!(r.endpoint.as_deref(), Some("/patients/{id}/notes"));
        assert_eq!(
            (r.status, r.upstream_status, r.generated),
            (Some(201), Some(201), false)
        );
        assert_eq!(r.backend, Some("hosp-legacy"));
        assert_eq!(
            r.target.map(|t| t.to_string()).as_deref(),
            Some("10.0.1.12:8080")
        );
        // 0.001 + 0.250 + 0.002 s, computed as the frame's latency_ms column is
        assert_eq!(r.latency_ms, rec.latency_ms());
        assert!((r.latency_ms.unwrap() - 253.0).abs() < 1e-9);
        assert_eq!(r.upstream_ms, Some(250.0));
        assert_eq!((r.bytes_in, r.bytes_out), (Some(512), Some(128)));
        assert_eq!(r.request_type, Some("https"));
        assert_eq!(r.tls_protocol, Some("TLSv1.2"));
        assert_eq!(r.actions, Some("waf,forward"));
        // roles not asked for are left empty
        let few = Want {
            roles: RoleSet::of(&[Role::Time, Role::Status]),
            routes: &routes,
            arena: None,
        };
        let r = Alb.request(&rec, &few);
        assert_eq!((r.endpoint, r.path, r.backend), (None, None, None));
        assert_eq!((r.method, r.url), (None, None));
        for role in Role::ALL {
            assert!(!role_source(*role).is_empty());
        }
    }
}
