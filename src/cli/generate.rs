//! `hosp-logs generate`

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::GlobalArgs;
use crate::error::{ExitStatus, UsageError};
use crate::generate::security_bench::Variant;
use crate::generate::{run as generate, GenerateOptions};
use crate::window::parse_duration;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Seed: the same seed and options give the same bytes
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// First instant (RFC 3339)
    #[arg(long, default_value = "2026-11-20T00:00:00Z")]
    pub start: String,
    /// How long (90m, 24h, 7d)
    #[arg(long, default_value = "24h")]
    pub duration: String,
    /// Mean requests per second over the day
    #[arg(long, default_value_t = 1.1)]
    pub rate: f64,
    /// Output folder: the ALB log as AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/…,
    /// the CloudFront log as cloudfront/<distribution>.YYYY-MM-DD-HH.<id>.gz, and truth.json
    #[arg(long)]
    pub out: PathBuf,
    /// What traffic: the HOSP day of the fixtures, or the security precision benchmark
    /// (about 1,900 NAT'd clinics, staff, a load test and seven intruders named in truth.json;
    /// use --duration 36h --rate 2.3 for the benchmark's size)
    #[arg(long, value_enum, default_value_t = Scenario::HospDay)]
    pub scenario: Scenario,
    /// Also the nginx proxies behind the ALB (nginx/<proxy>/access.log-YYYYMMDDHH.gz, with
    /// retries and the ALB's and CloudFront's ids), and the three logs' joins and the retry
    /// numbers in truth.json (the hosp-day scenario)
    #[arg(long)]
    pub hops: bool,
    /// The /hospitals routes on API Gateway from the day's cut-over (apigw/exportedlogs/…, as
    /// CloudWatch exports them to S3, with integration timeouts, throttling, function errors
    /// and WAF blocks), the rest on the ALB; `migration` in truth.json (the hosp-day scenario)
    #[arg(long)]
    pub migration: bool,
    /// The security benchmark's ordinary traffic: base, or a kind the rules were not written
    /// against (scripts-2, scripts-12, scripts-25, small-clients, busy-nat, outage,
    /// night-shift)
    #[arg(long, value_enum, default_value_t = Variant::Base)]
    pub variant: Variant,
}

/// `generate --scenario`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// The HOSP day of fixtures/day (outage, slow hours, migration, intruder, scanner)
    HospDay,
    /// The security precision benchmark
    SecurityBench,
}

pub fn run(global: &GlobalArgs, args: GenerateArgs) -> anyhow::Result<ExitStatus> {
    let start = chrono::DateTime::parse_from_rfc3339(&args.start)
        .map_err(|e| UsageError(format!("--start {:?}: {e}", args.start)))?
        .with_timezone(&chrono::Utc);
    let duration_us = parse_duration(&args.duration)
        .ok_or_else(|| UsageError(format!("--duration {:?}: expected e.g. 24h", args.duration)))?;
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        return Err(UsageError(format!("--rate {}: expected a positive number", args.rate)).into());
    }
    if args.variant != Variant::Base && args.scenario != Scenario::SecurityBench {
        return Err(UsageError("--variant changes the security-bench scenario".into()).into());
    }
    if args.hops && args.scenario != Scenario::HospDay {
        return Err(UsageError("--hops writes the hosp-day scenario's proxies".into()).into());
    }
    if args.migration && args.scenario != Scenario::HospDay {
        return Err(
            UsageError("--migration writes the hosp-day scenario's API Gateway".into()).into(),
        );
    }
    let opts = GenerateOptions {
        migration: args.migration,
        seed: args.seed,
        start,
        duration: chrono::Duration::microseconds(duration_us),
        rate: args.rate,
        out: args.out.clone(),
        hops: args.hops,
    };
    let summary = match args.scenario {
        Scenario::HospDay => generate(&opts),
        Scenario::SecurityBench => crate::generate::security_bench::run(&opts, args.variant),
    }
    .with_context(|| format!("generating into {}", args.out.display()))?;
    if !global.quiet {
        eprintln!(
            "hosp-logs: wrote {} lines in {} files; truth in {}",
            summary.lines,
            summary.files,
            summary.truth_path.display()
        );
    }
    Ok(ExitStatus::Ok)
}
