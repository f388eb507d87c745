//! Every analysis is a mergeable partial: folded over the fixture day in one batch, or in
//! random batches spread over several partials merged in random order, it gives the same
//! report. The order the local engine's threads see batches in never changes an answer.

use std::io::Read;

use serde::Serialize;

use super::audit::{Audit, AuditFilter};
use super::backends::Backends;
use super::buckets::BucketPlan;
use super::daily::StatusClassesOverTime;
use super::errors::{Errors, ErrorsConfig};
use super::gate::{Gate, GateConfig};
use super::latency::{Latency, LatencyConfig, LatencyField};
use super::security::{self, Security, Severity};
use super::slo::{Slo, SloConfig};
use super::traffic::Traffic;
use crate::config::Config;
use crate::engine::{Analysis, Finish, Seen};
use crate::filter::ClientFilter;
use crate::format::alb::{parse_line, Alb, ROLES};
use crate::format::{LineFormat, Request, Routes, Want};

/// The fixture day's lines, every file in name order.
fn fixture_lines() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/day");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".log.gz") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn report_json<A: Analysis>(a: &A, part: A::Partial, end: &Finish) -> serde_json::Value
where
    A::Report: Serialize,
{
    serde_json::to_value(a.finish(part, end)).unwrap()
}

/// One batch, then `trials` random splits: batches of random sizes dealt to random partials,
/// the partials merged in random order.
fn same_report_however_split<A: Analysis>(a: &A, reqs: &[Request<'_>], end: &Finish, seed: u64)
where
    A::Report: Serialize,
{
    let mut whole = a.partial();
    a.fold(&mut whole, reqs);
    let want = report_json(a, whole, end);
    let mut rng = Rng(seed);
    for trial in 0..2 {
        let threads = 2 + rng.below(4);
        let mut parts: Vec<A::Partial> = (0..threads).map(|_| a.partial()).collect();
        let mut at = 0;
        while at < reqs.len() {
            let len = 1 + rng.below(20_000);
            let end_at = (at + len).min(reqs.len());
            let p = rng.below(threads);
            a.fold(&mut parts[p], &reqs[at..end_at]);
            at = end_at;
        }
        while parts.len() > 1 {
            let i = rng.below(parts.len());
            let from = parts.swap_remove(i);
            let j = rng.below(parts.len());
            a.merge(&mut parts[j], from);
        }
        let got = report_json(a, parts.pop().unwrap(), end);
        assert!(
            got == want,
            "{}: trial {trial} (seed {seed}, {threads} partials) differs from one batch",
            a.name()
        );
    }
}

#[test]
fn every_analysis_merges_to_the_report_of_one_batch() {
    let lines = fixture_lines();
    // every ALB line the generator wrote (its truth, counted while writing)
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/day/truth.json")).unwrap();
    assert_eq!(Some(lines.len() as u64), truth["lines"].as_u64());
    let config = Config::parse(include_str!("../../fixtures/hosp-logs.toml")).unwrap();
    let exclude =
        ClientFilter::new(&config.exclude.user_agents, &config.exclude.client_cidrs).unwrap();
    let routes = Routes::default();
    let want = Want {
        roles: ROLES,
        routes: &routes,
        arena: None,
    };
    let mut seen = Seen::default();
    let reqs: Vec<Request<'_>> = lines
        .iter()
        .map(|l| {
            let mut r = Alb.request(&parse_line(l).unwrap(), &want);
            r.excluded = exclude.matches(r.client_ip, r.user_agent.as_deref());
            if r.excluded {
                seen.excluded += 1;
            } else {
                seen.merge(Seen {
                    excluded: 0,
                    first_us: Some(r.time_us),
                    last_us: Some(r.time_us),
                });
            }
            r
        })
        .collect();
    let end = Finish {
        window: Default::default(),
        seen,
    };
    // buckets chosen after reading, as the local engine does without --since/--until
    let plan = BucketPlan::new(None, None, None);
    let slo = SloConfig {
        target: 0.99,
        latency_threshold_ms: Some(3000.0),
    };
    let settings = security::Settings::from_section(&config.security).unwrap();
    same_report_however_split(&Slo { config: slo }, &reqs, &end, 1);
    let errors = Errors {
        config: ErrorsConfig {
            include_4xx: true,
            slow_ms: 1000.0,
            top: 20,
        },
        plan,
    };
    same_report_however_split(&errors, &reqs, &end, 2);
    let latency = Latency {
        config: LatencyConfig {
            field: LatencyField::Total,
            top: 20,
        },
        plan,
    };
    same_report_however_split(&latency, &reqs, &end, 3);
    same_report_however_split(&Backends { plan }, &reqs, &end, 4);
    same_report_however_split(&Traffic { top: 10, plan }, &reqs, &end, 5);
    same_report_however_split(&StatusClassesOverTime { plan }, &reqs, &end, 6);
    let gate = Gate {
        gate: GateConfig {
            slo: Some(0.99),
            max_p99_ms: Some(3000.0),
            max_5xx_rate: Some(0.01),
            max_findings: vec![(Severity::High, 0)],
            named: vec![("fast".into(), 0.9)],
        },
        slo,
        security: Security::overall(settings.clone(), Severity::Info, None),
        named: crate::metrics::slos::Slos::new(vec![crate::metrics::slos::SloDef::new(
            "fast",
            SloConfig {
                target: 0.9,
                latency_threshold_ms: Some(250.0),
            },
        )]),
    };
    same_report_however_split(&gate, &reqs, &end, 7);
    let sec = Security::overall(settings, Severity::Info, None);
    same_report_however_split(&sec, &reqs, &end, 8);
    let audit = Audit {
        filter: AuditFilter::default(),
        summary: false,
        limit: 5,
    };
    same_report_however_split(&audit, &reqs, &end, 9);
}
