//! `hosp-logs export`: the parsed, typed frame to Parquet, CSV or NDJSON.

use std::fs::File;
use std::io::Write;

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use polars::prelude::{
    CsvWriter, DataFrame, DataType, IntoColumn, JsonFormat, JsonWriter, ParquetWriter, PolarsError,
    PolarsResult, Schema, SerWriter, StringChunked,
};

use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::engine::local::{ChunkText, FrameSink, Frames, Scan, Sink};
use crate::error::{ExitStatus, UsageError};
use crate::format::{ColumnDef, FormatId, LineFormat};
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
  hosp-logs export -s logs/ --to ndjson --out errors.ndjson --columns time,endpoint,elb_status_code
  hosp-logs export -s logs/ --since 28d --to openmetrics --out slo.om
  promtool tsdb create-blocks-from openmetrics slo.om /var/lib/prometheus/metrics2";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet, with the typed schema
    Parquet,
    /// CSV with a header; formula cells neutralised
    Csv,
    /// One JSON object per line
    Ndjson,
    /// The SLO's history per minute as OpenMetrics text with timestamps (the names `serve`'s
    /// /metrics uses), for `promtool tsdb create-blocks-from openmetrics`
    Openmetrics,
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
    if args.to == ExportFormat::Openmetrics {
        return openmetrics(global, &args);
    }
    let to_stdout = args.out == "-";
    if to_stdout && args.to == ExportFormat::Parquet {
        return Err(UsageError(
            "--to parquet needs a file: --out FILE (Parquet is not streamed to stdout)".into(),
        )
        .into());
    }
    let ctx = Context::new(global, &args.input, None)?;
    let input = ctx.discover(&ctx.window)?;
    let format = ctx.frame_format(&input.files)?;
    let defs = format.columns();
    let picked = columns(&defs, &args.columns)?;
    let schema = crate::frame::schema(&picked.iter().map(|&i| defs[i].clone()).collect::<Vec<_>>());
    // unbuffered: the writers hand over whole batches, and a failed write (a full disk, a
    // closed pipe) must surface from the write, not vanish in a buffer dropped at the end
    let out: Box<dyn Write + Send> = if to_stdout {
        Box::new(std::io::stdout())
    } else {
        Box::new(File::create(&args.out).map_err(|e| UsageError(format!("{}: {e}", args.out)))?)
    };
    let mut writer = Writer::new(args.to, out, &schema)?;
    let names: Vec<String> = picked.iter().map(|&i| defs[i].name.clone()).collect();
    let cols: HashMap<FormatId, Vec<usize>> = [(format.id(), picked)].into();
    // one file at a time (its chunks still parsed in parallel), so chunks come in input order
    // and the writer holds only the few that arrive early
    let (tx, rx) = crossbeam_channel::bounded::<(u64, Option<DataFrame>)>(16);
    let csv = args.to == ExportFormat::Csv;
    let (loaded, written) = std::thread::scope(|s| {
        let w = s.spawn(move || {
            write_in_order(&mut writer, rx, csv).and_then(|rows| writer.finish().map(|_| rows))
        });
        let sink = ExportSink {
            frames: FrameSink {
                columns: &cols,
                routes: &ctx.settings.routes,
                exclude: &ctx.settings.exclude,
            },
            names: &names,
            tx,
        };
        let loaded = ctx.load(&input, &sink, Some(1));
        drop(sink);
        (loaded, w.join().expect("writer thread panicked"))
    });
    let (accs, stats) = loaded?;
    let excluded: u64 = accs.iter().sum();
    let rows = match written {
        Err(e) if broken_pipe(&e) => return Ok(ctx.outcome(ExitStatus::Ok, &stats)),
        other => other.with_context(|| {
            format!(
                "writing {}",
                if to_stdout {
                    "stdout"
                } else {
                    args.out.as_str()
                }
            )
        })?,
    };
    let width = schema.len();
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
            if excluded > 0 {
                format!("; {excluded} requests excluded by the config")
            } else {
                String::new()
            }
        );
    }
    Ok(ctx.outcome(ExitStatus::Ok, &stats))
}

/// `--to openmetrics`: the SLO's counts per minute over the window, as the history of the
/// series `serve` exposes.
fn openmetrics(global: &GlobalArgs, args: &ExportArgs) -> anyhow::Result<ExitStatus> {
    if !args.columns.is_empty() {
        return Err(UsageError(
            "--columns picks frame columns: --to openmetrics writes the SLO's series".into(),
        )
        .into());
    }
    let ctx = Context::new(global, &args.input, None)?;
    let config = ctx.settings.slo(None, None)?;
    let ran = ctx.run_local(&crate::metrics::slo::Slo { config }, &ctx.window)?;
    let mut out: Box<dyn Write> = if args.out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::BufWriter::new(
            File::create(&args.out).map_err(|e| UsageError(format!("{}: {e}", args.out)))?,
        ))
    };
    let written =
        crate::serve::history::write(&ran.report.counts, "availability", config.target, &mut out)
            .and_then(|n| out.flush().map(|_| n));
    let samples = match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && args.out == "-" => {
            return Ok(ctx.outcome(ExitStatus::Ok, &ran.input))
        }
        other => other.with_context(|| format!("writing {}", sanitize(&args.out, 200)))?,
    };
    if !global.quiet {
        eprintln!(
            "hosp-logs: exported {samples} samples (per minute) to {} (openmetrics)",
            if args.out == "-" {
                "stdout".to_string()
            } else {
                sanitize(&args.out, 200)
            }
        );
    }
    Ok(ctx.outcome(ExitStatus::Ok, &ran.input))
}

/// Frames sent to the writer thread as chunks are parsed, every chunk numbered (an empty one
/// too, so the writer never waits for a number that does not come).
struct ExportSink<'a> {
    frames: FrameSink<'a>,
    /// The columns in the order asked for (a format builds them in its own order).
    names: &'a [String],
    tx: crossbeam_channel::Sender<(u64, Option<DataFrame>)>,
}

impl Sink for ExportSink<'_> {
    type Acc = u64;

    fn init(&self) -> u64 {
        0
    }

    fn chunk<F: LineFormat>(
        &self,
        excluded: &mut u64,
        format: &F,
        text: ChunkText<'_>,
        scan: &mut Scan<'_>,
    ) -> PolarsResult<()> {
        let mut acc = Frames::default();
        self.frames.chunk(&mut acc, format, text, scan)?;
        *excluded += acc.excluded;
        let df = acc
            .batches
            .pop()
            .map(|b| b.df.select(self.names.iter().cloned()))
            .transpose()?;
        // a closed channel means the writer stopped (its error is reported)
        let _ = self.tx.send((scan.seq, df));
        Ok(())
    }
}

/// The file being written, one batch at a time.
enum Writer {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<Box<dyn Write + Send>>>),
    Csv(polars::io::csv::write::BatchedWriter<Box<dyn Write + Send>>),
    Ndjson(Box<dyn Write + Send>),
}

impl Writer {
    fn new(to: ExportFormat, out: Box<dyn Write + Send>, schema: &Schema) -> PolarsResult<Writer> {
        Ok(match to {
            ExportFormat::Parquet => {
                Writer::Parquet(Box::new(ParquetWriter::new(out).batched(schema)?))
            }
            ExportFormat::Csv => Writer::Csv(
                CsvWriter::new(out)
                    .include_header(true)
                    .with_datetime_format(Some(RFC3339_US.into()))
                    .batched(schema)?,
            ),
            // openmetrics is written by [openmetrics], never through a Writer
            ExportFormat::Ndjson | ExportFormat::Openmetrics => Writer::Ndjson(out),
        })
    }

    fn write(&mut self, df: &mut DataFrame) -> PolarsResult<()> {
        match self {
            Writer::Parquet(w) => w.write_batch(df),
            Writer::Csv(w) => w.write_batch(df),
            Writer::Ndjson(out) => JsonWriter::new(out)
                .with_json_format(JsonFormat::JsonLines)
                .finish(df),
        }
    }

    fn finish(&mut self) -> PolarsResult<()> {
        match self {
            Writer::Parquet(w) => {
                w.finish()?;
            }
            Writer::Csv(w) => {
                w.finish()?;
            }
            Writer::Ndjson(_) => {}
        }
        // the batched writers own their output and flushed what they wrote
        if let Writer::Ndjson(out) = self {
            out.flush()?;
        }
        Ok(())
    }
}

/// Writes the frames in chunk order, holding the ones that arrive early. Returns the rows
/// written.
fn write_in_order(
    w: &mut Writer,
    rx: crossbeam_channel::Receiver<(u64, Option<DataFrame>)>,
    csv: bool,
) -> PolarsResult<u64> {
    let mut next = 0u64;
    let mut early: BTreeMap<u64, Option<DataFrame>> = BTreeMap::new();
    let mut rows = 0u64;
    for (seq, df) in rx {
        early.insert(seq, df);
        while let Some(df) = early.remove(&next) {
            next += 1;
            if let Some(df) = df {
                let mut df = if csv { neutralise_strings(df)? } else { df };
                df.rechunk_mut();
                rows += df.height() as u64;
                w.write(&mut df)?;
            }
        }
    }
    Ok(rows)
}

/// `--columns` as indexes into the format's columns, in the order given (repeats dropped);
/// empty means all.
fn columns(defs: &[ColumnDef], names: &[String]) -> Result<Vec<usize>, UsageError> {
    if names.is_empty() {
        return Ok((0..defs.len()).collect());
    }
    let mut out: Vec<usize> = Vec::new();
    let mut unknown = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match defs.iter().position(|d| d.name == name) {
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => unknown.push(sanitize(name, 80)),
        }
    }
    if !unknown.is_empty() || out.is_empty() {
        let valid: Vec<&str> = defs.iter().map(|c| c.name.as_str()).collect();
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
        let defs = FormatId::Alb.columns();
        let at = |n: &str| defs.iter().position(|d| d.name == n).unwrap();
        assert_eq!(columns(&defs, &[]).unwrap().len(), defs.len());
        assert_eq!(
            columns(&defs, &["path".into(), "time".into(), "path".into()]).unwrap(),
            vec![at("path"), at("time")]
        );
        let err = columns(&defs, &["path".into(), "nope".into()]).unwrap_err();
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
