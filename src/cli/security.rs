//! `hosp-logs security`

use clap::Args;

use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::security::{parse_baseline, Rule, Security, Severity};
use crate::render::analysis::Analysis;

#[derive(Debug, Args)]
pub struct SecurityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// List only findings at or above this severity
    #[arg(long, value_enum, default_value_t = Severity::Low, value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// Run only these rules (repeatable or comma-separated). Default: all
    #[arg(long = "rule", value_enum, value_delimiter = ',', value_name = "RULE")]
    pub rules: Vec<Rule>,
    /// Evidence lines per finding. Default: config [security] evidence, else 5
    #[arg(long, value_name = "N")]
    pub evidence: Option<usize>,
    /// A writer is new unless seen writing this long before --since (7d), or "off".
    /// Default: config [security] baseline, else 7d
    #[arg(long, value_name = "DURATION")]
    pub baseline: Option<String>,
    /// Exit 3 when a finding at or above this severity exists (whatever --min-severity lists);
    /// 4 when the window holds no request
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
}

pub fn run(global: &GlobalArgs, args: SecurityArgs) -> anyhow::Result<ExitStatus> {
    let ctx = Context::new(global, &args.input, None)?;
    let mut settings = ctx.settings.security.clone();
    if let Some(b) = &args.baseline {
        settings.baseline_us = parse_baseline(b)?;
    }
    if let Some(n) = args.evidence {
        settings.evidence = n;
    }
    let window = ctx.window;
    // with --since, read the baseline period too; without it the window starts at the first
    // request and there is nothing before it
    let mut read = window;
    if let (Some(b), Some(since)) = (settings.baseline_us, window.since_us) {
        read.since_us = Some(since - b);
    }
    let analysis = Security {
        settings,
        rules: args.rules.clone(),
        min_severity: args.min_severity,
        since_us: window.since_us,
        until_us: window.until_us,
        baseline: true,
    };
    let ran = ctx.run_local(&analysis, &read)?;
    let run = ran.report;
    let out = Analysis {
        report: run.report,
        window: run.window,
        excluded: 0,
        input: ran.input,
    };
    ctx.emit(&out)?;
    let status = match args.fail_on {
        None => ExitStatus::Ok,
        Some(_) if run.requests == 0 => ExitStatus::NoData,
        Some(level) if out.report.max_severity.is_some_and(|m| m >= level) => ExitStatus::Breach,
        Some(_) => ExitStatus::Ok,
    };
    Ok(ctx.outcome(status, &out.input))
}
