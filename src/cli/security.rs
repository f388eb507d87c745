//! `hosp-logs security`

use std::path::PathBuf;

use clap::Args;

use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::security::kept::{self, default_dir};
use crate::metrics::security::{parse_baseline, KeptWriters, Rule, Security, Severity};
use crate::render::analysis::Analysis;

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
    /// `--since 24h` knows who wrote before without re-reading the baseline period. "off" keeps
    /// nothing. Default: $XDG_STATE_HOME/hosp-logs/security (~/.local/state/hosp-logs/security)
    #[arg(long, value_name = "DIR", env = "HOSP_LOGS_STATE")]
    pub state: Option<PathBuf>,
}

/// The kept baseline's folder: `--state`, "off", or the XDG default.
fn state_dir(flag: Option<&PathBuf>) -> Option<PathBuf> {
    match flag {
        Some(p) if p.as_os_str() == "off" => None,
        Some(p) => Some(p.clone()),
        None => default_dir(),
    }
}

pub fn run(global: &GlobalArgs, args: SecurityArgs) -> anyhow::Result<ExitStatus> {
    let ctx = Context::new(global, &args.input, None)?;
    let mut settings = ctx.settings.security.clone();
    if let Some(b) = &args.baseline {
        settings.baseline_us = parse_baseline(b)?;
    }
    if let Some(n) = args.evidence {
        settings.evidence = n;
    }
    let window = ctx.window;
    let dir = state_dir(args.state.as_ref());
    // a state that cannot be read is named and ignored (it is rewritten after the run)
    let kept = match dir.as_deref().map(KeptWriters::load).transpose() {
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
    let analysis = Security {
        settings,
        rules: args.rules.clone(),
        min_severity: match (args.all, args.min_severity) {
            (true, _) => Severity::Info,
            (false, m) => m.unwrap_or(Severity::Medium),
        },
        since_us: window.since_us,
        until_us: window.until_us,
        baseline: true,
        kept: kept.clone(),
    };
    let ran = ctx.run_local(&analysis, &read)?;
    let mut run = ran.report;
    if let Some(dir) = &dir {
        if let Some(s) = &mut run.report.baseline.state {
            s.file = Some(dir.join(kept::FILE).display().to_string());
        }
        if let Some((start, end)) = run.covered {
            let mut k = kept.unwrap_or_default();
            k.record(start, end, std::mem::take(&mut run.writers));
            if let Err(e) = k.save(dir) {
                if !ctx.quiet {
                    eprintln!("hosp-logs: warning: the kept baseline was not saved: {e}");
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
    let status = match args.fail_on {
        None => ExitStatus::Ok,
        Some(_) if run.requests == 0 => ExitStatus::NoData,
        Some(level) if out.report.max_severity.is_some_and(|m| m >= level) => ExitStatus::Breach,
        Some(_) => ExitStatus::Ok,
    };
    Ok(ctx.outcome(status, &out.input))
}
