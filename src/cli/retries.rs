//! `hosp-logs retries`

use clap::Args;

use super::errors::plan_in;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::config::parse_latency_ms;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::retries::{Retries, RetriesConfig};
use crate::render::chart::{self, TimeAxis};
use crate::window::Window;

const RETRIES_HELP: &str = "\
Reads the upstream lists a retrying proxy logs ($upstream_addr, $upstream_status,
$upstream_response_time in the nginx log_format): one entry per attempt, `, ` between attempts,
` : ` between upstream groups. The log_format must have $status and $upstream_status.

Examples:
  hosp-logs retries --source /var/log/nginx/ --log-format nginx \\
      --nginx-log-format '$remote_addr [$time_local] \"$request\" $status $request_time $upstream_addr $upstream_status $upstream_response_time'
  hosp-logs retries --source nginx/ --log-format nginx --config hosp-logs.toml --since 24h -f json | jq .attempt_success_rate
  hosp-logs retries --source nginx/ --log-format nginx --client-timeout 60s --chart retries.png";

#[derive(Debug, Args)]
#[command(after_help = RETRIES_HELP)]
pub struct RetriesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How long the proxy's client waits (CloudFront's origin timeout): requests slower than
    /// this are counted in over_client_timeout
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub client_timeout: String,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows per breakdown table
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: RetriesArgs) -> anyhow::Result<ExitStatus> {
    let client_timeout_ms = parse_latency_ms(&args.client_timeout).map_err(|_| {
        UsageError(format!(
            "--client-timeout {:?}: expected a duration like 30s or 1m",
            args.client_timeout
        ))
    })?;
    let make = |window: &Window| -> anyhow::Result<Retries> {
        Ok(Retries {
            config: RetriesConfig {
                client_timeout_ms,
                top: args.top,
            },
            plan: plan_in(window, args.bucket.as_deref())?,
        })
    };
    super::store::analyse_local(
        global,
        &args.input,
        &args.store,
        make,
        args.chart.as_deref(),
        |ran| {
            let b = ran.report.bucket_us;
            chart::retries::figure_png(&ran.report, &TimeAxis::of(&ran.window).aligned(b), b)
        },
    )
}
