//! `hosp-logs collect`: reads sources into the store of per-minute partials (src/store).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::context::{Context, Settings};
use super::hops;
use super::input::{find_files, InputArgs};
use super::slo::SloFlags;
use super::GlobalArgs;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::slo::SloConfig;
use crate::render::{self, Document, Report, Section};
use crate::source::s3::{S3Context, S3Error};
use crate::store::collect::{self as store_collect, Group, Summary};
use crate::store::kept::Keep;
use crate::store::{self, slo as store_slo, Store};
use crate::window::parse_duration;

/// `--store DIR` and `--no-store`, for the commands that answer from the store.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Store")]
pub struct StoreArgs {
    /// Answer from the store in DIR (see `hosp-logs collect`); with --source, the objects it
    /// has not seen are collected first. Default: config [store] path, else read the logs
    #[arg(long = "store", value_name = "DIR", conflicts_with = "no_store")]
    pub dir: Option<PathBuf>,
    /// Read the logs even when the config has a [store]
    #[arg(long)]
    pub no_store: bool,
}

impl StoreArgs {
    /// The store an analysis answers from: `--store`, else the config's `[store] path`;
    /// none with `--no-store`.
    pub fn answer_from(&self, settings: &Settings) -> Option<PathBuf> {
        if self.no_store {
            return None;
        }
        self.dir.clone().or(settings.config.store.path.clone())
    }
}

/// The store `collect` and `store` use: `--store`, else the config's, else the XDG data
/// folder's.
pub fn store_dir(flag: Option<&PathBuf>, settings: &Settings) -> anyhow::Result<PathBuf> {
    flag.cloned()
        .or(settings.config.store.path.clone())
        .or_else(store::default_dir)
        .ok_or_else(|| {
            UsageError(
                "no store folder: pass --store DIR (HOME and XDG_DATA_HOME are unset)".into(),
            )
            .into()
        })
}

const EXAMPLES: &str = "\
Examples:
  hosp-logs collect --config hosp-logs.toml  # every source and hop of the config
  hosp-logs collect --source logs/ --store /var/lib/hosp-logs/store
  hosp-logs collect --source logs/ --keep slo  # the SLO counts only: fastest, smallest
  hosp-logs collect --source logs/ --keep latency,errors,report

--keep names the analyses whose partials the store keeps (default: config [store] keep, else
all); the SLO counts are always kept. An answer needing one the store does not keep for every
object is refused (exit 2): `hosp-logs store rebuild --keep …` collects the sources again.";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CollectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub slo: SloFlags,
    /// The store's folder. Default: config [store] path, else $XDG_DATA_HOME/hosp-logs/store
    /// (~/.local/share/hosp-logs/store)
    #[arg(long = "store", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// How long to wait for another collect on the same store before giving up (exit 2)
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub wait: String,
    /// The analyses whose partials the store keeps, comma-separated: latency, errors,
    /// backends, traffic, edge, retries, gate, security, audit, report; `all`, or `slo` for
    /// the SLO counts only (always kept). Default: config [store] keep, else all
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub keep: Option<Vec<String>>,
}

/// The analyses a collect keeps: `--keep`, else the config's `[store] keep`, else all; an
/// unknown name is refused (exit 2), naming it and the valid ones.
pub fn keep(flag: Option<&[String]>, settings: &Settings) -> Result<Keep, UsageError> {
    match flag {
        Some(names) => Keep::parse(names.iter().map(String::as_str))
            .map_err(|e| UsageError(format!("--keep: {e}"))),
        None => match &settings.config.store.keep {
            Some(names) => Keep::parse(names.iter().map(String::as_str))
                .map_err(|e| UsageError(format!("config [store] keep: {e}"))),
            None => Ok(Keep::all()),
        },
    }
}

impl Report for Summary {
    fn document(&self) -> Document {
        let o = &self.objects;
        let mut summary = vec![
            ("store".to_string(), self.store.clone()),
            (
                "objects".to_string(),
                format!(
                    "{} seen, {} ingested, {} unchanged, {} replaced",
                    o.seen, o.ingested, o.unchanged, o.replaced
                ),
            ),
            ("requests ingested".to_string(), self.requests.to_string()),
        ];
        if let (Some(f), Some(l)) = (&self.minutes.first, &self.minutes.last) {
            summary.push(("minutes".to_string(), format!("{f} to {l}")));
        }
        summary.push((
            "complete through".to_string(),
            self.complete_through.clone().unwrap_or_else(|| "-".into()),
        ));
        summary.push(("late rows".to_string(), self.late_rows.to_string()));
        let failed = Section {
            title: "Not read whole (the next collect reads them again)".into(),
            headers: vec!["source".into(), "reason".into()],
            rows: self
                .failed
                .iter()
                .map(|f| vec![f.source.clone(), f.reason.clone()])
                .collect(),
        };
        Document {
            title: "Collect".into(),
            summary,
            sections: if self.failed.is_empty() {
                Vec::new()
            } else {
                vec![failed]
            },
            notes: vec![
                "Objects are known by a hash of their content and size: a copy under another path is not counted twice; a path whose content changed replaces its earlier object.".into(),
                "S3 objects are known by bucket, key, ETag and size, from the listing: a known object is not downloaded again; a key whose ETag changed replaces its earlier object.".into(),
            ],
        }
    }
}

/// What a collect reads: `sources` (else the config's [source] paths and every hop's
/// sources), each group with its own format settings: local files and S3 objects (one S3
/// client for all), not stdin.
fn groups(ctx: &Context, sources: &[String], hops: &[hops::HopSpec]) -> anyhow::Result<Vec<Group>> {
    let run = ctx
        .local()
        .ok_or_else(|| UsageError("collect reads logs locally".into()))?;
    let mut wanted: Vec<(Vec<String>, crate::engine::LocalSettings)> = Vec::new();
    if !sources.is_empty() {
        wanted.push((sources.to_vec(), run.clone()));
    }
    for h in hops {
        wanted.push((h.sources.clone(), h.settings(run)));
    }
    let mut groups = Vec::new();
    let s3 = ctx.s3_options().cloned().unwrap_or_default();
    let mut client: Option<std::sync::Arc<S3Context>> = None;
    for (sources, settings) in wanted {
        if sources.iter().any(|s| s == "-") {
            return Err(UsageError(
                "collect reads files, folders and s3:// prefixes, not stdin: an object is known by its identity, and a stream has none to keep".into(),
            )
            .into());
        }
        let s3_client = || -> Result<std::sync::Arc<S3Context>, S3Error> {
            match &client {
                Some(c) => Ok(std::sync::Arc::clone(c)),
                None => S3Context::new(&s3),
            }
        };
        let (found, objects) = find_files(
            &sources,
            &ctx.window,
            settings.log_format.fixed(),
            s3_client,
        )?;
        if let Some((c, _)) = objects {
            client.get_or_insert(c);
        }
        groups.push(Group {
            files: found.files,
            settings,
        });
    }
    Ok(groups)
}

/// The SLO settings the store's counts are made with, and their fingerprint.
pub fn fingerprint(settings: &Settings, slo: &SloConfig) -> String {
    store_slo::fingerprint(
        slo,
        &settings.config.exclude.user_agents,
        &settings.config.exclude.client_cidrs,
    )
}

/// What the kept partials depend on (see [`crate::store::kept::fingerprint`]).
pub fn kept_fingerprint(settings: &Settings) -> String {
    let c = &settings.config;
    crate::store::kept::fingerprint(
        &c.exclude.user_agents,
        &c.exclude.client_cidrs,
        &c.routes.templates,
    )
}

/// Collects `sources` (else the config's and its hops') into the store at `dir`, keeping the
/// partials of the analyses `keep` names.
pub fn collect_into(
    ctx: &Context,
    dir: &std::path::Path,
    sources: &[String],
    slo: SloConfig,
    keep: &Keep,
    nginx_flag: Option<&str>,
    wait: Duration,
) -> anyhow::Result<Summary> {
    let hop_specs = if sources.is_empty() {
        hops::configured(&ctx.settings, nginx_flag)?
    } else {
        Vec::new()
    };
    let own = if sources.is_empty() {
        ctx.settings.config.source.paths.clone()
    } else {
        sources.to_vec()
    };
    let groups = groups(ctx, &own, &hop_specs)?;
    let mut store = Store::open_collect(dir, wait)?;
    let print = fingerprint(&ctx.settings, &slo);
    store.check_settings(&print, &store_slo::describe_fingerprint(&print))?;
    store.set_setting("slo", &print)?;
    let kept = kept_fingerprint(&ctx.settings);
    store.check_kept_settings(&kept)?;
    store.set_setting("kept", &kept)?;
    // the [security] settings matter to the security state kept only, and only while every
    // object of the store keeps it (else it is refused whatever the settings)
    if keep.keeps("security") {
        let security = ctx.settings.security.fold_fingerprint();
        let held = crate::store::kept::held_kinds(&store)?;
        if held.is_none_or(|h| h.iter().any(|k| k == "security")) {
            crate::store::kept::check_security_settings(&store, &security)?;
        }
        store.set_setting(crate::store::kept::SECURITY_SETTING, &security)?;
    }
    let threads = ctx.local().map_or(2, |s| s.threads);
    let summary = store_collect::collect(
        &mut store,
        &groups,
        &ctx.settings.routes,
        &ctx.settings.exclude,
        slo,
        &ctx.settings.security,
        keep,
        super::input::now().timestamp(),
        threads,
    )?;
    if !ctx.quiet {
        if !summary.kinds_dropped.is_empty() {
            eprintln!(
                "hosp-logs: warning: the store {} no longer answers {}: its earlier objects keep them, the ones this collect added do not (it keeps {}); `hosp-logs store rebuild --keep …` collects the sources again with them",
                dir.display(),
                summary.kinds_dropped.join(", "),
                keep.names().join(",")
            );
        }
        for f in &summary.failed {
            eprintln!(
                "hosp-logs: warning: {}: not read whole, not recorded (the next collect reads it again): {}",
                render::sanitize(&f.source, 200),
                render::sanitize(&f.reason, 200)
            );
        }
        if summary.malformed > 0 {
            eprintln!(
                "hosp-logs: warning: {} of {} lines of the objects ingested were malformed and left out",
                summary.malformed, summary.lines
            );
        }
    }
    Ok(summary)
}

/// `--wait`, checked.
pub fn wait(text: &str) -> Result<Duration, UsageError> {
    parse_duration(text)
        .filter(|us| *us >= 0)
        .map(|us| Duration::from_micros(us as u64))
        .ok_or_else(|| UsageError(format!("--wait {text:?}: expected a duration such as 10s")))
}

pub fn run(global: &GlobalArgs, args: CollectArgs) -> anyhow::Result<ExitStatus> {
    let settings = Settings::load(global.config.as_deref())?;
    let dir = store_dir(args.store.as_ref(), &settings)?;
    let wait = wait(&args.wait)?;
    let keep = keep(args.keep.as_deref(), &settings)?;
    // the context's sources: what it reads (for its settings): ours, else the config's,
    // else the hops'
    let mut base: Vec<String> = args.input.sources.clone();
    if base.is_empty() {
        base = settings.config.source.paths.clone();
    }
    if base.is_empty() {
        base = settings
            .config
            .hops
            .iter()
            .flat_map(|h| h.sources.clone())
            .collect();
    }
    if base.is_empty() {
        return Err(UsageError(
            "nothing to collect: pass --source PATH, or set [source] paths or [[hops]] in the config"
                .into(),
        )
        .into());
    }
    let ctx = Context::with_sources(global, &args.input, settings, base)?;
    let slo = args.slo.config(&ctx.settings)?;
    let summary = collect_into(
        &ctx,
        &dir,
        &args.input.sources,
        slo,
        &keep,
        args.input.nginx_log_format.as_deref(),
        wait,
    )?;
    ctx.emit(&summary)?;
    Ok(if summary.failed.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Failure
    })
}
