//! `hosp-logs traffic`

use clap::Args;

use super::errors::bucket;
use super::input::{emit, InputArgs, Prepared};
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::traffic::{columns, compute};
use crate::render::analysis::Analysis;

#[derive(Debug, Args)]
pub struct TrafficArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows in the top-N tables
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

pub fn run(global: &GlobalArgs, args: TrafficArgs) -> anyhow::Result<ExitStatus> {
    let prep = Prepared::new(global, &args.input)?;
    let loaded = prep.frame(global, columns())?;
    let report = compute(
        &loaded.df,
        bucket(args.bucket.as_deref(), loaded.span_us)?,
        args.top,
    )?;
    let out = Analysis {
        report,
        window: loaded.window,
        excluded: loaded.excluded,
        input: loaded.stats,
    };
    emit(&out, args.input.format, prep.style)?;
    Ok(prep.outcome(ExitStatus::Ok, &out.input))
}
