//! CloudWatch Logs sources: `cwlogs://LOG_GROUP[?stream_prefix=P]`, read through the AWS SDK.
//!
//! The group's streams are listed (DescribeLogStreams, narrowed by the prefix), those whose
//! events all lie outside the window are left out, and the rest are read in batches of up to
//! 100 streams (one input each) with FilterLogEvents: the window is pushed down as startTime /
//! endTime, every page is followed while a nextToken comes back (empty pages included: a
//! search over many streams returns pages with no events and a token), and throttling, 5XX
//! and transport errors are retried with exponential backoff up to `--max-attempts`. Each
//! event's message is one log line (a trailing newline dropped, inner line breaks made
//! spaces); the event's own timestamp is not passed on: every format read here carries its
//! time in the line. Credentials, `--profile`, `--region` and `--endpoint-url` are S3's.

use std::fmt;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;
use tokio::runtime::Runtime;

use super::{AwsSettings, InputFile, Location};
use crate::window::Window;

/// Streams per FilterLogEvents call (the API's limit for logStreamNames).
pub const STREAMS_PER_CALL: usize = 100;
/// Events are kept this long after the window's end: a shipper stamps an event when it reads
/// the line, a little after the time written in it (the engine still drops lines whose own
/// time is outside the window).
pub const END_SLACK_MS: i64 = 5 * 60 * 1000;
/// CloudWatch accepts events stamped up to 2 hours after their ingestion, so a stream whose
/// last ingestion is more than this before the window's start holds none of its events.
const INGESTION_LEAD_MS: i64 = 2 * 3600 * 1000;
/// The first backoff; doubled each try, with jitter, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum CwlError {
    #[error(
        "{0}: expected cwlogs://LOG_GROUP, optionally ?stream_prefix=PREFIX and &limit=N (1 to 10000)"
    )]
    BadUrl(String),
    #[error("cwlogs:// needs a region: pass --region, or set AWS_REGION or the profile's region")]
    NoRegion,
    #[error("starting the AWS client: {0}")]
    Runtime(String),
    #[error("listing the streams of log group {group}{}: {reason}", prefix_note(.prefix))]
    List {
        group: String,
        prefix: Option<String>,
        reason: String,
    },
}

fn prefix_note(prefix: &Option<String>) -> String {
    prefix
        .as_ref()
        .map(|p| format!(" (stream prefix {p:?})"))
        .unwrap_or_default()
}

/// A parsed `cwlogs://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CwlUrl {
    /// The whole rest up to `?`: log group names may hold slashes, never `?`.
    pub group: String,
    pub stream_prefix: Option<String>,
    /// Events per FilterLogEvents page (None: the API's default, up to 10,000).
    pub limit: Option<i32>,
}

/// `cwlogs://API-Gateway-Access-Logs_abc123/prod?stream_prefix=2026&limit=500`.
pub fn parse_url(url: &str) -> Result<CwlUrl, CwlError> {
    let bad = || CwlError::BadUrl(url.to_string());
    let rest = url.strip_prefix("cwlogs://").ok_or_else(bad)?;
    let (group, query) = rest.split_once('?').unwrap_or((rest, ""));
    // the characters CloudWatch allows in a group name, at most 512 of them
    let valid = |c: char| c.is_ascii_alphanumeric() || "._-/#".contains(c);
    if group.is_empty() || group.len() > 512 || !group.chars().all(valid) {
        return Err(bad());
    }
    let mut out = CwlUrl {
        group: group.to_string(),
        stream_prefix: None,
        limit: None,
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("stream_prefix", v)) if !v.is_empty() => out.stream_prefix = Some(v.into()),
            Some(("limit", v)) => match v.parse::<i32>() {
                Ok(n) if (1..=10_000).contains(&n) => out.limit = Some(n),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

/// What happened while reading, so nothing is lost silently.
#[derive(Debug, Default)]
pub struct CwlStats {
    /// Streams listed, and those left out because the window holds none of their events.
    pub streams: AtomicU64,
    pub streams_pruned: AtomicU64,
    /// FilterLogEvents pages read, those of them with no events, and the events they held.
    pub pages: AtomicU64,
    pub empty_pages: AtomicU64,
    pub events: AtomicU64,
    /// Calls tried again after throttling or a transient failure.
    pub retries: AtomicU64,
}

impl CwlStats {
    fn add(&self, counter: &AtomicU64, n: u64) {
        let _ = self;
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// What a read took, for `-v`.
    pub fn reading_summary(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} pages ({} empty), {} events, {} retries",
            g(&self.pages),
            g(&self.empty_pages),
            g(&self.events),
            g(&self.retries)
        )
    }
}

/// One page of events: (timestamp in ms, message), and the token of the next page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub events: Vec<(i64, String)>,
    pub next: Option<String>,
}

/// Why a call failed: tried again, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Throttling, a 5XX, a timeout or a dropped connection: worth another try.
    Retryable(String),
    /// A missing group or stream, access denied, a bad request: another try cannot help.
    Fatal(String),
}

impl CallError {
    fn reason(&self) -> &str {
        match self {
            CallError::Retryable(r) | CallError::Fatal(r) => r,
        }
    }
}

/// Calls `call` until it succeeds, fails for good, or `max_attempts` tries have failed,
/// sleeping (through `sleep`) an exponential backoff with jitter between tries.
pub fn with_retry<T>(
    max_attempts: u32,
    stats: &CwlStats,
    sleep: &mut dyn FnMut(Duration),
    mut call: impl FnMut() -> Result<T, CallError>,
) -> Result<T, String> {
    let max_attempts = max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match call() {
            Ok(v) => return Ok(v),
            Err(CallError::Retryable(r)) if attempt < max_attempts => {
                stats.add(&stats.retries, 1);
                sleep(backoff(attempt));
                attempt += 1;
                let _ = r;
            }
            Err(CallError::Retryable(r)) => {
                return Err(format!("{r} (after {attempt} attempts)"));
            }
            Err(e) => return Err(e.reason().to_string()),
        }
    }
}

/// The wait before try `attempt + 1`: 200 ms doubled each try up to 20 s, with "equal
/// jitter" (half fixed, half random) so readers throttled together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let full = FIRST_BACKOFF
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(MAX_BACKOFF);
    let half = full / 2;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    half + half.mul_f64(f64::from(nanos % 1000) / 1000.0)
}

/// Where pages come from: FilterLogEvents, or a test's list.
pub trait PageSource: Send {
    fn page(&mut self, token: Option<String>) -> Result<Page, CallError>;
}

/// The events of one input as a byte stream: each message a line. Pages are fetched as the
/// reader needs them, so a large group is never held whole.
pub struct EventReader<P> {
    pages: P,
    stats: Arc<CwlStats>,
    max_attempts: u32,
    sleep: Box<dyn FnMut(Duration) + Send>,
    /// What the input is, for errors: the group and its streams.
    what: String,
    buf: Vec<u8>,
    pos: usize,
    /// The token of the next page; None before the first page and after the last.
    token: Option<String>,
    started: bool,
    done: bool,
    /// Say on stderr what was read once the last page is in (`-v`).
    verbose: bool,
}

impl<P: PageSource> EventReader<P> {
    pub fn new(
        pages: P,
        stats: Arc<CwlStats>,
        max_attempts: u32,
        sleep: Box<dyn FnMut(Duration) + Send>,
        what: String,
    ) -> EventReader<P> {
        EventReader {
            pages,
            stats,
            max_attempts,
            sleep,
            what,
            buf: Vec::new(),
            pos: 0,
            token: None,
            started: false,
            done: false,
            verbose: false,
        }
    }

    /// With `verbose`, the reader says on stderr how many pages, empty pages, events and
    /// retries its input took, once its last page is in.
    pub fn verbose(mut self, verbose: bool) -> EventReader<P> {
        self.verbose = verbose;
        self
    }

    /// Fetches pages until one holds events or the last has been read.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        while self.buf.is_empty() && !self.done {
            if self.started && self.token.is_none() {
                self.done = true;
                if self.verbose {
                    eprintln!(
                        "hosp-logs: {}: {}",
                        self.what.escape_debug(),
                        self.stats.reading_summary()
                    );
                }
                break;
            }
            self.started = true;
            let token = self.token.take();
            let (pages, stats) = (&mut self.pages, &self.stats);
            let page = with_retry(self.max_attempts, stats, &mut self.sleep, || {
                pages.page(token.clone())
            })
            .map_err(|reason| io::Error::other(format!("{}: {reason}", self.what)))?;
            stats.add(&stats.pages, 1);
            if page.events.is_empty() {
                stats.add(&stats.empty_pages, 1);
            }
            stats.add(&stats.events, page.events.len() as u64);
            for (_, message) in &page.events {
                push_line(&mut self.buf, message);
            }
            self.token = page.next.filter(|t| !t.is_empty());
        }
        Ok(())
    }
}

/// A message as one line: a trailing line break dropped, inner ones made spaces (one event is
/// one line, whatever it holds).
fn push_line(buf: &mut Vec<u8>, message: &str) {
    let m = message.trim_end_matches(['\n', '\r']);
    buf.extend(
        m.bytes()
            .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
    );
    buf.push(b'\n');
}

impl<P: PageSource> Read for EventReader<P> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.buf.len() {
            self.refill()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// One CloudWatch Logs client and its runtime, shared by every input of a run.
pub struct CwlContext {
    rt: Runtime,
    client: Client,
    max_attempts: u32,
    /// What the listings found.
    pub stats: Arc<CwlStats>,
    verbose: bool,
}

impl fmt::Debug for CwlContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CwlContext").finish_non_exhaustive()
    }
}

/// The part of a group's read one input covers.
#[derive(Debug, Clone)]
pub struct CwlInput {
    pub group: String,
    pub streams: Vec<String>,
    /// startTime and endTime, in ms.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub limit: Option<i32>,
}

impl CwlInput {
    /// "log group G, stream S" or "log group G, streams A … B (n)": for errors.
    fn describe(&self) -> String {
        match self.streams.as_slice() {
            [one] => format!("log group {}, stream {one}", self.group),
            [first, .., last] => format!(
                "log group {}, streams {first} … {last} ({})",
                self.group,
                self.streams.len()
            ),
            [] => format!("log group {}", self.group),
        }
    }
}

impl CwlContext {
    /// A client for `aws`; with `verbose`, each input says on stderr what its read took.
    pub fn new(aws: &AwsSettings, verbose: bool) -> Result<Arc<CwlContext>, CwlError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CwlError::Runtime(e.to_string()))?;
        let sdk = super::aws_sdk_config(&rt, aws);
        if sdk.region().is_none() {
            return Err(CwlError::NoRegion);
        }
        // the retries are ours (with_retry), so --max-attempts counts every try once
        let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        Ok(Arc::new(CwlContext {
            rt,
            client: Client::from_conf(conf),
            max_attempts: aws.max_attempts.max(1),
            stats: Arc::new(CwlStats::default()),
            verbose,
        }))
    }

    /// The inputs of `cwlogs://…` over `window`: the streams (narrowed by the prefix) that may
    /// hold events inside it, in batches of [`STREAMS_PER_CALL`].
    pub fn discover(
        self: &Arc<Self>,
        url: &CwlUrl,
        window: &Window,
    ) -> Result<Vec<InputFile>, CwlError> {
        let start_ms = window.since_us.map(|s| s.div_euclid(1000));
        let end_ms = window
            .until_us
            .map(|u| u.div_euclid(1000).saturating_add(END_SLACK_MS));
        let listed = self.list_streams(&url.group, url.stream_prefix.as_deref())?;
        self.stats.add(&self.stats.streams, listed.len() as u64);
        let mut streams = Vec::new();
        for s in listed {
            let after = matches!((s.first_event, end_ms), (Some(f), Some(e)) if f > e);
            let before = matches!((s.last_ingestion, start_ms), (Some(l), Some(st)) if l + INGESTION_LEAD_MS < st);
            if after || before {
                self.stats.add(&self.stats.streams_pruned, 1);
            } else {
                streams.push(s.name);
            }
        }
        streams.sort();
        let base = match &url.stream_prefix {
            Some(p) => format!("cwlogs://{}?stream_prefix={p}", url.group),
            None => format!("cwlogs://{}", url.group),
        };
        let batches = streams.len().div_ceil(STREAMS_PER_CALL);
        Ok(streams
            .chunks(STREAMS_PER_CALL)
            .enumerate()
            .map(|(i, chunk)| InputFile {
                name: if batches > 1 {
                    format!("{base}#{}", i + 1)
                } else {
                    base.clone()
                },
                location: Location::CloudWatch {
                    ctx: Arc::clone(self),
                    input: Arc::new(CwlInput {
                        group: url.group.clone(),
                        streams: chunk.to_vec(),
                        start_ms,
                        end_ms,
                        limit: url.limit,
                    }),
                },
                size: None,
            })
            .collect())
    }

    fn list_streams(&self, group: &str, prefix: Option<&str>) -> Result<Vec<Stream>, CwlError> {
        let err = |reason: String| CwlError::List {
            group: group.to_string(),
            prefix: prefix.map(str::to_string),
            reason,
        };
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut sleep = |d: Duration| std::thread::sleep(d);
        loop {
            let page = with_retry(self.max_attempts, &self.stats, &mut sleep, || {
                self.rt
                    .block_on(
                        self.client
                            .describe_log_streams()
                            .log_group_name(group)
                            .set_log_stream_name_prefix(prefix.map(str::to_string))
                            .set_next_token(token.clone())
                            .send(),
                    )
                    .map_err(classify)
            })
            .map_err(err)?;
            out.extend(page.log_streams().iter().filter_map(|s| {
                Some(Stream {
                    name: s.log_stream_name()?.to_string(),
                    first_event: s.first_event_timestamp(),
                    last_ingestion: s.last_ingestion_time(),
                })
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_string())
                }
                _ => return Ok(out),
            }
        }
    }

    /// The events of one input as lines.
    pub fn open(self: &Arc<Self>, input: &Arc<CwlInput>) -> Box<dyn Read + Send> {
        Box::new(
            EventReader::new(
                SdkPages {
                    ctx: Arc::clone(self),
                    input: Arc::clone(input),
                },
                Arc::new(CwlStats::default()),
                self.max_attempts,
                Box::new(std::thread::sleep),
                input.describe(),
            )
            .verbose(self.verbose),
        )
    }
}

struct Stream {
    name: String,
    first_event: Option<i64>,
    last_ingestion: Option<i64>,
}

/// FilterLogEvents over one input's streams and window.
struct SdkPages {
    ctx: Arc<CwlContext>,
    input: Arc<CwlInput>,
}

impl PageSource for SdkPages {
    fn page(&mut self, token: Option<String>) -> Result<Page, CallError> {
        let i = &self.input;
        let out = self
            .ctx
            .rt
            .block_on(
                self.ctx
                    .client
                    .filter_log_events()
                    .log_group_name(&i.group)
                    .set_log_stream_names((!i.streams.is_empty()).then(|| i.streams.clone()))
                    .set_start_time(i.start_ms)
                    .set_end_time(i.end_ms)
                    .set_limit(i.limit)
                    .set_next_token(token)
                    .send(),
            )
            .map_err(classify)?;
        Ok(Page {
            events: out
                .events()
                .iter()
                .map(|e| {
                    (
                        e.timestamp().unwrap_or(0),
                        e.message().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            next: out.next_token().map(str::to_string),
        })
    }
}

/// Error codes CloudWatch Logs answers when it is throttling or briefly unable.
const RETRYABLE_CODES: [&str; 5] = [
    "ThrottlingException",
    "Throttling",
    "LimitExceededException",
    "ServiceUnavailableException",
    "RequestTimeout",
];

/// Retryable or not, with the status, code and message (credentials are never in them).
fn classify<E, R>(e: SdkError<E, R>) -> CallError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: fmt::Debug + 'static + HttpStatus,
{
    match &e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let status = se.raw().status_code();
            let code = err.code().unwrap_or("error");
            let reason = format!(
                "HTTP {status} {code}{}",
                err.message().map(|m| format!(": {m}")).unwrap_or_default()
            );
            if status >= 500 || status == 429 || RETRYABLE_CODES.contains(&code) {
                CallError::Retryable(reason)
            } else {
                CallError::Fatal(reason)
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            CallError::Retryable(DisplayErrorContext(&e).to_string())
        }
        _ => CallError::Fatal(DisplayErrorContext(&e).to_string()),
    }
}

/// The HTTP status of a raw response, for error messages.
trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_sdk_cloudwatchlogs::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

/// CloudWatch Logs exports in S3 (`create-export-task`): `<prefix>/<task id>/<stream>/000000.gz`
/// under a prefix that defaults to `exportedlogs`, beside an `aws-logs-write-test` object
/// written when the task starts. Each line is an ISO time, a space and the event's message.
pub mod export {
    use std::io::{self, Read};

    /// The folder name CloudWatch exports use by default (the task's destinationPrefix).
    pub const FOLDER: &str = "exportedlogs";
    /// The object an export task writes to check it may write; not a log.
    pub const WRITE_TEST: &str = "aws-logs-write-test";

    /// Whether a prefix (or key) lies under an export folder.
    pub fn in_export(prefix: &str) -> bool {
        prefix.split('/').any(|s| s == FOLDER)
    }

    /// Whether an object's name is one of an export's numbered parts (`000000.gz`).
    pub fn is_part(name: &str) -> bool {
        let stem = name.strip_suffix(".gz").unwrap_or(name);
        stem.len() == 6 && stem.bytes().all(|b| b.is_ascii_digit())
    }

    /// Whether an S3 key is an export part, whose lines carry the time prefix.
    pub fn is_export_key(key: &str) -> bool {
        let (dir, name) = key.rsplit_once('/').unwrap_or(("", key));
        in_export(dir) && is_part(name)
    }

    /// Length of a leading `2026-12-07T04:05:46.123Z ` (the fraction optional), if any.
    pub fn time_prefix_len(line: &[u8]) -> Option<usize> {
        const SHAPE: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
        if line.len() < 21 {
            return None;
        }
        for (b, want) in line.iter().zip(SHAPE) {
            let ok = match want {
                b'd' => b.is_ascii_digit(),
                w => b == w,
            };
            if !ok {
                return None;
            }
        }
        let mut i = 19;
        if line.get(i) == Some(&b'.') {
            i += 1;
            let digits = line[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            i += digits;
        }
        (line.get(i) == Some(&b'Z') && line.get(i + 1) == Some(&b' ')).then_some(i + 2)
    }

    /// The longest time prefix: looked for in this many bytes at a line's start.
    const HEAD: usize = 32;

    /// Lines with their export time prefix taken off (lines without one pass as they are).
    /// Streams: only the first bytes of a line are held, whatever its length.
    pub struct StripTime<R> {
        inner: R,
        inbuf: Vec<u8>,
        out: Vec<u8>,
        pos: usize,
        head: Vec<u8>,
        at_start: bool,
        eof: bool,
    }

    impl<R: Read> StripTime<R> {
        pub fn new(inner: R) -> StripTime<R> {
            StripTime {
                inner,
                inbuf: vec![0; 64 << 10],
                out: Vec::new(),
                pos: 0,
                head: Vec::with_capacity(HEAD),
                at_start: true,
                eof: false,
            }
        }

        /// Moves a line's held start to the output, without its time prefix.
        fn flush_head(&mut self) {
            let cut = time_prefix_len(&self.head).unwrap_or(0);
            self.out.extend_from_slice(&self.head[cut..]);
            self.head.clear();
            self.at_start = false;
        }

        fn process(&mut self, n: usize) {
            let mut i = 0;
            while i < n {
                let rest = &self.inbuf[i..n];
                if self.at_start {
                    let take = (HEAD - self.head.len()).min(rest.len());
                    let nl = rest[..take].iter().position(|&b| b == b'\n');
                    match nl {
                        Some(p) => {
                            self.head.extend_from_slice(&rest[..p]);
                            self.flush_head();
                            self.out.push(b'\n');
                            self.at_start = true;
                            i += p + 1;
                        }
                        None => {
                            self.head.extend_from_slice(&rest[..take]);
                            i += take;
                            if self.head.len() == HEAD {
                                self.flush_head();
                            }
                        }
                    }
                } else {
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(p) => {
                            self.out.extend_from_slice(&rest[..=p]);
                            self.at_start = true;
                            i += p + 1;
                        }
                        None => {
                            self.out.extend_from_slice(rest);
                            i = n;
                        }
                    }
                }
            }
        }
    }

    impl<R: Read> Read for StripTime<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            while self.pos >= self.out.len() {
                if self.eof {
                    return Ok(0);
                }
                self.out.clear();
                self.pos = 0;
                let n = loop {
                    match self.inner.read(&mut self.inbuf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other?,
                    }
                };
                if n == 0 {
                    self.eof = true;
                    if !self.head.is_empty() {
                        self.flush_head();
                    }
                } else {
                    self.process(n);
                }
            }
            let n = buf.len().min(self.out.len() - self.pos);
            buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    #[test]
    fn urls() {
        let u = parse_url("cwlogs://API-Gateway-Access-Logs_abc123/prod").unwrap();
        assert_eq!(u.group, "API-Gateway-Access-Logs_abc123/prod");
        assert_eq!((u.stream_prefix, u.limit), (None, None));
        let u = parse_url("cwlogs:///aws/lambda/hosp?stream_prefix=2026/12/07&limit=50").unwrap();
        assert_eq!(u.group, "/aws/lambda/hosp");
        assert_eq!(u.stream_prefix.as_deref(), Some("2026/12/07"));
        assert_eq!(u.limit, Some(50));
        for bad in [
            "cwlogs://",
            "cwlogs://?stream_prefix=a",
            "cwlogs://g?limit=0",
            "cwlogs://g?limit=10001",
            "cwlogs://g?colour=red",
            "cwlogs://g h",
            "cwlogs://g*",
            "s3://b/p",
        ] {
            assert!(
                matches!(parse_url(bad), Err(CwlError::BadUrl(_))),
                "{bad} passed"
            );
        }
    }

    /// Pages from a list, with the tokens asked for recorded.
    struct Fake {
        answers: VecDeque<Result<Page, CallError>>,
        asked: Arc<Mutex<Vec<Option<String>>>>,
    }

    impl PageSource for Fake {
        fn page(&mut self, token: Option<String>) -> Result<Page, CallError> {
            self.asked.lock().unwrap().push(token);
            self.answers.pop_front().expect("asked past the last page")
        }
    }

    fn page(msgs: &[&str], next: Option<&str>) -> Result<Page, CallError> {
        Ok(Page {
            events: msgs.iter().map(|m| (0, m.to_string())).collect(),
            next: next.map(str::to_string),
        })
    }

    #[allow(clippy::type_complexity)]
    fn read_all(
        answers: Vec<Result<Page, CallError>>,
        max_attempts: u32,
    ) -> (
        io::Result<String>,
        String,
        Vec<Option<String>>,
        Arc<CwlStats>,
        Vec<Duration>,
    ) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let slept = Arc::new(Mutex::new(Vec::new()));
        let stats = Arc::new(CwlStats::default());
        let s = Arc::clone(&slept);
        let mut r = EventReader::new(
            Fake {
                answers: answers.into(),
                asked: Arc::clone(&asked),
            },
            Arc::clone(&stats),
            max_attempts,
            Box::new(move |d| s.lock().unwrap().push(d)),
            "log group g, stream s".into(),
        );
        let mut out = String::new();
        let res = r.read_to_string(&mut out).map(|_| out.clone());
        let asked = asked.lock().unwrap().clone();
        let slept = slept.lock().unwrap().clone();
        (res, out, asked, stats, slept)
    }

    #[test]
    fn every_page_is_followed_through_empty_ones() {
        let (res, _, asked, stats, slept) = read_all(
            vec![
                page(&[], Some("t1")),
                page(&["a 1", "b 2\n"], Some("t2")),
                page(&[], Some("t3")),
                page(&[], Some("t4")),
                page(&["c\r\nd"], Some("t5")),
                page(&[], None),
            ],
            3,
        );
        assert_eq!(res.unwrap(), "a 1\nb 2\nc  d\n");
        let want: Vec<Option<String>> = [None, Some("t1"), Some("t2"), Some("t3"), Some("t4")]
            .into_iter()
            .chain([Some("t5")])
            .map(|t| t.map(str::to_string))
            .collect();
        assert_eq!(asked, want);
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!((g(&stats.pages), g(&stats.empty_pages)), (6, 4));
        assert_eq!((g(&stats.events), g(&stats.retries)), (3, 0));
        assert!(slept.is_empty());
        // a group with no events at all: one empty page, no line
        let (res, _, asked, _, _) = read_all(vec![page(&[], None)], 3);
        assert_eq!(res.unwrap(), "");
        assert_eq!(asked, vec![None]);
    }

    #[test]
    fn throttling_is_retried_with_growing_waits_and_the_same_token() {
        let throttled = || {
            Err(CallError::Retryable(
                "HTTP 400 ThrottlingException: Rate exceeded".into(),
            ))
        };
        let (res, _, asked, stats, slept) = read_all(
            vec![
                page(&["a"], Some("t1")),
                throttled(),
                throttled(),
                page(&["b"], None),
            ],
            3,
        );
        assert_eq!(res.unwrap(), "a\nb\n");
        let t1 = Some("t1".to_string());
        assert_eq!(asked, vec![None, t1.clone(), t1.clone(), t1]);
        assert_eq!(stats.retries.load(Ordering::Relaxed), 2);
        assert_eq!(slept.len(), 2);
        // equal jitter: 100..200 ms, then 200..400 ms
        assert!(slept[0] >= Duration::from_millis(100) && slept[0] <= Duration::from_millis(200));
        assert!(slept[1] >= Duration::from_millis(200) && slept[1] <= Duration::from_millis(400));
    }

    #[test]
    fn a_page_that_fails_after_every_attempt_is_an_error_that_names_the_streams() {
        let throttled = || Err(CallError::Retryable("HTTP 400 ThrottlingException".into()));
        let (res, out, asked, stats, slept) = read_all(
            vec![
                page(&["a"], Some("t1")),
                throttled(),
                throttled(),
                throttled(),
            ],
            3,
        );
        let err = res.unwrap_err().to_string();
        assert_eq!(
            err,
            "log group g, stream s: HTTP 400 ThrottlingException (after 3 attempts)"
        );
        // the lines before the failure were handed on
        assert_eq!(out, "a\n");
        assert_eq!(asked.len(), 4);
        assert_eq!((stats.retries.load(Ordering::Relaxed), slept.len()), (2, 2));
        // a fatal answer is not tried again
        let (res, _, asked, _, slept) = read_all(
            vec![Err(CallError::Fatal(
                "HTTP 400 ResourceNotFoundException: The specified log group does not exist."
                    .into(),
            ))],
            5,
        );
        assert!(res
            .unwrap_err()
            .to_string()
            .contains("ResourceNotFoundException"));
        assert_eq!((asked.len(), slept.len()), (1, 0));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        for (attempt, lo, hi) in [
            (1, 100, 200),
            (2, 200, 400),
            (3, 400, 800),
            (20, 10_000, 20_000),
        ] {
            let d = backoff(attempt);
            assert!(
                d >= Duration::from_millis(lo) && d <= Duration::from_millis(hi),
                "{attempt}: {d:?}"
            );
        }
    }

    #[test]
    fn export_keys_and_time_prefixes() {
        use export::*;
        assert!(is_export_key(
            "logs/exportedlogs/0a1b-task/2026/12/07/[$LATEST]abc/000000.gz"
        ));
        assert!(is_export_key("exportedlogs/t/s/000012.gz"));
        assert!(!is_export_key("exportedlogs/aws-logs-write-test"));
        assert!(!is_export_key("other/t/s/000000.gz"));
        assert!(!is_export_key("exportedlogs/t/s/00000.gz"));
        assert_eq!(time_prefix_len(b"2026-12-07T04:05:46.123Z GET /"), Some(25));
        assert_eq!(time_prefix_len(b"2026-12-07T04:05:46Z x"), Some(21));
        assert_eq!(time_prefix_len(b"2026-12-07T04:05:46.Z x"), None);
        assert_eq!(time_prefix_len(b"2026-12-07T04:05:46.123Zx"), None);
        assert_eq!(
            time_prefix_len(b"https 2026-12-07T04:05:46.123456Z app/x"),
            None
        );
    }

    #[test]
    fn the_export_time_prefix_is_taken_off_every_line_in_any_read_size() {
        let long = "x".repeat(70_000);
        let text = format!(
            "2026-12-07T04:05:46.123Z 10.0.0.1 - - [07/Dec/2026:04:05:46 +0000] \"GET / HTTP/1.1\" 200 5\n\
             no prefix here\n\
             \n\
             2026-12-07T04:05:47.000Z {long}\n\
             2026-12-07T04:05:48.5Z short\n\
             2026-12-07T04:05:49.000Z last without newline"
        );
        let want = format!(
            "10.0.0.1 - - [07/Dec/2026:04:05:46 +0000] \"GET / HTTP/1.1\" 200 5\n\
             no prefix here\n\n{long}\nshort\nlast without newline"
        );
        // the inner reader gives 1, 7, 31, 32, 33 bytes at a time: prefixes cut anywhere
        for step in [1, 7, 31, 32, 33, 1 << 20] {
            struct Trickle<'a>(&'a [u8], usize);
            impl Read for Trickle<'_> {
                fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                    let n = self.1.min(buf.len()).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let mut out = String::new();
            export::StripTime::new(Trickle(text.as_bytes(), step))
                .read_to_string(&mut out)
                .unwrap();
            assert!(out == want, "step {step}");
        }
    }
}
