//! `hosp-logs errors`

use clap::Args;

use super::athena::AthenaArgs;
use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::config::parse_latency_ms;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::buckets::{BucketPlan, MAX_BUCKETS};
use crate::metrics::errors::{Errors, ErrorsConfig};
use crate::render::chart::{self, TimeAxis};
use crate::window::{parse_duration, Window};

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
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: ErrorsArgs) -> anyhow::Result<ExitStatus> {
    let config = ErrorsConfig {
        include_4xx: args.include_4xx,
        slow_ms: parse_latency_ms(&args.slow)?,
        top: args.top,
    };
    let make = |window: &Window| -> anyhow::Result<Errors> {
        Ok(Errors {
            config,
            plan: plan_in(window, args.bucket.as_deref())?,
        })
    };
    super::store::analyse(
        global,
        &args.input,
        &args.athena,
        &args.store,
        make,
        args.chart.as_deref(),
        |ran| {
            let b = ran.report.bucket_us;
            chart::errors::figure_png(&ran.report, &TimeAxis::of(&ran.window).aligned(b), b)
        },
    )
}

/// The over-time bucket: `--bucket` (whole minutes), else chosen from the window. A bucket
/// that would cut a bounded window into more than `MAX_BUCKETS` is refused: the over-time
/// tables and charts are meant to be read.
pub fn plan(ctx: &Context, flag: Option<&str>) -> Result<BucketPlan, UsageError> {
    plan_in(&ctx.window, flag)
}

/// [`plan`] for a window.
pub fn plan_in(window: &Window, flag: Option<&str>) -> Result<BucketPlan, UsageError> {
    let b = bucket(flag)?;
    if let (Some(b), Some(s), Some(u)) = (b, window.since_us, window.until_us) {
        let n = (u - s + b - 1) / b;
        if n > MAX_BUCKETS {
            return Err(UsageError(format!(
                "--bucket {}: the window would have {n} buckets, more than the {MAX_BUCKETS} a report shows; choose a larger bucket",
                flag.unwrap_or_default()
            )));
        }
    }
    Ok(BucketPlan::new(b, window.since_us, window.until_us))
}

/// `--bucket`, checked: whole minutes.
pub fn bucket(flag: Option<&str>) -> Result<Option<i64>, UsageError> {
    flag.map(|text| match parse_duration(text) {
        Some(us) if us >= 60_000_000 && us % 60_000_000 == 0 => Ok(us),
        _ => Err(UsageError(format!(
            "--bucket {text:?}: expected whole minutes, e.g. 1m, 5m, 1h"
        ))),
    })
    .transpose()
}
