//! unexpected-writer: writes to sensitive endpoints from a client outside the known networks,
//! from a client never seen writing in the baseline, or with a scripting or empty user agent.
//!
//! The scripting reason goes by evidence, not by a share alone: the client's scripted writes,
//! k of its n sensitive writes, are weighed against the scripted share of every other
//! writer's sensitive writes in this log ([`super::evidence`]). It is a reason when the
//! evidence is strong (far from chance and at least twice the log's share) and the share is
//! above `scripting_share` (half) beyond chance at the same level (p ≤ 10⁻⁶ against a rate of
//! exactly `scripting_share`): most of its writes are scripted. 1 of 2 where one write in
//! eight is scripted is chance; a clinic's integration posting among its app writes is not a
//! reason (the finding, when there is one for other reasons, says the comparison). Weaker
//! evidence alone (a majority scripted, but on a few writes) makes a low finding.
//!
//! Severity: one reason medium, two high, three critical; one level lower when none of the
//! writes succeeded. A client in a known network is trusted to write: low at most.

use super::evidence::{against_others, log10_tail, percent, Strength, STRONG_P};
use super::sample::NO_UA;
use super::{Ctx, Rule, RuleOutput, Severity};

pub fn run(ctx: &Ctx) -> RuleOutput {
    let s = ctx.settings;
    let known_configured = !s.known.is_empty();
    let baseline = ctx.baseline.available();
    // the log's base rate: scripted sensitive writes among all sensitive writes
    let (all_scripted, all_writes) = ctx
        .clients
        .iter()
        .filter_map(|c| c.state.sensitive.as_deref())
        .fold((0, 0), |(k, n), w| (k + w.scripted, n + w.all.count));
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(w) = &c.state.sensitive else {
            continue;
        };
        let ev = against_others(w.scripted, w.all.count, all_scripted, all_writes);
        let strength = ev.strength();
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
        let mut weak = false;
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
                "scripting or empty user agent: {} ({}): {}",
                ev.describe("sensitive writes scripted", "across all other writers"),
                percent(share),
                scripted.join(", ")
            );
            // most of its writes, beyond chance at the same level as the evidence (k of n
            // against a rate of exactly scripting_share): a clinic whose integration sends
            // nearly half its writes still writes from the app and browsers, and among a
            // thousand such clinics a few reach 60 % of 40 writes by chance
            let most = log10_tail(w.scripted, w.all.count, s.scripting_share) <= STRONG_P.log10();
            if !most {
                weak = share >= s.scripting_share && strength >= Strength::Weak;
                scripted_note = Some(format!(
                    "{text}; not beyond chance above scripting_share {}, not a reason",
                    percent(s.scripting_share)
                ));
            } else if strength >= Strength::Strong {
                reasons.push(text);
            } else {
                weak = strength == Strength::Weak;
                scripted_note = Some(format!(
                    "{text}; not far enough from what chance gives in this log to be a reason"
                ));
            }
        }
        // weak evidence alone is on record as low; nothing at all is not a finding
        let only_weak = reasons.is_empty();
        if only_weak && !weak {
            continue;
        }
        let n = reasons.len();
        let ok = w.ok;
        let mut severity = match n {
            0 => Severity::Low,
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
        f.strength = (w.scripted > 0).then(|| ev.score());
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
        // 24 scripted writes: enough to stand on (10 would be weak evidence alone)
        let mut reqs: Vec<Req> = (0..24)
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
        assert_eq!(f[0].count, 24);
        assert_eq!(f[0].endpoints, vec!["POST /notes"]);
        assert_eq!(f[0].evidence.len(), 5);
        assert!(!f[0].known_network);
    }

    /// Writers of a log where one sensitive write in eight is scripted: 80 clinics writing
    /// 8 times each, one of the 8 from python-requests.
    fn eighth_scripted() -> Vec<Req> {
        (0..80)
            .flat_map(|k| {
                (0..8).map(move |j| {
                    let ua = if j == 0 {
                        "python-requests/2.32.3"
                    } else {
                        BROWSER
                    };
                    req(
                        k * 10 + j,
                        &format!("198.18.0.{k}"),
                        ua,
                        "POST",
                        "/notes",
                        201,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn scripted_share_is_weighed_against_the_log() {
        // no known networks, no baseline: the scripted share is the only possible reason
        let s = Settings::default();
        // 1 of 2 scripted where one in eight is: chance, no finding at all
        let mut reqs = eighth_scripted();
        reqs.push(req(900, "203.0.113.5", "curl/8", "POST", "/notes", 201));
        reqs.push(req(901, "203.0.113.5", BROWSER, "POST", "/notes", 201));
        let f = run(Rule::UnexpectedWriter, reqs.clone(), &s);
        assert!(f.is_empty(), "{f:?}");
        // 120 of 140 scripted: a reason, medium, and the comparison in words
        reqs.extend((0..140).map(|i| {
            let ua = if i < 120 {
                "python-requests/2.31.0"
            } else {
                BROWSER
            };
            req(1000 + i, "203.0.113.66", ua, "POST", "/notes", 201)
        }));
        let f = run(Rule::UnexpectedWriter, reqs.clone(), &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].client_ip.as_str(), f[0].severity),
            ("203.0.113.66", Severity::Medium)
        );
        // the others: 81 of 642 writes scripted (the clinics' 80 and 203.0.113.5's), 13 %
        assert!(
            f[0].reasons[0].contains(
                "120 of 140 sensitive writes scripted; 13 % across all other writers; p < 10⁻"
            ),
            "{:?}",
            f[0].reasons
        );
        assert!(f[0].strength.unwrap() > 15.0);
        // 5 of 5 scripted (the log is now at 26 %, 203.0.113.66 included): unlikely by
        // chance, not enough alone: low
        reqs.extend((0..5).map(|i| req(2000 + i, "203.0.113.7", "curl/8", "POST", "/notes", 201)));
        let f = run(Rule::UnexpectedWriter, reqs, &s);
        let low = f.iter().find(|f| f.client_ip == "203.0.113.7").unwrap();
        assert_eq!(low.severity, Severity::Low);
    }

    #[test]
    fn near_miss_every_writer_scripted() {
        // a log of integrations only: a scripted writer is what the log is
        let s = Settings::default();
        let reqs: Vec<Req> = (0..200)
            .map(|i| {
                req(
                    i,
                    &format!("198.18.0.{}", i % 20),
                    "curl/8",
                    "POST",
                    "/notes",
                    201,
                )
            })
            .collect();
        assert!(run(Rule::UnexpectedWriter, reqs, &s).is_empty());
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
        let mut now = vec![
            req(0, "192.0.2.14", BROWSER, "POST", "/notes", 201),
            req(1, "192.0.2.15", BROWSER, "POST", "/notes", 201),
        ];
        // 20 scripted writes where no one else scripts: strong evidence (a few would be weak)
        now.extend((2..22).map(|i| req(i, "203.0.113.66", "curl/8", "POST", "/notes", 201)));
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
