//! Ground truth, counted while lines are emitted (never by re-parsing the output).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::edge::{
    EdgeLine, Outcome, CF_DOMAIN, DISTRIBUTION, LOCATIONS, ORIGIN_CONNECT, ORIGIN_FACING,
    ORIGIN_TIMEOUT, TTL,
};
use super::proxy::ProxyLine;
use super::record::{fmt_time, Record, Source, TargetGroup};
use super::scenario::{
    day_floor, in_daily, DailyWindow, HOUR, INTRUDER, INTRUDER_IP, INTRUDER_UA, LOAD_TEST,
    LOAD_TEST_CIDR, LOAD_TEST_UA, LOG4SHELL_UA, MALFORMED_IP, OUTAGE, SCANNER, SCANNER_IP,
    SCANNER_UA, SLOW, SPACE_PATH, US,
};

/// Request counts under the SLO definitions (see `Definitions`).
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub excluded: u64,
    pub valid: u64,
    pub good: u64,
    pub bad: u64,
}

impl Counts {
    fn add(&mut self, excluded: bool, status: u16) {
        self.total += 1;
        if excluded {
            self.excluded += 1;
        } else {
            self.valid += 1;
            if status < 500 {
                self.good += 1;
            } else {
                self.bad += 1;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Intruder,
    LoadTest,
    QuotedUserAgent,
    SpaceInUri,
    Slow,
    Outage,
    Malformed,
    Scanner,
}

#[derive(Debug, Default)]
struct IncAcc {
    requests: u64,
    errors_5xx: u64,
    legacy_requests: u64,
    over_3s: u64,
    writes: u64,
    patient_ids: BTreeSet<String>,
    paths: BTreeSet<String>,
    log4shell: u64,
    times: Vec<i64>,
}

/// Accumulates truth.json while lines are written.
#[derive(Debug, Default)]
pub(crate) struct Acc {
    pub files: usize,
    pub lines: u64,
    counts: Counts,
    good_3s: u64,
    bad_3s: u64,
    by_status: BTreeMap<u16, u64>,
    by_endpoint: BTreeMap<(&'static str, String), (u64, u64)>,
    alb_5xx: u64,
    target_5xx: u64,
    no_latency: u64,
    ipv6: u64,
    hourly: BTreeMap<i64, Counts>,
    by_tg: BTreeMap<&'static str, (&'static str, u64, u64)>,
    by_type: BTreeMap<&'static str, u64>,
    incidents: BTreeMap<(i64, Kind), IncAcc>,
    lambda_requests: u64,
    /// Lines the edge forwarded (their client is an origin-facing address).
    pub from_edge: u64,
}

impl Acc {
    pub(crate) fn add(&mut self, r: &Record) {
        self.lines += 1;
        self.from_edge += u64::from(r.edge_id.is_some());
        let excluded = r.source == Source::LoadTest;
        let status = r.elb_status;
        let is_5xx = status >= 500;
        let latency = r.latency_ms();
        self.counts.add(excluded, status);
        if !excluded {
            let good = status < 500 && latency.is_none_or(|l| l <= 3000.0);
            if good {
                self.good_3s += 1;
            } else {
                self.bad_3s += 1;
            }
        }
        *self.by_status.entry(status).or_default() += 1;
        let e = self
            .by_endpoint
            .entry((r.truth_method, r.endpoint.clone()))
            .or_default();
        e.0 += 1;
        e.1 += u64::from(is_5xx);
        if is_5xx {
            if r.target_status.is_none() {
                self.alb_5xx += 1;
            } else {
                self.target_5xx += 1;
            }
        }
        if latency.is_none() {
            self.no_latency += 1;
        }
        if r.is_ipv6() {
            self.ipv6 += 1;
        }
        self.hourly
            .entry(r.time_us.div_euclid(HOUR) * HOUR)
            .or_default()
            .add(excluded, status);
        let (name, arn) = match r.target_group {
            Some(g) => (g.name(), g.arn()),
            None => ("-", "-"),
        };
        let g = self.by_tg.entry(name).or_insert((arn, 0, 0));
        g.1 += 1;
        g.2 += u64::from(is_5xx);
        *self.by_type.entry(r.listener.type_field()).or_default() += 1;
        if r.target_group == Some(TargetGroup::Lambda) {
            self.lambda_requests += 1;
        }

        let day = day_floor(r.time_us);
        let over_3s = latency.is_some_and(|l| l > 3000.0);
        if in_daily(r.time_us, SLOW) {
            let i = self.incidents.entry((day, Kind::Slow)).or_default();
            i.requests += 1;
            i.errors_5xx += u64::from(is_5xx);
            i.over_3s += u64::from(over_3s);
            i.legacy_requests += u64::from(r.target_group == Some(TargetGroup::Legacy));
        }
        if in_daily(r.time_us, OUTAGE) {
            let i = self.incidents.entry((day, Kind::Outage)).or_default();
            i.requests += 1;
            i.errors_5xx += u64::from(is_5xx);
        }
        let kind = match r.source {
            Source::User => None,
            Source::LoadTest => Some(Kind::LoadTest),
            Source::Intruder => Some(Kind::Intruder),
            Source::Scanner => Some(Kind::Scanner),
            Source::QuotedUserAgent => Some(Kind::QuotedUserAgent),
            Source::SpaceInUri => Some(Kind::SpaceInUri),
            Source::Malformed => Some(Kind::Malformed),
        };
        if let Some(kind) = kind {
            let i = self.incidents.entry((day, kind)).or_default();
            i.requests += 1;
            i.errors_5xx += u64::from(is_5xx);
            i.times.push(r.time_us);
            match kind {
                Kind::Intruder => {
                    if r.method == "POST" && status == 201 {
                        i.writes += 1;
                    }
                    if let Some(id) = r.path.strip_prefix("/notes?patient_id=") {
                        i.patient_ids.insert(id.to_string());
                    }
                }
                Kind::Scanner => {
                    i.paths.insert(r.path.clone());
                    if r.user_agent == LOG4SHELL_UA {
                        i.log4shell += 1;
                    }
                }
                _ => {}
            }
        }
    }

    pub(crate) fn finish(&self, meta: Meta) -> Truth {
        let mut incidents = Vec::new();
        let first_day = day_floor(meta.start_us);
        let last_day = day_floor(meta.end_us - 1);
        let empty = IncAcc::default();
        let window = |day: i64, w: DailyWindow| -> Option<(String, String)> {
            let s = (day + w.start_s * US).max(meta.start_us);
            let e = (day + w.end_s * US).min(meta.end_us);
            (s < e).then(|| (rfc3339(s), rfc3339(e)))
        };
        let mut day = first_day;
        while day <= last_day {
            let get = |k: Kind| self.incidents.get(&(day, k)).unwrap_or(&empty);
            if let Some((s, e)) = window(day, INTRUDER) {
                let i = get(Kind::Intruder);
                incidents.push(Incident {
                    kind: "intruder",
                    start: Some(s),
                    end: Some(e),
                    description: "unauthorised script writing patient notes (POST /notes, 201) and reading notes by patient id".into(),
                    client_ip: Some(INTRUDER_IP.into()),
                    user_agent: Some(INTRUDER_UA.into()),
                    requests: Some(i.requests),
                    writes: Some(i.writes),
                    distinct_patient_ids_read: Some(i.patient_ids.len() as u64),
                    ..Incident::default()
                });
            }
            if let Some((s, e)) = window(day, LOAD_TEST) {
                let i = get(Kind::LoadTest);
                incidents.push(Incident {
                    kind: "load_test",
                    start: Some(s),
                    end: Some(e),
                    description:
                        "the team's own k6 load test; not user traffic, excluded from the SLO"
                            .into(),
                    client_cidr: Some(LOAD_TEST_CIDR.into()),
                    client_ips: Some((21..=25).map(|h| format!("10.99.0.{h}")).collect()),
                    user_agent: Some(LOAD_TEST_UA.into()),
                    requests: Some(i.requests),
                    errors_5xx: Some(i.errors_5xx),
                    ..Incident::default()
                });
            }
            self.push_special(&mut incidents, day, Kind::QuotedUserAgent);
            self.push_special(&mut incidents, day, Kind::SpaceInUri);
            if let Some((s, e)) = window(day, SLOW) {
                let i = get(Kind::Slow);
                incidents.push(Incident {
                    kind: "slow",
                    start: Some(s),
                    end: Some(e),
                    description: "legacy backend slow: target_processing_time 2-20 s for most hosp-legacy requests, more 460/502/504 and 500s".into(),
                    target_group: Some("hosp-legacy".into()),
                    requests: Some(i.requests),
                    legacy_requests: Some(i.legacy_requests),
                    over_3s: Some(i.over_3s),
                    errors_5xx: Some(i.errors_5xx),
                    ..Incident::default()
                });
            }
            if day == first_day
                && meta.migration_us >= meta.start_us
                && meta.migration_us < meta.end_us
            {
                incidents.push(Incident {
                    kind: "migration",
                    at: Some(rfc3339(meta.migration_us)),
                    description: "strangler-fig step: /hospitals routes (listener rule priority 10) now forward to a Lambda target group".into(),
                    routes: Some(vec!["/hospitals".into(), "/hospitals/{id}".into()]),
                    from: Some("hosp-legacy".into()),
                    to: Some("hosp-hospitals-lambda".into()),
                    requests: Some(self.lambda_requests),
                    ..Incident::default()
                });
            }
            if let Some((s, e)) = window(day, OUTAGE) {
                let i = get(Kind::Outage);
                incidents.push(Incident {
                    kind: "outage",
                    start: Some(s),
                    end: Some(e),
                    description: "ALB 503, no healthy targets: every request fails".into(),
                    requests: Some(i.requests),
                    errors_5xx: Some(i.errors_5xx),
                    ..Incident::default()
                });
            }
            self.push_special(&mut incidents, day, Kind::Malformed);
            if let Some((s, e)) = window(day, SCANNER) {
                let i = get(Kind::Scanner);
                incidents.push(Incident {
                    kind: "scanner",
                    start: Some(s),
                    end: Some(e),
                    description: "vulnerability scanner probing unknown paths; the ALB answers with a fixed-response 404 (no target group); one request carries a Log4Shell user agent".into(),
                    client_ip: Some(SCANNER_IP.into()),
                    user_agent: Some(SCANNER_UA.into()),
                    requests: Some(i.requests),
                    distinct_paths: Some(i.paths.len() as u64),
                    log4shell_requests: Some(i.log4shell),
                    log4shell_user_agent: (i.log4shell > 0).then(|| LOG4SHELL_UA.into()),
                    ..Incident::default()
                });
            }
            day += 24 * HOUR;
        }

        Truth {
            seed: meta.seed,
            start: rfc3339(meta.start_us),
            end: rfc3339(meta.end_us),
            rate: meta.rate,
            files: self.files,
            lines: self.lines,
            multi_member_files: meta.multi_member_files,
            load_balancer: LoadBalancer::default(),
            definitions: Definitions::default(),
            requests: self.counts,
            latency_threshold_3s: GoodBad {
                good: self.good_3s,
                bad: self.bad_3s,
            },
            by_elb_status: self
                .by_status
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            by_endpoint: self
                .by_endpoint
                .iter()
                .map(|((m, e), (n, x))| EndpointRow {
                    method: (*m).to_string(),
                    endpoint: e.clone(),
                    requests: *n,
                    errors_5xx: *x,
                })
                .collect(),
            alb_generated_5xx: self.alb_5xx,
            target_generated_5xx: self.target_5xx,
            no_latency: self.no_latency,
            hourly: hours(meta.start_us, meta.end_us)
                .map(|h| Hourly {
                    hour: rfc3339(h),
                    counts: self.hourly.get(&h).copied().unwrap_or_default(),
                })
                .collect(),
            excluded_traffic: Excluded {
                client_cidr: LOAD_TEST_CIDR.into(),
                user_agent: LOAD_TEST_UA.into(),
                requests: self.counts.excluded,
            },
            incidents,
            by_target_group: self
                .by_tg
                .iter()
                .map(|(name, (arn, n, x))| TgRow {
                    target_group: (*name).to_string(),
                    target_group_arn: (*arn).to_string(),
                    requests: *n,
                    errors_5xx: *x,
                })
                .collect(),
            by_type: self
                .by_type
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            ipv6_requests: self.ipv6,
            cloudfront: None,
            nginx: None,
            hops: None,
            migration: None,
        }
    }

    fn push_special(&self, out: &mut Vec<Incident>, day: i64, kind: Kind) {
        let Some(i) = self.incidents.get(&(day, kind)) else {
            return;
        };
        let mut times = i.times.clone();
        times.sort_unstable();
        let (name, description, extra_ip) = match kind {
            Kind::QuotedUserAgent => (
                "quoted_user_agent",
                "browser user agent wrapped in double quotes, written by the ALB as \\x22",
                None,
            ),
            Kind::SpaceInUri => (
                "space_in_uri",
                "request URL with a raw space (GET /notes?patient_id=42&q=ear infection); classification Acceptable, classification_reason SpaceInUri; answered 200",
                None,
            ),
            _ => (
                "malformed_request",
                "malformed request line \"- http://hosp.example.com:80- -\" answered 400 by the ALB (no rule, no target group)",
                Some(MALFORMED_IP),
            ),
        };
        out.push(Incident {
            kind: name,
            description: description.into(),
            client_ip: extra_ip.map(Into::into),
            path: (kind == Kind::SpaceInUri).then(|| SPACE_PATH.into()),
            times: Some(times.into_iter().map(fmt_time).collect()),
            requests: Some(i.requests),
            ..Incident::default()
        });
    }
}

/// Facts about the run that the accumulator does not see.
pub(crate) struct Meta {
    pub seed: u64,
    pub start_us: i64,
    pub end_us: i64,
    pub rate: f64,
    pub migration_us: i64,
    pub multi_member_files: Vec<String>,
}

fn hours(start_us: i64, end_us: i64) -> impl Iterator<Item = i64> {
    let first = start_us.div_euclid(HOUR) * HOUR;
    (0..)
        .map(move |k| first + k * HOUR)
        .take_while(move |h| *h < end_us)
}

pub(crate) fn rfc3339(us: i64) -> String {
    let dt = chrono::DateTime::from_timestamp_micros(us).expect("timestamp in range");
    if us % US == 0 {
        dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// The content of truth.json.
#[derive(Debug, Serialize)]
pub struct Truth {
    pub seed: u64,
    pub start: String,
    pub end: String,
    /// Mean user requests per second over a whole day (incident traffic comes on top).
    pub rate: f64,
    pub files: usize,
    pub lines: u64,
    pub multi_member_files: Vec<String>,
    pub load_balancer: LoadBalancer,
    pub definitions: Definitions,
    pub requests: Counts,
    pub latency_threshold_3s: GoodBad,
    pub by_elb_status: BTreeMap<String, u64>,
    pub by_endpoint: Vec<EndpointRow>,
    pub alb_generated_5xx: u64,
    pub target_generated_5xx: u64,
    pub no_latency: u64,
    pub hourly: Vec<Hourly>,
    pub excluded_traffic: Excluded,
    pub incidents: Vec<Incident>,
    pub by_target_group: Vec<TgRow>,
    pub by_type: BTreeMap<String, u64>,
    pub ipv6_requests: u64,
    /// The same day at the edge (CloudFront's log).
    pub cloudfront: Option<EdgeTruth>,
    /// The proxies behind the ALB (`generate --hops`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nginx: Option<NginxTruth>,
    /// The three logs joined (`generate --hops`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hops: Option<HopsTruth>,
    /// The /hospitals routes on API Gateway beside the ALB (`generate --migration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<super::migration::MigrationTruth>,
}

#[derive(Debug, Serialize)]
pub struct LoadBalancer {
    pub account: &'static str,
    pub region: &'static str,
    pub elb: &'static str,
    pub host: &'static str,
    pub node_ips: [&'static str; 2],
    pub legacy_targets: [&'static str; 2],
}

impl Default for LoadBalancer {
    fn default() -> Self {
        use super::scenario::{ACCOUNT, HOST, LB_RESOURCE_ID, LEGACY_TARGETS, NODE_IPS, REGION};
        LoadBalancer {
            account: ACCOUNT,
            region: REGION,
            elb: LB_RESOURCE_ID,
            host: HOST,
            node_ips: NODE_IPS,
            legacy_targets: LEGACY_TARGETS,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Definitions {
    pub clients: &'static str,
    pub total: &'static str,
    pub excluded: &'static str,
    pub valid: &'static str,
    pub good: &'static str,
    pub bad: &'static str,
    pub latency_ms: &'static str,
    pub latency_threshold_3s: &'static str,
    pub scope: &'static str,
    pub endpoint: &'static str,
    pub alb_generated_5xx: &'static str,
    pub target_generated_5xx: &'static str,
    pub no_latency: &'static str,
    pub hourly: &'static str,
    pub by_target_group: &'static str,
    pub ipv6_requests: &'static str,
}

impl Default for Definitions {
    fn default() -> Self {
        Definitions {
            clients: "the clinics' requests come through CloudFront: only those the edge forwarded are here, with one of CloudFront's origin-facing addresses (130.176.0.0/16, 2600:9000::/28) as client; the load test, the intruder, the scanner and the malformed requests reach the ALB directly (see the cloudfront section for the edge's own log)",
            total: "every log line (every line is one request and has an elb_status_code)",
            excluded: "load-test traffic: client IP in 10.99.0.0/24 with user agent 'hosp-loadtest/1.0 (k6)' (every load-test line matches both; no other line matches either)",
            valid: "requests with an elb_status_code, minus excluded; here valid = total - excluded",
            good: "valid and elb_status_code < 500",
            bad: "valid - good",
            latency_ms: "(request_processing_time + target_processing_time + response_processing_time) * 1000, the three parsed as f64 from the written 3-decimal text and added left to right; null when any of them is -1. No generated latency lies in 2990..=3010 ms, so rounding cannot change a threshold decision",
            latency_threshold_3s: "over valid requests: good = elb_status_code < 500 AND (latency null OR latency_ms <= 3000.0); bad = valid - good",
            scope: "by_elb_status, by_endpoint, alb/target_generated_5xx, no_latency, by_target_group, by_type and ipv6_requests count all requests, excluded ones included; errors_5xx = elb_status_code >= 500",
            endpoint: "method + path without the query; numeric path segments of the HOSP routes replaced by {id}; unknown paths (scanner probes) as written; the malformed request line has method '-' and endpoint '-'",
            alb_generated_5xx: "elb_status_code >= 500 and target_status_code '-'",
            target_generated_5xx: "elb_status_code >= 500 and target_status_code present",
            no_latency: "requests with any processing time = -1",
            hourly: "bucketed by the line's `time` field (UTC hour); excluded/valid/good/bad as above",
            by_target_group: "by the target group name in target_group_arn; '-' = no target group (fixed-response 404s, malformed request)",
            ipv6_requests: "client address is IPv6 (written without brackets, e.g. 2600:9000:2001:1::a1:51234)",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct GoodBad {
    pub good: u64,
    pub bad: u64,
}

#[derive(Debug, Serialize)]
pub struct EndpointRow {
    pub method: String,
    pub endpoint: String,
    pub requests: u64,
    pub errors_5xx: u64,
}

#[derive(Debug, Serialize)]
pub struct Hourly {
    pub hour: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize)]
pub struct Excluded {
    pub client_cidr: String,
    pub user_agent: String,
    pub requests: u64,
}

#[derive(Debug, Serialize)]
pub struct TgRow {
    pub target_group: String,
    pub target_group_arn: String,
    pub requests: u64,
    pub errors_5xx: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Incident {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ips: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log4shell_user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_3s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_5xx: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct_patient_ids_read: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct_paths: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log4shell_requests: Option<u64>,
}

/// The edge's truth: what CloudFront logged, counted while its lines were written.
#[derive(Debug, Default)]
pub(crate) struct EdgeAcc {
    pub files: usize,
    pub lines: u64,
    counts: EdgeCounts,
    good_3s: u64,
    bad_3s: u64,
    by_status: BTreeMap<String, u64>,
    result_types: BTreeMap<&'static str, u64>,
    details_5xx: BTreeMap<&'static str, u64>,
    by_location: BTreeMap<&'static str, (u64, u64)>,
    by_endpoint: BTreeMap<(&'static str, String), (u64, u64)>,
    by_protocol: BTreeMap<&'static str, u64>,
    hourly: BTreeMap<i64, EdgeCounts>,
    outcomes: BTreeMap<Outcome, u64>,
    /// Origin timeouts whose ALB line says the ALB answered below 500.
    timeouts_alb_success: u64,
    origin_connect: BTreeMap<i64, u64>,
}

/// Request counts of the edge log under the SLO definitions.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct EdgeCounts {
    pub total: u64,
    pub excluded: u64,
    pub no_status: u64,
    pub valid: u64,
    pub good: u64,
    pub bad: u64,
}

impl EdgeCounts {
    fn add(&mut self, status: Option<u16>) {
        self.total += 1;
        match status {
            None => self.no_status += 1,
            Some(s) => {
                self.valid += 1;
                if s < 500 {
                    self.good += 1;
                } else {
                    self.bad += 1;
                }
            }
        }
    }
}

impl EdgeAcc {
    pub(crate) fn add(&mut self, l: &EdgeLine) {
        self.lines += 1;
        self.counts.add(l.status);
        if let Some(s) = l.status {
            if s < 500 && l.time_taken_ms <= 3000 {
                self.good_3s += 1;
            } else {
                self.bad_3s += 1;
            }
        }
        let is_5xx = l.status.is_some_and(|s| s >= 500);
        *self
            .by_status
            .entry(l.status.map_or("000".into(), |s| s.to_string()))
            .or_default() += 1;
        *self.result_types.entry(l.result).or_default() += 1;
        if is_5xx {
            *self.details_5xx.entry(l.detail).or_default() += 1;
        }
        let loc = self.by_location.entry(LOCATIONS[l.location].0).or_default();
        loc.0 += 1;
        loc.1 += u64::from(is_5xx);
        let e = self
            .by_endpoint
            .entry((l.truth_method, l.endpoint.clone()))
            .or_default();
        e.0 += 1;
        e.1 += u64::from(is_5xx);
        *self.by_protocol.entry(l.viewer.scheme()).or_default() += 1;
        self.hourly
            .entry(l.time_us.div_euclid(HOUR) * HOUR)
            .or_default()
            .add(l.status);
        *self.outcomes.entry(l.outcome).or_default() += 1;
        if l.outcome == Outcome::OriginTimeout && l.alb_status.is_some_and(|s| s < 500) {
            self.timeouts_alb_success += 1;
        }
        if l.outcome == Outcome::OriginConnectError {
            *self.origin_connect.entry(day_floor(l.time_us)).or_default() += 1;
        }
    }

    pub(crate) fn finish(&self, meta: &Meta, alb_from_edge: u64) -> EdgeTruth {
        let outcome = |o: Outcome| self.outcomes.get(&o).copied().unwrap_or(0);
        let hits = self.result_types.get("Hit").copied().unwrap_or(0)
            + self.result_types.get("RefreshHit").copied().unwrap_or(0);
        let misses = self.result_types.get("Miss").copied().unwrap_or(0);
        let mut incidents = Vec::new();
        let mut day = day_floor(meta.start_us);
        while day < meta.end_us {
            let s = (day + ORIGIN_CONNECT.start_s * US).max(meta.start_us);
            let e = (day + ORIGIN_CONNECT.end_s * US).min(meta.end_us);
            if s < e {
                incidents.push(Incident {
                    kind: "origin_connect_error",
                    start: Some(rfc3339(s)),
                    end: Some(rfc3339(e)),
                    description: "the edge cannot connect to the ALB (a security-group change, reverted): misses get a 502 OriginConnectError that the ALB never logs; cache hits are still served".into(),
                    requests: Some(self.origin_connect.get(&day).copied().unwrap_or(0)),
                    ..Incident::default()
                });
            }
            day += 24 * HOUR;
        }
        EdgeTruth {
            distribution: DISTRIBUTION,
            domain: CF_DOMAIN,
            ttl_seconds: TTL / US,
            origin_timeout_seconds: ORIGIN_TIMEOUT / US,
            origin_facing: ORIGIN_FACING,
            files: self.files,
            lines: self.lines,
            definitions: EdgeDefinitions::default(),
            requests: self.counts,
            latency_threshold_3s: GoodBad {
                good: self.good_3s,
                bad: self.bad_3s,
            },
            by_status: self.by_status.clone(),
            result_types: self
                .result_types
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            hits,
            misses,
            cache_hit_ratio: (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64),
            errors_5xx: self.details_5xx.values().sum(),
            errors_by_detail: self
                .details_5xx
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            by_location: self
                .by_location
                .iter()
                .map(|(loc, (n, x))| LocationRow {
                    location: (*loc).to_string(),
                    airport: loc[..3].to_string(),
                    requests: *n,
                    errors_5xx: *x,
                })
                .collect(),
            by_endpoint: self
                .by_endpoint
                .iter()
                .map(|((m, e), (n, x))| EndpointRow {
                    method: (*m).to_string(),
                    endpoint: e.clone(),
                    requests: *n,
                    errors_5xx: *x,
                })
                .collect(),
            by_protocol: self
                .by_protocol
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            hourly: hours(meta.start_us, meta.end_us)
                .map(|h| EdgeHourly {
                    hour: rfc3339(h),
                    counts: self.hourly.get(&h).copied().unwrap_or_default(),
                })
                .collect(),
            forwarded: outcome(Outcome::Forwarded)
                + outcome(Outcome::OriginTimeout)
                + outcome(Outcome::ViewerLeft),
            edge_only: outcome(Outcome::Hit)
                + outcome(Outcome::OriginConnectError)
                + outcome(Outcome::LimitExceeded)
                + outcome(Outcome::CapacityExceeded),
            origin_timeouts: OriginTimeouts {
                requests: outcome(Outcome::OriginTimeout),
                alb_success: self.timeouts_alb_success,
            },
            viewers_left: outcome(Outcome::ViewerLeft),
            alb_lines_from_edge: alb_from_edge,
            incidents,
        }
    }
}

/// The content of truth.json's `cloudfront` section.
#[derive(Debug, Serialize)]
pub struct EdgeTruth {
    pub distribution: &'static str,
    pub domain: &'static str,
    pub ttl_seconds: i64,
    pub origin_timeout_seconds: i64,
    pub origin_facing: [&'static str; 2],
    pub files: usize,
    pub lines: u64,
    pub definitions: EdgeDefinitions,
    pub requests: EdgeCounts,
    pub latency_threshold_3s: GoodBad,
    pub by_status: BTreeMap<String, u64>,
    pub result_types: BTreeMap<String, u64>,
    pub hits: u64,
    pub misses: u64,
    pub cache_hit_ratio: Option<f64>,
    pub errors_5xx: u64,
    pub errors_by_detail: BTreeMap<String, u64>,
    pub by_location: Vec<LocationRow>,
    pub by_endpoint: Vec<EndpointRow>,
    pub by_protocol: BTreeMap<String, u64>,
    pub hourly: Vec<EdgeHourly>,
    pub forwarded: u64,
    pub edge_only: u64,
    pub origin_timeouts: OriginTimeouts,
    pub viewers_left: u64,
    pub alb_lines_from_edge: u64,
    pub incidents: Vec<Incident>,
}

#[derive(Debug, Serialize)]
pub struct LocationRow {
    pub location: String,
    pub airport: String,
    pub requests: u64,
    pub errors_5xx: u64,
}

#[derive(Debug, Serialize)]
pub struct EdgeHourly {
    pub hour: String,
    #[serde(flatten)]
    pub counts: EdgeCounts,
}

#[derive(Debug, Serialize)]
pub struct OriginTimeouts {
    /// Edge 504s after the 30-second origin timeout.
    pub requests: u64,
    /// Of those, the ones whose ALB line records an answer below 500.
    pub alb_success: u64,
}

#[derive(Debug, Serialize)]
pub struct EdgeDefinitions {
    pub scope: &'static str,
    pub total: &'static str,
    pub excluded: &'static str,
    pub no_status: &'static str,
    pub valid: &'static str,
    pub good: &'static str,
    pub latency_threshold_3s: &'static str,
    pub cache_hit_ratio: &'static str,
    pub errors_5xx: &'static str,
    pub endpoint: &'static str,
    pub forwarded: &'static str,
    pub edge_only: &'static str,
    pub alb_lines_from_edge: &'static str,
    pub hourly: &'static str,
}

impl Default for EdgeDefinitions {
    fn default() -> Self {
        EdgeDefinitions {
            scope: "every line of the CloudFront log (cloudfront/), bucketed by its date + time; the clinics' browsers reach HOSP through CloudFront, the load test, the intruder, the scanner and the malformed requests do not",
            total: "every log line",
            excluded: "0: the load test does not go through CloudFront",
            no_status: "sc-status 000: the viewer left before a response",
            valid: "total - excluded - no_status",
            good: "valid and sc-status < 500",
            latency_threshold_3s: "over valid requests: good = sc-status < 500 AND time-taken <= 3.000 s",
            cache_hit_ratio: "(Hit + RefreshHit) / (Hit + RefreshHit + Miss) over x-edge-result-type",
            errors_5xx: "sc-status 500-599; errors_by_detail by x-edge-detailed-result-type",
            endpoint: "method + cs-uri-stem with ids templated as in the ALB truth",
            forwarded: "lines of requests the edge sent to the ALB (Miss, the origin's errors, origin timeouts, viewers who left)",
            edge_only: "lines answered without the ALB: cache hits, LimitExceeded, CapacityExceeded, OriginConnectError",
            alb_lines_from_edge: "ALB lines whose client is one of CloudFront's origin-facing addresses (130.176.0.0/16, 2600:9000::/28)",
            hourly: "by the line's date + time (UTC hour)",
        }
    }
}

/// truth.json's `nginx` section (`generate --hops`): the proxies' log, and what `hosp-logs
/// retries` must find in it.
#[derive(Debug, Serialize)]
pub struct NginxTruth {
    pub log_format: &'static str,
    pub proxies: [&'static str; 2],
    pub upstreams: [&'static str; 5],
    pub tries: usize,
    pub files: usize,
    pub lines: u64,
    /// Under the SLO definitions, the load test excluded (its user agent).
    pub requests: Counts,
    /// Over the valid requests, the load test excluded: the `retries` keys.
    pub retries: RetriesTruth,
}

#[derive(Debug, Default, Serialize, Clone, Copy, PartialEq, Eq)]
pub struct RetriesTruth {
    pub requests: u64,
    pub requests_with_upstream: u64,
    pub attempts: u64,
    pub failed_attempts: u64,
    pub retries_answered: u64,
    pub retried: u64,
    pub recovered: u64,
    pub exhausted: u64,
    pub extra_attempts: u64,
    /// `$request_time` over 30 s (CloudFront's origin timeout).
    pub over_client_timeout: u64,
}

/// truth.json's `hops` section (`generate --hops`): what `hosp-logs hops` must find joining
/// the three logs.
#[derive(Debug, Serialize)]
pub struct HopsTruth {
    /// The edge's valid requests (status not `000`), which the attribution splits.
    pub edge_valid: u64,
    pub served_from_cache: u64,
    pub failed_at: FailedAtTruth,
    pub saved_by_retries: u64,
    pub join: JoinTruth,
}

#[derive(Debug, Default, Serialize)]
pub struct FailedAtTruth {
    pub proxy: u64,
    pub edge_timeout: u64,
    pub before_proxy: u64,
}

#[derive(Debug, Serialize)]
pub struct JoinTruth {
    pub edge_proxy: BTreeMap<&'static str, u64>,
    pub lb_proxy: BTreeMap<&'static str, u64>,
}

/// Counts the three logs' lines as they are written, for `nginx` and `hops`.
#[derive(Debug, Default)]
pub struct HopsAcc {
    pub start_us: i64,
    pub end_us: i64,
    edge_lines: u64,
    edge_valid: u64,
    edge_joined: u64,
    served_from_cache: u64,
    failed_at: FailedAtTruth,
    saved_by_retries: u64,
    alb_lines: u64,
    nginx_lines: u64,
    nginx_with_cf_id: u64,
    nginx_with_trace: u64,
    pub nginx_files: usize,
    requests: Counts,
    retries: RetriesTruth,
}

impl HopsAcc {
    pub fn new(start_us: i64, end_us: i64) -> HopsAcc {
        HopsAcc {
            start_us,
            end_us,
            ..HopsAcc::default()
        }
    }

    fn in_window(&self, t: i64) -> bool {
        t >= self.start_us && t < self.end_us
    }

    /// An edge line written: joined when its request reached a proxy line that was written
    /// (the ALB line and the proxy line in the window).
    pub fn add_edge(&mut self, l: &EdgeLine) {
        self.edge_lines += 1;
        let proxy = l
            .hop
            .filter(|(alb, _)| self.in_window(*alb))
            .and_then(|(_, p)| p)
            .filter(|(t, _, _)| self.in_window(*t));
        self.edge_joined += u64::from(proxy.is_some());
        let Some(status) = l.status else {
            return;
        };
        self.edge_valid += 1;
        if l.result == "Hit" {
            self.served_from_cache += 1;
        }
        if status >= 500 {
            match proxy {
                Some((_, s, _)) if s >= 500 => self.failed_at.proxy += 1,
                Some(_) => self.failed_at.edge_timeout += 1,
                None => self.failed_at.before_proxy += 1,
            }
        } else if proxy.is_some_and(|(_, _, failed)| failed) {
            self.saved_by_retries += 1;
        }
    }

    pub fn add_alb(&mut self) {
        self.alb_lines += 1;
    }

    pub fn add_nginx(&mut self, p: &ProxyLine) {
        self.nginx_lines += 1;
        self.nginx_with_cf_id += u64::from(p.cf_id.is_some());
        self.nginx_with_trace += u64::from(p.trace_id.is_some());
        self.requests.add(p.excluded, p.status);
        if p.excluded {
            return;
        }
        let r = &mut self.retries;
        let n = p.attempts.len() as u64;
        let failed = p.attempts.iter().filter(|a| a.failed()).count() as u64;
        r.requests += 1;
        r.requests_with_upstream += u64::from(n > 0);
        r.attempts += n;
        r.failed_attempts += failed;
        r.retries_answered += p.attempts.iter().skip(1).filter(|a| !a.failed()).count() as u64;
        r.retried += u64::from(n > 1);
        r.recovered += u64::from(failed > 0 && p.status < 500);
        r.exhausted += u64::from(n > 0 && failed == n);
        r.extra_attempts += n.saturating_sub(1);
        r.over_client_timeout += u64::from(p.request_ms > 30_000);
    }

    pub fn finish(self) -> (NginxTruth, HopsTruth) {
        let nginx = NginxTruth {
            log_format: super::proxy::LOG_FORMAT,
            proxies: super::scenario::LEGACY_TARGETS,
            upstreams: super::proxy::UPSTREAMS,
            tries: super::proxy::TRIES,
            files: self.nginx_files,
            lines: self.nginx_lines,
            requests: self.requests,
            retries: self.retries,
        };
        // every id is unique: an edge line joins at most one proxy line, and each proxy line
        // with a trace id has its ALB line (it was made from it)
        let hops = HopsTruth {
            edge_valid: self.edge_valid,
            served_from_cache: self.served_from_cache,
            failed_at: self.failed_at,
            saved_by_retries: self.saved_by_retries,
            join: JoinTruth {
                edge_proxy: BTreeMap::from([
                    ("joined", self.edge_joined),
                    ("edge_unmatched", self.edge_lines - self.edge_joined),
                    ("proxy_unmatched", self.nginx_lines - self.edge_joined),
                ]),
                lb_proxy: BTreeMap::from([
                    ("joined", self.nginx_with_trace),
                    ("lb_unmatched", self.alb_lines - self.nginx_with_trace),
                    ("proxy_unmatched", self.nginx_lines - self.nginx_with_trace),
                ]),
            },
        };
        (nginx, hops)
    }
}
