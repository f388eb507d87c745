//! `hosp-logs slo`

use clap::Args;

use super::input::{emit, warn_about_input, InputArgs, Prepared};
use super::GlobalArgs;
use crate::config::{parse_latency_ms, parse_target};
use crate::error::ExitStatus;
use crate::frame::load;
use crate::metrics::common::auto_bucket;
use crate::metrics::daily::slo_series;
use crate::metrics::slo::{compute, SloConfig, SloCounts};
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct SloArgs {
    #[command(flatten)]
    pub input: InputArgs,
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
    let prep = Prepared::new(global, &args.input)?;
    let cfg = slo_config(&prep, args.target, args.latency_threshold.as_deref())?;
    let opts = prep.load_options(cfg.columns());
    let (parts, stats) = load(&prep.files, &opts, SloCounts::default, |acc, batch| {
        acc.fold(&batch.df, &cfg)
    })?;
    let counts = parts.into_iter().fold(SloCounts::default(), |mut a, b| {
        a.merge(b);
        a
    });
    let stats = prep.finish_stats(stats);
    warn_about_input(global, &stats);
    let report = compute(&counts, &prep.window, &cfg, stats);
    emit(&report, args.input.format, prep.style)?;
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&report.window);
        let bucket = auto_bucket(axis.end - axis.start);
        let series = slo_series(&counts, axis.start, axis.end, bucket, cfg.target);
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
    Ok(prep.outcome(status, &report.input))
}

/// The SLO settings: flags first, then the config, then the defaults (99 %, no latency bound).
pub fn slo_config(
    prep: &Prepared,
    target: Option<f64>,
    latency_threshold: Option<&str>,
) -> anyhow::Result<SloConfig> {
    let c = &prep.config;
    let target = parse_target(target.or(c.slo.target).unwrap_or(99.0))?;
    let latency = latency_threshold
        .or(c.slo.latency_threshold.as_deref())
        .map(parse_latency_ms)
        .transpose()?;
    Ok(SloConfig {
        target,
        latency_threshold_ms: latency,
        exclude: prep.exclude.clone(),
    })
}
