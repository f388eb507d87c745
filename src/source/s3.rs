//! S3 sources: `s3://bucket/prefix`, read where ALB and CloudFront deliver their logs.
//!
//! ALB: only the yyyy/mm/dd delivery-day prefixes the window needs are listed (plus the day
//! after its end: a file is filed under the day it was delivered), and keys are pruned by the
//! end time in their names. CloudFront: keys are pruned by the hour in their names (the hour
//! of their requests), and v2's date folders are listed only where the window (and the day
//! after it) falls; the days' listings run at once. Objects are downloaded ahead of their
//! readers, as many in flight as the round trip needs (`super::inflight`), or served from the
//! local cache, keyed by bucket, key and ETag. The GETs start while the listing goes on: each
//! listed page's objects are queued for download as the page arrives (in the listing's order,
//! through a bounded channel from the listing tasks), so a window of many pages does not wait
//! for its last one. Credentials come from the SDK's default chain and are never printed.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use aws_config::Region;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::Client;
use serde::Serialize;
use tokio::runtime::Runtime;

use super::inflight::{self, Flight, InFlightStats, ObjectKey, Starter};
use super::{outside_window, InputFile, Location};
use crate::format::alb::layout as alb_layout;
use crate::format::cloudfront::layout as cf_layout;
use crate::format::{FormatId, S3Layout};
use crate::window::{delivery_days, Window};

const DAY_US: i64 = 86_400_000_000;
/// Listings made at once (a window's days, a level of CloudFront's date folders).
const LIST_AT_ONCE: usize = 64;
/// Listed pages (at most 1,000 keys each) waiting for the thread that reads them.
const PAGES_QUEUED: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub aws: super::AwsSettings,
    pub path_style: bool,
    /// None: no cache.
    pub cache_dir: Option<PathBuf>,
    /// `--concurrency`: the most GETs in flight (0: one).
    pub concurrency: usize,
}

/// What happened to the objects, so nothing is skipped silently.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ObjectStats {
    /// Keys returned by the listings under the needed day (ALB) or date (CloudFront v2) prefixes.
    pub listed: u64,
    /// Keys left out by the time in their name (outside the window).
    pub pruned: u64,
    /// Keys that are not access logs of the layout listed (ALB connection logs, NLB logs, the
    /// test file; objects without a CloudFront name).
    pub skipped: u64,
    /// Objects downloaded.
    pub fetched: u64,
    /// Objects read from the local cache.
    pub from_cache: u64,
    /// Bytes downloaded (compressed).
    pub bytes_fetched: u64,
    /// The GETs in flight: the limit (adaptive, `--concurrency` its cap) and the throttling met.
    pub in_flight: InFlightStats,
}

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{0}: expected s3://bucket/prefix")]
    BadUrl(String),
    #[error("starting the AWS client: {0}")]
    Runtime(String),
    #[error("listing s3://{bucket}/{prefix}: {reason}")]
    List {
        bucket: String,
        prefix: String,
        reason: String,
    },
}

/// One S3 client and its runtime, shared by every object of a run.
pub struct S3Context {
    rt: Runtime,
    client: Client,
    cache_dir: Option<PathBuf>,
    fetched: AtomicU64,
    from_cache: AtomicU64,
    bytes_fetched: AtomicU64,
    /// The objects downloaded ahead of their readers.
    flight: Arc<Flight>,
    /// The listings' objects start downloading as their pages arrive
    /// ([`S3Context::fetch_while_listing`]).
    listed_ahead: AtomicBool,
}

impl fmt::Debug for S3Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Context")
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

/// A prefix as a folder to list: `logs/cf` → `logs/cf/` (the bucket's root stays empty).
fn folder(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

/// `s3://bucket/some/prefix` → ("bucket", "some/prefix").
pub fn parse_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.trim_matches('/').to_string()))
}

impl S3Context {
    pub fn new(opts: &S3Options) -> Result<Arc<S3Context>, S3Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| S3Error::Runtime(e.to_string()))?;
        let sdk = super::aws_sdk_config(&rt, &opts.aws);
        let flight = Flight::new(opts.concurrency);
        // the SDK's retry quota (500 tokens, 5 a retry, 10 after a timeout) lets 50–100
        // requests retry at once: with up to --concurrency GETs in flight, one burst of
        // SlowDown would fail objects outright instead of retrying them. Every request in
        // flight may hold one retry; the quota still stops a retry storm past that.
        use aws_sdk_s3::config::retry::{RetryPartition, TokenBucket};
        let quota = TokenBucket::builder()
            .capacity(500.max(10 * opts.concurrency.max(1)))
            .build();
        let mut conf = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(opts.path_style)
            .retry_partition(
                RetryPartition::custom("hosp-logs-s3")
                    .token_bucket(quota)
                    .build(),
            )
            .interceptor(ThrottleWatch(Arc::clone(&flight)));
        if sdk.region().is_none() {
            // S3 needs a region to sign; buckets answer redirects for the real one
            conf = conf.region(Region::new("us-east-1"));
        }
        Ok(Arc::new(S3Context {
            rt,
            client: Client::from_conf(conf.build()),
            cache_dir: opts.cache_dir.clone(),
            fetched: AtomicU64::new(0),
            from_cache: AtomicU64::new(0),
            bytes_fetched: AtomicU64::new(0),
            flight,
            listed_ahead: AtomicBool::new(false),
        }))
    }

    /// Every object this client's listings keep is going to be read: its GET starts as its
    /// page arrives, before the listing ends ([`Flight::queue_listed`]; the read adopts it).
    /// Not for a store's collect or `fetch`, which read only the objects they do not have yet:
    /// they download nothing before their own [`S3Context::prefetch`].
    pub fn fetch_while_listing(&self) {
        self.listed_ahead.store(true, Ordering::Relaxed);
    }

    /// Finds the log objects under `s3://bucket/prefix` that the window needs, in the layout
    /// of `format` (None: told from the prefix, else from its first listing).
    pub fn discover(
        self: &Arc<Self>,
        bucket: &str,
        prefix: &str,
        window: &Window,
        now_us: i64,
        format: Option<FormatId>,
        stats: &mut ObjectStats,
    ) -> Result<Vec<InputFile>, S3Error> {
        let since = window.since_us.unwrap_or(now_us - DAY_US);
        let until = window.until_us.unwrap_or(now_us);
        if super::cwlogs::export::in_export(prefix) {
            return self.discover_export(bucket, prefix, stats);
        }
        let cloudfront = match format {
            Some(id) => id.s3_layout() == S3Layout::CloudFrontHours,
            None => match cf_layout::says_cloudfront(prefix) {
                Some(cf) => cf,
                None => self.looks_like_cloudfront(bucket, prefix)?,
            },
        };
        let mut files = if cloudfront {
            self.discover_cloudfront(bucket, prefix, since, until, stats)?
        } else {
            self.discover_alb(bucket, prefix, since, until, stats)?
        };
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    /// ALB: only the `yyyy/mm/dd` delivery folders of the window (and the day after its end)
    /// are listed, and keys are pruned by the end time in their names.
    fn discover_alb(
        self: &Arc<Self>,
        bucket: &str,
        prefix: &str,
        since: i64,
        until: i64,
        stats: &mut ObjectStats,
    ) -> Result<Vec<InputFile>, S3Error> {
        let bounds = Window {
            since_us: Some(since),
            until_us: Some(until),
        };
        let mut days = Vec::new();
        for base in self.region_prefixes(bucket, prefix)? {
            for day in delivery_days(since, until) {
                days.push(format!("{base}{day}/"));
            }
        }
        // every day's listing at once: a window of 28 days costs the round trips of its
        // longest day, not of all of them; the GETs start as the pages arrive
        let listed = self.list_ahead(bucket, &days, None, |_, (objects, _)| {
            self.day_files(bucket, objects, &bounds, stats, |_| true)
        })?;
        Ok(listed.into_iter().flatten().collect())
    }

    /// CloudWatch Logs exports (`…/exportedlogs/<task>/<stream>/000000.gz`): every numbered
    /// part under the prefix (their names hold no time: the lines are filtered as they are
    /// read); the task's `aws-logs-write-test` object and anything else are skipped.
    fn discover_export(
        self: &Arc<Self>,
        bucket: &str,
        prefix: &str,
        stats: &mut ObjectStats,
    ) -> Result<Vec<InputFile>, S3Error> {
        use super::cwlogs::export;
        let listed = self.list_ahead(bucket, &[folder(prefix)], None, |_, (objects, _)| {
            let mut files = Vec::new();
            for (key, size, etag) in objects {
                stats.listed += 1;
                let name = key.rsplit('/').next().unwrap_or(&key);
                if name != export::WRITE_TEST && export::is_export_key(&key) {
                    files.push(self.object(bucket, key, size, etag));
                } else {
                    stats.skipped += 1;
                }
            }
            files
        })?;
        let mut files: Vec<InputFile> = listed.into_iter().flatten().collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    fn object(self: &Arc<Self>, bucket: &str, key: String, size: u64, etag: String) -> InputFile {
        InputFile {
            name: format!("s3://{bucket}/{key}"),
            location: Location::S3 {
                ctx: Arc::clone(self),
                bucket: bucket.to_string(),
                key,
                etag,
            },
            size: Some(size),
        }
    }

    /// CloudFront: the objects named `<distribution>.YYYY-MM-DD-HH.<unique>.gz` under the
    /// prefix (the legacy layout) or under the date folders of standard logging v2
    /// (`…/AWSLogs/<account>/CloudFront/…/yyyy/MM/dd/HH/`). A name's hour is the hour of its
    /// requests, so keys are pruned by it, exactly; files arrive up to 24 hours late, so date
    /// folders are listed up to a day past the window's end (v2 may file by delivery time).
    fn discover_cloudfront(
        self: &Arc<Self>,
        bucket: &str,
        prefix: &str,
        since: i64,
        until: i64,
        stats: &mut ObjectStats,
    ) -> Result<Vec<InputFile>, S3Error> {
        let mut files = Vec::new();
        // one level of folders at a time, its listings at once (the hours of a window's days)
        let mut level: Vec<(String, Vec<u32>, usize)> = vec![(folder(prefix), Vec::new(), 0)];
        while !level.is_empty() {
            let dirs: Vec<String> = level.iter().map(|(d, _, _)| d.clone()).collect();
            // the folders below each listed folder, in its pages' order
            let mut below: Vec<Vec<(String, Vec<u32>, usize)>> = vec![Vec::new(); level.len()];
            let listed = self.list_ahead(bucket, &dirs, Some("/"), |i, (objects, folders)| {
                let (_, date, depth) = &level[i];
                let mut found = Vec::new();
                self.cloudfront_level(
                    bucket,
                    objects,
                    folders,
                    date.clone(),
                    *depth,
                    since,
                    until,
                    stats,
                    &mut found,
                    &mut below[i],
                );
                found
            })?;
            files.extend(listed.into_iter().flatten());
            level = below.into_iter().flatten().collect();
        }
        Ok(files)
    }

    /// One CloudFront folder's listing: its log objects into `files`, the folders to walk
    /// into `next`.
    #[allow(clippy::too_many_arguments)]
    fn cloudfront_level(
        self: &Arc<Self>,
        bucket: &str,
        objects: Vec<(String, u64, String)>,
        folders: Vec<String>,
        date: Vec<u32>,
        depth: usize,
        since: i64,
        until: i64,
        stats: &mut ObjectStats,
        files: &mut Vec<InputFile>,
        next: &mut Vec<(String, Vec<u32>, usize)>,
    ) {
        /// Folders below the prefix walked at most (account, CloudFront, distribution, year,
        /// month, day, hour, and a little slack).
        const MAX_DEPTH: usize = 10;
        for (key, size, etag) in objects {
            stats.listed += 1;
            let name = key.rsplit('/').next().unwrap_or(&key);
            match cf_layout::hour_in_window(name, since, until) {
                None => stats.skipped += 1,
                Some(false) => stats.pruned += 1,
                Some(true) => files.push(self.object(bucket, key, size, etag)),
            }
        }
        if depth >= MAX_DEPTH {
            return;
        }
        for f in folders {
            match cf_layout::date_part(&f, &date) {
                Some(parts) => {
                    let (start, end) = cf_layout::date_span(&parts).unwrap_or((0, i64::MAX));
                    if end > since && start < until + DAY_US {
                        next.push((f, parts, depth + 1));
                    }
                }
                // ids and names above the date folders (AWSLogs, the account, CloudFront,
                // the distribution) are walked; other folders inside a date are not logs
                None if date.is_empty() => next.push((f, date.clone(), depth + 1)),
                None => {}
            }
        }
    }

    /// The access-log objects of one delivery day (`yyyy/mm/dd`) under a region prefix that
    /// `window` needs, among the keys `wanted` accepts (those it refuses are not counted):
    /// `watch` lists the newest day again each interval and asks only for keys it has not seen.
    pub fn list_day(
        self: &Arc<Self>,
        bucket: &str,
        base: &str,
        day: &str,
        window: &Window,
        stats: &mut ObjectStats,
        wanted: impl FnMut(&str) -> bool,
    ) -> Result<Vec<InputFile>, S3Error> {
        let day_prefix = format!("{base}{day}/");
        let objects = self.list(bucket, &day_prefix)?;
        Ok(self.day_files(bucket, objects, window, stats, wanted))
    }

    /// The access logs among one day's listed objects that `window` needs (see `list_day`).
    fn day_files(
        self: &Arc<Self>,
        bucket: &str,
        objects: Vec<(String, u64, String)>,
        window: &Window,
        stats: &mut ObjectStats,
        mut wanted: impl FnMut(&str) -> bool,
    ) -> Vec<InputFile> {
        let mut files = Vec::new();
        for (key, size, etag) in objects {
            if !wanted(&key) {
                continue;
            }
            stats.listed += 1;
            let name = key.rsplit('/').next().unwrap_or(&key);
            if !alb_layout::is_delivered_access_log(name) {
                stats.skipped += 1;
                continue;
            }
            if outside_window(name, window) {
                stats.pruned += 1;
                continue;
            }
            files.push(self.object(bucket, key, size, etag));
        }
        files
    }

    /// With `--log-format auto` and a prefix that does not say: CloudFront when its first
    /// listing holds CloudFront-named objects, or when its accounts under `AWSLogs/` hold
    /// CloudFront logs and no ALB logs.
    fn looks_like_cloudfront(&self, bucket: &str, prefix: &str) -> Result<bool, S3Error> {
        let base = folder(prefix);
        let (objects, folders) = self.listing(bucket, &base, Some("/"))?;
        if objects
            .iter()
            .any(|(k, _, _)| cf_layout::file_hour_us(k).is_some())
        {
            return Ok(true);
        }
        let logs = format!("{base}AWSLogs/");
        if !folders.contains(&logs) {
            return Ok(false);
        }
        let (mut cloudfront, mut alb) = (false, false);
        for account in self.common_prefixes(bucket, &logs)? {
            for service in self.common_prefixes(bucket, &account)? {
                cloudfront |= service.ends_with("/CloudFront/");
                alb |= service.ends_with("/elasticloadbalancing/");
            }
        }
        Ok(cloudfront && !alb)
    }

    /// The `…/AWSLogs/<account>/elasticloadbalancing/<region>/` prefixes at or below `prefix`.
    pub fn region_prefixes(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, S3Error> {
        alb_layout::region_prefixes(prefix, |p| self.common_prefixes(bucket, p))
    }

    fn common_prefixes(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, S3Error> {
        Ok(self.listing(bucket, prefix, Some("/"))?.1)
    }

    /// How many objects and bytes lie under `prefix` (what Athena would read there).
    pub fn bytes_under(&self, bucket: &str, prefix: &str) -> Result<(u64, u64), S3Error> {
        let objects = self.list(bucket, prefix)?;
        Ok((
            objects.len() as u64,
            objects.iter().map(|(_, size, _)| size).sum(),
        ))
    }

    /// (key, size, ETag) of every object under `prefix`, all pages.
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64, String)>, S3Error> {
        Ok(self.listing(bucket, prefix, None)?.0)
    }

    /// Every object under `prefix` (with a delimiter: only those directly in it) as (key,
    /// size, ETag), and the folders below it (with a delimiter), all pages.
    fn listing(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Result<Listing, S3Error> {
        self.rt
            .block_on(list_pages(&self.client, bucket, prefix, delimiter))
    }

    /// The listings of `prefixes` (see [`S3Context::listing`]), [`LIST_AT_ONCE`] at once and
    /// started in their order, each page handed to `page` as it arrives with its prefix's index
    /// (one prefix's pages in their order). `page` returns the objects it keeps: they start
    /// downloading at once, provisionally ([`Flight::queue_listed`]: a read adopts them), in
    /// the prefixes' order (a prefix's objects once every earlier prefix is listed). Returns the
    /// kept objects by prefix; when listings fail, the error of the first one in order.
    fn list_ahead(
        self: &Arc<Self>,
        bucket: &str,
        prefixes: &[String],
        delimiter: Option<&str>,
        mut page: impl FnMut(usize, Listing) -> Vec<InputFile>,
    ) -> Result<Vec<Vec<InputFile>>, S3Error> {
        let n = prefixes.len();
        let mut kept: Vec<Vec<InputFile>> = (0..n).map(|_| Vec::new()).collect();
        if n == 0 {
            return Ok(kept);
        }
        // the pages wait here for this thread: a bounded queue, the listings pause when full
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Page>(PAGES_QUEUED);
        let next = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        let all: Arc<[String]> = prefixes.into();
        for _ in 0..n.min(LIST_AT_ONCE) {
            let (tx, next, failed, all) = (tx.clone(), next.clone(), failed.clone(), all.clone());
            let (client, bucket) = (self.client.clone(), bucket.to_string());
            let delimiter = delimiter.map(str::to_string);
            self.rt.spawn(async move {
                // after a failure no new listing starts (those before it have all started)
                while !failed.load(Ordering::SeqCst) {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(prefix) = all.get(index) else { return };
                    let mut token = None;
                    loop {
                        let got =
                            list_page(&client, &bucket, prefix, delimiter.as_deref(), token).await;
                        let (listed, last, more) = match got {
                            Ok((listing, more)) => (Ok(listing), more.is_none(), more),
                            Err(e) => {
                                failed.store(true, Ordering::SeqCst);
                                (Err(e), true, None)
                            }
                        };
                        let sent = tx.send(Page {
                            index,
                            listed,
                            last,
                        });
                        if sent.await.is_err() || last {
                            break;
                        }
                        token = more;
                    }
                }
            });
        }
        drop(tx);
        let start = self.starter();
        let ahead = self.listed_ahead.load(Ordering::Relaxed);
        let mut first_error: Option<(usize, S3Error)> = None;
        let mut done = vec![false; n];
        // prefixes whose objects are all queued, and how many of the next one's are
        let (mut released, mut queued) = (0, 0);
        while let Some(p) = rx.blocking_recv() {
            match p.listed {
                Ok(listing) => {
                    let found = page(p.index, listing);
                    kept[p.index].extend(found);
                    done[p.index] |= p.last;
                }
                Err(e) => {
                    if first_error.as_ref().is_none_or(|(i, _)| p.index < *i) {
                        first_error = Some((p.index, e));
                    }
                    continue;
                }
            }
            while ahead && first_error.is_none() && released < n {
                let fresh = &kept[released][queued..];
                if !fresh.is_empty() {
                    self.flight
                        .queue_listed(fresh.iter().filter_map(|f| self.ahead(f)), &start);
                }
                queued = kept[released].len();
                if !done[released] {
                    break;
                }
                released += 1;
                queued = 0;
            }
        }
        if let Some((_, e)) = first_error {
            return Err(e);
        }
        if let Some(i) = done.iter().position(|d| !d) {
            return Err(S3Error::List {
                bucket: bucket.to_string(),
                prefix: prefixes[i].clone(),
                reason: "the listing stopped before its last page".into(),
            });
        }
        Ok(kept)
    }

    /// The object to download ahead for `f`: one of this client's, not in the cache.
    fn ahead(self: &Arc<Self>, f: &InputFile) -> Option<(ObjectKey, u64)> {
        match &f.location {
            Location::S3 {
                ctx,
                bucket,
                key,
                etag,
            } if Arc::ptr_eq(ctx, self) => {
                let cached = self.cache_dir.as_ref().is_some_and(|dir| {
                    !etag.is_empty() && cache_path(dir, bucket, key, etag).is_file()
                });
                (!cached).then(|| {
                    (
                        (bucket.clone(), key.clone(), etag.clone()),
                        f.size.unwrap_or(0),
                    )
                })
            }
            _ => None,
        }
    }

    /// Starts one GET downloaded ahead, on this client's runtime.
    /// It holds the client weakly: a client dropped (its listing's files with it) stops its
    /// downloads ahead ([`S3Context`]'s drop forgets them).
    fn starter(self: &Arc<Self>) -> Starter {
        let me = Arc::downgrade(self);
        Arc::new(move |key: ObjectKey, flight: Arc<Flight>| {
            let Some(me) = me.upgrade() else {
                flight.landed(
                    key,
                    Err("the S3 client was dropped".into()),
                    std::time::Duration::ZERO,
                );
                return;
            };
            let client = me.client.clone();
            me.rt.spawn(async move {
                let began = std::time::Instant::now();
                let body = get_whole(&client, &key.0, &key.1).await;
                flight.landed(key, body, began.elapsed());
            });
        })
    }

    /// Starts downloading the S3 objects of this client among `files`, in their order, ahead
    /// of their readers (`open` takes them); the guard forgets those no reader took. Those a
    /// listing already queued are adopted; those it queued that `files` leaves out are
    /// forgotten now.
    pub fn prefetch(self: &Arc<Self>, files: &[InputFile]) -> Prefetching {
        let objects = files.iter().filter_map(|f| self.ahead(f));
        let batch = self.flight.queue(objects, &self.starter());
        self.flight.forget_listed();
        Prefetching {
            batch,
            flight: Arc::clone(&self.flight),
        }
    }

    /// Opens an object for reading: from the cache when the listed ETag is there (no request
    /// at all), else downloaded — into the cache first when there is one.
    pub fn open(&self, bucket: &str, key: &str, etag: &str) -> io::Result<Box<dyn Read + Send>> {
        let cached = self
            .cache_dir
            .as_ref()
            .map(|dir| cache_path(dir, bucket, key, etag));
        if let Some(path) = cached.as_ref().filter(|p| !etag.is_empty() && p.is_file()) {
            self.from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(Box::new(std::fs::File::open(path)?));
        }
        let ahead = (bucket.to_string(), key.to_string(), etag.to_string());
        if let Some(body) = self.flight.take(&ahead) {
            let body = body.map_err(io::Error::other)?;
            let n = body.len() as u64;
            if let Some(path) = cached.as_ref().filter(|_| !etag.is_empty()) {
                copy_to(&mut &body[..], path)?;
            }
            self.count_fetch(n);
            return Ok(Box::new(io::Cursor::new(body)));
        }
        // not downloaded ahead (too large, or not queued): streamed, in flight until read
        let flying = self.flight.direct();
        let obj = self
            .rt
            .block_on(self.client.get_object().bucket(bucket).key(key).send())
            .map_err(|e| io::Error::other(format!("GET failed: {}", brief(&e))))?;
        let size = obj.content_length().unwrap_or(0).max(0) as u64;
        let mut reader = Flying {
            inner: tokio_util::io::SyncIoBridge::new_with_handle(
                obj.body.into_async_read(),
                self.rt.handle().clone(),
            ),
            _flying: flying,
        };
        match cached {
            Some(path) if !etag.is_empty() => {
                let n = copy_to(&mut reader, &path)?;
                self.count_fetch(n);
                Ok(Box::new(std::fs::File::open(&path)?))
            }
            _ => {
                self.count_fetch(size);
                Ok(Box::new(reader))
            }
        }
    }

    fn count_fetch(&self, bytes: u64) {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        self.bytes_fetched.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Adds the fetch counters to `stats`.
    pub fn finish(&self, stats: &mut ObjectStats) {
        stats.fetched += self.fetched.load(Ordering::Relaxed);
        stats.from_cache += self.from_cache.load(Ordering::Relaxed);
        stats.bytes_fetched += self.bytes_fetched.load(Ordering::Relaxed);
        stats.in_flight = self.flight.stats();
    }

    /// Copies one object to `out/key`, keeping the S3 layout (for `hosp-logs fetch`).
    pub fn fetch_to(&self, bucket: &str, key: &str, etag: &str, out: &Path) -> io::Result<u64> {
        let mut reader = self.open(bucket, key, etag)?;
        copy_to(&mut reader, &out.join(safe_relative(key)))
    }
}

/// An object's stream, counted in flight until dropped.
struct Flying<R> {
    inner: R,
    _flying: inflight::Direct,
}

impl<R: Read> Read for Flying<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// A listing: (key, size, ETag) of its objects, and its folders.
type Listing = (Vec<(String, u64, String)>, Vec<String>);

/// Every object under `prefix` (with a delimiter: only those directly in it) and the folders
/// below it (with a delimiter), all pages.
async fn list_pages(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
) -> Result<Listing, S3Error> {
    let (mut out, mut folders) = (Vec::new(), Vec::new());
    let mut token = None;
    loop {
        let ((objects, below), next) = list_page(client, bucket, prefix, delimiter, token).await?;
        out.extend(objects);
        folders.extend(below);
        token = next;
        if token.is_none() {
            return Ok((out, folders));
        }
    }
}

/// One page of a listing (see [`list_pages`]), and the token of the next one.
async fn list_page(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    token: Option<String>,
) -> Result<(Listing, Option<String>), S3Error> {
    let page = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .set_delimiter(delimiter.map(str::to_string))
        .set_continuation_token(token)
        .send()
        .await
        .map_err(|e| list_error(bucket, prefix, e))?;
    let folders = page
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix().map(str::to_string))
        .collect();
    let mut out = Vec::new();
    for o in page.contents() {
        if let Some(k) = o.key() {
            // the cache key: the ETag, else size and modification time
            let etag = match o.e_tag() {
                Some(t) if !t.is_empty() => t.trim_matches('"').to_string(),
                _ => format!(
                    "{}-{}",
                    o.size().unwrap_or(0),
                    o.last_modified().map(|t| t.secs()).unwrap_or(0)
                ),
            };
            out.push((k.to_string(), o.size().unwrap_or(0).max(0) as u64, etag));
        }
    }
    Ok((
        (out, folders),
        page.next_continuation_token().map(str::to_string),
    ))
}

/// A listed page on its way from a listing task to the thread that reads the pages.
struct Page {
    /// The prefix's place among those listed.
    index: usize,
    listed: Result<Listing, S3Error>,
    /// The prefix's last page (or its failure).
    last: bool,
}

/// One object's bytes, whole (a GET downloaded ahead), or why it failed.
async fn get_whole(client: &Client, bucket: &str, key: &str) -> inflight::Body {
    let obj = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("GET failed: {}", brief(&e)))?;
    let bytes = obj
        .body
        .collect()
        .await
        .map_err(|e| format!("GET failed while reading: {e}"))?;
    Ok(bytes.to_vec())
}

/// Objects downloaded ahead for one read ([`S3Context::prefetch`]); dropped, those no reader
/// took are forgotten.
pub struct Prefetching {
    flight: Arc<Flight>,
    batch: u64,
}

impl Drop for S3Context {
    /// Nobody can read this client's objects any more: what its listings downloaded ahead is
    /// let go (a discovery whose files were dropped unread).
    fn drop(&mut self) {
        self.flight.forget_all();
    }
}

impl Drop for Prefetching {
    fn drop(&mut self) {
        self.flight.forget(self.batch);
    }
}

/// Tells the GETs in flight about throttling answers (503 SlowDown, 429), every attempt's,
/// including those the SDK retries.
#[derive(Debug)]
struct ThrottleWatch(Arc<Flight>);

impl aws_sdk_s3::config::Intercept for ThrottleWatch {
    fn name(&self) -> &'static str {
        "ThrottleWatch"
    }

    fn read_before_deserialization(
        &self,
        context: &aws_sdk_s3::config::interceptors::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_sdk_s3::config::RuntimeComponents,
        _: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        if matches!(context.response().status().as_u16(), 503 | 429) {
            self.0.throttled();
        }
        Ok(())
    }
}

/// Writes a stream to `path` through a temporary file, so a broken download leaves no file.
fn copy_to(reader: &mut dyn Read, path: &Path) -> io::Result<u64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("part{}", std::process::id()));
    let mut out = std::fs::File::create(&tmp)?;
    let n = match io::copy(reader, &mut out) {
        Ok(n) => n,
        Err(e) => {
            drop(out);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    drop(out);
    std::fs::rename(&tmp, path)?;
    Ok(n)
}

/// A key as a relative path that cannot climb out of its folder.
fn safe_relative(key: &str) -> PathBuf {
    key.split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect()
}

fn list_error<E, R>(bucket: &str, prefix: &str, e: SdkError<E, R>) -> S3Error
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: fmt::Debug + 'static + HttpStatus,
{
    S3Error::List {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
        reason: brief(&e),
    }
}

/// The status, code and message of an AWS error, or the SDK's own chain for transport errors.
fn brief<E, R>(e: &SdkError<E, R>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: fmt::Debug + 'static + HttpStatus,
{
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let status = se.raw().status_code();
            format!(
                "HTTP {status} {}{}",
                err.code().unwrap_or("error"),
                err.message().map(|m| format!(": {m}")).unwrap_or_default()
            )
        }
        other => DisplayErrorContext(other).to_string(),
    }
}

/// The HTTP status of a raw response, for error messages.
trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

/// `<cache>/<bucket>/<key>.<etag>`: a changed object (new ETag) is a new cache entry.
fn cache_path(dir: &Path, bucket: &str, key: &str, etag: &str) -> PathBuf {
    let safe_etag: String = etag
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let mut path = dir.join(bucket).join(safe_relative(key));
    let name = format!(
        "{}.{safe_etag}",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    path.set_file_name(name);
    path
}

/// The user's cache folder for hosp-logs: $XDG_CACHE_HOME or ~/.cache.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("hosp-logs").join("s3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("s3://b/p/q/"), Some(("b".into(), "p/q".into())));
        assert_eq!(parse_url("s3://b"), Some(("b".into(), "".into())));
        assert_eq!(parse_url("s3:///x"), None);
        assert_eq!(parse_url("/local"), None);
    }

    #[test]
    fn cache_paths_stay_inside_the_cache() {
        let p = cache_path(Path::new("/c"), "b", "../../etc/x.log.gz", "\"abc/../1\"");
        assert_eq!(p, PathBuf::from("/c/b/etc/x.log.gz.abc1"));
    }
}
