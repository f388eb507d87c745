//! `hosp-logs watch`: the control panel live. A reader thread follows the sources and makes a
//! snapshot each interval; on a terminal the dashboard draws it ([`tui`]), elsewhere each
//! snapshot is one NDJSON line on stdout; `--on-alert` runs a command when a burn-rate alert
//! starts or stops firing or a severe finding appears ([`alert`]).

pub mod alert;
pub mod tui;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};

use super::context::{Context, Where};
use super::input::{now, InputArgs};
use super::slo::SloFlags;
use super::GlobalArgs;
use crate::engine::live::LiveError;
use crate::engine::live::LiveSources;
use crate::engine::{Analysis, Job, LocalSettings};
use crate::error::{ExitStatus, InputError, UsageError};
use crate::metrics::live::{Live, LiveConfig, Snapshot};
use crate::metrics::security::Severity;
use crate::render::Format;
use crate::source::s3::S3Context;
use crate::window::parse_duration;

pub const EXAMPLES: &str = "\
Examples:
  hosp-logs watch --source /var/log/alb/
  hosp-logs watch --source s3://my-alb-logs/prod --since 24h --interval 30s
  hosp-logs watch --source logs/ --on-alert 'notify-pager' --alert-severity critical
  hosp-logs watch --source logs/ --once | jq .alerts_firing
  hosp-logs watch --source 'logs/*.log' --interval 10s | tee panel.ndjson

On a terminal: the dashboard (q quits, p pauses, tab switches views). Otherwise: one JSON
object per interval on stdout (the slo JSON keys, slos[] included, plus alerts_firing and at).
The dashboard ends with its terminal (closed window, dropped SSH session: exit 130 within a
second); NDJSON ends when its reader goes away (`| head -1`: exit 0).
Exit codes: 0 quit (q, --once, stdout closed), 1 runtime failure, 2 usage or input error,
130 interrupted (Ctrl-C, SIGTERM, SIGHUP, the terminal gone).";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct WatchArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How often the sources are polled and the panel updated (30s, 5s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub interval: String,
    /// Print one snapshot (JSON) and exit
    #[arg(long)]
    pub once: bool,
    /// Run this command (through sh -c) when a burn-rate alert starts or stops firing, or a
    /// security finding at or above --alert-severity first appears; the event is JSON on its
    /// stdin
    #[arg(long, value_name = "CMD")]
    pub on_alert: Option<String>,
    /// The least severe finding that runs --on-alert
    #[arg(long, value_enum, default_value_t = Severity::High, value_name = "SEVERITY")]
    pub alert_severity: Severity,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Start from the store in DIR (see `hosp-logs collect`): the SLO's counts and the last
    /// hour's panels up to its complete_through, the sources read from there on. Default:
    /// config [store] path, else the sources read whole
    #[arg(long = "store", value_name = "DIR", conflicts_with = "no_store")]
    pub store: Option<std::path::PathBuf>,
    /// Read the sources whole even when the config has a [store]
    #[arg(long)]
    pub no_store: bool,
}

/// What the store holds for the view before the sources are followed: the SLO's counts, the
/// recent panels' partials minute by minute, and where the sources are read from.
struct Backfill {
    counts: crate::metrics::slo::SloCounts,
    /// What was read from the store (the snapshots' `input.store`).
    store: crate::engine::stats::StoreInput,
    /// (minute start µs, errors, latency, security)
    minutes: Vec<RecentMinute>,
    through_us: i64,
}

type RecentMinute = (
    i64,
    <crate::metrics::errors::Errors as Analysis>::Partial,
    <crate::metrics::latency::Latency as Analysis>::Partial,
    <crate::metrics::security::Security as Analysis>::Partial,
);

/// The store's backfill of the view at `now_us`: every panel from the store up to its
/// complete_through (the SLO's counts over the retention, the last hour's errors, latency
/// and security state minute by minute). None when it holds nothing complete of the window.
/// A view with an SLO the store's counts do not answer is refused.
fn backfill(
    dir: &std::path::Path,
    ctx: &Context,
    live: &Live,
    now_us: i64,
) -> anyhow::Result<Option<Backfill>> {
    use crate::store::kept::{self, FromStore};
    if let Some(name) = live.slo_not_from_store() {
        return Err(UsageError(format!(
            "the store keeps the first SLO's counts (its latency threshold, every request): SLO {name:?} is not answered from it; add --no-store"
        ))
        .into());
    }
    let store = crate::store::Store::open_read(dir)?;
    let fixed = match &ctx.engine {
        Where::Local { settings, .. } => settings.log_format.fixed(),
        Where::Athena(_) => None,
    };
    let format = match fixed {
        Some(f) => f.name().to_string(),
        None => match store.formats()?.as_slice() {
            [one] => one.clone(),
            [] => return Ok(None),
            many => {
                return Err(UsageError(format!(
                    "the store {} holds {} logs: say which with --log-format",
                    dir.display(),
                    many.join(", ")
                ))
                .into())
            }
        },
    };
    store.check_kept_settings(&super::collect::kept_fingerprint(&ctx.settings))?;
    let print = super::collect::fingerprint(&ctx.settings, &live.config.slo);
    let Some(slo) = crate::serve::backfill(dir, &format, &print, now_us - live.retention_us())?
    else {
        return Ok(None);
    };
    let (errors, latency, security) = live.recent();
    security.check(&store)?;
    for key in [
        errors.store_key(),
        latency.store_key(),
        security.store_key(),
    ] {
        kept::check_kind(&store, key)?;
    }
    const MIN: i64 = 60_000_000;
    let from = (now_us - crate::metrics::live::RECENT_US).div_euclid(MIN);
    let mut minutes = Vec::new();
    // (a store never holds minutes past now but under a clock set back, HOSP_LOGS_NOW)
    for m in from..slo.through_us.min(now_us).div_euclid(MIN) {
        let w = crate::window::Window {
            since_us: Some(m * MIN),
            until_us: Some((m + 1) * MIN),
        };
        minutes.push((
            m * MIN,
            kept::load(&store, errors, &format, &w, None)?.0,
            kept::load(&store, latency, &format, &w, None)?.0,
            kept::load(&store, security, &format, &w, None)?.0,
        ));
    }
    if !ctx.quiet {
        eprintln!(
            "hosp-logs: {} objects of the store {} through {}; the sources are read from there on",
            slo.objects,
            dir.display(),
            crate::window::format_us(slo.through_us)
        );
    }
    Ok(Some(Backfill {
        store: slo.store,
        counts: slo.counts,
        minutes,
        through_us: slo.through_us,
    }))
}

/// The clock: `HOSP_LOGS_NOW` (or the real time) at the start, moving on with the real time,
/// in whole seconds like every window.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_us: i64,
    started: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            base_us: now().timestamp_micros(),
            started: Instant::now(),
        }
    }

    pub fn now_us(&self) -> i64 {
        self.base_us + self.started.elapsed().as_secs() as i64 * 1_000_000
    }
}

/// What the reader thread sends.
pub enum Update {
    Snapshot(Box<Snapshot>),
    /// A message for the person watching (an alert command that failed).
    Notice(String),
    Failed(anyhow::Error),
}

pub fn run(global: &GlobalArgs, args: WatchArgs) -> anyhow::Result<ExitStatus> {
    if args.input.until.is_some() {
        return Err(UsageError(
            "watch follows the logs up to now: --until is for the batch commands".into(),
        )
        .into());
    }
    if args.input.sources.iter().any(|s| s == "-") {
        return Err(UsageError(
            "watch follows files, folders, globs and s3:// prefixes; stdin ('-') cannot be followed: write it to a file and watch that".into(),
        )
        .into());
    }
    let interval = parse_duration(&args.interval)
        .filter(|d| *d >= 100_000)
        .ok_or_else(|| {
            UsageError(format!(
                "--interval {:?}: expected a duration of at least 100ms, like 30s or 2m",
                args.interval
            ))
        })?;
    let interval = Duration::from_micros(interval as u64);
    let ctx = Context::new(global, &args.input, None)?;
    let clock = Clock::start();
    let since_us = match ctx.window.since_us {
        Some(s) => clock.now_us() - s,
        None => 24 * 3_600_000_000,
    };
    if since_us <= 0 {
        return Err(UsageError("--since must be before now".into()).into());
    }
    let defs = args.slo.defs(&ctx.settings)?;
    let live = Live::with_slos(
        LiveConfig {
            slo: defs[0].config,
            security: ctx.settings.security.clone(),
            since_us,
        },
        defs,
    );
    let Where::Local {
        sources,
        settings,
        s3,
        ..
    } = &ctx.engine
    else {
        return Err(UsageError("watch reads logs locally".into()).into());
    };
    let dashboard = !args.once && ctx.format != Format::Json && std::io::stdout().is_terminal();
    if !dashboard && !matches!(ctx.format, Format::Json | Format::Table) {
        return Err(UsageError(
            "watch prints the dashboard on a terminal, else NDJSON: --format csv and markdown do not apply".into(),
        )
        .into());
    }

    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&interrupted))?;
    }
    // with a store: every panel from it up to its complete_through, the sources from there
    let store_dir = match args.no_store {
        true => None,
        false => args
            .store
            .clone()
            .or(ctx.settings.config.store.path.clone()),
    };
    let backfill = match store_dir {
        Some(dir) => {
            let b = backfill(&dir, &ctx, &live, clock.now_us())?;
            if b.is_none() && !ctx.quiet {
                eprintln!(
                    "hosp-logs: the store {} holds nothing complete of the window: the sources are read whole",
                    dir.display()
                );
            }
            b
        }
        None => None,
    };
    // missing paths and bad S3 URLs are refused here, before the terminal is taken
    let sources = LiveSources::new(sources, settings.max_line_bytes, || S3Context::new(s3))
        .map_err(live_error)?;
    let (tx, rx) = bounded::<Update>(4);
    let reader = Reader {
        live,
        sources,
        settings: settings.clone(),
        routes: ctx.settings.routes.clone(),
        exclude: ctx.settings.exclude.clone(),
        clock,
        interval,
        once: args.once,
        on_alert: args.on_alert.clone(),
        alert_severity: args.alert_severity,
        stop: Arc::clone(&stop),
        backfill,
    };
    let handle = std::thread::spawn(move || reader.run(tx));
    let status = if dashboard {
        let style = crate::render::Style::detect();
        tui::run(&rx, &interrupted, style.color, since_us, clock)
    } else {
        ndjson(&rx, &interrupted, ctx.quiet)
    };
    stop.store(true, Ordering::Relaxed);
    // the reader is waited for after --once (its alert commands finish); otherwise the
    // process ends with it mid-poll, which loses nothing: the view is in memory only
    if args.once {
        let _ = handle.join();
    }
    status
}

/// The error itself, not a wrapper, so the exit code is the one its kind earns (an input
/// error is 2).
fn live_error(e: LiveError) -> anyhow::Error {
    match e {
        LiveError::Input(e) => e.into(),
        LiveError::S3(e) => e.into(),
        LiveError::Load(e) => e.into(),
    }
}

/// Whether standard output is closed: a pipe whose reader went away (POLLERR), a terminal
/// that hung up (POLLHUP). Checked between snapshots, so `watch | head -1` or a dropped
/// session ends the watch at once rather than at the next interval's write.
fn stdout_closed() -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd {
        fd: std::io::stdout().as_raw_fd(),
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, its count 1
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
}

/// Prints each snapshot as one JSON line; notices go to stderr. Ends on a signal, when the
/// reader finished (--once), and when standard output is closed.
fn ndjson(
    rx: &Receiver<Update>,
    interrupted: &AtomicBool,
    quiet: bool,
) -> anyhow::Result<ExitStatus> {
    let stdout = std::io::stdout();
    loop {
        if interrupted.load(Ordering::Relaxed) {
            return Ok(ExitStatus::Interrupted);
        }
        let update = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(u) => u,
            // no one reads any more: quietly, like a broken pipe
            Err(RecvTimeoutError::Timeout) if stdout_closed() => return Ok(ExitStatus::Ok),
            Err(RecvTimeoutError::Timeout) => continue,
            // the reader finished (--once)
            Err(RecvTimeoutError::Disconnected) => return Ok(ExitStatus::Ok),
        };
        match update {
            Update::Snapshot(s) => {
                let mut out = stdout.lock();
                let res = serde_json::to_writer(&mut out, &*s)
                    .map_err(std::io::Error::from)
                    .and_then(|_| out.write_all(b"\n"))
                    .and_then(|_| out.flush());
                match res {
                    // a reader that went away (`| head -1`) or a terminal that hung up ends
                    // the watch, quietly
                    Err(e)
                        if e.kind() == std::io::ErrorKind::BrokenPipe
                            || e.raw_os_error() == Some(libc::EIO) =>
                    {
                        return Ok(ExitStatus::Ok)
                    }
                    other => other?,
                }
            }
            Update::Notice(n) => {
                if !quiet {
                    // stderr may be gone too: a lost notice is no reason to panic
                    let _ = writeln!(
                        std::io::stderr(),
                        "hosp-logs: {}",
                        crate::render::sanitize(&n, 500)
                    );
                }
            }
            Update::Failed(e) => return Err(e),
        }
    }
}

/// The reader thread: follows the sources, keeps the rolling partials, makes the snapshots and
/// raises the alerts.
struct Reader {
    live: Live,
    sources: LiveSources,
    settings: LocalSettings,
    routes: crate::format::Routes,
    exclude: crate::filter::ClientFilter,
    clock: Clock,
    interval: Duration,
    once: bool,
    on_alert: Option<String>,
    alert_severity: Severity,
    stop: Arc<AtomicBool>,
    /// What the store holds before the sources are read (they are read from its end).
    backfill: Option<Backfill>,
}

impl Reader {
    fn run(mut self, tx: Sender<Update>) {
        // a panic here must end the view with an error, never leave it frozen
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.follow(&tx)));
        let failed = match ran {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(_) => anyhow::anyhow!("the reader thread failed (see the message above)"),
        };
        let _ = tx.send(Update::Failed(failed));
    }

    fn follow(&mut self, tx: &Sender<Update>) -> anyhow::Result<()> {
        let mut partial = self.live.partial();
        let mut read_from_us = i64::MIN;
        let mut from_store = None;
        if let Some(b) = self.backfill.take() {
            from_store = Some(b.store);
            self.live.add_slo_seconds(&mut partial, b.counts.seconds());
            for (minute_us, errors, latency, security) in b.minutes {
                self.live
                    .add_recent_minute(&mut partial, minute_us, errors, latency, security);
            }
            read_from_us = b.through_us;
        }
        let started = self.clock.now_us();
        let covered_from = started - self.live.retention_us();
        let mut raised = alert::Raised::default();
        let (notices_tx, notices_rx) = unbounded::<String>();
        let pager = self.on_alert.clone().map(|cmd| {
            let (ptx, prx) = unbounded::<alert::Page>();
            (ptx, alert::pager(cmd, prx, notices_tx.clone()))
        });
        let mut next = Instant::now();
        loop {
            let now_us = self.clock.now_us();
            let mut settings = self.settings.clone();
            settings.now_us = now_us;
            let job = Job {
                window: crate::window::Window {
                    since_us: Some((now_us - self.live.retention_us()).max(read_from_us)),
                    until_us: None,
                },
                routes: &self.routes,
                exclude: &self.exclude,
            };
            self.sources
                .poll(&self.live, &mut partial, &job, &settings)
                .map_err(live_error)?;
            let mut stats = self.sources.stats();
            stats.store = from_store.clone();
            if settings.strict {
                if let Some(m) = stats.malformed_samples.first() {
                    return Err(InputError::Malformed {
                        source_name: m.source.clone(),
                        line: m.line,
                        reason: m.reason.clone(),
                    }
                    .into());
                }
            }
            self.live.prune(&mut partial, now_us);
            let snap = self.live.snapshot(&partial, now_us, covered_from, stats);
            if let Some((ptx, _)) = &pager {
                let _ = ptx.send(alert::Page::Tick);
                for e in raised.events(&snap, self.alert_severity) {
                    let _ = ptx.send(alert::Page::Event(Box::new(e)));
                }
            }
            if tx.send(Update::Snapshot(Box::new(snap))).is_err() {
                return Ok(());
            }
            if self.once {
                // the alert commands of this snapshot run before the process ends
                if let Some((ptx, handle)) = pager {
                    drop(ptx);
                    let _ = handle.join();
                }
                for n in notices_rx.try_iter() {
                    let _ = tx.send(Update::Notice(n));
                }
                return Ok(());
            }
            next += self.interval;
            // wait for the next interval, passing the pager's notices on as they come
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let left = next.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match notices_rx.recv_timeout(left.min(Duration::from_millis(200))) {
                    Ok(n) => {
                        if tx.send(Update::Notice(n)).is_err() {
                            return Ok(());
                        }
                    }
                    Err(_) => continue,
                }
            }
            // a poll that took longer than the interval is not caught up on: the next one
            // starts now
            next = next.max(Instant::now());
        }
    }
}
