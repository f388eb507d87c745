//! The options every analysis shares (--source, --since/--until, --strict, --format) and
//! the step that turns them into parsed, windowed batches.

use std::io::IsTerminal;

use anyhow::Context as _;
use clap::Args;

use super::GlobalArgs;
use crate::config::Config;
use crate::error::ExitStatus;
use crate::error::UsageError;
use crate::frame::{load_frame, Col, ColumnSet, InputStats, LoadOptions};
use crate::metrics::common::{drop_excluded, exclusion_columns};
use crate::metrics::filter::ClientFilter;
use crate::metrics::slo::WindowInfo;
use crate::parse::Routes;
use crate::render::{Format, Style};
use crate::source::s3::{default_cache_dir, parse_url, ObjectStats, S3Context, S3Error, S3Options};
use crate::source::{discover, AwsSettings, Discovery, InputFile};
use crate::window::format_us;
use crate::window::Window;
use polars::prelude::{ChunkAgg, DataFrame};
use std::path::PathBuf;

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
    #[command(flatten)]
    pub s3: S3Args,
}

/// Options for `--source s3://bucket/prefix`, named as the aws CLI names them.
/// Tries per AWS request: the SDK's standard retry with backoff.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "S3 sources")]
pub struct S3Args {
    /// AWS profile (default: the SDK's chain: env, shared config, SSO, instance role)
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: from the profile or environment)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// S3-compatible endpoint, e.g. http://127.0.0.1:9000
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Path-style addressing (endpoint/bucket/key), for S3-compatible stores
    #[arg(long)]
    pub path_style: bool,
    /// Objects downloaded at once
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// Attempts per request, with backoff on throttling, 5XX and timeouts
    #[arg(long, default_value_t = DEFAULT_MAX_ATTEMPTS, value_name = "N")]
    pub max_attempts: u32,
    /// Cache folder for downloaded objects (keyed by bucket, key and ETag)
    #[arg(long, value_name = "DIR", env = "HOSP_LOGS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Download every object again; keep nothing on disk
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Exit 0 even when some objects could not be read (they are still named and counted)
    #[arg(long)]
    pub allow_partial: bool,
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
    /// Reader threads (S3: the download concurrency).
    pub readers: Option<usize>,
    /// The S3 client and what discovery listed, when a source is on S3.
    pub objects: Objects,
    pub allow_partial: bool,
    /// What --source (or the config) named, for finding files again for a wider window.
    pub sources: Vec<String>,
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
        // never list a whole bucket by accident: S3 windows default to the last 24 hours
        let mut window = window;
        if sources.iter().any(|s| s.starts_with("s3://")) && window.since_us.is_none() {
            window.since_us =
                Some(window.until_us.unwrap_or(now().timestamp_micros()) - 86_400_000_000);
        }
        let (found, objects) =
            find_files(&sources, &window, || S3Context::new(&s3_options(&args.s3)))?;
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
            readers: objects.as_ref().map(|_| args.s3.concurrency.max(1)),
            objects,
            allow_partial: args.s3.allow_partial,
            exclude: ClientFilter::new(&config.exclude.user_agents, &config.exclude.client_cidrs)?,
            config,
            sources,
        })
    }

    pub fn load_options(&self, columns: ColumnSet) -> LoadOptions<'_> {
        LoadOptions {
            columns,
            window: self.window,
            strict: self.strict,
            routes: &self.routes,
            threads: self.threads,
            readers: self.readers,
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
        let cols = columns
            .with(Col::Time)
            .union(exclusion_columns(&self.exclude));
        let (df, stats) = load_frame(&self.files, &self.load_options(cols))?;
        let stats = self.finish_stats(stats);
        warn_about_input(global, &stats);
        inspect(&df)?;
        let (df, excluded) = drop_excluded(df, &self.exclude)?;
        self.loaded(df, stats, excluded)
    }

    /// Like `frame`, but keeps every request: the config's [exclude] is not applied (security
    /// and audit must see all traffic; a user agent can be spoofed).
    pub fn frame_all(&self, global: &GlobalArgs, columns: ColumnSet) -> anyhow::Result<Loaded> {
        let (df, stats) = load_frame(&self.files, &self.load_options(columns.with(Col::Time)))?;
        let stats = self.finish_stats(stats);
        warn_about_input(global, &stats);
        self.loaded(df, stats, 0)
    }

    /// Reads from `since_us` on (before the window, for a baseline): the files are found
    /// again for the wider window. The caller splits the frame at the old start.
    pub fn widen_since(&mut self, since_us: i64) -> anyhow::Result<()> {
        self.window.since_us = Some(since_us);
        let ctx = self
            .objects
            .as_ref()
            .map(|(ctx, _)| std::sync::Arc::clone(ctx));
        let (found, objects) = find_files(&self.sources, &self.window, || {
            ctx.ok_or_else(|| S3Error::Runtime("no S3 client".into()))
        })?;
        self.objects = objects;
        self.files = found.files;
        self.stats.pruned_files = found.pruned;
        self.stats.skipped_files = found.skipped.len();
        Ok(())
    }

    /// Wraps a frame with its window: `window`'s bounds, else from the first request's second
    /// to the second after the last one (as in `slo`).
    fn loaded(&self, df: DataFrame, stats: InputStats, excluded: u64) -> anyhow::Result<Loaded> {
        let window = &self.window;
        let t = df
            .column(Col::Time.name())?
            .cast(&polars::prelude::DataType::Int64)?;
        let t = t.i64()?;
        const SEC: i64 = 1_000_000;
        let start = window.since_us.or(t.min().map(|m| m.div_euclid(SEC) * SEC));
        let end = window
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
        if let Some((ctx, listed)) = &self.objects {
            let mut os = listed.clone();
            ctx.finish(&mut os);
            loaded.pruned_files += os.pruned as usize;
            loaded.skipped_files += os.skipped as usize;
            loaded.objects = Some(os);
        }
        loaded
    }

    /// Wraps an analysis' report with the frame's window and input accounting, and prints it.
    pub fn publish<T: crate::render::Report>(
        &self,
        report: T,
        loaded: Loaded,
        format: Format,
    ) -> anyhow::Result<crate::render::analysis::Analysis<T>> {
        let out = crate::render::analysis::Analysis {
            report,
            window: loaded.window,
            excluded: loaded.excluded,
            input: loaded.stats,
        };
        emit(&out, format, self.style)?;
        Ok(out)
    }

    /// A command's exit status, turned into a runtime failure when S3 objects could not be
    /// read and --allow-partial was not given (the output still names them).
    pub fn outcome(&self, status: ExitStatus, stats: &InputStats) -> ExitStatus {
        let failed = stats
            .source_errors
            .iter()
            .filter(|e| e.source.starts_with("s3://"))
            .count();
        if failed > 0 && !self.allow_partial && status != ExitStatus::NoData {
            eprintln!(
                "hosp-logs: error: {failed} S3 object(s) could not be read; the results above are partial (--allow-partial accepts that)"
            );
            return ExitStatus::Failure;
        }
        status
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

type Objects = Option<(std::sync::Arc<S3Context>, ObjectStats)>;

/// Local files and S3 objects the window needs; the S3 client is made only when asked for.
fn find_files(
    sources: &[String],
    window: &Window,
    s3_client: impl FnOnce() -> Result<std::sync::Arc<S3Context>, S3Error>,
) -> anyhow::Result<(Discovery, Objects)> {
    let (s3_urls, local): (Vec<&String>, Vec<&String>) =
        sources.iter().partition(|s| s.starts_with("s3://"));
    let local: Vec<String> = local.into_iter().cloned().collect();
    let mut found = if local.is_empty() {
        Discovery::default()
    } else {
        discover(&local, window)?
    };
    if s3_urls.is_empty() {
        return Ok((found, None));
    }
    let ctx = s3_client()?;
    let mut os = ObjectStats::default();
    for url in s3_urls {
        let (bucket, prefix) = parse_url(url).ok_or_else(|| S3Error::BadUrl(url.clone()))?;
        found.files.extend(ctx.discover(
            &bucket,
            &prefix,
            window,
            now().timestamp_micros(),
            &mut os,
        )?);
    }
    Ok((found, Some((ctx, os))))
}

pub fn s3_options(a: &S3Args) -> S3Options {
    S3Options {
        aws: AwsSettings {
            profile: a.profile.clone(),
            region: a.region.clone(),
            endpoint_url: a.endpoint_url.clone(),
            max_attempts: a.max_attempts,
        },
        path_style: a.path_style,
        cache_dir: if a.no_cache {
            None
        } else {
            a.cache_dir.clone().or_else(default_cache_dir)
        },
    }
}
