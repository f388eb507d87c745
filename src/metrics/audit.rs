//! The audit trail: for each client (address + user agent), what it did, writes first.
//!
//! Reads every request (the config's [exclude] is not applied: an audit leaves nothing out).
//! Filters narrow the requests first; a client with no matching request is not listed.

use std::collections::HashMap;

use serde::Serialize;

use super::filter::{Cidr, Glob};
use super::security::{format_time, is_write_method, PathPattern, Req};
use crate::error::UsageError;

/// Which client: an address or network ("203.0.113.66", "10.99.0.0/24"), else a
/// user-agent glob ("python-requests/*").
#[derive(Debug, Clone)]
pub enum ClientMatch {
    Net(Cidr),
    UserAgent(Glob),
}

/// A status: exact (201), a class (4xx) or a range (400-499).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMatch {
    lo: u16,
    hi: u16,
}

impl StatusMatch {
    pub fn parse(text: &str) -> Result<StatusMatch, UsageError> {
        let t = text.trim().to_ascii_lowercase();
        let bad = || {
            UsageError(format!(
                "--status {text:?}: expected a status (201), a class (4xx) or a range (400-499)"
            ))
        };
        let num = |s: &str| s.trim().parse::<u16>().map_err(|_| bad());
        let (lo, hi) = if let Some(c) = t.strip_suffix("xx") {
            let c = num(c)?;
            (c * 100, c * 100 + 99)
        } else if let Some((a, b)) = t.split_once('-') {
            (num(a)?, num(b)?)
        } else {
            let n = num(&t)?;
            (n, n)
        };
        if lo > hi || hi > 999 {
            return Err(bad());
        }
        Ok(StatusMatch { lo, hi })
    }

    pub fn matches(&self, status: Option<u16>) -> bool {
        status.is_some_and(|s| s >= self.lo && s <= self.hi)
    }
}

/// The request filters of `hosp-logs audit`; empty lists match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub clients: Vec<ClientMatch>,
    pub endpoints: Vec<PathPattern>,
    /// Upper-case methods; "WRITE" and "READ" stand for the write and read methods.
    pub methods: Vec<String>,
    pub statuses: Vec<StatusMatch>,
}

impl AuditFilter {
    pub fn new(
        clients: &[String],
        endpoints: &[String],
        methods: &[String],
        statuses: &[String],
    ) -> Result<AuditFilter, UsageError> {
        Ok(AuditFilter {
            clients: clients
                .iter()
                .map(|c| match Cidr::parse(c) {
                    Ok(n) => ClientMatch::Net(n),
                    Err(_) => ClientMatch::UserAgent(Glob::new(c)),
                })
                .collect(),
            endpoints: endpoints.iter().map(|e| PathPattern::new(e)).collect(),
            methods: methods
                .iter()
                .map(|m| m.trim().to_ascii_uppercase())
                .collect(),
            statuses: statuses
                .iter()
                .map(|s| StatusMatch::parse(s))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn matches(&self, r: &Req) -> bool {
        let client = self.clients.is_empty()
            || self.clients.iter().any(|c| match c {
                ClientMatch::Net(n) => r
                    .client_ip
                    .as_deref()
                    .and_then(|ip| ip.parse().ok())
                    .is_some_and(|ip| n.contains(ip)),
                ClientMatch::UserAgent(g) => g.matches(r.user_agent.as_deref().unwrap_or("-")),
            });
        let endpoint = self.endpoints.is_empty()
            || self.endpoints.iter().any(|p| {
                r.path.as_deref().is_some_and(|x| p.matches(x))
                    || r.endpoint.as_deref().is_some_and(|x| p.matches(x))
            });
        let method = self.methods.is_empty()
            || self.methods.iter().any(|m| {
                let rm = r.method.as_deref().unwrap_or("-");
                match m.as_str() {
                    "WRITE" => is_write_method(Some(rm)),
                    "READ" => r.method.is_some() && !is_write_method(Some(rm)),
                    m => rm.eq_ignore_ascii_case(m),
                }
            });
        let status = self.statuses.is_empty() || self.statuses.iter().any(|s| s.matches(r.status));
        client && endpoint && method && status
    }
}

/// One thing a client did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub time: String,
    pub method: Option<String>,
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub status: Option<u16>,
    pub trace_id: Option<String>,
    pub write: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientTrail {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub requests: u64,
    /// Requests with a method that is not a write (GET, HEAD, OPTIONS, …).
    pub reads: u64,
    /// POST, PUT, PATCH, DELETE.
    pub writes: u64,
    /// Answered 4xx or 5xx, or with no status.
    pub failures: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Writes first, then the rest, each in time order. Absent with --summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Event>>,
    /// Events left out by --limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub events_omitted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub definitions: Vec<String>,
    /// Requests in the window (all traffic).
    pub total_requests: u64,
    /// Requests that passed the filters.
    pub requests: u64,
    pub summary: bool,
    /// Writers first (most writes first), then by requests.
    pub clients: Vec<ClientTrail>,
}

/// Builds the trail. `limit`: events per client (0 = all); `summary`: counts only.
pub fn compute(reqs: &[Req], filter: &AuditFilter, summary: bool, limit: usize) -> AuditReport {
    let mut pos: HashMap<(Option<&str>, Option<&str>), usize> = HashMap::new();
    let mut groups: Vec<Vec<&Req>> = Vec::new();
    let mut matched = 0u64;
    for r in reqs.iter().filter(|r| filter.matches(r)) {
        matched += 1;
        let key = (r.client_ip.as_deref(), r.user_agent.as_deref());
        let k = *pos.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[k].push(r);
    }
    let mut clients: Vec<ClientTrail> = groups
        .into_iter()
        .map(|mut g| {
            g.sort_by_key(|r| r.time_us);
            let writes = g.iter().filter(|r| r.is_write()).count() as u64;
            let failures = g
                .iter()
                .filter(|r| r.status.is_none_or(|s| s >= 400))
                .count() as u64;
            let first = g.first().map(|r| r.time_us).unwrap_or(0);
            let last = g.last().map(|r| r.time_us).unwrap_or(0);
            let mut omitted = 0;
            let events = (!summary).then(|| {
                let mut ordered: Vec<&&Req> = g.iter().filter(|r| r.is_write()).collect();
                ordered.extend(g.iter().filter(|r| !r.is_write()));
                if limit > 0 && ordered.len() > limit {
                    omitted = (ordered.len() - limit) as u64;
                    ordered.truncate(limit);
                }
                ordered
                    .into_iter()
                    .map(|r| Event {
                        time: format_time(r.time_us),
                        method: r.method.clone(),
                        url: r.url.clone(),
                        endpoint: r.endpoint.clone(),
                        status: r.status,
                        trace_id: r.trace_id.clone(),
                        write: r.is_write(),
                    })
                    .collect()
            });
            ClientTrail {
                client_ip: g[0].client_ip.clone(),
                user_agent: g[0].user_agent.clone(),
                requests: g.len() as u64,
                reads: g.iter().filter(|r| r.method.is_some()).count() as u64 - writes,
                writes,
                failures,
                first_seen: format_time(first),
                last_seen: format_time(last),
                events,
                events_omitted: omitted,
            }
        })
        .collect();
    clients.sort_by(|a, b| {
        b.writes
            .cmp(&a.writes)
            .then_with(|| b.requests.cmp(&a.requests))
            .then_with(|| a.client_ip.cmp(&b.client_ip))
            .then_with(|| a.user_agent.cmp(&b.user_agent))
    });
    AuditReport {
        definitions: vec![
            "client: client address + user agent; all traffic, [exclude] is not applied".into(),
            "write: POST, PUT, PATCH, DELETE; read: any other method; failure: status >= 400 or none".into(),
            "events: writes first, then the rest, each in time order; clients with writes first".into(),
        ],
        total_requests: reqs.len() as u64,
        requests: matched,
        summary,
        clients,
    }
}

#[cfg(test)]
mod tests {
    use super::super::security::test_util::*;
    use super::*;

    fn day() -> Vec<Req> {
        vec![
            req(0, "192.0.2.14", BROWSER, "GET", "/notes?patient_id=1", 200),
            req(
                5,
                "203.0.113.66",
                "python-requests/2.31.0",
                "GET",
                "/notes?patient_id=3",
                200,
            ),
            req(
                6,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                201,
            ),
            req(
                7,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                500,
            ),
            req(8, "192.0.2.14", BROWSER, "PATCH", "/hospitals/4", 204),
            req(9, "192.0.2.14", "curl/8", "GET", "/health", 200),
        ]
    }

    #[test]
    fn writers_first_and_writes_first() {
        let r = compute(&day(), &AuditFilter::default(), false, 0);
        assert_eq!(r.requests, 6);
        let c: Vec<(Option<&str>, u64, u64, u64)> = r
            .clients
            .iter()
            .map(|c| (c.client_ip.as_deref(), c.writes, c.reads, c.failures))
            .collect();
        assert_eq!(
            c,
            vec![
                (Some("203.0.113.66"), 2, 1, 1),
                (Some("192.0.2.14"), 1, 1, 0),
                (Some("192.0.2.14"), 0, 1, 0),
            ]
        );
        let ev = r.clients[0].events.as_ref().unwrap();
        let m: Vec<&str> = ev.iter().map(|e| e.method.as_deref().unwrap()).collect();
        assert_eq!(m, vec!["POST", "POST", "GET"]);
        assert!(ev[0].time < ev[1].time);
    }

    #[test]
    fn filters_and_summary() {
        let f = AuditFilter::new(
            &["203.0.113.0/24".into()],
            &[],
            &["post".into()],
            &["2xx".into()],
        )
        .unwrap();
        let r = compute(&day(), &f, true, 0);
        assert_eq!(r.requests, 1);
        assert_eq!(r.clients.len(), 1);
        assert!(r.clients[0].events.is_none());
        let f = AuditFilter::new(&["curl/*".into()], &["/health".into()], &[], &[]).unwrap();
        assert_eq!(compute(&day(), &f, false, 0).requests, 1);
        let f = AuditFilter::new(
            &[],
            &["/notes".into()],
            &["write".into()],
            &["400-599".into()],
        )
        .unwrap();
        assert_eq!(compute(&day(), &f, false, 0).requests, 1);
        let r = compute(&day(), &AuditFilter::default(), false, 1);
        assert_eq!(r.clients[0].events.as_ref().unwrap().len(), 1);
        assert_eq!(r.clients[0].events_omitted, 2);
        assert!(StatusMatch::parse("abc").is_err());
        assert!(StatusMatch::parse("500-400").is_err());
    }
}
