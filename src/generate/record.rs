//! One generated request and its rendering as a 33-field ALB access-log line (2025 format).

use std::fmt::Write as _;

use chrono::DateTime;

use super::scenario::{CERT_ARN, HOST, LB_RESOURCE_ID};

/// The listener / connection type written in field 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Listener {
    Http,
    Https,
    H2,
}

impl Listener {
    pub(crate) fn type_field(self) -> &'static str {
        match self {
            Listener::Http => "http",
            Listener::Https => "https",
            Listener::H2 => "h2",
        }
    }
    pub(crate) fn scheme(self) -> &'static str {
        match self {
            Listener::Http => "http",
            Listener::Https | Listener::H2 => "https",
        }
    }
    fn port(self) -> u16 {
        match self {
            Listener::Http => 80,
            Listener::Https | Listener::H2 => 443,
        }
    }
    fn protocol(self) -> &'static str {
        match self {
            Listener::H2 => "HTTP/2.0",
            _ => "HTTP/1.1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TargetGroup {
    Legacy,
    Lambda,
}

impl TargetGroup {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TargetGroup::Legacy => "hosp-legacy",
            TargetGroup::Lambda => "hosp-hospitals-lambda",
        }
    }
    pub(crate) fn arn(self) -> &'static str {
        match self {
            TargetGroup::Legacy => {
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-legacy/7a3c9e1f5b2d4068"
            }
            TargetGroup::Lambda => {
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hosp-hospitals-lambda/c41e8b6d2f9a0357"
            }
        }
    }
}

/// Who sent the request (ground truth only; not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    User,
    LoadTest,
    Intruder,
    Scanner,
    QuotedUserAgent,
    SpaceInUri,
    Malformed,
}

impl Source {
    /// The clinics' browsers reach HOSP through CloudFront; the load test (internal), the
    /// intruder, the scanner and the malformed requests hit the ALB directly.
    pub(crate) fn via_edge(self) -> bool {
        matches!(
            self,
            Source::User | Source::QuotedUserAgent | Source::SpaceInUri
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Tls {
    pub cipher: &'static str,
    pub protocol: &'static str,
    /// `chosen_cert_arn` is `session-reused` instead of the certificate ARN.
    pub session_reused: bool,
    /// The client sent SNI (`domain_name` = host), else `"-"`.
    pub sni: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// `time` (response sent), epoch microseconds.
    pub time_us: i64,
    /// `request_creation_time`, epoch microseconds (a whole millisecond).
    pub rct_us: i64,
    pub listener: Listener,
    pub client_ip: String,
    pub client_port: u16,
    /// `target:port`, e.g. `10.0.1.10:3000`; `None` = `-`.
    pub target: Option<&'static str>,
    /// request/target/response processing times in ms; `None` = `-1 -1 -1`.
    pub times_ms: Option<[u32; 3]>,
    pub elb_status: u16,
    pub target_status: Option<u16>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    pub method: &'static str,
    /// Path and query exactly as the client sent it (may contain a raw space).
    pub path: String,
    /// A complete request field overriding method/URL/protocol (malformed requests).
    pub raw_request: Option<&'static str>,
    /// User agent as written (already ALB-escaped); `-` when absent.
    pub user_agent: String,
    pub tls: Option<Tls>,
    pub target_group: Option<TargetGroup>,
    /// `trace_id` text (`Root=1-…`), `None` = `"-"`.
    pub trace_id: Option<String>,
    pub rule_priority: &'static str,
    pub actions: &'static str,
    pub error_reason: &'static str,
    pub classification: Option<(&'static str, &'static str)>,
    pub conn_trace_id: String,
    /// Index of the LB node (0 or 1) whose file receives this line.
    pub node: u8,
    // ---- ground truth only ----
    /// CloudFront's `x-edge-request-id` (sent to the origin as `X-Amz-Cf-Id`) when the request
    /// came through the edge: with the ALB's `trace_id`, what a hop that logs both (nginx)
    /// joins the two logs on.
    pub edge_id: Option<String>,
    /// The viewer's address when the request came through the edge (CloudFront puts it in
    /// X-Forwarded-For; the proxies behind the ALB log it there).
    pub viewer_ip: Option<String>,
    pub source: Source,
    /// Endpoint template for truth.json (`/notes/{id}`, scanner paths as-is, `-` if none).
    pub endpoint: String,
    /// Method for truth.json (`-` for a malformed request).
    pub truth_method: &'static str,
}

/// Seconds with 3 decimals from whole milliseconds: 1234 -> "1.234", 0 -> "0.000".
pub(crate) fn fmt_secs(ms: u32) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// ISO-8601 UTC with 6 fractional digits, as ALB writes `time` and `request_creation_time`.
pub(crate) fn fmt_time(us: i64) -> String {
    let dt = DateTime::from_timestamp_micros(us).expect("timestamp in range");
    dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl Record {
    /// The three processing-time fields exactly as written.
    pub(crate) fn time_fields(&self) -> [String; 3] {
        match self.times_ms {
            Some(t) => [fmt_secs(t[0]), fmt_secs(t[1]), fmt_secs(t[2])],
            None => ["-1".to_string(), "-1".to_string(), "-1".to_string()],
        }
    }

    pub(crate) fn request_field(&self) -> String {
        match self.raw_request {
            Some(raw) => raw.to_string(),
            None => format!(
                "{} {}://{}:{}{} {}",
                self.method,
                self.listener.scheme(),
                HOST,
                self.listener.port(),
                self.path,
                self.listener.protocol()
            ),
        }
    }

    /// Append the line (without newline) to `out`.
    pub(crate) fn write_line(&self, out: &mut String) {
        let [rpt, tpt, rspt] = self.time_fields();
        let target = self.target.unwrap_or("-");
        let target_status = self
            .target_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".to_string());
        let (cipher, proto, domain, cert) = match &self.tls {
            Some(t) => (
                t.cipher,
                t.protocol,
                if t.sni { HOST } else { "-" },
                if t.session_reused {
                    "session-reused"
                } else {
                    CERT_ARN
                },
            ),
            None => ("-", "-", "-", "-"),
        };
        let tg_arn = self.target_group.map(|g| g.arn()).unwrap_or("-");
        let trace = self.trace_id.as_deref().unwrap_or("-");
        // Lists: they carry the target only when a target (not Lambda) was chosen.
        let target_list = self.target.unwrap_or("-");
        let status_list = match (self.target, self.target_status) {
            (Some(_), Some(_)) => target_status.as_str(),
            _ => "-",
        };
        let (class, reason) = self.classification.unwrap_or(("-", "-"));
        let _ = write!(
            out,
            "{} {} {} {}:{} {} {} {} {} {} {} {} {} \"{}\" \"{}\" {} {} {} \"{}\" \"{}\" \"{}\" {} {} \"{}\" \"-\" \"{}\" \"{}\" \"{}\" \"{}\" \"{}\" {} \"-\" \"-\" \"-\"",
            self.listener.type_field(),
            fmt_time(self.time_us),
            LB_RESOURCE_ID,
            self.client_ip,
            self.client_port,
            target,
            rpt,
            tpt,
            rspt,
            self.elb_status,
            target_status,
            self.received_bytes,
            self.sent_bytes,
            self.request_field(),
            self.user_agent,
            cipher,
            proto,
            tg_arn,
            trace,
            domain,
            cert,
            self.rule_priority,
            fmt_time(self.rct_us),
            self.actions,
            self.error_reason,
            target_list,
            status_list,
            class,
            reason,
            self.conn_trace_id,
        );
    }

    /// Latency in ms as a reader computes it from the written text:
    /// `(rpt + tpt + rspt) * 1000` with the three values parsed as f64;
    /// `None` when any of the three is `-1`.
    pub(crate) fn latency_ms(&self) -> Option<f64> {
        self.times_ms?;
        let f = self.time_fields();
        let a: f64 = f[0].parse().ok()?;
        let b: f64 = f[1].parse().ok()?;
        let c: f64 = f[2].parse().ok()?;
        Some((a + b + c) * 1000.0)
    }

    pub(crate) fn is_ipv6(&self) -> bool {
        self.client_ip.contains(':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_and_time_formatting() {
        assert_eq!(fmt_secs(0), "0.000");
        assert_eq!(fmt_secs(1234), "1.234");
        assert_eq!(fmt_secs(20_005), "20.005");
        // 2026-11-20T00:00:00Z = 1795132800 s
        assert_eq!(
            fmt_time(1_795_132_800_000_000 + 186_641),
            "2026-11-20T00:00:00.186641Z"
        );
    }
}
