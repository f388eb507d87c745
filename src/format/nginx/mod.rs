//! nginx access logs, written with any `log_format` (the config's `[nginx] log_format`,
//! default nginx's `combined`; `--nginx-log-format` for one run).
//!
//! The format is compiled once per run (`log_format`) and every line matched against it
//! (`parse`). Roles come from the variables the format has, so a format without, say,
//! `$request_time` does not fill `latency_ms` and the analyses that need it are refused:
//! - time: `$msec`, else `$time_iso8601`, else `$time_local`;
//! - client: `$remote_addr`; behind `[nginx] trusted_proxies` the rightmost address of
//!   `X-Forwarded-For` that is not a trusted proxy (`client`);
//! - status: `$status`; latency: `$request_time` (s → ms);
//! - upstream attempts: `$upstream_addr`, `$upstream_status`, `$upstream_response_time`, one
//!   entry per try (`format::attempts`); upstream status, backend and target are the last
//!   attempt's (the one whose answer nginx passed on); generated: no upstream answered (no
//!   attempt, or the last attempt has no status); upstream time: the sum over the attempts
//!   (the time nginx spent waiting on upstreams, failed tries included);
//! - bytes in: `$request_length`; bytes out: `$bytes_sent`, else `$body_bytes_sent`;
//! - request type: `$scheme`; TLS: `$ssl_protocol`, `$ssl_cipher`; trace id:
//!   `$http_x_amzn_trace_id` (the ALB's); edge id: `$http_x_amz_cf_id` (CloudFront's
//!   `x-edge-request-id`, as the edge sent it).

pub mod client;
pub mod columns;
pub mod descriptor;
pub mod frame;
pub mod log_format;
pub mod parse;
pub mod vars;

#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_format;
#[cfg(test)]
mod tests_lines;

use std::borrow::Cow;
use std::sync::Arc;

pub use descriptor::FORMAT;
pub use log_format::{Escape, LogFormatError, NginxLogFormat, COMBINED};
pub use parse::NginxRecord;
use vars::Var;

use super::attempts::Attempts;
use super::text::split_request;
use super::{ColumnDef, FormatId, LineFormat, ParseError, Request, Role, RoleSet, Target, Want};
use crate::net::Cidr;

/// Every role some log_format can fill (a given format fills those its variables allow:
/// [`NginxSettings::roles`]): all but the ALB's own processing times and verdicts.
pub const ROLES: RoleSet = RoleSet::of(Role::ALL).minus(RoleSet::of(&[
    Role::RequestMs,
    Role::ResponseMs,
    Role::ErrorReason,
    Role::Actions,
    Role::Classification,
    Role::EdgeResult,
    Role::EdgeDetail,
    Role::EdgeLocation,
    Role::FirstByteMs,
]));

/// Which variables fill each role (for `hosp-logs schema --roles` and docs/nginx.md).
pub fn role_source(role: Role) -> &'static str {
    match role {
        Role::Time => "$msec, else $time_iso8601, else $time_local",
        Role::ClientIp => "$remote_addr; see [nginx] trusted_proxies",
        Role::UserAgent => "$http_user_agent",
        Role::Method => "$request (its method), else $request_method",
        Role::Url => "$request's URI, else $request_uri or $uri",
        Role::Path => "the URL's path",
        Role::Endpoint => "the URL's path, ids templated",
        Role::Status => "$status",
        Role::UpstreamStatus => "$upstream_status (the last attempt's)",
        Role::Generated => "no attempt, or the last has no status",
        Role::Backend | Role::Target => "$upstream_addr (the last attempt's)",
        Role::LatencyMs => "$request_time (s → ms)",
        Role::UpstreamMs => "$upstream_response_time (sum over attempts)",
        Role::BytesIn => "$request_length",
        Role::BytesOut => "$bytes_sent, else $body_bytes_sent",
        Role::RequestType => "$scheme",
        Role::TlsProtocol => "$ssl_protocol",
        Role::TlsCipher => "$ssl_cipher",
        Role::TraceId => "$http_x_amzn_trace_id",
        Role::EdgeId => "$http_x_amz_cf_id",
        Role::Attempts => "$upstream_status (+ _addr, _response_time)",
        Role::RequestMs | Role::ResponseMs | Role::ErrorReason | Role::Actions => {
            "(not in nginx logs)"
        }
        Role::Classification
        | Role::EdgeResult
        | Role::EdgeDetail
        | Role::EdgeLocation
        | Role::FirstByteMs => "(not in nginx logs)",
    }
}

/// `[nginx]` settings that cannot be used (a usage error, before any log is read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NginxConfigError {
    #[error("log_format: {0}")]
    LogFormat(#[from] LogFormatError),
    #[error("trusted_proxies: {0}")]
    TrustedProxy(String),
}

/// The config's `[nginx]` section, compiled once per run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NginxSettings {
    pub log_format: NginxLogFormat,
    /// Networks whose `X-Forwarded-For` entries are proxies, not clients.
    pub trusted_proxies: Vec<Cidr>,
}

impl NginxSettings {
    /// Compiles the log_format (default `combined`) and the trusted proxies.
    pub fn new(
        log_format: Option<&str>,
        escape: Option<&str>,
        trusted_proxies: &[String],
    ) -> Result<NginxSettings, NginxConfigError> {
        Ok(NginxSettings {
            log_format: NginxLogFormat::compile(log_format.unwrap_or(COMBINED), escape)?,
            trusted_proxies: trusted_proxies
                .iter()
                .map(|c| Cidr::parse(c).map_err(|e| NginxConfigError::TrustedProxy(e.0)))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The roles this log_format fills.
    pub fn roles(&self) -> RoleSet {
        let f = &self.log_format;
        let has = |v| f.has(v);
        let url = has(Var::Request) || has(Var::RequestUri) || has(Var::Uri);
        let client = has(Var::RemoteAddr)
            || (has(Var::HttpXForwardedFor) && !self.trusted_proxies.is_empty());
        let time = has(Var::Msec) || has(Var::TimeIso8601) || has(Var::TimeLocal);
        let pairs = [
            (Role::Time, time),
            (Role::ClientIp, client),
            (Role::UserAgent, has(Var::HttpUserAgent)),
            (Role::Method, has(Var::Request) || has(Var::RequestMethod)),
            (Role::Url, url),
            (Role::Path, url),
            (Role::Endpoint, url),
            (Role::Status, has(Var::Status)),
            (Role::UpstreamStatus, has(Var::UpstreamStatus)),
            (Role::Generated, has(Var::UpstreamStatus)),
            (Role::Backend, has(Var::UpstreamAddr)),
            (Role::Target, has(Var::UpstreamAddr)),
            (Role::LatencyMs, has(Var::RequestTime)),
            (Role::UpstreamMs, has(Var::UpstreamResponseTime)),
            (Role::BytesIn, has(Var::RequestLength)),
            (
                Role::BytesOut,
                has(Var::BytesSent) || has(Var::BodyBytesSent),
            ),
            (Role::RequestType, has(Var::Scheme)),
            (Role::TlsProtocol, has(Var::SslProtocol)),
            (Role::TlsCipher, has(Var::SslCipher)),
            (Role::TraceId, has(Var::HttpXAmznTraceId)),
            (Role::EdgeId, has(Var::HttpXAmzCfId)),
            (Role::Attempts, has(Var::UpstreamStatus)),
        ];
        pairs
            .into_iter()
            .filter(|(_, on)| *on)
            .fold(RoleSet::EMPTY, |s, (r, _)| s.with(r))
    }

    /// The client of a request (see `client`).
    pub fn client<'a>(&self, r: &NginxRecord<'a>) -> Option<&'a str> {
        let f = &self.log_format;
        client::client(
            f.text(r, Var::RemoteAddr),
            f.text(r, Var::HttpXForwardedFor),
            &self.trusted_proxies,
        )
    }
}

impl NginxLogFormat {
    /// A known variable's text, None when the format lacks it or the line has `-`.
    pub fn text<'a>(&self, r: &NginxRecord<'a>, var: Var) -> Option<&'a str> {
        self.slot(var).and_then(|s| r.value(s))
    }

    fn count(&self, r: &NginxRecord<'_>, var: Var) -> Option<u64> {
        self.text(r, var).and_then(|v| v.parse().ok())
    }

    /// The method and URI: from `$request`, else `$request_method` and `$request_uri` (else
    /// `$uri`).
    pub fn method_url<'a>(&self, r: &NginxRecord<'a>) -> (Option<&'a str>, Option<&'a str>) {
        let (method, url, _) = self
            .text(r, Var::Request)
            .map_or((None, None, None), split_request);
        (
            method.or_else(|| self.text(r, Var::RequestMethod)),
            url.or_else(|| self.text(r, Var::RequestUri))
                .or_else(|| self.text(r, Var::Uri)),
        )
    }

    /// The upstream attempt lists, when the format logs any.
    pub fn attempts<'a>(&self, r: &NginxRecord<'a>) -> Option<Attempts<'a>> {
        let list = |v| self.slot(v).map(|s| r.raw(s).unwrap_or("-"));
        let a = Attempts {
            addr: list(Var::UpstreamAddr),
            status: list(Var::UpstreamStatus),
            time: list(Var::UpstreamResponseTime),
        };
        (a != Attempts::default()).then_some(a)
    }

    /// The time spent on upstreams: the sum over the attempts, in ms.
    pub fn upstream_ms(&self, r: &NginxRecord<'_>) -> Option<f64> {
        let times = self
            .slot(Var::UpstreamResponseTime)
            .and_then(|s| r.value(s))?;
        let mut sum = None;
        for t in super::attempts::ListItems::new(times) {
            if let Some(s) = parse::parse_seconds(t) {
                *sum.get_or_insert(0.0) += s * 1000.0;
            }
        }
        sum
    }
}

/// The upstream an address names: `10.0.0.5:8080`, `[2001:db8::1]:80` (brackets kept, so
/// it prints back as logged), `unix:/run/app.sock` or a group name (no port).
pub fn target(addr: &str) -> Target<'_> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && (!host.contains(':') || host.ends_with(']')) => {
            match port.parse() {
                Ok(p) => Target {
                    host,
                    port: Some(p),
                },
                Err(_) => Target {
                    host: addr,
                    port: None,
                },
            }
        }
        _ => Target {
            host: addr,
            port: None,
        },
    }
}

/// The nginx format of a run: the compiled settings, shared by every file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nginx(pub Arc<NginxSettings>);

impl Nginx {
    /// The native columns, in output order.
    pub fn columns(&self) -> Vec<columns::Column> {
        columns::columns(&self.0)
    }

    pub fn column_defs(&self) -> Vec<ColumnDef> {
        self.columns().into_iter().map(|c| c.def).collect()
    }
}

impl LineFormat for Nginx {
    type Record<'a> = NginxRecord<'a>;
    type Frame = frame::NginxFrame;

    fn id(&self) -> FormatId {
        FormatId::Nginx
    }

    fn file_roles(&self) -> RoleSet {
        self.0.roles()
    }

    fn file_columns(&self) -> Vec<ColumnDef> {
        self.column_defs()
    }

    fn parse<'a>(&self, line: &'a str) -> Result<NginxRecord<'a>, ParseError> {
        self.0.log_format.parse(line)
    }

    fn time_us(rec: &NginxRecord<'_>) -> i64 {
        // a format without a time fills no time role: analyses are refused, rows kept
        rec.time_us.unwrap_or(0)
    }

    fn request<'a>(&self, r: &Self::Record<'a>, want: &Want<'a>) -> Request<'a> {
        let s = &*self.0;
        let f = &s.log_format;
        let has = |role| want.roles.contains(role);
        let (method, url) = f.method_url(r);
        let (path, endpoint) = want.path_and_endpoint(url);
        let attempts = f.attempts(r);
        let last = attempts.and_then(|a| a.last());
        let has_status_list = f.has(Var::UpstreamStatus);
        Request {
            time_us: Self::time_us(r),
            excluded: false,
            client_ip: if has(Role::ClientIp) {
                s.client(r)
            } else {
                None
            },
            user_agent: f.text(r, Var::HttpUserAgent).map(Cow::Borrowed),
            method,
            url: url.map(Cow::Borrowed),
            path,
            endpoint,
            status: r.status,
            upstream_status: last.and_then(|a| a.status),
            generated: has_status_list && last.is_none_or(|a| a.status.is_none()),
            backend: last.and_then(|a| a.addr),
            target: last.and_then(|a| a.addr).map(target),
            latency_ms: r.request_time.map(|t| t * 1000.0),
            request_ms: None,
            upstream_ms: if has(Role::UpstreamMs) {
                f.upstream_ms(r)
            } else {
                None
            },
            response_ms: None,
            bytes_in: f.count(r, Var::RequestLength),
            bytes_out: f
                .count(r, Var::BytesSent)
                .or_else(|| f.count(r, Var::BodyBytesSent)),
            request_type: f.text(r, Var::Scheme),
            tls_protocol: f.text(r, Var::SslProtocol),
            tls_cipher: f.text(r, Var::SslCipher),
            trace_id: f.text(r, Var::HttpXAmznTraceId),
            edge_id: f.text(r, Var::HttpXAmzCfId),
            error_reason: None,
            actions: None,
            classification: None,
            attempts: attempts.filter(|_| has_status_list),
            ..Request::default()
        }
    }

    fn frame(&self, columns: &[usize], capacity: usize, source: &str) -> frame::NginxFrame {
        let all = self.columns();
        let picked: Vec<columns::Column> = columns
            .iter()
            .filter_map(|&i| all.get(i).cloned())
            .collect();
        frame::NginxFrame::new(Arc::clone(&self.0), &picked, capacity, source)
    }
}
