//! The options every command that reads logs shares (--source, --since/--until, --strict,
//! --format, --log-format, the S3 options) and finding the files they name.

use std::path::PathBuf;

use clap::Args;

use crate::engine::local::InflateLimit;
use crate::error::UsageError;
use crate::format::LogFormat;
use crate::render::Format;
use crate::source::cwlogs::{self, CwlContext};
use crate::source::s3::{default_cache_dir, parse_url, ObjectStats, S3Context, S3Error, S3Options};
use crate::source::{discover, AwsSettings, Discovery};
use crate::window::Window;

#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Logs to read: a file, a folder (recursive), a glob, or '-' for stdin; plain or gzip;
    /// s3://bucket/prefix; cwlogs://LOG_GROUP[?stream_prefix=P]. Repeatable. Default: the
    /// config's [source] paths
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
    /// The logs' format; auto recognises each file from its first lines. Default: config
    /// [source] log_format, else auto
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Longer lines are malformed ("line too long") and skipped without being held (1MiB,
    /// 64KiB, bytes)
    #[arg(long, value_name = "BYTES", default_value = "1MiB")]
    pub max_line_bytes: String,
    /// Stop reading a compressed input once it inflates past this many times its size (at
    /// least 10 GiB); it is named under source_errors
    #[arg(long, value_name = "RATIO", default_value = "100")]
    pub max_inflate: String,
    /// The nginx log_format for this run, as nginx.conf has it (overrides config [nginx]
    /// log_format; default: combined), e.g. '$remote_addr [$time_local] "$request" $status
    /// $request_time $upstream_addr $upstream_status'
    #[arg(long, value_name = "LOG_FORMAT")]
    pub nginx_log_format: Option<String>,
    /// Read plain local files with read(2) instead of mapping them into memory (mapping
    /// saves a copy of every byte, and names a file that shrinks while read under
    /// source_errors; read(2) stops at the new end)
    #[arg(long)]
    pub no_mmap: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

impl InputArgs {
    /// `--max-line-bytes`, checked (at least 1 KiB).
    pub fn max_line_bytes(&self) -> Result<usize, UsageError> {
        match size(&self.max_line_bytes) {
            Some(n) if n >= 1024 => Ok(n as usize),
            _ => Err(UsageError(format!(
                "--max-line-bytes {:?}: expected a size of at least 1KiB, like 1MiB, 64KiB or 4096",
                self.max_line_bytes
            ))),
        }
    }

    /// `--max-inflate`, checked: a ratio (`100`, `100x`: bytes inflated per compressed byte,
    /// at least 10 GiB) or a size (`20GB`, `512MiB`).
    pub fn max_inflate(&self) -> Result<InflateLimit, UsageError> {
        let text = self.max_inflate.trim();
        let ratio = text.strip_suffix(['x', 'X']).unwrap_or(text);
        if let Ok(n) = ratio.parse::<u64>() {
            if n >= 1 {
                return Ok(InflateLimit::Ratio(n));
            }
        }
        match size(text) {
            Some(n) if n > 0 => Ok(InflateLimit::Bytes(n)),
            _ => Err(UsageError(format!(
                "--max-inflate {text:?}: expected a ratio such as 100 (bytes inflated per compressed byte) or a size such as 20GB"
            ))),
        }
    }
}

/// `4096`, `64KiB`, `1MiB`, `20GB` (KB/MB/GB decimal, KiB/MiB/GiB binary) in bytes.
fn size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
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
    /// S3-compatible endpoint, e.g. http://127.0.0.1:9000 (also CloudWatch Logs' for cwlogs://)
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Path-style addressing (endpoint/bucket/key), for S3-compatible stores
    #[arg(long)]
    pub path_style: bool,
    /// The most objects downloaded at once (the cap: the number in flight starts at 32, or N
    /// when lower, grows while throughput grows and halves on throttling)
    #[arg(long, default_value_t = 128, value_name = "N")]
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

pub type Objects = Option<(std::sync::Arc<S3Context>, ObjectStats)>;

/// Local files, S3 objects and CloudWatch Logs streams the window needs: `cwlogs://` sources
/// are listed with one CloudWatch Logs client (made only when one is given), the rest as
/// [`find_files`] finds them. With `verbose`, what each group listed goes to stderr.
pub fn find_inputs(
    sources: &[String],
    window: &Window,
    format: Option<crate::format::FormatId>,
    s3: &S3Options,
    verbose: bool,
) -> anyhow::Result<(Discovery, Objects)> {
    let (groups, rest): (Vec<String>, Vec<String>) =
        sources.iter().cloned().partition(|s| s.starts_with(CWLOGS));
    // an analysis reads every object it lists: the GETs start while the listing goes on
    let s3_client = || {
        let ctx = S3Context::new(s3)?;
        ctx.fetch_while_listing();
        Ok(ctx)
    };
    let (mut found, objects) = find_files(&rest, window, format, s3_client)?;
    if groups.is_empty() {
        return Ok((found, objects));
    }
    let urls = groups
        .iter()
        .map(|g| cwlogs::parse_url(g))
        .collect::<Result<Vec<_>, _>>()?;
    let ctx = CwlContext::new(&s3.aws, verbose)?;
    for (text, url) in groups.iter().zip(&urls) {
        let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
        let before = (count(&ctx.stats.streams), count(&ctx.stats.streams_pruned));
        let inputs = ctx.discover(url, window)?;
        if verbose {
            eprintln!(
                "hosp-logs: {}: {} streams listed, {} outside the window, {} input(s)",
                crate::render::sanitize(text, 200),
                count(&ctx.stats.streams) - before.0,
                count(&ctx.stats.streams_pruned) - before.1,
                inputs.len(),
            );
        }
        found.files.extend(inputs);
    }
    Ok((found, objects))
}

/// The scheme of CloudWatch Logs sources.
pub const CWLOGS: &str = "cwlogs://";

/// Local files and S3 objects the window needs; the S3 client is made only when asked for.
/// `cwlogs://` sources are read through [`find_inputs`] only (not by `collect`).
pub fn find_files(
    sources: &[String],
    window: &Window,
    format: Option<crate::format::FormatId>,
    s3_client: impl FnOnce() -> Result<std::sync::Arc<S3Context>, S3Error>,
) -> anyhow::Result<(Discovery, Objects)> {
    let (s3_urls, local): (Vec<&String>, Vec<&String>) =
        sources.iter().partition(|s| s.starts_with("s3://"));
    if let Some(g) = local.iter().find(|s| s.starts_with(CWLOGS)) {
        return Err(UsageError(format!(
            "{g}: CloudWatch Logs sources are read by the analyses only, not by this command"
        ))
        .into());
    }
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
            format,
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
        concurrency: a.concurrency,
        cache_dir: if a.no_cache {
            None
        } else {
            a.cache_dir.clone().or_else(default_cache_dir)
        },
    }
}
