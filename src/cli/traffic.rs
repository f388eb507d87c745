//! `hosp-logs traffic`

use clap::Args;

use super::athena::AthenaArgs;
use super::context::Context;
use super::errors::plan;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::traffic::Traffic;
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
    let ctx = Context::new(global, &args.input, Some(&args.athena))?;
    let analysis = Traffic {
        top: args.top,
        plan: plan(&ctx, args.bucket.as_deref())?,
    };
    super::analyse(&ctx, &analysis, args.chart.as_deref(), |ran| {
        let b = ran.report.bucket_us;
        chart::traffic::figure_png(&ran.report, &TimeAxis::of(&ran.window).aligned(b), b)
    })
}
