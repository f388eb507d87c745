//! Deterministic generator of HOSP ALB access logs and the CloudFront logs in front of them
//! (`hosp-logs generate`).
//!
//! Writes gzip files exactly as ALB delivers them to S3 (one file per LB node and 5-minute
//! interval, `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/…log.gz`, date folder =
//! delivery date = interval end), the CloudFront log of the same day under `cloudfront/` (the
//! clinics' requests reach the edge first; see `edge`), plus `truth.json`, the ground truth
//! counted while writing.
//! Same seed and options give the same bytes. The day's story (incident times, definitions)
//! is documented in `fixtures/README.md`.
//!
//! Uses only std, chrono, flate2, serde, serde_json and thiserror.

mod edge;
pub mod migration;
pub mod proxy;
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

use std::collections::BTreeMap;

use self::edge::{Edge, EdgeLine};
use self::proxy::ProxyLine;
use self::record::Record;
use self::scenario::{
    day_floor, Scenario, ACCOUNT, HOUR, LB_FILE_ID, MINUTE, NODE_IPS, REGION, US,
};
use self::truth::{Acc, EdgeAcc, HopsAcc, Meta};

/// Where the CloudFront log goes under `--out` (beside `AWSLogs/`): the distribution's
/// legacy standard-log prefix.
pub const CLOUDFRONT_DIR: &str = "cloudfront";

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
    /// Also the nginx proxies behind the ALB (`nginx/`), and the three logs' joins in
    /// truth.json (`generate --hops`).
    pub hops: bool,
    /// The /hospitals routes on API Gateway from the cut-over instead of the ALB's Lambda
    /// target group (`apigw/`, and `migration` in truth.json; `generate --migration`).
    pub migration: bool,
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
    if opts.migration && opts.hops {
        return Err(GenerateError::InvalidOptions(
            "--migration and --hops do not go together (the proxies' joins assume every /hospitals request on the ALB)".into(),
        ));
    }
    let end_us = start_us + dur_us;
    let scenario = Scenario::new(opts.seed, start_us, opts.rate);
    let mut migration = opts.migration.then(|| migration::MigrationTruth {
        cutover: DateTime::from_timestamp_micros(scenario.migration_us())
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        ..Default::default()
    });
    let mut apigw: BTreeMap<i64, Vec<migration::ApigwLine>> = BTreeMap::new();
    let mut next_apigw_hour = start_us.div_euclid(HOUR) * HOUR;

    let first = start_us.div_euclid(INTERVAL) * INTERVAL;
    let n_intervals = ((end_us - first) + INTERVAL - 1) / INTERVAL;
    // One file (node 0, middle interval) is written as two concatenated gzip members.
    let multi_interval = n_intervals / 2;
    let in_window = |t: i64| t >= start_us && t < end_us;

    let mut acc = Acc::default();
    let mut edge_acc = EdgeAcc::default();
    let mut multi_member_files = Vec::new();
    let mut edge = Edge::new(opts.seed);
    edge.migration = opts.migration;
    // ALB records by interval, CloudFront lines by hour, until each is complete
    let mut alb: BTreeMap<i64, Vec<Record>> = BTreeMap::new();
    let mut cf: BTreeMap<i64, Vec<EdgeLine>> = BTreeMap::new();
    // with --hops: nginx lines by hour, until each is complete
    let mut hops = opts.hops.then(|| HopsAcc::new(start_us, end_us));
    let mut nginx: BTreeMap<i64, Vec<ProxyLine>> = BTreeMap::new();
    let mut next_nginx_hour = start_us.div_euclid(HOUR) * HOUR;
    let mut next_interval = 0;
    let mut next_hour = start_us.div_euclid(HOUR) * HOUR;
    // The edge's cache is simulated from the midnight before the window (it is emptied at
    // 00:00 UTC), and traffic is generated two minutes past the window's end: every request
    // that reaches the edge before the end is then known.
    let mut m = day_floor(start_us);
    let last = end_us.div_euclid(MINUTE) * MINUTE + 2 * MINUTE;
    while m <= last {
        for r in scenario.minute(m) {
            if r.source.via_edge() {
                edge.push(r);
            } else if in_window(r.time_us) {
                alb.entry((r.time_us - first).div_euclid(INTERVAL))
                    .or_default()
                    .push(r);
            }
        }
        // requests generated later reached the edge after m - 1 s (none waits 61 s)
        let resolved = m - US;
        for (line, forwarded) in edge.resolve(resolved) {
            if let Some(r) = forwarded.filter(|r| in_window(r.time_us)) {
                alb.entry((r.time_us - first).div_euclid(INTERVAL))
                    .or_default()
                    .push(r);
            }
            if in_window(line.time_us) {
                cf.entry(line.time_us.div_euclid(HOUR) * HOUR)
                    .or_default()
                    .push(line);
            }
        }
        // an interval is complete once every request answered before its end is decided;
        // after the last minute, every request answered in the window is
        let resolved = if m == last { i64::MAX } else { resolved };
        while next_interval < n_intervals && first + (next_interval + 1) * INTERVAL <= resolved {
            let mut records = alb.remove(&next_interval).unwrap_or_default();
            if let Some(mt) = migration.as_mut() {
                // the Lambda target group's requests go through API Gateway instead
                records.retain(|r| {
                    if r.target_group == Some(record::TargetGroup::Lambda) {
                        let l = migration::apigw_line(opts.seed, r);
                        apigw.entry(migration::hour_of(&l)).or_default().push(l);
                        false
                    } else {
                        mt.add_alb(r);
                        true
                    }
                });
            }
            let multi = next_interval == multi_interval;
            let end = first + (next_interval + 1) * INTERVAL;
            if let Some(h) = hops.as_mut() {
                for r in &records {
                    h.add_alb();
                    if let Some(p) =
                        proxy::proxy_line(opts.seed, r).filter(|p| in_window(p.time_us))
                    {
                        nginx
                            .entry(p.time_us.div_euclid(HOUR) * HOUR)
                            .or_default()
                            .push(p);
                    }
                }
            }
            write_interval(
                opts,
                &scenario,
                end,
                records,
                multi,
                &mut acc,
                &mut multi_member_files,
            )?;
            next_interval += 1;
        }
        // an nginx hour is complete once the ALB lines up to a minute past it are decided
        // (nginx finishes before the ALB logs, by at most the ALB's 60 s timeout)
        if let Some(h) = hops.as_mut() {
            let written = (first + next_interval * INTERVAL).min(end_us);
            while next_nginx_hour < end_us
                && (next_nginx_hour + HOUR + proxy::MAX_LEAD <= written || written >= end_us)
            {
                let lines = nginx.remove(&next_nginx_hour).unwrap_or_default();
                write_nginx_hour(opts, next_nginx_hour, lines, h)?;
                next_nginx_hour += HOUR;
            }
        }
        // an API Gateway hour is complete once the ALB records up to 2 minutes past it are (a
        // request's line is stamped when it came in: the ALB's request creation time, up to
        // its 60 s timeout before the ALB's record ends)
        if let Some(mt) = migration.as_mut() {
            let written = (first + next_interval * INTERVAL).min(end_us);
            while next_apigw_hour < end_us
                && (next_apigw_hour + HOUR + 2 * MINUTE <= written || written >= end_us)
            {
                let lines = apigw.remove(&next_apigw_hour).unwrap_or_default();
                migration::write_hour(&opts.out, opts.seed, next_apigw_hour, lines, mt)?;
                next_apigw_hour += HOUR;
            }
        }
        while next_hour < end_us && next_hour + HOUR <= resolved {
            let lines = cf.remove(&next_hour).unwrap_or_default();
            if let Some(h) = hops.as_mut() {
                lines.iter().for_each(|l| h.add_edge(l));
            }
            if let Some(mt) = migration.as_mut() {
                lines.iter().for_each(|l| mt.add_edge(l));
            }
            write_edge_hour(opts, next_hour, lines, &mut edge_acc)?;
            next_hour += HOUR;
        }
        m += MINUTE;
    }

    let meta = Meta {
        seed: opts.seed,
        start_us,
        end_us,
        rate: opts.rate,
        migration_us: scenario.migration_us(),
        multi_member_files,
    };
    let cloudfront = edge_acc.finish(&meta, acc.from_edge);
    let mut truth = acc.finish(meta);
    truth.cloudfront = Some(cloudfront);
    if let Some(mut mt) = migration {
        // the lines stamped before the window's first hour, if any
        for (hour, lines) in std::mem::take(&mut apigw) {
            migration::write_hour(&opts.out, opts.seed, hour, lines, &mut mt)?;
        }
        truth.migration = Some(mt);
    }
    if let Some(h) = hops {
        let (n, j) = h.finish();
        truth.nginx = Some(n);
        truth.hops = Some(j);
    }
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

/// Writes one 5-minute interval's ALB files (one per LB node), lines in time order.
fn write_interval(
    opts: &GenerateOptions,
    scenario: &Scenario,
    end: i64,
    mut records: Vec<Record>,
    multi: bool,
    acc: &mut Acc,
    multi_member_files: &mut Vec<String>,
) -> Result<(), GenerateError> {
    records.sort_by_key(|r| r.time_us); // stable: ties keep generation order
    for node in 0..NODE_IPS.len() {
        let rel = relative_path(end, node, &scenario.file_suffix(end, node));
        let path = opts.out.join(&rel);
        let mut text = String::new();
        let mut line_ends = Vec::new();
        for r in records.iter().filter(|r| usize::from(r.node) == node) {
            r.write_line(&mut text);
            text.push('\n');
            line_ends.push(text.len());
            acc.add(r);
        }
        let bytes = if multi && node == 0 {
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
    Ok(())
}

/// Writes one hour of CloudFront lines as CloudFront delivers them: two files (the Dublin
/// locations', the others'), each under the `#Version` / `#Fields` header, lines by location
/// and then time (not in time order overall). An hour without a request has no file.
fn write_edge_hour(
    opts: &GenerateOptions,
    hour: i64,
    mut lines: Vec<EdgeLine>,
    acc: &mut EdgeAcc,
) -> Result<(), GenerateError> {
    lines.sort_by_key(|l| (l.location, l.time_us));
    for part in 0..2 {
        let mine: Vec<&EdgeLine> = lines
            .iter()
            .filter(|l| edge::LOCATIONS[l.location].0.starts_with("DUB") == (part == 0))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut text = String::from(edge::HEADER);
        for l in mine {
            l.write_line(&mut text);
            text.push('\n');
            acc.add(l);
        }
        let path = opts
            .out
            .join(CLOUDFRONT_DIR)
            .join(edge::file_name(opts.seed, hour, part));
        write_file(&path, &gzip(text.as_bytes(), &path)?)?;
        acc.files += 1;
    }
    Ok(())
}

/// Writes one hour of the proxies' lines: one file per proxy, lines in time order (ties in
/// the order the ALB logged them). An hour without a request has no file.
fn write_nginx_hour(
    opts: &GenerateOptions,
    hour: i64,
    mut lines: Vec<ProxyLine>,
    acc: &mut HopsAcc,
) -> Result<(), GenerateError> {
    lines.sort_by_key(|l| l.time_us); // stable
    for proxy in 0..scenario::LEGACY_TARGETS.len() {
        let mut text = String::new();
        for l in lines.iter().filter(|l| l.proxy == proxy) {
            l.write_line(&mut text);
            text.push('\n');
            acc.add_nginx(l);
        }
        if text.is_empty() {
            continue;
        }
        let path = opts.out.join(proxy::file_path(proxy, hour));
        write_file(&path, &gzip(text.as_bytes(), &path)?)?;
        acc.nginx_files += 1;
    }
    Ok(())
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
