//! The nginx variables hosp-logs knows the type of. Any other variable (`$http_*` headers,
//! `$proxy_upstream_name`, map results, …) is read as text under its own name.
//!
//! Depends only on `std`, like `log_format` and `parse` (the fuzz crate compiles these three
//! by path); the column types are in `columns`.

/// What a variable's value looks like, which decides how a line is matched and the column's
/// type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// Any text (ends where the log_format's next literal text starts).
    Text,
    /// An HTTP status code.
    Status,
    /// A count of bytes.
    Count,
    /// Seconds with a fraction (`0.123`).
    Seconds,
    /// `10/Oct/2000:13:55:36 -0700`
    TimeLocal,
    /// `2000-10-10T13:55:36-07:00`
    TimeIso,
    /// Seconds since the epoch with milliseconds (`1700000000.123`).
    Msec,
    /// One entry per upstream attempt (see `format::attempts`); the entries are of `of`.
    List(ListOf),
}

/// What the entries of an upstream list are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    Addr,
    Status,
    Seconds,
    Count,
}

impl VarKind {
    /// What a value must look like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            VarKind::Text => "text",
            VarKind::Status => "a status code or '-'",
            VarKind::Count => "a byte count or '-'",
            VarKind::Seconds => "seconds (0.123) or '-'",
            VarKind::TimeLocal => "a time like 10/Oct/2000:13:55:36 -0700",
            VarKind::TimeIso => "a time like 2000-10-10T13:55:36-07:00",
            VarKind::Msec => "seconds since the epoch (1700000000.123)",
            VarKind::List(ListOf::Addr) => "upstream addresses separated by ', ' or ' : '",
            VarKind::List(ListOf::Status) => "statuses or '-' separated by ', ' or ' : '",
            VarKind::List(ListOf::Seconds) => "seconds or '-' separated by ', ' or ' : '",
            VarKind::List(ListOf::Count) => "byte counts or '-' separated by ', ' or ' : '",
        }
    }
}

macro_rules! known {
    ($($var:ident = $name:literal, $kind:expr, $doc:literal;)*) => {
        /// A variable whose type hosp-logs knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Var {
            $($var,)*
        }

        impl Var {
            pub const ALL: &'static [Var] = &[$(Var::$var,)*];

            /// The name without `$`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Var::$var => $name,)*
                }
            }

            pub fn kind(self) -> VarKind {
                match self {
                    $(Var::$var => $kind,)*
                }
            }

            pub fn doc(self) -> &'static str {
                match self {
                    $(Var::$var => $doc,)*
                }
            }
        }
    };
}

use ListOf as L;
use VarKind as K;

known! {
    RemoteAddr = "remote_addr", K::Text, "address the connection came from (behind a load balancer: the load balancer)";
    RemoteUser = "remote_user", K::Text, "user name from Basic authentication";
    TimeLocal = "time_local", K::TimeLocal, "time in the common log format, local time as logged";
    TimeIso8601 = "time_iso8601", K::TimeIso, "time in ISO 8601, as logged";
    Msec = "msec", K::Msec, "seconds since the epoch with milliseconds, when the log line was written";
    Request = "request", K::Text, "the full request line: METHOD URI PROTOCOL";
    RequestMethod = "request_method", K::Text, "HTTP method";
    RequestUri = "request_uri", K::Text, "the URI as the client sent it, with the query";
    Uri = "uri", K::Text, "the normalised URI after rewrites, without the query (decoded by nginx)";
    Args = "args", K::Text, "the query string";
    ServerProtocol = "server_protocol", K::Text, "HTTP version, e.g. HTTP/1.1";
    Scheme = "scheme", K::Text, "http or https";
    Host = "host", K::Text, "host from the request line, the Host header, or the server name";
    Status = "status", K::Status, "status the client received from nginx";
    BodyBytesSent = "body_bytes_sent", K::Count, "response body bytes sent to the client";
    BytesSent = "bytes_sent", K::Count, "response bytes sent to the client, headers included";
    RequestLength = "request_length", K::Count, "request bytes from the client, headers included";
    RequestTime = "request_time", K::Seconds, "seconds from the first byte read from the client to the log write";
    HttpReferer = "http_referer", K::Text, "Referer header";
    HttpUserAgent = "http_user_agent", K::Text, "User-Agent header (attacker-controlled)";
    HttpXForwardedFor = "http_x_forwarded_for", K::Text, "X-Forwarded-For header: client, proxy, proxy, … (its left end is written by the client)";
    UpstreamAddr = "upstream_addr", K::List(L::Addr), "each attempt's upstream address (ip:port, unix socket, or group name)";
    UpstreamStatus = "upstream_status", K::List(L::Status), "each attempt's status; - when the upstream did not answer";
    UpstreamResponseTime = "upstream_response_time", K::List(L::Seconds), "each attempt's time in seconds";
    UpstreamConnectTime = "upstream_connect_time", K::List(L::Seconds), "each attempt's connect time in seconds";
    UpstreamHeaderTime = "upstream_header_time", K::List(L::Seconds), "each attempt's time to the response header in seconds";
    UpstreamResponseLength = "upstream_response_length", K::List(L::Count), "each attempt's response length in bytes";
    RequestId = "request_id", K::Text, "nginx's random id of the request";
    SslProtocol = "ssl_protocol", K::Text, "TLS protocol; - on plain HTTP";
    SslCipher = "ssl_cipher", K::Text, "TLS cipher; - on plain HTTP";
    HttpXAmzCfId = "http_x_amz_cf_id", K::Text, "X-Amz-Cf-Id header: CloudFront's request id";
    HttpXAmznTraceId = "http_x_amzn_trace_id", K::Text, "X-Amzn-Trace-Id header: the ALB's trace id";
}

impl Var {
    pub fn from_name(name: &str) -> Option<Var> {
        Var::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// The meaning of a variable hosp-logs does not type, for `hosp-logs schema`.
pub fn unknown_doc(name: &str) -> String {
    if let Some(h) = name.strip_prefix("http_") {
        format!("{} request header, as text", header_name(h))
    } else if let Some(h) = name.strip_prefix("sent_http_") {
        format!("{} response header, as text", header_name(h))
    } else {
        format!("nginx variable ${name}, as text")
    }
}

/// `x_forwarded_proto` → `X-Forwarded-Proto`
fn header_name(var: &str) -> String {
    var.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for v in Var::ALL {
            assert_eq!(Var::from_name(v.name()), Some(*v));
        }
        let mut names: Vec<_> = Var::ALL.iter().map(|v| v.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Var::ALL.len());
        assert_eq!(
            unknown_doc("http_x_forwarded_proto"),
            "X-Forwarded-Proto request header, as text"
        );
        assert_eq!(unknown_doc("pipe"), "nginx variable $pipe, as text");
    }
}
