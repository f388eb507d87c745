//! Amazon API Gateway access logs (REST and HTTP APIs), in whatever format the stage writes:
//! AWS's JSON, CLF, XML and CSV presets (recognised on their own) or any custom format given
//! as the stage's format string (`[apigw] format`, see `template`).
//!
//! Roles: time = `requestTimeEpoch`, else `requestTime`, else CloudWatch's timestamp; client =
//! `identity.sourceIp`; method = `httpMethod` (else the route key's); url and path = `path`;
//! endpoint = the resource path (REST) or the route key's path (HTTP) with its parameters
//! written `{id}` (`route`), through `[routes]` as the ALB's paths go, so both name a route
//! alike; status = `status`; upstream status = `integration.status` (the function's), else
//! `integrationStatus`; generated = neither; latency = `responseLatency`; upstream time =
//! `integrationLatency`; bytes out = `responseLength`; trace id = `xrayTraceId`; error reason
//! = `error.responseType`; edge id = `authorizer.cfId` (CloudFront's X-Amz-Cf-Id as a Lambda
//! authorizer returns it: no `$context` variable holds a request header). A role is filled
//! only when the format has its field.
//!
//! Why an error happened is API Gateway's own (`cause`): function, integration, gateway
//! for 5XX; waf, authorizer, throttling, client for 4XX.

pub mod athena;
pub mod cause;
pub mod descriptor;
pub mod fields;
pub mod frame;
pub mod json;
pub mod parse;
pub mod route;
pub mod template;

#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_lines;

use std::borrow::Cow;
use std::sync::Arc;

pub use cause::{cause, Cause, Signals};
pub use descriptor::FORMAT;
pub use fields::Field;
pub use parse::{parse_line, ApigwRecord};
pub use template::{Template, TemplateError, PRESETS};

use super::{ColumnDef, Request, Role, RoleSet, Want};

/// Every role some API Gateway format can fill.
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
    Role::LatencyMs,
    Role::UpstreamMs,
    Role::BytesOut,
    Role::TraceId,
    Role::ErrorReason,
    Role::EdgeId,
]);

/// Which fields fill each role (for `hosp-logs schema --roles` and docs/apigw.md).
pub fn role_source(role: Role) -> &'static str {
    match role {
        Role::Time => "requestTimeEpoch, else requestTime, else CloudWatch's timestamp",
        Role::ClientIp => "identity.sourceIp",
        Role::UserAgent => "identity.userAgent",
        Role::Method => "httpMethod, else the routeKey's method",
        Role::Url | Role::Path => "path",
        Role::Endpoint => "resourcePath or routeKey, parameters written {id}; else path",
        Role::Status => "status",
        Role::UpstreamStatus => "integration.status, else integrationStatus",
        Role::Generated => "no integration.status nor integrationStatus",
        Role::LatencyMs => "responseLatency",
        Role::UpstreamMs => "integrationLatency",
        Role::BytesOut => "responseLength",
        Role::TraceId => "xrayTraceId",
        Role::ErrorReason => "error.responseType",
        Role::EdgeId => {
            "authorizer.cfId (CloudFront's X-Amz-Cf-Id, returned by a Lambda authorizer)"
        }
        Role::RequestMs
        | Role::ResponseMs
        | Role::BytesIn
        | Role::Backend
        | Role::Target
        | Role::RequestType
        | Role::TlsProtocol
        | Role::TlsCipher
        | Role::Actions
        | Role::Classification
        | Role::EdgeResult
        | Role::EdgeDetail
        | Role::EdgeLocation
        | Role::FirstByteMs
        | Role::Attempts => "(not in API Gateway logs)",
    }
}

/// The earliest time a line can have: API Gateway launched in July 2015.
pub const EARLIEST_US: i64 = 1_435_708_800_000_000; // 2015-07-01T00:00:00Z

/// The API Gateway format of one file: the template its lines are read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apigw(pub Arc<Template>);

impl Default for Apigw {
    fn default() -> Self {
        Apigw(Arc::new(Template::json_by_name()))
    }
}

/// `[apigw]`: the stage's format, compiled once per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApigwSettings {
    /// None: each file's format is recognised (JSON by variable name or a preset).
    pub template: Option<Arc<Template>>,
}

impl ApigwSettings {
    pub fn new(format: Option<&str>) -> Result<ApigwSettings, TemplateError> {
        Ok(ApigwSettings {
            template: format.map(Template::compile).transpose()?.map(Arc::new),
        })
    }

    /// The format of a file whose first lines are `lines`: the configured one, else the
    /// candidate most of them parse with (JSON by name when none does).
    pub fn for_lines(&self, lines: &[&str]) -> Apigw {
        if let Some(t) = &self.template {
            return Apigw(t.clone());
        }
        recognise_among(lines, &candidates()).unwrap_or_default()
    }

    /// As [`ApigwSettings::for_lines`], from a file's first bytes.
    pub fn for_file(&self, head: &[u8]) -> Apigw {
        let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .take(20)
            .collect();
        self.for_lines(&lines)
    }

    /// The API Gateway format most of `lines` parse with (more than half), if any: the
    /// configured one, or without one JSON by name and the presets.
    pub fn recognise(&self, lines: &[&str]) -> Option<Apigw> {
        match &self.template {
            Some(t) => recognise_among(lines, std::slice::from_ref(t)),
            None => recognise_among(lines, &candidates()),
        }
    }
}

/// Without a configured format: JSON by name (it reads the JSON presets too), then the CLF,
/// XML and CSV presets.
fn candidates() -> Vec<Arc<Template>> {
    std::iter::once(Template::json_by_name())
        .chain(
            Template::presets()
                .iter()
                .filter(|t| matches!(t.body, template::Body::Line(_)))
                .cloned(),
        )
        .map(Arc::new)
        .collect()
}

fn recognise_among(lines: &[&str], candidates: &[Arc<Template>]) -> Option<Apigw> {
    if lines.is_empty() {
        return None;
    }
    let (best, n) = candidates
        .iter()
        .map(|t| {
            let n = lines.iter().filter(|l| parse_line(l, t).is_ok()).count();
            (t, n)
        })
        // the first of equals: max_by_key keeps the last
        .fold(None::<(&Arc<Template>, usize)>, |acc, (t, n)| match acc {
            Some((_, m)) if m >= n => acc,
            _ => Some((t, n)),
        })?;
    (n * 2 > lines.len()).then(|| Apigw(best.clone()))
}

/// The route as `migration` writes it: `GET /hospitals/{id}` (the method and the templated
/// endpoint), or None without a method or an endpoint.
pub fn route(method: Option<&str>, endpoint: Option<&str>) -> Option<String> {
    Some(format!("{} {}", method?, endpoint?))
}

impl Apigw {
    /// The roles this format's lines fill.
    pub fn roles(&self) -> RoleSet {
        let t = &self.0;
        let mut roles = RoleSet::of(&[Role::Time, Role::Status]);
        let mut add = |role, has: bool| {
            if has {
                roles = roles.with(role);
            }
        };
        add(Role::ClientIp, t.has(Field::SourceIp));
        add(Role::UserAgent, t.has(Field::UserAgent));
        add(
            Role::Method,
            t.has(Field::HttpMethod) || t.has(Field::RouteKey),
        );
        add(Role::Url, t.has(Field::Path));
        add(Role::Path, t.has(Field::Path));
        add(
            Role::Endpoint,
            t.has(Field::ResourcePath) || t.has(Field::RouteKey) || t.has(Field::Path),
        );
        let integrated = t.has(Field::IntegrationStatus) || t.has(Field::FunctionStatus);
        add(Role::UpstreamStatus, integrated);
        add(Role::Generated, integrated);
        add(Role::LatencyMs, t.has(Field::ResponseLatency));
        add(Role::UpstreamMs, t.has(Field::IntegrationLatency));
        add(Role::BytesOut, t.has(Field::ResponseLength));
        add(Role::TraceId, t.has(Field::XrayTraceId));
        add(Role::ErrorReason, t.has(Field::ErrorResponseType));
        add(Role::EdgeId, t.has(Field::EdgeId));
        roles
    }

    /// The native columns, in output order.
    pub fn column_defs(&self) -> Vec<ColumnDef> {
        frame::column_defs()
    }

    /// What a reader should be told once about how the file is read.
    pub fn read_as(&self) -> String {
        format!("API Gateway access log read as: {}", self.0.name)
    }
}

/// The error signals of a record, for [`cause`].
pub fn signals<'a>(r: &ApigwRecord<'a>) -> Signals<'a> {
    Signals {
        status: r.status,
        integration_status: r.integration_status,
        function_status: r.function_status,
        waf_response_code: r.get(Field::WafResponseCode),
        authorizer_error: r.get(Field::AuthorizerError),
        error_response_type: r.get(Field::ErrorResponseType),
    }
}

/// A JSON string's text with its escapes undone (borrowed when it has none).
pub fn decoded<'a>(r: &ApigwRecord<'a>, f: Field) -> Option<Cow<'a, str>> {
    let v = r.get(f)?;
    if r.json && v.contains('\\') {
        Some(Cow::Owned(super::cloudfront::parse::unescape_json(v)))
    } else {
        Some(Cow::Borrowed(v))
    }
}

/// The record's endpoint: its route template with parameters unified, through `routes` (a
/// configured template written as configured); its path templated when the route says
/// nothing (`$default`, `{proxy+}`).
pub fn endpoint<'a>(r: &ApigwRecord<'a>, routes: &super::Routes) -> Option<Cow<'a, str>> {
    let from_path = || {
        r.get(Field::Path)
            .map(|p| routes.endpoint(super::text::url_path(p).unwrap_or("/")))
    };
    match r.route_parts().1.map(route::unify_params) {
        Some(Some(Cow::Borrowed(t))) => Some(routes.endpoint(t)),
        Some(Some(Cow::Owned(t))) => Some(Cow::Owned(routes.endpoint(&t).into_owned())),
        Some(None) | None => from_path(),
    }
}

impl Apigw {
    /// The record's roles; only those in `want.roles` need be filled.
    pub fn request_of<'a>(&self, r: &ApigwRecord<'a>, want: &Want<'a>) -> Request<'a> {
        let has = |role| want.roles.contains(role);
        let integrated = self.0.has(Field::IntegrationStatus) || self.0.has(Field::FunctionStatus);
        let path = r.get(Field::Path);
        Request {
            time_us: r.time_us,
            client_ip: r.get(Field::SourceIp),
            user_agent: if has(Role::UserAgent) {
                decoded(r, Field::UserAgent)
            } else {
                None
            },
            method: r.route_parts().0,
            url: path.filter(|_| has(Role::Url)).map(Cow::Borrowed),
            path: path.filter(|_| has(Role::Path)).map(Cow::Borrowed),
            endpoint: if has(Role::Endpoint) {
                endpoint(r, want.routes)
            } else {
                None
            },
            status: Some(r.status),
            upstream_status: r.function_status.or(r.integration_status),
            generated: integrated && r.function_status.is_none() && r.integration_status.is_none(),
            latency_ms: r.response_latency,
            upstream_ms: r.integration_latency,
            bytes_out: r.response_length,
            trace_id: r.get(Field::XrayTraceId),
            edge_id: r.get(Field::EdgeId),
            error_reason: r.get(Field::ErrorResponseType),
            cause: cause(&signals(r)).map(Cause::name),
            ..Request::default()
        }
    }
}

impl super::LineFormat for Apigw {
    type Record<'a> = ApigwRecord<'a>;
    type Frame = frame::ApigwFrame;

    fn id(&self) -> super::FormatId {
        super::FormatId::Apigw
    }

    fn parse<'a>(&self, line: &'a str) -> Result<ApigwRecord<'a>, super::ParseError> {
        parse_line(line, &self.0)
    }

    fn time_us(rec: &ApigwRecord<'_>) -> i64 {
        rec.time_us
    }

    fn request<'a>(&self, rec: &ApigwRecord<'a>, want: &Want<'a>) -> Request<'a> {
        self.request_of(rec, want)
    }

    fn frame(&self, columns: &[usize], capacity: usize, source: &str) -> frame::ApigwFrame {
        frame::ApigwFrame::new(columns, capacity, source)
    }
    fn file_roles(&self) -> RoleSet {
        self.roles()
    }

    fn file_columns(&self) -> Vec<ColumnDef> {
        self.column_defs()
    }
}
