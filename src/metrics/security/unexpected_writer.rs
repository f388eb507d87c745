//! unexpected-writer: writes to sensitive endpoints from a client outside the known networks,
//! from a client never seen writing in the baseline, or with a scripting or empty user agent.
//!
//! The scripting reason goes by share: it holds when at least `scripting_share` (half) of the
//! client's sensitive writes have a scripting or empty user agent. A clinic's integration
//! posting now and then among hundreds of app writes is not a reason (the finding, when there
//! is one for other reasons, says the share).
//!
//! Severity: one reason medium, two high, three critical; one level lower when none of the
//! writes succeeded. A client in a known network is trusted to write: low at most.

use super::sample::NO_UA;
use super::{Ctx, Rule, RuleOutput, Severity};

/// "4 %", "100 %": a share as people read it.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

pub fn run(ctx: &Ctx) -> RuleOutput {
    let s = ctx.settings;
    let known_configured = !s.known.is_empty();
    let baseline = ctx.baseline.available();
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(w) = &c.state.sensitive else {
            continue;
        };
        let mut reasons = Vec::new();
        if known_configured && !c.known {
            reasons.push("client outside the known networks".to_string());
        }
        if baseline && !ctx.baseline.writers.contains(&c.ip) {
            reasons.push(format!(
                "never seen writing in the baseline ({})",
                ctx.baseline.describe()
            ));
        }
        // a script among many app writes is an integration; a client whose writes come
        // mostly from scripts is suspect
        let share = w.scripted as f64 / w.all.count as f64;
        let mut scripted_note = None;
        if w.scripted > 0 {
            let mut scripted: Vec<&str> = w
                .scripted_uas
                .top()
                .into_iter()
                .map(|(ua, _)| if ua == NO_UA { "-" } else { ua })
                .collect();
            scripted.sort_unstable();
            scripted.dedup();
            let text = format!(
                "scripting or empty user agent on {} of {} sensitive writes ({}): {}",
                w.scripted,
                w.all.count,
                percent(share),
                scripted.join(", ")
            );
            if share >= s.scripting_share {
                reasons.push(text);
            } else {
                scripted_note = Some(format!(
                    "{text}; below scripting_share {}, not a reason",
                    percent(s.scripting_share)
                ));
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let n = reasons.len();
        let ok = w.ok;
        let mut severity = match n {
            1 => Severity::Medium,
            2 => Severity::High,
            _ => Severity::Critical,
        };
        if ok == 0 {
            severity = severity.down();
        }
        reasons.push(format!(
            "{ok} of {} sensitive writes succeeded (2xx/3xx)",
            w.all.count
        ));
        reasons.extend(scripted_note);
        if c.known {
            severity = Severity::Low;
            reasons.push("client in a known network: trusted to write, reported as low".into());
        }
        // the successful writes are the evidence that matters
        let mut f = ctx.finding(
            Rule::UnexpectedWriter,
            severity,
            c,
            &w.all,
            &[w.ok_earliest.rows(), w.all.earliest.rows()],
            reasons,
        );
        f.scripted_share = Some(share);
        findings.push(f);
    }
    let mut out = RuleOutput::ran(findings);
    if !known_configured {
        out.notes.push(
            "known_networks is not configured: the outside-known-networks check did not run (unset, \"outside the known networks\" would be true of every client, so it is not a reason)".into(),
        );
    }
    if !baseline {
        out.notes.push(match ctx.baseline.period {
            None => "baseline is off: the never-seen-writing check did not run".into(),
            Some(_) => format!(
                "no requests in the baseline ({}): the never-seen-writing check did not run; use --since so the earlier data is the baseline",
                ctx.baseline.describe()
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

    const CFG: &str = "[security]\nknown_networks = [\"192.0.2.0/24\", \"10.99.0.0/24\"]\n";

    #[test]
    fn script_from_outside_writing_notes_is_high() {
        let s = settings(CFG);
        let mut reqs: Vec<Req> = (0..10)
            .map(|i| {
                req(
                    i,
                    "203.0.113.66",
                    "python-requests/2.31.0",
                    "POST",
                    "/notes",
                    201,
                )
            })
            .collect();
        reqs.push(req(
            20,
            "203.0.113.66",
            "python-requests/2.31.0",
            "GET",
            "/notes?patient_id=3",
            200,
        ));
        let f = run(Rule::UnexpectedWriter, reqs, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].client_ip, "203.0.113.66");
        assert_eq!(f[0].count, 10);
        assert_eq!(f[0].endpoints, vec!["POST /notes"]);
        assert_eq!(f[0].evidence.len(), 5);
        assert!(!f[0].known_network);
    }

    #[test]
    fn near_miss_browser_in_known_network_or_reads_only() {
        let s = settings(CFG);
        let reqs = vec![
            // staff writing from a clinic with a browser: trusted
            req(0, "192.0.2.14", BROWSER, "POST", "/notes", 201),
            // the team's load test: known network, not a scripting agent
            req(
                1,
                "10.99.0.21",
                "hosp-loadtest/1.0 (k6)",
                "POST",
                "/notes",
                201,
            ),
            // a script that only reads
            req(
                2,
                "203.0.113.66",
                "curl/8.5.0",
                "GET",
                "/notes?patient_id=1",
                200,
            ),
            // a script writing somewhere not sensitive
            req(3, "203.0.113.67", "curl/8.5.0", "POST", "/hospitals", 201),
        ];
        assert!(run(Rule::UnexpectedWriter, reqs, &s).is_empty());
    }

    #[test]
    fn failed_writes_and_new_writers() {
        let s = settings(CFG);
        // outside, browser, every write refused: medium down to low
        let f = run(
            Rule::UnexpectedWriter,
            vec![req(0, "198.51.100.5", BROWSER, "PATCH", "/patients/7", 401)],
            &s,
        );
        assert_eq!(f[0].severity, Severity::Low);
        // a baseline that saw 192.0.2.14 write but not 192.0.2.15
        let before = vec![req(-3600, "192.0.2.14", BROWSER, "POST", "/notes", 201)];
        let b = Baseline::new(Some((T0 - 7 * 24 * 60 * MIN, T0)), &before);
        let now = vec![
            req(0, "192.0.2.14", BROWSER, "POST", "/notes", 201),
            req(1, "192.0.2.15", BROWSER, "POST", "/notes", 201),
            req(2, "203.0.113.66", "curl/8", "POST", "/notes", 201),
        ];
        let r = analyze(&now, &b, &s, &[Rule::UnexpectedWriter], Severity::Info);
        let sev: Vec<(&str, Severity)> = r
            .findings
            .iter()
            .map(|f| (f.client_ip.as_str(), f.severity))
            .collect();
        assert_eq!(
            sev,
            vec![
                ("203.0.113.66", Severity::Critical),
                ("192.0.2.15", Severity::Low)
            ]
        );
    }
}
