//! `hosp-logs traffic`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::errors::bucket;
use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::error::ExitStatus;
use crate::metrics::traffic::{columns, compute};
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct TrafficArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows in the top-N tables
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(global: &GlobalArgs, args: TrafficArgs) -> anyhow::Result<ExitStatus> {
    let (out, bucket_us, status) = if args.athena.engine == Engine::Athena {
        let remote = Remote::new(global, &args.input, &args.athena)?;
        let bucket_us = bucket(args.bucket.as_deref(), remote.span_us())?;
        let query = remote.common()?.traffic(bucket_us, args.top)?;
        let build = |rows: &_| reports::traffic(rows, bucket_us, args.top);
        let Some(out) = remote.analyse(&query, build, |r| r.requests)? else {
            return Ok(ExitStatus::Ok);
        };
        (out, bucket_us, ExitStatus::Ok)
    } else {
        let prep = Prepared::new(global, &args.input)?;
        let loaded = prep.frame(global, columns())?;
        let bucket_us = bucket(args.bucket.as_deref(), loaded.span_us)?;
        let report = compute(&loaded.df, bucket_us, args.top)?;
        let out = prep.publish(report, loaded, args.input.format)?;
        let status = prep.outcome(ExitStatus::Ok, &out.input);
        (out, bucket_us, status)
    };
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&out.window).aligned(bucket_us);
        chart::write_png(
            path,
            &chart::traffic::figure_png(&out.report, &axis, bucket_us)?,
        )?;
    }
    Ok(status)
}
