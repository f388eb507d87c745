//! `hosp-logs report`: the daily report. One read of the logs (the union of every analysis'
//! columns), every analysis run on that one frame, the SLO counted from the same frame; then
//! index.html, summary.json and the PNG charts written to one folder.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use super::context::{emit, Context, Settings};
use super::errors::plan;
use super::input::InputArgs;
use super::slo::SloFlags;
use super::GlobalArgs;
use crate::engine::InputStats;
use crate::error::ExitStatus;
use crate::metrics::backends::{Backends, BackendsReport};
use crate::metrics::daily::{
    self, ChartInfo, DailyReport, SloSeries, StatusClasses, StatusClassesOverTime,
};
use crate::metrics::errors::{Errors, ErrorsConfig, ErrorsReport};
use crate::metrics::latency::{Latency, LatencyConfig, LatencyField, LatencyReport};
use crate::metrics::security::{Security, SecurityRun, Severity};
use crate::metrics::slo::SloConfig;
use crate::metrics::slos::{SloAnswer, Slos};
use crate::metrics::traffic::{Traffic, TrafficReport};
use crate::render::chart::{self, TimeAxis, HEIGHT, WIDTH};
use crate::render::Style;
use crate::render::{html, percent, Document, Report, Section};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder to write index.html, summary.json and the charts into; `{date}` becomes the
    /// UTC day of the window's last second
    #[arg(long, default_value = "reports/{date}", value_name = "DIR")]
    pub out: String,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Bucket for the over-time charts (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Rows per table
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

/// A report in memory: the document, its charts and its page.
pub struct Built {
    pub report: DailyReport,
    pub pngs: Vec<Vec<u8>>,
    pub html: String,
    pub json: String,
}

pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<ExitStatus> {
    let settings = Settings::load(global.config.as_deref())?;
    if let Some(dir) = args.store.answer_from(&settings) {
        let built = super::store::report(global, &args, settings, &dir)?;
        let summary = written(&args, &built)?;
        emit(&summary, args.input.format, Style::detect())?;
        return Ok(ExitStatus::Ok);
    }
    let ctx = Context::with_settings(global, &args.input, None, settings)?;
    let built = build(&ctx, &args)?;
    let summary = written(&args, &built)?;
    ctx.emit(&summary)?;
    Ok(ctx.outcome(ExitStatus::Ok, &built.report.input))
}

/// The report written to its folder: what was written, and the SLOs' verdicts.
fn written(args: &ReportArgs, built: &Built) -> anyhow::Result<Written> {
    let out = out_dir(&args.out, built.report.window.end.as_deref());
    let files = write(&out, built)?;
    let summary = Written {
        out: out.display().to_string(),
        files,
        slo_met: built.report.slo.met,
        success_rate: built.report.slo.success_rate,
        budget_remaining_fraction: built.report.slo.error_budget.remaining_fraction,
        outages: built.report.slo_series.outages.len(),
        slos: built
            .report
            .slos
            .iter()
            .map(|a| WrittenSlo {
                name: a.name.clone(),
                met: a.report.met,
                success_rate: a.report.success_rate,
                budget_remaining_fraction: a.report.error_budget.remaining_fraction,
            })
            .collect(),
    };
    Ok(summary)
}

/// Reads once, running every analysis over the same requests, and builds everything.
pub fn build(ctx: &Context, args: &ReportArgs) -> anyhow::Result<Built> {
    let defs = args.slo.defs(&ctx.settings)?;
    let cfg = defs[0].config;
    let plan = plan(ctx, args.bucket.as_deref())?;
    // the SLOs and security see every request; the other analyses only user traffic
    let analyses = (
        Slos::new(defs),
        Security::overall(
            ctx.settings.security.clone(),
            Severity::Low,
            ctx.window.until_us,
        ),
        Errors {
            config: ErrorsConfig {
                include_4xx: false,
                slow_ms: 1000.0,
                top: args.top.max(10),
            },
            plan,
        },
        Latency {
            config: LatencyConfig {
                field: LatencyField::Total,
                top: args.top,
            },
            plan,
        },
        Backends { plan },
        Traffic {
            top: args.top,
            plan,
        },
        StatusClassesOverTime { plan },
    );
    let ran = ctx.run_local(&analyses, &ctx.window)?;
    let (slos, security, errors, latency, backends, traffic, status_classes) = ran.report;
    let mut report = assemble(
        Parts {
            slos,
            security,
            errors,
            latency,
            backends,
            traffic,
            status_classes,
        },
        ran.excluded,
        ran.input,
        &cfg,
    );
    // the Path section: each configured hop read once more, over the same window
    let specs = super::hops::configured(&ctx.settings, args.input.nginx_log_format.as_deref())?;
    if !specs.is_empty() {
        let (path, failed) = super::hops::read(ctx, &specs, cfg, plan)?;
        if !failed.is_empty() && !ctx.allow_partial() {
            return Err(anyhow::anyhow!(
                "hop(s) {} could not be read whole for the report's Path section (--allow-partial accepts that)",
                failed.join(", ")
            ));
        }
        report.path = Some(path);
    }
    // the Migration section: each configured system read once more, over the same window
    let systems =
        super::migration::configured(&ctx.settings, args.input.nginx_log_format.as_deref())?;
    if !systems.is_empty() {
        let (mut cutover, failed) = super::migration::read(ctx, &systems, cfg, plan)?;
        if !failed.is_empty() && !ctx.allow_partial() {
            return Err(anyhow::anyhow!(
                "system(s) {} could not be read whole for the report's Migration section (--allow-partial accepts that)",
                failed.join(", ")
            ));
        }
        cutover.top = args.top;
        report.migration = Some(cutover);
    }
    draw(report, &cfg, args.top)
}

/// What every analysis of the report gave (read raw, or from the store).
pub struct Parts {
    pub slos: Vec<SloAnswer>,
    pub security: SecurityRun,
    pub errors: ErrorsReport,
    pub latency: LatencyReport,
    pub backends: BackendsReport,
    pub traffic: TrafficReport,
    pub status_classes: Vec<StatusClasses>,
}

/// The report's document from its analyses' answers (no charts, no Path section yet).
pub fn assemble(parts: Parts, excluded: u64, input: InputStats, cfg: &SloConfig) -> DailyReport {
    let Parts {
        mut slos,
        security,
        errors,
        latency,
        backends,
        traffic,
        status_classes,
    } = parts;
    for a in &mut slos {
        a.report.input = input.clone();
    }
    let slo = slos[0].report.clone();
    let bucket_us = errors.bucket_us;
    let latency_histogram = daily::latency_histogram(&latency.histogram, LatencyField::Total);
    let axis = TimeAxis::of(&slo.window);
    let slo_series = daily::slo_series(&slo.counts, axis.start, axis.end, bucket_us, cfg.target);
    DailyReport {
        title: "HOSP daily report".into(),
        generated_at: slo.window.end.clone(),
        generator: format!("hosp-logs {}", env!("CARGO_PKG_VERSION")),
        window: slo.window.clone(),
        excluded,
        input,
        slo,
        slos,
        errors,
        latency,
        backends,
        traffic,
        security: Some(security.report),
        slo_series,
        status_classes,
        latency_histogram,
        charts: Vec::new(),
        path: None,
        path_not_answered: None,
        migration: None,
        migration_not_answered: None,
    }
}

/// The report's charts, page and JSON.
pub fn draw(mut report: DailyReport, cfg: &SloConfig, top: usize) -> anyhow::Result<Built> {
    let bucket_us = report.errors.bucket_us;
    let axis = TimeAxis::of(&report.slo.window);
    let (infos, pngs) = charts(&report, &axis.aligned(bucket_us), bucket_us, cfg)?;
    report.charts = infos;
    let shown: Vec<html::Chart<'_>> = report
        .charts
        .iter()
        .zip(&pngs)
        .map(|(info, png)| html::Chart {
            info,
            png,
            width: WIDTH,
            height: HEIGHT,
        })
        .collect();
    let html = html::page(&report, &shown, top);
    let json = serde_json::to_string_pretty(&report)? + "\n";
    Ok(Built {
        report,
        pngs,
        html,
        json,
    })
}

type Drawn = (Vec<ChartInfo>, Vec<Vec<u8>>);

fn charts(
    r: &DailyReport,
    axis: &TimeAxis,
    bucket_us: i64,
    cfg: &SloConfig,
) -> anyhow::Result<Drawn> {
    let mut infos = Vec::new();
    let mut pngs = Vec::new();
    let mut add = |file: &str, title: &str, description: String, png: Vec<u8>| {
        infos.push(ChartInfo {
            file: file.into(),
            title: title.into(),
            description,
        });
        pngs.push(png);
    };
    let s: &SloSeries = &r.slo_series;
    let one = |draw: &dyn Fn(&chart::Area<'_>) -> anyhow::Result<()>| {
        chart::render(WIDTH, HEIGHT, |a| draw(a))
    };
    let outages = match s.outages.len() {
        0 => "no outage".to_string(),
        n => format!(
            "{n} outage{} shaded ({})",
            if n == 1 { "" } else { "s" },
            s.outages
                .iter()
                .map(|o| format!("{} to {}", o.start, o.end))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    add(
        "success-rate.png",
        "Success rate against the SLO",
        format!(
            "Success rate per {} bucket against the {} target; {}. Over the window: {}.",
            s.bucket,
            chart::pct_label(s.target * 100.0),
            outages,
            percent(r.slo.success_rate)
        ),
        one(&|a| chart::slo::success_rate(a, s))?,
    );
    add(
        "error-budget.png",
        "Error budget burn-down",
        format!(
            "Error budget left over the window, as a percent of the window's allowance \
             ((1 − target) × valid requests), against an even burn; {} left at the end{}.",
            percent(r.slo.error_budget.remaining_fraction),
            s.budget_exhausted_at
                .as_deref()
                .map(|t| format!(", spent at {t}"))
                .unwrap_or_default()
        ),
        one(&|a| chart::slo::budget(a, s))?,
    );
    add(
        "status-classes.png",
        "Requests by status class",
        format!(
            "Requests per {} bucket, stacked by the status class the client received (2xx, 3xx, 4xx, 5xx, none).",
            r.errors.bucket
        ),
        one(&|a| {
            chart::traffic::status_classes(a, &r.status_classes, axis, &r.errors.bucket, bucket_us)
        })?,
    );
    add(
        "errors-5xx.png",
        "5XX over time",
        format!(
            "5XX responses per {} bucket: {} ALB-generated (no target response) and {} target-generated.",
            r.errors.bucket, r.errors.alb_generated, r.errors.target_generated
        ),
        one(&|a| chart::errors::over_time(a, &r.errors, axis, bucket_us))?,
    );
    add(
        "top-failing-endpoints.png",
        "Top failing endpoints",
        "The endpoints with the most 5XX responses, split into ALB- and target-generated, with each endpoint's 5XX rate.".into(),
        one(&|a| chart::errors::top_endpoints(a, &r.errors, 10))?,
    );
    if let Some(sec) = &r.security {
        add(
            "security-findings.png",
            "Security findings by rule and severity",
            format!(
                "Findings of the security rules over all traffic, one per client and rule, stacked by severity; {} listed, {} below low not listed.",
                sec.findings.len(),
                sec.hidden
            ),
            one(&|a| chart::security::by_rule(a, sec))?,
        );
    }
    add(
        "latency-percentiles.png",
        "Latency percentiles over time",
        format!(
            "p50, p90 and p99 of the total latency per {} bucket on a log scale; overall p50 {}, p99 {}.",
            r.latency.bucket,
            r.latency.overall.p50.map_or("n/a".into(), chart::ms_label),
            r.latency.overall.p99.map_or("n/a".into(), chart::ms_label)
        ),
        one(&|a| chart::latency::over_time(a, &r.latency, axis, bucket_us))?,
    );
    add(
        "latency-histogram.png",
        "Latency histogram",
        "Requests per latency bin (log-spaced), with the overall p50, p90 and p99 marked.".into(),
        one(&|a| {
            chart::latency::histogram(
                a,
                &r.latency_histogram,
                &r.latency,
                cfg.latency_threshold_ms,
            )
        })?,
    );
    add(
        "backends-share.png",
        "Backends: share of traffic",
        format!(
            "Each target group's share of the requests per {} bucket: the migration, over time.",
            r.backends.bucket
        ),
        one(&|a| chart::backends::share(a, &r.backends, axis, bucket_us))?,
    );
    add(
        "backends-latency.png",
        "Backends: latency",
        "p50 and p99 latency of each target group, side by side, on a log scale.".into(),
        one(&|a| chart::backends::latency(a, &r.backends))?,
    );
    add(
        "traffic.png",
        "Traffic",
        format!(
            "Requests per {} bucket, encrypted (https, h2) vs plain HTTP; {} plain over the window.",
            r.traffic.bucket,
            percent(Some(r.traffic.plain_http.share))
        ),
        one(&|a| chart::traffic::encryption(a, &r.traffic, axis, bucket_us))?,
    );
    if let Some(path) = &r.path {
        add(
            "path-success.png",
            "Success rate at each hop",
            format!(
                "Success rate (good / valid) per {} bucket at each hop, outermost first; over the window {}.",
                path.bucket,
                path.hops
                    .iter()
                    .map(|h| format!("{} {}", h.name, percent(h.success_rate)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            one(&|a| {
                let axis = TimeAxis::of(&path.window).aligned(path.bucket_us);
                chart::hops::success_by_hop(a, path, &axis, path.bucket_us)
            })?,
        );
    }
    if let Some(m) = &r.migration {
        let axis = TimeAxis::of(&m.window).aligned(m.bucket_us);
        add(
            "migration-share.png",
            "The cut-over: each system's share",
            format!(
                "Each system's share of the requests of the moving routes ({}) per {} bucket, stacked to 100 %.",
                if m.moving_routes.is_empty() {
                    "none".to_string()
                } else {
                    m.moving_routes.join(", ")
                },
                m.bucket
            ),
            one(&|a| crate::render::migration::share(a, m, &axis, m.bucket_us))?,
        );
        add(
            "migration-success.png",
            "The cut-over: each system's success rate",
            format!(
                "Success rate (good / valid, as the SLO judges) of each system on the moving routes per {} bucket; over the window {}.",
                m.bucket,
                m.systems
                    .iter()
                    .map(|s| format!("{} {}", s.name, percent(s.success_rate)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            one(&|a| crate::render::migration::success(a, m, &axis, m.bucket_us))?,
        );
    }
    Ok((infos, pngs))
}

/// `--out` with `{date}` replaced by the UTC day of the window's last second.
pub fn out_dir(template: &str, end: Option<&str>) -> PathBuf {
    let day = end
        .and_then(chart::parse_time)
        .and_then(|t| chrono::DateTime::from_timestamp_micros(t - 1))
        .unwrap_or_else(super::input::now)
        .format("%Y-%m-%d")
        .to_string();
    PathBuf::from(template.replace("{date}", &day))
}

/// Writes the report's files; returns their names.
pub fn write(out: &Path, b: &Built) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files = Vec::new();
    for (info, png) in b.report.charts.iter().zip(&b.pngs) {
        chart::write_png(&out.join(&info.file), png)?;
        files.push(info.file.clone());
    }
    for (name, text) in [("summary.json", &b.json), ("index.html", &b.html)] {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        files.push(name.into());
    }
    files.sort();
    Ok(files)
}

/// What `report` prints on stdout.
#[derive(Debug, Serialize)]
pub struct Written {
    pub out: String,
    pub files: Vec<String>,
    pub slo_met: bool,
    pub success_rate: Option<f64>,
    pub budget_remaining_fraction: Option<f64>,
    pub outages: usize,
    /// Every SLO: `{name, met, success_rate, budget_remaining_fraction}`.
    pub slos: Vec<WrittenSlo>,
}

/// One SLO in what `report` prints.
#[derive(Debug, Serialize)]
pub struct WrittenSlo {
    pub name: String,
    pub met: bool,
    pub success_rate: Option<f64>,
    pub budget_remaining_fraction: Option<f64>,
}

impl Report for Written {
    fn document(&self) -> Document {
        Document {
            title: "HOSP daily report".into(),
            summary: vec![
                ("Written to".into(), self.out.clone()),
                (
                    "SLO".into(),
                    format!(
                        "{} (success rate {})",
                        if self.slo_met { "met" } else { "NOT met" },
                        percent(self.success_rate)
                    ),
                ),
                (
                    "Error budget left".into(),
                    percent(self.budget_remaining_fraction),
                ),
                ("Outages".into(), self.outages.to_string()),
            ]
            .into_iter()
            .chain(
                self.slos
                    .iter()
                    .skip(usize::from(self.slos.len() == 1))
                    .map(|s| {
                        (
                            format!("SLO {}", s.name),
                            format!(
                                "{} (success rate {}, budget left {})",
                                if s.met { "met" } else { "NOT met" },
                                percent(s.success_rate),
                                percent(s.budget_remaining_fraction)
                            ),
                        )
                    }),
            )
            .collect(),
            sections: vec![Section {
                title: "Files".into(),
                headers: vec!["File".into()],
                rows: self.files.iter().map(|f| vec![f.clone()]).collect(),
            }],
            notes: vec!["open index.html in a browser; summary.json holds every number.".into()],
        }
    }
}
