//! `hosp-logs security`

use std::path::PathBuf;

use clap::Args;

use super::context::{emit, Context, Settings, Where};
use super::input::InputArgs;
use super::store::Loaded;
use super::GlobalArgs;
use crate::engine::{self, InputStats, Job};
use crate::error::{ExitStatus, UsageError};
use crate::metrics::security::kept::{self, default_dir};
use crate::metrics::security::{
    parse_baseline, KeptWriters, Rule, Security, SecurityPartial, Severity,
};
use crate::render::analysis::Analysis;
use crate::render::Style;
use crate::store::kept as store_kept;
use crate::window::Window;

#[derive(Debug, Args)]
pub struct SecurityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// List only findings at or above this severity. Default: medium (one strong signal, or
    /// independent ones together); --all lists the rest
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
    /// List every finding, info and low too (the same as --min-severity info)
    #[arg(long, conflicts_with = "min_severity")]
    pub all: bool,
    /// Run only these rules (repeatable or comma-separated). Default: all
    #[arg(long = "rule", value_enum, value_delimiter = ',', value_name = "RULE")]
    pub rules: Vec<Rule>,
    /// Evidence lines per finding. Default: config [security] evidence, else 5
    #[arg(long, value_name = "N")]
    pub evidence: Option<usize>,
    /// A writer is new unless seen writing this long before --since (7d), or "off".
    /// Default: config [security] baseline, else 7d
    #[arg(long, value_name = "DURATION")]
    pub baseline: Option<String>,
    /// Exit 3 when a finding at or above this severity exists (whatever --min-severity lists);
    /// 4 when the window holds no request
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Folder of the kept baseline: who was seen writing, and when, in earlier runs, so
    /// `--since 24h` knows who wrote before without re-reading the baseline period. Kept per
    /// source (load balancer, CloudFront distribution, else the source paths) and for the spans
    /// of time the runs read. "off" keeps nothing. Default: $XDG_STATE_HOME/hosp-logs/security
    /// (~/.local/state/hosp-logs/security)
    #[arg(long, value_name = "DIR", env = "HOSP_LOGS_STATE")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

/// The kept baseline's folder: `--state`, "off", or the XDG default.
fn state_dir(flag: Option<&PathBuf>) -> Option<PathBuf> {
    match flag {
        Some(p) if p.as_os_str() == "off" => None,
        Some(p) => Some(p.clone()),
        None => default_dir(),
    }
}

/// More than this share of the lines malformed, and the run records nothing in the kept
/// baseline: a damaged or foreign file must not become the baseline of later runs.
const MAX_MALFORMED_SHARE: f64 = 0.5;

/// Why a run is not recorded in the kept baseline, if it is not.
fn not_recorded(input: &InputStats, spans: &[kept::Span]) -> Option<String> {
    let lines = input.parsed + input.malformed;
    if lines > 0 && input.malformed as f64 > MAX_MALFORMED_SHARE * lines as f64 {
        return Some(format!(
            "{} of its {} lines are malformed",
            input.malformed, lines
        ));
    }
    if spans.is_empty() {
        return Some("it read no request".into());
    }
    None
}

/// The `[security]` settings with `--baseline` and `--evidence` applied.
fn security_settings(
    args: &SecurityArgs,
    settings: &Settings,
) -> anyhow::Result<crate::metrics::security::Settings> {
    let mut s = settings.security.clone();
    if let Some(b) = &args.baseline {
        s.baseline_us = parse_baseline(b)?;
    }
    if let Some(n) = args.evidence {
        s.evidence = n;
    }
    Ok(s)
}

fn min_severity(args: &SecurityArgs) -> Severity {
    match (args.all, args.min_severity) {
        (true, _) => Severity::Info,
        (false, m) => m.unwrap_or(Severity::Medium),
    }
}

/// The exit status of a run: `--fail-on`'s.
fn status(args: &SecurityArgs, requests: u64, max: Option<Severity>) -> ExitStatus {
    match args.fail_on {
        None => ExitStatus::Ok,
        Some(_) if requests == 0 => ExitStatus::NoData,
        Some(level) if max.is_some_and(|m| m >= level) => ExitStatus::Breach,
        Some(_) => ExitStatus::Ok,
    }
}

pub fn run(global: &GlobalArgs, args: SecurityArgs) -> anyhow::Result<ExitStatus> {
    let loaded = Settings::load(global.config.as_deref())?;
    if let Some(dir) = args.store.answer_from(&loaded) {
        return from_store(global, &args, loaded, &dir);
    }
    let ctx = Context::with_settings(global, &args.input, None, loaded)?;
    let settings = security_settings(&args, &ctx.settings)?;
    let window = ctx.window;
    let Some(local) = ctx.local() else {
        return Err(
            UsageError("`security` reads logs locally only: drop --engine athena".into()).into(),
        );
    };
    let sources = match &ctx.engine {
        Where::Local { sources, .. } => sources.clone(),
        Where::Athena(_) => Vec::new(),
    };
    // the kept baseline of these logs: keyed by their identity (the names of the files the
    // window needs), never another source's
    let dir = state_dir(args.state.as_ref());
    let found = dir.as_ref().map(|_| ctx.discover(&window)).transpose()?;
    let key = found
        .as_ref()
        .and_then(|i| kept::source_key(i.files.iter().map(|f| f.name.as_str()), &sources));
    if dir.is_some() && key.is_none() && !ctx.quiet {
        eprintln!("hosp-logs: note: standard input has no identity: no baseline is kept for it");
    }
    let place = dir.zip(key);
    // a state that cannot be read is named and ignored (it is rewritten after the run)
    let kept = match place
        .as_ref()
        .map(|(d, k)| KeptWriters::load(d, k))
        .transpose()
    {
        Ok(k) => k.flatten(),
        Err(e) => {
            if !ctx.quiet {
                eprintln!("hosp-logs: warning: {e}");
            }
            None
        }
    };
    // with --since, read the baseline period too, unless the kept state covers it; without
    // --since the window starts at the first request and there is nothing before it
    let mut read = window;
    if let (Some(b), Some(since)) = (settings.baseline_us, window.since_us) {
        if !kept.as_ref().is_some_and(|k| k.covers(since - b, since)) {
            read.since_us = Some(since - b);
        }
    }
    let input = match found {
        Some(i) if read.since_us == window.since_us => i,
        first => {
            // the window's own listing (and the S3 downloads it started ahead) is let go
            // before the wider one starts, not held to the end of the run
            drop(first);
            ctx.discover(&read)?
        }
    };
    let analysis = Security {
        settings,
        rules: args.rules.clone(),
        min_severity: min_severity(&args),
        since_us: window.since_us,
        until_us: window.until_us,
        baseline: true,
        kept: kept.clone(),
    };
    let job = Job {
        window: read,
        ..ctx.job()
    };
    let ran = engine::run_local(&analysis, &job, &input, local)?;
    ctx.warn_about_input(&ran.input);
    let mut run = ran.report;
    if let Some((dir, key)) = &place {
        if let Some(s) = &mut run.report.baseline.state {
            s.file = Some(KeptWriters::path(dir, key).display().to_string());
        }
        match not_recorded(&ran.input, &run.spans) {
            Some(why) => {
                if !ctx.quiet && !run.spans.is_empty() {
                    eprintln!(
                        "hosp-logs: warning: this run is not recorded in the kept baseline: {why}"
                    );
                }
            }
            None => {
                let mut k = kept.unwrap_or_else(|| KeptWriters::new(key));
                let starts: Vec<i64> = [read.since_us, window.since_us]
                    .into_iter()
                    .flatten()
                    .collect();
                let ends: Vec<i64> = read.until_us.into_iter().collect();
                let spans = kept::to_bounds(run.spans.clone(), &starts, &ends);
                k.record(&spans, std::mem::take(&mut run.writers));
                if let Err(e) = k.save(dir) {
                    if !ctx.quiet {
                        eprintln!("hosp-logs: warning: the kept baseline was not saved: {e}");
                    }
                }
            }
        }
    }
    let out = Analysis {
        report: run.report,
        window: run.window,
        excluded: 0,
        input: ran.input,
    };
    ctx.emit(&out)?;
    let status = status(&args, run.requests, out.report.max_severity);
    Ok(ctx.outcome(status, &out.input))
}

/// `security` answered from the store at `dir`: the window's per-client state from its
/// minutes, and with --since the baseline period's (the `--baseline` before it) from the
/// store too, made the run's `before` as a raw read of both makes it. The kept baseline
/// (`--state`) is neither read nor written: the store holds the history itself.
fn from_store(
    global: &GlobalArgs,
    args: &SecurityArgs,
    loaded: Settings,
    dir: &std::path::Path,
) -> anyhow::Result<ExitStatus> {
    let settings = security_settings(args, &loaded)?;
    let make = |w: &Window| -> anyhow::Result<Security> {
        Ok(Security {
            settings,
            rules: args.rules.clone(),
            min_severity: min_severity(args),
            since_us: w.since_us,
            until_us: w.until_us,
            baseline: true,
            kept: None,
        })
    };
    let before = |a: &Security, p: &mut SecurityPartial, at: &Loaded<'_>| -> anyhow::Result<()> {
        let (Some(b), Some(since)) = (a.settings.baseline_us, a.since_us) else {
            return Ok(());
        };
        let period = Window {
            since_us: Some(since - b),
            until_us: Some(since),
        };
        let (earlier, _, _) = store_kept::load(at.store, a, at.format, &period, at.only)?;
        let (before, seen) = earlier.into_before();
        p.before = before;
        p.seen.merge(seen);
        Ok(())
    };
    let (ran, _) =
        super::store::run_from_store_with(global, &args.input, None, loaded, dir, make, before)?;
    let run = ran.report;
    let out = Analysis {
        report: run.report,
        window: run.window,
        excluded: 0,
        input: ran.input,
    };
    emit(&out, args.input.format, Style::detect())?;
    Ok(status(args, run.requests, out.report.max_severity))
}
