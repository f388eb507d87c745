//! The edge view: what a CDN edge (CloudFront) did with the users' requests. Result types
//! (cache hits, misses, errors, redirects, limits) overall, by endpoint, by edge location and
//! over time; the cache hit ratio; 5XX attributed by the edge's detailed result type (the
//! origin failed or was unreachable, or the edge itself); the viewer protocol and TLS mix;
//! exact time-to-first-byte and time-taken percentiles.

use serde::Serialize;

use super::buckets::{BucketPlan, Merge, TimeBuckets};
use super::common::{rate, Keyed};
use super::errors::query_bucket;
use super::histogram::Histogram;
use super::latency::Stats;
use super::traffic::{key_shares, KeyShare, Share};
use crate::engine::athena::rows::{set_id, Rows};
use crate::engine::athena::{Apart, Query, ResultRows, Sql};
use crate::engine::{Analysis, AthenaPlan, Finish};
use crate::error::UsageError;
use crate::format::text::airport_code;
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us};

/// Requests by what the edge did with them, and their 5XX.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Mix {
    pub requests: u64,
    pub hit: u64,
    pub refresh_hit: u64,
    pub miss: u64,
    pub error: u64,
    pub redirect: u64,
    /// LimitExceeded, CapacityExceeded, any other result type, or none.
    pub other: u64,
    pub errors_5xx: u64,
}
crate::merge_by_adding!(Mix {
    requests,
    hit,
    refresh_hit,
    miss,
    error,
    redirect,
    other,
    errors_5xx
});

/// Status 500–599.
fn is_5xx(r: &Request<'_>) -> bool {
    r.status.is_some_and(|s| (500..600).contains(&s))
}

impl Mix {
    fn add(&mut self, r: &Request<'_>) {
        self.requests += 1;
        match r.edge_result {
            Some("Hit") => self.hit += 1,
            Some("RefreshHit") => self.refresh_hit += 1,
            Some("Miss") => self.miss += 1,
            Some("Error") => self.error += 1,
            Some("Redirect") => self.redirect += 1,
            _ => self.other += 1,
        }
        self.errors_5xx += u64::from(is_5xx(r));
    }

    /// (Hit + RefreshHit) / (Hit + RefreshHit + Miss); None when no request was one of them.
    pub fn cache_hit_ratio(&self) -> Option<f64> {
        let hits = self.hit + self.refresh_hit;
        rate(hits, hits + self.miss)
    }
}

/// Who a 5XX's detailed result type blames: `origin` for `Origin*` errors (the origin failed
/// or could not be reached), `edge` for the edge's own limits; None for other values (a
/// detailed type of `Error` is the origin's own 5XX answer; others speak for themselves).
pub fn cause(detail: Option<&str>) -> Option<&'static str> {
    match detail? {
        "LimitExceeded" | "CapacityExceeded" => Some("edge"),
        "OriginShieldHit" => None,
        d if d.starts_with("Origin") => Some("origin"),
        _ => None,
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResultShare {
    /// null: the log has no result type (`-`).
    pub result_type: Option<String>,
    pub requests: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DetailCount {
    /// `x-edge-detailed-result-type` (the result type in logs from before 2019-12).
    pub detail: Option<String>,
    pub count: u64,
    /// Share of all 5XX.
    pub share: f64,
    /// `origin`, `edge` or null (see [`cause`]).
    pub cause: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Causes {
    pub origin: u64,
    pub edge: u64,
    pub other: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LocationRow {
    pub location: Option<String>,
    pub airport: Option<String>,
    pub requests: u64,
    pub errors_5xx: u64,
    pub cache_hit_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AirportRow {
    pub airport: Option<String>,
    pub requests: u64,
    pub errors_5xx: u64,
    pub cache_hit_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndpointMix {
    pub method: Option<String>,
    pub endpoint: Option<String>,
    #[serde(flatten)]
    pub mix: Mix,
    pub cache_hit_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeMix {
    pub start: String,
    #[serde(flatten)]
    pub mix: Mix,
    pub cache_hit_ratio: Option<f64>,
}

/// Exact percentiles (ms) over the requests that have the time, and how many have none.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Timing {
    #[serde(flatten)]
    pub stats: Stats,
    pub none: u64,
}

impl Timing {
    fn of(h: &Histogram) -> Timing {
        Timing {
            stats: h.stats(),
            none: h.no_latency(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EdgeReport {
    /// Every request in the window (no status, `000`, included), excluded traffic left out.
    pub requests: u64,
    pub result_types: Vec<ResultShare>,
    pub cache_hit_ratio: Option<f64>,
    pub hits: u64,
    pub misses: u64,
    /// Status 500–599.
    pub errors_5xx: u64,
    pub errors_5xx_rate: Option<f64>,
    /// Over the 5XX, most first.
    pub errors_by_detail: Vec<DetailCount>,
    pub errors_by_cause: Causes,
    pub by_location: Vec<LocationRow>,
    pub by_airport: Vec<AirportRow>,
    /// `cs-protocol`: http, https, ws, wss.
    pub viewer_protocols: Vec<KeyShare>,
    pub tls_protocols: Vec<KeyShare>,
    /// Viewer protocol http or ws: not encrypted between the user and the edge.
    pub plain_http: Share,
    pub time_to_first_byte: Timing,
    pub time_taken: Timing,
    pub by_endpoint: Vec<EndpointMix>,
    pub bucket: String,
    pub over_time: Vec<TimeMix>,
    #[serde(skip)]
    pub bucket_us: i64,
}

/// The edge analysis' partial.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct EdgePartial {
    pub all: Mix,
    pub result_types: Keyed<u64>,
    /// 5XX by detailed result type.
    pub details: Keyed<u64>,
    pub locations: Keyed<Mix>,
    pub endpoints: Keyed<Mix>,
    pub protocols: Keyed<u64>,
    pub tls: Keyed<u64>,
    pub first_byte: Histogram,
    pub time_taken: Histogram,
    pub over_time: TimeBuckets<Mix>,
}

/// The edge analysis: its settings.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Rows of the per-endpoint and per-location tables.
    pub top: usize,
    pub plan: BucketPlan,
}

impl Analysis for Edge {
    type Partial = EdgePartial;
    type Report = EdgeReport;

    fn name(&self) -> &'static str {
        "edge"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::EdgeResult])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[
            Role::Status,
            Role::EdgeDetail,
            Role::EdgeLocation,
            Role::Method,
            Role::Endpoint,
            Role::RequestType,
            Role::TlsProtocol,
            Role::FirstByteMs,
            Role::LatencyMs,
        ])
    }

    fn partial(&self) -> EdgePartial {
        EdgePartial {
            all: Mix::default(),
            result_types: Keyed::default(),
            details: Keyed::default(),
            locations: Keyed::default(),
            endpoints: Keyed::default(),
            protocols: Keyed::default(),
            tls: Keyed::default(),
            first_byte: Histogram::default(),
            time_taken: Histogram::default(),
            over_time: TimeBuckets::new(self.plan),
        }
    }

    fn fold(&self, p: &mut EdgePartial, batch: &[Request<'_>]) {
        for r in batch.iter().filter(|r| !r.excluded) {
            p.all.add(r);
            *p.result_types.entry(&[r.edge_result]) += 1;
            if is_5xx(r) {
                *p.details.entry(&[r.edge_detail]) += 1;
            }
            p.locations.entry(&[r.edge_location]).add(r);
            p.endpoints.entry(&[r.method, r.endpoint.as_deref()]).add(r);
            *p.protocols.entry(&[r.request_type]) += 1;
            *p.tls.entry(&[r.tls_protocol]) += 1;
            p.first_byte.add(r.first_byte_ms);
            p.time_taken.add(r.latency_ms);
            p.over_time.at(r.time_us).add(r);
        }
    }

    fn merge(&self, into: &mut EdgePartial, from: EdgePartial) {
        into.all.merge(from.all);
        into.result_types.merge(from.result_types);
        into.details.merge(from.details);
        into.locations.merge(from.locations);
        into.endpoints.merge(from.endpoints);
        into.protocols.merge(from.protocols);
        into.tls.merge(from.tls);
        into.first_byte.merge(from.first_byte);
        into.time_taken.merge(from.time_taken);
        into.over_time.merge(from.over_time);
    }

    fn finish(&self, p: EdgePartial, end: &Finish) -> EdgeReport {
        let bucket_us = self.plan.bucket(end.span_us());
        let n = p.all.requests;
        let key_shares = |k: Keyed<u64>| key_shares(k, n, usize::MAX);
        let result_types = key_shares(p.result_types)
            .into_iter()
            .map(|k| ResultShare {
                result_type: k.key,
                requests: k.requests,
                share: k.share,
            })
            .collect();
        let e5 = p.all.errors_5xx;
        let mut errors_by_detail: Vec<DetailCount> = p
            .details
            .into_rows()
            .map(|(mut k, count)| {
                let detail = k.pop().flatten();
                DetailCount {
                    cause: cause(detail.as_deref()),
                    detail,
                    count,
                    share: count as f64 / e5.max(1) as f64,
                }
            })
            .collect();
        errors_by_detail
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.detail.cmp(&b.detail)));
        let mut errors_by_cause = Causes::default();
        for d in &errors_by_detail {
            match d.cause {
                Some("origin") => errors_by_cause.origin += d.count,
                Some("edge") => errors_by_cause.edge += d.count,
                _ => errors_by_cause.other += d.count,
            }
        }
        let (by_location, by_airport) = locations(p.locations, self.top);
        let mut by_endpoint: Vec<EndpointMix> = p
            .endpoints
            .into_rows()
            .map(|(mut k, mix)| {
                let endpoint = k.pop().flatten();
                EndpointMix {
                    method: k.pop().flatten(),
                    endpoint,
                    cache_hit_ratio: mix.cache_hit_ratio(),
                    mix,
                }
            })
            .collect();
        by_endpoint.sort_by(|a, b| {
            b.mix
                .requests
                .cmp(&a.mix.requests)
                .then_with(|| a.method.cmp(&b.method))
                .then_with(|| a.endpoint.cmp(&b.endpoint))
        });
        by_endpoint.truncate(self.top);
        let over_time = p
            .over_time
            .finish(bucket_us)
            .into_iter()
            .map(|(t, mix)| TimeMix {
                start: format_us(t),
                cache_hit_ratio: mix.cache_hit_ratio(),
                mix,
            })
            .collect();
        let viewer_protocols = key_shares(p.protocols);
        let plain = viewer_protocols
            .iter()
            .filter(|k| matches!(k.key.as_deref(), Some("http" | "ws")))
            .map(|k| k.requests)
            .sum();
        EdgeReport {
            requests: n,
            result_types,
            cache_hit_ratio: p.all.cache_hit_ratio(),
            hits: p.all.hit + p.all.refresh_hit,
            misses: p.all.miss,
            errors_5xx: e5,
            errors_5xx_rate: rate(e5, n),
            errors_by_detail,
            errors_by_cause,
            by_location,
            by_airport,
            plain_http: Share::of(plain, n),
            viewer_protocols,
            tls_protocols: key_shares(p.tls),
            time_to_first_byte: Timing::of(&p.first_byte),
            time_taken: Timing::of(&p.time_taken),
            by_endpoint,
            bucket: format_duration(bucket_us),
            over_time,
            bucket_us,
        }
    }
}

/// The `top` busiest edge locations, and every airport (locations added up by their first
/// three letters), busiest first.
fn locations(by: Keyed<Mix>, top: usize) -> (Vec<LocationRow>, Vec<AirportRow>) {
    let mut airports: Keyed<Mix> = Keyed::default();
    let mut rows: Vec<LocationRow> = by
        .into_rows()
        .map(|(mut k, mix)| {
            let location = k.pop().flatten();
            let airport = location
                .as_deref()
                .and_then(airport_code)
                .map(str::to_string);
            airports.add(&[airport.as_deref()], mix);
            LocationRow {
                location,
                airport,
                requests: mix.requests,
                errors_5xx: mix.errors_5xx,
                cache_hit_ratio: mix.cache_hit_ratio(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.location.cmp(&b.location))
    });
    rows.truncate(top);
    let mut by_airport: Vec<AirportRow> = airports
        .into_rows()
        .map(|(mut k, mix)| AirportRow {
            airport: k.pop().flatten(),
            requests: mix.requests,
            errors_5xx: mix.errors_5xx,
            cache_hit_ratio: mix.cache_hit_ratio(),
        })
        .collect();
    by_airport.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.airport.cmp(&b.airport))
    });
    (rows, by_airport)
}

/// The edge query (queries/edge.sql): one scan, one grouping set per table.
const EDGE_SQL: &str = include_str!("../../queries/edge.sql");

const EDGE_ARGS: [&str; 10] = [
    "edge_result",
    "edge_detail",
    "edge_location",
    "method",
    "endpoint",
    "request_type",
    "tls_protocol",
    "fb",
    "ms",
    "bucket",
];

impl AthenaPlan for Edge {
    fn query(&self, sql: &Sql) -> Result<Query, UsageError> {
        sql.render(
            EDGE_SQL,
            &[("bucket", &sql.bucket(query_bucket(&self.plan)?))],
        )
    }

    fn partial_from_rows(&self, rows: &ResultRows) -> anyhow::Result<(EdgePartial, Apart)> {
        let r = Rows::new(rows);
        let id = |keys: &[&str]| set_id(&EDGE_ARGS, keys);
        let all = id(&[]);
        let mut apart = Apart::default();
        let mut p = self.partial();
        for row in r.iter() {
            let set = r.set(row)?;
            let n = r.u64(row, "requests")?;
            if r.set_apart(row, set == all, n, &mut apart)? {
                continue;
            }
            let (hit, refresh_hit, miss, error, redirect) = (
                r.u64(row, "hit")?,
                r.u64(row, "refresh_hit")?,
                r.u64(row, "miss")?,
                r.u64(row, "error")?,
                r.u64(row, "redirect")?,
            );
            let mix = Mix {
                requests: n,
                hit,
                refresh_hit,
                miss,
                error,
                redirect,
                other: n.saturating_sub(hit + refresh_hit + miss + error + redirect),
                errors_5xx: r.u64(row, "e5")?,
            };
            let key = |k: &str| r.text(row, k);
            if set == all {
                p.all.merge(mix);
            } else if set == id(&["edge_result"]) {
                p.result_types.add(&[key("edge_result")?], n);
            } else if set == id(&["edge_detail"]) {
                // 5XX by detailed type only
                if mix.errors_5xx > 0 {
                    p.details.add(&[key("edge_detail")?], mix.errors_5xx);
                }
            } else if set == id(&["edge_location"]) {
                p.locations.add(&[key("edge_location")?], mix);
            } else if set == id(&["method", "endpoint"]) {
                p.endpoints.add(&[key("method")?, key("endpoint")?], mix);
            } else if set == id(&["request_type"]) {
                p.protocols.add(&[key("request_type")?], n);
            } else if set == id(&["tls_protocol"]) {
                p.tls.add(&[key("tls_protocol")?], n);
            } else if set == id(&["fb"]) {
                p.first_byte.add_n(r.f64(row, "fb")?, n);
            } else if set == id(&["ms"]) {
                p.time_taken.add_n(r.f64(row, "ms")?, n);
            } else if set == id(&["bucket"]) {
                if let Some(start) = r.bucket(row)? {
                    p.over_time.add(start, mix);
                }
            } else {
                anyhow::bail!("the Athena edge result has an unknown set_id {set}");
            }
        }
        apart.requests = p.all.requests + apart.excluded;
        Ok((p, apart))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        result: &'static str,
        detail: &'static str,
        status: u16,
        loc: &'static str,
    ) -> Request<'static> {
        Request {
            time_us: 1_795_132_800_000_000,
            status: (status > 0).then_some(status),
            edge_result: Some(result),
            edge_detail: Some(detail),
            edge_location: Some(loc),
            request_type: Some(if result == "Redirect" {
                "http"
            } else {
                "https"
            }),
            first_byte_ms: (status > 0).then_some(status as f64 / 10.0),
            latency_ms: Some(status as f64),
            ..Request::default()
        }
    }

    #[test]
    fn ratios_causes_and_locations_add_up_across_partials() {
        let e = Edge {
            top: 10,
            plan: BucketPlan::Fixed(60_000_000),
        };
        let batch = [
            req("Hit", "Hit", 200, "DUB56-P1"),
            req("Hit", "Hit", 200, "DUB56-P2"),
            req("RefreshHit", "RefreshHit", 200, "LHR50-C1"),
            req("Miss", "Miss", 200, "DUB56-P1"),
            req("Error", "OriginConnectError", 502, "DUB56-P1"),
            req("Error", "Error", 503, "LHR50-C1"),
            req("LimitExceeded", "LimitExceeded", 503, "LHR50-C1"),
            req("Error", "ClientHungUpRequest", 0, "DUB56-P1"),
            req("Redirect", "Redirect", 301, "DUB56-P1"),
        ];
        let (mut a, mut b) = (e.partial(), e.partial());
        e.fold(&mut a, &batch[..4]);
        e.fold(&mut b, &batch[4..]);
        e.merge(&mut a, b);
        let r = e.finish(a, &Finish::default());
        assert_eq!(r.requests, 9);
        // (2 Hit + 1 RefreshHit) / (3 + 1 Miss)
        assert_eq!(r.cache_hit_ratio, Some(0.75));
        assert_eq!(r.errors_5xx, 3);
        assert_eq!(
            r.errors_by_cause,
            Causes {
                origin: 1,
                edge: 1,
                other: 1
            }
        );
        let details: Vec<(Option<&str>, u64, Option<&str>)> = r
            .errors_by_detail
            .iter()
            .map(|d| (d.detail.as_deref(), d.count, d.cause))
            .collect();
        assert_eq!(
            details,
            [
                (Some("Error"), 1, None),
                (Some("LimitExceeded"), 1, Some("edge")),
                (Some("OriginConnectError"), 1, Some("origin")),
            ]
        );
        let dub = &r.by_airport[0];
        assert_eq!(
            (dub.airport.as_deref(), dub.requests, dub.errors_5xx),
            (Some("DUB"), 6, 1)
        );
        assert_eq!(r.by_location[0].location.as_deref(), Some("DUB56-P1"));
        assert_eq!(r.by_location[0].requests, 5);
        assert_eq!(r.plain_http.requests, 1);
        // the 000 request has no time to first byte; the exact median of the other eight
        assert_eq!(r.time_to_first_byte.none, 1);
        assert_eq!(r.time_to_first_byte.stats.count, 8);
        assert_eq!(r.result_types[0].result_type.as_deref(), Some("Error"));
        assert_eq!(r.result_types[0].requests, 3);
        let ot: u64 = r.over_time.iter().map(|t| t.mix.requests).sum();
        assert_eq!(ot, 9);
        // no hit, refresh hit or miss: no ratio
        assert_eq!(Mix::default().cache_hit_ratio(), None);
    }
}
