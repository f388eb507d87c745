//! `hosp-logs latency`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::errors::bucket;
use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::error::ExitStatus;
use crate::metrics::daily::{latency_histogram, weighted_latency_histogram};
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
    let config = |span_us| -> anyhow::Result<LatencyConfig> {
        Ok(LatencyConfig {
            field: args.field,
            bucket_us: bucket(args.bucket.as_deref(), span_us)?,
            top: args.top,
        })
    };
    let want_chart = args.chart.is_some();
    let (out, histogram, cfg, status) = if args.athena.engine == Engine::Athena {
        // exact percentiles from per-group latency histograms
        let remote = Remote::new(global, &args.input, &args.athena)?;
        let cfg = config(remote.span_us())?;
        let query = remote.common()?.latency(cfg.field, cfg.bucket_us)?;
        let mut histogram = None;
        let build = |rows: &_| {
            let (report, apart, overall) = reports::latency(rows, &cfg)?;
            histogram = want_chart.then(|| weighted_latency_histogram(overall.pairs(), cfg.field));
            Ok((report, apart))
        };
        let Some(out) = remote.analyse(&query, build, |r| r.requests)? else {
            return Ok(ExitStatus::Ok);
        };
        (out, histogram, cfg, ExitStatus::Ok)
    } else {
        let prep = Prepared::new(global, &args.input)?;
        let loaded = prep.frame(global, columns(args.field))?;
        let cfg = config(loaded.span_us)?;
        let report = compute(&loaded.df, &cfg)?;
        let histogram = match want_chart {
            true => Some(latency_histogram(&loaded.df, cfg.field)?),
            false => None,
        };
        let out = prep.publish(report, loaded, args.input.format)?;
        let status = prep.outcome(ExitStatus::Ok, &out.input);
        (out, histogram, cfg, status)
    };
    if let (Some(path), Some(h)) = (&args.chart, &histogram) {
        let axis = TimeAxis::of(&out.window).aligned(cfg.bucket_us);
        let png = chart::latency::figure_png(&out.report, h, &axis, cfg.bucket_us, None)?;
        chart::write_png(path, &png)?;
    }
    Ok(status)
}
