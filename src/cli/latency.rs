//! `hosp-logs latency`

use clap::Args;

use super::athena::AthenaArgs;
use super::errors::plan_in;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::daily::latency_histogram;
use crate::metrics::latency::{Latency, LatencyConfig, LatencyField};
use crate::render::chart::{self, TimeAxis};
use crate::window::Window;

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
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: LatencyArgs) -> anyhow::Result<ExitStatus> {
    let make = |window: &Window| -> anyhow::Result<Latency> {
        Ok(Latency {
            config: LatencyConfig {
                field: args.field,
                top: args.top,
            },
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
            let r = &ran.report;
            let bins = latency_histogram(&r.histogram, r.field);
            let axis = TimeAxis::of(&ran.window).aligned(r.bucket_us);
            chart::latency::figure_png(r, &bins, &axis, r.bucket_us, None)
        },
    )
}
