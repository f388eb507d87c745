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
use crate::metrics::slo::{MeasuredAt, Slo, SloConfig};
use crate::metrics::slos::{NotAnswered, SloDef, Slos, SlosReport};
use crate::render::chart::{self, TimeAxis};
use crate::window::{slo_start, slo_window as named_window, SloWindow, Window};

#[derive(Debug, Args)]
pub struct SloArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Exit 3 when an SLO is not met, 4 when one has no valid request to judge
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
    /// calendar month or quarter to date (in config [slo] timezone, else UTC). Default: config [slo] window or start, else
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
    /// Read the SLOs from OpenSLO v1 documents (YAML or JSON) instead of the config's
    /// [slo] / [[slo]]. --target and --latency-threshold set the first SLO
    #[arg(long, value_name = "FILE")]
    pub slo_spec: Option<std::path::PathBuf>,
}

impl SloFlags {
    /// Every SLO: `--slo-spec`, else the config's `[[slo]]` or `[slo]`; these flags set the
    /// first.
    pub fn defs(&self, settings: &Settings) -> anyhow::Result<Vec<SloDef>> {
        settings.slo_defs(
            self.target,
            self.latency_threshold.as_deref(),
            self.slo_spec.as_deref(),
        )
    }

    /// The first SLO's settings (the one the top-level keys describe).
    pub fn config(&self, settings: &Settings) -> anyhow::Result<SloConfig> {
        Ok(self.defs(settings)?[0].config)
    }
}

/// The window each SLO is judged over: `--window` for all, none with `--since` (the run's
/// window for all), else each SLO's own `window` or `start`. The run reads from the earliest
/// start (its `--since`/`--until` set here); an SLO without a window is judged over all of it.
pub fn judged_windows(
    input: &mut super::input::InputArgs,
    window: Option<&str>,
    defs: &[SloDef],
) -> anyhow::Result<Vec<Option<SloWindow>>> {
    let now = super::input::now();
    let end = Window::parse(None, input.until.as_deref(), now)?
        .until_us
        .unwrap_or(now.timestamp_micros());
    let single = defs.len() == 1 && defs[0].name == crate::metrics::slos::DEFAULT_NAME;
    let mut judged = Vec::new();
    for d in defs {
        if d.window.is_some() && d.start.is_some() {
            return Err(UsageError(if single {
                "config [slo]: window and start both set; keep one (window = \"28d\", or start = \"2026-11-16\" for the whole project)".into()
            } else {
                format!("SLO {:?}: window and start both set; keep one", d.name)
            })
            .into());
        }
        let own = match (window, input.since.is_some()) {
            (Some(name), _) => Some(named_window(name, end, "--window", d.timezone)?),
            (None, true) => None,
            (None, false) => match (&d.window, &d.start) {
                (Some(name), _) => Some(named_window(
                    name,
                    end,
                    &if single {
                        "config [slo] window".to_string()
                    } else {
                        format!("SLO {:?} window", d.name)
                    },
                    d.timezone,
                )?),
                (None, Some(start)) => Some(slo_start(start, end, d.timezone)?),
                (None, None) => None,
            },
        };
        judged.push(own);
    }
    if let Some(first) = judged.iter().flatten().min_by_key(|w| w.since_us) {
        input.since = Some(first.start.clone());
        input.until = Some(first.end.clone());
    }
    Ok(judged)
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
    let defs = args.slo.defs(&settings)?;
    let windows = judged_windows(&mut args.input, args.window.as_deref(), &defs)?;
    let slos = Slos { defs, windows };
    let hop = hop(&settings, &args)?;
    if let Some(dir) = args.store.answer_from(&settings) {
        return super::store::slo(global, &args, slos, settings, dir, hop);
    }
    let ctx = match &hop {
        Some(h) => Context::with_sources(global, &args.input, settings, h.sources.clone())?,
        None => Context::with_settings(global, &args.input, Some(&args.athena), settings)?,
    };
    let mut not_answered = Vec::new();
    let (mut answers, input) = match &hop {
        Some(h) => {
            let settings = h.settings(ctx.local().expect("a hop is read locally"));
            let ran = ctx.run_local_on(&slos, &h.sources, &settings)?;
            (ran.report, ran.input)
        }
        None if ctx.local().is_some() => {
            let ran = ctx.run_local(&slos, &ctx.window)?;
            (ran.report, ran.input)
        }
        // Athena counts one SLO over every request (queries/slo.sql)
        None => {
            let first = &slos.defs[0];
            if !first.endpoints.is_empty() {
                return Err(UsageError(format!(
                    "--engine athena judges an SLO over every request: SLO {:?} has an endpoints filter (use --engine local)",
                    first.name
                ))
                .into());
            }
            let Some(ran) = ctx.run(&Slo {
                config: first.config,
            })?
            else {
                return Ok(ExitStatus::Ok);
            };
            for d in &slos.defs[1..] {
                not_answered.push(NotAnswered {
                    name: d.name.clone(),
                    reason: "--engine athena answers the first SLO only: use --engine local for every SLO".into(),
                });
            }
            let only = Slos {
                defs: vec![first.clone()],
                windows: slos.windows[..1].to_vec(),
            };
            let counts = ran.report.counts;
            let mut answers = only.answers(std::slice::from_ref(&counts), &ctx.window, &ran.input);
            answers[0].report.counts = counts;
            (answers, ran.input)
        }
    };
    let measured = hop.map(|h| MeasuredAt {
        name: h.name,
        log_format: h.format,
    });
    for a in &mut answers {
        a.report.hop = measured.clone();
        a.report.input = input.clone();
    }
    let report = SlosReport {
        first: answers[0].report.clone(),
        slos: answers,
        slos_not_answered: not_answered,
    };
    ctx.emit(&report)?;
    let status = chart_and_status(&args, &report)?;
    Ok(ctx.outcome(status, &report.first.input))
}

/// How every `slo` answer ends, read raw or from the store: the chart of the first SLO when
/// asked, and the exit status over every SLO answered. Like the gate, it fails closed: no
/// data, or an input that broke off, is never a pass.
pub(super) fn chart_and_status(args: &SloArgs, report: &SlosReport) -> anyhow::Result<ExitStatus> {
    let first = &report.first;
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&first.window);
        let bucket = auto_bucket(axis.end - axis.start);
        let series = slo_series(&first.counts, axis.start, axis.end, bucket, first.target);
        chart::write_png(path, &chart::slo::figure_png(&series)?)?;
    }
    let unreadable = !first.input.source_errors.is_empty();
    let no_data = report.slos.iter().any(|a| a.report.success_rate.is_none());
    let breached = report.slos.iter().any(|a| !a.report.met);
    Ok(match args.fail_on_breach {
        false => ExitStatus::Ok,
        true if no_data || unreadable => ExitStatus::NoData,
        true if breached => ExitStatus::Breach,
        true => ExitStatus::Ok,
    })
}
