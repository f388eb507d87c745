//! `hosp-logs serve`: the flags, the checks that exit 2, and the glue to [`crate::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::context::{Context, Where};
use super::input::InputArgs;
use super::slo::SloFlags;
use super::watch::Clock;
use super::GlobalArgs;
use crate::engine::live::LiveSources;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::live::{Live, LiveConfig};
use crate::serve::follow::{Follow, FollowHop, Served};
use crate::serve::{check_listen, Options, ServeError, Token};
use crate::source::s3::S3Context;
use crate::window::parse_duration;

pub const EXAMPLES: &str = "\
Examples:
  hosp-logs serve --source /var/log/alb/
  hosp-logs serve --source logs/ --listen 127.0.0.1:9000 --token-file ~/.config/hosp-logs/token
  hosp-logs serve --source s3://my-alb-logs/prod --since 24h --interval 5s
  hosp-logs serve --config hosp-logs.toml  # every [[hops]] hop; the SLO at the outermost
  hosp-logs serve --config hosp-logs.toml --store ~/.local/share/hosp-logs/store --since 28d
  hosp-logs serve -s logs/ --listen 0.0.0.0:8087 --allow-remote --allowed-host panel.example.org
  curl -H \"Authorization: Bearer $(cat token)\" http://127.0.0.1:8087/metrics

On start, the page's address with its token (http://127.0.0.1:8087/?token=…) is printed once on
stderr: opening it sets a cookie and the page follows the logs. /api/snapshot is one `watch`
NDJSON snapshot; /metrics is the Prometheus text format (OpenMetrics when asked), with the token
as `Authorization: Bearer`; /healthz needs no token.
Exit codes: 1 runtime failure, 2 usage or input error (a non-loopback --listen without
--allow-remote), 130 interrupted (Ctrl-C, SIGTERM, SIGHUP).";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ServeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The address and port to listen on: loopback only unless --allow-remote
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8087")]
    pub listen: SocketAddr,
    /// Listen on a non-loopback address. Plain HTTP carries the token: put TLS in front
    #[arg(long)]
    pub allow_remote: bool,
    /// A Host name the page is reached by besides the listen address and localhost (a proxy's
    /// name); repeatable
    #[arg(long, value_name = "NAME")]
    pub allowed_host: Vec<String>,
    /// Read the token from this file's first line instead of making a random one
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// How often the sources are polled (the page follows within this plus a second)
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub interval: String,
    /// Requests served per second (beyond: 429)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_rps: u32,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Start from the store in DIR (see `hosp-logs collect`): its counts up to its
    /// complete_through, the sources read from there on. Default: config [store] path
    #[arg(long = "store", value_name = "DIR", conflicts_with = "no_store")]
    pub store: Option<PathBuf>,
    /// Read the sources whole even when the config has a [store]
    #[arg(long)]
    pub no_store: bool,
}

pub fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitStatus> {
    check_listen(&args.listen, args.allow_remote)?;
    if args.input.until.is_some() {
        return Err(UsageError(
            "serve follows the logs up to now: --until is for the batch commands".into(),
        )
        .into());
    }
    if args.input.sources.iter().any(|s| s == "-") {
        return Err(UsageError(
            "serve follows files, folders, globs and s3:// prefixes; stdin ('-') cannot be followed".into(),
        )
        .into());
    }
    let interval = parse_duration(&args.interval)
        .filter(|d| *d >= 100_000)
        .ok_or_else(|| {
            UsageError(format!(
                "--interval {:?}: expected a duration of at least 100ms, like 1s or 30s",
                args.interval
            ))
        })?;
    let token = match &args.token_file {
        Some(path) => Token::from_file(path).map_err(follow_error)?,
        None => Token::random().map_err(ServeError::from)?,
    };
    // with [[hops]] and no --source: every hop followed, the SLO measured at the outermost
    let loaded = super::context::Settings::load(global.config.as_deref())?;
    let specs = match args.input.sources.is_empty() {
        true => super::hops::configured(&loaded, args.input.nginx_log_format.as_deref())?,
        false => Vec::new(),
    };
    let ctx = match specs.first() {
        Some(h) => Context::with_sources(global, &args.input, loaded, h.sources.clone())?,
        None => Context::with_settings(global, &args.input, None, loaded)?,
    };
    let clock = Clock::start();
    let window_us = match ctx.window.since_us {
        Some(s) => clock.now_us() - s,
        None => 24 * 3_600_000_000,
    };
    if window_us <= 0 {
        return Err(UsageError("--since must be before now".into()).into());
    }
    // every SLO of the config (or --slo-spec), as `watch` shows them; the first is the one
    // the store's counts and the Prometheus series are for
    let defs = args.slo.defs(&ctx.settings)?;
    let slo = defs[0].config;
    let names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
    let live = Live::with_slos(
        LiveConfig {
            slo,
            security: ctx.settings.security.clone(),
            since_us: window_us,
        },
        defs.clone(),
    );
    let Where::Local {
        sources,
        settings,
        s3,
        ..
    } = &ctx.engine
    else {
        return Err(UsageError("serve reads logs locally".into()).into());
    };
    // with a store: its counts up to where it is complete, the sources read from there on
    let retention_us = live.retention_us();
    let mut from_store = None;
    let store_dir = match args.no_store {
        true => None,
        false => args
            .store
            .clone()
            .or(ctx.settings.config.store.path.clone()),
    };
    if let Some(dir) = store_dir {
        let fixed = specs
            .first()
            .map(|h| h.format)
            .or(settings.log_format.fixed());
        let format = match fixed {
            Some(f) => f.name().to_string(),
            None => {
                let held = crate::store::Store::open_read(&dir)?.formats()?;
                match held.as_slice() {
                    [one] => one.clone(),
                    [] => String::new(),
                    _ => {
                        return Err(UsageError(format!(
                            "the store {} holds {} logs: say which with --log-format",
                            dir.display(),
                            held.join(", ")
                        ))
                        .into())
                    }
                }
            }
        };
        let print = super::collect::fingerprint(&ctx.settings, &slo);
        if !format.is_empty() {
            from_store =
                crate::serve::backfill(&dir, &format, &print, clock.now_us() - retention_us)?;
        }
        if !ctx.quiet {
            match &from_store {
                Some(b) => eprintln!(
                    "hosp-logs: {} objects of the store {} through {}; the sources are read from there on",
                    b.objects,
                    dir.display(),
                    crate::window::format_us(b.through_us)
                ),
                None => eprintln!(
                    "hosp-logs: the store {} holds nothing complete of the window: the sources are read whole",
                    dir.display()
                ),
            }
        }
    }
    let live_sources = |paths: &[String]| {
        LiveSources::new(paths, settings.max_line_bytes, || S3Context::new(s3))
            .map_err(|e| follow_error(crate::serve::follow::FollowError::from(e)))
    };
    let mut hops = Vec::new();
    for spec in &specs {
        hops.push(FollowHop {
            name: spec.name.clone(),
            measured_at: Some(crate::metrics::slo::MeasuredAt {
                name: spec.name.clone(),
                log_format: spec.format,
            }),
            served: Served {
                live: Live::with_slos(live.config.clone(), defs.clone()),
            },
            sources: live_sources(&spec.sources)?,
            settings: spec.settings(settings),
        });
    }
    if hops.is_empty() {
        hops.push(FollowHop {
            name: settings
                .log_format
                .fixed()
                .map(|f| f.name().to_string())
                .unwrap_or_default(),
            measured_at: None,
            served: Served { live },
            sources: live_sources(sources)?,
            settings: settings.clone(),
        });
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&interrupted))?;
    }
    let follow = Follow {
        hops,
        routes: ctx.settings.routes.clone(),
        exclude: ctx.settings.exclude.clone(),
        now_us: Box::new(move || clock.now_us()),
        interval: Duration::from_micros(interval as u64),
        stop: Arc::new(AtomicBool::new(false)),
        read_from_us: from_store.as_ref().map(|b| b.through_us),
        store: from_store.as_ref().map(|b| b.store.clone()),
    };
    let opts = Options {
        listen: args.listen,
        token: token.clone(),
        allowed_hosts: args.allowed_host.clone(),
        slos: names,
        window_us,
        complete_through: from_store
            .as_ref()
            .map(|b| crate::window::format_us(b.through_us)),
        backfill: from_store.map(|b| b.counts),
        max_rps: args.max_rps,
    };
    let from_file = args.token_file.is_some();
    let res = crate::serve::run(opts, follow, Arc::clone(&interrupted), |bound| {
        let host = match bound.ip() {
            std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", bound.port()),
            v4 => format!("{v4}:{}", bound.port()),
        };
        // the one place the token is shown: the person who started serve
        match from_file {
            true => eprintln!(
                "hosp-logs: serving http://{host}/?token=<the token in --token-file> (Ctrl-C ends)"
            ),
            false => eprintln!(
                "hosp-logs: serving http://{host}/?token={} (Ctrl-C ends)",
                token.expose()
            ),
        }
    });
    match res {
        Ok(()) if interrupted.load(std::sync::atomic::Ordering::Relaxed) => {
            Ok(ExitStatus::Interrupted)
        }
        Ok(()) => Ok(ExitStatus::Ok),
        Err(e) => Err(follow_error(e)),
    }
}

/// The error itself, not a wrapper, so the exit code is the one its kind earns (an input
/// error is 2).
fn follow_error(e: impl Into<ServeError>) -> anyhow::Error {
    use crate::engine::live::LiveError;
    use crate::serve::follow::FollowError;
    match e.into() {
        ServeError::Usage(e) => e.into(),
        ServeError::Follow(FollowError::Input(e)) => e.into(),
        ServeError::Follow(FollowError::Live(LiveError::Input(e))) => e.into(),
        ServeError::Follow(FollowError::Live(LiveError::S3(e))) => e.into(),
        ServeError::Follow(FollowError::Live(LiveError::Load(e))) => e.into(),
        ServeError::TokenFile { path, reason } => {
            UsageError(format!("--token-file {path}: {reason}")).into()
        }
        other => other.into(),
    }
}
