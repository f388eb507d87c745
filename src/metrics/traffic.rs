//! Traffic mix: volume over time, top endpoints, clients, methods and user agents, request
//! types, TLS protocols and ciphers, and how much still arrives over plain HTTP.

use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::Keyed;
use super::errors::query_bucket;
use crate::engine::athena::rows::{set_id, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish};
use crate::error::UsageError;
use crate::format::{Request, Role, RoleSet};
use crate::sql::{lit_int, Fragment};
use crate::window::{format_duration, format_us};

#[derive(Debug, Clone, Serialize)]
pub struct TrafficReport {
    pub requests: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Requests of type http or ws: not encrypted between the client and the ALB.
    pub plain_http: Share,
    /// Clients with an IPv6 address.
    pub ipv6: Share,
    pub request_types: Vec<KeyShare>,
    pub tls_protocols: Vec<KeyShare>,
    pub tls_ciphers: Vec<KeyShare>,
    pub methods: Vec<KeyShare>,
    pub top_endpoints: Vec<EndpointShare>,
    pub top_clients: Vec<KeyShare>,
    pub top_user_agents: Vec<KeyShare>,
    pub bucket: String,
    pub over_time: Vec<TimeTraffic>,
    /// Answered from the store only, when a minute of an object held more distinct keys
    /// than the store keeps: the requests counted as other (left out of the top tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beyond_store_cap: Option<BeyondCap>,
    #[serde(skip)]
    pub bucket_us: i64,
}

/// The store keeps the top [`STORE_TOP_CAP`] keys of each top table per object and minute,
/// exactly; the requests of the other keys are counted here.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BeyondCap {
    pub keys_per_minute: usize,
    pub other: Other,
}

/// Keys the store keeps per object, minute and top table (endpoints, clients, user agents,
/// TLS ciphers): a day of one load balancer rarely has a minute with more; a flood of
/// clients does, and then the rest is counted as other, and said.
pub const STORE_TOP_CAP: usize = 1000;

/// Requests of keys beyond the store's cap, per top table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Other {
    pub endpoints: u64,
    pub clients: u64,
    pub user_agents: u64,
    pub tls_ciphers: u64,
}
crate::merge_by_adding!(Other {
    endpoints,
    clients,
    user_agents,
    tls_ciphers
});

impl Other {
    fn is_zero(&self) -> bool {
        *self == Other::default()
    }
}

/// Cuts each top table of `p` to its `cap` most frequent keys (ties by key), counting the
/// rest as other: what the store keeps of a minute.
pub fn cap_tops(p: &mut TrafficPartial, cap: usize) {
    fn cut(k: &mut Keyed<u64>, cap: usize) -> u64 {
        if k.len() <= cap {
            return 0;
        }
        let mut rows: Vec<(crate::metrics::common::Key, u64)> =
            std::mem::take(k).into_rows().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let rest = rows[cap..].iter().map(|(_, n)| n).sum();
        for (key, n) in rows.into_iter().take(cap) {
            let parts: Vec<Option<&str>> = key.iter().map(|p| p.as_deref()).collect();
            *k.entry(&parts) = n;
        }
        rest
    }
    p.other.endpoints += cut(&mut p.endpoints, cap);
    p.other.clients += cut(&mut p.clients, cap);
    p.other.user_agents += cut(&mut p.user_agents, cap);
    p.other.tls_ciphers += cut(&mut p.tls_ciphers, cap);
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Share {
    pub requests: u64,
    pub share: f64,
}

impl Share {
    /// `requests` out of `total`; a share of 0 when there is no request at all.
    pub fn of(requests: u64, total: u64) -> Share {
        Share {
            requests,
            share: requests as f64 / total.max(1) as f64,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyShare {
    /// null: the field was "-" (e.g. no TLS protocol on plain HTTP).
    pub key: Option<String>,
    pub requests: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndpointShare {
    pub method: Option<String>,
    pub endpoint: Option<String>,
    pub requests: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeTraffic {
    pub start: String,
    pub requests: u64,
    pub plain_http: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// Counts per key as shares of `total` requests, most first, `limit` rows.
pub fn key_shares(counts: Keyed<u64>, total: u64, limit: usize) -> Vec<KeyShare> {
    let mut rows: Vec<KeyShare> = counts
        .into_rows()
        .map(|(mut k, requests)| KeyShare {
            key: k.pop().flatten(),
            requests,
            share: requests as f64 / total.max(1) as f64,
        })
        .collect();
    rank_key_shares(&mut rows, limit);
    rows
}

/// Most requests first, then by key; `limit` rows.
pub fn rank_key_shares(rows: &mut Vec<KeyShare>, limit: usize) {
    rows.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.key.cmp(&b.key)));
    rows.truncate(limit);
}

pub fn rank_endpoint_shares(rows: &mut Vec<EndpointShare>, top: usize) {
    rows.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.method.cmp(&b.method))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    rows.truncate(top);
}

/// Volume counters of a window or a bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Volume {
    pub requests: u64,
    pub plain: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}
crate::merge_by_adding!(Volume {
    requests,
    plain,
    bytes_in,
    bytes_out
});

/// Type http or ws: not encrypted between the client and this hop.
fn is_plain(r: &Request<'_>) -> bool {
    matches!(r.request_type, Some("http" | "ws"))
}

impl Volume {
    fn add(&mut self, r: &Request<'_>) {
        self.requests += 1;
        self.plain += u64::from(is_plain(r));
        self.bytes_in += r.bytes_in.unwrap_or(0);
        self.bytes_out += r.bytes_out.unwrap_or(0);
    }
}

/// The traffic analysis' partial: volumes and counts per key.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TrafficPartial {
    pub all: Volume,
    pub ipv6: u64,
    pub request_types: Keyed<u64>,
    pub tls_protocols: Keyed<u64>,
    pub tls_ciphers: Keyed<u64>,
    pub methods: Keyed<u64>,
    pub endpoints: Keyed<u64>,
    pub clients: Keyed<u64>,
    pub user_agents: Keyed<u64>,
    pub over_time: TimeBuckets<Volume>,
    /// Requests of keys the store did not keep ([`cap_tops`]); none in a raw read.
    #[serde(default)]
    pub other: Other,
}

/// The traffic analysis: its settings.
#[derive(Debug, Clone)]
pub struct Traffic {
    pub top: usize,
    pub plan: BucketPlan,
}

impl Analysis for Traffic {
    type Partial = TrafficPartial;
    type Report = TrafficReport;

    fn name(&self) -> &'static str {
        "traffic"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[
            Role::RequestType,
            Role::ClientIp,
            Role::Method,
            Role::Endpoint,
            Role::UserAgent,
            Role::TlsProtocol,
            Role::TlsCipher,
            Role::BytesIn,
            Role::BytesOut,
        ])
    }

    fn partial(&self) -> TrafficPartial {
        TrafficPartial {
            all: Volume::default(),
            ipv6: 0,
            request_types: Keyed::default(),
            tls_protocols: Keyed::default(),
            tls_ciphers: Keyed::default(),
            methods: Keyed::default(),
            endpoints: Keyed::default(),
            clients: Keyed::default(),
            user_agents: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
            other: Other::default(),
        }
    }

    fn fold(&self, p: &mut TrafficPartial, batch: &[Request<'_>]) {
        for r in batch.iter().filter(|r| !r.excluded) {
            p.all.add(r);
            p.ipv6 += u64::from(r.client_ip.is_some_and(|ip| ip.contains(':')));
            *p.endpoints.entry(&[r.method, r.endpoint.as_deref()]) += 1;
            *p.clients.entry(&[r.client_ip]) += 1;
            *p.user_agents.entry(&[r.user_agent.as_deref()]) += 1;
        }
        // keys that hold for many requests in a row: looked up once per run
        let live = |r: &Request<'_>| !r.excluded;
        let count = |n: &mut u64, _: &Request<'_>| *n += 1;
        p.request_types
            .fold_runs(batch, |r| live(r).then_some([r.request_type]), count);
        p.tls_protocols
            .fold_runs(batch, |r| live(r).then_some([r.tls_protocol]), count);
        p.tls_ciphers
            .fold_runs(batch, |r| live(r).then_some([r.tls_cipher]), count);
        p.methods
            .fold_runs(batch, |r| live(r).then_some([r.method]), count);
        p.over_time
            .fold_runs(batch, |r| live(r).then_some(r.time_us), |t, r| t.add(r));
    }

    fn merge(&self, into: &mut TrafficPartial, from: TrafficPartial) {
        into.all.merge(from.all);
        into.ipv6 += from.ipv6;
        into.request_types.merge(from.request_types);
        into.tls_protocols.merge(from.tls_protocols);
        into.tls_ciphers.merge(from.tls_ciphers);
        into.methods.merge(from.methods);
        into.endpoints.merge(from.endpoints);
        into.clients.merge(from.clients);
        into.user_agents.merge(from.user_agents);
        into.over_time.merge(from.over_time);
        into.other.merge(from.other);
    }

    fn finish(&self, p: TrafficPartial, end: &Finish) -> TrafficReport {
        let bucket_us = self.plan.bucket(end.span_us());
        let n = p.all.requests;
        let share = |k: u64| k as f64 / n.max(1) as f64;
        let key_shares = |k: Keyed<u64>, limit: usize| key_shares(k, n, limit);
        let mut top_endpoints: Vec<EndpointShare> = p
            .endpoints
            .into_rows()
            .map(|(mut k, requests)| {
                let endpoint = k.pop().flatten();
                let method = k.pop().flatten();
                EndpointShare {
                    method,
                    endpoint,
                    requests,
                    share: share(requests),
                }
            })
            .collect();
        rank_endpoint_shares(&mut top_endpoints, self.top);
        let over_time = p
            .over_time
            .finish(bucket_us)
            .into_iter()
            .map(|(t, v)| TimeTraffic {
                start: format_us(t),
                requests: v.requests,
                plain_http: v.plain,
                bytes_in: v.bytes_in,
                bytes_out: v.bytes_out,
            })
            .collect();
        TrafficReport {
            requests: n,
            bytes_in: p.all.bytes_in,
            bytes_out: p.all.bytes_out,
            plain_http: Share::of(p.all.plain, n),
            ipv6: Share::of(p.ipv6, n),
            request_types: key_shares(p.request_types, usize::MAX),
            tls_protocols: key_shares(p.tls_protocols, usize::MAX),
            tls_ciphers: key_shares(p.tls_ciphers, self.top),
            methods: key_shares(p.methods, usize::MAX),
            top_endpoints,
            top_clients: key_shares(p.clients, self.top),
            top_user_agents: key_shares(p.user_agents, self.top),
            bucket: format_duration(bucket_us),
            over_time,
            beyond_store_cap: (!p.other.is_zero()).then_some(BeyondCap {
                keys_per_minute: STORE_TOP_CAP,
                other: p.other,
            }),
            bucket_us,
        }
    }
}

/// The traffic query (queries/traffic.sql).
const TRAFFIC_SQL: &str = include_str!("../../queries/traffic.sql");

const TRAFFIC_ARGS: [&str; 8] = [
    "type",
    "ssl_protocol",
    "ssl_cipher",
    "method",
    "endpoint",
    "client_ip",
    "user_agent",
    "bucket",
];

/// The traffic sets Athena ranks and cuts to --top rows.
pub fn traffic_ranked_sets() -> [i64; 4] {
    [
        set_id(&TRAFFIC_ARGS, &["ssl_cipher"]),
        set_id(&TRAFFIC_ARGS, &["method", "endpoint"]),
        set_id(&TRAFFIC_ARGS, &["client_ip"]),
        set_id(&TRAFFIC_ARGS, &["user_agent"]),
    ]
}

impl AthenaPlan for Traffic {
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        let mut ranked = Fragment::fixed("");
        for (i, set) in traffic_ranked_sets().iter().enumerate() {
            ranked.push(if i == 0 { "?" } else { ", ?" }, [lit_int(*set)]);
        }
        sql.render(
            TRAFFIC_SQL,
            &[
                ("bucket", &sql.bucket(query_bucket(&self.plan)?)),
                (
                    "top",
                    &Fragment::param(lit_int(self.top.min(1_000_000) as i64)),
                ),
                ("ranked_sets", &ranked),
            ],
        )
    }

    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(TrafficPartial, Apart)> {
        let r = Rows::new(rows);
        let id = |keys: &[&str]| set_id(&TRAFFIC_ARGS, keys);
        let all = id(&[]);
        let mut apart = Apart::default();
        let mut p = self.partial();
        for row in r.iter() {
            let set = r.set(row)?;
            let requests = r.u64(row, "requests")?;
            if r.set_apart(row, set == all, requests, &mut apart)? {
                continue;
            }
            let volume = || -> anyhow::Result<Volume> {
                Ok(Volume {
                    requests,
                    plain: r.u64(row, "plain_http")?,
                    bytes_in: r.u64(row, "bytes_in")?,
                    bytes_out: r.u64(row, "bytes_out")?,
                })
            };
            if set == all {
                p.all.merge(volume()?);
                p.ipv6 += r.u64(row, "ipv6")?;
            } else if set == id(&["method", "endpoint"]) {
                let (m, e) = (r.text(row, "method")?, r.text(row, "endpoint")?);
                p.endpoints.add(&[m, e], requests);
            } else if set == id(&["bucket"]) {
                if let Some(start) = r.bucket(row)? {
                    p.over_time.add(start, volume()?);
                }
            } else {
                let keyed = [
                    ("type", &mut p.request_types),
                    ("ssl_protocol", &mut p.tls_protocols),
                    ("ssl_cipher", &mut p.tls_ciphers),
                    ("method", &mut p.methods),
                    ("client_ip", &mut p.clients),
                    ("user_agent", &mut p.user_agents),
                ];
                if let Some((key, tally)) = keyed.into_iter().find(|(k, _)| set == id(&[k])) {
                    tally.add(&[r.text(row, key)?], requests);
                }
            }
        }
        apart.requests = p.all.requests + apart.excluded;
        Ok((p, apart))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the store keeps of a minute with more clients than its cap: the most frequent
    /// ones exactly, the rest counted as other and said in the report.
    #[test]
    fn a_minute_beyond_the_stores_cap_keeps_its_top_keys_and_counts_the_rest_as_other() {
        let a = Traffic {
            top: 5,
            plan: BucketPlan::Fixed(60_000_000),
        };
        let t0 = 1_700_000_000_000_000;
        // client i sends i % 7 + 1 requests: 1,200 clients, 4,795 requests
        let ips: Vec<String> = (0..1200).map(|i| format!("192.0.2.{i}")).collect();
        let mut reqs: Vec<Request<'_>> = Vec::new();
        for (i, ip) in ips.iter().enumerate() {
            for _ in 0..(i % 7 + 1) {
                reqs.push(Request {
                    time_us: t0 + i as i64,
                    client_ip: Some(ip),
                    ..Request::default()
                });
            }
        }
        let total = reqs.len() as u64;
        let mut p = a.partial();
        a.fold(&mut p, &reqs);
        let raw = a.finish(p.clone(), &Finish::default());
        assert!(raw.beyond_store_cap.is_none());
        cap_tops(&mut p, 1000);
        assert_eq!(p.clients.len(), 1000);
        // kept: the 1,000 most frequent (7 requests: clients 6, 13, …; ties by key); the rest
        // are the 200 least frequent
        let mut counts: Vec<u64> = (0..1200).map(|i| i % 7 + 1).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let rest: u64 = counts[1000..].iter().sum();
        let capped = a.finish(p, &Finish::default());
        let b = capped.beyond_store_cap.expect("said");
        assert_eq!(b.keys_per_minute, STORE_TOP_CAP);
        assert_eq!(b.other.clients, rest);
        assert_eq!(
            b.other.endpoints + b.other.user_agents + b.other.tls_ciphers,
            0
        );
        // the totals and the top rows are unchanged
        assert_eq!(capped.requests, total);
        assert_eq!(capped.top_clients, raw.top_clients);
    }
}
