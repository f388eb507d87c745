//! off-hours-write: writes outside the configured working hours, in the configured time zone
//! (chrono-tz, so daylight saving is right all year).
//!
//! Severity: medium; info for a known network (night shifts write too, but it is on record).

use super::{Ctx, Rule, RuleOutput, Severity};

pub fn run(ctx: &Ctx) -> RuleOutput {
    let s = ctx.settings;
    if s.hours.is_none() {
        return RuleOutput::skipped(
            "working_hours is not configured: the off-hours-write rule did not run".into(),
        );
    }
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(off) = &c.state.off_hours else {
            continue;
        };
        let mut reasons = vec![format!(
            "{} writes outside working hours ({}), {} of them to sensitive endpoints",
            off.all.count,
            s.hours_text.as_deref().unwrap_or(""),
            off.sensitive
        )];
        let severity = if c.known {
            reasons.push("client in a known network, reported as info".into());
            Severity::Info
        } else {
            Severity::Medium
        };
        findings.push(ctx.finding(
            Rule::OffHoursWrite,
            severity,
            c,
            &off.all,
            &[off.all.earliest.rows()],
            reasons,
        ));
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
        let reqs = vec![
            req(
                H + 40 * 60,
                "203.0.113.66",
                "python-requests/2.31.0",
                "POST",
                "/notes",
                201,
            ),
            req(2 * H, "192.0.2.14", BROWSER, "POST", "/notes", 201),
        ];
        let f = run(Rule::OffHoursWrite, reqs, &s);
        let got: Vec<(&str, Severity)> = f
            .iter()
            .map(|f| (f.client_ip.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("203.0.113.66", Severity::Medium),
                ("192.0.2.14", Severity::Info)
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
