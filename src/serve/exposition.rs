//! `GET /metrics`: the live view and the counters in the Prometheus text format, or
//! OpenMetrics when the scraper asks for it, encoded by the `prometheus-client` crate from the
//! newest poll on each scrape (a [`Collector`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::follow::{Polled, CODE_CLASSES, DURATION_BUCKETS};
use crate::metrics::slo::BURN_RATE_PAIRS;
use crate::window::format_duration;

/// The content type of the OpenMetrics text format.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The content type of the Prometheus text format (0.0.4).
pub const PROMETHEUS: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// What the scrape reads: the newest poll, and the names it is labelled with.
#[derive(Debug, Default)]
pub struct Latest {
    pub polled: Option<Polled>,
    /// The SLOs' names, in the snapshot's order.
    pub slos: Vec<String>,
    /// The SLO window (`--since`).
    pub window_us: i64,
}

#[derive(Debug)]
struct Scrape(Arc<RwLock<Latest>>);

fn counter(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    series: &[(Vec<(&str, String)>, u64)],
) -> Result<(), std::fmt::Error> {
    let mut m = e.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, v) in series {
        ConstCounter::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauge(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    series: &[(Vec<(&str, String)>, f64)],
) -> Result<(), std::fmt::Error> {
    let mut m = e.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (labels, v) in series {
        ConstGauge::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let latest = self.0.read().unwrap_or_else(|p| p.into_inner());
        let Some(p) = &latest.polled else {
            return Ok(());
        };
        let (s, t) = (&p.snapshot, &p.totals);
        let slo = latest.slos.first().cloned().unwrap_or_default();
        let by_class: Vec<_> = p
            .hops
            .iter()
            .flat_map(|h| {
                CODE_CLASSES.iter().zip(h.totals.by_class).map(|(c, n)| {
                    (
                        vec![("hop", h.name.clone()), ("code_class", c.to_string())],
                        n,
                    )
                })
            })
            .collect();
        counter(
            &mut e,
            "hosp_requests",
            "Requests read (non-user traffic of [exclude] left out), by status class",
            &by_class,
        )?;
        let mut endpoints = Vec::new();
        for h in &p.hops {
            for (name, counts) in &h.totals.endpoints {
                for (c, n) in CODE_CLASSES.iter().zip(counts) {
                    if *n > 0 {
                        endpoints.push((
                            vec![
                                ("hop", h.name.clone()),
                                ("endpoint", name.clone()),
                                ("code_class", c.to_string()),
                            ],
                            *n,
                        ));
                    }
                }
            }
        }
        counter(
            &mut e,
            "hosp_endpoint_requests",
            "Requests by templated endpoint, the first 50 endpoints seen, the rest as other",
            &endpoints,
        )?;
        let slo_label = || vec![("slo", slo.clone())];
        counter(
            &mut e,
            "hosp_slo_valid",
            "The SLO's valid requests",
            &[(slo_label(), t.valid)],
        )?;
        counter(
            &mut e,
            "hosp_slo_good",
            "The SLO's good requests",
            &[(slo_label(), t.good)],
        )?;
        {
            let mut m = e.encode_descriptor(
                "hosp_request_duration",
                "Request latency (the format's total time)",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            for h in &p.hops {
                let d = &h.totals;
                // per bucket, not cumulative: the encoder adds them up
                let mut buckets: Vec<(f64, u64)> =
                    DURATION_BUCKETS.iter().copied().zip(d.duration).collect();
                buckets.push((f64::INFINITY, d.duration[DURATION_BUCKETS.len()]));
                let labels = [("hop", h.name.clone())];
                m.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                    d.duration_sum_s,
                    d.duration_count(),
                    &buckets,
                    None,
                )?;
            }
        }
        // success over the SLO window, then over each alert window (from its burn rate)
        let budget = 1.0 - s.slo.target;
        let mut success = BTreeMap::new();
        let mut burn = BTreeMap::new();
        if let Some(r) = s.slo.success_rate {
            success.insert(format_duration(latest.window_us), r);
        }
        for (a, (_, long, short, _)) in s.slo.burn_rate_alerts.iter().zip(BURN_RATE_PAIRS) {
            for (w, b) in [(long, a.long_burn_rate), (short, a.short_burn_rate)] {
                if let Some(b) = b {
                    success
                        .entry(format_duration(w))
                        .or_insert(1.0 - b * budget);
                    burn.insert(format_duration(w), b);
                }
            }
        }
        let windowed = |m: BTreeMap<String, f64>| -> Vec<_> {
            m.into_iter()
                .map(|(w, v)| (vec![("slo", slo.clone()), ("window", w)], v))
                .collect()
        };
        gauge(
            &mut e,
            "hosp_slo_success_ratio",
            "Good / valid over the window",
            None,
            &windowed(success),
        )?;
        let remaining: Vec<_> = s
            .slo
            .error_budget
            .remaining_fraction
            .map(|f| (slo_label(), f))
            .into_iter()
            .collect();
        gauge(
            &mut e,
            "hosp_slo_error_budget_remaining_ratio",
            "Error budget left over the SLO window, a fraction of the budget (negative: overspent)",
            None,
            &remaining,
        )?;
        gauge(
            &mut e,
            "hosp_slo_burn_rate",
            "Observed error ratio / (1 - target) over each alert window",
            None,
            &windowed(burn),
        )?;
        counter(
            &mut e,
            "hosp_input_lines",
            "Non-blank log lines read",
            &[(vec![], p.hops.iter().map(|h| h.lines).sum())],
        )?;
        counter(
            &mut e,
            "hosp_input_malformed",
            "Log lines that did not parse",
            &[(vec![], p.hops.iter().map(|h| h.malformed).sum())],
        )?;
        if let Some(last) = p.hops.iter().filter_map(|h| h.totals.last_us).max() {
            gauge(
                &mut e,
                "hosp_last_line_timestamp",
                "Time of the newest request read (Unix seconds)",
                Some(&Unit::Seconds),
                &[(vec![], last as f64 / 1e6)],
            )?;
        }
        Ok(())
    }
}

/// The registry `/metrics` encodes: one collector reading `latest`.
pub fn registry(latest: Arc<RwLock<Latest>>) -> Registry {
    let mut r = Registry::default();
    r.register_collector(Box::new(Scrape(latest)));
    r
}

/// Whether the scraper asks for OpenMetrics (its `Accept` header names it).
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("application/openmetrics-text"))
}

/// The exposition and its content type.
pub fn encode(registry: &Registry, openmetrics: bool) -> (String, &'static str) {
    let mut out = String::new();
    let done = match openmetrics {
        true => prometheus_client::encoding::text::encode(&mut out, registry),
        false => prometheus_client::encoding::prometheus_text::encode(&mut out, registry),
    };
    if done.is_err() {
        out.clear();
    }
    (out, if openmetrics { OPENMETRICS } else { PROMETHEUS })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::live::test_util::*;

    fn text(openmetrics: bool) -> String {
        let live = live();
        let mut batch = reqs(95, 100, "GET", "/notes/{id}", 200, 40.0);
        batch.extend(reqs(5, 300, "GET", "/x\"\n{", 502, 4000.0));
        let (_, snap) = snapshot_of(&live, &batch);
        let mut totals = super::super::follow::Totals::default();
        totals.by_class[2] = 95;
        totals.by_class[5] = 5;
        totals.valid = 100;
        totals.good = 95;
        totals.duration[4] = 95;
        totals.duration[10] = 5;
        totals.duration_sum_s = 95.0 * 0.04 + 5.0 * 4.0;
        totals
            .endpoints
            .insert("/x\"\n{".into(), [0, 0, 0, 0, 0, 5]);
        totals.last_us = Some(NOW - 100_000_000);
        let hop = super::super::follow::HopView {
            name: "alb".into(),
            totals: totals.clone(),
            requests_hour: 100,
            errors_hour: 5,
            generated_hour: (0, 5),
            lines: 100,
            malformed: 0,
        };
        let latest = Latest {
            polled: Some(Polled {
                snapshot: snap,
                totals,
                hops: vec![hop],
            }),
            slos: vec!["availability".into()],
            window_us: 24 * 3_600_000_000,
        };
        encode(&registry(Arc::new(RwLock::new(latest))), openmetrics).0
    }

    #[test]
    fn the_exposition_has_the_stable_names_and_values() {
        let t = text(false);
        for line in [
            "hosp_requests_total{hop=\"alb\",code_class=\"5xx\"} 5",
            "hosp_slo_valid_total{slo=\"availability\"} 100",
            "hosp_slo_good_total{slo=\"availability\"} 95",
            "hosp_slo_success_ratio{slo=\"availability\",window=\"24h\"} 0.95",
            "hosp_request_duration_seconds_bucket{hop=\"alb\",le=\"0.1\"} 95",
            "hosp_request_duration_seconds_bucket{hop=\"alb\",le=\"3\"} 95",
            "hosp_request_duration_seconds_bucket{hop=\"alb\",le=\"5\"} 100",
            "hosp_request_duration_seconds_bucket{hop=\"alb\",le=\"+Inf\"} 100",
            "hosp_request_duration_seconds_count{hop=\"alb\"} 100",
            "hosp_input_lines_total 100",
            "hosp_last_line_timestamp_seconds 1795175900.0",
            // the hostile endpoint is an escaped label value, on one line
            "hosp_endpoint_requests_total{hop=\"alb\",endpoint=\"/x\\\"\\n{\",code_class=\"5xx\"} 5",
        ] {
            assert!(t.lines().any(|l| l == line), "{line} missing in:\n{t}");
        }
        let value = |series: &str| -> f64 {
            let line = t.lines().find(|l| l.starts_with(series)).unwrap();
            line[series.len()..].trim().parse().unwrap()
        };
        // 5 bad of 100 over the past hour, budget 1 %: 5×
        let burn = value("hosp_slo_burn_rate{slo=\"availability\",window=\"1h\"}");
        assert!((burn - 5.0).abs() < 1e-9, "{burn}");
        // 1 allowed, 5 spent: (1 - 5) / 1
        let left = value("hosp_slo_error_budget_remaining_ratio{slo=\"availability\"}");
        assert!((left + 4.0).abs() < 1e-9, "{left}");
        assert!(!t.contains("# EOF"));
        let om = text(true);
        assert!(om.ends_with("# EOF\n"), "{om}");
        assert!(om.contains("# UNIT hosp_request_duration_seconds seconds"));
    }

    #[test]
    fn openmetrics_only_when_asked() {
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
        )));
        assert!(!wants_openmetrics(Some("text/plain")));
        assert!(!wants_openmetrics(None));
    }
}
