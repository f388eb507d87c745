//! `hosp-logs slo`

use clap::Args;

use super::athena::AthenaArgs;
use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::common::auto_bucket;
use crate::metrics::daily::slo_series;
use crate::metrics::slo::Slo;
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct SloArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// SLO target as a percent (99.0) or fraction (0.99). Default: config [slo] target, else 99
    #[arg(long, value_name = "PERCENT")]
    pub target: Option<f64>,
    /// Good requests must also be this fast (3s, 800ms). Default: config, else no threshold
    #[arg(long, value_name = "DURATION")]
    pub latency_threshold: Option<String>,
    /// Exit 3 when the SLO is not met, 4 when there is no valid request to judge
    #[arg(long)]
    pub fail_on_breach: bool,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(global: &GlobalArgs, args: SloArgs) -> anyhow::Result<ExitStatus> {
    let ctx = Context::new(global, &args.input, Some(&args.athena))?;
    let config = ctx
        .settings
        .slo(args.target, args.latency_threshold.as_deref())?;
    let Some(ran) = ctx.run(&Slo { config })? else {
        return Ok(ExitStatus::Ok);
    };
    let mut report = ran.report;
    report.input = ran.input;
    ctx.emit(&report)?;
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&report.window);
        let bucket = auto_bucket(axis.end - axis.start);
        let series = slo_series(&report.counts, axis.start, axis.end, bucket, config.target);
        chart::write_png(path, &chart::slo::figure_png(&series)?)?;
    }
    // like the gate, fail closed: no data, or an input that broke off, is never a pass
    let unreadable = !report.input.source_errors.is_empty();
    let status = match (args.fail_on_breach, report.success_rate, report.met) {
        (false, _, _) => ExitStatus::Ok,
        (true, None, _) => ExitStatus::NoData,
        (true, Some(_), _) if unreadable => ExitStatus::NoData,
        (true, Some(_), false) => ExitStatus::Breach,
        (true, Some(_), true) => ExitStatus::Ok,
    };
    Ok(ctx.outcome(status, &report.input))
}
