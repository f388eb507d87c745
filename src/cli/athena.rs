//! `--engine athena`'s options and `hosp-logs athena setup`.

use std::io::Write as _;

use clap::{Args, Subcommand, ValueEnum};
use polars::prelude::{Column, DataFrame};

use super::context::{athena_options, database, table, Settings};
use super::input::DEFAULT_MAX_ATTEMPTS;
use super::GlobalArgs;
use crate::engine::athena::{run_query, AthenaClient, ResultRows};
use crate::error::{ExitStatus, UsageError};
use crate::format::alb::athena as alb_table;
use crate::format::{FormatId, LogFormat};
use crate::source::AwsSettings;
use crate::sql::Query;

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
    /// The access-log table (default: config, else alb_access_logs; cloudfront_standard_logs
    /// with --log-format cloudfront)
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
    /// Create the database and the ALB access-log table, or the CloudFront standard-log table
    /// (idempotent: IF NOT EXISTS)
    #[command(
        after_help = "Examples:\n  hosp-logs athena setup --location s3://my-logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/ --print\n  hosp-logs --config hosp-logs.toml athena setup\n  hosp-logs athena setup --log-format cloudfront --location s3://my-cf-logs/hosp/ --print\n  hosp-logs athena setup --log-format cloudfront --location s3://my-cf-logs/AWSLogs/123456789012/CloudFront/E2HOSP0EXAMPLE/"
    )]
    Setup(SetupArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The logs' s3:// folder: ALB's down to the region (…/elasticloadbalancing/<region>/);
    /// CloudFront's legacy prefix, or v2's folder above its yyyy/MM/dd folders
    /// (…/CloudFront/<distribution>/). Default: config [athena] location
    #[arg(long, value_name = "S3URL")]
    pub location: Option<String>,
    /// Which table: alb (default; config [source] log_format) or cloudfront (AWS's
    /// documented standard-log table, default name cloudfront_standard_logs)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<crate::format::LogFormat>,
    /// First delivery day partition projection covers (yyyy/MM/dd). Default: config, else 2022/01/01
    #[arg(long, value_name = "DAY")]
    pub range_start: Option<String>,
    /// Print the DDL instead of running it
    #[arg(long)]
    pub print: bool,
    /// Database to create (default: config, else hosp_logs)
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
    /// Table to create (default: config, else alb_access_logs; cloudfront_standard_logs for
    /// --log-format cloudfront)
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

pub fn run(global: &GlobalArgs, cmd: AthenaCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        AthenaCommand::Setup(args) => setup(global, args),
    }
}

fn setup(global: &GlobalArgs, args: SetupArgs) -> anyhow::Result<ExitStatus> {
    let config = Settings::load(global.config.as_deref())?.config;
    let location = args
        .location
        .clone()
        .or(config.athena.location.clone())
        .ok_or_else(|| {
            UsageError("athena setup needs the logs' folder: --location s3://…/elasticloadbalancing/<region>/ (or CloudFront's folder), or [athena] location".into())
        })?;
    let range_start = args
        .range_start
        .clone()
        .or(config.athena.range_start.clone())
        .unwrap_or_else(|| "2022/01/01".into());
    let database = database(args.database.as_ref(), &config);
    let format = args
        .log_format
        .or(config.source.log_format)
        .and_then(LogFormat::fixed)
        .unwrap_or(FormatId::FALLBACK);
    let athena = match format.athena() {
        Ok(athena) => athena,
        Err(why) => {
            let with_table: Vec<&str> = FormatId::ALL
                .into_iter()
                .filter(|f| f.athena().is_ok())
                .map(FormatId::name)
                .collect();
            return Err(UsageError(format!(
                "athena setup: there is no Athena table for {} logs ({why}); use --log-format {}",
                format.name(),
                with_table.join(" or ")
            ))
            .into());
        }
    };
    let table = if athena.setup_takes_config_table {
        table(args.table.as_ref(), &config, format)
    } else {
        args.table
            .clone()
            .unwrap_or_else(|| athena.default_table.into())
    };
    let settings = super::context::format_settings(&config, None)?;
    let ddl = (athena.ddl)(&database, &table, &location, &range_start, &settings)?;
    let statements = [alb_table::create_database(&database)?, ddl];
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
            &client,
            &Query {
                sql,
                parameters: Vec::new(),
            },
            global.quiet,
        )?;
    }
    if !global.quiet {
        eprintln!("hosp-logs: athena: {database}.{table} is ready (CREATE … IF NOT EXISTS: running it again changes nothing)");
    }
    Ok(ExitStatus::Ok)
}
