//! `--engine athena` for the analyses and `hosp-logs athena setup`: the options, the scan
//! guard, and running one query with its cost shown.

use std::io::Write as _;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use polars::prelude::{Column, DataFrame};

use super::input::{emit, now, s3_options, InputArgs, DEFAULT_MAX_ATTEMPTS};
use super::GlobalArgs;
use crate::athena::reports::Apart;
use crate::athena::{self, Common};
use crate::config::Config;
use crate::error::{ExitStatus, UsageError};
use crate::frame::InputStats;
use crate::metrics::filter::ClientFilter;
use crate::metrics::slo::WindowInfo;
use crate::parse::Routes;
use crate::render::analysis::Analysis;
use crate::render::{sanitize, Style};
use crate::source::athena::{AthenaClient, AthenaError, AthenaOptions, Query, ResultRows};
use crate::source::s3::{parse_url, S3Context};
use crate::source::AwsSettings;
use crate::window::{format_us, Window};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Engine {
    /// Read and parse the logs on this machine
    #[default]
    Local,
    /// Run the analysis as SQL in Amazon Athena, over the table `athena setup` made
    Athena,
}

/// Where the analysis runs, and the Athena settings (flags win over the config's [athena]).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Athena engine")]
pub struct AthenaArgs {
    /// local: read the logs here; athena: push the query down to Amazon Athena
    #[arg(long, value_enum, default_value_t = Engine::Local)]
    pub engine: Engine,
    /// Athena workgroup (default: config [athena] workgroup, else the account's primary)
    #[arg(long, value_name = "NAME")]
    pub workgroup: Option<String>,
    /// Database of the table (default: config, else hosp_logs)
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
    /// The access-log table (default: config, else alb_access_logs)
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// s3:// folder for Athena's result files (default: config, else the workgroup's)
    #[arg(long, value_name = "S3URL")]
    pub output_location: Option<String>,
    /// Athena-compatible endpoint, e.g. http://127.0.0.1:5000 (tests, VPC endpoints)
    #[arg(long, value_name = "URL", env = "HOSP_LOGS_ATHENA_ENDPOINT")]
    pub athena_endpoint_url: Option<String>,
    /// Refuse a query expected to scan more than this (20GB, 500MB, bytes): the window's
    /// delivery folders under config [athena] location are listed first to estimate it
    #[arg(long, value_name = "BYTES")]
    pub max_scan: Option<String>,
    /// Print the SQL and its parameters (JSON) instead of running it; needs no AWS access
    #[arg(long)]
    pub print_sql: bool,
}

/// `hosp-logs athena …`
#[derive(Debug, Subcommand)]
pub enum AthenaCommand {
    /// Create the database and the ALB access-log table (idempotent: IF NOT EXISTS)
    #[command(
        after_help = "Examples:\n  hosp-logs athena setup --location s3://my-logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/ --print\n  hosp-logs --config hosp-logs.toml athena setup"
    )]
    Setup(SetupArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The logs' s3:// folder down to the region (…/elasticloadbalancing/<region>/).
    /// Default: config [athena] location
    #[arg(long, value_name = "S3URL")]
    pub location: Option<String>,
    /// First delivery day partition projection covers (yyyy/MM/dd). Default: config, else 2022/01/01
    #[arg(long, value_name = "DAY")]
    pub range_start: Option<String>,
    /// Print the DDL instead of running it
    #[arg(long)]
    pub print: bool,
    /// Database to create (default: config, else hosp_logs)
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
    /// Table to create (default: config, else alb_access_logs)
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Athena workgroup (default: config, else the account's primary)
    #[arg(long, value_name = "NAME")]
    pub workgroup: Option<String>,
    /// s3:// folder for Athena's result files (default: config, else the workgroup's)
    #[arg(long, value_name = "S3URL")]
    pub output_location: Option<String>,
    /// Athena-compatible endpoint, e.g. http://127.0.0.1:5000
    #[arg(long, value_name = "URL", env = "HOSP_LOGS_ATHENA_ENDPOINT")]
    pub athena_endpoint_url: Option<String>,
    /// AWS profile (default: the SDK's chain)
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: from the profile or environment)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
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

/// An analysis about to run in Athena: its window, settings and (unless --print-sql) client.
pub struct Remote<'a> {
    global: &'a GlobalArgs,
    args: &'a AthenaArgs,
    input: &'a InputArgs,
    pub config: Config,
    pub window: Window,
    pub exclude: ClientFilter,
    pub routes: Routes,
    pub style: Style,
}

impl<'a> Remote<'a> {
    pub fn new(
        global: &'a GlobalArgs,
        input: &'a InputArgs,
        args: &'a AthenaArgs,
    ) -> anyhow::Result<Remote<'a>> {
        if !input.sources.is_empty() {
            return Err(UsageError(
                "--engine athena reads the Athena table, not --source: drop --source, or use --engine local".into(),
            )
            .into());
        }
        let config = match &global.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let now = now();
        let mut window = Window::parse(input.since.as_deref(), input.until.as_deref(), now)?;
        // Athena bills by the scan: never an unbounded one. Default: the last 24 hours.
        let until = window.until_us.unwrap_or(now.timestamp_micros());
        window.until_us = Some(until);
        window.since_us = Some(window.since_us.unwrap_or(until - 86_400_000_000));
        let routes = Routes::new(&config.routes.templates)
            .map_err(|e| UsageError(format!("config [routes]: {e}")))?;
        Ok(Remote {
            global,
            args,
            input,
            exclude: ClientFilter::new(&config.exclude.user_agents, &config.exclude.client_cidrs)?,
            routes,
            window,
            style: Style::detect(),
            config,
        })
    }

    fn table(&self) -> String {
        table(self.args.table.as_ref(), &self.config)
    }

    pub fn common(&self) -> anyhow::Result<Common> {
        Ok(Common::new(
            &self.table(),
            &self.window,
            &self.exclude,
            &self.routes,
        )?)
    }

    pub fn window_info(&self) -> WindowInfo {
        WindowInfo {
            start: self.window.since_us.map(format_us),
            end: self.window.until_us.map(format_us),
        }
    }

    pub fn span_us(&self) -> i64 {
        self.window.until_us.unwrap_or(0) - self.window.since_us.unwrap_or(0)
    }

    /// Runs the query (or prints it with --print-sql: then None). Cost and progress on stderr.
    pub fn run(&self, query: &Query) -> anyhow::Result<Option<ResultRows>> {
        if self.args.print_sql {
            print_sql(query)?;
            return Ok(None);
        }
        let aws = s3_options(&self.input.s3).aws;
        let client = AthenaClient::new(&athena_options(self.args, aws, &self.config))?;
        if let Some(limit) = self.max_scan()? {
            self.guard_scan(limit)?;
        }
        let rows = run_query(self.global, &client, query)?;
        Ok(Some(rows))
    }

    fn max_scan(&self) -> Result<Option<u64>, UsageError> {
        self.args
            .max_scan
            .as_deref()
            .or(self.config.athena.max_scan.as_deref())
            .map(parse_bytes)
            .transpose()
    }

    /// Estimates the scan from the size of the window's delivery folders (Athena reads every
    /// object there) and refuses the query above `limit`.
    fn guard_scan(&self, limit: u64) -> anyhow::Result<()> {
        let location = self.config.athena.location.clone().ok_or_else(|| {
            UsageError(
                "--max-scan estimates the scan from the logs' folders: set [athena] location in the config".into(),
            )
        })?;
        let (bucket, prefix) = parse_url(&location).ok_or_else(|| {
            UsageError(format!(
                "[athena] location {location:?}: expected s3://bucket/prefix/"
            ))
        })?;
        let s3 = S3Context::new(&s3_options(&self.input.s3))?;
        let days = athena::window_sql(&self.window)?.days;
        let (mut objects, mut bytes) = (0, 0);
        for day in &days {
            let p = if prefix.is_empty() {
                format!("{day}/")
            } else {
                format!("{prefix}/{day}/")
            };
            let (o, b) = s3.bytes_under(&bucket, &p)?;
            objects += o;
            bytes += b;
        }
        let detail = format!(
            "{objects} objects in {} delivery folders under {location}",
            days.len()
        );
        if !self.global.quiet {
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

    /// Input accounting for an Athena run: rows in the window, lines the table's regex could not
    /// read (warned about), and the query's cost.
    pub fn stats(
        &self,
        rows: &ResultRows,
        requests: u64,
        unparsed: u64,
    ) -> anyhow::Result<InputStats> {
        if unparsed > 0 && self.input.strict {
            return Err(UsageError(format!(
                "--strict: {unparsed} lines in the window's delivery folders did not match the Athena table's regex"
            ))
            .into());
        }
        if unparsed > 0 && !self.global.quiet {
            eprintln!(
                "hosp-logs: warning: {unparsed} lines in the window's delivery folders did not match the Athena table's regex and were left out (older than the 29-field format of 2020, or not ALB access logs)"
            );
        }
        Ok(InputStats {
            lines: requests + unparsed,
            parsed: requests,
            malformed: unparsed,
            athena: Some(rows.stats.clone()),
            ..InputStats::default()
        })
    }

    pub fn emit<T: crate::render::Report>(&self, report: &T) -> anyhow::Result<()> {
        emit(report, self.input.format, self.style)
    }

    /// Runs an analysis' query and prints its report: `build` turns the rows into the report
    /// (and says what it kept apart), `requests` reads the report's request count. None with
    /// --print-sql.
    pub fn analyse<T: crate::render::Report>(
        &self,
        query: &Query,
        build: impl FnOnce(&ResultRows) -> anyhow::Result<(T, Apart)>,
        requests: impl Fn(&T) -> u64,
    ) -> anyhow::Result<Option<Analysis<T>>> {
        let Some(rows) = self.run(query)? else {
            return Ok(None);
        };
        let (report, apart) = build(&rows)?;
        let stats = self.stats(&rows, requests(&report) + apart.excluded, apart.unparsed)?;
        Ok(Some(self.publish(report, apart.excluded, stats)?))
    }

    /// Wraps a report as the local engine does (window, exclusions, input) and prints it.
    fn publish<T: crate::render::Report>(
        &self,
        report: T,
        excluded: u64,
        input: InputStats,
    ) -> anyhow::Result<Analysis<T>> {
        let out = Analysis {
            report,
            window: self.window_info(),
            excluded,
            input,
        };
        self.emit(&out)?;
        Ok(out)
    }
}

/// Athena's rows as a typed frame for the `query` renderers: integers, doubles and booleans
/// typed, everything else (varchar, timestamp, arrays) as Athena's text.
pub fn rows_to_frame(rows: &ResultRows) -> anyhow::Result<DataFrame> {
    let mut columns = Vec::with_capacity(rows.columns.len());
    for (i, c) in rows.columns.iter().enumerate() {
        let values = rows
            .rows
            .iter()
            .map(|r| r.get(i).and_then(|v| v.as_deref()));
        let bad = |v: &str| anyhow::anyhow!("column {}: {v:?} is not a {}", c.name, c.type_name);
        let name = c.name.as_str().into();
        let col = match c.type_name.as_str() {
            "tinyint" | "smallint" | "integer" | "int" | "bigint" => Column::new(
                name,
                values
                    .map(|v| v.map(|t| t.parse::<i64>().map_err(|_| bad(t))).transpose())
                    .collect::<anyhow::Result<Vec<Option<i64>>>>()?,
            ),
            "double" | "float" | "real" | "decimal" => Column::new(
                name,
                values
                    .map(|v| v.map(|t| t.parse::<f64>().map_err(|_| bad(t))).transpose())
                    .collect::<anyhow::Result<Vec<Option<f64>>>>()?,
            ),
            "boolean" => Column::new(
                name,
                values
                    .map(|v| {
                        v.map(|t| match t {
                            "true" => Ok(true),
                            "false" => Ok(false),
                            _ => Err(bad(t)),
                        })
                        .transpose()
                    })
                    .collect::<anyhow::Result<Vec<Option<bool>>>>()?,
            ),
            _ => Column::new(name, values.collect::<Vec<Option<&str>>>()),
        };
        columns.push(col);
    }
    Ok(DataFrame::new(rows.rows.len(), columns)?)
}

/// The table: the flag, else the config, else alb_access_logs.
fn table(flag: Option<&String>, config: &Config) -> String {
    flag.cloned()
        .or(config.athena.table.clone())
        .unwrap_or_else(|| "alb_access_logs".into())
}

/// The database: the flag, else the config, else hosp_logs.
fn database(flag: Option<&String>, config: &Config) -> String {
    flag.cloned()
        .or(config.athena.database.clone())
        .unwrap_or_else(|| "hosp_logs".into())
}

/// Where the client goes: the account settings with the Athena endpoint, and the Athena
/// settings from flags, else the config.
fn athena_options(args: &AthenaArgs, aws: AwsSettings, config: &Config) -> AthenaOptions {
    AthenaOptions {
        aws: AwsSettings {
            endpoint_url: args.athena_endpoint_url.clone(),
            ..aws
        },
        workgroup: args.workgroup.clone().or(config.athena.workgroup.clone()),
        database: database(args.database.as_ref(), config),
        output_location: args
            .output_location
            .clone()
            .or(config.athena.output_location.clone()),
        max_poll_interval: Duration::from_secs(2),
    }
}

fn print_sql(query: &Query) -> anyhow::Result<()> {
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
pub fn run_query(
    global: &GlobalArgs,
    client: &AthenaClient,
    query: &Query,
) -> anyhow::Result<ResultRows> {
    let progress = !global.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
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
    if !global.quiet {
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

pub fn run(global: &GlobalArgs, cmd: AthenaCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        AthenaCommand::Setup(args) => setup(global, args),
    }
}

fn setup(global: &GlobalArgs, args: SetupArgs) -> anyhow::Result<ExitStatus> {
    let config = match &global.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let location = args
        .location
        .clone()
        .or(config.athena.location.clone())
        .ok_or_else(|| {
            UsageError("athena setup needs the logs' folder: --location s3://…/elasticloadbalancing/<region>/ or [athena] location".into())
        })?;
    let range_start = args
        .range_start
        .clone()
        .or(config.athena.range_start.clone())
        .unwrap_or_else(|| "2022/01/01".into());
    let database = database(args.database.as_ref(), &config);
    let table = table(args.table.as_ref(), &config);
    let statements = [
        athena::create_database(&database)?,
        athena::ddl(&database, &table, &location, &range_start)?,
    ];
    if args.print {
        let mut out = std::io::stdout().lock();
        for s in &statements {
            writeln!(out, "{};\n", s.trim_end())?;
        }
        return Ok(ExitStatus::Ok);
    }
    let target = AthenaArgs {
        engine: Engine::Athena,
        workgroup: args.workgroup.clone(),
        database: Some(database.clone()),
        table: Some(table.clone()),
        output_location: args.output_location.clone(),
        athena_endpoint_url: args.athena_endpoint_url.clone(),
        max_scan: None,
        print_sql: false,
    };
    let aws = AwsSettings {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: None,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    };
    let client = AthenaClient::new(&athena_options(&target, aws, &config))?;
    for sql in statements {
        run_query(
            global,
            &client,
            &Query {
                sql,
                parameters: Vec::new(),
            },
        )?;
    }
    if !global.quiet {
        eprintln!("hosp-logs: athena: {database}.{table} is ready (CREATE … IF NOT EXISTS: running it again changes nothing)");
    }
    Ok(ExitStatus::Ok)
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
