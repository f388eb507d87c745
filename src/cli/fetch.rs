//! `hosp-logs fetch`: copy a window of ALB or CloudFront logs from S3 to a local folder, in the
//! same layout, so later runs (or other tools) can read them offline.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Args;
use serde::Serialize;

use super::input::{now, s3_options, S3Args};
use super::GlobalArgs;
use crate::engine::SourceFailure;
use crate::error::{ExitStatus, UsageError};
use crate::source::s3::{parse_url, ObjectStats, S3Context};
use crate::source::Location;
use crate::window::Window;

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// s3://bucket/prefix: ALB's (anywhere above or at
    /// AWSLogs/<account>/elasticloadbalancing/<region>/) or CloudFront's (the folder of
    /// <distribution>.YYYY-MM-DD-HH.<id>.gz objects, or above v2's date folders)
    #[arg(value_name = "S3_URL")]
    pub url: String,
    /// Start of the window (duration back from now, or RFC 3339). Default: 24h
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// End of the window (exclusive). Default: now
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Folder to write to; keys keep their path below it
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The logs' layout in the bucket; auto tells ALB's from CloudFront's by the prefix and
    /// its first listing
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "auto")]
    pub log_format: crate::format::LogFormat,
    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Debug, Default, Serialize)]
struct FetchSummary {
    objects: ObjectStats,
    /// Objects already in the folder with the same size: not downloaded again.
    present: u64,
    written: u64,
    bytes_written: u64,
    failed: Vec<SourceFailure>,
}

pub fn run(global: &GlobalArgs, args: FetchArgs) -> anyhow::Result<ExitStatus> {
    let (bucket, prefix) = parse_url(&args.url)
        .ok_or_else(|| UsageError(format!("{}: expected s3://bucket/prefix", args.url)))?;
    let mut window = Window::parse(args.since.as_deref(), args.until.as_deref(), now())?;
    if window.since_us.is_none() {
        window.since_us =
            Some(window.until_us.unwrap_or(now().timestamp_micros()) - 86_400_000_000);
    }
    // the fetch copies objects as they are: no cache in between
    let mut opts = s3_options(&args.s3);
    opts.cache_dir = None;
    let ctx = S3Context::new(&opts)?;
    let mut summary = FetchSummary::default();
    let files = ctx.discover(
        &bucket,
        &prefix,
        &window,
        now().timestamp_micros(),
        args.log_format.fixed(),
        &mut summary.objects,
    )?;

    let next = AtomicUsize::new(0);
    let (present, written, bytes) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let failed = Mutex::new(Vec::new());
    // the objects not already in the folder are downloaded ahead (up to --concurrency in
    // flight); a few threads write them
    let wanted: Vec<_> = files
        .iter()
        .filter(|f| {
            let Location::S3 { key, .. } = &f.location else {
                return false;
            };
            f.size.is_none()
                || std::fs::metadata(args.out.join(key)).ok().map(|m| m.len()) != f.size
        })
        .cloned()
        .collect();
    let ahead = ctx.prefetch(&wanted);
    std::thread::scope(|s| {
        for _ in 0..args.s3.concurrency.clamp(1, 8).min(files.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { return };
                let Location::S3 {
                    bucket, key, etag, ..
                } = &f.location
                else {
                    continue;
                };
                let dest = args.out.join(key);
                if f.size.is_some() && std::fs::metadata(&dest).ok().map(|m| m.len()) == f.size {
                    present.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                match ctx.fetch_to(bucket, key, etag, &args.out) {
                    Ok(n) => {
                        written.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(e) => {
                        failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(SourceFailure {
                                source: f.name.clone(),
                                reason: e.to_string(),
                                over_limit: false,
                            })
                    }
                }
            });
        }
    });
    drop(ahead);
    ctx.finish(&mut summary.objects);
    summary.present = present.into_inner();
    summary.written = written.into_inner();
    summary.bytes_written = bytes.into_inner();
    summary.failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    summary.failed.sort_by(|a, b| a.source.cmp(&b.source));

    serde_json::to_writer_pretty(std::io::stdout().lock(), &summary)?;
    println!();
    if !global.quiet {
        eprintln!(
            "hosp-logs: {} listed, {} pruned by name, {} already present, {} written ({} bytes), {} failed",
            summary.objects.listed,
            summary.objects.pruned,
            summary.present,
            summary.written,
            summary.bytes_written,
            summary.failed.len()
        );
        for f in &summary.failed {
            eprintln!(
                "hosp-logs: failed: {}: {}",
                crate::render::sanitize(&f.source, 300),
                crate::render::sanitize(&f.reason, 300)
            );
        }
    }
    Ok(if summary.failed.is_empty() || args.s3.allow_partial {
        ExitStatus::Ok
    } else {
        ExitStatus::Failure
    })
}
