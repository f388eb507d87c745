//! The command context, resolved once before anything is read (as ripgrep's `HiArgs`): the
//! config read and validated once, the window, the exclusions, the routes, the security
//! settings, the output style and the engine. Commands take what they need from it.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use super::athena::{AthenaArgs, Engine};
use super::input::{find_inputs, now, s3_options, InputArgs, CWLOGS};
use super::GlobalArgs;
use crate::config::{parse_latency_ms, parse_rate, parse_target, Config};
use crate::engine::athena::{AthenaOptions, AthenaSettings};
use crate::engine::{self, Analysis, AthenaPlan, InputStats, Job, LocalInput, LocalSettings, Ran};
use crate::error::{ExitStatus, UsageError};
use crate::filter::ClientFilter;
use crate::format::nginx::{Nginx, NginxConfigError, NginxSettings};
use crate::format::{recognise, FileFormat, FormatId, FormatSettings, Looks, Routes};
use crate::metrics::gate::GateConfig;
use crate::metrics::security;
use crate::metrics::slo::{BurnPair, SloConfig};
use crate::metrics::slos::{self, SloDef};
use crate::render::{self, sanitize, Format, Style};
use crate::source::s3::S3Options;
use crate::window::Window;

/// The config, parsed and validated once.
pub struct Settings {
    pub config: Config,
    pub routes: Routes,
    pub exclude: ClientFilter,
    pub security: security::Settings,
    /// `[slo]` target (fraction) and latency threshold (ms).
    pub slo_target: Option<f64>,
    pub slo_latency_ms: Option<f64>,
    /// `[slo] timezone`: the zone of the single SLO's calendar window (UTC unless set).
    pub slo_timezone: chrono_tz::Tz,
    /// `[gate]` thresholds (no findings limits: those are flags only).
    pub gate: GateConfig,
    /// The SLOs of `[[slo]]`, checked; empty with a single `[slo]` (or none).
    pub slo_list: Vec<SloDef>,
}

impl Settings {
    /// Reads `--config` (or none: every option has a default) and validates every section.
    pub fn load(path: Option<&Path>) -> Result<Settings, UsageError> {
        let config = match path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        Settings::new(config)
    }

    pub fn new(config: Config) -> Result<Settings, UsageError> {
        let routes = Routes::new(&config.routes.templates)
            .map_err(|e| UsageError(format!("config [routes]: {e}")))?;
        let exclude = ClientFilter::new(&config.exclude.user_agents, &config.exclude.client_cidrs)
            .map_err(|e| UsageError(format!("config [exclude]: {e}")))?;
        let security = security::Settings::from_section(&config.security)
            .map_err(|e| UsageError(format!("config [security]: {}", e.0)))?;
        let g = &config.gate;
        let gate = GateConfig {
            slo: g.slo.map(parse_target).transpose()?,
            max_p99_ms: g.max_p99.as_deref().map(parse_latency_ms).transpose()?,
            max_5xx_rate: g.max_5xx_rate.as_deref().map(parse_rate).transpose()?,
            max_findings: Vec::new(),
            named: Vec::new(),
        };
        let slo_list = slo_list(&config.slo.list)?;
        Ok(Settings {
            slo_list,
            slo_target: config.slo.target.map(parse_target).transpose()?,
            slo_latency_ms: config
                .slo
                .latency_threshold
                .as_deref()
                .map(parse_latency_ms)
                .transpose()?,
            slo_timezone: match &config.slo.timezone {
                Some(tz) => crate::window::parse_timezone(tz, "config [slo] timezone")?,
                None => chrono_tz::Tz::UTC,
            },
            routes,
            exclude,
            security,
            gate,
            config,
        })
    }

    /// The SLO settings: flags first, then the config, then the defaults (99 %, no latency
    /// bound).
    pub fn slo(&self, target: Option<f64>, latency: Option<&str>) -> Result<SloConfig, UsageError> {
        Ok(SloConfig {
            target: match target {
                Some(t) => parse_target(t)?,
                None => self.slo_target.unwrap_or(0.99),
            },
            latency_threshold_ms: match latency {
                Some(l) => Some(parse_latency_ms(l)?),
                None => self.slo_latency_ms,
            },
        })
    }
}

impl Settings {
    /// Every SLO of the run: the `--slo-spec` file's, else the config's `[[slo]]`, else the one
    /// `[slo]` (named `availability`). `--target` and `--latency-threshold` set the first.
    pub fn slo_defs(
        &self,
        target: Option<f64>,
        latency: Option<&str>,
        spec: Option<&Path>,
    ) -> anyhow::Result<Vec<SloDef>> {
        let mut defs = match spec {
            Some(path) => crate::metrics::openslo::load(path)?,
            None if !self.slo_list.is_empty() => self.slo_list.clone(),
            None => {
                let mut one = SloDef::new(slos::DEFAULT_NAME, self.slo(None, None)?);
                one.window = self.config.slo.window.clone();
                one.start = self.config.slo.start.clone();
                one.timezone = self.slo_timezone;
                vec![one]
            }
        };
        if let Some(t) = target {
            defs[0].config.target = parse_target(t)?;
        }
        if let Some(l) = latency {
            defs[0].config.latency_threshold_ms = Some(parse_latency_ms(l)?);
        }
        Ok(defs)
    }
}

/// `[[slo]]` checked into definitions.
fn slo_list(list: &[crate::config::SloEntry]) -> Result<Vec<SloDef>, UsageError> {
    let mut defs = Vec::new();
    for e in list {
        let bad = |r: String| UsageError(format!("config [[slo]] {:?}: {r}", e.name));
        slos::check_name(&e.name).map_err(|r| UsageError(format!("config [[slo]] name {r}")))?;
        if e.window.is_some() && e.start.is_some() {
            return Err(bad("window and start both set; keep one".into()));
        }
        let mut def = SloDef::new(
            &e.name,
            SloConfig {
                target: parse_target(e.target).map_err(|x| bad(x.0))?,
                latency_threshold_ms: e
                    .latency_threshold
                    .as_deref()
                    .map(parse_latency_ms)
                    .transpose()
                    .map_err(|x| bad(x.0))?,
            },
        );
        def.endpoints =
            slos::EndpointFilter::parse(&e.endpoints).map_err(|r| bad(format!("endpoints {r}")))?;
        def.window = e.window.clone();
        def.start = e.start.clone();
        if let Some(tz) = &e.timezone {
            def.timezone = crate::window::parse_timezone(tz, "timezone").map_err(|x| bad(x.0))?;
        }
        if let Some(alerts) = &e.alerts {
            def.alerts = alerts
                .iter()
                .map(|a| {
                    let d = |t: &str, key: &str| {
                        crate::window::parse_duration(t)
                            .filter(|d| *d > 0)
                            .ok_or_else(|| {
                                bad(format!("alerts {key} {t:?}: expected a duration like 1h"))
                            })
                    };
                    if !(a.threshold.is_finite() && a.threshold > 0.0) {
                        return Err(bad(format!(
                            "alerts threshold {}: expected a number above 0",
                            a.threshold
                        )));
                    }
                    Ok(BurnPair {
                        severity: a.severity.clone(),
                        long_us: d(&a.long_window, "long_window")?,
                        short_us: d(&a.short_window, "short_window")?,
                        threshold: a.threshold,
                        inclusive: false,
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        defs.push(def);
    }
    if !defs.is_empty() {
        slos::check_list(&defs).map_err(|r| UsageError(format!("config [[slo]]: {r}")))?;
    }
    Ok(defs)
}

/// Where a command's analysis runs.
pub enum Where {
    Local {
        sources: Vec<String>,
        settings: LocalSettings,
        s3: S3Options,
        allow_partial: bool,
    },
    Athena(AthenaSettings),
}

/// Everything a command needs before it reads.
pub struct Context {
    pub verbose: u8,
    pub quiet: bool,
    pub settings: Settings,
    pub window: Window,
    pub style: Style,
    pub format: Format,
    pub engine: Where,
}

impl Context {
    /// Resolves the flags and the config for a command that reads logs; `athena` for those
    /// that take `--engine`.
    pub fn new(
        global: &GlobalArgs,
        input: &InputArgs,
        athena: Option<&AthenaArgs>,
    ) -> anyhow::Result<Context> {
        let settings = Settings::load(global.config.as_deref())?;
        Context::build(global, input, athena, settings, None)
    }

    /// [`Context::new`] over a config the caller has read already.
    pub fn with_settings(
        global: &GlobalArgs,
        input: &InputArgs,
        athena: Option<&AthenaArgs>,
        settings: Settings,
    ) -> anyhow::Result<Context> {
        Context::build(global, input, athena, settings, None)
    }

    /// A context that reads `sources` (every hop's, for `hops`) instead of `--source`, over
    /// the config the caller has read already (to find the hops): read and validated once.
    pub fn with_sources(
        global: &GlobalArgs,
        input: &InputArgs,
        settings: Settings,
        sources: Vec<String>,
    ) -> anyhow::Result<Context> {
        Context::build(global, input, None, settings, Some(sources))
    }

    fn build(
        global: &GlobalArgs,
        input: &InputArgs,
        athena: Option<&AthenaArgs>,
        settings: Settings,
        sources: Option<Vec<String>>,
    ) -> anyhow::Result<Context> {
        let now = now();
        let mut window = Window::parse(input.since.as_deref(), input.until.as_deref(), now)?;
        let log_format = input
            .log_format
            .or(settings.config.source.log_format)
            .unwrap_or_default();
        let engine = match athena {
            Some(a) if a.engine == Engine::Athena => {
                if !input.sources.is_empty() {
                    return Err(UsageError(
                        "--engine athena reads the Athena table, not --source: drop --source, or use --engine local".into(),
                    )
                    .into());
                }
                // whose table the analyses read: --log-format (config [source] log_format);
                // auto reads the fallback's (ALB's) table
                let format = log_format.fixed().unwrap_or(FormatId::FALLBACK);
                if format.athena_default_table().is_none() {
                    return Err(UsageError(format!(
                        "--engine athena: there is no Athena table for {}s: use the local engine",
                        format.title()
                    ))
                    .into());
                }
                // Athena bills by the scan: never an unbounded one. Default: the last 24 hours.
                let until = window.until_us.unwrap_or(now.timestamp_micros());
                window.until_us = Some(until);
                window.since_us = Some(window.since_us.unwrap_or(until - 86_400_000_000));
                Where::Athena(athena_settings(
                    a,
                    input,
                    format,
                    &settings.config,
                    global.quiet,
                )?)
            }
            _ => {
                let mut sources = sources.unwrap_or_else(|| input.sources.clone());
                if sources.is_empty() {
                    sources = settings.config.source.paths.clone();
                }
                if sources.is_empty() {
                    return Err(UsageError(
                        "no logs to read: pass --source PATH (file, folder, glob or '-'), or set [source] paths in the config".into(),
                    )
                    .into());
                }
                // never list a whole bucket or log group by accident: S3 and CloudWatch windows
                // default to the last 24 hours
                let remote = |s: &String| s.starts_with("s3://") || s.starts_with(CWLOGS);
                if sources.iter().any(remote) && window.since_us.is_none() {
                    window.since_us =
                        Some(window.until_us.unwrap_or(now.timestamp_micros()) - 86_400_000_000);
                }
                let s3 = s3_options(&input.s3);
                let has_s3 = sources.iter().any(remote);
                Where::Local {
                    settings: LocalSettings {
                        threads: input.threads.unwrap_or_else(|| {
                            std::thread::available_parallelism().map_or(2, |n| n.get())
                        }),
                        // S3 objects are downloaded ahead (up to --concurrency in flight);
                        // the readers inflate and cut them
                        readers: has_s3.then(|| input.s3.concurrency.clamp(1, 8)),
                        progress: !global.quiet && std::io::stderr().is_terminal(),
                        strict: input.strict,
                        log_format,
                        formats: format_settings(
                            &settings.config,
                            input.nginx_log_format.as_deref(),
                        )?,
                        max_line_bytes: input.max_line_bytes()?,
                        max_inflate: input.max_inflate()?,
                        now_us: now.timestamp_micros(),
                        mmap: !input.no_mmap,
                    },
                    sources,
                    s3,
                    allow_partial: input.s3.allow_partial,
                }
            }
        };
        Ok(Context {
            verbose: global.verbose,
            quiet: global.quiet,
            settings,
            window,
            style: Style::detect(),
            format: input.format,
            engine,
        })
    }

    /// What every analysis run needs besides the analysis.
    pub fn job(&self) -> Job<'_> {
        Job {
            window: self.window,
            routes: &self.settings.routes,
            exclude: &self.settings.exclude,
        }
    }

    /// The local files and S3 objects `window` needs.
    pub fn discover(&self, window: &Window) -> anyhow::Result<LocalInput> {
        let Where::Local {
            sources,
            s3,
            settings,
            ..
        } = &self.engine
        else {
            return Err(UsageError(
                "this command reads logs locally only: drop --engine athena".into(),
            )
            .into());
        };
        let (found, objects) = find_inputs(
            sources,
            window,
            settings.log_format.fixed(),
            s3,
            self.verbose > 0,
        )?;
        if self.verbose > 0 {
            for (path, why) in &found.skipped {
                eprintln!("hosp-logs: skipped {}: {why}", sanitize(path, 200));
            }
        }
        Ok(LocalInput {
            files: found.files,
            pruned: found.pruned,
            skipped: found.skipped.len(),
            objects: objects.map(|(ctx, os)| (Arc::clone(&ctx), os)),
        })
    }

    /// Runs an analysis on this machine over the context's window, reading `sources` with
    /// `settings` (a hop's own sources and format). Warns on stderr about lost input.
    pub fn run_local_on<A: Analysis>(
        &self,
        analysis: &A,
        sources: &[String],
        settings: &LocalSettings,
    ) -> anyhow::Result<Ran<A::Report>> {
        let Where::Local { s3, .. } = &self.engine else {
            return Err(UsageError(format!(
                "`{}` reads logs locally only: drop --engine athena",
                analysis.name()
            ))
            .into());
        };
        let (found, objects) = find_inputs(
            sources,
            &self.window,
            settings.log_format.fixed(),
            s3,
            self.verbose > 0,
        )?;
        let input = LocalInput {
            files: found.files,
            pruned: found.pruned,
            skipped: found.skipped.len(),
            objects: objects.map(|(ctx, os)| (Arc::clone(&ctx), os)),
        };
        let ran = engine::run_local(analysis, &self.job(), &input, settings)?;
        self.warn_about_input(&ran.input);
        Ok(ran)
    }

    /// Whether `--allow-partial` was given.
    pub fn allow_partial(&self) -> bool {
        matches!(
            self.engine,
            Where::Local {
                allow_partial: true,
                ..
            }
        )
    }

    /// The local engine's settings (None under `--engine athena`).
    pub fn local(&self) -> Option<&LocalSettings> {
        match &self.engine {
            Where::Local { settings, .. } => Some(settings),
            Where::Athena(_) => None,
        }
    }

    /// The S3 client's settings of a local run (`--profile`, `--endpoint-url`, `--region` …).
    pub fn s3_options(&self) -> Option<&S3Options> {
        match &self.engine {
            Where::Local { s3, .. } => Some(s3),
            Where::Athena(_) => None,
        }
    }

    /// Runs an analysis on the chosen engine. None with `--print-sql`.
    pub fn run<A: AthenaPlan>(&self, analysis: &A) -> anyhow::Result<Option<Ran<A::Report>>> {
        match &self.engine {
            Where::Athena(settings) => engine::athena::run(analysis, &self.job(), settings),
            Where::Local { .. } => self.run_local(analysis, &self.window).map(Some),
        }
    }

    /// Runs an analysis on this machine over `window` (a command may read more than its own
    /// window, e.g. a baseline before it). Warns on stderr about lost input.
    pub fn run_local<A: Analysis>(
        &self,
        analysis: &A,
        window: &Window,
    ) -> anyhow::Result<Ran<A::Report>> {
        let Some(settings) = self.local() else {
            return Err(UsageError(format!(
                "`{}` reads logs locally only: drop --engine athena",
                analysis.name()
            ))
            .into());
        };
        let input = self.discover(window)?;
        let job = Job {
            window: *window,
            ..self.job()
        };
        let ran = engine::run_local(analysis, &job, &input, settings)?;
        self.warn_about_input(&ran.input);
        Ok(ran)
    }

    /// Reads `input` into a sink (`query`, `export`): `readers` inputs at once (default: one
    /// per thread). Warns on stderr about lost input.
    pub fn load<S: crate::engine::local::Sink>(
        &self,
        input: &LocalInput,
        sink: &S,
        readers: Option<usize>,
    ) -> anyhow::Result<(Vec<S::Acc>, InputStats)> {
        let Some(settings) = self.local() else {
            return Err(UsageError("this command reads logs locally only".into()).into());
        };
        let opts = settings.load_options(self.window, &self.settings.routes, None, readers);
        let (accs, stats) = crate::engine::local::load(&input.files, &opts, sink)?;
        let stats = input.finish_stats(stats);
        self.warn_about_input(&stats);
        Ok((accs, stats))
    }

    /// The one format `query` and `export` read (their columns are that format's): the one
    /// asked for, else the one the first input is in (ALB when it cannot be told).
    pub fn frame_format(&self, files: &[crate::source::InputFile]) -> anyhow::Result<FileFormat> {
        let formats = self.local().map(|s| s.formats.clone()).unwrap_or_default();
        if let Some(id) = self.local().and_then(|s| s.log_format.fixed()) {
            return Ok(FileFormat::for_file(id, &[], &formats));
        }
        let first = files
            .iter()
            .find(|f| !matches!(f.location, crate::source::Location::Stdin));
        let Some(first) = first else {
            return Ok(FileFormat::fallback());
        };
        let mut head = Vec::new();
        let read = crate::source::open(first).and_then(|r| {
            use std::io::Read;
            r.take(64 << 10).read_to_end(&mut head)
        });
        Ok(match (read, recognise(&head, &formats)) {
            (Ok(_), Looks::Known(f)) => f,
            _ => FileFormat::fallback(),
        })
    }

    /// Prints a report on stdout in the chosen format.
    pub fn emit(&self, report: &impl render::Report) -> anyhow::Result<()> {
        emit(report, self.format, self.style)
    }

    /// A command's exit status, turned into a runtime failure when S3 objects could not be
    /// read and --allow-partial was not given (the output still names them).
    pub fn outcome(&self, status: ExitStatus, stats: &InputStats) -> ExitStatus {
        let allow_partial = matches!(
            self.engine,
            Where::Local {
                allow_partial: true,
                ..
            }
        );
        let failed = stats
            .source_errors
            .iter()
            .filter(|e| {
                e.source.starts_with("s3://") || e.source.starts_with(CWLOGS) || e.over_limit
            })
            .count();
        if failed > 0 && !allow_partial && status != ExitStatus::NoData {
            eprintln!(
                "hosp-logs: error: {failed} input(s) could not be read whole (S3 objects or CloudWatch Logs streams that failed, or inputs stopped at --max-inflate); the results above are partial (--allow-partial accepts that)"
            );
            return ExitStatus::Failure;
        }
        status
    }

    /// Warnings about lost input go to stderr, so stdout stays clean data.
    pub fn warn_about_input(&self, stats: &InputStats) {
        if self.quiet {
            return;
        }
        if stats.malformed > 0 {
            eprintln!(
                "hosp-logs: warning: {} of {} lines were malformed and left out (--strict to fail on them)",
                stats.malformed, stats.lines
            );
            for m in stats
                .malformed_samples
                .iter()
                .take(if self.verbose > 0 { 20 } else { 3 })
            {
                eprintln!(
                    "  {}:{}: {}",
                    sanitize(&m.source, 200),
                    m.line,
                    sanitize(&m.reason, 200)
                );
            }
        }
        for n in &stats.format_notes {
            eprintln!("hosp-logs: note: {}: {}", sanitize(&n.source, 200), n.note);
        }
        for u in &stats.unrecognised {
            eprintln!(
                "hosp-logs: warning: {}: {}{}",
                sanitize(&u.source, 200),
                crate::engine::local::not_in_format(u.lines, &u.read_as),
                u.looks_like
                    .as_deref()
                    .map(|l| format!("; it looks like {l}"))
                    .unwrap_or_default()
            );
        }
        for e in &stats.source_errors {
            eprintln!(
                "hosp-logs: warning: {}: {}",
                sanitize(&e.source, 200),
                sanitize(&e.reason, 200)
            );
        }
        if self.verbose > 0 {
            eprintln!(
                "hosp-logs: {} files, {} bytes, {} lines: {} parsed, {} malformed, {} outside the window",
                stats.files, stats.bytes, stats.lines, stats.parsed, stats.malformed, stats.out_of_window
            );
        }
    }
}

/// The settings of the formats that take some: the `[nginx]` section, with
/// `--nginx-log-format` instead of its log_format when given. A log_format that cannot be
/// read is a usage error here, before any log is read.
pub fn format_settings(
    config: &Config,
    nginx_log_format: Option<&str>,
) -> Result<FormatSettings, UsageError> {
    let n = &config.nginx;
    let (text, from) = match nginx_log_format {
        Some(flag) => (Some(flag), "--nginx-log-format"),
        None => (n.log_format.as_deref(), "config [nginx]"),
    };
    let nginx = NginxSettings::new(text, n.escape.as_deref(), &n.trusted_proxies).map_err(|e| {
        let from = match e {
            NginxConfigError::LogFormat(_) => from,
            NginxConfigError::TrustedProxy(_) => "config [nginx]",
        };
        UsageError(format!("{from}: {e}"))
    })?;
    let apigw = crate::format::apigw::ApigwSettings::new(config.apigw.format.as_deref())
        .map_err(|e| UsageError(format!("config [apigw] format: {e}")))?;
    Ok(FormatSettings {
        nginx: Nginx(Arc::new(nginx)),
        apigw,
    })
}

/// Writes a report to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(report: &impl render::Report, format: Format, style: Style) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let res = render::write(report, format, style, &mut out).and_then(|_| {
        use std::io::Write;
        out.flush()
    });
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

/// The Athena settings: flags first, then the config's `[athena]`, then the defaults.
fn athena_settings(
    a: &AthenaArgs,
    input: &InputArgs,
    format: FormatId,
    config: &Config,
    quiet: bool,
) -> anyhow::Result<AthenaSettings> {
    let aws = s3_options(&input.s3).aws;
    let max_scan = a
        .max_scan
        .as_deref()
        .or(config.athena.max_scan.as_deref())
        .map(engine::athena::parse_bytes)
        .transpose()?;
    Ok(AthenaSettings {
        client: athena_options(a, aws, config),
        format,
        format_settings: format_settings(config, None)?,
        table: table(a.table.as_ref(), config, format),
        location: config.athena.location.clone(),
        max_scan,
        print_sql: a.print_sql,
        s3: s3_options(&input.s3),
        strict: input.strict,
        quiet,
    })
}

/// The table: the flag, else the config, else the format's (alb_access_logs,
/// cloudfront_standard_logs).
pub fn table(flag: Option<&String>, config: &Config, format: FormatId) -> String {
    flag.cloned()
        .or(config.athena.table.clone())
        .unwrap_or_else(|| format.athena_default_table().unwrap_or_default().into())
}

/// The database: the flag, else the config, else hosp_logs.
pub fn database(flag: Option<&String>, config: &Config) -> String {
    flag.cloned()
        .or(config.athena.database.clone())
        .unwrap_or_else(|| "hosp_logs".into())
}

/// Where the client goes: the account settings with the Athena endpoint, and the Athena
/// settings from flags, else the config.
pub fn athena_options(
    args: &AthenaArgs,
    aws: crate::source::AwsSettings,
    config: &Config,
) -> AthenaOptions {
    AthenaOptions {
        aws: crate::source::AwsSettings {
            endpoint_url: args.athena_endpoint_url.clone(),
            ..aws
        },
        workgroup: args.workgroup.clone().or(config.athena.workgroup.clone()),
        database: database(args.database.as_ref(), config),
        output_location: args
            .output_location
            .clone()
            .or(config.athena.output_location.clone()),
        max_poll_interval: std::time::Duration::from_secs(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Role;

    fn settings(toml: &str) -> Result<Settings, UsageError> {
        Settings::new(Config::parse(toml)?)
    }

    #[test]
    fn the_config_is_validated_once_into_settings() {
        let s = settings(
            "[slo]\ntarget = 99.5\nlatency_threshold = \"3s\"\n[gate]\nmax_5xx_rate = \"1%\"\n",
        )
        .unwrap();
        assert_eq!(s.slo_target, Some(0.995));
        assert_eq!(s.slo_latency_ms, Some(3000.0));
        assert_eq!(s.gate.max_5xx_rate, Some(0.01));
        // flags win over the config, the config over the defaults
        let c = s.slo(None, None).unwrap();
        assert_eq!((c.target, c.latency_threshold_ms), (0.995, Some(3000.0)));
        let c = s.slo(Some(90.0), Some("800ms")).unwrap();
        assert_eq!((c.target, c.latency_threshold_ms), (0.9, Some(800.0)));
        let d = settings("").unwrap().slo(None, None).unwrap();
        assert_eq!((d.target, d.latency_threshold_ms), (0.99, None));
        for (bad, says) in [
            ("[slo]\ntarget = 100\n", "SLO target"),
            ("[slo]\nlatency_threshold = \"fast\"\n", "latency threshold"),
            ("[gate]\nslo = 0\n", "SLO target"),
            ("[gate]\nmax_p99 = \"soon\"\n", "latency threshold"),
            ("[gate]\nmax_5xx_rate = \"lots\"\n", "rate"),
            ("[exclude]\nclient_cidrs = [\"10.0.0.0/99\"]\n", "[exclude]"),
            ("[routes]\ntemplates = [\"/a/{\"]\n", "[routes]"),
            ("[security]\nworking_hours = \"late\"\n", "[security]"),
        ] {
            let err = settings(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} passed"));
            assert!(err.0.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn the_example_and_fixture_configs_are_valid() {
        for text in [
            include_str!("../../hosp-logs.example.toml"),
            include_str!("../../fixtures/hosp-logs.toml"),
        ] {
            settings(text).unwrap();
        }
    }

    #[test]
    fn the_example_config_nginx_section_compiles_and_the_flag_wins() {
        let config = Config::parse(include_str!("../../hosp-logs.example.toml")).unwrap();
        let s = format_settings(&config, None).unwrap();
        let roles = s.nginx.0.roles();
        for role in [
            Role::Attempts,
            Role::LatencyMs,
            Role::TraceId,
            Role::ClientIp,
        ] {
            assert!(roles.contains(role), "{role}");
        }
        assert_eq!(s.nginx.0.trusted_proxies.len(), 1);
        // the flag replaces the config's log_format; its errors name the flag
        let s = format_settings(&config, Some("$remote_addr $status")).unwrap();
        assert!(!s.nginx.0.roles().contains(Role::Attempts));
        let e = format_settings(&config, Some("$remote_addr $")).unwrap_err();
        assert!(e.0.starts_with("--nginx-log-format: log_format:"), "{e}");
        let bad = Config::parse("[nginx]\ntrusted_proxies = [\"nope\"]\n").unwrap();
        let e = format_settings(&bad, Some("$status")).unwrap_err();
        assert!(e.0.starts_with("config [nginx]: trusted_proxies:"), "{e}");
    }
}
