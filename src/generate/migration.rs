//! `generate --migration`: the /hospitals routes cut over to API Gateway → Lambda (the
//! strangler fig's first step) instead of the ALB's Lambda target group. From the day's
//! migration time, each /hospitals request the ALB would have sent to the Lambda target group
//! is written to API Gateway's access log instead, with API Gateway's own failure modes;
//! everything else stays in the ALB's log.
//!
//! The API Gateway log is what CloudWatch Logs exports to S3: one object per log stream and
//! hour, `apigw/exportedlogs/<task>/<stream>/000000.gz`, each line an ISO timestamp, a space and
//! the JSON message, its keys the `$context` variables' own names (read without a config).
//! The stage's Lambda authorizer returns CloudFront's request id (the `X-Amz-Cf-Id` header)
//! in its context, logged as `$context.authorizer.cfId`: `hops` joins the edge on it.
//!
//! Failure modes (per request, by a stream of its own): an integration timeout (504 after
//! 29 s, no integration status: `gateway`), the Lambda service throttling the invoke (500,
//! integration status 429: `integration`), the function's code failing (502, function status
//! 500: `function`), the stage's throttling (429) and WAF blocks (403, WAF_BLOCK).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::DateTime;

use super::record::Record;
use super::rng::{mix, Rng};
use super::scenario::{HOUR, US};

/// Where the API Gateway log goes under `--out`.
pub const APIGW_DIR: &str = "apigw";

/// The export task's id in the object keys.
const TASK: &str = "5f1c8a0e-7b2d-4c39-9e61-0d4a2b7c3e18";

/// What happened to a request at API Gateway (ground truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fate {
    Ok,
    /// The function answered 4XX itself (its status passed on).
    Client,
    Timeout,
    LambdaThrottled,
    FunctionError,
    StageThrottled,
    WafBlock,
}

impl Fate {
    /// The cause docs/apigw.md names for it; None for a success.
    pub(crate) fn cause(self) -> Option<&'static str> {
        match self {
            Fate::Ok => None,
            Fate::Client => Some("client"),
            Fate::Timeout => Some("gateway"),
            Fate::LambdaThrottled => Some("integration"),
            Fate::FunctionError => Some("function"),
            Fate::StageThrottled => Some("throttling"),
            Fate::WafBlock => Some("waf"),
        }
    }
}

/// One API Gateway request.
#[derive(Debug, Clone)]
pub(crate) struct ApigwLine {
    /// When the request came in (the ALB's request creation time: where the origin received
    /// it), to the ms.
    pub time_us: i64,
    /// When API Gateway answered: `time_us` plus its responseLatency.
    pub end_us: i64,
    pub fate: Fate,
    pub status: u16,
    /// `GET /hospitals/{id}`: the route as truth.json names it.
    pub route: String,
    line: String,
}

/// The probabilities of the failure modes, per request.
const TIMEOUT: f64 = 0.004;
const LAMBDA_THROTTLED: f64 = 0.003;
const FUNCTION_ERROR: f64 = 0.006;
const STAGE_THROTTLED: f64 = 0.008;
const WAF_BLOCK: f64 = 0.005;

/// status, integrationStatus, integration.status, integrationLatency, responseLatency,
/// error.responseType, wafResponseCode.
type Outcome = (
    u16,
    Option<u16>,
    Option<u16>,
    Option<u64>,
    u64,
    Option<&'static str>,
    &'static str,
);

fn hex32(x: u64) -> String {
    format!("{:016x}{:016x}", x, super::rng::splitmix64(x))
}

/// The API Gateway request for an ALB record of the Lambda target group.
pub(crate) fn apigw_line(seed: u64, r: &Record) -> ApigwLine {
    let mut rng = Rng::from_parts(&[seed, 0xa91, r.time_us as u64, r.client_port as u64]);
    let draw = rng.f64();
    let mut edges = [
        TIMEOUT,
        LAMBDA_THROTTLED,
        FUNCTION_ERROR,
        STAGE_THROTTLED,
        WAF_BLOCK,
    ];
    for i in 1..edges.len() {
        edges[i] += edges[i - 1];
    }
    let fate = match edges.iter().position(|e| draw < *e) {
        Some(0) => Fate::Timeout,
        Some(1) => Fate::LambdaThrottled,
        Some(2) => Fate::FunctionError,
        Some(3) => Fate::StageThrottled,
        Some(4) => Fate::WafBlock,
        _ if r.elb_status >= 500 => Fate::FunctionError,
        // 460 is the ALB's own (the client closed the connection): not an API Gateway status
        _ if (400..500).contains(&r.elb_status) && r.elb_status != 460 => Fate::Client,
        _ => Fate::Ok,
    };
    let function_ms = 18 + rng.below(60);
    let (status, integ, func, integ_ms, resp_ms, err, waf): Outcome = match fate {
        Fate::Ok => {
            let s = if r.elb_status < 400 {
                r.elb_status
            } else {
                200
            };
            let (i, f) = (Some(200), Some(s));
            (
                s,
                i,
                f,
                Some(function_ms),
                function_ms + 3,
                None,
                "WAF_ALLOW",
            )
        }
        Fate::Client => (
            r.elb_status,
            Some(200),
            Some(r.elb_status),
            Some(function_ms),
            function_ms + 3,
            None,
            "WAF_ALLOW",
        ),
        Fate::Timeout => (
            504,
            None,
            None,
            Some(29_000),
            29_000 + rng.below(15),
            Some("INTEGRATION_TIMEOUT"),
            "WAF_ALLOW",
        ),
        Fate::LambdaThrottled => (
            500,
            Some(429),
            None,
            Some(2 + rng.below(5)),
            8 + rng.below(5),
            Some("INTEGRATION_FAILURE"),
            "WAF_ALLOW",
        ),
        Fate::FunctionError => (
            502,
            Some(200),
            Some(500),
            Some(function_ms),
            function_ms + 4,
            Some("DEFAULT_5XX"),
            "WAF_ALLOW",
        ),
        Fate::StageThrottled => (429, None, None, None, 1, Some("THROTTLED"), "WAF_ALLOW"),
        Fate::WafBlock => (403, None, None, None, 2, Some("WAF_FILTERED"), "WAF_BLOCK"),
    };
    let method = r.method;
    let path = r.path.split('?').next().unwrap_or("/");
    let resource = r.endpoint.replace("{id}", "{hospitalId}");
    let route = format!("{method} {}", r.endpoint);
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    let request_id = {
        let h = hex32(mix(&[seed, r.time_us as u64, r.client_port as u64]));
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    };
    // API Gateway's time is when the request came in: when the ALB would have received it
    // (a timeout answers 29 s later, whatever the ALB's record says)
    let start_ms = r.rct_us.div_euclid(1000);
    let mut line = String::with_capacity(700);
    let _ = write!(
        line,
        r#"{{"requestId":"{request_id}","extendedRequestId":"{}","identity":{{"sourceIp":"{}","userAgent":"{}"}},"requestTimeEpoch":"{start_ms}","httpMethod":"{method}","resourcePath":"{resource}","path":"/prod{path}","status":"{status}","protocol":"HTTP/1.1","responseLength":"{}","responseLatency":"{resp_ms}","integrationLatency":"{}","integrationStatus":"{}","integration":{{"status":"{}"}},"error":{{"responseType":"{}"}},"wafResponseCode":"{waf}","xrayTraceId":"{}","authorizer":{{"cfId":"{}"}}}}"#,
        &hex32(mix(&[seed, 7, r.time_us as u64]))[..16],
        r.viewer_ip.as_deref().unwrap_or(&r.client_ip),
        r.user_agent.replace('\\', "\\\\").replace('"', "\\\""),
        if status < 300 {
            r.sent_bytes
        } else {
            40 + rng.below(40)
        },
        dash(integ_ms.map(|v| v.to_string())),
        dash(integ.map(|v| v.to_string())),
        dash(func.map(|v| v.to_string())),
        err.unwrap_or("-"),
        r.trace_id.as_deref().unwrap_or("-"),
        // CloudFront's X-Amz-Cf-Id as the stage's Lambda authorizer returns it (`-` when the
        // request did not come through the edge): `hops` joins the edge's lines on it
        r.edge_id.as_deref().unwrap_or("-"),
    );
    ApigwLine {
        time_us: start_ms * 1000,
        end_us: (start_ms + resp_ms as i64) * 1000,
        fate,
        status,
        route,
        line,
    }
}

/// The object key of an hour's export: one log stream per hour.
pub(crate) fn file_path(seed: u64, hour_us: i64) -> std::path::PathBuf {
    std::path::PathBuf::from(APIGW_DIR)
        .join("exportedlogs")
        .join(TASK)
        .join(hex32(mix(&[seed, 0x57, hour_us as u64])))
        .join("000000.gz")
}

/// The hour's lines as CloudWatch exports them: an ISO timestamp (when CloudWatch received
/// the event, a little after the request), a space, the message.
pub(crate) fn export_text(lines: &mut [ApigwLine]) -> String {
    lines.sort_by_key(|l| l.time_us);
    let mut text = String::new();
    for l in lines.iter() {
        let at = DateTime::from_timestamp_micros(l.time_us + US / 4).expect("time in range");
        let _ = write!(text, "{} ", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"));
        text.push_str(&l.line);
        text.push('\n');
    }
    text
}

/// truth.json's `migration`: what was written to each system, counted while writing.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MigrationTruth {
    /// When the /hospitals routes moved to API Gateway (RFC 3339).
    pub cutover: String,
    pub apigw: ApigwTruth,
    /// The ALB's side: its lines (every request, as truth's `lines`), those of the
    /// /hospitals routes, and its 5XX.
    pub alb: AlbSide,
    /// Per route (`GET /hospitals/{id}`) and system: requests and 5XX.
    pub routes: BTreeMap<String, BTreeMap<String, RouteCounts>>,
    /// The CloudFront lines of the requests on API Gateway's routes (the edge in front of
    /// both systems: `hops` with an apigw hop).
    pub edge: EdgeBranch,
}

/// The edge's lines of the API Gateway branch (lines in the window).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EdgeBranch {
    /// Every line of a request on API Gateway's routes (cache hits and the edge's own
    /// answers included).
    pub requests: u64,
    /// Those the edge forwarded to API Gateway (relayed, timed out, or the viewer left).
    pub forwarded: u64,
    /// Lines with status 500–599 (the edge's own and those it relayed).
    pub errors_5xx: u64,
    /// Forwarded lines API Gateway answered with a 5XX.
    pub apigw_5xx: u64,
    /// Per minute of arrival at the edge (RFC 3339): lines and their 5XX.
    pub per_minute: BTreeMap<String, RouteCounts>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ApigwTruth {
    pub files: usize,
    pub requests: u64,
    pub errors_5xx: u64,
    pub errors_4xx: u64,
    /// function, integration, gateway (5XX); waf, throttling, client (4XX).
    pub by_cause: BTreeMap<&'static str, u64>,
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AlbSide {
    pub requests: u64,
    pub hospitals_requests: u64,
    pub errors_5xx: u64,
}

#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct RouteCounts {
    pub requests: u64,
    pub errors_5xx: u64,
}

impl MigrationTruth {
    pub(crate) fn add_apigw(&mut self, l: &ApigwLine) {
        let a = &mut self.apigw;
        a.requests += 1;
        a.errors_5xx += u64::from(l.status >= 500);
        a.errors_4xx += u64::from((400..500).contains(&l.status));
        if let Some(c) = l.fate.cause() {
            *a.by_cause.entry(c).or_default() += 1;
        }
        *a.by_status.entry(l.status.to_string()).or_default() += 1;
        let c = self
            .routes
            .entry(l.route.clone())
            .or_default()
            .entry("apigw".to_string())
            .or_default();
        c.requests += 1;
        c.errors_5xx += u64::from(l.status >= 500);
    }

    pub(crate) fn add_edge(&mut self, l: &super::edge::EdgeLine) {
        if !l.apigw_bound {
            return;
        }
        let e = &mut self.edge;
        let is_5xx = l.status.is_some_and(|s| s >= 500);
        e.requests += 1;
        e.forwarded += u64::from(l.apigw_status.is_some());
        e.errors_5xx += u64::from(is_5xx);
        e.apigw_5xx += u64::from(l.apigw_status.is_some_and(|s| s >= 500));
        // the line's time is written to the second and time-taken to the millisecond
        let arrival =
            (l.time_us / US * US - l.time_taken_ms as i64 * 1000).div_euclid(60 * US) * 60 * US;
        let at = DateTime::from_timestamp_micros(arrival)
            .expect("time in range")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let c = e.per_minute.entry(at).or_default();
        c.requests += 1;
        c.errors_5xx += u64::from(is_5xx);
    }

    pub(crate) fn add_alb(&mut self, r: &Record) {
        self.alb.requests += 1;
        self.alb.errors_5xx += u64::from(r.elb_status >= 500);
        if r.endpoint.starts_with("/hospitals") {
            self.alb.hospitals_requests += 1;
            let c = self
                .routes
                .entry(format!("{} {}", r.truth_method, r.endpoint))
                .or_default()
                .entry("alb".to_string())
                .or_default();
            c.requests += 1;
            c.errors_5xx += u64::from(r.elb_status >= 500);
        }
    }
}

/// Writes one hour of API Gateway lines (none: no file).
pub(crate) fn write_hour(
    out: &std::path::Path,
    seed: u64,
    hour: i64,
    mut lines: Vec<ApigwLine>,
    truth: &mut MigrationTruth,
) -> Result<(), super::GenerateError> {
    if lines.is_empty() {
        return Ok(());
    }
    lines.iter().for_each(|l| truth.add_apigw(l));
    let text = export_text(&mut lines);
    let path = out.join(file_path(seed, hour));
    super::write_file(&path, &super::gzip(text.as_bytes(), &path)?)?;
    truth.apigw.files += 1;
    Ok(())
}

/// The hour an API Gateway line's file is.
pub(crate) fn hour_of(l: &ApigwLine) -> i64 {
    l.time_us.div_euclid(HOUR) * HOUR
}
