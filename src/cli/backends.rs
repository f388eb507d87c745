//! `hosp-logs backends`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::errors::bucket;
use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::error::ExitStatus;
use crate::metrics::backends::{columns, compute};
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct BackendsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Bucket for the share-over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(global: &GlobalArgs, args: BackendsArgs) -> anyhow::Result<ExitStatus> {
    let (out, bucket_us, status) = if args.athena.engine == Engine::Athena {
        let remote = Remote::new(global, &args.input, &args.athena)?;
        let bucket_us = bucket(args.bucket.as_deref(), remote.span_us())?;
        let query = remote.common()?.backends(bucket_us)?;
        let build = |rows: &_| reports::backends(rows, bucket_us);
        let Some(out) = remote.analyse(&query, build, |r| r.requests)? else {
            return Ok(ExitStatus::Ok);
        };
        (out, bucket_us, ExitStatus::Ok)
    } else {
        let prep = Prepared::new(global, &args.input)?;
        let loaded = prep.frame(global, columns())?;
        let bucket_us = bucket(args.bucket.as_deref(), loaded.span_us)?;
        let report = compute(&loaded.df, bucket_us)?;
        let out = prep.publish(report, loaded, args.input.format)?;
        let status = prep.outcome(ExitStatus::Ok, &out.input);
        (out, bucket_us, status)
    };
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&out.window).aligned(bucket_us);
        chart::write_png(
            path,
            &chart::backends::figure_png(&out.report, &axis, bucket_us)?,
        )?;
    }
    Ok(status)
}
