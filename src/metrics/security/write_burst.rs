//! write-burst: a client writing far above the population. Writes are counted per client in
//! fixed buckets; each writer's busiest bucket makes the population, and a bucket is a burst
//! when its robust z-score 0.6745 × (x − median) / MAD reaches the threshold (and it holds at
//! least `min_writes`). With a MAD of 0 the mean absolute deviation × 1.2533 stands in.
//!
//! The burst is then weighed against the client's own rate ([`super::evidence`]): of the
//! log's writes in the busiest bucket, k are the client's, against its share of the log's
//! writes outside that bucket. A busy clinic is busy all day, so its busiest five minutes
//! hold about its usual share; a script posting notes at night holds most of a quiet bucket.
//!
//! Severity: medium, high at twice the threshold; low for a known network, and low when the
//! burst is what the client's own share of the traffic gives (evidence below strong).

use super::evidence::{against_others, Strength};
use super::state::{Span, Writes};
use super::{Client, Ctx, Req, Rule, RuleOutput, Severity};
use crate::window::{format_duration, format_us};

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// (median, scale) so that z = (x − median) / scale; scale None when every value is equal.
pub fn robust_scale(values: &[f64]) -> (f64, Option<f64>) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let med = median(&v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    if mad > 0.0 {
        return (med, Some(mad / 0.6745));
    }
    let mean_ad = dev.iter().sum::<f64>() / dev.len() as f64;
    (med, (mean_ad > 0.0).then_some(mean_ad * 1.253_314))
}

pub fn run(ctx: &Ctx) -> RuleOutput {
    let cfg = &ctx.settings.burst;
    let bucket_text = format_duration(cfg.bucket_us);
    let writers: Vec<(&Client, &Writes)> = ctx
        .clients
        .iter()
        .filter_map(|c| c.state.writes.as_deref().map(|w| (c, w)))
        .collect();
    if writers.len() < cfg.min_clients {
        return RuleOutput::skipped(format!(
            "{} writing clients, fewer than min_clients = {}: no population to compare against, write-burst did not run",
            writers.len(),
            cfg.min_clients
        ));
    }
    let peaks: Vec<f64> = writers
        .iter()
        .map(|(_, w)| w.buckets.values().map(|b| b.count).max().unwrap_or(0) as f64)
        .collect();
    let (med, scale) = robust_scale(&peaks);
    let Some(scale) = scale else {
        return RuleOutput {
            findings: vec![],
            notes: vec![
                "every writer's busiest bucket holds the same number of writes: no burst".into(),
            ],
            ran: true,
        };
    };
    // every writer's writes per bucket, and in all
    let mut per_bucket: std::collections::HashMap<i64, u64> = std::collections::HashMap::new();
    for (_, w) in &writers {
        for (b, span) in &w.buckets {
            *per_bucket.entry(*b).or_default() += span.count;
        }
    }
    let all_writes: u64 = writers.iter().map(|(_, w)| w.all.count).sum();
    let mut findings = Vec::new();
    for (c, w) in &writers {
        let hot: Vec<(i64, Span, f64)> = w
            .buckets
            .iter()
            .map(|(b, span)| (*b, *span, (span.count as f64 - med) / scale))
            .filter(|(_, span, z)| *z >= cfg.z && span.count >= cfg.min_writes)
            .collect();
        if hot.is_empty() {
            continue;
        }
        let (pb, peak, pz) = hot
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .copied()
            .expect("not empty");
        let mut reasons = vec![
            format!(
                "{} writes in the {bucket_text} from {} (robust z = {pz:.1}; writers' median busiest {bucket_text}: {med}, {} writers)",
                peak.count,
                format_us(pb),
                peaks.len()
            ),
            format!(
                "{} of its {bucket_text} buckets at z >= {} with >= {} writes",
                hot.len(),
                cfg.z,
                cfg.min_writes
            ),
        ];
        // k of the bucket's writes against the client's share of the writes outside it
        let in_bucket = per_bucket.get(&pb).copied().unwrap_or(peak.count);
        let ev = against_others(peak.count, in_bucket, w.all.count, all_writes);
        reasons.push(ev.describe(
            &format!("of the log's writes in that {bucket_text} from this client"),
            "of the log's writes at other times were its",
        ));
        let severity = if c.known {
            reasons.push("client in a known network, reported as low".into());
            Severity::Low
        } else if ev.strength() < Strength::Strong {
            reasons.push(
                "what the client's own share of the traffic gives in that bucket: low".into(),
            );
            Severity::Low
        } else if pz >= 2.0 * cfg.z {
            Severity::High
        } else {
            Severity::Medium
        };
        // the writes in the burst buckets; their routes and user agents are those of all
        // the client's writes (the state keeps them per client, not per bucket)
        let mut involved = w.all.clone();
        involved.count = hot.iter().map(|h| h.1.count).sum();
        involved.first = hot.iter().map(|h| h.1.first).min();
        involved.last = hot.iter().map(|h| h.1.last).max();
        // evidence: the earliest writes kept that fall in the busiest bucket, else in any
        // burst bucket, else the earliest writes
        let within = |lo: i64, hi: i64| -> Vec<Req> {
            w.all
                .earliest
                .rows()
                .iter()
                .filter(|r| r.time_us >= lo && r.time_us <= hi)
                .cloned()
                .collect()
        };
        let in_peak = within(peak.first, peak.last);
        let in_hot: Vec<Req> = hot
            .iter()
            .flat_map(|h| within(h.1.first, h.1.last))
            .collect();
        let mut f = ctx.finding(
            Rule::WriteBurst,
            severity,
            c,
            &involved,
            &[&in_peak, &in_hot, w.all.earliest.rows()],
            reasons,
        );
        f.strength = Some(ev.score());
        findings.push(f);
    }
    RuleOutput::ran(findings)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;
    use super::robust_scale;

    /// Ten staff writing 4 to 9 times in one bucket each.
    fn staff() -> Vec<Req> {
        (0..10)
            .flat_map(|k| {
                (0..(4 + k % 6)).map(move |j| {
                    req(
                        j * 10,
                        &format!("192.0.2.{k}"),
                        BROWSER,
                        "POST",
                        "/notes",
                        201,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn a_client_far_above_the_population_bursts() {
        let s = settings("[security]\nknown_networks = [\"192.0.2.0/24\"]\n");
        let mut reqs = staff();
        reqs.extend((0..60).map(|j| req(j * 4, "203.0.113.66", "x", "POST", "/notes", 201)));
        let f = run(Rule::WriteBurst, reqs, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].client_ip, "203.0.113.66");
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].count, 60);
        assert_eq!(f[0].evidence.len(), 5);
    }

    #[test]
    fn near_miss_busy_but_not_far_above() {
        let s = Settings::default();
        let mut reqs = staff();
        // 15 writes: far above everyone (z about 6), but under min_writes
        reqs.extend((0..15).map(|j| req(j * 4, "203.0.113.66", "x", "POST", "/notes", 201)));
        assert!(run(Rule::WriteBurst, reqs, &s).is_empty());
        // too few writers to form a population
        let few: Vec<Req> = (0..100)
            .map(|j| req(j, "203.0.113.66", "x", "POST", "/notes", 201))
            .collect();
        assert!(run(Rule::WriteBurst, few, &s).is_empty());
    }

    #[test]
    fn scale_falls_back_when_mad_is_zero() {
        let (m, s) = robust_scale(&[5.0, 5.0, 5.0, 5.0, 50.0]);
        assert_eq!(m, 5.0);
        assert!((s.unwrap() - 9.0 * 1.253_314).abs() < 1e-9);
        assert_eq!(robust_scale(&[3.0, 3.0]).1, None);
        let (m, s) = robust_scale(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(m, 3.0);
        assert!((s.unwrap() - 1.0 / 0.6745).abs() < 1e-9);
    }
}
