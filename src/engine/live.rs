//! Reading sources as they grow (`watch`): each poll folds what is new into the same partial.
//!
//! Local files are followed ([`crate::source::follow`]): their new whole lines are parsed here
//! with the loader's own line rules ([`local::parse_chunk`]); compressed files and S3 objects
//! are immutable and go through the batch loader ([`local::load`]). S3 prefixes are listed at
//! the start over the delivery days the window needs, then each poll lists only the newest
//! delivery day(s) and reads the keys it has not seen. The input statistics add up over the
//! run, with their lists capped so memory stays flat.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::local::{self, file_format, parse_chunk, LoadError, LoadOptions};
use super::stats::{InputStats, Malformed, SourceFailure, Unrecognised};
use super::{check_roles, fold_sink, Analysis, Job, LocalSettings};
use crate::filter::ClientFilter;
use crate::format::{recognise, FormatId, LogFormat, Looks};
use crate::source::follow::{FollowCounts, Follower, Piece};
use crate::source::s3::{parse_url, ObjectStats, S3Context, S3Error};
use crate::source::InputFile;
use crate::window::{delivery_days, Window};

/// Entries kept in each of the statistics' lists (samples, failures, unrecognised inputs).
const MAX_LISTED: usize = 20;
const MIN_US: i64 = 60_000_000;
const HOUR_US: i64 = 60 * MIN_US;
const DAY_US: i64 = 24 * HOUR_US;
/// After the first listing, each poll lists the delivery days of this much time back: a key
/// is filed under the day it was delivered, so only a poll just after midnight needs two.
const LIST_BACK_US: i64 = 15 * MIN_US;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Input(#[from] crate::error::InputError),
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// One `s3://bucket/prefix` followed.
struct S3Prefix {
    bucket: String,
    prefix: String,
    /// The `…/<region>/` prefixes under it, and when they were listed.
    bases: Vec<String>,
    bases_at: i64,
    /// Keys listed so far, with their delivery day (`yyyy/mm/dd`), forgotten once that day is
    /// older than the window.
    seen: HashMap<String, String>,
}

/// The sources of a live view, and what has been read from them.
pub struct LiveSources {
    follower: Option<Follower>,
    s3: Vec<S3Prefix>,
    ctx: Option<Arc<S3Context>>,
    stats: InputStats,
    /// Immutable inputs read (compressed files, S3 objects).
    whole_files: usize,
    listed: ObjectStats,
    started: bool,
    /// The first followed file recognised in a format, and that format: a followed file of
    /// another one is refused (one format per view: the hops are never added together).
    known: Option<(String, FormatId)>,
    /// Followed files refused for their format: their later lines are not read either.
    refused: HashSet<String>,
}

/// What one poll read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollCounts {
    pub lines: u64,
    pub bytes: u64,
    /// Inputs read whole (compressed files, S3 objects).
    pub whole: usize,
}

impl LiveSources {
    /// Local paths (files, folders, globs) and `s3://` prefixes; the S3 client is made only
    /// when one is given.
    pub fn new(
        sources: &[String],
        max_line_bytes: usize,
        s3_client: impl FnOnce() -> Result<Arc<S3Context>, S3Error>,
    ) -> Result<LiveSources, LiveError> {
        if let Some(g) = sources.iter().find(|s| s.starts_with("cwlogs://")) {
            return Err(crate::error::InputError::Unreadable {
                path: g.clone(),
                reason: "CloudWatch Logs groups are not followed live: read a window with the analyses (slo, errors, …)".into(),
            }
            .into());
        }
        let (urls, paths): (Vec<&String>, Vec<&String>) =
            sources.iter().partition(|s| s.starts_with("s3://"));
        let paths: Vec<String> = paths.into_iter().cloned().collect();
        let follower = match paths.is_empty() {
            true => None,
            false => Some(Follower::new(&paths, max_line_bytes)?),
        };
        let mut s3 = Vec::new();
        for url in &urls {
            let (bucket, prefix) =
                parse_url(url).ok_or_else(|| S3Error::BadUrl(url.to_string()))?;
            s3.push(S3Prefix {
                bucket,
                prefix,
                bases: Vec::new(),
                bases_at: i64::MIN,
                seen: HashMap::new(),
            });
        }
        let ctx = match urls.is_empty() {
            true => None,
            false => Some(s3_client()?),
        };
        Ok(LiveSources {
            follower,
            s3,
            ctx,
            stats: InputStats::default(),
            whole_files: 0,
            listed: ObjectStats::default(),
            started: false,
            known: None,
            refused: HashSet::new(),
        })
    }

    /// Reads what is new into `partial`. `window` is what the view keeps (`since` only:
    /// older lines are counted out of the window, never folded); `settings.now_us` is the
    /// clock. The first poll's failures are errors; later ones are counted and named in the
    /// statistics, and the next poll tries again.
    pub fn poll<A: Analysis>(
        &mut self,
        analysis: &A,
        partial: &mut A::Partial,
        job: &Job<'_>,
        settings: &LocalSettings,
    ) -> Result<PollCounts, LiveError> {
        let opts = LoadOptions {
            progress: false,
            ..settings.load_options(
                job.window,
                job.routes,
                Some((analysis.name(), analysis.required())),
                None,
            )
        };
        let none = ClientFilter::default();
        let sink = fold_sink(analysis, job, &none);
        let mut counts = PollCounts::default();
        let mut whole: Vec<InputFile> = Vec::new();

        if let Some(follower) = self.follower.as_mut() {
            let mut acc = local::Folded {
                partial: std::mem::replace(partial, analysis.partial()),
                seen: Default::default(),
            };
            let decide = |head: &[u8]| file_format(settings.log_format, head, &settings.formats).0;
            let stats = &mut self.stats;
            let (known, refused) = (&mut self.known, &mut self.refused);
            let first_poll = !self.started;
            let mut failed: Option<LoadError> = None;
            let mut each = |piece: Piece<'_>| {
                if failed.is_some() || refused.contains(piece.name) {
                    return;
                }
                if piece.first && settings.log_format == LogFormat::Auto {
                    if let Some(e) = other_format(known, &piece, settings) {
                        refused.insert(piece.name.to_string());
                        match first_poll {
                            true => failed = Some(e.into()),
                            false => note_failure(stats, piece.name, e.0),
                        }
                        return;
                    }
                }
                if let Err(e) = check_roles(analysis.name(), analysis.required(), piece.format) {
                    if piece.first {
                        note_failure(stats, piece.name, e.0);
                    }
                    return;
                }
                match parse_chunk(&sink, &mut acc, piece.format, piece.data, &opts, piece.name) {
                    Ok(c) => {
                        counts.lines += c.lines;
                        counts.bytes += c.bytes;
                        add_chunk(stats, &piece, &c, settings);
                    }
                    Err(e) => failed = Some(e.into()),
                }
            };
            let polled = follower.poll(&job.window, &decide, &mut each);
            *partial = acc.partial;
            if let Some(e) = failed {
                return Err(e.into());
            }
            for (name, line, bytes) in polled.long_lines {
                self.stats.lines += 1;
                self.stats.malformed += 1;
                self.stats.bytes += bytes;
                sample(
                    &mut self.stats,
                    &name,
                    line,
                    format!(
                        "line too long: {bytes} bytes (--max-line-bytes {})",
                        settings.max_line_bytes
                    ),
                );
            }
            for (name, reason) in polled.errors {
                note_failure(&mut self.stats, &name, reason);
            }
            whole.extend(polled.whole);
        }

        let first = !self.started;
        for p in &mut self.s3 {
            let Some(ctx) = &self.ctx else { break };
            match list_new(
                ctx,
                p,
                settings.now_us,
                &job.window,
                first,
                &mut self.listed,
            ) {
                Ok(files) => whole.extend(files),
                Err(e) if first => return Err(e.into()),
                Err(e) => note_failure(
                    &mut self.stats,
                    &format!("s3://{}/{}", p.bucket, p.prefix),
                    e.to_string(),
                ),
            }
        }

        if !whole.is_empty() {
            counts.whole = whole.len();
            match local::load(&whole, &opts, &sink) {
                Ok((accs, st)) => {
                    for a in accs {
                        analysis.merge(partial, a.partial);
                    }
                    counts.lines += st.lines;
                    counts.bytes += st.bytes;
                    self.whole_files += whole.len();
                    add_loaded(&mut self.stats, st);
                }
                Err(e) if first => return Err(e.into()),
                // a later batch none of whose lines parse: named, and the view goes on
                Err(e) => note_failure(&mut self.stats, "new inputs", e.to_string()),
            }
        }
        self.started = true;
        Ok(counts)
    }

    /// What has been read so far, and what the sources hold now.
    pub fn stats(&self) -> InputStats {
        let f = self.follow_counts();
        let mut st = self.stats.clone();
        st.files = f.files as usize + self.whole_files;
        st.pruned_files = f.pruned;
        st.skipped_files = f.skipped;
        if let Some(ctx) = &self.ctx {
            let mut os = self.listed.clone();
            ctx.finish(&mut os);
            st.pruned_files += os.pruned as usize;
            st.skipped_files += os.skipped as usize;
            st.objects = Some(os);
        }
        st
    }

    /// Local files followed, rotations and truncations seen.
    pub fn follow_counts(&self) -> FollowCounts {
        self.follower
            .as_ref()
            .map(Follower::counts)
            .unwrap_or_default()
    }
}

/// Lists what is new under one prefix: at the first poll every delivery day the window needs,
/// then the newest day(s) only, the keys already seen left out before they are counted.
fn list_new(
    ctx: &Arc<S3Context>,
    p: &mut S3Prefix,
    now_us: i64,
    window: &Window,
    first: bool,
    stats: &mut ObjectStats,
) -> Result<Vec<InputFile>, S3Error> {
    // a new account or region under the prefix is rare: its folders are looked for hourly
    if now_us.saturating_sub(p.bases_at) >= HOUR_US || p.bases.is_empty() {
        p.bases = ctx.region_prefixes(&p.bucket, &p.prefix)?;
        p.bases_at = now_us;
    }
    let since = window.since_us.unwrap_or(now_us - DAY_US);
    let days = match first {
        true => delivery_days(since, now_us),
        // delivery_days adds the day after its end, which nothing is filed under yet
        false => {
            let mut d = delivery_days(now_us - LIST_BACK_US, now_us);
            d.pop();
            d
        }
    };
    let bounds = Window {
        since_us: Some(since),
        until_us: Some(now_us),
    };
    let mut files = Vec::new();
    for base in &p.bases {
        for day in &days {
            let seen = &mut p.seen;
            files.extend(ctx.list_day(&p.bucket, base, day, &bounds, stats, |key| {
                seen.insert(key.to_string(), day.clone()).is_none()
            })?);
        }
    }
    // keys of days the window left behind are forgotten (and never listed again)
    if let Some(oldest) = delivery_days(since - DAY_US, since + 1).first() {
        p.seen.retain(|_, day| day.as_str() >= oldest.as_str());
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// A followed file recognised in another format than the first one recognised: the refusal,
/// naming both (the batch loader refuses the same within one batch).
fn other_format(
    known: &mut Option<(String, FormatId)>,
    piece: &Piece<'_>,
    settings: &LocalSettings,
) -> Option<crate::error::UsageError> {
    let Looks::Known(f) = recognise(piece.data, &settings.formats) else {
        return None;
    };
    match known {
        None => {
            *known = Some((piece.name.to_string(), f.id()));
            None
        }
        Some((name, id)) if *id != f.id() => {
            Some(local::two_formats(name, *id, piece.name, f.id()))
        }
        Some(_) => None,
    }
}

/// Adds one chunk's counts; its first malformed lines become samples with their line number.
fn add_chunk(
    stats: &mut InputStats,
    piece: &Piece<'_>,
    c: &local::ChunkCounts,
    settings: &LocalSettings,
) {
    add_loaded(
        stats,
        InputStats {
            bytes: c.bytes,
            lines: c.lines,
            parsed: c.parsed,
            malformed: c.malformed,
            out_of_window: c.out_of_window,
            blank_lines: c.blank,
            header_lines: c.header,
            ..InputStats::default()
        },
    );
    for (line, reason) in &c.samples {
        sample(stats, piece.name, piece.first_line + line, reason.clone());
    }
    if piece.first {
        *stats
            .formats
            .entry(piece.format.id().name().to_string())
            .or_insert(0) += 1;
        // a file whose first lines none parse is named with what it looks like
        if c.parsed == 0 && c.lines > 0 && stats.unrecognised.len() < MAX_LISTED {
            let looks_like = match recognise(piece.data, &settings.formats) {
                Looks::Known(f) if f.id() != piece.format.id() => Some(f.id().title().to_string()),
                Looks::Other(what) => Some(what.to_string()),
                _ => None,
            };
            stats.unrecognised.push(Unrecognised {
                source: piece.name.to_string(),
                read_as: piece.format.id().name().to_string(),
                lines: c.lines,
                looks_like,
            });
        }
    }
}

/// Adds a batch load's statistics (or a chunk's counts).
fn add_loaded(stats: &mut InputStats, st: InputStats) {
    stats.bytes += st.bytes;
    stats.lines += st.lines;
    stats.parsed += st.parsed;
    stats.malformed += st.malformed;
    stats.out_of_window += st.out_of_window;
    stats.blank_lines += st.blank_lines;
    stats.header_lines += st.header_lines;
    for (f, n) in st.formats {
        *stats.formats.entry(f).or_insert(0) += n;
    }
    for m in st.malformed_samples {
        sample(stats, &m.source, m.line, m.reason);
    }
    stats.failed_sources += st.failed_sources;
    for e in st.source_errors {
        if stats.source_errors.len() < MAX_LISTED {
            stats.source_errors.push(e);
        }
    }
    for u in st.unrecognised {
        if stats.unrecognised.len() < MAX_LISTED {
            stats.unrecognised.push(u);
        }
    }
}

fn sample(stats: &mut InputStats, source: &str, line: u64, reason: String) {
    if stats.malformed_samples.len() < MAX_LISTED {
        stats.malformed_samples.push(Malformed {
            source: source.to_string(),
            line,
            reason,
        });
    }
}

fn note_failure(stats: &mut InputStats, source: &str, reason: String) {
    stats.failed_sources += 1;
    if stats.source_errors.len() < MAX_LISTED {
        stats.source_errors.push(SourceFailure {
            source: source.to_string(),
            reason,
            over_limit: false,
        });
    }
}
