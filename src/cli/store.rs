//! `hosp-logs store info|prune`, and the analyses answered from the store (`slo --store DIR`,
//! `latency --store DIR`, …): [`analyse`] is the one place an analysis command answers from
//! it.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::athena::AthenaArgs;
use super::collect::{collect_into, fingerprint, store_dir, StoreArgs};
use super::context::{emit, Context, Settings};
use super::input::InputArgs;
use super::report::{assemble, draw, Built, Parts, ReportArgs};
use super::slo::SloArgs;
use super::GlobalArgs;
use crate::engine::stats::StoreInput;
use crate::engine::{Analysis, AthenaPlan, Finish, InputStats, Ran, Seen};
use crate::error::{ExitStatus, UsageError};
use crate::format::FormatId;
use crate::metrics::backends::Backends;
use crate::metrics::daily::StatusClassesOverTime;
use crate::metrics::errors::{Errors, ErrorsConfig};
use crate::metrics::latency::{Latency, LatencyConfig, LatencyField};
use crate::metrics::security::{Security, Severity};
use crate::metrics::slo::{compute_with, MeasuredAt};
use crate::metrics::slos::{NotAnswered, SloAnswer, SloDef, Slos, SlosReport};
use crate::metrics::traffic::Traffic;
use crate::render::{Document, Format, Report, Section, Style};
use crate::store::kept::{self, FromStore};
use crate::store::{self, slo as store_slo, Info, Store};
use crate::window::{parse_duration, Window};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// The store's objects, minutes, size, first and last minute, and complete_through
    Info {
        /// The store's folder (default: config [store] path, else the XDG data folder's)
        #[arg(long = "store", value_name = "DIR")]
        store: Option<PathBuf>,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Move a damaged store aside (store.sqlite.broken-TIME) and collect again from the
    /// sources (--source, else the config's [source] paths and [[hops]])
    Rebuild(Box<super::collect::CollectArgs>),
    /// Remove the objects (with their rows) whose last minute is older than --keep
    Prune {
        #[arg(long = "store", value_name = "DIR")]
        store: Option<PathBuf>,
        /// Keep this much history back from now (400d, 8w)
        #[arg(long, value_name = "DURATION")]
        keep: String,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

impl Report for Info {
    fn document(&self) -> Document {
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        Document {
            title: "Store".into(),
            summary: vec![
                ("store".into(), self.store.clone()),
                ("schema version".into(), self.schema_version.to_string()),
                ("objects".into(), self.objects.to_string()),
                ("requests".into(), self.requests.to_string()),
                ("minutes".into(), self.minutes.to_string()),
                ("size".into(), format!("{} bytes", self.size_bytes)),
                ("first minute".into(), opt(&self.first_minute)),
                ("last minute".into(), opt(&self.last_minute)),
                ("complete through".into(), opt(&self.complete_through)),
                ("late rows".into(), self.late_rows.to_string()),
                (
                    "keeps".into(),
                    if self.keep.is_empty() {
                        "-".into()
                    } else {
                        self.keep.join(", ")
                    },
                ),
            ],
            sections: vec![Section {
                title: "Bytes".into(),
                headers: vec!["part".into(), "bytes".into()],
                rows: (self
                    .bytes
                    .tables
                    .iter()
                    .map(|(t, n)| (format!("table {t}"), n)))
                .chain(
                    self.bytes
                        .packs
                        .iter()
                        .map(|(f, n)| (format!("packs {f}"), n)),
                )
                .map(|(p, n)| vec![p, n.to_string()])
                .collect(),
            }],
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
struct Pruned {
    store: String,
    removed_objects: u64,
    kept_from: String,
}

impl Report for Pruned {
    fn document(&self) -> Document {
        Document {
            title: "Store pruned".into(),
            summary: vec![
                ("store".into(), self.store.clone()),
                ("objects removed".into(), self.removed_objects.to_string()),
                ("kept from".into(), self.kept_from.clone()),
            ],
            sections: Vec::new(),
            notes: Vec::new(),
        }
    }
}

pub fn run(global: &GlobalArgs, command: StoreCommand) -> anyhow::Result<ExitStatus> {
    let settings = Settings::load(global.config.as_deref())?;
    match command {
        StoreCommand::Rebuild(args) => {
            let dir = store_dir(args.store.as_ref(), &settings)?;
            let wait = super::collect::wait(&args.wait)?;
            // refused before the store is moved aside
            super::collect::keep(args.keep.as_deref(), &settings)?;
            let stamp = super::input::now().format("%Y%m%dT%H%M%SZ").to_string();
            let moved = store::move_aside(&dir, &stamp, wait)?;
            if !global.quiet {
                if let Some(m) = moved {
                    eprintln!("hosp-logs: the old store is now {}", m.display());
                }
            }
            return super::collect::run(global, *args);
        }
        StoreCommand::Info { store, format } => {
            let dir = store_dir(store.as_ref(), &settings)?;
            let info = Store::open_read(&dir)?.info()?;
            emit(&info, format, Style::detect())?;
        }
        StoreCommand::Prune {
            store,
            keep,
            format,
        } => {
            let dir = store_dir(store.as_ref(), &settings)?;
            let keep_us = parse_duration(&keep).filter(|d| *d > 0).ok_or_else(|| {
                UsageError(format!("--keep {keep:?}: expected a duration such as 400d"))
            })?;
            let from_us = super::input::now().timestamp_micros() - keep_us;
            let from_min = from_us.div_euclid(60_000_000);
            // pruning writes: it waits for a collect like a collect does
            let mut s = Store::open_collect(&dir, std::time::Duration::from_secs(10))?;
            let removed = s.prune(from_min)?;
            emit(
                &Pruned {
                    store: dir.display().to_string(),
                    removed_objects: removed,
                    kept_from: store::minute_text(from_min),
                },
                format,
                Style::detect(),
            )?;
        }
    }
    Ok(ExitStatus::Ok)
}

/// What every answer from the store starts with: the window, the store opened (after
/// collecting `--source`'s unseen objects first, when given) and checked against the
/// settings, the format answered over.
struct Prepared {
    window: Window,
    settings: Settings,
    store: Store,
    format: Option<FormatId>,
    ingested: u64,
    /// With --source: the objects it named, only (as a raw read of them would be).
    only: Option<Vec<i64>>,
}

/// Opens the store at `dir` for an answer (see [`Prepared`]). `hop`: the hop `slo` judges;
/// `needs`: the analysis answered and the kept partials it reads (with --source, an analysis
/// the config's `[store] keep` does not keep is refused before anything is collected).
#[allow(clippy::too_many_arguments)]
fn prepare(
    global: &GlobalArgs,
    input: &InputArgs,
    athena: Option<&AthenaArgs>,
    settings: Settings,
    dir: &Path,
    hop: Option<&super::hops::HopSpec>,
    slo: crate::metrics::slo::SloConfig,
    window: Window,
    needs: (&str, &[&str]),
) -> anyhow::Result<Prepared> {
    if athena.is_some_and(|a| a.engine == super::athena::Engine::Athena) {
        return Err(UsageError(
            "--engine athena reads the Athena table, not the store: add --no-store".into(),
        )
        .into());
    }
    let mut ingested = 0;
    let mut only = None;
    let settings = if input.sources.is_empty() {
        settings
    } else {
        let keep = super::collect::keep(None, &settings)?;
        let (analysis, keys) = needs;
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| !keep.keeps(k))
            .map(|k| format!("{:?}", kept::keep_name(k)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            return Err(UsageError(format!(
                "{analysis} reads the {} partials, which the config's [store] keep ({}) does not keep: add them to it (then `hosp-logs store rebuild`), or add --no-store",
                missing.join(", "),
                keep.names().join(", ")
            ))
            .into());
        }
        let ctx = Context::with_sources(global, input, settings, input.sources.clone())?;
        let summary = collect_into(
            &ctx,
            dir,
            &input.sources,
            slo,
            &keep,
            input.nginx_log_format.as_deref(),
            std::time::Duration::from_secs(10),
        )?;
        ingested = summary.objects.ingested;
        only = Some(summary.object_ids.clone());
        if !summary.failed.is_empty() && !input.s3.allow_partial {
            return Err(anyhow::anyhow!(
                "{} input(s) could not be read whole; the store answers without them only with --allow-partial",
                summary.failed.len()
            ));
        }
        ctx.settings
    };
    let store = Store::open_read(dir)?;
    let format = which_format(&store, &settings, input, hop, only.as_deref())?;
    if let Some(f) = format {
        let held = store.formats()?;
        if !held.iter().any(|n| n == f.name()) && !global.quiet {
            // an empty answer would read as an outage: say what the store holds instead
            eprintln!(
                "hosp-logs: warning: the store {} holds no {} logs (it holds: {}); collect them \
                 (`hosp-logs collect`), or answer over another format (--hop NAME, --log-format)",
                dir.display(),
                f.name(),
                if held.is_empty() {
                    "nothing".to_string()
                } else {
                    held.join(", ")
                }
            );
        }
    }
    Ok(Prepared {
        window,
        settings,
        store,
        format,
        ingested,
        only,
    })
}

/// The input accounting of an answer from the store.
fn store_input(p: &Prepared, read: &store_slo::Read, dir: &Path) -> anyhow::Result<InputStats> {
    let complete_through = match p.format {
        Some(f) => p.store.complete_through(Some(f.name()))?,
        None => None,
    };
    Ok(InputStats {
        files: read.objects as usize,
        bytes: read.bytes,
        lines: read.lines,
        malformed: read.malformed,
        parsed: read.lines - read.malformed,
        blank_lines: read.blank_lines,
        header_lines: read.header_lines,
        formats: p
            .format
            .map(|f| [(f.name().to_string(), read.objects as usize)].into())
            .unwrap_or_default(),
        store: Some(StoreInput {
            path: dir.display().to_string(),
            objects: read.objects,
            ingested: p.ingested,
            complete_through: complete_through.map(store::minute_text),
            late_rows: read.late_rows,
        }),
        ..InputStats::default()
    })
}

/// How every answer from the store ends: the minutes it covered recorded (rows collected into
/// them later are late), malformed lines said.
fn answered(global: &GlobalArgs, store: &Store, window_end: Option<&str>, input: &InputStats) {
    if let Some(end) = window_end.and_then(|e| {
        chrono::DateTime::parse_from_rfc3339(e)
            .ok()
            .map(|t| t.timestamp_micros())
    }) {
        // a store this user may read but not write still answers; its late_rows then
        // count from the last answer that could record itself
        if let Err(e) = store.mark_answered((end + 59_999_999).div_euclid(60_000_000)) {
            if !global.quiet {
                eprintln!("hosp-logs: warning: {e}: this answer is not recorded for late_rows");
            }
        }
    }
    if !global.quiet && input.malformed > 0 {
        eprintln!(
            "hosp-logs: warning: {} of {} lines of the objects read were malformed and left out when they were collected",
            input.malformed, input.lines
        );
    }
}

/// An analysis command, answered from the store when one is chosen (`--store`, else the
/// config's `[store]`, unless `--no-store`), else read as before: `make` builds the analysis
/// for the window, `draw` its chart. With [`analyse_local`], the one place every analysis
/// answers from the store.
pub fn analyse<A>(
    global: &GlobalArgs,
    input: &InputArgs,
    athena: &AthenaArgs,
    store_args: &StoreArgs,
    make: impl FnOnce(&Window) -> anyhow::Result<A>,
    chart: Option<&Path>,
    draw: impl FnOnce(&Ran<A::Report>) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<ExitStatus>
where
    A: AthenaPlan + FromStore,
    A::Partial: serde::de::DeserializeOwned,
    A::Report: Report,
{
    let settings = Settings::load(global.config.as_deref())?;
    let Some(dir) = store_args.answer_from(&settings) else {
        let ctx = Context::with_settings(global, input, Some(athena), settings)?;
        let analysis = make(&ctx.window)?;
        return super::analyse(&ctx, &analysis, chart, draw);
    };
    from_store(
        global,
        input,
        Some(athena),
        settings,
        &dir,
        make,
        chart,
        draw,
    )
}

/// [`analyse`] for an analysis that reads logs locally only (no `--engine athena`).
pub fn analyse_local<A>(
    global: &GlobalArgs,
    input: &InputArgs,
    store_args: &StoreArgs,
    make: impl FnOnce(&Window) -> anyhow::Result<A>,
    chart: Option<&Path>,
    draw: impl FnOnce(&Ran<A::Report>) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<ExitStatus>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
    A::Report: Report,
{
    let settings = Settings::load(global.config.as_deref())?;
    let Some(dir) = store_args.answer_from(&settings) else {
        let ctx = Context::with_settings(global, input, None, settings)?;
        let analysis = make(&ctx.window)?;
        let ran = ctx.run_local(&analysis, &ctx.window)?;
        return super::present(&ctx, &ran, chart, draw);
    };
    from_store(global, input, None, settings, &dir, make, chart, draw)
}

/// The analysis answered from the store at `dir`, printed, its chart drawn when asked.
#[allow(clippy::too_many_arguments)]
fn from_store<A>(
    global: &GlobalArgs,
    input: &InputArgs,
    athena: Option<&AthenaArgs>,
    settings: Settings,
    dir: &Path,
    make: impl FnOnce(&Window) -> anyhow::Result<A>,
    chart: Option<&Path>,
    draw: impl FnOnce(&Ran<A::Report>) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<ExitStatus>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
    A::Report: Report,
{
    let (ran, _) = run_from_store(global, input, athena, settings, dir, make)?;
    emit(&ran, input.format, Style::detect())?;
    if let Some(path) = chart {
        crate::render::chart::write_png(path, &draw(&ran)?)?;
    }
    Ok(ExitStatus::Ok)
}

/// The analysis `make` builds, run from the store at `dir` (collecting `--source`'s unseen
/// objects first): its finished run, and the analysis.
pub fn run_from_store<A>(
    global: &GlobalArgs,
    input: &InputArgs,
    athena: Option<&AthenaArgs>,
    settings: Settings,
    dir: &Path,
    make: impl FnOnce(&Window) -> anyhow::Result<A>,
) -> anyhow::Result<(Ran<A::Report>, A)>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
{
    run_from_store_with(global, input, athena, settings, dir, make, |_, _, _| Ok(()))
}

/// Where an answer from the store reads: what [`run_from_store_with`]'s `more` is given.
pub struct Loaded<'a> {
    pub store: &'a Store,
    /// The format answered over.
    pub format: &'a str,
    /// With --source: the objects it named, only.
    pub only: Option<&'a [i64]>,
    /// The window answered.
    pub window: &'a Window,
}

impl Loaded<'_> {
    /// Another kept analysis' partial over `window`, checked as the answer's own is.
    pub fn load<B>(&self, analysis: &B, window: &Window) -> anyhow::Result<B::Partial>
    where
        B: FromStore,
        B::Partial: serde::de::DeserializeOwned,
    {
        kept::check_kind(self.store, analysis.store_key())?;
        analysis.check(self.store)?;
        Ok(kept::load(self.store, analysis, self.format, window, self.only)?.0)
    }
}

/// [`run_from_store`], with `more` adding to the window's partial before it is finished
/// (`security`: its baseline period, loaded from the store apart).
pub fn run_from_store_with<A>(
    global: &GlobalArgs,
    input: &InputArgs,
    athena: Option<&AthenaArgs>,
    settings: Settings,
    dir: &Path,
    make: impl FnOnce(&Window) -> anyhow::Result<A>,
    more: impl FnOnce(&A, &mut A::Partial, &Loaded<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<(Ran<A::Report>, A)>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
{
    let slo = settings.slo(None, None)?;
    // the analysis' own settings first: nothing is collected for an answer refused
    let window = Window::parse(
        input.since.as_deref(),
        input.until.as_deref(),
        super::input::now(),
    )?;
    let analysis = make(&window)?;
    if let Some(reason) = analysis.refused() {
        return Err(UsageError(reason).into());
    }
    let p = prepare(
        global,
        input,
        athena,
        settings,
        dir,
        None,
        slo,
        window,
        (analysis.name(), &[analysis.store_key()]),
    )?;
    let print = super::collect::kept_fingerprint(&p.settings);
    p.store.check_kept_settings(&print)?;
    if let Some(config) = analysis.slo() {
        let print = fingerprint(&p.settings, &config);
        p.store
            .check_settings(&print, &store_slo::describe_fingerprint(&print))?;
    }
    let (partial, seen, read) = match p.format {
        Some(f) => {
            let formats = super::context::format_settings(
                &p.settings.config,
                input.nginx_log_format.as_deref(),
            )?;
            crate::engine::check_roles(
                analysis.name(),
                analysis.required(),
                &crate::format::FileFormat::for_file(f, &[], &formats),
            )?;
            kept::check_kind(&p.store, analysis.store_key())?;
            analysis.check(&p.store)?;
            let mut loaded =
                kept::load(&p.store, &analysis, f.name(), &p.window, p.only.as_deref())?;
            let at = Loaded {
                store: &p.store,
                format: f.name(),
                only: p.only.as_deref(),
                window: &p.window,
            };
            more(&analysis, &mut loaded.0, &at)?;
            loaded
        }
        None => (analysis.partial(), Default::default(), Default::default()),
    };
    let input_stats = store_input(&p, &read, dir)?;
    let end = Finish {
        window: p.window,
        seen,
    };
    let ran = Ran {
        report: analysis.finish(partial, &end),
        window: end.window_info(),
        excluded: seen.excluded,
        input: input_stats,
    };
    answered(global, &p.store, ran.window.end.as_deref(), &ran.input);
    Ok((ran, analysis))
}

/// `slo` answered from the store at `dir`: with --source, the objects the store has not seen
/// are collected first. The store keeps the first SLO's counts (its latency threshold, every
/// request): every SLO those counts answer is answered, the others are said not answered.
pub fn slo(
    global: &GlobalArgs,
    args: &SloArgs,
    slos: Slos,
    settings: Settings,
    dir: PathBuf,
    hop: Option<super::hops::HopSpec>,
) -> anyhow::Result<ExitStatus> {
    let first = &slos.defs[0];
    if !first.endpoints.is_empty() {
        return Err(UsageError(format!(
            "the store keeps counts over every request: SLO {:?} has an endpoints filter, which it cannot answer; add --no-store (or list an SLO without one first)",
            first.name
        ))
        .into());
    }
    let config = first.config;
    let print = fingerprint(&settings, &config);
    let window = Window::parse(
        args.input.since.as_deref(),
        args.input.until.as_deref(),
        super::input::now(),
    )?;
    let p = prepare(
        global,
        &args.input,
        Some(&args.athena),
        settings,
        &dir,
        hop.as_ref(),
        config,
        window,
        ("slo", &[]),
    )?;
    let window = p.window;
    for t in [window.since_us, window.until_us].into_iter().flatten() {
        if t % 1_000_000 != 0 {
            return Err(UsageError(
                "the store keeps whole seconds: give --since/--until in whole seconds, or add --no-store"
                    .into(),
            )
            .into());
        }
    }
    p.store
        .check_settings(&print, &store_slo::describe_fingerprint(&print))?;
    // an SLO that needs other counts is said not answered, never answered wrong
    let answerable = |d: &SloDef| -> Option<String> {
        if !d.endpoints.is_empty() {
            Some(
                "the store keeps counts over every request, not per endpoint: add --no-store"
                    .into(),
            )
        } else if d.config.latency_threshold_ms != config.latency_threshold_ms {
            Some(format!(
                "the store's counts are for {}, this SLO's for {}: add --no-store",
                threshold_text(config.latency_threshold_ms),
                threshold_text(d.config.latency_threshold_ms)
            ))
        } else {
            None
        }
    };
    let mut loaded = Vec::new();
    let mut not_answered = Vec::new();
    let mut read = store_slo::Read::default();
    for (i, d) in slos.defs.iter().enumerate() {
        if let Some(reason) = answerable(d) {
            not_answered.push(NotAnswered {
                name: d.name.clone(),
                reason,
            });
            continue;
        }
        let w = slos.window_of(i, &window);
        let (counts, r) = match p.format {
            Some(f) => store_slo::load_with(&p.store, f.name(), &w, p.only.as_deref(), &d.alerts)?,
            None => Default::default(),
        };
        if i == 0 {
            read = r;
        }
        loaded.push((i, counts));
    }
    let input = store_input(&p, &read, &dir)?;
    let measured = hop.map(|h| MeasuredAt {
        name: h.name,
        log_format: h.format,
    });
    let answers: Vec<SloAnswer> = loaded
        .into_iter()
        .map(|(i, counts)| {
            let d = &slos.defs[i];
            let mut r = compute_with(
                &counts,
                &slos.window_of(i, &window),
                &d.config,
                &d.alerts,
                input.clone(),
            );
            r.counts = counts;
            r.slo_window = slos.windows[i].clone();
            r.hop = measured.clone();
            SloAnswer::new(d, r)
        })
        .collect();
    if !global.quiet {
        for n in &not_answered {
            eprintln!(
                "hosp-logs: warning: SLO {} is not answered from the store: {}",
                n.name, n.reason
            );
        }
    }
    let report = SlosReport {
        first: answers[0].report.clone(),
        slos: answers,
        slos_not_answered: not_answered,
    };
    answered(
        global,
        &p.store,
        report.first.window.end.as_deref(),
        &report.first.input,
    );
    emit(&report, args.input.format, Style::detect())?;
    super::slo::chart_and_status(args, &report)
}

fn threshold_text(ms: Option<f64>) -> String {
    match ms {
        Some(ms) => format!("a latency threshold of {ms} ms"),
        None => "no latency threshold".into(),
    }
}

/// The format whose objects an answer reads: the hop's, else --log-format (config [source]
/// log_format), else the only one of the objects `only` (--source's) or of the store. None
/// for an empty store.
fn which_format(
    store: &Store,
    settings: &Settings,
    input: &InputArgs,
    hop: Option<&super::hops::HopSpec>,
    only: Option<&[i64]>,
) -> anyhow::Result<Option<FormatId>> {
    if let Some(h) = hop {
        return Ok(Some(h.format));
    }
    if let Some(f) = input
        .log_format
        .or(settings.config.source.log_format)
        .and_then(|f| f.fixed())
    {
        return Ok(Some(f));
    }
    let formats = match only {
        Some(ids) => store.formats_of(ids)?,
        None => store.formats()?,
    };
    let known: Vec<FormatId> = FormatId::ALL
        .into_iter()
        .filter(|f| formats.iter().any(|n| n == f.name()))
        .collect();
    match known.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(UsageError(format!(
            "the store holds {} logs: an answer reads one format, pass --log-format {}",
            many.iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(" and "),
            many.iter().map(|f| f.name()).collect::<Vec<_>>().join("|"),
        ))
        .into()),
    }
}

/// One kept analysis' partial over the prepared window, checked first (its store settings,
/// its kind held by every object).
fn load_kept<A>(
    p: &Prepared,
    analysis: &A,
    format: FormatId,
) -> anyhow::Result<(A::Partial, Seen, store_slo::Read)>
where
    A: FromStore,
    A::Partial: serde::de::DeserializeOwned,
{
    kept::check_kind(&p.store, analysis.store_key())?;
    analysis.check(&p.store)?;
    Ok(kept::load(
        &p.store,
        analysis,
        format.name(),
        &p.window,
        p.only.as_deref(),
    )?)
}

/// `report` answered from the store at `dir`: every analysis of the report from its kept
/// partials, the SLOs from the store's counts. What the store cannot answer is refused
/// before anything is collected: an SLO other than the store's counts answer (an endpoints
/// filter, another latency threshold), and the Path section of the config's `[[hops]]`
/// (it joins the hops request by request, which the store does not keep).
pub fn report(
    global: &GlobalArgs,
    args: &ReportArgs,
    settings: Settings,
    dir: &Path,
) -> anyhow::Result<Built> {
    let defs = args.slo.defs(&settings)?;
    let cfg = defs[0].config;
    for d in &defs {
        if !d.endpoints.is_empty() {
            return Err(UsageError(format!(
                "the store keeps counts over every request: SLO {:?} has an endpoints filter, which the report from the store cannot answer; add --no-store",
                d.name
            ))
            .into());
        }
        if d.config.latency_threshold_ms != cfg.latency_threshold_ms {
            return Err(UsageError(format!(
                "the store keeps the counts of one latency threshold: SLO {:?} has {}, the first SLO {}; add --no-store",
                d.name,
                threshold_text(d.config.latency_threshold_ms),
                threshold_text(cfg.latency_threshold_ms)
            ))
            .into());
        }
    }
    // the Path section joins the hops request by request: said not answered, never guessed
    let path_not_answered =
        (!super::hops::configured(&settings, args.input.nginx_log_format.as_deref())?.is_empty())
            .then(|| {
                "the Path section joins the config's [[hops]] request by request (by trace id), which the store does not keep; `hosp-logs report --no-store` reads the logs for it".to_string()
            });
    // the Migration section reads each system in its own format: said not answered too
    let migration_not_answered =
        (!super::migration::configured(&settings, args.input.nginx_log_format.as_deref())?.is_empty())
            .then(|| {
                "the Migration section reads each of the config's [[systems]] in its own format, which the store does not keep; `hosp-logs report --no-store` reads the logs for it".to_string()
            });
    let window = Window::parse(
        args.input.since.as_deref(),
        args.input.until.as_deref(),
        super::input::now(),
    )?;
    for t in [window.since_us, window.until_us].into_iter().flatten() {
        if t % 1_000_000 != 0 {
            return Err(UsageError(
                "the store keeps whole seconds: give --since/--until in whole seconds, or add --no-store"
                    .into(),
            )
            .into());
        }
    }
    let plan = super::errors::plan_in(&window, args.bucket.as_deref())?;
    let security = Security::overall(settings.security.clone(), Severity::Low, window.until_us);
    let errors = Errors {
        config: ErrorsConfig {
            include_4xx: false,
            slow_ms: 1000.0,
            top: args.top.max(10),
        },
        plan,
    };
    let latency = Latency {
        config: LatencyConfig {
            field: LatencyField::Total,
            top: args.top,
        },
        plan,
    };
    let backends = Backends { plan };
    let traffic = Traffic {
        top: args.top,
        plan,
    };
    let classes = StatusClassesOverTime { plan };
    let slos = Slos::new(defs);
    let needs = [
        security.store_key(),
        errors.store_key(),
        latency.store_key(),
        backends.store_key(),
        traffic.store_key(),
        classes.store_key(),
    ];
    let p = prepare(
        global,
        &args.input,
        None,
        settings,
        dir,
        None,
        cfg,
        window,
        ("the report", &needs),
    )?;
    kept::check_kinds(&p.store, &needs, "the report")?;
    p.store
        .check_kept_settings(&super::collect::kept_fingerprint(&p.settings))?;
    let print = fingerprint(&p.settings, &cfg);
    p.store
        .check_settings(&print, &store_slo::describe_fingerprint(&print))?;
    let end = |seen| Finish {
        window: p.window,
        seen,
    };
    let (parts, seen, read) = match p.format {
        Some(f) => {
            let formats = super::context::format_settings(
                &p.settings.config,
                args.input.nginx_log_format.as_deref(),
            )?;
            let required = [
                slos.required(),
                security.required(),
                errors.required(),
                latency.required(),
                backends.required(),
                traffic.required(),
                classes.required(),
            ]
            .into_iter()
            .fold(crate::format::RoleSet::EMPTY, |a, b| a.union(b));
            crate::engine::check_roles(
                slos.name(),
                required,
                &crate::format::FileFormat::for_file(f, &[], &formats),
            )?;
            let (e, seen, read) = load_kept(&p, &errors, f)?;
            let end = end(seen);
            let mut counts = Vec::new();
            for d in &slos.defs {
                let (c, _) = store_slo::load_with(
                    &p.store,
                    f.name(),
                    &p.window,
                    p.only.as_deref(),
                    &d.alerts,
                )?;
                counts.push(c);
            }
            let parts = Parts {
                slos: slos.finish(counts, &end),
                security: security.finish(load_kept(&p, &security, f)?.0, &end),
                errors: errors.finish(e, &end),
                latency: latency.finish(load_kept(&p, &latency, f)?.0, &end),
                backends: backends.finish(load_kept(&p, &backends, f)?.0, &end),
                traffic: traffic.finish(load_kept(&p, &traffic, f)?.0, &end),
                status_classes: classes.finish(load_kept(&p, &classes, f)?.0, &end),
            };
            (parts, seen, read)
        }
        None => {
            let end = end(Seen::default());
            let parts = Parts {
                slos: slos.finish(slos.partial(), &end),
                security: security.finish(security.partial(), &end),
                errors: errors.finish(errors.partial(), &end),
                latency: latency.finish(latency.partial(), &end),
                backends: backends.finish(backends.partial(), &end),
                traffic: traffic.finish(traffic.partial(), &end),
                status_classes: classes.finish(classes.partial(), &end),
            };
            (parts, Seen::default(), store_slo::Read::default())
        }
    };
    let input = store_input(&p, &read, dir)?;
    let mut report = assemble(parts, seen.excluded, input, &cfg);
    if let Some(why) = path_not_answered {
        if !global.quiet {
            eprintln!("hosp-logs: warning: the report from the store has no Path section: {why}");
        }
        report.path_not_answered = Some(why);
    }
    if let Some(why) = migration_not_answered {
        if !global.quiet {
            eprintln!(
                "hosp-logs: warning: the report from the store has no Migration section: {why}"
            );
        }
        report.migration_not_answered = Some(why);
    }
    answered(
        global,
        &p.store,
        report.window.end.as_deref(),
        &report.input,
    );
    draw(report, &cfg, args.top)
}
