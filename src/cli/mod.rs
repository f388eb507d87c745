//! Command-line definitions (clap) and the thin glue from flags to the pipeline.
//! One module per subcommand; each returns the exit status it earned.

pub mod athena;
pub mod audit;
pub mod backends;
pub mod collect;
pub mod context;
pub mod edge;
pub mod errors;
pub mod examples;
pub mod export;
pub mod fetch;
pub mod gate;
pub mod generate;
pub mod hops;
pub mod input;
pub mod latency;
pub mod meta;
pub mod migration;
pub mod query;
pub mod report;
pub mod retries;
pub mod security;
pub mod serve;
pub mod slo;
pub mod store;
pub mod traffic;
pub mod watch;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::{AthenaPlan, Ran};
use crate::error::ExitStatus;
use context::Context;

const EXAMPLES: &str = "\
Examples:
  hosp-logs slo --config fixtures/hosp-logs.toml  # at the edge: the config's outermost hop
  hosp-logs slo --config fixtures/hosp-logs.toml --hop lb
  hosp-logs hops --config fixtures/hosp-logs.toml  # every hop side by side
  hosp-logs migration --config fixtures/migration.toml  # the old system and the new, route by route
  hosp-logs slo --source logs/ --since 24h --format json | jq .success_rate
  hosp-logs errors --source logs/ --since 6h --4xx
  hosp-logs latency --source logs/ --field target --bucket 15m
  hosp-logs query --source logs/ \"SELECT endpoint, count(*) AS n FROM logs \\
    WHERE elb_status_code >= 500 GROUP BY endpoint ORDER BY n DESC\"
  hosp-logs export --source logs/ --since 24h --to parquet --out day.parquet
  hosp-logs security --source logs/ --config hosp-logs.toml --min-severity medium --fail-on high
  hosp-logs audit --source logs/ --client 203.0.113.66 --method write
  hosp-logs slo --source 'logs/**/*.log.gz' \\
    --since 2026-11-20T00:00:00Z --until 2026-11-21T00:00:00Z
  zcat today.log.gz | hosp-logs slo --source - --latency-threshold 3s
  hosp-logs report --source logs/ --since 24h --out 'reports/{date}'
  hosp-logs errors --source logs/ --since 24h --chart errors.png
  hosp-logs edge --source cloudfront-logs/ --since 24h --chart edge.png
  hosp-logs slo --source cloudfront-logs/ --log-format cloudfront --since 24h
  hosp-logs gate --source logs/ --since 24h --slo 99 --max-p99 3s --max-5xx-rate 1% --junit gate.xml
  hosp-logs slo --source /var/log/nginx/ --log-format nginx --config hosp-logs.toml
  hosp-logs retries --source /var/log/nginx/ --log-format nginx --config hosp-logs.toml --since 24h
  hosp-logs hops --config hosp-logs.toml --since 24h
  hosp-logs slo --source s3://my-alb-logs/prod --since 24h --profile prod
  hosp-logs fetch s3://my-alb-logs/prod --since 7d --out logs/
  hosp-logs athena setup \\
    --location s3://my-alb-logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/
  hosp-logs slo --engine athena --since 24h --max-scan 20GB
  hosp-logs latency --engine athena --since 6h --print-sql
  hosp-logs generate --seed 42 --start 2026-11-20T00:00:00Z --duration 24h --out /tmp/day
  hosp-logs watch --source s3://my-alb-logs/prod --on-alert 'notify-pager'
  hosp-logs collect --config hosp-logs.toml  # every source and hop of the config, into the store
  hosp-logs slo --store ~/.local/share/hosp-logs/store --config hosp-logs.toml --window 28d

Exit codes: 0 ok, 1 runtime failure, 2 usage or input error, 3 threshold breached, 4 no data to judge,
130 interrupted (a running Athena query is stopped first).";

/// Turn AWS Application Load Balancer and CloudFront access logs into SLO, error, latency, edge
/// and security answers.
///
/// Documentation: docs/README.md in the repository, one page per command group and log format.
#[derive(Debug, Parser)]
#[command(name = "hosp-logs", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file (TOML); every option has a default. See hosp-logs.example.toml. Its
    /// relative paths ([source] paths, each hop's sources) are its own folder's
    #[arg(long, global = true, env = "HOSP_LOGS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More detail on stderr (-vv for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr: no progress bar, no warnings
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Success rate against the SLO, error budget, burn rates and the control-panel periods
    Slo(slo::SloArgs),
    /// 5XX attribution: ALB- vs target-generated, by endpoint, target, reason and over time
    Errors(errors::ErrorsArgs),
    /// Latency percentiles (p50…p99.9, max) overall, by endpoint, target group and over time
    Latency(latency::LatencyArgs),
    /// Target groups side by side: the strangler-fig migration view
    Backends(backends::BackendsArgs),
    /// Traffic mix: volume over time, top endpoints/clients/user agents, request types, TLS
    Traffic(traffic::TrafficArgs),
    /// The CDN edge (CloudFront logs): cache hit ratio, result types, 5XX by detailed result
    /// type, edge locations, viewer protocols and TLS, time to first byte
    Edge(edge::EdgeArgs),
    /// What a retrying proxy (nginx) hides: upstream success per attempt vs per request,
    /// recovered and exhausted requests, the load retries add, by endpoint, upstream and time
    Retries(retries::RetriesArgs),
    /// The user's request hop by hop (edge, load balancer, proxy): each hop's success side by
    /// side, the logs joined on their ids, where the failures happened and what retries saved
    Hops(hops::HopsArgs),
    /// The migration view: the config's [[systems]] (the old and the new) side by side, route
    /// by route: which system served it, its share, success rate, p50/p99 and 5XX, over time
    Migration(migration::MigrationArgs),
    /// The daily report: index.html, summary.json and PNG charts of every analysis, in one folder
    Report(report::ReportArgs),
    /// CI gate: check the SLO, p99 latency and 5XX rate; exit 3 on breach, 4 on no data
    Gate(gate::GateArgs),
    /// Ad hoc SQL over the logs (table `logs`): from the argument, stdin, or a prompt
    Query(query::QueryArgs),
    /// Write the typed frame (window and [exclude] applied) as Parquet, CSV or NDJSON
    Export(export::ExportArgs),
    /// Security findings: unexpected writers, credential guessing, scanners, attack signatures,
    /// CDN bypass, write bursts, off-hours writes, weighed together per client
    ///
    /// A client's findings are judged together: probing (scanner, attack strings, credential
    /// guessing) and writing (unexpected or bursty or off-hours writes) on one client raise
    /// each other; a write burst or off-hours writes alone stay low. Who wrote before the
    /// window is kept between runs in --state (writers.json).
    Security(security::SecurityArgs),
    /// The audit trail: per client (address + user agent), what it did, writes first
    Audit(audit::AuditArgs),
    /// Copy a window of ALB or CloudFront logs from S3 to a local folder, in the same layout
    Fetch(fetch::FetchArgs),
    /// Amazon Athena: create the database and table the `--engine athena` analyses query
    Athena {
        #[command(subcommand)]
        command: athena::AthenaCommand,
    },
    /// The control panel live: a dashboard on a terminal, else one JSON line per interval;
    /// --on-alert runs a command when the budget burns
    Watch(watch::WatchArgs),
    /// The control panel as a web page, its numbers as JSON and for Prometheus (/metrics), on
    /// one local port with a token
    Serve(serve::ServeArgs),
    /// Read sources into the store of per-minute partials, each object once (by its content),
    /// so `slo --store` answers a whole SLO window without re-reading the logs
    Collect(collect::CollectArgs),
    /// The store `collect` writes: `info`, `rebuild`, `prune --keep 400d`
    Store {
        #[command(subcommand)]
        command: store::StoreCommand,
    },
    /// Write deterministic HOSP traffic as ALB logs in the S3 layout and as CloudFront logs at the
    /// edge, with a truth.json
    Generate(generate::GenerateArgs),
    /// The columns of the typed frame (the schema `query` and exports use), or the roles
    /// the analyses read
    Schema {
        /// The format whose columns to list (default: alb)
        #[arg(long, value_enum, value_name = "FORMAT")]
        log_format: Option<crate::format::LogFormat>,
        /// With --log-format nginx: the log_format whose columns to list (default: config
        /// [nginx] log_format, else combined)
        #[arg(long, value_name = "LOG_FORMAT")]
        nginx_log_format: Option<String>,
        /// List the roles (time, status, latency_ms, …) and the field each comes from
        #[arg(long)]
        roles: bool,
    },
    /// Shell completions: bash, zsh, fish, powershell, elvish
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The man page (roff), generated from these same definitions
    Man,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Slo(args) => slo::run(&cli.global, args),
        Command::Errors(args) => errors::run(&cli.global, args),
        Command::Latency(args) => latency::run(&cli.global, args),
        Command::Backends(args) => backends::run(&cli.global, args),
        Command::Traffic(args) => traffic::run(&cli.global, args),
        Command::Edge(args) => edge::run(&cli.global, args),
        Command::Retries(args) => retries::run(&cli.global, args),
        Command::Hops(args) => hops::run(&cli.global, args),
        Command::Migration(args) => migration::run(&cli.global, args),
        Command::Report(args) => report::run(&cli.global, args),
        Command::Gate(args) => gate::run(&cli.global, args),
        Command::Query(args) => query::run(&cli.global, args),
        Command::Export(args) => export::run(&cli.global, args),
        Command::Security(args) => security::run(&cli.global, args),
        Command::Audit(args) => audit::run(&cli.global, args),
        Command::Fetch(args) => fetch::run(&cli.global, args),
        Command::Athena { command } => athena::run(&cli.global, command),
        Command::Generate(args) => generate::run(&cli.global, args),
        Command::Collect(args) => collect::run(&cli.global, args),
        Command::Store { command } => store::run(&cli.global, command),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Serve(args) => serve::run(&cli.global, args),
        Command::Schema {
            log_format,
            nginx_log_format,
            roles,
        } => meta::schema(&cli.global, log_format, nginx_log_format.as_deref(), roles),
        Command::Completions { shell } => meta::completions(shell),
        Command::Man => meta::man(),
    }
}

/// Runs an analysis on the engine the context chose, prints it, draws its chart when asked
/// (`draw` turns the finished run into a PNG) and returns the exit status: what every
/// analysis command does.
pub fn analyse<A>(
    ctx: &Context,
    analysis: &A,
    chart: Option<&std::path::Path>,
    draw: impl FnOnce(&Ran<A::Report>) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<ExitStatus>
where
    A: AthenaPlan,
    A::Report: crate::render::Report,
{
    let Some(ran) = ctx.run(analysis)? else {
        // --print-sql: the query was printed, not run
        return Ok(ExitStatus::Ok);
    };
    present(ctx, &ran, chart, draw)
}

/// Prints a finished run, draws its chart when asked and returns the exit status.
pub fn present<R: crate::render::Report>(
    ctx: &Context,
    ran: &Ran<R>,
    chart: Option<&std::path::Path>,
    draw: impl FnOnce(&Ran<R>) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<ExitStatus> {
    ctx.emit(ran)?;
    if let Some(path) = chart {
        crate::render::chart::write_png(path, &draw(ran)?)?;
    }
    Ok(ctx.outcome(ExitStatus::Ok, &ran.input))
}

/// Whether an error is stdout's reader gone (`hosp-logs … | head`): every command ends
/// there quietly with status 0, as ripgrep does (the reader has what it wanted). Only when
/// stdout itself is closed: a broken pipe elsewhere (an S3 connection, an `--on-alert`
/// command) stays a failure.
pub fn broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    let pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
            || matches!(
                cause.downcast_ref::<polars::prelude::PolarsError>(),
                Some(polars::prelude::PolarsError::IO { error, .. }) if error.kind() == BrokenPipe
            )
    });
    pipe && stdout_closed()
}

/// Whether stdout is a pipe (or socket) nobody reads any more: poll reports an error on it.
fn stdout_closed() -> bool {
    let mut fd = libc::pollfd {
        fd: 1,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n == 1 && fd.revents & libc::POLLERR != 0
}

/// Maps an error chain to its exit code: usage and input errors are 2, an interrupted Athena
/// query 130, anything else 1.
pub fn exit_status_for(err: &anyhow::Error) -> ExitStatus {
    use crate::engine::athena::AthenaError;
    use crate::engine::LoadError;
    use crate::error::{InputError, UsageError};
    use crate::source::cwlogs::CwlError;
    use crate::source::s3::S3Error;
    for cause in err.chain() {
        let input = cause.is::<InputError>()
            || matches!(cause.downcast_ref::<S3Error>(), Some(S3Error::BadUrl(_)))
            || matches!(
                cause.downcast_ref::<CwlError>(),
                Some(CwlError::BadUrl(_) | CwlError::NoRegion)
            )
            || matches!(
                cause.downcast_ref::<LoadError>(),
                Some(LoadError::Input(_) | LoadError::Usage(_))
            );
        let store = cause
            .downcast_ref::<crate::store::StoreError>()
            .is_some_and(|e| e.is_usage())
            || cause
                .downcast_ref::<crate::store::collect::CollectError>()
                .is_some_and(|e| e.is_usage());
        let spec = cause.is::<crate::metrics::openslo::SpecError>();
        if input || store || spec || cause.is::<UsageError>() || cause.is::<clap::Error>() {
            return ExitStatus::Usage;
        }
        match cause.downcast_ref::<AthenaError>() {
            Some(AthenaError::Interrupted { .. }) => return ExitStatus::Interrupted,
            Some(e) if e.is_user_error() => return ExitStatus::Usage,
            _ => {}
        }
    }
    ExitStatus::Failure
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    use crate::cli::examples::{examples, shell_words};

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_help_example_parses() {
        let mut stack = vec![Cli::command()];
        let mut checked = 0;
        while let Some(cmd) = stack.pop() {
            let help = cmd.get_after_help().map(|h| h.to_string());
            for ex in help.as_deref().map(examples).unwrap_or_default() {
                let words = shell_words(&ex);
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("example does not parse: {ex}\n{words:?}\n{e}");
                }
                checked += 1;
            }
            stack.extend(cmd.get_subcommands().cloned());
        }
        // the top-level list alone has 20 examples; each subcommand with examples adds its own
        assert!(checked >= 20 + 3 + 3 + 2 + 5, "{checked} examples checked");
    }

    #[test]
    fn shell_words_follow_quotes() {
        assert_eq!(
            shell_words(r#"hosp-logs query -s logs/ "SELECT a, \"b\" FROM logs" --x 'y z'"#),
            [
                "hosp-logs",
                "query",
                "-s",
                "logs/",
                "SELECT a, \"b\" FROM logs",
                "--x",
                "y z"
            ]
        );
    }
}
