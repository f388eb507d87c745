//! The options every analysis shares (--source, --since/--until, --strict, --format) and
//! the step that turns them into parsed, windowed batches.

use std::io::IsTerminal;

use anyhow::Context as _;
use clap::Args;

use super::GlobalArgs;
use crate::config::Config;
use crate::error::UsageError;
use crate::frame::{load_frame, Col, ColumnSet, InputStats, LoadOptions};
use crate::metrics::common::{drop_excluded, exclusion_columns};
use crate::metrics::filter::ClientFilter;
use crate::metrics::slo::WindowInfo;
use crate::parse::Routes;
use crate::render::{Format, Style};
use crate::source::{discover, InputFile};
use crate::window::format_us;
use crate::window::Window;
use polars::prelude::{ChunkAgg, DataFrame};

#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Logs to read: a file, a folder (recursive), a glob, or '-' for stdin; plain or gzip.
    /// Repeatable. Default: the config's [source] paths
    #[arg(short, long = "source", value_name = "PATH")]
    pub sources: Vec<String>,
    /// Start of the window: a duration back from now (90m, 24h, 7d) or an RFC 3339 time.
    /// Default: the first request
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// End of the window (exclusive), same forms as --since. Default: the last request
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Fail on the first malformed line or unreadable input instead of counting it
    #[arg(long)]
    pub strict: bool,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Worker threads (default: all cores)
    #[arg(long, env = "HOSP_LOGS_THREADS", value_name = "N")]
    pub threads: Option<usize>,
}

/// Everything a command needs before it reads: config, window, the files, output style.
pub struct Prepared {
    pub config: Config,
    pub window: Window,
    pub files: Vec<InputFile>,
    pub routes: Routes,
    pub stats: InputStats,
    pub style: Style,
    pub threads: usize,
    pub progress: bool,
    pub strict: bool,
    /// Non-user traffic from the config's [exclude].
    pub exclude: ClientFilter,
}

/// A parsed, windowed frame with non-user traffic removed, ready for an analysis.
pub struct Loaded {
    pub df: DataFrame,
    pub stats: InputStats,
    pub excluded: u64,
    pub window: WindowInfo,
    /// The window's length, for choosing time buckets.
    pub span_us: i64,
}

impl Prepared {
    pub fn new(global: &GlobalArgs, args: &InputArgs) -> anyhow::Result<Prepared> {
        let config = match &global.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let window = Window::parse(args.since.as_deref(), args.until.as_deref(), now())?;
        let mut sources = args.sources.clone();
        if sources.is_empty() {
            sources = config.source.paths.clone();
        }
        if sources.is_empty() {
            return Err(UsageError(
                "no logs to read: pass --source PATH (file, folder, glob or '-'), or set [source] paths in the config".into(),
            )
            .into());
        }
        let found = discover(&sources, &window)?;
        if global.verbose > 0 {
            for (path, why) in &found.skipped {
                eprintln!(
                    "hosp-logs: skipped {}: {why}",
                    crate::render::sanitize(path, 200)
                );
            }
        }
        let routes = Routes::new(&config.routes.templates)
            .map_err(|e| UsageError(format!("config [routes]: {e}")))?;
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let stats = InputStats {
            pruned_files: found.pruned,
            skipped_files: found.skipped.len(),
            ..InputStats::default()
        };
        Ok(Prepared {
            window,
            files: found.files,
            routes,
            stats,
            style: Style::detect(),
            threads,
            progress: !global.quiet && std::io::stderr().is_terminal(),
            strict: args.strict,
            exclude: ClientFilter::new(&config.exclude.user_agents, &config.exclude.client_cidrs)?,
            config,
        })
    }

    pub fn load_options(&self, columns: ColumnSet) -> LoadOptions<'_> {
        LoadOptions {
            columns,
            window: self.window,
            strict: self.strict,
            routes: &self.routes,
            threads: self.threads,
            progress: self.progress,
        }
    }

    /// Loads the projected columns (plus what the exclusions read) into one frame and drops
    /// the excluded traffic. Warns on stderr about lost input.
    pub fn frame(&self, global: &GlobalArgs, columns: ColumnSet) -> anyhow::Result<Loaded> {
        self.frame_with(global, columns, |_| Ok(()))
    }

    /// As `frame`, and first hands the whole frame, excluded traffic included, to `inspect`
    /// (the report folds its SLO counts there, so the files are read once).
    pub fn frame_with(
        &self,
        global: &GlobalArgs,
        columns: ColumnSet,
        inspect: impl FnOnce(&DataFrame) -> anyhow::Result<()>,
    ) -> anyhow::Result<Loaded> {
        let mut cols = columns.with(Col::Time);
        for c in exclusion_columns(&self.exclude) {
            cols = cols.with(*c);
        }
        let (df, stats) = load_frame(&self.files, &self.load_options(cols))?;
        let stats = self.finish_stats(stats);
        warn_about_input(global, &stats);
        inspect(&df)?;
        let (df, excluded) = drop_excluded(df, &self.exclude)?;
        let t = df
            .column(Col::Time.name())?
            .cast(&polars::prelude::DataType::Int64)?;
        let t = t.i64()?;
        // as in `slo`: from the first request's second to the second after the last one
        const SEC: i64 = 1_000_000;
        let start = self
            .window
            .since_us
            .or(t.min().map(|m| m.div_euclid(SEC) * SEC));
        let end = self
            .window
            .until_us
            .or(t.max().map(|m| (m.div_euclid(SEC) + 1) * SEC));
        let span_us = match (start, end) {
            (Some(s), Some(e)) => e - s,
            _ => 0,
        };
        Ok(Loaded {
            df,
            stats,
            excluded,
            window: WindowInfo {
                start: start.map(format_us),
                end: end.map(format_us),
            },
            span_us,
        })
    }

    /// Merges discovery counts into the loader's statistics.
    pub fn finish_stats(&self, mut loaded: InputStats) -> InputStats {
        loaded.pruned_files = self.stats.pruned_files;
        loaded.skipped_files = self.stats.skipped_files;
        loaded
    }
}

/// "now" for durations, whole seconds so windows line up with per-second counts.
/// HOSP_LOGS_NOW (RFC 3339) pins it, for tests and reproducible reports.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    if let Ok(text) = std::env::var("HOSP_LOGS_NOW") {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&text) {
            return t.with_timezone(&chrono::Utc);
        }
    }
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Warnings about lost input go to stderr, so stdout stays clean data.
pub fn warn_about_input(global: &GlobalArgs, stats: &InputStats) {
    if global.quiet {
        return;
    }
    use crate::render::sanitize;
    if stats.malformed > 0 {
        eprintln!(
            "hosp-logs: warning: {} of {} lines were malformed and left out (--strict to fail on them)",
            stats.malformed, stats.lines
        );
        for m in stats
            .malformed_samples
            .iter()
            .take(if global.verbose > 0 { 20 } else { 3 })
        {
            eprintln!(
                "  {}:{}: {}",
                sanitize(&m.source, 200),
                m.line,
                sanitize(&m.reason, 200)
            );
        }
    }
    for e in &stats.source_errors {
        eprintln!(
            "hosp-logs: warning: {}: {}",
            sanitize(&e.source, 200),
            sanitize(&e.reason, 200)
        );
    }
    if global.verbose > 0 {
        eprintln!(
            "hosp-logs: {} files, {} bytes, {} lines: {} parsed, {} malformed, {} outside the window",
            stats.files, stats.bytes, stats.lines, stats.parsed, stats.malformed, stats.out_of_window
        );
    }
}

/// Writes a report to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(
    report: &impl crate::render::Report,
    format: Format,
    style: Style,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let res = crate::render::write(report, format, style, &mut out).and_then(|_| {
        use std::io::Write;
        out.flush()
    });
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
