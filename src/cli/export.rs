//! `hosp-logs export`: the parsed, typed frame to Parquet, CSV or NDJSON.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use polars::prelude::{
    CsvWriter, DataFrame, DataType, IntoColumn, JsonFormat, JsonWriter, ParquetWriter, PolarsError,
    PolarsResult, SerWriter, StringChunked,
};

use super::input::{InputArgs, Prepared};
use super::GlobalArgs;
use crate::error::{ExitStatus, UsageError};
use crate::frame::{Col, ColumnSet};
use crate::render::csv::neutralise;
use crate::render::sanitize;

const EXPORT_HELP: &str = "\
What is written is what every command reads: the lines of --source (or the config's [source]
paths) inside --since/--until, with the config's [exclude] traffic left out. Parquet keeps the
typed schema (`hosp-logs schema`): time as Datetime(µs, UTC), statuses as UInt16, …
CSV string cells that a spreadsheet would run as a formula (= + - @) get a leading apostrophe.

Examples:
  hosp-logs export -s logs/ --since 24h --to parquet --out day.parquet
  hosp-logs export -s logs/ --to csv --out - --columns time,client_ip,elb_status_code,path | head
  hosp-logs export -s logs/ --to ndjson --out errors.ndjson --columns time,endpoint,elb_status_code";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet, with the typed schema
    Parquet,
    /// CSV with a header; formula cells neutralised
    Csv,
    /// One JSON object per line
    Ndjson,
}

#[derive(Debug, Args)]
// --format (shared by every command) has no meaning here: --to chooses the file format
#[command(after_help = EXPORT_HELP, mut_arg("format", |a| a.hide(true)))]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// File format to write
    #[arg(long = "to", value_enum, value_name = "FORMAT")]
    pub to: ExportFormat,
    /// File to write ('-' for stdout: csv and ndjson only)
    #[arg(short, long, value_name = "FILE")]
    pub out: String,
    /// Columns to write, comma-separated, in that order. Default: all, in schema order
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub columns: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<ExitStatus> {
    let cols = columns(&args.columns)?;
    let to_stdout = args.out == "-";
    if to_stdout && args.to == ExportFormat::Parquet {
        return Err(UsageError(
            "--to parquet needs a file: --out FILE (Parquet is not streamed to stdout)".into(),
        )
        .into());
    }
    let prep = Prepared::new(global, &args.input)?;
    let set = cols.iter().fold(ColumnSet::default(), |s, c| s.with(*c));
    let loaded = prep.frame(global, set)?;
    let mut df = loaded.df.select(cols.iter().map(|c| c.name()))?;
    if args.to == ExportFormat::Csv {
        df = neutralise_strings(df)?;
    }
    let (rows, width) = df.shape();
    let written = if to_stdout {
        let stdout = std::io::stdout();
        let res = write(&mut df, args.to, BufWriter::new(stdout.lock()));
        match res {
            Err(e) if broken_pipe(&e) => return Ok(prep.outcome(ExitStatus::Ok, &loaded.stats)),
            other => other.context("writing to stdout"),
        }
    } else {
        File::create(&args.out)
            .map_err(|e| UsageError(format!("{}: {e}", args.out)))
            .map_err(anyhow::Error::from)
            .and_then(|f| {
                write(&mut df, args.to, BufWriter::new(f))
                    .with_context(|| format!("writing {}", args.out))
            })
    };
    written?;
    if !global.quiet {
        eprintln!(
            "hosp-logs: exported {rows} {} × {width} {} to {} ({}){}",
            if rows == 1 { "row" } else { "rows" },
            if width == 1 { "column" } else { "columns" },
            if to_stdout {
                "stdout".to_string()
            } else {
                sanitize(&args.out, 200)
            },
            args.to
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default(),
            if loaded.excluded > 0 {
                format!("; {} requests excluded by the config", loaded.excluded)
            } else {
                String::new()
            }
        );
    }
    Ok(prep.outcome(ExitStatus::Ok, &loaded.stats))
}

/// `--columns` as schema columns, in the order given (repeats dropped); empty means all.
fn columns(names: &[String]) -> Result<Vec<Col>, UsageError> {
    if names.is_empty() {
        return Ok(Col::ALL.to_vec());
    }
    let mut out: Vec<Col> = Vec::new();
    let mut unknown = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Col::from_name(name) {
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => unknown.push(sanitize(name, 80)),
        }
    }
    if !unknown.is_empty() || out.is_empty() {
        let valid: Vec<&str> = Col::ALL.iter().map(|c| c.name()).collect();
        return Err(UsageError(format!(
            "--columns: unknown column{} {}; valid columns: {}",
            if unknown.len() == 1 { "" } else { "s" },
            if unknown.is_empty() {
                "(none given)".to_string()
            } else {
                unknown.join(", ")
            },
            valid.join(", ")
        )));
    }
    Ok(out)
}

/// String cells a spreadsheet would run as a formula get a leading `'`; numbers stay numbers.
fn neutralise_strings(df: DataFrame) -> PolarsResult<DataFrame> {
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            if c.dtype() != &DataType::String {
                return Ok(c.clone());
            }
            let ca = c.str()?;
            let out: StringChunked = ca
                .iter()
                .map(|v| v.map(|s| std::borrow::Cow::Owned(neutralise(s))))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(df.height(), columns)
}

fn write(df: &mut DataFrame, to: ExportFormat, mut out: impl Write) -> PolarsResult<()> {
    match to {
        ExportFormat::Parquet => {
            ParquetWriter::new(&mut out).finish(df)?;
        }
        ExportFormat::Csv => {
            CsvWriter::new(&mut out)
                .include_header(true)
                .with_datetime_format(Some(RFC3339_US.into()))
                .finish(df)?;
        }
        ExportFormat::Ndjson => {
            JsonWriter::new(&mut out)
                .with_json_format(JsonFormat::JsonLines)
                .finish(df)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Times in CSV as RFC 3339 with microseconds, UTC.
const RFC3339_US: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

fn broken_pipe(e: &PolarsError) -> bool {
    matches!(e, PolarsError::IO { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    #[test]
    fn columns_are_validated() {
        assert_eq!(columns(&[]).unwrap().len(), Col::ALL.len());
        assert_eq!(
            columns(&["path".into(), "time".into(), "path".into()]).unwrap(),
            vec![Col::Path, Col::Time]
        );
        let err = columns(&["path".into(), "nope".into()]).unwrap_err();
        assert!(err.0.contains("unknown column nope"), "{err}");
        assert!(err.0.contains("elb_status_code"), "{err}");
    }

    #[test]
    fn formulas_are_neutralised_in_string_columns_only() {
        let df = DataFrame::new_infer_height(vec![
            Column::new(
                "ua".into(),
                [Some("=HYPERLINK(\"x\")"), Some("-1"), None, Some("curl")],
            ),
            Column::new("n".into(), [Some(-1i32), Some(2), None, Some(3)]),
        ])
        .unwrap();
        let out = neutralise_strings(df).unwrap();
        let ua: Vec<Option<&str>> = out.column("ua").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            ua,
            vec![Some("'=HYPERLINK(\"x\")"), Some("-1"), None, Some("curl")]
        );
        assert_eq!(out.column("n").unwrap().dtype(), &DataType::Int32);
    }
}
