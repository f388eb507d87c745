//! `hosp-logs slo`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::input::{emit, warn_about_input, InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::config::{parse_latency_ms, parse_target, Config};
use crate::error::ExitStatus;
use crate::frame::load;
use crate::metrics::common::auto_bucket;
use crate::metrics::daily::slo_series;
use crate::metrics::filter::ClientFilter;
use crate::metrics::slo::{boundaries, compute, SloConfig, SloCounts};
use crate::render::chart::{self, TimeAxis};
use crate::window::format_us;

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
    let (report, counts, cfg, outcome): (_, _, _, Box<dyn Fn(ExitStatus) -> ExitStatus>) =
        if args.athena.engine == Engine::Athena {
            let remote = Remote::new(global, &args.input, &args.athena)?;
            let cfg = slo_settings(
                &remote.config,
                remote.exclude.clone(),
                args.target,
                args.latency_threshold.as_deref(),
            )?;
            // per-minute counts, per-second ones only where a sum starts or ends mid-minute:
            // about 2,000 result rows for a day instead of up to 86,400
            let (since, until) = (
                remote.window.since_us.unwrap_or(0),
                remote.window.until_us.unwrap_or(0),
            );
            let split: Vec<String> = boundaries(since, until)
                .into_iter()
                .filter(|t| t % 60_000_000 != 0)
                .map(|t| format_us(t)[..16].to_string())
                .collect();
            let query = remote.common()?.slo(cfg.latency_threshold_ms, &split)?;
            let Some(rows) = remote.run(&query)? else {
                return Ok(ExitStatus::Ok);
            };
            let (counts, total, unparsed) = reports::slo_counts(&rows)?;
            let report = compute(
                &counts,
                &remote.window,
                &cfg,
                remote.stats(&rows, total, unparsed)?,
            );
            remote.emit(&report)?;
            (report, counts, cfg, Box::new(|s| s))
        } else {
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
            let input = report.input.clone();
            (
                report,
                counts,
                cfg,
                Box::new(move |s| prep.outcome(s, &input)),
            )
        };
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
    Ok(outcome(status))
}

/// The SLO settings: flags first, then the config, then the defaults (99 %, no latency bound).
pub fn slo_config(
    prep: &Prepared,
    target: Option<f64>,
    latency_threshold: Option<&str>,
) -> anyhow::Result<SloConfig> {
    slo_settings(
        &prep.config,
        prep.exclude.clone(),
        target,
        latency_threshold,
    )
}

fn slo_settings(
    c: &Config,
    exclude: ClientFilter,
    target: Option<f64>,
    latency_threshold: Option<&str>,
) -> anyhow::Result<SloConfig> {
    let target = parse_target(target.or(c.slo.target).unwrap_or(99.0))?;
    let latency = latency_threshold
        .or(c.slo.latency_threshold.as_deref())
        .map(parse_latency_ms)
        .transpose()?;
    Ok(SloConfig {
        target,
        latency_threshold_ms: latency,
        exclude,
    })
}
