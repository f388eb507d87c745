//! The nginx frame's columns (what `query` and `export` see): one per variable of the
//! configured log_format, named without `$`, in the format's order, typed by `vars`; then the
//! columns derived from them, those every format shares (time, method, path, endpoint, …) and
//! the upstream attempts summed up. Upstream lists stay text as logged (`502, 502, 200`): a
//! CSV cell, and `LIKE '%502%'`, read them; the derived columns give their counts.

use super::vars::{unknown_doc, Var, VarKind};
use super::NginxSettings;
use crate::format::ColumnDef;
use crate::frame::Kind;

impl VarKind {
    /// The column type: lists stay text as logged (a CSV cell and `LIKE` read them), times as
    /// logged too (the typed `time` column is derived from them).
    pub fn column_kind(self) -> Kind {
        match self {
            VarKind::Status => Kind::U16,
            VarKind::Count => Kind::U64,
            VarKind::Seconds | VarKind::Msec => Kind::F64,
            VarKind::Text | VarKind::TimeLocal | VarKind::TimeIso | VarKind::List(_) => Kind::Str,
        }
    }
}

/// A column derived from the variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    Time,
    ClientIp,
    Method,
    Url,
    Path,
    Query,
    Endpoint,
    LatencyMs,
    UpstreamMs,
    Attempts,
    FailedAttempts,
    FinalUpstreamStatus,
    FinalUpstreamAddr,
    Generated,
    Source,
}

impl Derived {
    const ALL: [Derived; 15] = [
        Derived::Time,
        Derived::ClientIp,
        Derived::Method,
        Derived::Url,
        Derived::Path,
        Derived::Query,
        Derived::Endpoint,
        Derived::LatencyMs,
        Derived::UpstreamMs,
        Derived::Attempts,
        Derived::FailedAttempts,
        Derived::FinalUpstreamStatus,
        Derived::FinalUpstreamAddr,
        Derived::Generated,
        Derived::Source,
    ];

    pub fn name(self) -> &'static str {
        self.def().0
    }

    fn def(self) -> (&'static str, Kind, &'static str) {
        match self {
            Derived::Time => ("time", Kind::Time, "when the request was logged, UTC (from $msec, $time_iso8601 or $time_local)"),
            Derived::ClientIp => ("client_ip", Kind::Str, "the client: $remote_addr, or behind [nginx] trusted_proxies the rightmost untrusted X-Forwarded-For address"),
            Derived::Method => ("method", Kind::Str, "HTTP method, from $request or $request_method"),
            Derived::Url => ("url", Kind::Str, "the URI as the client sent it, from $request, $request_uri or $uri"),
            Derived::Path => ("path", Kind::Str, "the URI's path, without the query"),
            Derived::Query => ("query", Kind::Str, "the URI's query, without the '?'"),
            Derived::Endpoint => ("endpoint", Kind::Str, "route with ids templated: /patients/123/screen -> /patients/{id}/screen"),
            Derived::LatencyMs => ("latency_ms", Kind::F64, "$request_time in ms"),
            Derived::UpstreamMs => ("upstream_ms", Kind::F64, "the sum of $upstream_response_time over the attempts, in ms"),
            Derived::Attempts => ("attempts", Kind::U64, "upstream attempts: entries of $upstream_status (0: no upstream contacted)"),
            Derived::FailedAttempts => ("failed_attempts", Kind::U64, "attempts answered 5XX or not at all (-)"),
            Derived::FinalUpstreamStatus => ("final_upstream_status", Kind::U16, "the last attempt's status; null when it got no answer"),
            Derived::FinalUpstreamAddr => ("final_upstream_addr", Kind::Str, "the last attempt's upstream address"),
            Derived::Generated => ("nginx_generated", Kind::Bool, "true when no upstream answered: no attempt, or the last attempt got no status"),
            Derived::Source => ("source", Kind::Str, "file or object the line came from"),
        }
    }

    /// Whether the format logs what the column is derived from.
    fn available(self, s: &NginxSettings) -> bool {
        let f = &s.log_format;
        let url = f.has(Var::Request) || f.has(Var::RequestUri) || f.has(Var::Uri);
        match self {
            Derived::Time | Derived::Source => true,
            Derived::ClientIp => {
                f.has(Var::RemoteAddr)
                    || (f.has(Var::HttpXForwardedFor) && !s.trusted_proxies.is_empty())
            }
            Derived::Method => f.has(Var::Request) || f.has(Var::RequestMethod),
            Derived::Url | Derived::Path | Derived::Query | Derived::Endpoint => url,
            Derived::LatencyMs => f.has(Var::RequestTime),
            Derived::UpstreamMs => f.has(Var::UpstreamResponseTime),
            Derived::Attempts
            | Derived::FailedAttempts
            | Derived::FinalUpstreamStatus
            | Derived::Generated => f.has(Var::UpstreamStatus),
            Derived::FinalUpstreamAddr => f.has(Var::UpstreamAddr),
        }
    }
}

/// Where a column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A variable's slot.
    Var(usize),
    Derived(Derived),
}

/// A column of the frame: its definition and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub def: ColumnDef,
    pub source: Source,
}

/// Every column of the configured format, in output order. A variable whose name is a
/// derived column's (an unknown `$time`, say) is named `var_<name>`.
pub fn columns(s: &NginxSettings) -> Vec<Column> {
    let derived: Vec<Derived> = Derived::ALL
        .into_iter()
        .filter(|d| d.available(s))
        .collect();
    let mut out: Vec<Column> = s
        .log_format
        .slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let name = if derived.iter().any(|d| d.name() == slot.name) {
                format!("var_{}", slot.name)
            } else {
                slot.name.clone()
            };
            Column {
                def: ColumnDef {
                    name,
                    kind: slot.kind.column_kind(),
                    doc: slot
                        .var
                        .map_or_else(|| unknown_doc(&slot.name), |v| v.doc().to_string()),
                },
                source: Source::Var(i),
            }
        })
        .collect();
    out.extend(derived.into_iter().map(|d| {
        let (name, kind, doc) = d.def();
        Column {
            def: ColumnDef {
                name: name.into(),
                kind,
                doc: doc.into(),
            },
            source: Source::Derived(d),
        }
    }));
    out
}
