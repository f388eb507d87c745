//! `hosp-logs edge`

use clap::Args;

use super::athena::AthenaArgs;
use super::errors::plan_in;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::edge::Edge;
use crate::render::chart::{self, TimeAxis};
use crate::window::Window;

const EXAMPLES: &str = "\
Examples:
  hosp-logs edge --source cloudfront-logs/ --since 24h
  hosp-logs edge --source s3://my-cf-logs/hosp/ --since 6h --format json | jq .cache_hit_ratio
  hosp-logs edge --source fixtures/day/cloudfront --config fixtures/hosp-logs.toml --chart edge.png
  hosp-logs edge --engine athena --log-format cloudfront --since 24h";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EdgeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows in the per-endpoint and per-location tables
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: EdgeArgs) -> anyhow::Result<ExitStatus> {
    let make = |window: &Window| -> anyhow::Result<Edge> {
        Ok(Edge {
            top: args.top,
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
            chart::edge::figure_png(&ran.report, &TimeAxis::of(&ran.window).aligned(b), b)
        },
    )
}
