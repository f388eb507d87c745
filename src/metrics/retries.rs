//! What a retrying proxy hides: how often the upstream itself failed, how many of those
//! failures the retries turned into answers, and the load the retries added.
//!
//! Definitions (also printed with every result and written in
//! docs/edge-traffic-retries.md), over the valid requests (total − excluded − no status):
//! - an *attempt* is one entry of the upstream status list (across internal redirects); it
//!   *failed* when its status is ≥ 500 or `-` (no answer);
//! - requests_with_upstream: requests with at least one attempt; attempts_per_request =
//!   attempts / requests_with_upstream; retried: more than one attempt;
//! - attempt_success_rate = attempts that did not fail / attempts (the upstream's own
//!   success); request_success_rate = good / valid, good = status < 500 (what the proxy's
//!   clients saw);
//! - recovered: at least one failed attempt and a final status < 500 (failures the retries
//!   hid); exhausted: every attempt failed;
//! - extra_attempts = attempts − requests_with_upstream (the load the retries added);
//!   retries_answered: attempts after a request's first that did not fail;
//! - over_client_timeout: requests that took longer than the client waits (CloudFront's origin
//!   timeout, 30 s by default): the client got a 504 while the proxy may still have been
//!   retrying;
//! - time_in_failed_attempts_s: the upstream time of the failed attempts.

use serde::Serialize;

use super::buckets::{BucketPlan, TimeBuckets};
use super::common::{rate, Keyed};
use crate::engine::{Analysis, Finish};
use crate::format::{Request, Role, RoleSet};
use crate::window::{format_duration, format_us};

#[derive(Debug, Clone)]
pub struct RetriesConfig {
    /// How long the proxy's client waits, in ms (CloudFront's origin timeout: 30 s).
    pub client_timeout_ms: f64,
    /// Rows per breakdown table.
    pub top: usize,
}

/// The retries analysis: its settings.
#[derive(Debug, Clone)]
pub struct Retries {
    pub config: RetriesConfig,
    pub plan: BucketPlan,
}

/// What one group of requests counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub requests: u64,
    pub good: u64,
    pub with_upstream: u64,
    pub attempts: u64,
    pub failed_attempts: u64,
    /// Attempts after a request's first that did not fail.
    pub retries_answered: u64,
    pub retried: u64,
    pub recovered: u64,
    pub exhausted: u64,
    pub over_timeout: u64,
    /// Requests with a latency, so an over-timeout count of 0 is told from "not logged".
    pub with_latency: u64,
    pub failed_time_s: f64,
}
crate::merge_by_adding!(Tally {
    requests,
    good,
    with_upstream,
    attempts,
    failed_attempts,
    retries_answered,
    retried,
    recovered,
    exhausted,
    over_timeout,
    with_latency,
    failed_time_s
});

impl Tally {
    fn add(&mut self, o: &Tally) {
        crate::metrics::buckets::Merge::merge(self, *o);
    }
}

/// Attempts and failures at one upstream address.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UpstreamTally {
    pub attempts: u64,
    pub failed: u64,
    pub failed_time_s: f64,
}
crate::merge_by_adding!(UpstreamTally {
    attempts,
    failed,
    failed_time_s
});

/// The partial: totals, per endpoint, per upstream address and per time bucket.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RetriesPartial {
    all: Tally,
    by_endpoint: Keyed<Tally>,
    by_upstream: Keyed<UpstreamTally>,
    over_time: TimeBuckets<Tally>,
}

/// The counts every table shows, with the rates derived from them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RetryStats {
    pub requests: u64,
    pub requests_with_upstream: u64,
    pub attempts: u64,
    pub attempts_per_request: Option<f64>,
    pub retried: u64,
    pub failed_attempts: u64,
    pub retries_answered: u64,
    pub attempt_success_rate: Option<f64>,
    pub request_success_rate: Option<f64>,
    pub recovered: u64,
    pub exhausted: u64,
    pub extra_attempts: u64,
    /// None when no request logged its time.
    pub over_client_timeout: Option<u64>,
    pub time_in_failed_attempts_s: f64,
}

impl RetryStats {
    pub fn of(t: &Tally) -> RetryStats {
        RetryStats {
            requests: t.requests,
            requests_with_upstream: t.with_upstream,
            attempts: t.attempts,
            attempts_per_request: (t.with_upstream > 0)
                .then(|| t.attempts as f64 / t.with_upstream as f64),
            retried: t.retried,
            failed_attempts: t.failed_attempts,
            retries_answered: t.retries_answered,
            attempt_success_rate: rate(t.attempts - t.failed_attempts, t.attempts),
            request_success_rate: rate(t.good, t.requests),
            recovered: t.recovered,
            exhausted: t.exhausted,
            extra_attempts: t.attempts - t.with_upstream,
            over_client_timeout: (t.with_latency > 0).then_some(t.over_timeout),
            // rounded to the logs' own resolution (ms): sums of decimals drift in the last digits
            time_in_failed_attempts_s: (t.failed_time_s * 1000.0).round() / 1000.0,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndpointRetries {
    pub method: Option<String>,
    pub endpoint: Option<String>,
    #[serde(flatten)]
    pub stats: RetryStats,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UpstreamRetries {
    pub upstream: Option<String>,
    pub attempts: u64,
    pub failed: u64,
    pub success_rate: Option<f64>,
    pub time_in_failed_attempts_s: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeRetries {
    pub start: String,
    #[serde(flatten)]
    pub stats: RetryStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetriesReport {
    pub definitions: Vec<String>,
    pub client_timeout_s: f64,
    #[serde(flatten)]
    pub totals: RetryStats,
    pub by_endpoint: Vec<EndpointRetries>,
    pub by_upstream: Vec<UpstreamRetries>,
    pub bucket: String,
    pub over_time: Vec<TimeRetries>,
    #[serde(skip)]
    pub bucket_us: i64,
}

impl Retries {
    /// What one request counts, and its attempts' upstreams.
    fn tally(
        &self,
        r: &Request<'_>,
        mut each_attempt: impl FnMut(Option<&str>, bool, f64),
    ) -> Tally {
        let status = r.status.unwrap_or(0);
        let mut t = Tally {
            requests: 1,
            good: u64::from(status < 500),
            ..Tally::default()
        };
        if let Some(ms) = r.latency_ms {
            t.with_latency = 1;
            t.over_timeout = u64::from(ms > self.config.client_timeout_ms);
        }
        for a in r.attempts.iter().flat_map(|a| a.iter()) {
            let failed = a.failed();
            let failed_s = if failed { a.time_s.unwrap_or(0.0) } else { 0.0 };
            t.retries_answered += u64::from(t.attempts > 0 && !failed);
            t.attempts += 1;
            t.failed_attempts += u64::from(failed);
            t.failed_time_s += failed_s;
            each_attempt(a.addr, failed, failed_s);
        }
        if t.attempts > 0 {
            t.with_upstream = 1;
            t.retried = u64::from(t.attempts > 1);
            t.exhausted = u64::from(t.failed_attempts == t.attempts);
            t.recovered = u64::from(t.failed_attempts > 0 && status < 500);
        }
        t
    }
}

impl Analysis for Retries {
    type Partial = RetriesPartial;
    type Report = RetriesReport;

    fn name(&self) -> &'static str {
        "retries"
    }

    fn required(&self) -> RoleSet {
        RoleSet::of(&[Role::Time, Role::Status, Role::Attempts])
    }

    fn optional(&self) -> RoleSet {
        RoleSet::of(&[Role::Method, Role::Endpoint, Role::LatencyMs])
    }

    fn partial(&self) -> RetriesPartial {
        RetriesPartial {
            all: Tally::default(),
            by_endpoint: Keyed::default(),
            by_upstream: Keyed::default(),
            over_time: TimeBuckets::new(self.plan),
        }
    }

    fn fold(&self, p: &mut RetriesPartial, batch: &[Request<'_>]) {
        // valid requests only: a request with no status is not judged
        for r in batch.iter().filter(|r| !r.excluded && r.status.is_some()) {
            let t = self.tally(r, |addr, failed, failed_s| {
                let u = p.by_upstream.entry(&[addr]);
                u.attempts += 1;
                u.failed += u64::from(failed);
                u.failed_time_s += failed_s;
            });
            p.all.add(&t);
            p.by_endpoint
                .entry(&[r.method, r.endpoint.as_deref()])
                .add(&t);
            p.over_time.at(r.time_us).add(&t);
        }
    }

    fn merge(&self, into: &mut RetriesPartial, from: RetriesPartial) {
        use crate::metrics::buckets::Merge;
        into.all.merge(from.all);
        into.by_endpoint.merge(from.by_endpoint);
        into.by_upstream.merge(from.by_upstream);
        into.over_time.merge(from.over_time);
    }

    fn finish(&self, p: RetriesPartial, end: &Finish) -> RetriesReport {
        let bucket_us = self.plan.bucket(end.span_us());
        let mut by_endpoint: Vec<EndpointRetries> = p
            .by_endpoint
            .into_rows()
            .map(|(mut k, t)| {
                let endpoint = k.pop().flatten();
                let method = k.pop().flatten();
                EndpointRetries {
                    method,
                    endpoint,
                    stats: RetryStats::of(&t),
                }
            })
            .collect();
        // where the retries add the most load first
        by_endpoint.sort_by(|a, b| {
            b.stats
                .extra_attempts
                .cmp(&a.stats.extra_attempts)
                .then(b.stats.failed_attempts.cmp(&a.stats.failed_attempts))
                .then(b.stats.requests.cmp(&a.stats.requests))
                .then_with(|| (&a.method, &a.endpoint).cmp(&(&b.method, &b.endpoint)))
        });
        by_endpoint.truncate(self.config.top);
        let mut by_upstream: Vec<UpstreamRetries> = p
            .by_upstream
            .into_rows()
            .map(|(mut k, u)| UpstreamRetries {
                upstream: k.pop().flatten(),
                attempts: u.attempts,
                failed: u.failed,
                success_rate: rate(u.attempts - u.failed, u.attempts),
                time_in_failed_attempts_s: (u.failed_time_s * 1000.0).round() / 1000.0,
            })
            .collect();
        by_upstream.sort_by(|a, b| {
            b.failed
                .cmp(&a.failed)
                .then(b.attempts.cmp(&a.attempts))
                .then_with(|| a.upstream.cmp(&b.upstream))
        });
        by_upstream.truncate(self.config.top);
        let over_time = p
            .over_time
            .finish(bucket_us)
            .into_iter()
            .map(|(start, t)| TimeRetries {
                start: format_us(start),
                stats: RetryStats::of(&t),
            })
            .collect();
        RetriesReport {
            definitions: definitions(self.config.client_timeout_ms),
            client_timeout_s: self.config.client_timeout_ms / 1000.0,
            totals: RetryStats::of(&p.all),
            by_endpoint,
            by_upstream,
            bucket: format_duration(bucket_us),
            over_time,
            bucket_us,
        }
    }
}

/// The report's definitions, printed with it.
pub fn definitions(client_timeout_ms: f64) -> Vec<String> {
    vec![
        "requests: valid requests (total − excluded − no status)".into(),
        "attempt: one entry of the upstream status list ($upstream_status, across ` : ` redirects); failed: status >= 500 or - (no answer)".into(),
        "attempt_success_rate: attempts that did not fail / attempts (the upstream's own success); request_success_rate: status < 500 / requests (what the proxy's clients saw)".into(),
        "recovered: a failed attempt and a final status < 500 (failures the retries hid); exhausted: every attempt failed".into(),
        "extra_attempts: attempts − requests_with_upstream (the load the retries added); retries_answered: attempts after the first that did not fail".into(),
        format!(
            "over_client_timeout: latency_ms ($request_time) > {client_timeout_ms} ms, what the client waits (--client-timeout)"
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Attempts;

    fn req<'a>(
        status: u16,
        statuses: &'a str,
        addrs: &'a str,
        times: &'a str,
        ms: f64,
    ) -> Request<'a> {
        Request {
            time_us: 1_700_000_000_000_000,
            status: Some(status),
            method: Some("GET"),
            endpoint: Some("/x".into()),
            latency_ms: Some(ms),
            attempts: Some(Attempts {
                addr: Some(addrs),
                status: Some(statuses),
                time: Some(times),
            }),
            ..Request::default()
        }
    }

    fn run(batches: &[Vec<Request<'_>>]) -> RetriesReport {
        let a = Retries {
            config: RetriesConfig {
                client_timeout_ms: 30_000.0,
                top: 10,
            },
            plan: BucketPlan::new(Some(60_000_000), None, None),
        };
        let mut parts: Vec<RetriesPartial> = batches
            .iter()
            .map(|b| {
                let mut p = a.partial();
                a.fold(&mut p, b);
                p
            })
            .collect();
        let mut all = parts.remove(0);
        for p in parts {
            a.merge(&mut all, p);
        }
        a.finish(all, &Finish::default())
    }

    #[test]
    fn counts_follow_the_definitions_whatever_the_batches() {
        let rows = vec![
            req(200, "200", "a:1", "0.100", 100.0),
            // recovered after two failures, over the client's timeout
            req(
                200,
                "502, -, 200",
                "a:1, b:1, a:1",
                "0.500, 30.000, 0.200",
                31_000.0,
            ),
            // exhausted
            req(502, "502, 502", "a:1, b:1", "0.100, 0.100", 300.0),
            // no upstream contacted
            req(503, "-", "-", "-", 0.0),
            // no status: not valid, not counted
            Request {
                status: None,
                ..req(200, "200", "a:1", "0.1", 1.0)
            },
        ];
        let one = run(std::slice::from_ref(&rows));
        let split = run(&[rows[..2].to_vec(), rows[2..].to_vec()]);
        for r in [&one, &split] {
            let t = &r.totals;
            assert_eq!(
                (t.requests, t.requests_with_upstream, t.attempts),
                (4, 3, 6)
            );
            assert_eq!((t.retried, t.failed_attempts, t.extra_attempts), (2, 4, 3));
            assert_eq!((t.recovered, t.exhausted, t.retries_answered), (1, 1, 1));
            assert_eq!(t.attempt_success_rate, Some(2.0 / 6.0));
            assert_eq!(t.request_success_rate, Some(2.0 / 4.0));
            assert_eq!(t.attempts_per_request, Some(2.0));
            assert_eq!(t.over_client_timeout, Some(1));
            assert_eq!(t.time_in_failed_attempts_s, 30.7);
            let a = r
                .by_upstream
                .iter()
                .find(|u| u.upstream.as_deref() == Some("a:1"))
                .unwrap();
            // a:1 answered once alone, twice in the recovered request, failed in the exhausted one
            assert_eq!((a.attempts, a.failed), (4, 2));
            let b = r
                .by_upstream
                .iter()
                .find(|u| u.upstream.as_deref() == Some("b:1"))
                .unwrap();
            assert_eq!((b.attempts, b.failed, b.success_rate), (2, 2, Some(0.0)));
        }
        assert_eq!(one.by_endpoint, split.by_endpoint);
    }
}
