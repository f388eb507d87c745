//! off-hours-write: writes outside the configured working hours, in the configured time zone
//! (chrono-tz, so daylight saving is right all year).
//!
//! The client's off-hours writes, k of its n writes, are weighed against the off-hours share
//! of every other writer's writes ([`super::evidence`]): where night shifts write, a client
//! writing at night is what the log is.
//!
//! Severity: medium on strong evidence, low on weak, info otherwise (on record); info for a
//! known network (night shifts write too).

use super::evidence::{against_others, Strength};
use super::{Ctx, Rule, RuleOutput, Severity};

pub fn run(ctx: &Ctx) -> RuleOutput {
    let s = ctx.settings;
    if s.hours.is_none() {
        return RuleOutput::skipped(
            "working_hours is not configured: the off-hours-write rule did not run".into(),
        );
    }
    // the log's base rate: off-hours writes among all writes
    let writes = |c: &super::Client| c.state.writes.as_ref().map_or(0, |w| w.all.count);
    let off_count = |c: &super::Client| c.state.off_hours.as_ref().map_or(0, |o| o.all.count);
    let all_off: u64 = ctx.clients.iter().map(off_count).sum();
    let all_writes: u64 = ctx.clients.iter().map(writes).sum();
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(off) = &c.state.off_hours else {
            continue;
        };
        let n = writes(c).max(off.all.count);
        let ev = against_others(off.all.count, n, all_off, all_writes);
        let mut reasons = vec![
            format!(
                "{} writes outside working hours ({}), {} of them to sensitive endpoints",
                off.all.count,
                s.hours_text.as_deref().unwrap_or(""),
                off.sensitive
            ),
            ev.describe("writes outside working hours", "across all other writers"),
        ];
        let severity = if c.known {
            reasons.push("client in a known network, reported as info".into());
            Severity::Info
        } else {
            match ev.strength() {
                Strength::Strong | Strength::Overwhelming => Severity::Medium,
                Strength::Weak => {
                    reasons.push("weak evidence (not far from the log's own share): low".into());
                    Severity::Low
                }
                Strength::None => {
                    reasons.push("what chance gives at the log's own share: info".into());
                    Severity::Info
                }
            }
        };
        let mut f = ctx.finding(
            Rule::OffHoursWrite,
            severity,
            c,
            &off.all,
            &[off.all.earliest.rows()],
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

    const CFG: &str = "[security]\nworking_hours = \"07:00-19:00\"\ntime_zone = \"Europe/Dublin\"\nknown_networks = [\"192.0.2.0/24\"]\n";
    const H: i64 = 3600;

    #[test]
    fn night_writes_are_found() {
        let s = settings(CFG);
        // 30 clinics writing by day, one of them once at night: chance, info
        let mut reqs: Vec<Req> = (0..30)
            .flat_map(|k| {
                (0..10).map(move |j| {
                    req(
                        9 * H + k * 60 + j,
                        &format!("198.18.0.{k}"),
                        BROWSER,
                        "POST",
                        "/notes",
                        201,
                    )
                })
            })
            .collect();
        reqs.push(req(2 * H, "198.18.0.1", BROWSER, "POST", "/notes", 201));
        // every one of 24 writes at night: strong, medium
        reqs.extend((0..24).map(|i| {
            req(
                H + 40 * 60 + i,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                201,
            )
        }));
        reqs.push(req(2 * H, "192.0.2.14", BROWSER, "POST", "/notes", 201));
        let f = run(Rule::OffHoursWrite, reqs, &s);
        let got: Vec<(&str, Severity)> = f
            .iter()
            .map(|f| (f.client_ip.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("203.0.113.66", Severity::Medium),
                ("192.0.2.14", Severity::Info),
                ("198.18.0.1", Severity::Info)
            ]
        );
    }

    #[test]
    fn near_miss_daytime_writes_and_night_reads() {
        let s = settings(CFG);
        let reqs = vec![
            req(7 * H, "203.0.113.66", BROWSER, "POST", "/notes", 201),
            req(
                19 * H - 1,
                "203.0.113.66",
                BROWSER,
                "DELETE",
                "/hospitals/3",
                204,
            ),
            req(3 * H, "203.0.113.66", BROWSER, "GET", "/notes", 200),
        ];
        assert!(run(Rule::OffHoursWrite, reqs.clone(), &s).is_empty());
        // and with no working hours the rule does not run
        assert!(run(Rule::OffHoursWrite, reqs, &Settings::default()).is_empty());
    }
}
