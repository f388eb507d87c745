//! Traffic mix: volume over time, top endpoints, clients, methods and user agents, request
//! types, TLS protocols and ciphers, and how much still arrives over plain HTTP.

use polars::prelude::*;
use serde::Serialize;

use super::common::{bucket_expr, counts, strings, times};
use crate::frame::{Col, ColumnSet};
use crate::window::{format_duration, format_us};

pub fn columns() -> ColumnSet {
    ColumnSet::of(&[
        Col::Time,
        Col::Type,
        Col::ClientIp,
        Col::Method,
        Col::Endpoint,
        Col::UserAgent,
        Col::SslProtocol,
        Col::SslCipher,
        Col::ReceivedBytes,
        Col::SentBytes,
    ])
}

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

fn is_plain() -> Expr {
    col(Col::Type.name())
        .eq(lit("http"))
        .or(col(Col::Type.name()).eq(lit("ws")))
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

pub fn compute(df: &DataFrame, bucket_us: i64, top: usize) -> PolarsResult<TrafficReport> {
    let lf = df.clone().lazy();
    let n = df.height() as u64;
    let share = |k: u64| k as f64 / n.max(1) as f64;
    let totals = lf
        .clone()
        .select([
            col(Col::ReceivedBytes.name())
                .cast(DataType::UInt64)
                .sum()
                .alias("in"),
            col(Col::SentBytes.name())
                .cast(DataType::UInt64)
                .sum()
                .alias("out"),
            is_plain().cast(DataType::UInt64).sum().alias("plain"),
            col(Col::ClientIp.name())
                .str()
                .contains_literal(lit(":"))
                .cast(DataType::UInt64)
                .sum()
                .alias("v6"),
        ])
        .collect()?;
    let plain = counts(&totals, "plain")?[0];
    let v6 = counts(&totals, "v6")?[0];

    let key_shares = |key: Col, limit: usize| -> PolarsResult<Vec<KeyShare>> {
        let g = lf
            .clone()
            .group_by([col(key.name()).alias("key")])
            .agg([len().cast(DataType::UInt64).alias("requests")])
            .collect()?;
        let mut rows: Vec<KeyShare> = strings(&g, "key")?
            .into_iter()
            .zip(counts(&g, "requests")?)
            .map(|(key, requests)| KeyShare {
                key,
                requests,
                share: share(requests),
            })
            .collect();
        rank_key_shares(&mut rows, limit);
        Ok(rows)
    };

    let ep = lf
        .clone()
        .group_by([col(Col::Method.name()), col(Col::Endpoint.name())])
        .agg([len().cast(DataType::UInt64).alias("requests")])
        .collect()?;
    let mut top_endpoints: Vec<EndpointShare> = strings(&ep, Col::Method.name())?
        .into_iter()
        .zip(strings(&ep, Col::Endpoint.name())?)
        .zip(counts(&ep, "requests")?)
        .map(|((method, endpoint), requests)| EndpointShare {
            method,
            endpoint,
            requests,
            share: share(requests),
        })
        .collect();
    rank_endpoint_shares(&mut top_endpoints, top);

    let ot = lf
        .clone()
        .group_by([bucket_expr(bucket_us)])
        .agg([
            len().cast(DataType::UInt64).alias("requests"),
            is_plain().cast(DataType::UInt64).sum().alias("plain"),
            col(Col::ReceivedBytes.name())
                .cast(DataType::UInt64)
                .sum()
                .alias("in"),
            col(Col::SentBytes.name())
                .cast(DataType::UInt64)
                .sum()
                .alias("out"),
        ])
        .sort(["bucket"], SortMultipleOptions::default())
        .collect()?;
    let (req, pl, bi, bo) = (
        counts(&ot, "requests")?,
        counts(&ot, "plain")?,
        counts(&ot, "in")?,
        counts(&ot, "out")?,
    );
    let over_time = times(&ot, "bucket")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| TimeTraffic {
            start: t.map(format_us).unwrap_or_default(),
            requests: req[i],
            plain_http: pl[i],
            bytes_in: bi[i],
            bytes_out: bo[i],
        })
        .collect();

    Ok(TrafficReport {
        requests: n,
        bytes_in: counts(&totals, "in")?[0],
        bytes_out: counts(&totals, "out")?[0],
        plain_http: Share::of(plain, n),
        ipv6: Share::of(v6, n),
        request_types: key_shares(Col::Type, usize::MAX)?,
        tls_protocols: key_shares(Col::SslProtocol, usize::MAX)?,
        tls_ciphers: key_shares(Col::SslCipher, top)?,
        methods: key_shares(Col::Method, usize::MAX)?,
        top_endpoints,
        top_clients: key_shares(Col::ClientIp, top)?,
        top_user_agents: key_shares(Col::UserAgent, top)?,
        bucket: format_duration(bucket_us),
        over_time,
    })
}
