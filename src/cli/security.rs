//! `hosp-logs security`

use clap::Args;

use super::input::{emit, InputArgs, Prepared};
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::security::{
    analyze, columns, parse_baseline, requests, Baseline, Rule, Settings, Severity,
};
use crate::metrics::slo::WindowInfo;
use crate::render::analysis::Analysis;
use crate::window::{format_us, Window};

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
    let mut prep = Prepared::new(global, &args.input)?;
    let mut settings = Settings::from_section(&prep.config.security)
        .map_err(|e| crate::error::UsageError(format!("config [security]: {}", e.0)))?;
    if let Some(b) = &args.baseline {
        settings.baseline_us = parse_baseline(b)?;
    }
    if let Some(n) = args.evidence {
        settings.evidence = n;
    }
    let window = prep.window;
    // with --since, read the baseline period too; without it the window starts at the first
    // request and there is nothing before it
    if let (Some(b), Some(since)) = (settings.baseline_us, window.since_us) {
        prep.widen_since(since - b)?;
    }
    let loaded = prep.frame_all(global, columns())?;
    let mut all = requests(&loaded.df)?;
    drop(loaded.df);
    let split = window
        .since_us
        .map_or(0, |s| all.partition_point(|r| r.time_us < s));
    let in_window = all.split_off(split);
    let before = all;
    let start = window
        .since_us
        .or(in_window.first().map(|r| floor_sec(r.time_us)));
    let period = settings.baseline_us.zip(start).map(|(b, s)| (s - b, s));
    let baseline = Baseline::new(period, &before);
    drop(before);
    let report = analyze(
        &in_window,
        &baseline,
        &settings,
        &args.rules,
        args.min_severity,
    );
    let window_info = window_info(&window, &in_window);
    let out = Analysis {
        report,
        window: window_info,
        excluded: 0,
        input: loaded.stats,
    };
    emit(&out, args.input.format, prep.style)?;
    let status = match args.fail_on {
        None => ExitStatus::Ok,
        Some(_) if in_window.is_empty() => ExitStatus::NoData,
        Some(level) if out.report.max_severity.is_some_and(|m| m >= level) => ExitStatus::Breach,
        Some(_) => ExitStatus::Ok,
    };
    Ok(prep.outcome(status, &out.input))
}

const SEC: i64 = 1_000_000;

fn floor_sec(us: i64) -> i64 {
    us.div_euclid(SEC) * SEC
}

/// The window as `slo` reports it: the flags' bounds, else from the first request's second to
/// the second after the last one.
fn window_info(window: &Window, reqs: &[crate::metrics::security::Req]) -> WindowInfo {
    WindowInfo {
        start: window
            .since_us
            .or(reqs.first().map(|r| floor_sec(r.time_us)))
            .map(format_us),
        end: window
            .until_us
            .or(reqs.last().map(|r| floor_sec(r.time_us) + SEC))
            .map(format_us),
    }
}
