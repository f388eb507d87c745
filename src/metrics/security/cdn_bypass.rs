//! cdn-bypass: with `cdn_only = true`, every request must come from the CDN / proxy ranges;
//! a client outside them reached the ALB directly.
//!
//! Severity: medium; high when the client wrote successfully; low for a known network (the
//! team's own, but the ALB should still not be reachable directly).

use super::{Ctx, Rule, RuleOutput, Severity};

pub fn run(ctx: &Ctx) -> RuleOutput {
    let s = ctx.settings;
    if !s.cdn_only {
        return RuleOutput::skipped("cdn_only is false: the cdn-bypass rule did not run".into());
    }
    let mut findings = Vec::new();
    for c in ctx.clients {
        if c.addr.is_some_and(|a| s.cdn.iter().any(|n| n.contains(a))) {
            continue;
        }
        let Some(all) = &c.state.all else { continue };
        let ok = c
            .state
            .writes
            .as_ref()
            .map(|w| (w.ok, w.ok_earliest.rows()));
        let writes = ok.map_or(0, |o| o.0);
        let mut reasons = vec![format!(
            "{} requests from outside the CDN ranges",
            c.state.requests
        )];
        let severity = if c.known {
            reasons.push("client in a known network, reported as low".into());
            Severity::Low
        } else if writes == 0 {
            Severity::Medium
        } else {
            reasons.push(format!("{writes} successful writes among them"));
            Severity::High
        };
        let evidence = [ok.map_or(&[][..], |o| o.1), all.earliest.rows()];
        findings.push(ctx.finding(Rule::CdnBypass, severity, c, all, &evidence, reasons));
    }
    RuleOutput::ran(findings)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

    const CFG: &str = "[security]\ncdn_only = true\ncdn_ranges = [\"130.176.0.0/16\", \"2600:9000::/28\"]\nknown_networks = [\"10.99.0.0/24\"]\n";

    #[test]
    fn direct_clients_are_found() {
        let s = settings(CFG);
        let reqs = vec![
            req(0, "203.0.113.66", BROWSER, "GET", "/notes", 200),
            req(1, "203.0.113.67", BROWSER, "POST", "/notes", 201),
            req(2, "10.99.0.21", "hosp-loadtest/1.0 (k6)", "GET", "/", 200),
        ];
        let f = run(Rule::CdnBypass, reqs, &s);
        let got: Vec<(&str, Severity)> = f
            .iter()
            .map(|f| (f.client_ip.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("203.0.113.67", Severity::High),
                ("203.0.113.66", Severity::Medium),
                ("10.99.0.21", Severity::Low),
            ]
        );
    }

    #[test]
    fn near_miss_through_the_cdn_or_rule_off() {
        let s = settings(CFG);
        let reqs = vec![
            req(0, "130.176.12.9", BROWSER, "POST", "/notes", 201),
            req(1, "2600:9000:2001::5", BROWSER, "GET", "/notes", 200),
        ];
        assert!(run(Rule::CdnBypass, reqs, &s).is_empty());
        // without cdn_only nothing is judged
        let off = Settings::default();
        let direct = vec![req(0, "203.0.113.66", BROWSER, "GET", "/", 200)];
        assert!(run(Rule::CdnBypass, direct, &off).is_empty());
    }
}
