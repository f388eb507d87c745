//! `hosp-logs migration`: the systems of `[[systems]]` side by side, route by route.

use clap::Args;

use super::context::{format_settings, Context, Settings};
use super::errors::plan;
use super::input::InputArgs;
use super::slo::SloFlags;
use super::GlobalArgs;
use crate::config::Config;
use crate::engine::{Finish, InputStats, LocalSettings, Seen};
use crate::error::{ExitStatus, UsageError};
use crate::format::{FormatId, FormatSettings, HopPosition};
use crate::metrics::buckets::BucketPlan;
use crate::metrics::migration::{self, MigrationReport, SystemPartial, SystemRead, SystemTraffic};
use crate::metrics::slo::SloConfig;
use crate::render::chart::{self, TimeAxis};
use crate::render::sanitize;

const MIGRATION_HELP: &str = "\
The systems come from the config's [[systems]] (name, log_format, sources; an ALB system may
narrow itself to target_groups). Each is read once for the window in its own format. Valid and
good are the SLO's ([slo], [exclude], --target, --latency-threshold). See docs/migration.md.

Examples:
  hosp-logs migration --config fixtures/migration.toml
  hosp-logs migration --config fixtures/migration.toml --format json | jq '.routes[0]'
  hosp-logs migration --config hosp-logs.toml --since 24h --bucket 1h --chart cutover.png";

#[derive(Debug, Args)]
#[command(after_help = MIGRATION_HELP)]
pub struct MigrationArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Routes in the table (JSON always has every route)
    #[arg(long, default_value_t = 30)]
    pub top: usize,
    /// Also draw the cut-over (each system's share and success rate over time) into a PNG file
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<std::path::PathBuf>,
}

/// One system, resolved: its name, format, sources, target groups and format settings.
#[derive(Debug, Clone)]
pub struct SystemSpec {
    pub name: String,
    pub format: FormatId,
    pub sources: Vec<String>,
    pub target_groups: Vec<String>,
    pub formats: FormatSettings,
}

/// The config's `[[systems]]`, checked before anything is read.
pub fn resolve(config: &Config, nginx_flag: Option<&str>) -> Result<Vec<SystemSpec>, UsageError> {
    if config.systems.is_empty() {
        return Err(UsageError(
            "no systems: `migration` compares the systems of the config's [[systems]] (name, log_format, sources; see docs/migration.md); pass --config FILE with them".into(),
        ));
    }
    let formats = format_settings(config, nginx_flag)?;
    let mut specs: Vec<SystemSpec> = Vec::new();
    for s in &config.systems {
        if s.name.trim().is_empty() {
            return Err(UsageError("[[systems]]: a system without a name".into()));
        }
        let what = format!("[[systems]] `{}`", s.name);
        if specs.iter().any(|x| x.name == s.name) {
            return Err(UsageError(format!("{what}: two systems have this name")));
        }
        let Some(format) = s.log_format.fixed() else {
            return Err(UsageError(format!(
                "{what}: log_format must name the format (alb, apigw, nginx or cloudfront), not auto"
            )));
        };
        if s.sources.is_empty() {
            return Err(UsageError(format!("{what}: no sources")));
        }
        // a load balancer's backend is its target group; other formats' is something else
        // (CloudFront's host header, nginx's upstream address)
        if !s.target_groups.is_empty() && format.hop() != HopPosition::LoadBalancer {
            return Err(UsageError(format!(
                "{what}: target_groups narrow a load balancer's log (log_format = \"alb\"), not {}'s",
                format.title()
            )));
        }
        specs.push(SystemSpec {
            name: s.name.clone(),
            format,
            sources: s.sources.clone(),
            target_groups: s.target_groups.clone(),
            formats: formats.clone(),
        });
    }
    Ok(specs)
}

/// The config's systems for the report's Migration section: none without `[[systems]]`.
pub fn configured(
    settings: &Settings,
    nginx_flag: Option<&str>,
) -> Result<Vec<SystemSpec>, UsageError> {
    if settings.config.systems.is_empty() {
        return Ok(Vec::new());
    }
    resolve(&settings.config, nginx_flag)
}

/// Reads every system once over the context's window and puts them side by side. Returns the
/// report and the systems that could not be read whole (named on stderr).
pub fn read(
    ctx: &Context,
    specs: &[SystemSpec],
    slo: SloConfig,
    plan: BucketPlan,
) -> anyhow::Result<(MigrationReport, Vec<String>)> {
    let run_settings = ctx
        .local()
        .ok_or_else(|| UsageError("migration reads logs locally only".into()))?
        .clone();
    let mut reads = Vec::new();
    let mut seen = Seen::default();
    let mut failed = Vec::new();
    for spec in specs {
        let analysis = SystemTraffic {
            slo,
            plan,
            target_groups: spec.target_groups.clone(),
        };
        let settings = LocalSettings {
            log_format: spec.format.log_format(),
            formats: spec.formats.clone(),
            ..run_settings.clone()
        };
        let (part, input, error) = match ctx.run_local_on(&analysis, &spec.sources, &settings) {
            Ok(ran) => {
                let errors = ran.input.source_errors.len();
                let error = (errors > 0).then(|| {
                    format!(
                        "{errors} input(s) could not be read whole (see input.{}.source_errors)",
                        spec.name
                    )
                });
                (ran.report, ran.input, error)
            }
            Err(e) if super::hops::source_failure(&e) => (
                empty(&analysis),
                InputStats::default(),
                Some(format!("{e:#}")),
            ),
            Err(e) => return Err(e.context(format!("system `{}`", spec.name))),
        };
        if let Some(err) = &error {
            eprintln!(
                "hosp-logs: error: system `{}` could not be read: {}",
                sanitize(&spec.name, 100),
                sanitize(err, 500)
            );
            failed.push(spec.name.clone());
        }
        seen.merge(Seen {
            excluded: part.excluded,
            first_us: part.first_us,
            last_us: part.last_us,
        });
        reads.push(SystemRead {
            name: spec.name.clone(),
            format: spec.format,
            part,
            input,
            error,
            sources: spec.sources.clone(),
        });
    }
    let end = Finish {
        window: ctx.window,
        seen,
    };
    let bucket_us = plan.bucket(end.span_us());
    Ok((
        migration::build(reads, end.window_info(), bucket_us),
        failed,
    ))
}

fn empty(a: &SystemTraffic) -> SystemPartial {
    use crate::engine::Analysis;
    a.partial()
}

pub fn run(global: &GlobalArgs, args: MigrationArgs) -> anyhow::Result<ExitStatus> {
    if !args.input.sources.is_empty() || args.input.log_format.is_some() {
        return Err(UsageError(
            "migration reads each system's own sources in its own format: configure [[systems]], not --source/--log-format".into(),
        )
        .into());
    }
    let settings = Settings::load(global.config.as_deref())?;
    let specs = resolve(&settings.config, args.input.nginx_log_format.as_deref())?;
    let sources: Vec<String> = specs.iter().flat_map(|s| s.sources.clone()).collect();
    let ctx = Context::with_sources(global, &args.input, settings, sources)?;
    let slo = args.slo.config(&ctx.settings)?;
    let plan = plan(&ctx, args.bucket.as_deref())?;
    let (mut report, failed) = read(&ctx, &specs, slo, plan)?;
    report.top = args.top;
    ctx.emit(&report)?;
    if let Some(path) = &args.chart {
        let axis = TimeAxis::of(&report.window).aligned(report.bucket_us);
        let png = crate::render::migration::figure_png(&report, &axis, report.bucket_us)?;
        chart::write_png(path, &png)?;
    }
    Ok(super::hops::partial_exit(&ctx, "system(s)", &failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_resolve_and_bad_ones_are_refused() {
        let fixture = Config::parse(include_str!("../../fixtures/migration.toml")).unwrap();
        let specs = resolve(&fixture, None).unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["legacy", "apigw"]);
        assert_eq!(specs[0].target_groups, ["hosp-legacy"]);
        let none = resolve(&Config::default(), None).unwrap_err();
        assert!(none.0.contains("[[systems]]"), "{none}");
        let system = |body: &str| {
            Config::parse(&format!(
                "[[systems]]\nname = \"a\"\nlog_format = \"alb\"\nsources = [\"x\"]\n[[systems]]\n{body}"
            ))
            .unwrap()
        };
        for (body, why) in [
            (
                "name = \"a\"\nlog_format = \"apigw\"\nsources = [\"y\"]",
                "two systems",
            ),
            (
                "name = \"b\"\nlog_format = \"auto\"\nsources = [\"y\"]",
                "not auto",
            ),
            (
                "name = \"b\"\nlog_format = \"apigw\"\nsources = []",
                "no sources",
            ),
            (
                "name = \"b\"\nlog_format = \"apigw\"\nsources = [\"y\"]\ntarget_groups = [\"t\"]",
                "load balancer",
            ),
            (
                "name = \" \"\nlog_format = \"apigw\"\nsources = [\"y\"]",
                "without a name",
            ),
        ] {
            let err = resolve(&system(body), None).unwrap_err();
            assert!(err.0.contains(why), "{body}: {err}");
        }
        assert!(Config::parse("[[systems]]\nname = \"a\"\nlog_format = \"alb\"\nsources = [\"x\"]\ntarget_group = [\"t\"]\n").is_err());
    }
}
