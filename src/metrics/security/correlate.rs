//! Judging a client by the combination of its signals, not by each rule alone.
//!
//! An intruder probes, scans, trips the WAF, sends attack strings and writes; a clinic writes
//! all day from the app. So a finding's severity grows with the independent kinds of signal
//! on the same client, and a weak signal alone stays low:
//!
//! - Rules fall in three families: probing (scanner, attack-signature, credential-guessing),
//!   writing (unexpected-writer, write-burst, off-hours-write) and the path in (cdn-bypass).
//!   Each family beyond the first with a finding at medium or above on the client raises
//!   every finding of that client one level: probing and writing together is the breach
//!   pattern.
//! - A burst of writes, or writes outside working hours, with no other signal at medium or
//!   above on the client (a busy client collects weak ones by its volume alone) and nothing
//!   known against its address (no `known_networks` configured, or the client
//!   in one) is low: busy clinics write in bursts and night shifts write at night.
//! - A client in a known network is never raised (the rules already cap its write findings).
//!
//! Every finding lists the rules that found something on its client (`signals`) and keeps the
//! severity its rule gave alone (`rule_severity`).

use std::collections::BTreeMap;

use super::settings::Settings;
use super::{Finding, Rule, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Probing,
    Writing,
    PathIn,
}

impl Family {
    fn of(rule: Rule) -> Family {
        match rule {
            Rule::Scanner | Rule::AttackSignature | Rule::CredentialGuessing => Family::Probing,
            Rule::UnexpectedWriter | Rule::WriteBurst | Rule::OffHoursWrite => Family::Writing,
            Rule::CdnBypass => Family::PathIn,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Probing => "probing",
            Family::Writing => "writing",
            Family::PathIn => "bypassing the CDN",
        }
    }
}

fn up(s: Severity, levels: usize) -> Severity {
    let order = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let at = order.iter().position(|x| *x == s).unwrap_or(0);
    order[(at + levels).min(order.len() - 1)]
}

/// Weighs each client's findings together (in place).
pub fn correlate(findings: &mut [Finding], settings: &Settings) {
    let mut by_client: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_client.entry(f.client_ip.clone()).or_default().push(i);
    }
    let known_configured = !settings.known.is_empty();
    for idx in by_client.values() {
        // info findings are on record, not signals
        let mut signals: Vec<Rule> = idx
            .iter()
            .map(|&i| &findings[i])
            .filter(|f| f.rule_severity >= Severity::Low)
            .map(|f| f.rule)
            .collect();
        signals.sort_unstable();
        signals.dedup();
        let known = findings[idx[0]].known_network;
        let outside = known_configured && !known;
        for &i in idx {
            let f = &mut findings[i];
            f.signals = signals.clone();
            if !f.signals.contains(&f.rule) {
                f.signals.push(f.rule);
                f.signals.sort_unstable();
            }
            let rule = f.rule;
            // weak signals (low) do not corroborate: a busy client collects a few of them
            // by its volume alone
            let alone = idx
                .iter()
                .map(|&j| &findings[j])
                .all(|g| g.rule == rule || g.rule_severity < Severity::Medium);
            let f = &mut findings[i];
            if alone && !outside && f.severity > Severity::Low {
                let why = match f.rule {
                    Rule::WriteBurst => Some("a burst of writes is the only strong signal on this client and nothing is known against its address (busy clinics write in bursts too): reported as low"),
                    Rule::OffHoursWrite => Some("writes outside working hours are the only strong signal on this client and nothing is known against its address (night shifts write too): reported as low"),
                    _ => None,
                };
                if let Some(why) = why {
                    f.severity = Severity::Low;
                    f.reasons.push(why.into());
                }
            }
        }
        if known {
            continue;
        }
        let mut strong: Vec<Family> = idx
            .iter()
            .map(|&i| &findings[i])
            .filter(|f| f.severity >= Severity::Medium)
            .map(|f| Family::of(f.rule))
            .collect();
        strong.sort_unstable();
        strong.dedup();
        if strong.len() < 2 {
            continue;
        }
        let levels = strong.len() - 1;
        let names: Vec<&str> = strong.iter().map(|f| f.name()).collect();
        let pattern = if strong.contains(&Family::Probing) && strong.contains(&Family::Writing) {
            " (the breach pattern: probing and writing)"
        } else {
            ""
        };
        for &i in idx {
            let f = &mut findings[i];
            if f.severity < Severity::Low {
                continue;
            }
            let others: Vec<&str> = f
                .signals
                .iter()
                .filter(|r| **r != f.rule)
                .map(|r| r.as_str())
                .collect();
            f.severity = up(f.severity, levels);
            f.reasons.push(format!(
                "independent signals on this client: {}{pattern}, with {}: raised {levels} level(s)",
                names.join(" + "),
                others.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

    #[test]
    fn probing_and_writing_on_one_client_is_raised() {
        let s = Settings::default();
        let mut reqs: Vec<Req> = (0..30)
            .map(|i| req(i * 5, "203.0.113.7", "curl/8", "POST", "/notes", 201))
            .collect();
        reqs.push(req(
            200,
            "203.0.113.7",
            "curl/8",
            "GET",
            "/notes?patient_id=1'+OR+'1'='1",
            200,
        ));
        // the same alone: each rule's own severity
        let alone = |rule: Rule| run(rule, reqs.clone(), &s)[0].severity;
        assert_eq!(alone(Rule::UnexpectedWriter), Severity::Medium);
        assert_eq!(alone(Rule::AttackSignature), Severity::High);
        let r = analyze(&reqs, &Baseline::default(), &s, &[], Severity::Info);
        let got: Vec<(Rule, Severity, Severity)> = r
            .findings
            .iter()
            .map(|f| (f.rule, f.rule_severity, f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                (Rule::AttackSignature, Severity::High, Severity::Critical),
                (Rule::UnexpectedWriter, Severity::Medium, Severity::High),
            ]
        );
        for f in &r.findings {
            assert_eq!(
                f.signals,
                vec![Rule::UnexpectedWriter, Rule::AttackSignature]
            );
            assert!(
                f.reasons.last().unwrap().contains("breach pattern"),
                "{f:?}"
            );
        }
    }

    #[test]
    fn near_miss_a_lone_burst_stays_low_and_one_family_is_not_raised() {
        // ten clinics and one busy one, no known_networks: the burst is the only signal
        let s = Settings::default();
        let mut reqs: Vec<Req> = (0..10)
            .flat_map(|k| {
                (0..3)
                    .map(move |j| req(j, &format!("198.18.0.{k}"), BROWSER, "POST", "/notes", 201))
            })
            .collect();
        reqs.extend((0..60).map(|j| req(j * 4, "198.18.1.1", BROWSER, "POST", "/notes", 201)));
        let r = analyze(&reqs, &Baseline::default(), &s, &[], Severity::Info);
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        let f = &r.findings[0];
        assert_eq!(
            (f.rule, f.rule_severity),
            (Rule::WriteBurst, Severity::Medium)
        );
        assert_eq!(f.severity, Severity::Low);
        // the same client outside configured known networks: the burst counts
        let known = settings("[security]\nknown_networks = [\"192.0.2.0/24\"]\n");
        let r = analyze(&reqs, &Baseline::default(), &known, &[], Severity::Info);
        let f = r
            .findings
            .iter()
            .find(|f| f.client_ip == "198.18.1.1" && f.rule == Rule::WriteBurst)
            .unwrap();
        assert_eq!(f.severity, Severity::Medium);
        // unexpected-writer (outside) and write-burst: both writing, not raised
        let uw = r
            .findings
            .iter()
            .find(|f| f.client_ip == "198.18.1.1" && f.rule == Rule::UnexpectedWriter)
            .unwrap();
        assert_eq!(uw.severity, uw.rule_severity);
    }
}
