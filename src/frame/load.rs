//! The read → parse → typed-batch pipeline, parallel across files and across chunks of a file.
//!
//! Readers (one per file at a time) decompress and cut the stream into chunks at line ends;
//! parser threads turn each chunk into a typed `DataFrame` batch holding only the projected
//! columns, and fold it into a per-thread accumulator. Memory stays bounded by the channel.

use std::borrow::Cow;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crossbeam_channel::{bounded, Receiver, Sender};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use polars::prelude::{DataFrame, PolarsError};
use serde::Serialize;

use super::builder::BatchBuilder;
use super::schema::ColumnSet;
use crate::error::InputError;
use crate::parse::{parse_line, Routes};
use crate::source::{self, InputFile};
use crate::window::Window;

/// Bytes handed to a parser at a time.
const CHUNK_BYTES: usize = 4 << 20;
/// Malformed lines kept with their location; all are counted.
const MAX_SAMPLES: usize = 20;

pub struct LoadOptions<'a> {
    pub columns: ColumnSet,
    pub window: Window,
    pub strict: bool,
    pub routes: &'a Routes,
    pub threads: usize,
    /// Inputs read at once (default: one per thread). Downloads want more.
    pub readers: Option<usize>,
    pub progress: bool,
}

/// One chunk of one input, parsed into typed columns.
pub struct Batch {
    pub df: DataFrame,
    /// Index of the input in the list given to `load`.
    pub source: usize,
    /// Position of the chunk within its input.
    pub chunk: usize,
}

/// What was read, and everything that could not be used, with where and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputStats {
    /// Files (or objects) read.
    pub files: usize,
    /// Files never opened: their ALB name puts them outside the window.
    pub pruned_files: usize,
    /// Files met in folders that are not ALB access logs.
    pub skipped_files: usize,
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Non-blank lines read: parsed + malformed.
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    /// Parsed lines whose time falls outside the window.
    pub out_of_window: u64,
    pub blank_lines: u64,
    /// The first malformed lines, with their location.
    pub malformed_samples: Vec<Malformed>,
    /// Inputs that failed to open or broke off while reading (truncated gzip, I/O error).
    pub source_errors: Vec<SourceFailure>,
    /// How many inputs are in `source_errors`.
    pub failed_sources: usize,
    /// S3 objects listed, pruned, fetched, read from the cache (S3 sources only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<crate::source::s3::ObjectStats>,
    /// The Athena query: id, data scanned, cost (`--engine athena` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub athena: Option<crate::source::athena::QueryStats>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    pub source: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFailure {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Polars(#[from] PolarsError),
}

struct RawChunk {
    source: usize,
    chunk: usize,
    data: Vec<u8>,
}

/// A malformed line located by chunk; turned into a line number once all chunks are counted.
struct LocalMalformed {
    source: usize,
    chunk: usize,
    line_in_chunk: u64,
    reason: String,
}

#[derive(Default)]
struct WorkerStats {
    bytes: u64,
    parsed: u64,
    malformed: u64,
    out_of_window: u64,
    blank: u64,
    samples: Vec<LocalMalformed>,
    /// (source, chunk, lines in chunk)
    chunk_lines: Vec<(usize, usize, u64)>,
}

/// Reads every input, folding each parsed batch into one accumulator per worker thread.
/// Returns the accumulators (merge them) and the input statistics.
pub fn load<A, I, F>(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
    init: I,
    fold: F,
) -> Result<(Vec<A>, InputStats), LoadError>
where
    A: Send,
    I: Fn() -> A + Sync,
    F: Fn(&mut A, Batch) -> Result<(), PolarsError> + Sync,
{
    let threads = opts.threads.max(1);
    let readers = opts.readers.unwrap_or(threads).min(files.len()).max(1);
    let next_file = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let progress = progress_bar(files, opts.progress);

    let (tx, rx) = bounded::<RawChunk>(threads * 2);
    let results: Vec<Result<(A, WorkerStats), PolarsError>> = std::thread::scope(|s| {
        for _ in 0..readers {
            let tx = tx.clone();
            let (next_file, cancel, failures, progress) =
                (&next_file, &cancel, &failures, &progress);
            s.spawn(move || read_files(files, next_file, cancel, failures, progress, tx));
        }
        drop(tx);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                let (init, fold, cancel) = (&init, &fold, &cancel);
                s.spawn(move || parse_chunks(files, opts, rx, cancel, init, fold))
            })
            .collect();
        workers
            .into_iter()
            .map(|h| h.join().expect("parser thread panicked"))
            .collect()
    });
    progress.finish_and_clear();

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
        total.samples.extend(w.samples);
        total.chunk_lines.extend(w.chunk_lines);
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
    source_errors.sort();
    if opts.strict {
        if let Some((i, reason)) = source_errors.first() {
            return Err(InputError::Unreadable {
                path: files[*i].name.clone(),
                reason: reason.clone(),
            }
            .into());
        }
    }
    let stats = InputStats {
        files: files.len(),
        bytes: total.bytes,
        lines: total.parsed + total.malformed,
        parsed: total.parsed,
        malformed: total.malformed,
        out_of_window: total.out_of_window,
        blank_lines: total.blank,
        malformed_samples: samples,
        failed_sources: source_errors.len(),
        source_errors: source_errors
            .into_iter()
            .map(|(i, reason)| SourceFailure {
                source: files[i].name.clone(),
                reason,
            })
            .collect(),
        ..InputStats::default()
    };
    Ok((accs, stats))
}

/// Reads all inputs into one frame, rows in input order.
pub fn load_frame(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
) -> Result<(DataFrame, InputStats), LoadError> {
    let (parts, stats) = load(files, opts, Vec::new, |acc: &mut Vec<Batch>, b| {
        acc.push(b);
        Ok(())
    })?;
    let mut batches: Vec<Batch> = parts.into_iter().flatten().collect();
    batches.sort_by_key(|b| (b.source, b.chunk));
    let mut iter = batches.into_iter();
    let df = match iter.next() {
        None => super::empty_frame(opts.columns),
        Some(first) => {
            let mut df = first.df;
            for b in iter {
                df.vstack_mut_owned(b.df)?;
            }
            df.rechunk_mut();
            df
        }
    };
    Ok((df, stats))
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

fn read_files(
    files: &[InputFile],
    next_file: &AtomicUsize,
    cancel: &AtomicBool,
    failures: &Mutex<Vec<(usize, String)>>,
    progress: &ProgressBar,
    tx: Sender<RawChunk>,
) {
    let total = files.len();
    let fail = |i: usize, reason: String| {
        failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((i, reason));
    };
    loop {
        let i = next_file.fetch_add(1, Ordering::Relaxed);
        if i >= files.len() || cancel.load(Ordering::Relaxed) {
            return;
        }
        progress.set_message(format!("file {} of {total}", i + 1));
        let mut reader = match source::open_raw(&files[i])
            .map(|raw| -> Box<dyn Read + Send> { Box::new(progress.wrap_read(raw)) })
            .and_then(source::decode)
        {
            Ok(r) => r,
            Err(e) => {
                fail(i, format!("cannot open: {e}"));
                continue;
            }
        };
        let mut carry: Vec<u8> = Vec::new();
        let mut chunk = 0;
        let mut read_total: u64 = 0;
        loop {
            let mut buf = Vec::with_capacity(CHUNK_BYTES + carry.len());
            buf.append(&mut carry);
            let want = (CHUNK_BYTES.saturating_sub(buf.len())).max(1 << 16) as u64;
            let before = buf.len();
            let (n, eof) = match (&mut reader).take(want).read_to_end(&mut buf) {
                Ok(n) => (n, n == 0),
                Err(e) => {
                    let got = buf.len() - before;
                    fail(
                        i,
                        format!("read failed after {} bytes: {e}", read_total + got as u64),
                    );
                    (got, true)
                }
            };
            read_total += n as u64;
            if eof {
                if !buf.is_empty() {
                    let _ = tx.send(RawChunk {
                        source: i,
                        chunk,
                        data: buf,
                    });
                }
                break;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(pos) => {
                    carry = buf.split_off(pos + 1);
                    if tx
                        .send(RawChunk {
                            source: i,
                            chunk,
                            data: buf,
                        })
                        .is_err()
                    {
                        return;
                    }
                    chunk += 1;
                }
                // a line longer than a chunk: keep reading it
                None => carry = buf,
            }
            if cancel.load(Ordering::Relaxed) {
                return;
            }
        }
    }
}

fn parse_chunks<A, I, F>(
    files: &[InputFile],
    opts: &LoadOptions<'_>,
    rx: Receiver<RawChunk>,
    cancel: &AtomicBool,
    init: &I,
    fold: &F,
) -> Result<(A, WorkerStats), PolarsError>
where
    I: Fn() -> A,
    F: Fn(&mut A, Batch) -> Result<(), PolarsError>,
{
    let mut acc = init();
    let mut st = WorkerStats::default();
    for raw in rx {
        st.bytes += raw.data.len() as u64;
        if cancel.load(Ordering::Relaxed) {
            // still count lines, so the strict error can name its line number
            let lines = memchr::memchr_iter(b'\n', &raw.data).count() as u64
                + u64::from(!raw.data.ends_with(b"\n"));
            st.chunk_lines.push((raw.source, raw.chunk, lines));
            continue;
        }
        let text = match std::str::from_utf8(&raw.data) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(&raw.data),
        };
        let mut batch = BatchBuilder::new(
            opts.columns,
            raw.data.len() / 300 + 16,
            &files[raw.source].name,
        );
        let mut line_no = 0u64;
        for line in text.split_terminator('\n') {
            line_no += 1;
            if line.trim_ascii().is_empty() {
                st.blank += 1;
                continue;
            }
            match parse_line(line) {
                Ok(rec) => {
                    st.parsed += 1;
                    if opts.window.contains(rec.time_us) {
                        batch.push(&rec, opts.routes);
                    } else {
                        st.out_of_window += 1;
                    }
                }
                Err(e) => {
                    st.malformed += 1;
                    if st.samples.len() < MAX_SAMPLES {
                        st.samples.push(LocalMalformed {
                            source: raw.source,
                            chunk: raw.chunk,
                            line_in_chunk: line_no,
                            reason: e.to_string(),
                        });
                    }
                    if opts.strict {
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
        st.chunk_lines.push((raw.source, raw.chunk, line_no));
        if !batch.is_empty() {
            fold(
                &mut acc,
                Batch {
                    df: batch.finish(),
                    source: raw.source,
                    chunk: raw.chunk,
                },
            )?;
        }
    }
    Ok((acc, st))
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
