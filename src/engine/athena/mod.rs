//! The Athena engine: an analysis' SQL runs in Amazon Athena over the window's partitions (one
//! query, one scan), and its rows become the same partial the local engine folds, finished
//! by the same code. Cost and progress go to stderr; a query is never left running.

pub mod client;
pub mod rows;
pub mod sql;

use std::io::Write as _;

use super::{check_roles, AthenaPlan, Finish, InputStats, Job, Ran, Seen};
use crate::error::UsageError;
use crate::format::{FileFormat, FormatId, FormatSettings};
use crate::source::s3::{parse_url, S3Context, S3Options};
use crate::terminal::sanitize;

pub use client::{AthenaClient, AthenaError, AthenaOptions, QueryStats, ResultRows};
pub use rows::Apart;
pub use sql::{Query, Sql};

/// Everything an Athena run needs, resolved from flags and the config's `[athena]`.
#[derive(Debug, Clone)]
pub struct AthenaSettings {
    pub client: AthenaOptions,
    /// Whose table it is: the analyses read its roles.
    pub format: FormatId,
    /// The formats' settings (API Gateway's columns and roles follow the stage's format).
    pub format_settings: FormatSettings,
    pub table: String,
    /// The logs' s3:// folder (for the scan estimate).
    pub location: Option<String>,
    /// Refuse a query expected to scan more bytes than this.
    pub max_scan: Option<u64>,
    /// Print the SQL and its parameters instead of running it.
    pub print_sql: bool,
    /// How to list `location` for the estimate.
    pub s3: S3Options,
    pub strict: bool,
    pub quiet: bool,
}

/// Runs an analysis in Athena. None with `print_sql` (the query was printed, not run).
pub fn run<A: AthenaPlan>(
    analysis: &A,
    job: &Job<'_>,
    settings: &AthenaSettings,
) -> anyhow::Result<Option<Ran<A::Report>>> {
    let source = settings.format.athena_table(
        settings.location.as_deref(),
        &job.window,
        &settings.format_settings,
    )?;
    let format = FileFormat::for_file(settings.format, &[], &settings.format_settings);
    check_roles(analysis.name(), analysis.required(), &format)?;
    let sql = Sql::new(
        &settings.table,
        source,
        &job.window,
        job.exclude,
        job.routes,
    )?;
    let query = analysis.query(&sql)?;
    if settings.print_sql {
        print_sql(&query)?;
        return Ok(None);
    }
    let client = AthenaClient::new(&settings.client)?;
    if let Some(limit) = settings.max_scan {
        guard_scan(settings, &sql.source.window.scan, limit)?;
    }
    let rows = run_query(&client, &query, settings.quiet).map_err(|e| wrong_table(e, settings))?;
    let (partial, apart) = analysis.partial_from_rows(&rows)?;
    let end = Finish {
        window: job.window,
        seen: Seen {
            excluded: apart.excluded,
            ..Seen::default()
        },
    };
    let report = analysis.finish(partial, &end);
    Ok(Some(Ran {
        report,
        window: end.window_info(),
        excluded: apart.excluded,
        input: stats(&rows, apart, settings)?,
    }))
}

/// A query that failed because the table lacks a column the format's SQL reads: the table is
/// another format's (`--log-format` and `--table` disagree). Said so, with what to do; the
/// failure stays the user's (exit 2).
fn wrong_table(err: anyhow::Error, settings: &AthenaSettings) -> anyhow::Error {
    let missing_column = match err.downcast_ref::<AthenaError>() {
        Some(AthenaError::Failed { reason, .. }) => {
            let r = reason.to_ascii_lowercase();
            // Athena (Trino): COLUMN_NOT_FOUND … cannot be resolved; DuckDB: Referenced column
            r.contains("column_not_found")
                || r.contains("cannot be resolved")
                || r.contains("referenced column")
        }
        _ => false,
    };
    if !missing_column {
        return err;
    }
    let other: Vec<String> = FormatId::ALL
        .iter()
        .filter(|f| **f != settings.format && f.athena_default_table().is_some())
        .map(|f| format!("--log-format {}", f.name()))
        .collect();
    err.context(format!(
        "the table {:?} lacks a column of the {} table: is it another format's? \
         --log-format (config [source] log_format) says whose table it is ({}), \
         --table (config [athena] table) names it; `athena setup --log-format {}` creates {} \
         (API Gateway's columns follow config [apigw] format: the same config for both)",
        settings.table,
        settings.format.title(),
        other.join(", "),
        settings.format.name(),
        settings.format.athena_default_table().unwrap_or("it"),
    ))
}

/// Input accounting for an Athena run: rows in the window, lines the table's regex could not
/// read (warned about; refused with --strict), and the query's cost.
fn stats(rows: &ResultRows, apart: Apart, settings: &AthenaSettings) -> anyhow::Result<InputStats> {
    let unparsed = apart.unparsed;
    if unparsed > 0 && settings.strict {
        return Err(UsageError(format!(
            "--strict: {unparsed} lines in the window's delivery folders did not match the Athena table (its regex or field layout)"
        ))
        .into());
    }
    if unparsed > 0 && !settings.quiet {
        eprintln!(
            "hosp-logs: warning: {unparsed} lines in the window's delivery folders did not match the Athena table (its regex or field layout) and were left out (not {}s)",
            settings.format.title()
        );
    }
    Ok(InputStats {
        lines: apart.requests + unparsed,
        parsed: apart.requests,
        malformed: unparsed,
        athena: Some(rows.stats.clone()),
        ..InputStats::default()
    })
}

/// Estimates the scan from the size of the window's delivery folders (Athena reads every
/// object there) and refuses the query above `limit`.
fn guard_scan(settings: &AthenaSettings, days: &[String], limit: u64) -> anyhow::Result<()> {
    let location = settings.location.clone().ok_or_else(|| {
        UsageError(
            "--max-scan estimates the scan from the logs' folders: set [athena] location in the config".into(),
        )
    })?;
    let (bucket, prefix) = parse_url(&location).ok_or_else(|| {
        UsageError(format!(
            "[athena] location {location:?}: expected s3://bucket/prefix/"
        ))
    })?;
    let s3 = S3Context::new(&settings.s3)?;
    let (mut objects, mut bytes) = (0, 0);
    for day in days {
        // "" is the whole location (a table without partitions)
        let p = match (prefix.is_empty(), day.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!("{day}/"),
            (false, true) => format!("{prefix}/"),
            (false, false) => format!("{prefix}/{day}/"),
        };
        let (o, b) = s3.bytes_under(&bucket, &p)?;
        objects += o;
        bytes += b;
    }
    let detail = if days.iter().any(String::is_empty) {
        format!("{objects} objects under {location}")
    } else {
        format!(
            "{objects} objects in {} delivery folders under {location}",
            days.len()
        )
    };
    if !settings.quiet {
        eprintln!(
            "hosp-logs: athena: expected scan {} ({detail}), limit {}",
            human_bytes(bytes),
            human_bytes(limit)
        );
    }
    if bytes > limit {
        return Err(AthenaError::ScanLimit {
            estimate: bytes,
            limit,
            detail,
        }
        .into());
    }
    Ok(())
}

/// `12GB`, `500MB`, `1.5TB`, `1024` (decimal units, as Athena bills).
pub fn parse_bytes(text: &str) -> Result<u64, UsageError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => {
            return Err(UsageError(format!(
                "{text:?}: expected bytes like 500MB, 20GB, 1TB"
            )))
        }
    };
    match num.parse::<f64>() {
        Ok(n) if n >= 0.0 && n.is_finite() => Ok((n * mult) as u64),
        _ => Err(UsageError(format!(
            "{text:?}: expected bytes like 500MB, 20GB, 1TB"
        ))),
    }
}

pub fn human_bytes(n: u64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)];
    for (u, size) in units {
        if n as f64 >= size {
            return format!("{:.1} {u}", n as f64 / size);
        }
    }
    format!("{n} B")
}

/// Prints a query and its parameters as JSON on stdout (`--print-sql`).
pub fn print_sql(query: &Query) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let res = serde_json::to_writer_pretty(&mut out, query)
        .map_err(std::io::Error::from)
        .and_then(|_| writeln!(out));
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Runs one query, with its state on stderr while it waits and its cost when it is done.
pub fn run_query(client: &AthenaClient, query: &Query, quiet: bool) -> anyhow::Result<ResultRows> {
    let progress = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut on_state = |state: &str| {
        if progress {
            eprint!("\r\x1b[2Khosp-logs: athena: {state}");
        }
    };
    let res = client.run(query, &mut on_state);
    if progress {
        eprint!("\r\x1b[2K");
    }
    let rows = res?;
    if !quiet {
        let s = &rows.stats;
        eprintln!(
            "hosp-logs: athena: query {} scanned {} (about ${:.4} at $5/TB), {} rows in {} pages, engine {} ms",
            sanitize(&s.query_execution_id, 80),
            human_bytes(s.data_scanned_bytes),
            s.cost_usd,
            s.rows,
            s.result_pages,
            s.engine_ms
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("1024").unwrap(), 1024);
        assert_eq!(parse_bytes("500MB").unwrap(), 500_000_000);
        assert_eq!(parse_bytes("1.5 TB").unwrap(), 1_500_000_000_000);
        assert_eq!(parse_bytes("20gb").unwrap(), 20_000_000_000);
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("-1GB").is_err());
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
        assert_eq!(human_bytes(999), "999 B");
    }
}
