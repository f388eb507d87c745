//! `hosp-logs latency`

use clap::Args;

use super::errors::bucket;
use super::input::{emit, InputArgs, Prepared};
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::latency::{columns, compute, LatencyConfig, LatencyField};
use crate::render::analysis::Analysis;

#[derive(Debug, Args)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Which time to measure
    #[arg(long, value_enum, default_value_t = LatencyField::Total)]
    pub field: LatencyField,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows in the by-endpoint table
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

pub fn run(global: &GlobalArgs, args: LatencyArgs) -> anyhow::Result<ExitStatus> {
    let prep = Prepared::new(global, &args.input)?;
    let loaded = prep.frame(global, columns(args.field))?;
    let cfg = LatencyConfig {
        field: args.field,
        bucket_us: bucket(args.bucket.as_deref(), loaded.span_us)?,
        top: args.top,
    };
    let report = compute(&loaded.df, &cfg)?;
    let out = Analysis {
        report,
        window: loaded.window,
        excluded: loaded.excluded,
        input: loaded.stats,
    };
    emit(&out, args.input.format, prep.style)?;
    Ok(prep.outcome(ExitStatus::Ok, &out.input))
}
