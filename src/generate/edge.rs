//! CloudFront in front of HOSP: every request of the clinics' browsers reaches an edge
//! location first. GETs of cacheable routes are answered from the edge's cache while a copy
//! is fresh (2-minute TTL); the others are forwarded to the ALB, whose log then holds exactly
//! the forwarded requests, with CloudFront's origin-facing addresses as its clients. The load
//! test, the intruder, the scanner and the malformed requests reach the ALB directly.
//!
//! What the edge sees that the ALB cannot: cache hits; its own limits (LimitExceeded,
//! CapacityExceeded); the minutes when it could not connect to the origin (OriginConnectError,
//! 16:30–16:33 each day); the viewers who left (`000`); and the ALB answers that came after
//! its 30-second origin timeout (a 504 to the user, a success in the ALB log).
//!
//! The cache is emptied at 00:00 UTC each day (the team's nightly invalidation), and a run
//! simulates the edge from the midnight before its start, so a minute's lines do not depend on
//! the window. Decisions are taken in the order requests reach the edge.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::record::{fmt_secs, Listener, Record, Tls};
use super::rng::{mix, Rng};
use super::scenario::{day_floor, in_daily, DailyWindow, HOST, MINUTE, US};

/// The distribution's id and domain.
pub(crate) const DISTRIBUTION: &str = "E2HOSP0EXAMPLE";
pub(crate) const CF_DOMAIN: &str = "d3hosp0example.cloudfront.net";
/// How long a cached answer is served.
pub(crate) const TTL: i64 = 2 * MINUTE;
/// How long the edge waits for the origin's answer.
pub(crate) const ORIGIN_TIMEOUT: i64 = 30 * US;
/// The daily minutes in which the edge could not connect to the origin (a security-group
/// change reverted three minutes later).
pub(crate) const ORIGIN_CONNECT: DailyWindow = DailyWindow {
    start_s: 16 * 3600 + 30 * 60,
    end_s: 16 * 3600 + 33 * 60,
};
/// Chances that the edge refuses a request over a quota, or for lack of capacity.
const P_LIMIT: f64 = 0.0004;
const P_CAPACITY: f64 = 0.0002;
/// Bytes CloudFront adds to a response's headers (Via, X-Cache, X-Amz-Cf-Pop, X-Amz-Cf-Id).
const CF_HEADERS: u64 = 310;
/// Bytes CloudFront adds to a request it forwards (Via, X-Amz-Cf-Id, X-Forwarded-For).
const FORWARD_HEADERS: u64 = 140;
/// Response headers HOSP writes, so that sent bytes minus these is the body.
const ORIGIN_HEADERS: u64 = 230;

/// The edge locations the clinics reach, with the share of clinics whose home each is.
pub(crate) const LOCATIONS: [(&str, f64); 5] = [
    ("DUB56-P1", 0.35),
    ("DUB56-P2", 0.35),
    ("DUB2-C1", 0.1),
    ("LHR61-P3", 0.15),
    ("MAN51-P1", 0.05),
];
/// Where a request goes when its home location is busy.
const SPILL: usize = 3;
/// CloudFront's origin-facing networks (the fixture config lists them as known networks).
pub(crate) const ORIGIN_FACING: [&str; 2] = ["130.176.0.0/16", "2600:9000::/28"];

// Stream tags of this module (the scenario's are 1 to 6).
const TAG_REQUEST: u64 = 7;
const TAG_HOME: u64 = 8;
const TAG_FILE: u64 = 9;

/// The routes whose GETs the distribution caches (patient notes and screenings never are).
fn cacheable(r: &Record) -> bool {
    r.method == "GET"
        && matches!(
            r.endpoint.as_str(),
            "/" | "/hospitals"
                | "/hospitals/{id}"
                | "/staffs"
                | "/staffs/{id}"
                | "/patients"
                | "/patients/{id}"
        )
}

/// Origin-facing addresses per location: an edge location is many servers, and the ALB sees
/// each of them as a client.
const ADDRESSES: u64 = 24;

/// One of a location's origin-facing addresses: twenty IPv4, four IPv6.
fn origin_address(location: usize, k: u64) -> String {
    if k < 20 {
        format!("130.176.{}.{}", 17 + location, 20 + 7 * k)
    } else {
        format!("2600:9000:2{location:03x}:{:x}::a1", k - 19)
    }
}

/// CloudFront's encoding of a field: ASCII controls and space, bytes ≥ 127 and
/// `< > " # % { } | \ ^ ~ [ ] ` '` as `%XX`.
pub(crate) fn cf_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b <= 32 || b >= 127 || b"<>\"#%{}|\\^~[]`'".contains(&b) {
            let _ = write!(out, "%{b:02X}");
        } else {
            out.push(b as char);
        }
    }
    out
}

/// What the edge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    Hit,
    /// Forwarded; the origin's answer relayed.
    Forwarded,
    /// Forwarded; the origin did not answer within the timeout.
    OriginTimeout,
    /// Forwarded; the viewer left before the answer (`000`).
    ViewerLeft,
    OriginConnectError,
    LimitExceeded,
    CapacityExceeded,
}

/// One CloudFront log line, with what truth.json needs to know about it.
#[derive(Debug, Clone)]
pub(crate) struct EdgeLine {
    /// When the edge finished the response (µs; written to the second).
    pub time_us: i64,
    pub location: usize,
    pub sc_bytes: u64,
    pub c_ip: String,
    pub c_port: u16,
    pub method: &'static str,
    /// Path and query as the viewer sent them.
    pub path: String,
    /// None: `000`, the viewer left.
    pub status: Option<u16>,
    /// The user agent as the viewer sent it (CloudFront encodes it when writing).
    pub user_agent: String,
    pub result: &'static str,
    pub detail: &'static str,
    pub request_id: String,
    pub viewer: Listener,
    pub cs_bytes: u64,
    pub time_taken_ms: u64,
    pub tls: Option<Tls>,
    pub first_byte_ms: Option<u64>,
    pub content_type: Option<&'static str>,
    pub content_len: Option<u64>,
    // ---- ground truth only ----
    pub outcome: Outcome,
    /// Endpoint and method for truth.json, as the ALB side has them.
    pub endpoint: String,
    pub truth_method: &'static str,
    /// The ALB's answer, when the request was forwarded and the ALB logged it.
    pub alb_status: Option<u16>,
    /// When forwarded: the ALB line's time, and the proxy's line (its time, status and whether
    /// an attempt failed) when a proxy logged it (`generate --hops`).
    pub hop: Option<(i64, Option<ProxySeen>)>,
    /// `generate --migration`: the request is on API Gateway's route (the /hospitals routes
    /// from the cut-over), whether the edge forwarded it or not; and when forwarded, the
    /// status API Gateway answered it with.
    pub apigw_bound: bool,
    pub apigw_status: Option<u16>,
}

/// What a proxy logged for a forwarded request: its line's time, its status, and whether an
/// upstream attempt failed.
pub(crate) type ProxySeen = (i64, u16, bool);

impl EdgeLine {
    /// Appends the tab-separated line (without newline) in the standard 33-field order.
    pub(crate) fn write_line(&self, out: &mut String) {
        let dt = chrono::DateTime::from_timestamp_micros(self.time_us).expect("time in range");
        let (stem, query) = match self.path.split_once('?') {
            Some((s, q)) => (s, Some(q)),
            None => (self.path.as_str(), None),
        };
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let (ssl_protocol, ssl_cipher) = match &self.tls {
            Some(t) => (t.protocol, t.cipher),
            None => ("-", "-"),
        };
        let fields: [String; 33] = [
            dt.format("%Y-%m-%d").to_string(),
            dt.format("%H:%M:%S").to_string(),
            LOCATIONS[self.location].0.to_string(),
            self.sc_bytes.to_string(),
            self.c_ip.clone(),
            self.method.to_string(),
            CF_DOMAIN.to_string(),
            cf_encode(stem),
            self.status.map_or("000".into(), |s| s.to_string()),
            "-".into(),
            cf_encode(&self.user_agent),
            dash(query.map(cf_encode)),
            "-".into(),
            self.result.to_string(),
            self.request_id.clone(),
            HOST.to_string(),
            self.viewer.scheme().to_string(),
            self.cs_bytes.to_string(),
            fmt_secs(self.time_taken_ms as u32),
            "-".into(),
            ssl_protocol.to_string(),
            ssl_cipher.to_string(),
            self.result.to_string(),
            if self.viewer == Listener::H2 {
                "HTTP/2.0".into()
            } else {
                "HTTP/1.1".into()
            },
            "-".into(),
            "-".into(),
            self.c_port.to_string(),
            dash(self.first_byte_ms.map(|ms| fmt_secs(ms as u32))),
            self.detail.to_string(),
            dash(self.content_type.map(str::to_string)),
            dash(self.content_len.map(|n| n.to_string())),
            "-".into(),
            "-".into(),
        ];
        out.push_str(&fields.join("\t"));
    }
}

/// The header CloudFront writes at the top of each file.
pub(crate) const HEADER: &str = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n";

/// `<distribution>.YYYY-MM-DD-HH.<unique>.gz` for the hour starting at `hour_us`; two files
/// an hour (CloudFront writes several when there is traffic): the Dublin locations' and the
/// others'.
pub(crate) fn file_name(seed: u64, hour_us: i64, part: usize) -> String {
    let dt = chrono::DateTime::from_timestamp_micros(hour_us).expect("time in range");
    let unique = Rng::new(mix(&[seed, TAG_FILE, hour_us as u64, part as u64]))
        .alnum(8)
        .to_uppercase();
    format!("{DISTRIBUTION}.{}.{unique}.gz", dt.format("%Y-%m-%d-%H"))
}

/// A cached answer at one location.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// When it was stored and until when it is served.
    stored: i64,
    expires: i64,
    sent: u64,
    body: u64,
}

/// The edge: its cache, and the requests waiting to be decided in the order they arrive.
pub(crate) struct Edge {
    seed: u64,
    /// The day whose cache this is (emptied at midnight).
    day: i64,
    cache: HashMap<(usize, String), Entry>,
    /// (arrival at the edge, request as the ALB would log it)
    pending: Vec<(i64, Record)>,
    /// `generate --migration`: the Lambda target group's requests go to API Gateway, whose
    /// answer the edge relays.
    pub(crate) migration: bool,
}

impl Edge {
    pub(crate) fn new(seed: u64) -> Edge {
        Edge {
            seed,
            day: i64::MIN,
            cache: HashMap::new(),
            pending: Vec::new(),
            migration: false,
        }
    }

    /// The request's own stream: the same request gets the same edge, whatever the window.
    fn stream(&self, r: &Record) -> Rng {
        Rng::from_parts(&[self.seed, TAG_REQUEST, r.time_us as u64, r.rct_us as u64])
    }

    /// Queues a request of the clinics for the edge.
    pub(crate) fn push(&mut self, r: Record) {
        let mut rng = self.stream(&r);
        // it reached the edge a little before the ALB saw it
        let arrival = r.rct_us - rng.range(1, 15) as i64 * 1000;
        self.pending.push((arrival, r));
    }

    /// Decides every queued request that reached the edge before `before`, in arrival order:
    /// the CloudFront line, and the ALB's record when it was forwarded.
    pub(crate) fn resolve(&mut self, before: i64) -> Vec<(EdgeLine, Option<Record>)> {
        let (mut now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(a, _)| *a < before);
        self.pending = later;
        // stable: equal arrivals keep their generation order
        now.sort_by_key(|(a, _)| *a);
        now.into_iter().map(|(a, r)| self.decide(a, r)).collect()
    }

    fn home(&self, ip: &str) -> usize {
        let h = mix(&[
            self.seed,
            TAG_HOME,
            ip.bytes()
                .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b)),
        ]);
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        let mut acc = 0.0;
        for (i, (_, w)) in LOCATIONS.iter().enumerate() {
            acc += w;
            if u < acc {
                return i;
            }
        }
        0
    }

    fn decide(&mut self, arrival: i64, mut r: Record) -> (EdgeLine, Option<Record>) {
        let mut rng = self.stream(&r);
        rng.range(1, 15); // the arrival's draw (see `push`)
        let day = day_floor(arrival);
        if day != self.day {
            self.day = day;
            self.cache.clear();
        }
        let location = if rng.chance(0.05) {
            SPILL
        } else {
            self.home(&r.client_ip)
        };
        let request_id = request_id(&mut rng);
        let key = (location, r.path.clone());
        let edge_ms = rng.range(1, 20) as i64;
        let mut line = EdgeLine {
            time_us: 0,
            location,
            sc_bytes: 0,
            c_ip: r.client_ip.clone(),
            c_port: r.client_port,
            method: r.method,
            path: r.path.clone(),
            status: Some(200),
            user_agent: r.user_agent.replace("\\x22", "\""),
            result: "Miss",
            detail: "Miss",
            request_id,
            viewer: r.listener,
            cs_bytes: r.received_bytes.saturating_sub(FORWARD_HEADERS),
            time_taken_ms: 0,
            tls: r.tls.clone(),
            first_byte_ms: None,
            content_type: None,
            content_len: None,
            outcome: Outcome::Forwarded,
            endpoint: r.endpoint.clone(),
            truth_method: r.truth_method,
            alb_status: None,
            hop: None,
            apigw_bound: self.migration
                && r.target_group == Some(super::record::TargetGroup::Lambda),
            apigw_status: None,
        };
        let refused = if rng.chance(P_LIMIT) {
            Some(("LimitExceeded", Outcome::LimitExceeded))
        } else if rng.chance(P_CAPACITY) {
            Some(("CapacityExceeded", Outcome::CapacityExceeded))
        } else {
            None
        };
        let cached = self
            .cache
            .get(&key)
            .filter(|e| cacheable(&r) && e.stored <= arrival && arrival < e.expires)
            .copied();
        let (end, first_byte) = if let Some((what, outcome)) = refused {
            line.status = Some(503);
            (line.result, line.detail, line.outcome) = (what, what, outcome);
            line.sc_bytes = 480;
            line.content_type = Some("text/html");
            line.content_len = Some(170);
            (arrival + edge_ms * 1000, Some(edge_ms))
        } else if let Some(e) = cached {
            (line.result, line.detail, line.outcome) = ("Hit", "Hit", Outcome::Hit);
            line.sc_bytes = e.sent + CF_HEADERS;
            line.content_type = Some(content_type(&r.endpoint, 200));
            line.content_len = Some(e.body);
            let ms = rng.range(1, 6) as i64;
            (arrival + ms * 1000, Some(ms - rng.range(0, 1) as i64))
        } else if in_daily(arrival, ORIGIN_CONNECT) {
            line.status = Some(502);
            (line.result, line.detail, line.outcome) =
                ("Error", "OriginConnectError", Outcome::OriginConnectError);
            line.sc_bytes = 915;
            line.content_type = Some("text/html");
            line.content_len = Some(507);
            let ms = rng.range(40, 300) as i64;
            (arrival + ms * 1000, Some(ms))
        } else {
            // forwarded: the ALB logs it from one of the location's origin-facing addresses
            r.client_ip = origin_address(location, rng.below(ADDRESSES));
            r.client_port = rng.range(1024, 65535) as u16;
            r.viewer_ip = Some(line.c_ip.clone());
            // on API Gateway's route, API Gateway's answer is the origin's, when it answered
            // (the record as the ALB would have logged it gives API Gateway its request, as in
            // `generate::run`)
            let (origin_status, origin_end) = if line.apigw_bound {
                let g = super::migration::apigw_line(self.seed, &r);
                line.apigw_status = Some(g.status);
                (g.status, g.end_us)
            } else {
                (r.elb_status, r.time_us)
            };
            line.alb_status = Some(origin_status);
            let done = origin_end + edge_ms * 1000;
            let end = if origin_end - arrival > ORIGIN_TIMEOUT {
                line.status = Some(504);
                (line.result, line.detail, line.outcome) =
                    ("Error", "OriginCommError", Outcome::OriginTimeout);
                line.sc_bytes = 915;
                line.content_type = Some("text/html");
                line.content_len = Some(507);
                arrival + ORIGIN_TIMEOUT + edge_ms * 1000
            } else if r.elb_status == 460 {
                line.status = None;
                (line.result, line.detail, line.outcome) =
                    ("Error", "ClientHungUpRequest", Outcome::ViewerLeft);
                done
            } else {
                let s = origin_status;
                line.status = Some(s);
                if s >= 400 {
                    (line.result, line.detail) = ("Error", "Error");
                }
                line.sc_bytes = r.sent_bytes + CF_HEADERS;
                line.content_type = Some(content_type(&r.endpoint, s));
                line.content_len = Some(r.sent_bytes.saturating_sub(ORIGIN_HEADERS));
                if cacheable(&r) && (200..300).contains(&s) {
                    let stored = done;
                    let entry = self.cache.entry(key).or_insert(Entry {
                        stored,
                        expires: stored + TTL,
                        sent: r.sent_bytes,
                        body: r.sent_bytes.saturating_sub(ORIGIN_HEADERS),
                    });
                    // a fresher answer replaces the copy and restarts its TTL
                    entry.stored = entry.stored.min(stored);
                    entry.expires = entry.expires.max(stored + TTL);
                    entry.sent = r.sent_bytes;
                    entry.body = r.sent_bytes.saturating_sub(ORIGIN_HEADERS);
                }
                done
            };
            // CloudFront speaks HTTP/1.1 to the origin, over the viewer's scheme
            if r.listener == Listener::H2 {
                r.listener = Listener::Https;
            }
            if r.tls.is_some() {
                r.tls = Some(Tls {
                    cipher: "ECDHE-RSA-AES128-GCM-SHA256",
                    protocol: "TLSv1.2",
                    session_reused: rng.chance(0.3),
                    sni: true,
                });
            }
            r.edge_id = Some(line.request_id.clone());
            line.hop = Some((
                r.time_us,
                super::proxy::proxy_line(self.seed, &r)
                    .map(|p| (p.time_us, p.status, p.failed_attempt())),
            ));
            let taken = (end - arrival) / 1000;
            let first = match line.outcome {
                Outcome::ViewerLeft => None,
                _ => Some((taken - rng.range(0, 2) as i64).max(0)),
            };
            line.time_us = end;
            line.time_taken_ms = taken as u64;
            line.first_byte_ms = first.map(|v| v as u64);
            return (line, Some(r));
        };
        line.time_us = end;
        line.time_taken_ms = ((end - arrival) / 1000) as u64;
        line.first_byte_ms = first_byte.map(|v| v.max(0) as u64);
        (line, None)
    }
}

/// An `x-edge-request-id`: 54 URL-safe base64 characters and `==`.
fn request_id(rng: &mut Rng) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id: String = (0..54)
        .map(|_| B64[rng.below(64) as usize] as char)
        .collect();
    id.push_str("==");
    id
}

/// What HOSP answers with.
fn content_type(endpoint: &str, status: u16) -> &'static str {
    match (endpoint, status) {
        (_, 502..=504) => "text/html",
        ("/", _) => "text/html; charset=utf-8",
        ("/health", _) => "text/plain",
        _ => "application/json; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_cloudfront_does() {
        assert_eq!(
            cf_encode("Mozilla/5.0 (X11; Linux x86_64)"),
            "Mozilla/5.0%20(X11;%20Linux%20x86_64)"
        );
        assert_eq!(cf_encode("\"a\" 100%"), "%22a%22%20100%25");
        assert_eq!(cf_encode("é"), "%C3%A9");
        assert_eq!(cf_encode("/notes?patient_id=42"), "/notes?patient_id=42");
        assert_eq!(origin_address(0, 0), "130.176.17.20");
        assert_eq!(origin_address(4, 21), "2600:9000:2004:2::a1");
    }
}
