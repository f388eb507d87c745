//! Athena's result rows → the same typed reports the local engine builds. Each analysis query
//! returns one row per group of several grouping sets; `set_id` (SQL `grouping()`) names the set.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Context as _};
use chrono::NaiveDateTime;

use crate::metrics::backends::{Backend, BackendShare, BackendsReport, MovedRoute, RouteOnBackend};
use crate::metrics::common::rate;
use crate::metrics::errors::{
    self, EndpointErrors, ErrorsConfig, ErrorsReport, FastSlow, KeyCount, KeyErrors, StatusCount,
    TimeErrors,
};
use crate::metrics::latency::{self, KeyStats, LatencyConfig, LatencyReport, Stats, TimeStats};
use crate::metrics::slo::{Counts, SloCounts};
use crate::metrics::traffic::{self, EndpointShare, KeyShare, Share, TimeTraffic, TrafficReport};
use crate::source::athena::ResultRows;
use crate::window::{format_duration, format_us};

/// `grouping(args…)` for a set holding `in_set`: a bit per argument, the first the highest,
/// set when the argument is not in the set.
pub fn set_id(args: &[&str], in_set: &[&str]) -> i64 {
    args.iter().enumerate().fold(0, |id, (i, a)| {
        if in_set.contains(a) {
            id
        } else {
            id | 1 << (args.len() - 1 - i)
        }
    })
}

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

/// Typed access to result rows by column name.
struct Rows<'a> {
    rows: &'a ResultRows,
    index: HashMap<&'a str, usize>,
}

type Row = [Option<String>];

impl<'a> Rows<'a> {
    fn new(rows: &'a ResultRows) -> Rows<'a> {
        Rows {
            rows,
            index: rows
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str(), i))
                .collect(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'a Row> {
        self.rows.rows.iter().map(Vec::as_slice)
    }

    fn text<'r>(&self, row: &'r Row, name: &str) -> anyhow::Result<Option<&'r str>> {
        let i = *self
            .index
            .get(name)
            .ok_or_else(|| anyhow!("the Athena result has no column {name:?}"))?;
        Ok(row.get(i).and_then(|v| v.as_deref()))
    }

    fn str(&self, row: &Row, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self.text(row, name)?.map(str::to_string))
    }

    fn i64(&self, row: &Row, name: &str) -> anyhow::Result<Option<i64>> {
        self.text(row, name)?
            .map(|t| {
                t.parse::<i64>()
                    .with_context(|| format!("column {name}: {t:?} is not an integer"))
            })
            .transpose()
    }

    /// A count: NULL (an empty sum) is 0.
    fn u64(&self, row: &Row, name: &str) -> anyhow::Result<u64> {
        Ok(self.i64(row, name)?.unwrap_or(0).max(0) as u64)
    }

    fn f64(&self, row: &Row, name: &str) -> anyhow::Result<Option<f64>> {
        self.text(row, name)?
            .map(|t| {
                t.parse::<f64>()
                    .with_context(|| format!("column {name}: {t:?} is not a number"))
            })
            .transpose()
    }

    fn bool(&self, row: &Row, name: &str) -> anyhow::Result<bool> {
        Ok(matches!(self.text(row, name)?, Some("true" | "TRUE" | "1")))
    }

    fn set(&self, row: &Row) -> anyhow::Result<i64> {
        self.i64(row, "set_id")?
            .ok_or_else(|| anyhow!("the Athena result has a row without set_id"))
    }

    /// Counts a row of [exclude]d traffic (`x`) or of unparsed lines (`u`) when it belongs to
    /// the query's base set, and says whether the row is one of those (the caller skips it).
    fn set_apart(&self, row: &Row, base: bool, n: u64, apart: &mut Apart) -> anyhow::Result<bool> {
        if self.bool(row, "u")? {
            if base {
                apart.unparsed += n;
            }
            return Ok(true);
        }
        if self.bool(row, "x")? {
            if base {
                apart.excluded += n;
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Epoch seconds → µs.
    fn bucket(&self, row: &Row) -> anyhow::Result<Option<i64>> {
        Ok(self.i64(row, "bucket")?.map(|s| s * 1_000_000))
    }
}

/// Requests kept out of a report: the config's [exclude], and lines the table's regex could not
/// read (rows of NULLs in Athena).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Apart {
    pub excluded: u64,
    pub unparsed: u64,
}

/// ALB time text (`2026-11-20T10:00:00.123456Z`, or cut to the second or minute) → µs.
pub fn parse_alb_time(text: &str) -> anyhow::Result<i64> {
    let t = text.trim_end_matches('Z');
    let fmt = match t.len() {
        16 => "%Y-%m-%dT%H:%M",
        19 => "%Y-%m-%dT%H:%M:%S",
        _ => "%Y-%m-%dT%H:%M:%S%.f",
    };
    let parsed = if t.len() == 16 {
        NaiveDateTime::parse_from_str(&format!("{t}:00"), "%Y-%m-%dT%H:%M:%S")
    } else {
        NaiveDateTime::parse_from_str(t, fmt)
    };
    Ok(parsed
        .with_context(|| format!("{text:?} is not an ALB time"))?
        .and_utc()
        .timestamp_micros())
}

/// The SLO's per-second (or per-minute) counts; the row with no time counts the lines the
/// table's regex could not read.
pub fn slo_counts(rows: &ResultRows) -> anyhow::Result<(SloCounts, u64, u64)> {
    let r = Rows::new(rows);
    let mut counts = SloCounts::default();
    let (mut total, mut unparsed) = (0, 0);
    for row in r.iter() {
        let n = r.u64(row, "total")?;
        let Some(t) = r.text(row, "t")? else {
            unparsed += n;
            continue;
        };
        total += n;
        counts.add(
            parse_alb_time(t)?.div_euclid(1_000_000),
            Counts {
                total: n,
                excluded: r.u64(row, "excluded")?,
                no_status: r.u64(row, "no_status")?,
                good: r.u64(row, "good")?,
            },
        );
    }
    Ok((counts, total, unparsed))
}

const ERRORS_ARGS: [&str; 8] = [
    "status",
    "method",
    "endpoint",
    "target",
    "target_group",
    "error_reason",
    "actions",
    "bucket",
];

/// The errors report, and what was kept out of it.
pub fn errors(rows: &ResultRows, cfg: &ErrorsConfig) -> anyhow::Result<(ErrorsReport, Apart)> {
    let r = Rows::new(rows);
    let id = |keys: &[&str]| set_id(&ERRORS_ARGS, keys);
    let (all, status, endpoint, target, tg, reason, actions, bucket) = (
        id(&[]),
        id(&["status"]),
        id(&["method", "endpoint"]),
        id(&["target"]),
        id(&["target_group"]),
        id(&["error_reason"]),
        id(&["actions"]),
        id(&["bucket"]),
    );
    let mut apart = Apart::default();
    let (mut requests, mut e5, mut alb, mut e4) = (0, 0, 0, 0);
    let mut fast_vs_slow = FastSlow {
        threshold_ms: cfg.slow_ms,
        fast: 0,
        slow: 0,
        no_latency: 0,
    };
    let (mut by_status, mut by_endpoint, mut by_target, mut by_target_group) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut by_error_reason, mut by_actions, mut over_time) = (Vec::new(), Vec::new(), Vec::new());
    for row in r.iter() {
        let set = r.set(row)?;
        let n = r.u64(row, "requests")?;
        if r.set_apart(row, set == all, n, &mut apart)? {
            continue;
        }
        let (errs, alb_n, e4_n) = (r.u64(row, "e5")?, r.u64(row, "alb")?, r.u64(row, "e4")?);
        let key_errors = |key: Option<String>| KeyErrors::new(key, n, errs);
        if set == all {
            (requests, e5, alb, e4) = (n, errs, alb_n, e4_n);
            fast_vs_slow.fast = r.u64(row, "fast")?;
            fast_vs_slow.slow = r.u64(row, "slow")?;
            fast_vs_slow.no_latency = r.u64(row, "e5_no_latency")?;
        } else if set == status {
            let Some(code) = r.i64(row, "status")? else {
                continue;
            };
            let wanted =
                (500..600).contains(&code) || (cfg.include_4xx && (400..500).contains(&code));
            if wanted {
                let no_target = r.u64(row, "no_target")?;
                by_status.push(StatusCount {
                    status: code as u16,
                    count: n,
                    alb_generated: no_target,
                    target_generated: n - no_target,
                });
            }
        } else if set == endpoint {
            if errs > 0 || (cfg.include_4xx && e4_n > 0) {
                let route = (r.str(row, "method")?, r.str(row, "endpoint")?);
                let e4 = cfg.include_4xx.then_some(e4_n);
                by_endpoint.push(EndpointErrors::new(route, n, errs, alb_n, e4));
            }
        } else if set == target && errs > 0 {
            by_target.push(key_errors(r.str(row, "target")?));
        } else if set == tg && errs > 0 {
            by_target_group.push(key_errors(r.str(row, "target_group")?));
        } else if set == reason && errs > 0 {
            by_error_reason.push(KeyCount {
                key: r.str(row, "error_reason")?,
                count: errs,
            });
        } else if set == actions && errs > 0 {
            by_actions.push(KeyCount {
                key: r.str(row, "actions")?,
                count: errs,
            });
        } else if set == bucket {
            over_time.push(TimeErrors::new(r.bucket(row)?, n, errs, alb_n));
        }
    }
    by_status.sort_by_key(|s| s.status);
    errors::rank_endpoints(&mut by_endpoint, cfg.top);
    errors::rank_key_errors(&mut by_target, cfg.top);
    errors::rank_key_errors(&mut by_target_group, cfg.top);
    errors::rank_key_counts(&mut by_error_reason, cfg.top);
    errors::rank_key_counts(&mut by_actions, cfg.top);
    // fixed-width ISO text: text order is time order
    over_time.sort_by(|a: &TimeErrors, b| a.start.cmp(&b.start));
    let report = ErrorsReport {
        definitions: errors::definitions(cfg.slow_ms),
        requests,
        total_5xx: e5,
        alb_generated: alb,
        target_generated: e5 - alb,
        error_rate: rate(e5, requests),
        total_4xx: cfg.include_4xx.then_some(e4),
        by_status,
        by_endpoint,
        by_target,
        by_target_group,
        by_error_reason,
        by_actions,
        bucket: format_duration(cfg.bucket_us),
        over_time,
        fast_vs_slow,
    };
    Ok((report, apart))
}

/// Latency values with their counts; NULL (no latency) apart.
#[derive(Debug, Default, Clone)]
pub struct Histogram {
    values: Vec<(f64, u64)>,
    no_latency: u64,
}

impl Histogram {
    fn add(&mut self, ms: Option<f64>, n: u64) {
        match ms {
            Some(v) => self.values.push((v, n)),
            None => self.no_latency += n,
        }
    }

    /// Every (latency, count) pair, the requests without a latency as (None, count).
    pub fn pairs(&self) -> impl Iterator<Item = (Option<f64>, u64)> + '_ {
        self.values
            .iter()
            .map(|(v, n)| (Some(*v), *n))
            .chain(std::iter::once((None, self.no_latency)))
    }

    fn requests(&self) -> u64 {
        self.no_latency + self.values.iter().map(|(_, n)| n).sum::<u64>()
    }

    /// Exact percentiles over the expanded values: linear between the closest ranks, as
    /// the local engine computes them.
    pub fn stats(&mut self) -> Stats {
        self.values.sort_by(|a, b| a.0.total_cmp(&b.0));
        let count: u64 = self.values.iter().map(|(_, n)| n).sum();
        if count == 0 {
            return Stats::default();
        }
        // the value at 0-based rank k
        let at = |k: u64| -> f64 {
            let mut seen = 0;
            for (v, n) in &self.values {
                seen += n;
                if k < seen {
                    return *v;
                }
            }
            self.values[self.values.len() - 1].0
        };
        let quantile = |q: f64| -> f64 {
            let h = (count - 1) as f64 * q;
            let lo = h.floor();
            let (a, b) = (at(lo as u64), at(h.ceil() as u64));
            if lo == h.ceil() {
                a
            } else {
                a + (b - a) * (h - lo)
            }
        };
        let q: Vec<f64> = latency::QUANTILES
            .iter()
            .map(|(_, q)| quantile(*q))
            .collect();
        let sum: f64 = self.values.iter().map(|(v, n)| v * *n as f64).sum();
        Stats {
            count,
            p50: Some(q[0]),
            p90: Some(q[1]),
            p95: Some(q[2]),
            p99: Some(q[3]),
            p999: Some(q[4]),
            max: self.values.last().map(|(v, _)| *v),
            mean: Some(sum / count as f64),
        }
    }
}

const LATENCY_ARGS: [&str; 4] = ["method", "endpoint", "target_group", "bucket"];

/// The latency report, what was kept out of it, and the overall histogram (for the chart).
pub fn latency(
    rows: &ResultRows,
    cfg: &LatencyConfig,
) -> anyhow::Result<(LatencyReport, Apart, Histogram)> {
    let r = Rows::new(rows);
    let id = |keys: &[&str]| set_id(&LATENCY_ARGS, keys);
    let (all, endpoint, tg, bucket) = (
        id(&[]),
        id(&["method", "endpoint"]),
        id(&["target_group"]),
        id(&["bucket"]),
    );
    let mut apart = Apart::default();
    let mut overall = Histogram::default();
    let mut by_endpoint: BTreeMap<(Option<String>, Option<String>), Histogram> = BTreeMap::new();
    let mut by_tg: BTreeMap<Option<String>, Histogram> = BTreeMap::new();
    let mut by_time: BTreeMap<Option<i64>, Histogram> = BTreeMap::new();
    for row in r.iter() {
        let set = r.set(row)?;
        let (ms, n) = (r.f64(row, "ms")?, r.u64(row, "n")?);
        if r.set_apart(row, set == all, n, &mut apart)? {
            continue;
        }
        let h = if set == all {
            &mut overall
        } else if set == endpoint {
            by_endpoint
                .entry((r.str(row, "method")?, r.str(row, "endpoint")?))
                .or_default()
        } else if set == tg {
            by_tg.entry(r.str(row, "target_group")?).or_default()
        } else if set == bucket {
            by_time.entry(r.bucket(row)?).or_default()
        } else {
            bail!("the Athena latency result has an unknown set_id {set}");
        };
        h.add(ms, n);
    }
    let key_stats = |method, endpoint, target_group, mut h: Histogram| KeyStats {
        method,
        endpoint,
        target_group,
        no_latency: h.no_latency,
        stats: h.stats(),
    };
    let mut eps: Vec<KeyStats> = by_endpoint
        .into_iter()
        .map(|((m, e), h)| key_stats(m, e, None, h))
        .collect();
    latency::rank_by_p99(&mut eps, cfg.top);
    let report = LatencyReport {
        field: cfg.field,
        unit: "ms",
        method: latency::METHOD,
        requests: overall.requests(),
        no_latency: overall.no_latency,
        overall: overall.stats(),
        by_endpoint: eps,
        by_target_group: by_tg
            .into_iter()
            .map(|(tg, h)| key_stats(None, None, tg, h))
            .collect(),
        bucket: format_duration(cfg.bucket_us),
        over_time: by_time
            .into_iter()
            .map(|(t, mut h)| TimeStats {
                start: t.map(format_us).unwrap_or_default(),
                no_latency: h.no_latency,
                stats: h.stats(),
            })
            .collect(),
    };
    Ok((report, apart, overall))
}

/// A route: method and endpoint.
type Route = (Option<String>, Option<String>);

const BACKENDS_ARGS: [&str; 5] = ["target_group", "method", "endpoint", "bucket", "ms"];

/// One target group (or one route on one group), summed over its latency values.
#[derive(Default)]
struct Group {
    hist: Histogram,
    requests: u64,
    ok: u64,
    e5: u64,
    first: Option<i64>,
    last: Option<i64>,
}

impl Group {
    fn add(&mut self, r: &Rows<'_>, row: &Row) -> anyhow::Result<()> {
        let n = r.u64(row, "requests")?;
        self.hist.add(r.f64(row, "ms")?, n);
        self.requests += n;
        self.ok += r.u64(row, "ok")?;
        self.e5 += r.u64(row, "e5")?;
        let first = r.text(row, "first_seen")?.map(parse_alb_time).transpose()?;
        let last = r.text(row, "last_seen")?.map(parse_alb_time).transpose()?;
        self.first = self.first.into_iter().chain(first).min();
        self.last = self.last.into_iter().chain(last).max();
        Ok(())
    }
}

pub fn backends(rows: &ResultRows, bucket_us: i64) -> anyhow::Result<(BackendsReport, Apart)> {
    let r = Rows::new(rows);
    let id = |keys: &[&str]| set_id(&BACKENDS_ARGS, keys);
    let (by_group, by_route, by_time) = (
        id(&["target_group", "ms"]),
        id(&["method", "endpoint", "target_group", "ms"]),
        id(&["bucket", "target_group"]),
    );
    let mut apart = Apart::default();
    let mut groups: BTreeMap<Option<String>, Group> = BTreeMap::new();
    let mut routes: BTreeMap<(Option<String>, Option<String>, String), Group> = BTreeMap::new();
    let mut shares: BTreeMap<(Option<i64>, Option<String>), u64> = BTreeMap::new();
    for row in r.iter() {
        let set = r.set(row)?;
        if r.set_apart(row, set == by_group, r.u64(row, "requests")?, &mut apart)? {
            continue;
        }
        let tg = r.str(row, "target_group")?;
        if set == by_group {
            groups.entry(tg).or_default().add(&r, row)?;
        } else if set == by_route {
            // the migration view only looks at requests that reached a target group
            if let Some(tg) = tg {
                let key = (r.str(row, "method")?, r.str(row, "endpoint")?, tg);
                routes.entry(key).or_default().add(&r, row)?;
            }
        } else if set == by_time {
            *shares.entry((r.bucket(row)?, tg)).or_default() += r.u64(row, "requests")?;
        }
    }
    let requests: u64 = groups.values().map(|g| g.requests).sum();
    let mut target_groups: Vec<Backend> = groups
        .into_iter()
        .map(|(tg, mut g)| {
            let s = g.hist.stats();
            Backend {
                target_group: tg,
                requests: g.requests,
                share: g.requests as f64 / requests.max(1) as f64,
                success_rate: rate(g.ok, g.requests),
                errors_5xx: g.e5,
                p50_ms: s.p50,
                p99_ms: s.p99,
                no_latency: g.hist.no_latency,
                first_seen: g.first.map(format_us),
                last_seen: g.last.map(format_us),
            }
        })
        .collect();
    target_groups.sort_by_key(|b| std::cmp::Reverse(b.requests));

    let mut moved: Vec<(Route, Option<i64>, RouteOnBackend)> = routes
        .into_iter()
        .map(|((method, endpoint, tg), mut g)| {
            let s = g.hist.stats();
            let first = g.first;
            (
                (method, endpoint),
                first,
                RouteOnBackend {
                    target_group: Some(tg),
                    requests: g.requests,
                    first_seen: g.first.map(format_us),
                    last_seen: g.last.map(format_us),
                    p50_ms: s.p50,
                    p99_ms: s.p99,
                    success_rate: rate(g.ok, g.requests),
                },
            )
        })
        .collect();
    moved.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut moved_routes: Vec<MovedRoute> = Vec::new();
    for ((method, endpoint), _, on) in moved {
        match moved_routes.last_mut() {
            Some(m) if m.method == method && m.endpoint == endpoint => m.served_by.push(on),
            _ => moved_routes.push(MovedRoute {
                method,
                endpoint,
                served_by: vec![on],
            }),
        }
    }
    moved_routes.retain(|m| m.served_by.len() > 1);

    let mut bucket_totals: HashMap<Option<i64>, u64> = HashMap::new();
    for ((t, _), n) in &shares {
        *bucket_totals.entry(*t).or_default() += n;
    }
    let over_time = shares
        .into_iter()
        .map(|((t, tg), n)| BackendShare {
            start: t.map(format_us).unwrap_or_default(),
            target_group: tg,
            requests: n,
            share: n as f64 / bucket_totals[&t].max(1) as f64,
        })
        .collect();
    let report = BackendsReport {
        requests,
        target_groups,
        moved_routes,
        bucket: format_duration(bucket_us),
        over_time,
    };
    Ok((report, apart))
}

pub fn traffic(
    rows: &ResultRows,
    bucket_us: i64,
    top: usize,
) -> anyhow::Result<(TrafficReport, Apart)> {
    let r = Rows::new(rows);
    let id = |keys: &[&str]| set_id(&TRAFFIC_ARGS, keys);
    let all = id(&[]);
    let mut apart = Apart::default();
    let (mut n, mut bytes_in, mut bytes_out, mut plain, mut v6) = (0, 0, 0, 0, 0);
    let mut keyed: HashMap<&str, Vec<KeyShare>> = HashMap::new();
    let mut endpoints = Vec::new();
    let mut over_time = Vec::new();
    for row in r.iter() {
        let set = r.set(row)?;
        let requests = r.u64(row, "requests")?;
        if r.set_apart(row, set == all, requests, &mut apart)? {
            continue;
        }
        if set == all {
            n = requests;
            bytes_in = r.u64(row, "bytes_in")?;
            bytes_out = r.u64(row, "bytes_out")?;
            plain = r.u64(row, "plain_http")?;
            v6 = r.u64(row, "ipv6")?;
        } else if set == id(&["method", "endpoint"]) {
            endpoints.push(EndpointShare {
                method: r.str(row, "method")?,
                endpoint: r.str(row, "endpoint")?,
                requests,
                share: 0.0,
            });
        } else if set == id(&["bucket"]) {
            over_time.push((
                r.bucket(row)?,
                TimeTraffic {
                    start: String::new(),
                    requests,
                    plain_http: r.u64(row, "plain_http")?,
                    bytes_in: r.u64(row, "bytes_in")?,
                    bytes_out: r.u64(row, "bytes_out")?,
                },
            ));
        } else if let Some(key) = [
            "type",
            "ssl_protocol",
            "ssl_cipher",
            "method",
            "client_ip",
            "user_agent",
        ]
        .into_iter()
        .find(|k| set == id(&[k]))
        {
            keyed.entry(key).or_default().push(KeyShare {
                key: r.str(row, key)?,
                requests,
                share: 0.0,
            });
        }
    }
    let share = |k: u64| k as f64 / n.max(1) as f64;
    let mut take = |key: &str, limit: usize| {
        let mut v = keyed.remove(key).unwrap_or_default();
        for s in &mut v {
            s.share = share(s.requests);
        }
        traffic::rank_key_shares(&mut v, limit);
        v
    };
    let (request_types, tls_protocols, tls_ciphers, methods, top_clients, top_user_agents) = (
        take("type", usize::MAX),
        take("ssl_protocol", usize::MAX),
        take("ssl_cipher", top),
        take("method", usize::MAX),
        take("client_ip", top),
        take("user_agent", top),
    );
    for e in &mut endpoints {
        e.share = share(e.requests);
    }
    traffic::rank_endpoint_shares(&mut endpoints, top);
    over_time.sort_by_key(|(t, _)| *t);
    let report = TrafficReport {
        requests: n,
        bytes_in,
        bytes_out,
        plain_http: Share::of(plain, n),
        ipv6: Share::of(v6, n),
        request_types,
        tls_protocols,
        tls_ciphers,
        methods,
        top_endpoints: endpoints,
        top_clients,
        top_user_agents,
        bucket: format_duration(bucket_us),
        over_time: over_time
            .into_iter()
            .map(|(t, mut e)| {
                e.start = t.map(format_us).unwrap_or_default();
                e
            })
            .collect(),
    };
    Ok((report, apart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_ids_follow_the_sql_standard() {
        // grouping(a, b, c): bit 2 for a, bit 0 for c, set when the column is aggregated over
        assert_eq!(set_id(&["a", "b", "c"], &["a", "b", "c"]), 0);
        assert_eq!(set_id(&["a", "b", "c"], &[]), 7);
        assert_eq!(set_id(&["a", "b", "c"], &["a"]), 3);
        assert_eq!(set_id(&["a", "b", "c"], &["c"]), 6);
    }

    #[test]
    fn histogram_percentiles_match_the_expanded_values() {
        // 1..=10 ms once each, two without latency: as the local test in metrics::latency
        let mut h = Histogram::default();
        for v in 1..=10 {
            h.add(Some(v as f64), 1);
        }
        h.add(None, 2);
        assert_eq!(h.requests(), 12);
        let s = h.stats();
        assert_eq!(s.count, 10);
        assert!((s.p50.unwrap() - 5.5).abs() < 1e-9);
        assert!((s.p90.unwrap() - 9.1).abs() < 1e-9);
        assert!((s.p99.unwrap() - 9.91).abs() < 1e-9);
        assert_eq!(s.max, Some(10.0));
        assert_eq!(s.mean, Some(5.5));
        // repeated values: [5, 5, 5, 100] → p50 at rank 1.5 = 5; p99 at rank 2.97 → 5 + 0.97·95
        let mut h = Histogram::default();
        h.add(Some(100.0), 1);
        h.add(Some(5.0), 3);
        let s = h.stats();
        assert_eq!(s.p50, Some(5.0));
        assert!((s.p99.unwrap() - (5.0 + 0.97 * 95.0)).abs() < 1e-9);
    }

    #[test]
    fn alb_times_at_each_grain() {
        let t = parse_alb_time("2026-11-20T10:11:12.345678Z").unwrap();
        assert_eq!(t % 1_000_000, 345_678);
        assert_eq!(parse_alb_time("2026-11-20T10:11:12").unwrap(), t - 345_678);
        assert_eq!(parse_alb_time("2026-11-20T10:11").unwrap(), t - 12_345_678);
        assert!(parse_alb_time("yesterday").is_err());
    }
}
