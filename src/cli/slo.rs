//! `hosp-logs slo`

use clap::Args;

use super::athena::{AthenaArgs, Engine};
use super::context::{Context, Settings};
use super::hops::{self, HopSpec};
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::common::auto_bucket;
use crate::metrics::daily::slo_series;
use crate::metrics::slo::{MeasuredAt, Slo, SloConfig, SloReport};
use crate::render::chart::{self, TimeAxis};

#[derive(Debug, Args)]
pub struct SloArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Exit 3 when the SLO is not met, 4 when there is no valid request to judge
    #[arg(long)]
    pub fail_on_breach: bool,
    /// Also draw this analysis' charts into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
    /// Measure at this hop of the config's [[hops]]. Default, with hops configured and no
    /// --source: the outermost (where the users are)
    #[arg(long, value_name = "NAME")]
    pub hop: Option<String>,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
    /// The SLO window by name: a rolling length ending now or at --until (28d, 4w), or the
    /// calendar month or quarter to date (UTC). Default: config [slo] window or start, else
    /// --since/--until
    #[arg(long, value_name = "28d|month|quarter", conflicts_with = "since")]
    pub window: Option<String>,
}

/// The SLO's flags, shared by the commands that judge requests against it (`slo`, `hops`,
/// `report`, `watch`).
#[derive(Debug, Args)]
pub struct SloFlags {
    /// SLO target as a percent (99.0) or fraction (0.99). Default: config [slo] target, else 99
    #[arg(long, value_name = "PERCENT")]
    pub target: Option<f64>,
    /// Good requests must also be this fast (3s, 800ms). Default: config, else no threshold
    #[arg(long, value_name = "DURATION")]
    pub latency_threshold: Option<String>,
}

impl SloFlags {
    /// The SLO settings: these flags first, then the config, then the defaults.
    pub fn config(&self, settings: &Settings) -> Result<SloConfig, UsageError> {
        settings.slo(self.target, self.latency_threshold.as_deref())
    }
}

/// The hop `slo` measures at: `--hop NAME`, else the outermost when the config has hops and
/// no `--source` (nor `--engine athena`) says otherwise.
fn hop(settings: &Settings, args: &SloArgs) -> anyhow::Result<Option<HopSpec>> {
    let athena = args.athena.engine == Engine::Athena;
    if args.hop.is_none() && (athena || !args.input.sources.is_empty()) {
        return Ok(None);
    }
    if args.hop.is_some() && (athena || !args.input.sources.is_empty()) {
        return Err(UsageError(
            "--hop measures at a hop of the config's [[hops]]: drop --source / --engine athena"
                .into(),
        )
        .into());
    }
    let specs = hops::configured(settings, args.input.nginx_log_format.as_deref())?;
    match &args.hop {
        None => Ok(specs.into_iter().next()),
        Some(name) => {
            let names: Vec<String> = specs.iter().map(|h| h.name.clone()).collect();
            specs
                .into_iter()
                .find(|h| &h.name == name)
                .map(Some)
                .ok_or_else(|| {
                    UsageError(format!(
                        "--hop {name}: no such hop in the config's [[hops]] ({})",
                        if names.is_empty() {
                            "it has none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ))
                    .into()
                })
        }
    }
}

pub fn run(global: &GlobalArgs, mut args: SloArgs) -> anyhow::Result<ExitStatus> {
    // the config is read once: for the hops, then for the run
    let settings = Settings::load(global.config.as_deref())?;
    let judged = super::store::slo_window(&mut args, &settings)?;
    let hop = hop(&settings, &args)?;
    if let Some(dir) = args.store.answer_from(&settings) {
        return super::store::slo(global, &args, judged, settings, dir, hop);
    }
    let ctx = match &hop {
        Some(h) => Context::with_sources(global, &args.input, settings, h.sources.clone())?,
        None => Context::with_settings(global, &args.input, Some(&args.athena), settings)?,
    };
    let config = args.slo.config(&ctx.settings)?;
    let ran = match &hop {
        Some(h) => {
            let settings = h.settings(ctx.local().expect("a hop is read locally"));
            ctx.run_local_on(&Slo { config }, &h.sources, &settings)?
        }
        None => match ctx.run(&Slo { config })? {
            Some(ran) => ran,
            None => return Ok(ExitStatus::Ok),
        },
    };
    let mut report = ran.report;
    report.slo_window = judged;
    report.hop = hop.map(|h| MeasuredAt {
        name: h.name,
        log_format: h.format,
    });
    report.input = ran.input;
    ctx.emit(&report)?;
    let status = chart_and_status(&args, &report, &config)?;
    Ok(ctx.outcome(status, &report.input))
}

/// How every `slo` answer ends, read raw or from the store: the chart when asked, and the
/// exit status. Like the gate, it fails closed: no data, or an input that broke off, is
/// never a pass.
pub(super) fn chart_and_status(
    args: &SloArgs,
    report: &SloReport,
    config: &SloConfig,
) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&report.window);
        let bucket = auto_bucket(axis.end - axis.start);
        let series = slo_series(&report.counts, axis.start, axis.end, bucket, config.target);
        chart::write_png(path, &chart::slo::figure_png(&series)?)?;
    }
    let unreadable = !report.input.source_errors.is_empty();
    Ok(
        match (args.fail_on_breach, report.success_rate, report.met) {
            (false, _, _) => ExitStatus::Ok,
            (true, None, _) => ExitStatus::NoData,
            (true, Some(_), _) if unreadable => ExitStatus::NoData,
            (true, Some(_), false) => ExitStatus::Breach,
            (true, Some(_), true) => ExitStatus::Ok,
        },
    )
}
