//! Deterministic generator of HOSP ALB access logs (`hosp-logs generate`).
//!
//! Writes gzip files exactly as ALB delivers them to S3 (one file per LB node and 5-minute
//! interval, `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/…log.gz`, date folder =
//! delivery date = interval end) plus `truth.json`, the ground truth counted while writing.
//! Same seed and options give the same bytes. The day's story (incident times, definitions)
//! is documented in `fixtures/README.md`.
//!
//! Uses only std, chrono, flate2, serde, serde_json and thiserror.

mod record;
mod rng;
mod scenario;
pub mod security_bench;
mod truth;

#[cfg(test)]
mod tests;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::{Compression, GzBuilder};

use self::record::Record;
use self::scenario::{Scenario, ACCOUNT, LB_FILE_ID, MINUTE, NODE_IPS, REGION};
use self::truth::{Acc, Meta};

/// Options of `hosp-logs generate`.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Seed of every random choice; same seed and options give the same bytes.
    pub seed: u64,
    /// First instant of the window (UTC). Incidents are placed at times of day.
    pub start: DateTime<Utc>,
    /// Length of the window (positive, at most 400 days).
    pub duration: chrono::Duration,
    /// Mean user requests per second, averaged over a whole day (the daily shape makes
    /// 07–19 UTC busier). Incident traffic (load test, intruder, scanner) comes on top.
    pub rate: f64,
    /// Output directory (receives `AWSLogs/…` and `truth.json`).
    pub out: PathBuf,
}

/// What `run` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Number of `.log.gz` files written.
    pub files: usize,
    /// Number of log lines (= requests) written.
    pub lines: u64,
    /// Path of the written `truth.json`.
    pub truth_path: PathBuf,
}

/// Errors of [`run`].
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Duration or rate out of range.
    #[error("invalid generate options: {0}")]
    InvalidOptions(String),
    /// Creating a directory or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// truth.json could not be serialised.
    #[error("cannot serialise truth.json: {0}")]
    Json(#[from] serde_json::Error),
}

const INTERVAL: i64 = 5 * MINUTE;
const MAX_DURATION_DAYS: i64 = 400;
const MAX_RATE: f64 = 10_000.0;

/// Generate logs and `truth.json` into `opts.out`. Existing files with the same names are
/// overwritten; nothing else in `opts.out` is touched.
pub fn run(opts: &GenerateOptions) -> Result<GenerateSummary, GenerateError> {
    let start_us = opts.start.timestamp_micros();
    let dur_us = opts
        .duration
        .num_microseconds()
        .filter(|d| *d > 0 && *d <= MAX_DURATION_DAYS * 86_400_000_000)
        .ok_or_else(|| {
            GenerateError::InvalidOptions(format!(
                "duration must be positive and at most {MAX_DURATION_DAYS} days"
            ))
        })?;
    if !opts.rate.is_finite() || opts.rate < 0.0 || opts.rate > MAX_RATE {
        return Err(GenerateError::InvalidOptions(format!(
            "rate must be between 0 and {MAX_RATE} requests per second, got {}",
            opts.rate
        )));
    }
    let end_us = start_us + dur_us;
    let scenario = Scenario::new(opts.seed, start_us, opts.rate);

    let first = start_us.div_euclid(INTERVAL) * INTERVAL;
    let n_intervals = ((end_us - first) + INTERVAL - 1) / INTERVAL;
    // One file (node 0, middle interval) is written as two concatenated gzip members.
    let multi_interval = n_intervals / 2;

    let mut acc = Acc::default();
    let mut multi_member_files = Vec::new();
    for k in 0..n_intervals {
        let a = first + k * INTERVAL;
        let b = a + INTERVAL;
        let mut records: Vec<Record> = Vec::new();
        let mut m = a.max(start_us.div_euclid(MINUTE) * MINUTE);
        while m < b.min(end_us) {
            records.extend(
                scenario
                    .minute(m)
                    .into_iter()
                    .filter(|r| r.time_us >= start_us && r.time_us < end_us),
            );
            m += MINUTE;
        }
        records.sort_by_key(|r| r.time_us); // stable: ties keep generation order
        for node in 0..NODE_IPS.len() {
            let rel = relative_path(b, node, &scenario.file_suffix(b, node));
            let path = opts.out.join(&rel);
            let mut text = String::new();
            let mut line_ends = Vec::new();
            for r in records.iter().filter(|r| usize::from(r.node) == node) {
                r.write_line(&mut text);
                text.push('\n');
                line_ends.push(text.len());
                acc.add(r);
            }
            let multi = k == multi_interval && node == 0;
            let bytes = if multi {
                multi_member_files.push(rel.to_string_lossy().replace('\\', "/"));
                // First member: the first half of the lines (whole lines only).
                let split = match line_ends.len() / 2 {
                    0 => 0,
                    half => line_ends[half - 1],
                };
                let mut v = gzip(&text.as_bytes()[..split], &path)?;
                v.extend(gzip(&text.as_bytes()[split..], &path)?);
                v
            } else {
                gzip(text.as_bytes(), &path)?
            };
            write_file(&path, &bytes)?;
            acc.files += 1;
        }
    }

    let truth = acc.finish(Meta {
        seed: opts.seed,
        start_us,
        end_us,
        rate: opts.rate,
        migration_us: scenario.migration_us(),
        multi_member_files,
    });
    let truth_path = opts.out.join("truth.json");
    let mut json = serde_json::to_string_pretty(&truth)?;
    json.push('\n');
    write_file(&truth_path, json.as_bytes())?;
    Ok(GenerateSummary {
        files: truth.files,
        lines: truth.lines,
        truth_path,
    })
}

/// `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/<file>` for the interval
/// ending at `end_us` (the date folder is the delivery date, i.e. the end's date).
fn relative_path(end_us: i64, node: usize, suffix: &str) -> PathBuf {
    let end = DateTime::from_timestamp_micros(end_us).expect("timestamp in range");
    let name = format!(
        "{ACCOUNT}_elasticloadbalancing_{REGION}_{LB_FILE_ID}_{}_{}_{suffix}.log.gz",
        end.format("%Y%m%dT%H%MZ"),
        NODE_IPS[node]
    );
    PathBuf::from("AWSLogs")
        .join(ACCOUNT)
        .join("elasticloadbalancing")
        .join(REGION)
        .join(end.format("%Y").to_string())
        .join(end.format("%m").to_string())
        .join(end.format("%d").to_string())
        .join(name)
}

/// One gzip member: fixed header (mtime 0, no file name, OS byte 255), default level.
fn gzip(data: &[u8], path: &Path) -> Result<Vec<u8>, GenerateError> {
    let io = |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut enc = GzBuilder::new().mtime(0).write(
        Vec::with_capacity(data.len() / 6 + 64),
        Compression::default(),
    );
    enc.write_all(data).map_err(io)?;
    enc.finish().map_err(io)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    let io = |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}
