//! Amazon CloudFront standard logs: the edge, where HOSP's users are.
//!
//! Standard (legacy) logs are W3C-style files: `#Version: 1.0`, a `#Fields:` line naming the
//! fields, then one tab-separated line per request, not in time order. Fields are mapped by
//! each file's `#Fields` line (files from before 2019-12 have 19, 23, 24 or 26 fields; a file
//! without the line is read in the standard 33-field order, and says so). Standard logging v2
//! can also write JSON lines whose keys are the same field names.
//!
//! Roles: client = `c-ip` (the viewer), status = `sc-status` (`000` is no status), latency =
//! `time-taken`, endpoint templated from `cs-uri-stem`, backend = `x-host-header`, generated =
//! the edge answered without the origin's response (see [`generated`]).

pub mod athena;
pub mod columns;
pub mod descriptor;
pub mod fields;
pub mod frame;
pub mod layout;
pub mod parse;

use std::borrow::Cow;
use std::sync::Arc;

pub use descriptor::FORMAT;
pub use parse::{parse_json, parse_tsv, CfRecord, Field, Fields, Origin};

use super::text::Routes;
use super::{ColumnDef, FormatId, LineFormat, ParseError, Request, Role, RoleSet, Want};

/// The line that names a file's fields; it may also stand in the middle of a file (files
/// concatenated), and switches the mapping from there on.
pub const FIELDS_MARKER: &[u8] = b"#Fields:";

/// The roles CloudFront fills (no upstream status, target or per-phase times: the edge logs
/// none of them).
pub const ROLES: RoleSet = RoleSet::of(&[
    Role::Time,
    Role::ClientIp,
    Role::UserAgent,
    Role::Method,
    Role::Url,
    Role::Path,
    Role::Endpoint,
    Role::Status,
    Role::Generated,
    Role::Backend,
    Role::LatencyMs,
    Role::BytesIn,
    Role::BytesOut,
    Role::RequestType,
    Role::TlsProtocol,
    Role::TlsCipher,
    Role::TraceId,
    Role::ErrorReason,
    Role::Actions,
    Role::EdgeResult,
    Role::EdgeDetail,
    Role::EdgeLocation,
    Role::FirstByteMs,
    Role::EdgeId,
]);

/// Which CloudFront field fills each role (for `hosp-logs schema --roles` and docs/formats.md).
pub fn role_source(role: Role) -> &'static str {
    match role {
        Role::Time => "date + time",
        Role::ClientIp => "c-ip",
        Role::UserAgent => "cs(User-Agent), decoded once",
        Role::Method => "cs-method",
        Role::Url => "cs-uri-stem?cs-uri-query, decoded once",
        Role::Path => "cs-uri-stem, decoded once",
        Role::Endpoint => "cs-uri-stem (decoded, ids templated)",
        Role::Status => "sc-status (000 is no status)",
        Role::Generated => "x-edge-detailed-result-type: no origin response",
        Role::Backend => "x-host-header",
        Role::LatencyMs => "time-taken",
        Role::BytesIn => "cs-bytes",
        Role::BytesOut => "sc-bytes",
        Role::RequestType => "cs-protocol",
        Role::TlsProtocol => "ssl-protocol",
        Role::TlsCipher => "ssl-cipher",
        Role::TraceId => "x-edge-request-id",
        Role::ErrorReason => "x-edge-detailed-result-type of edge failures",
        Role::Actions => "x-edge-result-type",
        Role::EdgeResult => "x-edge-result-type",
        Role::EdgeDetail => "x-edge-detailed-result-type (else -result-type)",
        Role::EdgeLocation => "x-edge-location",
        Role::FirstByteMs => "time-to-first-byte",
        Role::EdgeId => "x-edge-request-id",
        Role::UpstreamStatus
        | Role::Target
        | Role::RequestMs
        | Role::UpstreamMs
        | Role::ResponseMs
        | Role::Classification
        | Role::Attempts => "(not in CloudFront logs)",
    }
}

/// The native columns, in output order.
pub fn columns() -> Vec<ColumnDef> {
    columns::column_defs()
}

/// How a file's lines are written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// Tab-separated, mapped by the file's `#Fields` line (or the standard order).
    Tsv(Arc<Fields>),
    /// Standard logging v2 JSON lines.
    Json,
}

/// The CloudFront format of one file: how its lines are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudFront {
    layout: Layout,
}

impl CloudFront {
    /// Tab-separated lines with this mapping.
    pub fn tsv(fields: Fields) -> CloudFront {
        CloudFront {
            layout: Layout::Tsv(Arc::new(fields)),
        }
    }

    /// Standard logging v2 JSON lines.
    pub fn json() -> CloudFront {
        CloudFront {
            layout: Layout::Json,
        }
    }

    /// The format of a file whose first bytes are `head`: the mapping of the `#Fields` line
    /// before its first record, JSON lines when its first record is an object, else the
    /// standard 33-field order.
    pub fn for_file(head: &[u8]) -> CloudFront {
        let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
        for line in text.lines().map(str::trim_start) {
            if let Some(fields) = Fields::from_header(line) {
                return CloudFront::tsv(fields);
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('{') {
                return CloudFront::json();
            }
            break;
        }
        CloudFront::tsv(Fields::standard())
    }

    /// What a reader should be told once about this file.
    pub fn note(&self) -> Option<&'static str> {
        match &self.layout {
            Layout::Tsv(f) if f.origin == Origin::Assumed => {
                Some("no #Fields line before the first record: read in the standard 33-field order")
            }
            _ => None,
        }
    }
}

/// The CloudFront format of a file whose first lines (blank ones left out) mostly parse as
/// CloudFront lines without a header: JSON objects of v2, or tab-separated lines in the
/// standard order.
pub fn recognise(lines: &[&str]) -> Option<CloudFront> {
    let standard = Fields::standard();
    let (mut tsv, mut json) = (0, 0);
    for l in lines {
        if l.starts_with('{') {
            json += usize::from(parse_json(l).is_ok());
        } else {
            tsv += usize::from(parse_tsv(l, &standard).is_ok());
        }
    }
    if json * 2 > lines.len() {
        Some(CloudFront::json())
    } else if tsv * 2 > lines.len() {
        Some(CloudFront::tsv(standard))
    } else {
        None
    }
}

/// Whether the edge answered without a response from the origin: a cache hit, a redirect,
/// the edge's own limits, the origin failing or unreachable (`Origin*Error`: the 5XX is
/// the edge's), a request the edge refused or a function answered. Not generated: a miss
/// or refresh hit (the origin answered), the origin's own error status (detailed type
/// `Error`), and a viewer that broke off (`ClientCommError`, `ClientHungUpRequest`).
/// Logs from before 2019-12 have no detailed type: their result type decides, and `Error`
/// counts as the origin's.
pub fn generated(r: &CfRecord<'_>) -> bool {
    let detail = r
        .get(Field::EdgeDetailedResultType)
        .or(r.get(Field::EdgeResultType));
    !matches!(
        detail,
        None | Some("Miss" | "RefreshHit" | "Error" | "ClientCommError" | "ClientHungUpRequest")
    )
}

/// Results in which the edge failed the request itself, whose detailed type says why.
fn edge_failed(result: Option<&str>) -> bool {
    matches!(result, Some("Error" | "LimitExceeded" | "CapacityExceeded"))
}

/// The decoded stem's endpoint.
pub(crate) fn endpoint_of<'a>(r: &CfRecord<'a>, routes: &Routes) -> Option<Cow<'a, str>> {
    Some(match r.decoded(Field::CsUriStem)? {
        Cow::Borrowed(p) => routes.endpoint(p),
        Cow::Owned(p) => Cow::Owned(routes.endpoint(&p).into_owned()),
    })
}

impl LineFormat for CloudFront {
    type Record<'a> = CfRecord<'a>;
    type Frame = frame::CfFrame;

    fn id(&self) -> FormatId {
        FormatId::CloudFront
    }

    fn switch_marker(&self) -> Option<&'static [u8]> {
        Some(FIELDS_MARKER)
    }

    fn note(&self) -> Option<&'static str> {
        CloudFront::note(self)
    }

    fn parse<'a>(&self, line: &'a str) -> Result<CfRecord<'a>, ParseError> {
        match &self.layout {
            Layout::Tsv(fields) => parse_tsv(line, fields),
            Layout::Json => parse_json(line),
        }
    }

    fn time_us(rec: &CfRecord<'_>) -> i64 {
        rec.time_us
    }

    fn request<'a>(&self, r: &Self::Record<'a>, want: &Want<'a>) -> Request<'a> {
        let has = |role| want.roles.contains(role);
        let result = r.get(Field::EdgeResultType);
        let detail = r.get(Field::EdgeDetailedResultType).or(result);
        Request {
            time_us: r.time_us,
            excluded: false,
            client_ip: r.get(Field::CIp),
            user_agent: if has(Role::UserAgent) {
                r.decoded(Field::CsUserAgent)
            } else {
                None
            },
            method: r.get(Field::CsMethod),
            url: if has(Role::Url) { r.url() } else { None },
            path: if has(Role::Path) {
                r.decoded(Field::CsUriStem)
            } else {
                None
            },
            endpoint: if has(Role::Endpoint) {
                endpoint_of(r, want.routes)
            } else {
                None
            },
            status: r.status,
            generated: generated(r),
            backend: r.get(Field::HostHeader),
            latency_ms: r.time_taken.map(|s| s.ms),
            bytes_in: r.cs_bytes,
            bytes_out: r.sc_bytes,
            request_type: r.get(Field::CsProtocol),
            tls_protocol: r.get(Field::SslProtocol),
            tls_cipher: r.get(Field::SslCipher),
            trace_id: r.get(Field::EdgeRequestId),
            edge_id: r.get(Field::EdgeRequestId),
            error_reason: if edge_failed(result) { detail } else { None },
            actions: result,
            edge_result: result,
            edge_detail: detail,
            edge_location: r.get(Field::EdgeLocation),
            first_byte_ms: r.time_to_first_byte.map(|s| s.ms),
            ..Request::default()
        }
    }

    fn is_meta(&self, line: &str) -> bool {
        line.starts_with('#')
    }

    fn frame(&self, columns: &[usize], capacity: usize, source: &str) -> frame::CfFrame {
        frame::CfFrame::new(columns, capacity, source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One HOSP request at the edge: a POST forwarded to the origin, with a URL-encoded
    /// user agent and query.
    const LINE: &str = "2026-11-20\t10:00:00\tDUB56-P1\t1290\t192.0.2.14\tPOST\td3hosp0example.cloudfront.net\t/patients/123/notes\t201\t-\tMozilla/5.0%20(X11;%20Linux%20x86_64)\tdraft=1&q=ear%2520infection\t-\tMiss\tq1Xk0jZb9example==\thosp.example.com\thttps\t812\t0.254\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t51234\t0.250\tMiss\tapplication/json\t128\t-\t-";

    #[test]
    fn roles_come_from_the_documented_fields() {
        let cf = CloudFront::tsv(Fields::standard());
        let rec = cf.parse(LINE).unwrap();
        let routes = Routes::default();
        let want = Want {
            roles: ROLES,
            routes: &routes,
            arena: None,
        };
        let r = cf.request(&rec, &want);
        assert_eq!(crate::window::format_us(r.time_us), "2026-11-20T10:00:00Z");
        assert_eq!(r.client_ip, Some("192.0.2.14"));
        assert_eq!(
            r.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64)")
        );
        assert_eq!(r.method, Some("POST"));
        // decoded once: the client's own %20 stays
        assert_eq!(
            r.url.as_deref(),
            Some("/patients/123/notes?draft=1&q=ear%20infection")
        );
        assert_eq!(r.path.as_deref(), Some("/patients/123/notes"));
        assert_eq!(r.endpoint.as_deref(), Some("/patients/{id}/notes"));
        assert_eq!((r.status, r.generated), (Some(201), false));
        assert_eq!(r.backend, Some("hosp.example.com"));
        assert_eq!(r.latency_ms, Some(254.0));
        assert_eq!(r.first_byte_ms, Some(250.0));
        assert_eq!((r.bytes_in, r.bytes_out), (Some(812), Some(1290)));
        assert_eq!(r.request_type, Some("https"));
        assert_eq!(r.tls_protocol, Some("TLSv1.3"));
        assert_eq!(r.trace_id, Some("q1Xk0jZb9example=="));
        assert_eq!((r.edge_result, r.edge_detail), (Some("Miss"), Some("Miss")));
        assert_eq!(r.error_reason, None);
        assert_eq!(r.edge_location, Some("DUB56-P1"));
        assert_eq!(rec.airport(), Some("DUB"));
        // roles not asked for are left empty
        let few = Want {
            roles: RoleSet::of(&[Role::Time, Role::Status]),
            routes: &routes,
            arena: None,
        };
        let r = cf.request(&rec, &few);
        assert_eq!(
            (r.endpoint, r.path, r.url, r.user_agent),
            (None, None, None, None)
        );
        for role in Role::ALL {
            assert_eq!(
                ROLES.contains(*role),
                !role_source(*role).starts_with("(not"),
                "{role}"
            );
        }
    }

    #[test]
    fn generated_means_no_origin_response() {
        let with = |result: &str, detail: &str| {
            let line = LINE
                .replacen("\tMiss\t", &format!("\t{result}\t"), 1)
                .replace("\t0.250\tMiss\t", &format!("\t0.250\t{detail}\t"));
            let rec = parse_tsv(&line, &Fields::standard()).unwrap().clone();
            (
                generated(&rec),
                rec.get(Field::EdgeDetailedResultType).map(str::to_string),
            )
        };
        for (result, detail, want) in [
            ("Hit", "Hit", true),
            ("RefreshHit", "RefreshHit", false),
            ("Miss", "Miss", false),
            ("Miss", "OriginShieldHit", true),
            ("Redirect", "Redirect", true),
            ("Error", "OriginDnsError", true),
            ("Error", "OriginReadError", true),
            ("Error", "Error", false),
            ("Error", "ClientHungUpRequest", false),
            ("LimitExceeded", "LimitExceeded", true),
            ("CapacityExceeded", "CapacityExceeded", true),
            ("Error", "InvalidRequest", true),
        ] {
            let (got, d) = with(result, detail);
            assert_eq!(d.as_deref(), Some(detail));
            assert_eq!(got, want, "{result} / {detail}");
        }
    }

    #[test]
    fn a_file_is_read_by_its_first_fields_line() {
        let cf = CloudFront::for_file(b"#Version: 1.0\n#Fields: date time sc-status c-ip\n2026-11-20\t10:00:00\t200\t192.0.2.1\n");
        assert_eq!(cf.note(), None);
        let rec = cf.parse("2026-11-20\t10:00:00\t200\t192.0.2.1").unwrap();
        assert_eq!(
            (rec.status, rec.get(Field::CIp)),
            (Some(200), Some("192.0.2.1"))
        );
        let none = CloudFront::for_file(LINE.as_bytes());
        assert!(none.note().unwrap().contains("33-field"));
        assert_eq!(
            CloudFront::for_file(b"{\"date\":\"2026-11-20\"}\n"),
            CloudFront::json()
        );
        assert!(cf.is_meta("#Fields: date") && !cf.is_meta("2026-11-20\t10:00:00"));
    }
}
