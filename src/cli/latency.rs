//! `hosp-logs latency`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::errors::bucket;
use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::daily::latency_histogram;
use crate::metrics::latency::{columns, compute, LatencyConfig, LatencyField};
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Which time to measure
    #[arg(long, value_enum, default_value_t = LatencyField::Total)]
    pub field: LatencyField,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows in the by-endpoint table
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(global: &GlobalArgs, args: LatencyArgs) -> anyhow::Result<ExitStatus> {
    if args.athena.engine == Engine::Athena {
        return run_athena(global, &args);
    }
    let prep = Prepared::new(global, &args.input)?;
    let loaded = prep.frame(global, columns(args.field))?;
    let cfg = LatencyConfig {
        field: args.field,
        bucket_us: bucket(args.bucket.as_deref(), loaded.span_us)?,
        top: args.top,
    };
    let report = compute(&loaded.df, &cfg)?;
    let histogram = match args.chart {
        Some(_) => Some(latency_histogram(&loaded.df, args.field)?),
        None => None,
    };
    let out = prep.publish(report, loaded, args.input.format)?;
    if let (Some(path), Some(h)) = (&args.chart, &histogram) {
        let axis = TimeAxis::of(&out.window).aligned(cfg.bucket_us);
        let png = chart::latency::figure_png(&out.report, h, &axis, cfg.bucket_us, None)?;
        chart::write_png(path, &png)?;
    }
    Ok(prep.outcome(ExitStatus::Ok, &out.input))
}

/// The same report from Athena: exact percentiles from per-group latency histograms.
fn run_athena(global: &GlobalArgs, args: &LatencyArgs) -> anyhow::Result<ExitStatus> {
    if args.chart.is_some() {
        return Err(UsageError(
            "latency --chart draws from every request: use --engine local for the chart".into(),
        )
        .into());
    }
    let remote = Remote::new(global, &args.input, &args.athena)?;
    let cfg = LatencyConfig {
        field: args.field,
        bucket_us: bucket(args.bucket.as_deref(), remote.span_us())?,
        top: args.top,
    };
    let Some(rows) = remote.run(&remote.common()?.latency(cfg.field, cfg.bucket_us)?)? else {
        return Ok(ExitStatus::Ok);
    };
    let (report, apart) = reports::latency(&rows, &cfg)?;
    let stats = remote.stats(&rows, report.requests + apart.excluded, apart.unparsed);
    remote.publish(report, apart.excluded, stats)?;
    Ok(ExitStatus::Ok)
}
