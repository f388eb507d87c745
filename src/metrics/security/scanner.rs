//! scanner: one client asking for many missing or unknown paths, for paths only scanners ask
//! for, requests the ALB's desync mitigation classed Ambiguous or Severe, and WAF blocks.
//!
//! Severity: many 404s or many distinct 404 endpoints within the window, enough probe hits,
//! or enough WAF blocks within the window: medium; a Severe desync request: high; a few probe hits, WAF blocks
//! or Ambiguous requests alone: low.

use std::collections::HashMap;

use super::{densest, Ctx, Rule, RuleOutput, Severity};
use crate::window::format_duration;

/// The most distinct keys seen within any window of time-sorted (time, key) pairs.
fn densest_distinct(hits: &[(i64, u64)], window_us: i64) -> u64 {
    let mut best = 0u64;
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut lo = 0;
    for hi in 0..hits.len() {
        *seen.entry(hits[hi].1).or_default() += 1;
        while hits[hi].0 - hits[lo].0 >= window_us {
            let k = hits[lo].1;
            if let Some(n) = seen.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    seen.remove(&k);
                }
            }
            lo += 1;
        }
        best = best.max(seen.len() as u64);
    }
    best
}

pub fn run(ctx: &Ctx) -> RuleOutput {
    let cfg = &ctx.settings.scanner;
    let win = format_duration(cfg.window_us);
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(x) = &c.state.scan else { continue };
        let mut severity: Option<Severity> = None;
        let mut raise = |s: Severity| severity = Some(severity.map_or(s, |o| o.max(s)));
        let mut reasons = Vec::new();
        let times: Vec<i64> = x.not_found.iter().map(|h| h.0).collect();
        let (n404, _, _) = densest(&times, cfg.window_us);
        let ndist = densest_distinct(&x.not_found, cfg.window_us);
        let mut scanning = false;
        if n404 >= cfg.not_found {
            reasons.push(format!("{n404} answers 404 within {win}"));
            scanning = true;
        }
        if ndist >= cfg.distinct_paths {
            reasons.push(format!(
                "{ndist} distinct endpoints answered 404 within {win}"
            ));
            scanning = true;
        }
        let mut involved = x.flagged.clone();
        if scanning {
            raise(Severity::Medium);
            let mut distinct: Vec<u64> = x.not_found.iter().map(|h| h.1).collect();
            distinct.sort_unstable();
            distinct.dedup();
            reasons.push(format!(
                "{} answers 404 on {} distinct endpoints in the whole window",
                x.not_found.len(),
                distinct.len()
            ));
            involved.merge(x.plain_404.clone());
        }
        let probes = x.probes.count;
        if probes > 0 {
            raise(if probes >= cfg.probe_hits {
                Severity::Medium
            } else {
                Severity::Low
            });
            reasons.push(format!("{probes} requests for scanner probe paths"));
        }
        if x.severe.count > 0 {
            raise(Severity::High);
            reasons.push(format!(
                "{} requests classified Severe (desync)",
                x.severe.count
            ));
        }
        if x.ambiguous.count > 0 {
            raise(Severity::Low);
            reasons.push(format!(
                "{} requests classified Ambiguous (desync)",
                x.ambiguous.count
            ));
        }
        let waf = x.waf.count;
        if waf > 0 {
            // within the window, like the 404s: a busy clinic collects a WAF false positive
            // now and then all day, a scanner trips it many times in minutes
            let (dense, _, _) = densest(&x.waf_times, cfg.window_us);
            raise(if dense >= cfg.waf_blocks {
                Severity::Medium
            } else {
                Severity::Low
            });
            reasons.push(format!(
                "{waf} requests blocked by the WAF ({dense} within {win})"
            ));
        }
        let Some(severity) = severity else { continue };
        let evidence = [
            x.severe.earliest.rows(),
            x.probes.earliest.rows(),
            x.waf.earliest.rows(),
            x.ambiguous.earliest.rows(),
            x.not_found_hits.earliest.rows(),
        ];
        findings.push(ctx.finding(Rule::Scanner, severity, c, &involved, &evidence, reasons));
    }
    RuleOutput::ran(findings)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

    const ZGRAB: &str = "Mozilla/5.0 zgrab/0.x";

    fn fixed_404(secs: i64, ip: &str, path: &str) -> Req {
        let mut r = req(secs, ip, ZGRAB, "GET", path, 404);
        r.target_status = None;
        r.actions = Some("fixed-response".into());
        r
    }

    #[test]
    fn many_unknown_paths_is_medium() {
        let s = Settings::default();
        let reqs: Vec<Req> = (0..40)
            .map(|i| fixed_404(i * 5, "198.51.100.23", &format!("/probe{}", i % 20)))
            .collect();
        let f = run(Rule::Scanner, reqs, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].count, 40);
        assert_eq!(f[0].distinct_endpoints, 20);
    }

    #[test]
    fn probe_paths_desync_and_waf() {
        let s = Settings::default();
        let mut reqs = vec![
            fixed_404(0, "198.51.100.1", "/.env"),
            fixed_404(1, "198.51.100.1", "/wp-login.php"),
            fixed_404(2, "198.51.100.1", "/../../etc/passwd"),
        ];
        let mut smuggle = req(3, "198.51.100.2", BROWSER, "GET", "/", 400);
        smuggle.classification = Some("Severe".into());
        reqs.push(smuggle);
        for i in 0..10 {
            let mut b = req(10 + i, "198.51.100.3", BROWSER, "GET", "/notes", 403);
            b.actions = Some("waf".into());
            reqs.push(b);
        }
        let f = run(Rule::Scanner, reqs, &s);
        let got: Vec<(&str, Severity, u64)> = f
            .iter()
            .map(|f| (f.client_ip.as_str(), f.severity, f.count))
            .collect();
        assert_eq!(
            got,
            vec![
                ("198.51.100.2", Severity::High, 1),
                ("198.51.100.3", Severity::Medium, 10),
                ("198.51.100.1", Severity::Medium, 3),
            ]
        );
    }

    #[test]
    fn near_miss_staff_with_missing_ids() {
        let s = Settings::default();
        // 29 404s on one templated endpoint in 10 minutes, and an Acceptable odd request
        let mut reqs: Vec<Req> = (0..29)
            .map(|i| {
                let mut r = req(
                    i * 20,
                    "192.0.2.14",
                    BROWSER,
                    "GET",
                    &format!("/patients/{}", 9000 + i),
                    404,
                );
                r.endpoint = Some("/patients/{id}".into());
                r
            })
            .collect();
        let mut odd = req(
            700,
            "192.0.2.14",
            BROWSER,
            "GET",
            "/notes?q=ear infection",
            200,
        );
        odd.classification = Some("Acceptable".into());
        reqs.push(odd);
        // 30 404s spread over an hour
        reqs.extend((0..30).map(|i| fixed_404(i * 130, "198.51.100.9", "/x")));
        assert!(run(Rule::Scanner, reqs, &s).is_empty());
    }
}
