//! Log formats: how the bytes of one kind of access log become typed requests.
//!
//! A format is one module (`alb/`, later CloudFront and nginx beside it) that provides:
//! - its line parser into a typed record ([`LineFormat::parse`]);
//! - its native columns with explicit types, for `query` and `export` ([`LineFormat::frame`]);
//! - the **roles** it fills ([`Role`]): the format-neutral view of a request every analysis
//!   reads ([`Request`]), and which roles it cannot fill;
//! - recognition from a file's first lines ([`recognise`]), the time in its file names (for
//!   pruning) and its S3 delivery layout (`layout`);
//! - its Athena table where it has one;
//! - its descriptor ([`Descriptor`], in `<format>/descriptor.rs`): everything else the program
//!   asks of it (name, S3 layout, delivery delay, hop position, ...), listed in [`FORMATS`].
//!
//! Analyses read roles, never a format's own fields, and the rest of the program asks a
//! format's descriptor, never matches on [`FormatId`] (`tests/layers.rs`), so a new format is
//! a new module here, its registry lines and its tests, with no edit under metrics/ or cli/.

pub mod alb;
pub mod apigw;
pub mod athena;
pub mod attempts;
pub mod cloudfront;
pub mod descriptor;
pub mod error;
pub mod nginx;
#[cfg(test)]
pub(crate) mod testing;
pub mod text;

use std::borrow::Cow;
use std::fmt;

pub use crate::frame::{ColumnDef, Kind};
pub use attempts::{Attempt, Attempts};
pub use descriptor::{AthenaTable, Descriptor, HopPosition, S3Layout, Sniff};
pub use error::{ParseError, ParseErrorKind};
pub use text::Routes;

/// The formats hosp-logs reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatId {
    /// AWS Application Load Balancer access logs.
    Alb,
    /// Amazon CloudFront standard logs (legacy tab-separated, and v2 JSON lines).
    #[serde(rename = "cloudfront")]
    CloudFront,
    /// nginx access logs, in the configured `log_format`.
    Nginx,
    /// Amazon API Gateway access logs (REST and HTTP APIs), in the stage's format.
    Apigw,
}

/// The registry: every format's descriptor, in the order of [`FormatId`]'s variants (checked
/// when compiling). The order is also the order of messages and of recognition: a format
/// that reads loosely (nginx's configurable log_format) stands last.
pub const FORMATS: &[&Descriptor] = &[
    &alb::FORMAT,
    &cloudfront::FORMAT,
    &nginx::FORMAT,
    &apigw::FORMAT,
];

const _: () = {
    let mut i = 0;
    while i < FORMATS.len() {
        assert!(
            FORMATS[i].id as usize == i,
            "FORMATS lists the formats in FormatId's order"
        );
        i += 1;
    }
};

impl FormatId {
    pub const ALL: [FormatId; FORMATS.len()] = {
        let mut all = [FormatId::Alb; FORMATS.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = FORMATS[i].id;
            i += 1;
        }
        all
    };

    /// The format an input is read as when nothing tells (its lines are then counted
    /// malformed and the file named), and whose table `--engine athena` reads by default.
    pub const FALLBACK: FormatId = FormatId::Alb;

    /// Everything the program asks of this format.
    pub fn descriptor(self) -> &'static Descriptor {
        FORMATS[self as usize]
    }

    /// The format `--log-format` calls `name`.
    pub fn from_name(name: &str) -> Option<FormatId> {
        FORMATS.iter().find(|d| d.name == name).map(|d| d.id)
    }

    /// The name `--log-format` takes.
    pub fn name(self) -> &'static str {
        self.descriptor().name
    }

    /// What a person calls it, for messages.
    pub fn title(self) -> &'static str {
        self.descriptor().title
    }

    /// The `--log-format` value that reads only this format.
    pub fn log_format(self) -> LogFormat {
        self.descriptor().log_format
    }

    /// The roles the format can fill (nginx: those some log_format fills; a file's own are
    /// [`FileFormat::roles`]).
    pub fn roles(self) -> RoleSet {
        self.descriptor().roles
    }

    /// The earliest time a line of this format can have (the service's launch): an earlier one
    /// is a corrupt line, not data.
    pub fn earliest_us(self) -> i64 {
        self.descriptor().earliest_us
    }

    /// The format's native columns (name, type, meaning), in output order (nginx: with its
    /// default log_format; a run's own are [`FileFormat::columns`]).
    pub fn columns(self) -> Vec<ColumnDef> {
        (self.descriptor().columns)()
    }

    /// The format's Athena table, or why it has none.
    pub fn athena(self) -> Result<&'static AthenaTable, &'static str> {
        self.descriptor().athena.as_ref().map_err(|why| *why)
    }

    /// The Athena table `athena setup --log-format <this>` creates by default; None for a
    /// format without one.
    pub fn athena_default_table(self) -> Option<&'static str> {
        self.athena().ok().map(|t| t.default_table)
    }

    /// The format's Athena table as the analyses' SQL reads it over a window: each role's
    /// expression over its columns, unparsed lines, partitions. `location` (the table's
    /// s3:// folder, when known) tells layouts apart: CloudFront v2's folders are partitioned.
    pub fn athena_table(
        self,
        location: Option<&str>,
        window: &crate::window::Window,
        settings: &FormatSettings,
    ) -> Result<athena::TableSql, crate::error::UsageError> {
        match self.athena() {
            Ok(t) => (t.table_sql)(location, window, settings),
            Err(why) => Err(crate::error::UsageError(format!(
                "there is no Athena table for {} logs ({why}): use the local engine",
                self.name()
            ))),
        }
    }

    /// The time range a log file's name says it covers (µs since the epoch), for pruning
    /// files the window does not need without opening them.
    pub fn file_time_range(self, name: &str) -> Option<(i64, i64)> {
        (self.descriptor().file_time_range)(name)
    }

    /// How its objects are laid out in S3.
    pub fn s3_layout(self) -> S3Layout {
        self.descriptor().s3_layout
    }

    /// How late its objects may arrive after their minutes, in seconds.
    pub fn delivery_delay_s(self) -> i64 {
        self.descriptor().delivery_delay_s
    }

    /// Where it stands on a request's way in.
    pub fn hop(self) -> HopPosition {
        self.descriptor().hop
    }
}

impl fmt::Display for FormatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--log-format` / `[source] log_format`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Deserialize,
    serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Recognised per file from its first lines
    #[default]
    Auto,
    /// AWS Application Load Balancer access logs
    Alb,
    /// Amazon CloudFront standard logs (tab-separated with #Fields, or v2 JSON lines)
    Cloudfront,
    /// nginx access logs, in the configured [nginx] log_format (default: combined)
    Nginx,
    /// API Gateway access logs, in the configured [apigw] format (default: recognised)
    Apigw,
}

impl LogFormat {
    /// The one format every input is read as, or None for auto.
    pub fn fixed(self) -> Option<FormatId> {
        FORMATS.iter().find(|d| d.log_format == self).map(|d| d.id)
    }
}

macro_rules! roles {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// A format-neutral part of a request that analyses read. Each format says which it
        /// fills and from which of its fields (`hosp-logs schema --roles`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Role {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            /// The role's name in messages and docs.
            pub fn name(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)*
                }
            }

            /// What the role means, whatever the format.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Role::$variant => concat!($($doc),*).trim_ascii(),)*
                }
            }
        }
    };
}

roles! {
    /// when the request was answered (UTC)
    Time = "time",
    /// the client's address as this hop saw it
    ClientIp = "client_ip",
    /// the User-Agent header (attacker-controlled)
    UserAgent = "user_agent",
    /// the HTTP method
    Method = "method",
    /// the URL as the client sent it
    Url = "url",
    /// the URL's path, without the query
    Path = "path",
    /// the path with ids templated: /patients/123 -> /patients/{id}
    Endpoint = "endpoint",
    /// the status the client received from this hop
    Status = "status",
    /// the status the upstream (target, origin, backend) answered this hop; none when it did not answer
    UpstreamStatus = "upstream_status",
    /// this hop answered by itself: no upstream response (an ALB-generated 502, a cache hit)
    Generated = "generated",
    /// the backend pool that served the request (ALB target group)
    Backend = "backend",
    /// the upstream server that answered (ip:port)
    Target = "target",
    /// the time this hop took to answer, in ms
    LatencyMs = "latency_ms",
    /// time spent before the request went upstream, in ms (ALB request_processing_time)
    RequestMs = "request_ms",
    /// time the upstream took, in ms (ALB target_processing_time)
    UpstreamMs = "upstream_ms",
    /// time spent sending the response, in ms (ALB response_processing_time)
    ResponseMs = "response_ms",
    /// request bytes received from the client
    BytesIn = "bytes_in",
    /// response bytes sent to the client
    BytesOut = "bytes_out",
    /// the connection type: http, https, h2, grpcs, ws, wss
    RequestType = "request_type",
    /// the TLS protocol; none on plain HTTP
    TlsProtocol = "tls_protocol",
    /// the TLS cipher; none on plain HTTP
    TlsCipher = "tls_cipher",
    /// the request's trace id (X-Amzn-Trace-Id)
    TraceId = "trace_id",
    /// why this hop failed the request (ALB error_reason)
    ErrorReason = "error_reason",
    /// what this hop did with the request (ALB actions_executed: waf, forward, ...)
    Actions = "actions",
    /// HTTP desync classification (ALB classification)
    Classification = "classification",
    /// what a CDN edge did: Hit, RefreshHit, Miss, Error, Redirect, LimitExceeded, CapacityExceeded
    EdgeResult = "edge_result",
    /// the edge's result in detail: OriginDnsError, OriginConnectError, ClientHungUpRequest, ...
    EdgeDetail = "edge_detail",
    /// the CDN edge location (PoP) that served the request
    EdgeLocation = "edge_location",
    /// time from receiving the request to the response's first byte, in ms
    FirstByteMs = "first_byte_ms",
    /// each upstream attempt (address, status, time) when the hop retried (nginx's $upstream_* lists)
    Attempts = "upstream_attempts",
    /// the CDN edge's id of the request (CloudFront x-edge-request-id; behind the edge, the X-Amz-Cf-Id header it sent)
    EdgeId = "edge_id",
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RoleSet(u32);

impl RoleSet {
    pub const EMPTY: RoleSet = RoleSet(0);

    pub const fn of(roles: &[Role]) -> RoleSet {
        let mut bits = 0u32;
        let mut i = 0;
        while i < roles.len() {
            bits |= 1 << roles[i] as u8;
            i += 1;
        }
        RoleSet(bits)
    }

    pub const fn with(self, r: Role) -> RoleSet {
        RoleSet(self.0 | 1 << r as u8)
    }

    pub const fn union(self, o: RoleSet) -> RoleSet {
        RoleSet(self.0 | o.0)
    }

    pub const fn contains(self, r: Role) -> bool {
        self.0 & (1 << r as u8) != 0
    }

    pub fn intersect(self, o: RoleSet) -> RoleSet {
        RoleSet(self.0 & o.0)
    }

    /// The roles of `self` that `o` lacks.
    pub const fn minus(self, o: RoleSet) -> RoleSet {
        RoleSet(self.0 & !o.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.iter().copied().filter(move |r| self.contains(*r))
    }

    /// "status, latency_ms"
    pub fn names(self) -> String {
        self.iter().map(Role::name).collect::<Vec<_>>().join(", ")
    }
}

/// The upstream server that answered: `10.0.0.5:8080`, or a name without a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
}

impl Target<'_> {
    /// Writes `host:port` (as `Display` does) into `out`, cleared first: the per-request path
    /// of an analysis keyed by target, without the formatting machinery.
    pub fn write_into(&self, out: &mut String) {
        out.clear();
        out.push_str(self.host);
        if let Some(p) = self.port {
            out.push(':');
            let mut digits = [0u8; 5];
            let mut i = digits.len();
            let mut p = p;
            loop {
                i -= 1;
                digits[i] = b'0' + (p % 10) as u8;
                p /= 10;
                if p == 0 {
                    break;
                }
            }
            // ASCII digits
            out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
        }
    }
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => f.write_str(self.host),
        }
    }
}

/// One request as the analyses read it: the roles a format fills, borrowed from the line.
/// Only the roles asked for are filled; the others are `None` (or `false`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request<'a> {
    /// µs since the Unix epoch, UTC.
    pub time_us: i64,
    /// Non-user traffic matched by the config's `[exclude]` (set by the loader). Analyses leave
    /// it out; the SLO counts it apart.
    pub excluded: bool,
    pub client_ip: Option<&'a str>,
    /// Decoded where the format encodes it (CloudFront); raw otherwise.
    pub user_agent: Option<Cow<'a, str>>,
    pub method: Option<&'a str>,
    pub url: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub endpoint: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    pub upstream_status: Option<u16>,
    pub generated: bool,
    pub backend: Option<&'a str>,
    pub target: Option<Target<'a>>,
    pub latency_ms: Option<f64>,
    pub request_ms: Option<f64>,
    pub upstream_ms: Option<f64>,
    pub response_ms: Option<f64>,
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
    pub request_type: Option<&'a str>,
    pub tls_protocol: Option<&'a str>,
    pub tls_cipher: Option<&'a str>,
    pub trace_id: Option<&'a str>,
    pub error_reason: Option<&'a str>,
    /// Why a 4XX or 5XX was answered, where the format's fields tell it (API Gateway:
    /// `function`, `integration`, `gateway`; `waf`, `authorizer`, `throttling`, `client`).
    pub cause: Option<&'static str>,
    pub actions: Option<&'a str>,
    pub classification: Option<&'a str>,
    pub edge_result: Option<&'a str>,
    pub edge_detail: Option<&'a str>,
    pub edge_location: Option<&'a str>,
    pub first_byte_ms: Option<f64>,
    /// The CDN edge's request id (CloudFront `x-edge-request-id`, or the `X-Amz-Cf-Id` header a
    /// hop behind the edge logged): what joins the edge's log to the hops behind it.
    pub edge_id: Option<&'a str>,
    /// The upstream attempts, as logged (read with [`Attempts::iter`]).
    pub attempts: Option<Attempts<'a>>,
}

/// What a loader asks of a format for each record: the roles, and how to template endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Want<'r> {
    pub roles: RoleSet,
    pub routes: &'r Routes,
    /// Where a templated endpoint is written for the requests of one chunk (a pointer bump
    /// instead of a `String` allocated and freed per request); `None`: each is a `String`.
    pub arena: Option<&'r bumpalo::Bump>,
}

thread_local! {
    /// The endpoint being templated, reused from request to request.
    static ENDPOINT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl<'r> Want<'r> {
    /// A request URL's path and templated endpoint, each only when its role is asked for (the
    /// split and the templating cost on every line). A URL without a path
    /// (`https://example.com`) asks for the root.
    pub fn path_and_endpoint<'a>(
        &self,
        url: Option<&'a str>,
    ) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>)
    where
        'r: 'a,
    {
        let (want_path, want_endpoint) = (
            self.roles.contains(Role::Path),
            self.roles.contains(Role::Endpoint),
        );
        if !(want_path || want_endpoint) {
            return (None, None);
        }
        let Some(url) = url else {
            return (None, None);
        };
        let url_path = text::url_path(url);
        let path = url_path.filter(|_| want_path).map(Cow::Borrowed);
        let endpoint = want_endpoint.then(|| {
            let path = url_path.unwrap_or("/");
            let Some(arena) = self.arena else {
                return self.routes.endpoint(path);
            };
            ENDPOINT.with_borrow_mut(|out| match self.routes.endpoint_into(path, out) {
                Some(slice) => Cow::Borrowed(slice),
                None => Cow::Borrowed(&*arena.alloc_str(out)),
            })
        });
        (path, endpoint)
    }
}

/// A format as the loader drives it: one value per file (a format whose lines depend on a
/// header, such as CloudFront's `#Fields`, carries what the header said).
pub trait LineFormat: Sync {
    type Record<'a>;
    /// Builds the native columns of `query` and `export`.
    type Frame: FrameBuilder<Self>;

    fn id(&self) -> FormatId;

    /// Parses one line (without its line end).
    fn parse<'a>(&self, line: &'a str) -> Result<Self::Record<'a>, ParseError>;

    /// The record's time, µs since the epoch (what windows and series use).
    fn time_us(rec: &Self::Record<'_>) -> i64;

    /// The record's roles; only those in `want.roles` need be filled.
    fn request<'a>(&self, rec: &Self::Record<'a>, want: &Want<'a>) -> Request<'a>;

    /// Lines that are not records but belong to the format (headers, comments): skipped and
    /// counted apart, never malformed.
    fn is_meta(&self, _line: &str) -> bool {
        false
    }

    /// A builder for `columns` (indexes into [`FormatId::columns`]).
    fn frame(&self, columns: &[usize], capacity: usize, source: &str) -> Self::Frame;

    /// The roles these lines fill (a format whose roles follow its settings says which).
    fn file_roles(&self) -> RoleSet {
        self.id().roles()
    }

    /// The native columns of these lines, in output order.
    fn file_columns(&self) -> Vec<ColumnDef> {
        self.id().columns()
    }

    /// A line that changes how the lines after it are read, when the format has one.
    fn switch_marker(&self) -> Option<&'static [u8]> {
        None
    }

    /// What a reader should be told once about how this file is read.
    fn note(&self) -> Option<&'static str> {
        None
    }
}

/// Native Polars columns of one batch, for `query` and `export`.
pub trait FrameBuilder<F: LineFormat + ?Sized> {
    fn push(&mut self, rec: &F::Record<'_>, routes: &Routes);
    fn finish(self) -> polars::prelude::DataFrame;
}

/// What the formats that need settings take from the config, compiled once per run. ALB
/// needs none.
#[derive(Debug, Clone, Default)]
pub struct FormatSettings {
    /// `[nginx]`: the compiled log_format and the trusted proxies.
    pub nginx: nginx::Nginx,
    /// `[apigw]`: the stage's format, when given.
    pub apigw: apigw::ApigwSettings,
}

/// The format of one input file, with whatever its header said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFormat {
    Alb,
    /// With the file's `#Fields` mapping (or JSON lines).
    CloudFront(cloudfront::CloudFront),
    Nginx(nginx::Nginx),
    Apigw(apigw::Apigw),
}

impl FileFormat {
    pub fn id(&self) -> FormatId {
        crate::with_line_format!(self, |f| f.id())
    }

    /// The format `id` for a file whose first bytes are `head` (a format with a header line,
    /// such as CloudFront's `#Fields`, reads it there).
    pub fn for_file(id: FormatId, head: &[u8], settings: &FormatSettings) -> FileFormat {
        (id.descriptor().for_file)(head, settings)
    }

    /// The format of a file nothing tells ([`FormatId::FALLBACK`]).
    pub fn fallback() -> FileFormat {
        FileFormat::for_file(FormatId::FALLBACK, &[], &FormatSettings::default())
    }

    /// The roles this file's lines fill.
    pub fn roles(&self) -> RoleSet {
        crate::with_line_format!(self, |f| f.file_roles())
    }

    /// A line that changes how the lines after it are read, when a format has one
    /// (CloudFront's `#Fields`: concatenated files switch the mapping mid-file).
    pub fn switch_marker(&self) -> Option<&'static [u8]> {
        crate::with_line_format!(self, |f| f.switch_marker())
    }

    /// What a reader should be told once about how this file is read (e.g. CloudFront
    /// without a `#Fields` line is read in the standard 33-field order).
    pub fn note(&self) -> Option<&'static str> {
        crate::with_line_format!(self, |f| f.note())
    }

    /// The native columns of this file's lines, in output order.
    pub fn columns(&self) -> Vec<ColumnDef> {
        crate::with_line_format!(self, |f| f.file_columns())
    }

    /// How a refusal names this file's logs: "ALB access log logs", or what the format says
    /// when its roles follow its settings.
    pub fn logs(&self) -> String {
        let d = self.id().descriptor();
        match d.roles_follow_settings {
            Some(named) => named.to_string(),
            None => format!("{} logs", d.title),
        }
    }
}

/// Runs `$body` with `$f` bound to the concrete [`LineFormat`] of a [`FileFormat`], so the
/// per-line loop is compiled once per format (no dynamic dispatch per line).
#[macro_export]
macro_rules! with_line_format {
    ($file_format:expr, |$f:ident| $body:expr) => {
        match $file_format {
            $crate::format::FileFormat::Alb => {
                let $f = &$crate::format::alb::Alb;
                $body
            }
            $crate::format::FileFormat::CloudFront(cf) => {
                let $f = cf;
                $body
            }
            $crate::format::FileFormat::Nginx(n) => {
                let $f: &$crate::format::nginx::Nginx = n;
                $body
            }
            $crate::format::FileFormat::Apigw(a) => {
                let $f: &$crate::format::apigw::Apigw = a;
                $body
            }
        }
    };
}

/// Which of its fields fills a role in a format (for `hosp-logs schema --roles`).
pub fn role_source(id: FormatId, role: Role) -> &'static str {
    (id.descriptor().role_source)(role)
}

/// Why a file met while listing is not an access log of any format (None: read it): AWS's
/// test file, ALB connection logs and NLB logs share the folders access logs are in.
pub fn not_an_access_log(name: &str) -> Option<&'static str> {
    alb::layout::not_an_access_log(name)
}

/// The times a log file's requests can have, from its name, in whichever format names its
/// files so (µs since the epoch).
pub fn file_time_range(name: &str) -> Option<(i64, i64)> {
    FormatId::ALL.iter().find_map(|f| f.file_time_range(name))
}

/// What a file's first lines look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looks {
    /// A format hosp-logs reads.
    Known(FileFormat),
    /// Something recognisable that hosp-logs does not read (named for the message).
    Other(&'static str),
    /// Nothing recognisable.
    Unknown,
}

/// How many first lines recognition looks at.
const SNIFF_LINES: usize = 20;

/// Recognises a file's format from its first lines (blank lines skipped).
pub fn recognise(head: &[u8], settings: &FormatSettings) -> Looks {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
    let mut lines = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(SNIFF_LINES)
        .peekable();
    let Some(first) = lines.peek().copied() else {
        return Looks::Unknown;
    };
    let candidates: Vec<&str> = lines.collect();
    let sniff = Sniff {
        head,
        first,
        lines: &candidates,
        settings,
    };
    // a header names a format even when no record follows it; else the format most of the
    // first lines parse as, in registry order
    let marked = FORMATS.iter().find_map(|d| (d.marked)(&sniff));
    match marked.or_else(|| FORMATS.iter().find_map(|d| (d.recognise)(&sniff))) {
        Some(f) => Looks::Known(f),
        None => describe_other(first),
    }
}

/// Names what a line that no format reads looks like.
pub fn describe_other(line: &str) -> Looks {
    let t = line.trim_start();
    if t.starts_with('{') {
        return Looks::Other("JSON lines");
    }
    let words: Vec<&str> = t.split(' ').collect();
    // `2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 … TID_…`
    if words.len() > 8
        && words[0].len() >= 20
        && words[0].as_bytes()[10] == b'T'
        && words.last().is_some_and(|w| w.starts_with("TID_"))
    {
        return Looks::Other("an ALB connection log");
    }
    if words.len() > 4
        && matches!(words[0], "tls" | "tcp" | "udp" | "tcp_udp")
        && words[1].len() == 3
    {
        return Looks::Other("an NLB access log");
    }
    // nginx/Apache common and combined: `addr - user [10/Oct/2000:13:55:36 -0700] "GET ..."`
    if words.len() > 5
        && words
            .get(3)
            .is_some_and(|w| w.starts_with('[') && w.contains('/'))
        && t.contains("] \"")
    {
        return Looks::Other(
            "an nginx or Apache access log (common/combined) not in the configured [nginx] log_format",
        );
    }
    // CloudFront without its header: tab-separated, a date then a time
    let tabs: Vec<&str> = t.split('\t').collect();
    if tabs.len() >= 12 && tabs[0].len() == 10 && tabs[0].as_bytes()[4] == b'-' {
        return Looks::Other("a CloudFront standard log without its header");
    }
    Looks::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endpoint templated into the chunk's arena is the one `Routes::endpoint` gives.
    #[test]
    fn endpoints_in_the_arena_are_the_routes_endpoints() {
        let routes =
            Routes::new(&["/api/{version}/items".to_string(), "/static/*".to_string()]).unwrap();
        let arena = bumpalo::Bump::new();
        let roles = RoleSet::of(&[Role::Path, Role::Endpoint]);
        let plain = Want {
            roles,
            routes: &routes,
            arena: None,
        };
        let kept = Want {
            arena: Some(&arena),
            ..plain
        };
        for url in [
            "http://h:80/patients/123/notes?x=1",
            "https://h:443/patients/123/notes/456",
            "/api/v2/items?page=3",
            "/static/css/site.css",
            "/notes",
            "http://h",
            "",
            "/blobs/deadbeefdeadbeef/",
        ] {
            let want = plain.path_and_endpoint(Some(url));
            assert_eq!(kept.path_and_endpoint(Some(url)), want, "{url}");
            let path = text::url_path(url).unwrap_or("/");
            assert_eq!(want.1.as_deref(), Some(&*routes.endpoint(path)), "{url}");
        }
        assert!(
            arena.allocated_bytes() > 0,
            "templated endpoints were kept in the arena"
        );
    }

    #[test]
    fn target_written_as_displayed() {
        let mut out = String::from("left over");
        for port in [None, Some(0), Some(7), Some(80), Some(8080), Some(65535)] {
            for host in ["10.0.0.5", "2001:db8::1", "backend"] {
                let t = Target { host, port };
                t.write_into(&mut out);
                assert_eq!(out, t.to_string());
            }
        }
    }

    /// The registry lists each format once, under the name `--log-format` takes, and each
    /// descriptor is its own format's.
    #[test]
    fn the_registry_lists_each_format_once() {
        assert_eq!(FormatId::ALL.len(), FORMATS.len());
        let mut names = std::collections::HashSet::new();
        for (i, d) in FORMATS.iter().enumerate() {
            assert_eq!(FormatId::ALL[i], d.id);
            assert_eq!(d.id.descriptor().name, d.name);
            assert_eq!(FormatId::from_name(d.name), Some(d.id));
            assert_eq!(d.log_format.fixed(), Some(d.id), "{}", d.name);
            // the JSON name and the flag's value are the descriptor's name
            assert_eq!(serde_json::to_value(d.id).unwrap(), d.name);
            let flag = clap::ValueEnum::to_possible_value(&d.log_format).unwrap();
            assert_eq!(flag.get_name(), d.name);
            assert!(names.insert(d.name), "{} twice", d.name);
            // a file read as this format is this format
            let f = FileFormat::for_file(d.id, &[], &FormatSettings::default());
            assert_eq!(f.id(), d.id);
            assert!(f.roles().minus(d.roles).is_empty(), "{}", d.name);
        }
        assert_eq!(FormatId::from_name("auto"), None);
        assert_eq!(LogFormat::Auto.fixed(), None);
        assert_eq!(FileFormat::fallback().id(), FormatId::FALLBACK);
    }

    #[test]
    fn role_sets() {
        let s = RoleSet::of(&[Role::Time, Role::Status]);
        assert!(s.contains(Role::Time) && s.contains(Role::Status));
        assert!(!s.contains(Role::Backend));
        assert_eq!(s.names(), "time, status");
        assert_eq!(s.minus(RoleSet::of(&[Role::Time])).names(), "status");
        assert!(Role::ALL.len() <= 32, "RoleSet is a u32");
        for r in Role::ALL {
            assert!(!r.doc().is_empty(), "{r}");
        }
    }

    #[test]
    fn recognition_names_what_it_sees() {
        let alb = "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.46.0\" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\" \"-\" \"-\" 0 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\" \"10.0.0.1:80\" \"200\" \"-\" \"-\"\n";
        let recognise = |b: &[u8]| recognise(b, &FormatSettings::default());
        assert_eq!(recognise(alb.as_bytes()), Looks::Known(FileFormat::Alb));
        let cf = "#Version: 1.0\n#Fields: date time x-edge-location\n2019-12-04\t21:02:31\tLAX1\n";
        assert!(
            matches!(recognise(cf.as_bytes()), Looks::Known(FileFormat::CloudFront(f)) if f.note().is_none())
        );
        let nginx = "203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8\"\n";
        // in the configured log_format (default: combined) it is read
        assert!(matches!(
            recognise(nginx.as_bytes()),
            Looks::Known(FileFormat::Nginx(_))
        ));
        // in another one, it is named but not read
        let settings = FormatSettings {
            nginx: nginx::Nginx(std::sync::Arc::new(
                nginx::NginxSettings::new(Some("$remote_addr $status $request_time"), None, &[])
                    .unwrap(),
            )),
            ..FormatSettings::default()
        };
        assert!(
            matches!(super::recognise(nginx.as_bytes(), &settings), Looks::Other(s) if s.contains("nginx"))
        );
        // JSON keyed by API Gateway's $context variables is its log; other JSON is named
        let apigw =
            "{\"requestId\":\"r1\",\"requestTimeEpoch\":\"1795168800000\",\"status\":\"200\"}\n";
        assert!(matches!(
            recognise(apigw.as_bytes()),
            Looks::Known(FileFormat::Apigw(_))
        ));
        assert_eq!(recognise(b"{\"a\":1}\n"), Looks::Other("JSON lines"));
        assert_eq!(recognise(b"\n\n"), Looks::Unknown);
        assert_eq!(recognise(b"hello world\n"), Looks::Unknown);
    }
}
