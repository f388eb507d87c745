//! `hosp-logs backends`

use clap::Args;

use super::athena::AthenaArgs;
use super::errors::plan_in;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::backends::Backends;
use crate::render::chart::{self, TimeAxis};
use crate::window::Window;

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
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: BackendsArgs) -> anyhow::Result<ExitStatus> {
    let make = |window: &Window| -> anyhow::Result<Backends> {
        Ok(Backends {
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
            chart::backends::figure_png(&ran.report, &TimeAxis::of(&ran.window).aligned(b), b)
        },
    )
}
