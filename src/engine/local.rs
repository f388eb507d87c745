//! The local engine's read → parse pipeline, parallel across files and across chunks of a file.
//!
//! Reader threads (one file each at a time) decompress, recognise the file's format from its
//! first lines and cut the stream into chunks at line ends; parser threads parse each chunk in
//! its file's format and hand the records to a [`Sink`]: analyses fold them into per-thread
//! partials ([`FoldSink`]), `query` and `export` build typed frames ([`FrameSink`]). Memory
//! stays bounded by the channel: a few chunks in flight.

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{bounded, Receiver, Sender};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use polars::prelude::{DataFrame, PolarsError};

use super::stats::{FormatNote, InputStats, Malformed, SourceFailure, Unrecognised};
use super::Analysis;
use crate::error::InputError;
use crate::filter::ClientFilter;
use crate::format::{
    recognise, FileFormat, FormatId, FormatSettings, FrameBuilder, LineFormat, LogFormat, Looks,
    Request, Role, RoleSet, Routes, Want,
};
use crate::source::mapped::{MappedFile, MappedWindow};
use crate::source::{self, InputFile, Location};
use crate::window::Window;

/// Bytes handed to a parser at a time.
const CHUNK_BYTES: usize = 4 << 20;
/// Requests folded at a time: a batch small enough to stay in cache.
const FOLD_BATCH: usize = 256;
/// Malformed lines kept with their location; all are counted.
const MAX_SAMPLES: usize = 20;

/// How to read: the window, the formats, the threads.
pub struct LoadOptions<'a> {
    pub window: Window,
    pub strict: bool,
    pub routes: &'a Routes,
    pub threads: usize,
    /// Inputs read at once (default: one per thread). Downloads want more.
    pub readers: Option<usize>,
    pub progress: bool,
    /// The format every input is read as, or auto (recognised per file).
    pub log_format: LogFormat,
    /// The command and the roles it cannot run without: a file in a format lacking one is
    /// refused as soon as it is recognised.
    pub required: Option<(&'a str, RoleSet)>,
    /// The config's settings for the formats that take some.
    pub formats: &'a FormatSettings,
    /// Longer lines are malformed (`line too long`), skipped without being held whole.
    pub max_line_bytes: usize,
    /// A compressed input that inflates past this stops there and is named in
    /// `source_errors`.
    pub max_inflate: InflateLimit,
    /// The clock: times more than a day after it are not data.
    pub now_us: i64,
    /// Map plain local files instead of reading them (`--no-mmap` turns it off).
    pub mmap: bool,
}

/// Default `--max-line-bytes`: 1 MiB (a real access-log line is well under 10 KiB).
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// Default `--max-inflate`: 100 bytes inflated per compressed byte…
pub const DEFAULT_MAX_INFLATE_RATIO: u64 = 100;
/// …but never less than 10 GiB.
pub const MIN_INFLATE_LIMIT: u64 = 10 << 30;
const DAY_US: i64 = 86_400_000_000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Polars(#[from] PolarsError),
    #[error(transparent)]
    Usage(#[from] crate::error::UsageError),
}

/// What a parser thread does with the records of one chunk.
pub trait Sink: Sync {
    /// One per parser thread; merged by the caller.
    type Acc: Send;
    fn init(&self) -> Self::Acc;
    /// Reads one chunk: `scan.records` hands over its parsed, in-window records.
    fn chunk<F: LineFormat>(
        &self,
        acc: &mut Self::Acc,
        format: &F,
        text: ChunkText<'_>,
        scan: &mut Scan<'_>,
    ) -> Result<(), PolarsError>;
}

/// A chunk of whole lines as read, not yet checked to be UTF-8: [`Scan::records`] checks each
/// line as it finds it (one pass over the bytes, not two). `arena` lives as long as the chunk:
/// it holds the lossy copy of a line that is not UTF-8, and the templated endpoints of the
/// chunk's requests ([`Want::arena`]).
#[derive(Clone, Copy)]
pub struct ChunkText<'a> {
    bytes: &'a [u8],
    arena: &'a bumpalo::Bump,
}

impl<'a> ChunkText<'a> {
    pub fn new(bytes: &'a [u8], arena: &'a bumpalo::Bump) -> ChunkText<'a> {
        ChunkText { bytes, arena }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The line loop of one chunk: blank, header, malformed and out-of-window lines are counted
/// here, so every sink counts lines the same way.
pub struct Scan<'o> {
    window: Window,
    strict: bool,
    cancel: &'o AtomicBool,
    st: &'o mut WorkerStats,
    /// Input index and chunk position, for locating malformed lines.
    pub source: usize,
    pub chunk: usize,
    /// The chunk's place in the order the readers sent chunks (0, 1, 2, … with no gap): with
    /// one reader, input order.
    pub seq: u64,
    /// The input's name (the frames' `source` column).
    pub source_name: &'o str,
    lines: u64,
    parsed: u64,
    max_line_bytes: usize,
    /// Times after this are not data (a day after the clock).
    latest_us: i64,
}

impl Scan<'_> {
    /// Calls `each` with every parsed record of `text` whose time falls in the window. A line
    /// that is not UTF-8 is read as `String::from_utf8_lossy` makes it.
    pub fn records<'t, F: LineFormat>(
        &mut self,
        format: &F,
        text: ChunkText<'t>,
        mut each: impl FnMut(&F::Record<'t>),
    ) {
        let earliest = format.id().earliest_us();
        for (line, ascii) in lines(text.bytes) {
            self.lines += 1;
            let line: &'t str = match ascii {
                // SAFETY: every byte is ASCII, so the bytes are UTF-8
                true => unsafe { std::str::from_utf8_unchecked(line) },
                false => match simdutf8::basic::from_utf8(line) {
                    Ok(s) => s,
                    Err(_) => text.arena.alloc_str(&String::from_utf8_lossy(line)),
                },
            };
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.len() > self.max_line_bytes {
                self.malformed(format!(
                    "line too long: {} bytes (--max-line-bytes {})",
                    line.len(),
                    self.max_line_bytes
                ));
                continue;
            }
            if line.trim_ascii().is_empty() {
                self.st.blank += 1;
                continue;
            }
            if format.is_meta(line) {
                self.st.header += 1;
                continue;
            }
            // matched by reference: moving the record out of the `Result` was a memcpy of it
            match &format.parse(line) {
                Ok(rec) => {
                    let t = F::time_us(rec);
                    // a flipped digit must not stretch the window over millennia: a time
                    // before the format existed or after tomorrow is not data
                    if t < earliest || t > self.latest_us {
                        self.malformed(format!(
                            "time out of range: {} is not between {} and a day after now",
                            crate::window::format_us(t),
                            crate::window::format_us(earliest)
                        ));
                        continue;
                    }
                    self.parsed += 1;
                    if self.window.contains(t) {
                        // by reference: a record is hundreds of bytes, and moving it into the
                        // closure was a memcpy per line
                        each(rec);
                    } else {
                        self.st.out_of_window += 1;
                    }
                }
                Err(e) => self.malformed(e.to_string()),
            }
        }
    }

    /// Counts the current line as malformed, keeping the first ones with their location.
    fn malformed(&mut self, reason: String) {
        self.st.malformed += 1;
        if self.st.samples.len() < MAX_SAMPLES {
            self.st.samples.push(LocalMalformed {
                source: self.source,
                chunk: self.chunk,
                line_in_chunk: self.lines,
                reason,
            });
        }
        if self.strict {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// The lines of `text`, as `split_terminator('\n')` gives them (a last line without its `\n`
/// counts, nothing after a final `\n` does), each with whether all its bytes are ASCII. One
/// pass finds both, 64 bytes a step: a separate UTF-8 check of the whole chunk before the
/// parse was a second pass over bytes not yet in cache (7 % of `slo`), and here the check
/// comes nearly free with the line-end search.
fn lines(text: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    lines_with(text, Wide::detect())
}

/// Whether this CPU has AVX2, so that [`line_end_avx2`] may run: asked once per chunk (std
/// caches the answer). A `Wide(true)` is only made where [`Wide::detect`] gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wide(bool);

impl Wide {
    fn detect() -> Wide {
        #[cfg(target_arch = "x86_64")]
        return Wide(std::arch::is_x86_feature_detected!("avx2"));
        #[cfg(not(target_arch = "x86_64"))]
        Wide(false)
    }
}

/// [`lines`], the line ends found 32 bytes a load when `wide` allows.
fn lines_with(text: &[u8], wide: Wide) -> impl Iterator<Item = (&[u8], bool)> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        let (end, ascii) = if wide.0 {
            // SAFETY: a `Wide(true)` comes only from `Wide::detect` on a CPU with AVX2
            unsafe { line_end_avx2(text, start) }
        } else {
            line_end(text, start)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let (end, ascii) = line_end(text, start);
        let line = &text[start..end];
        start = end + 1;
        Some((line, ascii))
    })
}

/// [`line_end`] in two 32-byte loads a step: half its instructions (a tenth of `slo`'s were
/// this search). Only on a CPU with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn line_end_avx2(text: &[u8], from: usize) -> (usize, bool) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8, _mm256_setzero_si256,
    };
    let mut i = from;
    let nl = _mm256_set1_epi8(b'\n' as i8);
    let mut high = _mm256_setzero_si256();
    while i + 64 <= text.len() {
        // SAFETY: both loads read 32 bytes inside `text` (i + 64 <= len)
        let (a, b) = unsafe {
            let p = text.as_ptr().add(i).cast::<__m256i>();
            (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)))
        };
        let (ea, eb) = (_mm256_cmpeq_epi8(a, nl), _mm256_cmpeq_epi8(b, nl));
        if _mm256_movemask_epi8(_mm256_or_si256(ea, eb)) != 0 {
            let mask = |v| u64::from(_mm256_movemask_epi8(v) as u32);
            let k = (mask(ea) | mask(eb) << 32).trailing_zeros();
            let highs = mask(a) | mask(b) << 32;
            let before = highs & ((1u64 << k) - 1);
            return (
                i + k as usize,
                before == 0 && _mm256_movemask_epi8(high) == 0,
            );
        }
        high = _mm256_or_si256(high, _mm256_or_si256(a, b));
        i += 64;
    }
    let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |k| i + k);
    (
        end,
        _mm256_movemask_epi8(high) == 0 && text[i..end].is_ascii(),
    )
}

/// The index of the first `\n` at or after `from` (else `text.len()`), and whether the bytes
/// from `from` to it are all ASCII.
#[inline]
fn line_end(text: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of x86_64; every load reads 16 bytes inside `text`
        // (i + 64 <= len)
        unsafe {
            let nl = _mm_set1_epi8(b'\n' as i8);
            let mut high = _mm_setzero_si128();
            while i + 64 <= text.len() {
                let p = text.as_ptr().add(i).cast::<__m128i>();
                let (a, b, c, d) = (
                    _mm_loadu_si128(p),
                    _mm_loadu_si128(p.add(1)),
                    _mm_loadu_si128(p.add(2)),
                    _mm_loadu_si128(p.add(3)),
                );
                let (ea, eb, ec, ed) = (
                    _mm_cmpeq_epi8(a, nl),
                    _mm_cmpeq_epi8(b, nl),
                    _mm_cmpeq_epi8(c, nl),
                    _mm_cmpeq_epi8(d, nl),
                );
                let any = _mm_or_si128(_mm_or_si128(ea, eb), _mm_or_si128(ec, ed));
                if _mm_movemask_epi8(any) != 0 {
                    let mask = |v| u64::from(_mm_movemask_epi8(v) as u16);
                    let ends = mask(ea) | mask(eb) << 16 | mask(ec) << 32 | mask(ed) << 48;
                    let k = ends.trailing_zeros();
                    let highs = mask(a) | mask(b) << 16 | mask(c) << 32 | mask(d) << 48;
                    let before = highs & ((1u64 << k) - 1);
                    return (i + k as usize, before == 0 && _mm_movemask_epi8(high) == 0);
                }
                high = _mm_or_si128(high, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
                i += 64;
            }
            if _mm_movemask_epi8(high) != 0 {
                let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |k| i + k);
                return (end, false);
            }
        }
    }
    let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |k| i + k);
    (end, text[i..end].is_ascii())
}

/// Folds requests into an analysis' partial, one per parser thread.
pub struct FoldSink<'a, A> {
    pub analysis: &'a A,
    /// What the analysis reads of each request ([`Want`], with the chunk's arena).
    pub roles: RoleSet,
    pub routes: &'a Routes,
    /// Marks the config's non-user traffic (`Request::excluded`); empty: nothing is marked.
    pub exclude: &'a ClientFilter,
}

/// Per parser thread: the partial, and what the window's edges and exclusions saw.
pub struct Folded<P> {
    pub partial: P,
    pub seen: Seen,
}

/// The extent of the requests an analysis saw (excluded traffic left out), and how many the
/// config's `[exclude]` marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub excluded: u64,
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
}

impl Seen {
    pub fn merge(&mut self, o: Seen) {
        self.excluded += o.excluded;
        self.first_us = self.first_us.into_iter().chain(o.first_us).min();
        self.last_us = self.last_us.into_iter().chain(o.last_us).max();
    }
}

impl<A: Analysis> Sink for FoldSink<'_, A> {
    type Acc = Folded<A::Partial>;

    fn init(&self) -> Folded<A::Partial> {
        Folded {
            partial: self.analysis.partial(),
            seen: Seen::default(),
        }
    }

    fn chunk<F: LineFormat>(
        &self,
        acc: &mut Folded<A::Partial>,
        format: &F,
        text: ChunkText<'_>,
        scan: &mut Scan<'_>,
    ) -> Result<(), PolarsError> {
        // small batches, folded as they fill: the requests stay in cache between the parser
        // writing them and the analysis reading them
        let mut batch: Vec<Request<'_>> = Vec::with_capacity(FOLD_BATCH);
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        let mut excluded = 0;
        let partial = &mut acc.partial;
        let want = Want {
            roles: self.roles,
            routes: self.routes,
            arena: Some(text.arena),
        };
        scan.records(format, text, |rec| {
            // built where it is kept (a request is hundreds of bytes: built aside, then
            // pushed, it was copied once more), then marked
            batch.push(format.request(rec, &want));
            let Some(r) = batch.last_mut() else { return };
            if !self.exclude.is_empty()
                && self.exclude.matches(r.client_ip, r.user_agent.as_deref())
            {
                r.excluded = true;
                excluded += 1;
            } else {
                first = first.min(r.time_us);
                last = last.max(r.time_us);
            }
            if batch.len() == FOLD_BATCH {
                self.analysis.fold(partial, &batch);
                batch.clear();
            }
        });
        if !batch.is_empty() {
            self.analysis.fold(partial, &batch);
        }
        acc.seen.merge(Seen {
            excluded,
            first_us: (first <= last).then_some(first),
            last_us: (first <= last).then_some(last),
        });
        Ok(())
    }
}

/// Builds typed frames of a format's native columns (`query`, `export`), leaving the config's
/// `[exclude]`d traffic out when a filter is given.
pub struct FrameSink<'a> {
    /// Column indexes per format (into `FormatId::columns`); a format not listed is refused.
    pub columns: &'a HashMap<FormatId, Vec<usize>>,
    pub routes: &'a Routes,
    pub exclude: &'a ClientFilter,
}

/// One chunk's frame, with where it came from so frames can be stacked in input order.
pub struct FrameBatch {
    pub format: FormatId,
    pub source: usize,
    pub chunk: usize,
    pub df: DataFrame,
}

/// Per parser thread: the frames built, and how many requests `[exclude]` left out.
#[derive(Default)]
pub struct Frames {
    pub batches: Vec<FrameBatch>,
    pub excluded: u64,
}

impl Sink for FrameSink<'_> {
    type Acc = Frames;

    fn init(&self) -> Frames {
        Frames::default()
    }

    fn chunk<F: LineFormat>(
        &self,
        acc: &mut Frames,
        format: &F,
        text: ChunkText<'_>,
        scan: &mut Scan<'_>,
    ) -> Result<(), PolarsError> {
        let id = format.id();
        let Some(columns) = self.columns.get(&id) else {
            return Ok(());
        };
        let mut builder = format.frame(columns, text.len() / 300 + 16, scan.source_name);
        let want = Want {
            roles: RoleSet::of(&[Role::ClientIp, Role::UserAgent]),
            routes: self.routes,
            arena: None,
        };
        let mut rows = 0usize;
        scan.records(format, text, |rec| {
            if !self.exclude.is_empty() {
                let r = format.request(rec, &want);
                if self.exclude.matches(r.client_ip, r.user_agent.as_deref()) {
                    acc.excluded += 1;
                    return;
                }
            }
            builder.push(rec, self.routes);
            rows += 1;
        });
        if rows > 0 {
            acc.batches.push(FrameBatch {
                format: id,
                source: scan.source,
                chunk: scan.chunk,
                df: builder.finish(),
            });
        }
        Ok(())
    }
}

struct RawChunk {
    source: usize,
    chunk: usize,
    seq: u64,
    format: FileFormat,
    data: Chunk,
}

/// What a reader hands over: lines, or the length of one line too long to hold (counted
/// malformed where it stood, so line numbers after it stay right).
enum Chunk {
    Data(ChunkBytes),
    LongLine(u64),
}

/// A chunk's bytes: a buffer from the pool (streams: gzip, stdin, S3), or a part of a mapped
/// window of a plain file (shared when a format switch cuts one window in two).
enum ChunkBytes {
    Owned(Vec<u8>),
    Mapped(Arc<MappedWindow>, Range<usize>),
}

impl std::ops::Deref for ChunkBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ChunkBytes::Owned(v) => v,
            ChunkBytes::Mapped(w, r) => &w.bytes()[r.clone()],
        }
    }
}

impl ChunkBytes {
    /// The bytes from `at` on, leaving those before.
    fn split_off(&mut self, at: usize) -> ChunkBytes {
        match self {
            ChunkBytes::Owned(v) => ChunkBytes::Owned(v.split_off(at)),
            ChunkBytes::Mapped(w, r) => {
                let cut = r.start + at;
                let rest = ChunkBytes::Mapped(Arc::clone(w), cut..r.end);
                r.end = cut;
                rest
            }
        }
    }

    /// Whether the file shrank under the mapped bytes (they read as zeros from there on).
    fn truncated(&self) -> bool {
        matches!(self, ChunkBytes::Mapped(w, _) if w.truncated())
    }

    /// A buffer goes back to the pool; a window is unmapped with its last part.
    fn release(self, pool: &BufferPool) {
        if let ChunkBytes::Owned(v) = self {
            pool.put(v);
        }
    }
}

/// A malformed line located by chunk; turned into a line number once all chunks are counted.
struct LocalMalformed {
    source: usize,
    chunk: usize,
    line_in_chunk: u64,
    reason: String,
}

#[derive(Default)]
pub struct WorkerStats {
    bytes: u64,
    parsed: u64,
    malformed: u64,
    out_of_window: u64,
    blank: u64,
    header: u64,
    samples: Vec<LocalMalformed>,
    /// (source, chunk, lines in chunk)
    chunk_lines: Vec<(usize, usize, u64)>,
    /// Per input: (non-blank lines, parsed lines).
    per_source: HashMap<usize, (u64, u64)>,
    /// Inputs found damaged while parsed (a mapped file that shrank): (input, reason).
    failures: Vec<(usize, String)>,
}

/// What each input was read as, and what its first lines looked like.
#[derive(Debug, Clone)]
struct FileSeen {
    format: FormatId,
    looks: Looks,
    /// How it is read, said once (`FileFormat::note`).
    note: Option<&'static str>,
}

/// Reads every input, handing each chunk's records to `sink`, one accumulator per parser
/// thread. Returns the accumulators (merge them) and the input statistics. An input none of
/// whose lines parsed is named in `unrecognised`; when it looks like another format, or when
/// no line of any input parsed, that is an error (exit 2).
pub fn load<S: Sink>(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
    sink: &S,
) -> Result<(Vec<S::Acc>, InputStats), LoadError> {
    let threads = opts.threads.max(1);
    let readers = opts.readers.unwrap_or(threads).min(files.len()).max(1);
    let next_file = AtomicUsize::new(0);
    let next_seq = Mutex::new(0u64);
    let cancel = AtomicBool::new(false);
    let failures: Mutex<Vec<(usize, String, bool)>> = Mutex::new(Vec::new());
    let seen: Mutex<HashMap<usize, FileSeen>> = Mutex::new(HashMap::new());
    let refused: Mutex<Option<crate::error::UsageError>> = Mutex::new(None);
    let progress = progress_bar(files, opts.progress);
    // S3 objects are downloaded ahead of the readers
    let _ahead = crate::source::prefetch(files);

    let (tx, rx) = bounded::<RawChunk>(threads * 2);
    // every buffer that can be alive at once: in the channel, in the parsers, in the readers
    let pool = BufferPool::new(threads * 3 + readers);
    let results: Vec<Result<(S::Acc, WorkerStats), PolarsError>> = std::thread::scope(|s| {
        for _ in 0..readers {
            let tx = tx.clone();
            let shared = Shared {
                files,
                next_file: &next_file,
                next_seq: &next_seq,
                cancel: &cancel,
                failures: &failures,
                seen: &seen,
                refused: &refused,
                progress: &progress,
                log_format: opts.log_format,
                required: opts.required,
                formats: opts.formats,
                max_line_bytes: opts.max_line_bytes,
                inflate: opts.max_inflate,
                pool: &pool,
                mmap: opts.mmap,
            };
            s.spawn(move || read_files(shared, tx));
        }
        drop(tx);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                let (cancel, pool) = (&cancel, &pool);
                s.spawn(move || parse_chunks(files, opts, rx, cancel, pool, sink))
            })
            .collect();
        workers
            .into_iter()
            .map(|h| h.join().expect("parser thread panicked"))
            .collect()
    });
    progress.finish_and_clear();
    if let Some(e) = refused.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e.into());
    }

    let mut accs = Vec::with_capacity(results.len());
    let mut total = WorkerStats::default();
    for r in results {
        let (acc, w) = r?;
        accs.push(acc);
        total.bytes += w.bytes;
        total.parsed += w.parsed;
        total.malformed += w.malformed;
        total.out_of_window += w.out_of_window;
        total.blank += w.blank;
        total.header += w.header;
        total.samples.extend(w.samples);
        total.chunk_lines.extend(w.chunk_lines);
        total.failures.extend(w.failures);
        for (k, (lines, parsed)) in w.per_source {
            let e = total.per_source.entry(k).or_default();
            e.0 += lines;
            e.1 += parsed;
        }
    }

    let samples = locate(files, &mut total.chunk_lines, total.samples);
    if opts.strict {
        if let Some(first) = samples.first() {
            return Err(InputError::Malformed {
                source_name: first.source.clone(),
                line: first.line,
                reason: first.reason.clone(),
            }
            .into());
        }
    }
    let mut source_errors: Vec<_> = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    // a file that shrank under several windows is named once
    total.failures.sort();
    total.failures.dedup_by_key(|f| f.0);
    for (i, reason) in total.failures {
        if !source_errors.iter().any(|f| f.0 == i) {
            source_errors.push((i, reason, false));
        }
    }
    source_errors.sort();
    if opts.strict {
        if let Some((i, reason, _)) = source_errors.first() {
            return Err(InputError::Unreadable {
                path: files[*i].name.clone(),
                reason: reason.clone(),
            }
            .into());
        }
    }
    let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut formats = std::collections::BTreeMap::new();
    for f in seen.values() {
        *formats.entry(f.format.name().to_string()).or_insert(0) += 1;
    }
    let unrecognised = unrecognised(files, &seen, &total.per_source);
    let mut format_notes: Vec<(usize, &'static str)> = seen
        .iter()
        .filter_map(|(&i, s)| Some((i, s.note?)))
        .collect();
    format_notes.sort_unstable();
    check_formats(&unrecognised, total.parsed, opts.log_format)?;
    let stats = InputStats {
        files: files.len(),
        bytes: total.bytes,
        lines: total.parsed + total.malformed,
        parsed: total.parsed,
        malformed: total.malformed,
        out_of_window: total.out_of_window,
        blank_lines: total.blank,
        header_lines: total.header,
        formats,
        malformed_samples: samples,
        failed_sources: source_errors.len(),
        source_errors: source_errors
            .into_iter()
            .map(|(i, reason, over_limit)| SourceFailure {
                source: files[i].name.clone(),
                reason,
                over_limit,
            })
            .collect(),
        unrecognised,
        format_notes: format_notes
            .into_iter()
            .map(|(i, note)| FormatNote {
                source: files[i].name.clone(),
                note: note.to_string(),
            })
            .collect(),
        ..InputStats::default()
    };
    Ok((accs, stats))
}

/// The inputs none of whose lines parsed, in input order.
fn unrecognised(
    files: &[InputFile],
    seen: &HashMap<usize, FileSeen>,
    per_source: &HashMap<usize, (u64, u64)>,
) -> Vec<Unrecognised> {
    let mut out: Vec<(usize, Unrecognised)> = per_source
        .iter()
        .filter(|(_, (lines, parsed))| *lines > 0 && *parsed == 0)
        .filter_map(|(&i, &(lines, _))| {
            let s = seen.get(&i)?;
            let looks_like = match &s.looks {
                Looks::Known(other) if other.id() != s.format => {
                    Some(other.id().title().to_string())
                }
                Looks::Other(what) => Some((*what).to_string()),
                _ => None,
            };
            Some((
                i,
                Unrecognised {
                    source: files[i].name.clone(),
                    read_as: s.format.name().to_string(),
                    lines,
                    looks_like,
                },
            ))
        })
        .collect();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, u)| u).collect()
}

/// Input that is not the chosen format is refused (exit 2), never an empty report: when no
/// line of any input parsed, or when an input looks like another format.
fn check_formats(
    unrecognised: &[Unrecognised],
    parsed: u64,
    log_format: LogFormat,
) -> Result<(), InputError> {
    let named: Vec<&Unrecognised> = unrecognised
        .iter()
        .filter(|u| u.looks_like.is_some())
        .collect();
    if parsed > 0 && named.is_empty() {
        return Ok(());
    }
    let Some(first) = named.first().copied().or(unrecognised.first()) else {
        return Ok(());
    };
    let what = match &first.looks_like {
        Some(l) => format!("it looks like {l}"),
        None => "its lines are not in any format hosp-logs reads".to_string(),
    };
    let more = match named.len().max(unrecognised.len()) {
        0 | 1 => String::new(),
        n => format!(" ({} inputs like it)", n),
    };
    let hint = match log_format {
        LogFormat::Auto => format!(
            "hosp-logs reads {} (--log-format {})",
            FormatId::ALL.map(|f| format!("{}s", f.title())).join(" and "),
            FormatId::ALL.map(FormatId::name).join(", ")
        ),
        fixed => format!(
            "it was read as --log-format {}; choose the input's format, or auto to recognise each file",
            fixed.fixed().map(FormatId::name).unwrap_or("auto")
        ),
    };
    Err(InputError::WrongFormat {
        source_name: first.source.clone(),
        detail: format!(
            "{}: {what}{more}; {hint}",
            not_in_format(first.lines, &first.read_as)
        ),
    })
}

/// "none of its 3 lines is an ALB access log line", "its one line is not …".
pub fn not_in_format(lines: u64, read_as: &str) -> String {
    let title = FormatId::ALL
        .iter()
        .find(|f| f.name() == read_as)
        .map_or("log", |f| f.title());
    let article = if title.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    match lines {
        1 => format!("its one line is not {article} {title} line"),
        n => format!("none of its {n} lines is {article} {title} line"),
    }
}

/// Reads all inputs into one frame of `columns` (names of the format's native columns), rows
/// in input order, with the config's `[exclude]`d traffic left out (counted in the second
/// value). Every input must be in one format: frames of two formats do not stack.
pub fn load_frame(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
    file_format: &FileFormat,
    columns: &[usize],
    exclude: &ClientFilter,
) -> Result<(DataFrame, u64, InputStats), LoadError> {
    let format = file_format.id();
    let cols: HashMap<FormatId, Vec<usize>> = [(format, columns.to_vec())].into();
    let sink = FrameSink {
        columns: &cols,
        routes: opts.routes,
        exclude,
    };
    let (parts, stats) = load(files, opts, &sink)?;
    if let Some((other, _)) = stats.formats.iter().find(|(f, _)| *f != format.name()) {
        return Err(InputError::WrongFormat {
            source_name: "the inputs".into(),
            detail: format!(
                "they hold {} and {other} logs; this command reads one format at a time: pass --log-format {} or leave the others out",
                format.name(),
                format.name()
            ),
        }
        .into());
    }
    let excluded = parts.iter().map(|p| p.excluded).sum();
    let mut batches: Vec<FrameBatch> = parts.into_iter().flat_map(|p| p.batches).collect();
    batches.sort_by_key(|b| (b.source, b.chunk));
    let mut iter = batches.into_iter();
    let df = match iter.next() {
        None => {
            let defs = file_format.columns();
            let picked: Vec<_> = columns.iter().map(|&i| defs[i].clone()).collect();
            crate::frame::empty_frame(&picked)
        }
        Some(first) => {
            let mut df = first.df;
            for b in iter {
                df.vstack_mut_owned(b.df)?;
            }
            df.rechunk_mut();
            df
        }
    };
    Ok((df, excluded, stats))
}

fn progress_bar(files: &[InputFile], enabled: bool) -> ProgressBar {
    let total: u64 = files.iter().filter_map(|f| f.size).sum();
    if !enabled || total == 0 {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} {bytes}/{total_bytes} {binary_bytes_per_sec} {wide_bar} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// What the reader threads share.
#[derive(Clone, Copy)]
struct Shared<'a> {
    files: &'a [InputFile],
    next_file: &'a AtomicUsize,
    /// Chunks are numbered as they enter the channel (the lock covers the send).
    next_seq: &'a Mutex<u64>,
    cancel: &'a AtomicBool,
    failures: &'a Mutex<Vec<(usize, String, bool)>>,
    seen: &'a Mutex<HashMap<usize, FileSeen>>,
    /// A file whose format lacks a role the command needs stops the run.
    refused: &'a Mutex<Option<crate::error::UsageError>>,
    progress: &'a ProgressBar,
    log_format: LogFormat,
    required: Option<(&'a str, RoleSet)>,
    formats: &'a FormatSettings,
    max_line_bytes: usize,
    inflate: InflateLimit,
    pool: &'a BufferPool,
    /// Plain local files are mapped, not read (`--no-mmap`: false).
    mmap: bool,
}

/// Chunk buffers handed back by the parsers once read, for the readers to fill again. A fresh
/// 4 MiB buffer costs a page fault and the kernel's zeroing per 4 KiB page, and a read needs
/// initialised bytes, so a fresh one is zeroed once more before it is filled: on a cached
/// plain file that was about a third of the CPU time of `slo`. A pooled buffer keeps every
/// byte up to its length initialised, so only a tail it never held is zeroed.
struct BufferPool {
    tx: Sender<Vec<u8>>,
    rx: Receiver<Vec<u8>>,
}

impl BufferPool {
    fn new(capacity: usize) -> BufferPool {
        let (tx, rx) = bounded(capacity.max(1));
        BufferPool { tx, rx }
    }

    /// A buffer of exactly `len` initialised bytes (their values are whatever it held).
    fn get(&self, len: usize) -> Vec<u8> {
        let mut b = self.rx.try_recv().unwrap_or_default();
        b.resize(len, 0);
        b
    }

    /// A buffer as it was handed back (or a new, empty one), for a caller that writes into
    /// its spare capacity (a whole-file inflate).
    fn take(&self) -> Vec<u8> {
        self.rx.try_recv().unwrap_or_default()
    }

    /// Hands a buffer back (dropped when the pool is full, or when it grew for a long line).
    fn put(&self, b: Vec<u8>) {
        if (CHUNK_BYTES..=4 * CHUNK_BYTES).contains(&b.capacity()) {
            let _ = self.tx.try_send(b);
        }
    }
}

/// Reads into `buf` until it is full or the stream ends: (bytes read, the stream ended, the
/// error that stopped it). One read per call of the stream, straight into `buf` (no
/// intermediate buffer, no zeroing: the bytes are initialised already).
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> (usize, bool, Option<std::io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => return (n, true, None),
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (n, true, Some(e)),
        }
    }
    (n, false, None)
}

/// How far a compressed input may inflate: `--max-inflate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflateLimit {
    /// Bytes inflated per compressed byte, and never less than `MIN_INFLATE_LIMIT`.
    Ratio(u64),
    /// An absolute number of bytes.
    Bytes(u64),
}

impl InflateLimit {
    /// The limit for an input of `compressed` bytes (unknown for stdin: the floor).
    pub fn limit(&self, compressed: Option<u64>) -> u64 {
        match *self {
            InflateLimit::Ratio(r) => compressed
                .map_or(0, |c| c.saturating_mul(r))
                .max(MIN_INFLATE_LIMIT),
            InflateLimit::Bytes(b) => b,
        }
    }
}

/// The format a file is read in, from its first bytes: the one asked for, else the one
/// recognised, else the fallback, ALB (its lines are then counted malformed and the file named).
pub fn file_format(
    log_format: LogFormat,
    head: &[u8],
    settings: &FormatSettings,
) -> (FileFormat, Looks) {
    let looks = recognise(head, settings);
    let format = match (log_format.fixed(), &looks) {
        (Some(id), _) => FileFormat::for_file(id, head, settings),
        (None, Looks::Known(f)) => f.clone(),
        (None, _) => FileFormat::for_file(FormatId::FALLBACK, head, settings),
    };
    (format, looks)
}

/// A file's format, decided on its first bytes and recorded; `None` when the command cannot
/// run on it (a role it needs is missing, or it is in another format than an input already
/// recognised): the run is refused and every reader stops.
fn decide_format(sh: &Shared<'_>, i: usize, head: &[u8]) -> Option<FileFormat> {
    let (f, looks) = file_format(sh.log_format, head, sh.formats);
    if let Some((name, roles)) = sh.required {
        if let Err(e) = super::check_roles(name, roles, &f) {
            let e = crate::error::UsageError(format!("{}: {e}", sh.files[i].name));
            refuse(sh, e);
            return None;
        }
    }
    let mut seen = sh.seen.lock().unwrap_or_else(|e| e.into_inner());
    // never two formats in one run: a request is logged at every hop it passes, and the
    // hops' counts added together are no hop's (recognised formats only: a file in none is
    // named apart)
    if let (LogFormat::Auto, Looks::Known(known)) = (sh.log_format, &looks) {
        let other = seen
            .iter()
            .find(|(_, s)| matches!(&s.looks, Looks::Known(o) if o.id() != known.id()));
        if let Some((&j, s)) = other {
            let e = two_formats(&sh.files[j].name, s.format, &sh.files[i].name, known.id());
            drop(seen);
            refuse(sh, e);
            return None;
        }
    }
    seen.insert(
        i,
        FileSeen {
            format: f.id(),
            looks,
            note: f.note(),
        },
    );
    Some(f)
}

/// Stops the run with `e` (the first refusal wins).
fn refuse(sh: &Shared<'_>, e: crate::error::UsageError) {
    sh.refused
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert(e);
    sh.cancel.store(true, Ordering::Relaxed);
}

/// The refusal of inputs in two formats: both named, and what to run instead.
pub fn two_formats(
    a: &str,
    a_format: FormatId,
    b: &str,
    b_format: FormatId,
) -> crate::error::UsageError {
    let (first, second) = if a <= b {
        ((a, a_format), (b, b_format))
    } else {
        ((b, b_format), (a, a_format))
    };
    crate::error::UsageError(format!(
        "the inputs hold more than one log format: {} is {} {}, {} {} {}. \
         One analysis reads one format: a request is logged at every hop it passes (edge, load \
         balancer, proxy), and the hops added together would count it once per hop. Read one \
         format at a time (--source only its files; --log-format {} refuses any other), \
         measure at one hop of the config's [[hops]] with `slo --hop NAME`, or put every hop \
         side by side with `hosp-logs hops`",
        first.0,
        article(first.1),
        first.1.title(),
        second.0,
        article(second.1),
        second.1.title(),
        FormatId::ALL.map(FormatId::name).join("|"),
    ))
}

fn article(f: FormatId) -> &'static str {
    if f.title().starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// Records that input `i` failed (named under `source_errors`).
fn fail(sh: &Shared<'_>, i: usize, reason: String, over_limit: bool) {
    sh.failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((i, reason, over_limit));
}

/// Reads a plain local file through mapped windows (see [`crate::source::mapped`]): each
/// window is cut at its last line end and handed over as it is, and the next one starts at
/// the line cut off; nothing is copied. Lines are cut, counted and skipped as
/// [`read_files`] does for a stream. `false`: every reader stops (refused, cancelled, or the
/// parsers gone).
fn read_mapped(sh: &Shared<'_>, tx: &Sender<RawChunk>, i: usize, file: &MappedFile) -> bool {
    let len = file.len();
    let mut pos: u64 = 0;
    let mut chunk = 0;
    let mut format: Option<FileFormat> = None;
    let mut want = CHUNK_BYTES as u64;
    while pos < len {
        if sh.cancel.load(Ordering::Relaxed) {
            return false;
        }
        let start = pos;
        // a file that shrank since it was opened is read to its new end and named (a read
        // past it would see no data); the guard covers a shrink after this check
        let end = (pos + want).min(len);
        if file.current_len().is_ok_and(|now| now < end) {
            fail(sh, i, shrank(len, file, pos), false);
            return true;
        }
        let window = match file.map(pos, (end - pos) as usize) {
            Ok(w) => Arc::new(w),
            Err(e) => {
                fail(sh, i, format!("read failed after {pos} bytes: {e}"), false);
                return true;
            }
        };
        let bytes = window.bytes();
        let eof = end == len;
        if format.is_none() && (eof || bytes.len() >= 64 << 10) {
            match decide_format(sh, i, bytes) {
                Some(f) => format = Some(f),
                None => return false,
            }
        }
        let last_end = memchr::memrchr(b'\n', bytes);
        // the file shrank after the check above, under this window: its end read as zeros
        // (the guard), so the window is not handed on, and the file is named
        if window.truncated() {
            fail(sh, i, shrank(len, file, pos), false);
            return true;
        }
        let mut now = format.clone().unwrap_or_else(FileFormat::fallback);
        let sent = if eof {
            pos = len;
            let data = ChunkBytes::Mapped(Arc::clone(&window), 0..bytes.len());
            send_last(sh, tx, i, &mut chunk, &mut now, data)
        } else {
            match last_end {
                Some(p) if format.is_some() => {
                    pos += p as u64 + 1;
                    want = CHUNK_BYTES as u64;
                    let data = ChunkBytes::Mapped(Arc::clone(&window), 0..p + 1);
                    let sent = send_switching(sh, tx, i, &mut chunk, &mut now, data);
                    format = Some(now);
                    sent
                }
                // no line end in more than a line may hold: count the line, skip to its end
                None if bytes.len() > sh.max_line_bytes => {
                    let line_end = match next_line_end(file, end) {
                        Ok(e) => e,
                        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                            fail(sh, i, shrank(len, file, pos), false);
                            return true;
                        }
                        Err(e) => {
                            fail(sh, i, format!("read failed after {end} bytes: {e}"), false);
                            return true;
                        }
                    };
                    let long = Chunk::LongLine(line_end.unwrap_or(len) - pos);
                    pos = line_end.map_or(len, |e| e + 1);
                    want = CHUNK_BYTES as u64;
                    let sent = send(sh, tx, i, chunk, now, long);
                    chunk += 1;
                    sent
                }
                // a line longer than the window, or too little to recognise: a larger window
                _ => {
                    want *= 2;
                    Ok(())
                }
            }
        };
        sh.progress.inc(pos - start);
        if sent.is_err() {
            return false;
        }
    }
    true
}

/// Why a mapped file stopped being read: it is shorter than when it was opened.
fn shrank(len: u64, file: &MappedFile, pos: u64) -> String {
    let now = file
        .current_len()
        .map_or_else(|e| format!("? ({e})"), |n| n.to_string());
    format!("the file shrank from {len} to {now} bytes while being read; bytes after {pos} were not read")
}

/// Where the first line end at or after `from` is (`None`: the file ends first), looked for
/// window by window. `UnexpectedEof`: the file shrank on the way.
fn next_line_end(file: &MappedFile, mut from: u64) -> std::io::Result<Option<u64>> {
    let shrank = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file shrank");
    while from < file.len() {
        let n = (file.len() - from).min(CHUNK_BYTES as u64);
        if file.current_len()? < from + n {
            return Err(shrank());
        }
        let window = file.map(from, n as usize)?;
        let found = memchr::memchr(b'\n', window.bytes());
        if window.truncated() {
            return Err(shrank());
        }
        if let Some(k) = found {
            return Ok(Some(from + k as u64));
        }
        from += n;
    }
    Ok(None)
}

fn read_files(sh: Shared<'_>, tx: Sender<RawChunk>) {
    let files = sh.files;
    let total = files.len();
    let fail = |i: usize, reason: String, over_limit: bool| fail(&sh, i, reason, over_limit);
    // a file inflated whole and too large to be one chunk leaves its buffer here, for the
    // next file's inflate (CloudFront's hourly files: tens of MiB each, page faults on every
    // fresh buffer)
    let mut inflate_buf: Vec<u8> = Vec::new();
    loop {
        let i = sh.next_file.fetch_add(1, Ordering::Relaxed);
        if i >= files.len() || sh.cancel.load(Ordering::Relaxed) {
            return;
        }
        sh.progress
            .set_message(format!("file {} of {total}", i + 1));
        if let (true, Location::Path(path)) = (sh.mmap, &files[i].location) {
            match MappedFile::open(path) {
                Ok(Some(file)) => {
                    if !read_mapped(&sh, &tx, i, &file) {
                        return;
                    }
                    continue;
                }
                // gzip, empty, or not a regular file: streamed below
                Ok(None) => {}
                Err(e) => {
                    fail(i, format!("cannot open: {e}"), false);
                    continue;
                }
            }
        }
        let progress = sh.progress;
        let limit = sh.inflate.limit(files[i].size);
        let decoded = match source::open_raw(&files[i])
            .map(|raw| -> Box<dyn Read + Send> { Box::new(progress.wrap_read(raw)) })
            .and_then(|raw| {
                let reuse = || match inflate_buf.capacity() {
                    0 => sh.pool.take(),
                    _ => std::mem::take(&mut inflate_buf),
                };
                source::decode_input(raw, files[i].size, limit, reuse)
            }) {
            Ok(r) => r,
            Err(e) => {
                fail(i, format!("cannot open: {e}"), false);
                continue;
            }
        };
        // a small file inflated whole is one chunk as it is (no copy); a larger one is cut
        // into chunks like any stream, so its parts are parsed in parallel
        let (mut stream, mut whole, mut big): (Box<dyn Read + Send>, _, _) = match decoded {
            source::Decoded::Whole(bytes) if bytes.len() <= 2 * CHUNK_BYTES => {
                (Box::new(std::io::empty()), Some(bytes), None)
            }
            source::Decoded::Whole(bytes) => (
                Box::new(std::io::empty()),
                None,
                Some(std::io::Cursor::new(bytes)),
            ),
            source::Decoded::Stream(r) => (r, None, None),
        };
        let mut format: Option<FileFormat> = None;
        // the start of a line cut by the end of the previous chunk, copied to the next one
        let mut carry: Vec<u8> = Vec::new();
        let mut chunk = 0;
        let mut read_total: u64 = 0;
        // bytes of a line longer than --max-line-bytes, skipped up to its newline
        let mut skipping: Option<u64> = None;
        loop {
            let (mut buf, n, eof, error) = match whole.take() {
                Some(bytes) => {
                    let n = bytes.len();
                    (bytes, n, true, None)
                }
                None => {
                    let before = carry.len();
                    let want = CHUNK_BYTES.saturating_sub(before).max(1 << 16);
                    let mut buf = sh.pool.get(before + want);
                    buf[..before].copy_from_slice(&carry);
                    carry.clear();
                    let reader: &mut dyn Read = match big.as_mut() {
                        Some(cursor) => cursor,
                        None => &mut stream,
                    };
                    let (n, eof, error) = fill(reader, &mut buf[before..]);
                    buf.truncate(before + n);
                    (buf, n, eof, error)
                }
            };
            if let Some(e) = error {
                let over_limit = e
                    .get_ref()
                    .is_some_and(|e| e.is::<source::InflateLimitExceeded>());
                fail(
                    i,
                    format!("read failed after {} bytes: {e}", read_total + n as u64),
                    over_limit,
                );
            }
            read_total += n as u64;
            // the format is decided on the first bytes (a whole chunk, or the whole file)
            if format.is_none() && (eof || buf.len() >= 64 << 10) {
                match decide_format(&sh, i, &buf) {
                    Some(f) => format = Some(f),
                    None => return,
                }
            }
            let f = || format.clone().unwrap_or_else(FileFormat::fallback);
            if let Some(skipped) = skipping {
                match memchr::memchr(b'\n', &buf) {
                    Some(pos) => {
                        skipping = None;
                        let long = Chunk::LongLine(skipped + pos as u64);
                        if send(&sh, &tx, i, chunk, f(), long).is_err() {
                            return;
                        }
                        chunk += 1;
                        buf.drain(..=pos);
                    }
                    None => {
                        skipping = Some(skipped + buf.len() as u64);
                        if eof {
                            let long = Chunk::LongLine(skipped + buf.len() as u64);
                            let _ = send(&sh, &tx, i, chunk, f(), long);
                            break;
                        }
                        continue;
                    }
                }
            }
            if eof {
                let mut now = f();
                let _ = send_last(&sh, &tx, i, &mut chunk, &mut now, ChunkBytes::Owned(buf));
                break;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(pos) if format.is_some() => {
                    carry.extend_from_slice(&buf[pos + 1..]);
                    buf.truncate(pos + 1);
                    let mut now = f();
                    let data = ChunkBytes::Owned(buf);
                    if send_switching(&sh, &tx, i, &mut chunk, &mut now, data).is_err() {
                        return;
                    }
                    format = Some(now);
                }
                // no newline in more than a line may hold: skip the line, never hold it whole
                None if buf.len() > sh.max_line_bytes => skipping = Some(buf.len() as u64),
                // a line longer than a chunk, or too little to recognise: keep reading
                _ => carry = buf,
            }
            if sh.cancel.load(Ordering::Relaxed) {
                return;
            }
        }
        if let Some(cursor) = big {
            inflate_buf = cursor.into_inner();
        }
    }
}

/// Sends a chunk of whole lines, cut where a line switches the file's format (CloudFront's
/// `#Fields` in the middle of concatenated files): the lines after it are sent with the
/// format that line gives, which `format` holds afterwards. Chunks of one file are parsed in
/// parallel, so the switch has to happen here, where the file is read in order.
fn send_switching(
    sh: &Shared<'_>,
    tx: &Sender<RawChunk>,
    source: usize,
    chunk: &mut usize,
    format: &mut FileFormat,
    mut buf: ChunkBytes,
) -> Result<(), ()> {
    if let Some(marker) = format.switch_marker() {
        let mut from = 0;
        while let Some(at) = marker_line(&buf, marker, from) {
            if at > 0 {
                let rest = buf.split_off(at);
                send(sh, tx, source, *chunk, format.clone(), Chunk::Data(buf))?;
                *chunk += 1;
                buf = rest;
            }
            *format = FileFormat::for_file(format.id(), &buf, sh.formats);
            from = 1;
        }
    }
    send(sh, tx, source, *chunk, format.clone(), Chunk::Data(buf))?;
    *chunk += 1;
    Ok(())
}

/// Sends a file's last bytes: one line too long to hold (no line end in more than a line may
/// hold: counted, not sent), or its last lines.
fn send_last(
    sh: &Shared<'_>,
    tx: &Sender<RawChunk>,
    source: usize,
    chunk: &mut usize,
    format: &mut FileFormat,
    data: ChunkBytes,
) -> Result<(), ()> {
    if data.len() > sh.max_line_bytes && memchr::memchr(b'\n', &data).is_none() {
        let long = Chunk::LongLine(data.len() as u64);
        send(sh, tx, source, *chunk, format.clone(), long)
    } else if !data.is_empty() {
        send_switching(sh, tx, source, chunk, format, data)
    } else {
        Ok(())
    }
}

/// Where the first line that starts with `marker` begins, at or after `from`.
fn marker_line(buf: &[u8], marker: &[u8], from: usize) -> Option<usize> {
    if from == 0 && buf.starts_with(marker) {
        return Some(0);
    }
    let start = from.saturating_sub(1);
    let mut pattern = Vec::with_capacity(marker.len() + 1);
    pattern.push(b'\n');
    pattern.extend_from_slice(marker);
    memchr::memmem::find(&buf[start..], &pattern).map(|k| start + k + 1)
}

/// Numbers a chunk and sends it (the number and the send under one lock, so numbers follow
/// the channel's order).
fn send(
    sh: &Shared<'_>,
    tx: &Sender<RawChunk>,
    source: usize,
    chunk: usize,
    format: FileFormat,
    data: Chunk,
) -> Result<(), ()> {
    let mut seq = sh.next_seq.lock().unwrap_or_else(|e| e.into_inner());
    tx.send(RawChunk {
        source,
        chunk,
        seq: *seq,
        format,
        data,
    })
    .map_err(|_| ())?;
    *seq += 1;
    Ok(())
}

fn parse_chunks<S: Sink>(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
    rx: Receiver<RawChunk>,
    cancel: &AtomicBool,
    pool: &BufferPool,
    sink: &S,
) -> Result<(S::Acc, WorkerStats), PolarsError> {
    let mut acc = sink.init();
    let mut st = WorkerStats::default();
    // what a chunk's records borrow besides its bytes (see `ChunkText`), emptied per chunk
    let mut arena = bumpalo::Bump::new();
    for raw in rx {
        let (source, chunk) = (raw.source, raw.chunk);
        let data = match raw.data {
            Chunk::Data(d) => d,
            Chunk::LongLine(len) => {
                // one line, malformed, where it stood
                st.bytes += len;
                st.malformed += 1;
                st.chunk_lines.push((source, chunk, 1));
                st.per_source.entry(source).or_default().0 += 1;
                if st.samples.len() < MAX_SAMPLES {
                    st.samples.push(LocalMalformed {
                        source,
                        chunk,
                        line_in_chunk: 1,
                        reason: format!(
                            "line too long: {len} bytes (--max-line-bytes {})",
                            opts.max_line_bytes
                        ),
                    });
                }
                if opts.strict {
                    cancel.store(true, Ordering::Relaxed);
                }
                ChunkBytes::Owned(Vec::new())
            }
        };
        st.bytes += data.len() as u64;
        if cancel.load(Ordering::Relaxed) {
            // still count lines, so the strict error can name its line number
            if !data.is_empty() {
                let lines = memchr::memchr_iter(b'\n', &data).count() as u64
                    + u64::from(!data.ends_with(b"\n"));
                st.chunk_lines.push((source, chunk, lines));
            }
            continue;
        }
        let malformed_before = st.malformed;
        let place = Place {
            source,
            chunk,
            seq: raw.seq,
            source_name: &files[source].name,
        };
        // a long line's chunk has no text: the sink still sees it (an export numbers every
        // chunk it writes)
        let (lines, parsed) = scan_chunk(
            sink,
            &mut acc,
            &raw.format,
            ChunkText::new(&data, &arena),
            opts,
            cancel,
            &mut st,
            place,
        )?;
        st.parsed += parsed;
        if !data.is_empty() {
            st.chunk_lines.push((source, chunk, lines));
            let e = st.per_source.entry(source).or_default();
            e.1 += parsed;
            e.0 += parsed + (st.malformed - malformed_before);
        }
        arena.reset();
        if data.truncated() {
            st.failures.push((
                source,
                "the file shrank while being read: the bytes past its new end read as zeros (a line of them may be counted malformed)".to_string(),
            ));
        }
        data.release(pool);
    }
    Ok((acc, st))
}

/// Where a chunk stands: its input, its place in it and in the readers' order.
struct Place<'a> {
    source: usize,
    chunk: usize,
    seq: u64,
    source_name: &'a str,
}

/// Runs a sink over one chunk of whole lines in its file's format; returns (lines, parsed).
#[allow(clippy::too_many_arguments)]
fn scan_chunk<S: Sink>(
    sink: &S,
    acc: &mut S::Acc,
    format: &FileFormat,
    text: ChunkText<'_>,
    opts: &LoadOptions<'_>,
    cancel: &AtomicBool,
    st: &mut WorkerStats,
    place: Place<'_>,
) -> Result<(u64, u64), PolarsError> {
    let mut scan = Scan {
        seq: place.seq,
        window: opts.window,
        strict: opts.strict,
        cancel,
        st,
        source: place.source,
        chunk: place.chunk,
        source_name: place.source_name,
        lines: 0,
        parsed: 0,
        max_line_bytes: opts.max_line_bytes,
        latest_us: opts.now_us.saturating_add(DAY_US),
    };
    crate::with_line_format!(format, |f| sink.chunk(acc, f, text, &mut scan))?;
    Ok((scan.lines, scan.parsed))
}

/// What the lines of one chunk were, as [`parse_chunk`] counted them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkCounts {
    pub bytes: u64,
    /// Non-blank lines that are not a format's header lines: parsed + malformed.
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    pub out_of_window: u64,
    pub blank: u64,
    pub header: u64,
    /// The first malformed lines: (line number within the chunk, from 1; reason).
    pub samples: Vec<(u64, String)>,
}

/// Parses one chunk of whole lines of a known format into a sink's accumulator, with the
/// loader's line rules and counts: for a caller that reads its own bytes, such as `watch`
/// following a growing file. `--strict` is the caller's to apply (a malformed line is counted
/// here, never an error).
pub fn parse_chunk<S: Sink>(
    sink: &S,
    acc: &mut S::Acc,
    format: &FileFormat,
    data: &[u8],
    opts: &LoadOptions<'_>,
    source_name: &str,
) -> Result<ChunkCounts, PolarsError> {
    let arena = bumpalo::Bump::new();
    let text = ChunkText::new(data, &arena);
    let cancel = AtomicBool::new(false);
    let mut st = WorkerStats::default();
    let place = Place {
        source: 0,
        chunk: 0,
        seq: 0,
        source_name,
    };
    let (_, parsed) = scan_chunk(sink, acc, format, text, opts, &cancel, &mut st, place)?;
    Ok(ChunkCounts {
        bytes: data.len() as u64,
        lines: parsed + st.malformed,
        parsed,
        malformed: st.malformed,
        out_of_window: st.out_of_window,
        blank: st.blank,
        header: st.header,
        samples: st
            .samples
            .into_iter()
            .map(|m| (m.line_in_chunk, m.reason))
            .collect(),
    })
}

/// Turns chunk-relative positions into line numbers within each input, first ones first.
fn locate(
    files: &[InputFile],
    chunk_lines: &mut [(usize, usize, u64)],
    mut samples: Vec<LocalMalformed>,
) -> Vec<Malformed> {
    chunk_lines.sort_unstable();
    samples.sort_by_key(|m| (m.source, m.chunk, m.line_in_chunk));
    samples.truncate(MAX_SAMPLES);
    samples
        .into_iter()
        .map(|m| {
            let before: u64 = chunk_lines
                .iter()
                .filter(|(s, c, _)| *s == m.source && *c < m.chunk)
                .map(|(_, _, n)| n)
                .sum();
            Malformed {
                source: files[m.source].name.clone(),
                line: before + m.line_in_chunk,
                reason: m.reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Looking for a long line's end stops with `UnexpectedEof` when the file is shorter than
    /// when it was opened, instead of reading on past its end.
    #[test]
    fn a_line_end_is_not_looked_for_past_a_shrunk_files_end() {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let mut text = vec![b'x'; 3 * CHUNK_BYTES];
        text.extend_from_slice(b"\nnext\n");
        f.write_all(&text).unwrap();
        f.flush().unwrap();
        let file = MappedFile::open(f.path()).unwrap().unwrap();
        assert_eq!(
            next_line_end(&file, 0).unwrap(),
            Some(3 * CHUNK_BYTES as u64)
        );
        assert_eq!(
            next_line_end(&file, 3 * CHUNK_BYTES as u64 + 1).unwrap(),
            Some(text.len() as u64 - 1)
        );
        f.as_file().set_len(CHUNK_BYTES as u64).unwrap();
        let e = next_line_end(&file, 0).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        let why = shrank(file.len(), &file, 42);
        assert!(
            why.contains(&format!("from {} to {} bytes", text.len(), CHUNK_BYTES)),
            "{why}"
        );
        assert!(why.contains("after 42"), "{why}");
    }

    #[test]
    fn lines_split_as_split_terminator_does() {
        let check = |text: &[u8]| {
            let want: Vec<(&[u8], bool)> = text
                .split(|&c| c == b'\n')
                .map(|l| (l, l.is_ascii()))
                .collect();
            // split_terminator: nothing after a final line end
            let want = match want.split_last() {
                Some((last, rest)) if last.0.is_empty() => rest.to_vec(),
                _ => want,
            };
            assert_eq!(lines(text).collect::<Vec<_>>(), want, "{text:?}");
            // both searches, whichever this CPU runs by default
            assert_eq!(
                lines_with(text, Wide(false)).collect::<Vec<_>>(),
                want,
                "{text:?}"
            );
            if Wide::detect() == Wide(true) {
                assert_eq!(
                    lines_with(text, Wide(true)).collect::<Vec<_>>(),
                    want,
                    "{text:?}"
                );
            }
        };
        for text in [
            "",
            "\n",
            "\n\n",
            "a",
            "a\n",
            "a\nb",
            "a\nb\n",
            "a\n\nb\n\n",
            "é\r\nü\n\u{fffd}",
        ] {
            check(text.as_bytes());
        }
        // lines of every length around the 64-byte steps, a non-ASCII byte (or none) at
        // every place in them, with and without a final line end
        let mut text = Vec::new();
        for len in 0..200usize {
            for at in (0..len).step_by(7).chain([usize::MAX]) {
                text.clear();
                for round in 0..3 {
                    let start = text.len();
                    text.extend(std::iter::repeat_n(b'a' + round, len));
                    if at != usize::MAX && round == 1 {
                        text[start + at] = 0xc3;
                    }
                    text.push(b'\n');
                }
                check(&text);
                check(&text[..text.len() - 1]);
            }
        }
    }
}
