//! `hosp-logs gate`: exit 0 when every check passes, 3 when one is breached, 4 when the gate
//! cannot evaluate (no valid request, or an input that could not be read).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::context::Context;
use super::input::InputArgs;
use super::GlobalArgs;
use crate::config::{parse_latency_ms, parse_rate, parse_target};
use crate::error::{ExitStatus, UsageError};
use crate::metrics::gate::{
    evaluate, parse_max_findings, parse_slo_check, Gate, GateConfig, SloCheck, Verdict,
};
use crate::metrics::security::{Security, Severity};
use crate::metrics::slos::Slos;
use crate::render::analysis::Analysis;
use crate::render::{markdown, Report};

#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Minimum success rate, percent (99.0) or fraction, of the first SLO; NAME=TARGET (repeatable)
    /// for a named SLO of the config's [[slo]] or --slo-spec. Default: config [gate] slo
    #[arg(long, value_name = "PERCENT|NAME=PERCENT", value_parser = parse_slo_check)]
    pub slo: Vec<SloCheck>,
    /// Read the SLOs from OpenSLO v1 documents (YAML or JSON) instead of the config's
    /// [slo] / [[slo]]
    #[arg(long, value_name = "FILE")]
    pub slo_spec: Option<PathBuf>,
    /// Maximum p99 latency (3s, 800ms). Default: config [gate] max_p99
    #[arg(long, value_name = "DURATION")]
    pub max_p99: Option<String>,
    /// Maximum share of 5XX answers (1%, 0.01). Default: config [gate] max_5xx_rate
    #[arg(long = "max-5xx-rate", value_name = "RATE")]
    pub max_5xx_rate: Option<String>,
    /// At most N security findings at or above SEVERITY (repeatable), e.g. high=0
    #[arg(long, value_name = "SEVERITY=N", value_parser = parse_max_findings)]
    pub max_findings: Vec<(Severity, u64)>,
    /// Also write the checks as JUnit XML to this file
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: GateArgs) -> anyhow::Result<ExitStatus> {
    let settings = super::context::Settings::load(global.config.as_deref())?;
    let g = &settings.gate;
    let defs = settings.slo_defs(None, None, args.slo_spec.as_deref())?;
    let mut plain = None;
    let mut named = Vec::new();
    for c in &args.slo {
        match c {
            SloCheck::Plain(t) if plain.is_none() => plain = Some(parse_target(*t)?),
            SloCheck::Plain(_) => {
                return Err(UsageError(
                    "--slo TARGET given twice: name the other SLOs (--slo NAME=TARGET)".into(),
                )
                .into())
            }
            SloCheck::Named(name, t) => {
                if !defs.iter().any(|d| &d.name == name) {
                    return Err(UsageError(format!(
                        "--slo {name}=…: no SLO of that name (the SLOs: {})",
                        defs.iter()
                            .map(|d| d.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .into());
                }
                if !named.iter().any(|(n, _): &(String, f64)| n == name) {
                    named.push((name.clone(), *t));
                }
            }
        }
    }
    let named_defs: Vec<_> = named
        .iter()
        .filter_map(|(n, _)| defs.iter().find(|d| &d.name == n).cloned())
        .collect();
    let gate = GateConfig {
        named,
        slo: plain.or(g.slo),
        max_p99_ms: args
            .max_p99
            .as_deref()
            .map(parse_latency_ms)
            .transpose()?
            .or(g.max_p99_ms),
        max_5xx_rate: args
            .max_5xx_rate
            .as_deref()
            .map(parse_rate)
            .transpose()?
            .or(g.max_5xx_rate),
        max_findings: args.max_findings.clone(),
    };
    if gate.is_empty() {
        return Err(UsageError(
            "no check to run: pass --slo [NAME=]TARGET, --max-p99, --max-5xx-rate or --max-findings, or set the first three in the config's [gate]".into(),
        )
        .into());
    }
    let analysis = Gate {
        named: Slos::new(named_defs),
        slo: defs[0].config,
        security: Security::overall(settings.security.clone(), Severity::Info, None),
        gate,
    };
    // from the store (--store, config [store]), else the logs
    let (ran, analysis, ctx) = match args.store.answer_from(&settings) {
        Some(dir) => {
            // --max-findings: the window's security state from `security`'s partials
            let (ran, analysis) = super::store::run_from_store_with(
                global,
                &args.input,
                None,
                settings,
                &dir,
                |_| Ok(analysis),
                |a, p, at| {
                    if !a.gate.max_findings.is_empty() {
                        p.set_security(at.load(&a.security, at.window)?);
                    }
                    Ok(())
                },
            )?;
            (ran, analysis, None)
        }
        None => {
            let ctx = Context::with_settings(global, &args.input, None, settings)?;
            let ran = ctx.run_local(&analysis, &ctx.window)?;
            (ran, analysis, Some(ctx))
        }
    };
    let report = evaluate(&analysis.gate, &ran.report, &ran.input);
    let verdict = report.verdict;
    let (window, excluded) = (report.window.clone(), report.excluded);
    let out = Analysis {
        report,
        window,
        excluded,
        input: ran.input,
    };
    if let Some(path) = &args.junit {
        let mut f =
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
        crate::render::gate::write_junit(&out.report, &mut f)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .with_context(|| {
                format!(
                    "appending to $GITHUB_STEP_SUMMARY ({})",
                    summary.to_string_lossy()
                )
            })?;
        markdown::write(&out.document(), &mut f).context("writing the GitHub step summary")?;
    }
    let status = match verdict {
        Verdict::Pass => ExitStatus::Ok,
        Verdict::Breach => ExitStatus::Breach,
        Verdict::NoData => ExitStatus::NoData,
    };
    Ok(match ctx {
        Some(ctx) => {
            ctx.emit(&out)?;
            ctx.outcome(status, &out.input)
        }
        None => {
            super::context::emit(&out, args.input.format, crate::render::Style::detect())?;
            status
        }
    })
}
