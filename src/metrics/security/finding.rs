//! What a finding says: the client, the requests behind it (counted, their routes and user
//! agents, first and last), why it fired and a few evidence lines. Log-derived text in a
//! finding is raw: the renderers make it inert.

use std::cmp::Ordering;

use serde::Serialize;

use super::sample::{Group, NO_UA};
use super::state::Client;
use super::{is_write_method, Rule, Severity};
use crate::format::Request;

/// One request kept whole: an evidence line of a finding, an event of the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Req {
    /// µs since the epoch.
    pub time_us: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub path: Option<String>,
    pub endpoint: Option<String>,
    pub status: Option<u16>,
    pub target_status: Option<u16>,
    pub trace_id: Option<String>,
    pub classification: Option<String>,
    pub actions: Option<String>,
}

impl Req {
    /// A request as it is kept (owned: it outlives the batch it came in).
    pub fn of(r: &Request<'_>) -> Req {
        Req {
            time_us: r.time_us,
            client_ip: r.client_ip.map(str::to_string),
            user_agent: r.user_agent.as_deref().map(str::to_string),
            method: r.method.map(str::to_string),
            url: r.url.as_deref().map(str::to_string),
            path: r.path.as_deref().map(str::to_string),
            endpoint: r.endpoint.as_deref().map(str::to_string),
            status: r.status,
            target_status: r.upstream_status,
            trace_id: r.trace_id.map(str::to_string),
            classification: r.classification.map(str::to_string),
            actions: r.actions.map(str::to_string),
        }
    }

    /// The request as the analyses read it (the tests build requests as `Req`).
    pub fn request(&self) -> Request<'_> {
        Request {
            time_us: self.time_us,
            client_ip: self.client_ip.as_deref(),
            user_agent: self.user_agent.as_deref().map(Into::into),
            method: self.method.as_deref(),
            url: self.url.as_deref().map(Into::into),
            path: self.path.as_deref().map(Into::into),
            endpoint: self.endpoint.as_deref().map(Into::into),
            status: self.status,
            upstream_status: self.target_status,
            trace_id: self.trace_id.as_deref(),
            classification: self.classification.as_deref(),
            actions: self.actions.as_deref(),
            ..Request::default()
        }
    }

    pub fn is_write(&self) -> bool {
        is_write_method(self.method.as_deref())
    }

    /// A total order: time first, then every field, so which requests are "the earliest" never
    /// depends on the order they were read in.
    pub fn order(&self, o: &Req) -> Ordering {
        self.time_us.cmp(&o.time_us).then_with(|| {
            (
                &self.client_ip,
                &self.method,
                &self.url,
                &self.status,
                &self.user_agent,
                &self.trace_id,
                &self.path,
                &self.endpoint,
                &self.target_status,
                &self.classification,
                &self.actions,
            )
                .cmp(&(
                    &o.client_ip,
                    &o.method,
                    &o.url,
                    &o.status,
                    &o.user_agent,
                    &o.trace_id,
                    &o.path,
                    &o.endpoint,
                    &o.target_status,
                    &o.classification,
                    &o.actions,
                ))
        })
    }
}

/// One evidence line: the request as the log has it (raw; renderers sanitise).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub time: String,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub trace_id: Option<String>,
    pub user_agent: Option<String>,
}

impl Evidence {
    pub fn of(r: &Req) -> Evidence {
        Evidence {
            time: format_time(r.time_us),
            method: r.method.clone(),
            url: r.url.clone(),
            status: r.status,
            trace_id: r.trace_id.clone(),
            user_agent: r.user_agent.clone(),
        }
    }
}

/// RFC 3339 with microseconds, UTC.
pub fn format_time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_else(|| format!("{us}µs"))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub client_ip: String,
    /// The most common user agent among the requests behind the finding.
    pub user_agent: Option<String>,
    /// Every distinct user agent among them (at most 10).
    pub user_agents: Vec<String>,
    /// The client is in [security] known_networks.
    pub known_network: bool,
    /// Requests behind the finding.
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// "METHOD endpoint", most requests first (at most 20).
    pub endpoints: Vec<String>,
    pub distinct_endpoints: u64,
    /// Why it fired, in words.
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// The severity this rule gave on its own, before the client's other signals were
    /// weighed in (`severity` is the combined one).
    pub rule_severity: Severity,
    /// Every rule that found something on this client (this one included): the signals
    /// this finding's severity combined.
    pub signals: Vec<Rule>,
    /// unexpected-writer: the share of the client's sensitive writes with a scripting or
    /// empty user agent (null for other rules).
    pub scripted_share: Option<f64>,
    /// How far from chance the finding's count is: −log10 of its p-value against the log's
    /// base rate (null when the rule does not weigh one). Ranks findings of one severity.
    pub strength: Option<f64>,
}

/// Builds a finding from the summary of the requests behind it; `evidence` lists the
/// candidate lines, the most telling kind first (each list in time order): the first
/// `shown` distinct ones are kept and shown in time order.
pub fn finding(
    rule: Rule,
    severity: Severity,
    client: &Client,
    involved: &Group,
    evidence: &[&[Req]],
    shown: usize,
    reasons: Vec<String>,
) -> Finding {
    let routes = involved.routes.top();
    let uas = involved.uas.top();
    let mut ev: Vec<&Req> = Vec::new();
    for r in evidence.iter().flat_map(|l| l.iter()) {
        if ev.len() >= shown {
            break;
        }
        if !ev.contains(&r) {
            ev.push(r);
        }
    }
    ev.sort_by(|a, b| a.order(b));
    let ua = |u: &str| (u != NO_UA).then(|| u.to_string());
    Finding {
        rule,
        severity,
        client_ip: client.ip.clone(),
        user_agent: uas.first().and_then(|u| ua(u.0)),
        user_agents: uas.iter().filter_map(|u| ua(u.0)).take(10).collect(),
        known_network: client.known,
        count: involved.count,
        first_seen: format_time(involved.first.unwrap_or(0)),
        last_seen: format_time(involved.last.unwrap_or(0)),
        distinct_endpoints: involved.routes.distinct(),
        endpoints: routes.iter().take(20).map(|r| r.0.to_string()).collect(),
        reasons,
        evidence: ev.into_iter().map(Evidence::of).collect(),
        rule_severity: severity,
        signals: vec![rule],
        scripted_share: None,
        strength: None,
    }
}
