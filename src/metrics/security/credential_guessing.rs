//! credential-guessing: many 401/403 answers to one client within a short window; high when
//! a successful (2xx) write by the same client follows the failures.
//!
//! The client's failure share (its 401/403 among its requests) is weighed against every other
//! client's ([`super::evidence`]): on a day when logins fail for everyone (an outage of the
//! identity provider) a busy client passes the count by its volume alone, and that is low.
//!
//! The finding counts every 401/403 of the client (not only the densest window's) and the
//! writes that followed; its evidence is the earliest of them (the state keeps the earliest
//! few requests of each kind, not every failure).

use super::evidence::{against_others, Strength};
use super::{densest, Ctx, Rule, RuleOutput, Severity};
use crate::window::format_duration;

pub fn run(ctx: &Ctx) -> RuleOutput {
    let cfg = &ctx.settings.credential;
    let fails = |c: &super::Client| c.state.fails.as_ref().map_or(0, |f| f.times.len() as u64);
    let all_fails: u64 = ctx.clients.iter().map(fails).sum();
    let all_requests: u64 = ctx.clients.iter().map(|c| c.state.requests).sum();
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(f) = &c.state.fails else { continue };
        let times = &f.times;
        if (times.len() as u64) < cfg.failures {
            continue;
        }
        let (n, lo, hi) = densest(times, cfg.window_us);
        if n < cfg.failures {
            continue;
        }
        let (start, end) = (times[lo], times[hi] + cfg.followed_within_us);
        // 2xx writes from the start of the densest run of failures to `followed_within`
        // after its end
        let (follows, follow_rows, last_follow) = match &c.state.writes {
            Some(w) => {
                let t = &w.ok2xx_times;
                let (a, b) = (
                    t.partition_point(|&x| x < start),
                    t.partition_point(|&x| x <= end),
                );
                let rows: Vec<_> = w
                    .ok2xx_earliest
                    .rows()
                    .iter()
                    .filter(|r| r.time_us >= start && r.time_us <= end)
                    .take(2)
                    .cloned()
                    .collect();
                (b - a, rows, t[a..b].last().copied())
            }
            None => (0, Vec::new(), None),
        };
        let mut reasons = vec![format!(
            "{n} answers 401/403 within {} ({} in the whole window)",
            format_duration(cfg.window_us),
            times.len()
        )];
        let ev = against_others(fails(c), c.state.requests, all_fails, all_requests);
        reasons.push(ev.describe("requests answered 401/403", "across all other clients"));
        let strong = ev.strength() >= Strength::Strong;
        let severity = if !strong {
            reasons.push(
                "its failure share is not far from everyone's (logins failing for all): low".into(),
            );
            Severity::Low
        } else if follows == 0 {
            Severity::Medium
        } else {
            reasons.push(format!(
                "followed by {follows} successful write(s) within {}",
                format_duration(cfg.followed_within_us)
            ));
            Severity::High
        };
        // the failures, and the writes that got through after them
        let mut involved = f.all.clone();
        involved.count += follows as u64;
        involved.last = involved.last.max(last_follow);
        // the writes that got through first, then the failures
        let mut f = ctx.finding(
            Rule::CredentialGuessing,
            severity,
            c,
            &involved,
            &[&follow_rows, f.all.earliest.rows()],
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

    fn guesses(ip: &str, n: i64, every_secs: i64) -> Vec<Req> {
        (0..n)
            .map(|i| req(i * every_secs, ip, "curl/8", "POST", "/staffs/login", 401))
            .collect()
    }

    #[test]
    fn guessing_then_a_write_is_high() {
        let s = Settings::default();
        let mut reqs = guesses("203.0.113.5", 25, 5);
        let f = run(Rule::CredentialGuessing, reqs.clone(), &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].count, 25);
        reqs.push(req(600, "203.0.113.5", "curl/8", "POST", "/notes", 201));
        let f = run(Rule::CredentialGuessing, reqs, &s);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].count, 26);
        // the write that got through is in the evidence
        assert!(f[0].evidence.iter().any(|e| e.status == Some(201)));
    }

    #[test]
    fn near_miss_below_the_threshold_or_spread_out() {
        let s = Settings::default();
        // 19 failures in a minute and a half
        assert!(run(Rule::CredentialGuessing, guesses("203.0.113.5", 19, 5), &s).is_empty());
        // 40 failures, one a minute: never 20 within 5 minutes
        assert!(run(Rule::CredentialGuessing, guesses("203.0.113.6", 40, 60), &s).is_empty());
        // 20 failures from 20 different clients
        let many: Vec<Req> = (0..20)
            .map(|i| req(i, &format!("192.0.2.{i}"), BROWSER, "GET", "/notes", 401))
            .collect();
        assert!(run(Rule::CredentialGuessing, many, &s).is_empty());
    }
}
