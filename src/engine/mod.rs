//! Where analyses run, and the one driver that runs them.
//!
//! An analysis ([`Analysis`]) is written once, as a mergeable partial: the roles it reads, a
//! partial result, a fold of one batch of requests into a partial, a merge of two partials, a
//! finish into its report. The local engine ([`local`]) folds batches as files are parsed, one
//! partial per thread, and merges them; the Athena engine ([`athena`]) runs the analysis' SQL
//! ([`AthenaPlan`]) and builds the same partial from the result rows. [`run`] does the engine
//! choice, the window and the input accounting for every analysis.

pub mod athena;
pub mod live;
pub mod local;
pub mod rolling;
pub mod stats;

use std::sync::Arc;

use crate::error::UsageError;
use crate::filter::ClientFilter;
use crate::format::{FileFormat, LogFormat, Request, RoleSet, Routes};
use crate::source::s3::{ObjectStats, S3Context};
use crate::source::InputFile;
use crate::window::{format_us, Window, WindowInfo};

pub use local::{LoadError, LoadOptions, Seen};
pub use stats::{FormatNote, InputStats, Malformed, SourceFailure, Unrecognised};

/// An analysis as a mergeable partial.
pub trait Analysis: Sync {
    /// What one thread (or one Athena result) has counted so far.
    type Partial: Send;
    type Report;

    /// The command's name, for messages.
    fn name(&self) -> &'static str;
    /// Roles without which the analysis cannot run: a format lacking one is refused before
    /// its lines are read.
    fn required(&self) -> RoleSet;
    /// Roles read when the format has them (tables that need them stay empty otherwise).
    fn optional(&self) -> RoleSet {
        RoleSet::EMPTY
    }
    /// Whether the config's `[exclude]` applies (security and audit see every request).
    fn excludes(&self) -> bool {
        true
    }
    fn partial(&self) -> Self::Partial;
    /// Folds one batch of in-window requests. Requests marked `excluded` are the config's
    /// non-user traffic: leave them out (the SLO counts them apart).
    fn fold(&self, part: &mut Self::Partial, batch: &[Request<'_>]);
    fn merge(&self, into: &mut Self::Partial, from: Self::Partial);
    fn finish(&self, part: Self::Partial, end: &Finish) -> Self::Report;
}

/// An analysis the Athena engine can run: its SQL, and its partial from the result rows.
pub trait AthenaPlan: Analysis {
    fn query(&self, sql: &athena::Sql) -> Result<athena::Query, UsageError>;
    /// The partial, and the requests the query kept apart (excluded, unparsed lines).
    fn partial_from_rows(
        &self,
        rows: &athena::ResultRows,
    ) -> anyhow::Result<(Self::Partial, athena::Apart)>;
}

/// What a finished analysis knows about the window it covered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Finish {
    /// The window asked for (either end may be open).
    pub window: Window,
    /// The requests the analysis saw (excluded traffic left out).
    pub seen: Seen,
}

const SEC: i64 = 1_000_000;

impl Finish {
    /// The window's bounds: `--since`/`--until` when given, else from the first request's
    /// second to the second after the last one.
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        let start = self
            .window
            .since_us
            .or(self.seen.first_us.map(|m| m.div_euclid(SEC) * SEC));
        let end = self
            .window
            .until_us
            .or(self.seen.last_us.map(|m| (m.div_euclid(SEC) + 1) * SEC));
        (start, end)
    }

    /// The window's length, for choosing time buckets (0 when nothing was seen).
    pub fn span_us(&self) -> i64 {
        match self.bounds() {
            (Some(s), Some(e)) => e - s,
            _ => 0,
        }
    }

    pub fn window_info(&self) -> WindowInfo {
        let (s, e) = self.bounds();
        WindowInfo {
            start: s.map(format_us),
            end: e.map(format_us),
        }
    }
}

/// An analysis' report with its window, its input accounting and the non-user traffic it
/// left out: what every analysis prints (its JSON has the report's keys at the top level).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ran<R> {
    #[serde(flatten)]
    pub report: R,
    pub window: WindowInfo,
    /// Requests left out as non-user traffic (config [exclude]).
    pub excluded: u64,
    pub input: InputStats,
}

/// Local inputs found for a window: the files, what discovery left out, the S3 client.
pub struct LocalInput {
    pub files: Vec<InputFile>,
    pub pruned: usize,
    pub skipped: usize,
    pub objects: Option<(Arc<S3Context>, ObjectStats)>,
}

/// How the local engine reads.
#[derive(Debug, Clone)]
pub struct LocalSettings {
    pub threads: usize,
    /// Inputs read at once (S3: the download concurrency).
    pub readers: Option<usize>,
    pub progress: bool,
    pub strict: bool,
    pub log_format: LogFormat,
    /// The config's settings for the formats that take some.
    pub formats: crate::format::FormatSettings,
    pub max_line_bytes: usize,
    pub max_inflate: local::InflateLimit,
    /// The clock (µs): times more than a day after it are not data.
    pub now_us: i64,
    /// Map plain local files instead of reading them (`--no-mmap`: false).
    pub mmap: bool,
}

impl LocalSettings {
    /// The loader's options for a window.
    pub fn load_options<'a>(
        &'a self,
        window: Window,
        routes: &'a Routes,
        required: Option<(&'a str, RoleSet)>,
        readers: Option<usize>,
    ) -> LoadOptions<'a> {
        LoadOptions {
            window,
            strict: self.strict,
            routes,
            threads: self.threads,
            readers: readers.or(self.readers),
            progress: self.progress,
            log_format: self.log_format,
            required,
            formats: &self.formats,
            max_line_bytes: self.max_line_bytes,
            max_inflate: self.max_inflate,
            now_us: self.now_us,
            mmap: self.mmap,
        }
    }
}

/// Everything an analysis run needs besides the analysis.
pub struct Job<'a> {
    pub window: Window,
    pub routes: &'a Routes,
    pub exclude: &'a ClientFilter,
}

impl LocalInput {
    /// Discovery's counts merged into the loader's statistics.
    pub fn finish_stats(&self, mut loaded: InputStats) -> InputStats {
        loaded.pruned_files = self.pruned;
        loaded.skipped_files = self.skipped;
        if let Some((ctx, listed)) = &self.objects {
            let mut os = listed.clone();
            ctx.finish(&mut os);
            loaded.pruned_files += os.pruned as usize;
            loaded.skipped_files += os.skipped as usize;
            loaded.objects = Some(os);
        }
        loaded
    }
}

/// Refuses a format that lacks a role the analysis needs (exit 2, both named).
pub fn check_roles(
    analysis: &str,
    required: RoleSet,
    format: &FileFormat,
) -> Result<(), UsageError> {
    let missing = required.minus(format.roles());
    if missing.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "`{analysis}` needs {} which {} do not have",
        missing.names(),
        format.logs(),
    )))
}

/// The sink that folds an analysis' requests: the roles it reads, and the config's
/// `[exclude]` marked when the analysis applies it (`none` otherwise).
pub fn fold_sink<'a, A: Analysis>(
    analysis: &'a A,
    job: &Job<'a>,
    none: &'a ClientFilter,
) -> local::FoldSink<'a, A> {
    let exclude = if analysis.excludes() {
        job.exclude
    } else {
        none
    };
    let mut roles = analysis.required().union(analysis.optional());
    if !exclude.is_empty() {
        roles = roles.union(exclude.roles());
    }
    local::FoldSink {
        analysis,
        roles,
        routes: job.routes,
        exclude,
    }
}

/// Runs an analysis on this machine: reads every input once, folding its requests into one
/// partial per thread, merges them and finishes the report.
pub fn run_local<A: Analysis>(
    analysis: &A,
    job: &Job<'_>,
    input: &LocalInput,
    settings: &LocalSettings,
) -> Result<Ran<A::Report>, LoadError> {
    let required = analysis.required();
    if let Some(id) = settings.log_format.fixed() {
        let format = FileFormat::for_file(id, &[], &settings.formats);
        check_roles(analysis.name(), required, &format)?;
    }
    let opts = settings.load_options(
        job.window,
        job.routes,
        Some((analysis.name(), required)),
        None,
    );
    let none = ClientFilter::default();
    let sink = fold_sink(analysis, job, &none);
    let (parts, stats) = local::load(&input.files, &opts, &sink)?;
    let mut partial = analysis.partial();
    let mut seen = Seen::default();
    for p in parts {
        analysis.merge(&mut partial, p.partial);
        seen.merge(p.seen);
    }
    let stats = input.finish_stats(stats);
    let end = Finish {
        window: job.window,
        seen,
    };
    Ok(Ran {
        report: analysis.finish(partial, &end),
        window: end.window_info(),
        excluded: seen.excluded,
        input: stats,
    })
}

/// Several analyses over one read: the partial is a tuple of theirs, each folds every batch.
macro_rules! tuple_analysis {
    ($($a:ident $i:tt),+) => {
        impl<$($a: Analysis),+> Analysis for ($($a,)+) {
            type Partial = ($($a::Partial,)+);
            type Report = ($($a::Report,)+);

            fn name(&self) -> &'static str {
                self.0.name()
            }

            fn required(&self) -> RoleSet {
                RoleSet::EMPTY$(.union(self.$i.required()))+
            }

            fn optional(&self) -> RoleSet {
                RoleSet::EMPTY$(.union(self.$i.optional()))+
            }

            fn excludes(&self) -> bool {
                false $(|| self.$i.excludes())+
            }

            fn partial(&self) -> Self::Partial {
                ($(self.$i.partial(),)+)
            }

            fn fold(&self, part: &mut Self::Partial, batch: &[Request<'_>]) {
                $(self.$i.fold(&mut part.$i, batch);)+
            }

            fn merge(&self, into: &mut Self::Partial, from: Self::Partial) {
                $(self.$i.merge(&mut into.$i, from.$i);)+
            }

            fn finish(&self, part: Self::Partial, end: &Finish) -> Self::Report {
                ($(self.$i.finish(part.$i, end),)+)
            }
        }
    };
}

tuple_analysis!(A 0, B 1);
tuple_analysis!(A 0, B 1, C 2);
tuple_analysis!(A 0, B 1, C 2, D 3);
tuple_analysis!(A 0, B 1, C 2, D 3, E 4);
tuple_analysis!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_analysis!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
