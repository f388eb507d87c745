//! `hosp-logs errors`

use clap::Args;

use super::athena::{AthenaArgs, Engine, Remote};
use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::athena::reports;
use crate::config::parse_latency_ms;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::common::auto_bucket;
use crate::metrics::errors::{columns, compute, ErrorsConfig};
use crate::render::chart::{self, TimeAxis};
use crate::window::parse_duration;

#[derive(Debug, Args)]
pub struct ErrorsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Also attribute 4XX answers
    #[arg(long = "4xx")]
    pub include_4xx: bool,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Failures slower than this are "slow" (they waited on the target), faster ones "fast"
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub slow: String,
    /// Rows per breakdown table
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(global: &GlobalArgs, args: ErrorsArgs) -> anyhow::Result<ExitStatus> {
    let slow_ms = parse_latency_ms(&args.slow)?;
    let config = |span_us| -> anyhow::Result<ErrorsConfig> {
        Ok(ErrorsConfig {
            include_4xx: args.include_4xx,
            bucket_us: bucket(args.bucket.as_deref(), span_us)?,
            slow_ms,
            top: args.top,
        })
    };
    let (out, cfg, status) = if args.athena.engine == Engine::Athena {
        let remote = Remote::new(global, &args.input, &args.athena)?;
        let cfg = config(remote.span_us())?;
        let query = remote.common()?.errors(cfg.bucket_us, cfg.slow_ms)?;
        let build = |rows: &_| reports::errors(rows, &cfg);
        let Some(out) = remote.analyse(&query, build, |r| r.requests)? else {
            return Ok(ExitStatus::Ok);
        };
        (out, cfg, ExitStatus::Ok)
    } else {
        let prep = Prepared::new(global, &args.input)?;
        let loaded = prep.frame(global, columns())?;
        let cfg = config(loaded.span_us)?;
        let report = compute(&loaded.df, &cfg)?;
        let out = prep.publish(report, loaded, args.input.format)?;
        let status = prep.outcome(ExitStatus::Ok, &out.input);
        (out, cfg, status)
    };
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&out.window).aligned(cfg.bucket_us);
        let png = chart::errors::figure_png(&out.report, &axis, cfg.bucket_us)?;
        chart::write_png(path, &png)?;
    }
    Ok(status)
}

/// `--bucket` when given (whole minutes), else chosen from the window's length.
pub fn bucket(flag: Option<&str>, span_us: i64) -> Result<i64, UsageError> {
    match flag {
        None => Ok(auto_bucket(span_us)),
        Some(text) => match parse_duration(text) {
            Some(us) if us >= 60_000_000 && us % 60_000_000 == 0 => Ok(us),
            _ => Err(UsageError(format!(
                "--bucket {text:?}: expected whole minutes, e.g. 1m, 5m, 1h"
            ))),
        },
    }
}
