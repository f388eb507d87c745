//! `hosp-logs hops`

use std::sync::Arc;

use clap::Args;

use super::context::{format_settings, Context, Settings};
use super::errors::plan;
use super::input::InputArgs;
use super::slo::SloFlags;
use super::GlobalArgs;
use crate::config::{Config, HopSection};
use crate::engine::{Finish, InputStats, LocalSettings, Seen};
use crate::error::{ExitStatus, InputError, UsageError};
use crate::format::{FileFormat, FormatId, FormatSettings, HopPosition, RoleSet};
use crate::metrics::buckets::BucketPlan;
use crate::metrics::hops::{self, BranchRoutes, Hop, HopPartial, HopRead, HopsReport};
use crate::metrics::slo::SloConfig;
use crate::render::sanitize;

const HOPS_HELP: &str = "\
Each hop is read once for the window, in its own format (nginx with its own log_format).
Hops come from the config's [[hops]] (outermost first), or from --hop NAME=FORMAT:SOURCE
(repeatable; a NAME given twice reads both sources as one hop). The edge (cloudfront) and the
proxy (nginx) are joined on CloudFront's x-edge-request-id = nginx's $http_x_amz_cf_id; the load
balancer (alb) and the proxy on the Root= of the trace id = nginx's $http_x_amzn_trace_id. An
apigw hop is a second branch behind the edge (the routes API Gateway served): joined on
$context.authorizer.cfId where its log has CloudFront's id, else compared per minute.

Examples:
  hosp-logs hops --config fixtures/hosp-logs.toml
  hosp-logs hops --config fixtures/hosp-logs.toml --format json | jq .failed_at
  hosp-logs hops --hop edge=cloudfront:fixtures/day/cloudfront --hop lb=alb:fixtures/day/AWSLogs
  hosp-logs hops --hop edge=cloudfront:s3://hosp-cf-logs/prod/ --hop proxy=nginx:/var/log/nginx/ --since 24h --allow-partial
  hosp-logs hops --hop edge=cloudfront:day/cloudfront --hop lb=alb:day/AWSLogs --hop api=apigw:day/apigw";

#[derive(Debug, Args)]
#[command(after_help = HOPS_HELP)]
pub struct HopsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A hop: NAME=FORMAT:SOURCE (FORMAT cloudfront, alb, nginx or apigw; SOURCE as --source),
    /// outermost first. Repeatable. Default: the config's [[hops]]
    #[arg(long = "hop", value_name = "NAME=FORMAT:SOURCE")]
    pub hops: Vec<String>,
    #[command(flatten)]
    pub slo: SloFlags,
    /// Bucket for the over-time view (1m, 5m, 1h). Default: chosen from the window
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// List every over-time bucket of every hop in the table (default: one line per hop, a
    /// sparkline and its worst bucket; JSON always has every bucket)
    #[arg(long)]
    pub over_time: bool,
    /// Not answered from a store: hops joins the hops' logs request by request, which the
    /// store does not keep. Refused (exit 2); the config's [store] is noted and the logs read
    #[arg(long = "store", value_name = "DIR", conflicts_with = "no_store")]
    pub store: Option<std::path::PathBuf>,
    /// Read the logs, as hops always does (silences the note about the config's [store])
    #[arg(long)]
    pub no_store: bool,
}

/// Why `hops` is not answered from the store.
const NOT_FROM_STORE: &str = "hops joins the hops' logs request by request (by CloudFront and trace ids), which the store does not keep";

/// One hop, resolved: its name, format, sources and format settings.
#[derive(Debug, Clone)]
pub struct HopSpec {
    pub name: String,
    pub format: FormatId,
    pub sources: Vec<String>,
    pub formats: FormatSettings,
}

impl HopSpec {
    /// The roles its lines fill.
    pub fn roles(&self) -> RoleSet {
        FileFormat::for_file(self.format, &[], &self.formats).roles()
    }

    /// The local engine's settings for this hop: the run's, with its format.
    pub fn settings(&self, run: &LocalSettings) -> LocalSettings {
        LocalSettings {
            log_format: self.format.log_format(),
            formats: self.formats.clone(),
            ..run.clone()
        }
    }
}

/// `NAME=FORMAT:SOURCE`.
fn parse_hop_flag(text: &str) -> Result<(String, FormatId, String), UsageError> {
    let bad = |why: &str| {
        UsageError(format!(
            "--hop {text:?}: {why}; expected NAME=FORMAT:SOURCE, e.g. edge=cloudfront:s3://my-cf-logs/prod/"
        ))
    };
    let (name, rest) = text.split_once('=').ok_or_else(|| bad("no '='"))?;
    let (format, source) = rest.split_once(':').ok_or_else(|| bad("no ':'"))?;
    if name.trim().is_empty() || source.is_empty() {
        return Err(bad("empty name or source"));
    }
    Ok((
        name.trim().to_string(),
        format_id(format, &bad)?,
        source.to_string(),
    ))
}

fn format_id(text: &str, bad: &dyn Fn(&str) -> UsageError) -> Result<FormatId, UsageError> {
    FormatId::from_name(text)
        .ok_or_else(|| bad(&format!("unknown format {text:?} ({})", formats())))
}

/// "cloudfront, alb or nginx": the formats, outermost hop first.
fn formats() -> String {
    let mut all = FormatId::ALL;
    all.sort_by_key(|f| f.hop());
    let names = all.map(FormatId::name);
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The hops: from `--hop` when given (a config hop of the same name lends its format
/// settings), else the config's `[[hops]]`. Checked before anything is read.
pub fn resolve(
    config: &Config,
    flags: &[String],
    nginx_flag: Option<&str>,
) -> Result<Vec<HopSpec>, UsageError> {
    let mut sections: Vec<HopSection> = Vec::new();
    if flags.is_empty() {
        sections = config.hops.clone();
    } else {
        for f in flags {
            let (name, format, source) = parse_hop_flag(f)?;
            match sections.iter_mut().find(|s| s.name == name) {
                Some(s) if s.log_format.fixed() == Some(format) => s.sources.push(source),
                Some(_) => {
                    return Err(UsageError(format!(
                        "--hop {name}: given twice with different formats"
                    )))
                }
                None => sections.push(HopSection {
                    name: name.clone(),
                    log_format: format.log_format(),
                    sources: vec![source],
                    nginx: config
                        .hops
                        .iter()
                        .find(|h| h.name == name)
                        .and_then(|h| h.nginx.clone()),
                }),
            }
        }
    }
    if sections.is_empty() {
        return Err(UsageError(
            "no hops: configure [[hops]] (name, log_format, sources) or pass --hop NAME=FORMAT:SOURCE".into(),
        ));
    }
    let mut specs: Vec<HopSpec> = Vec::new();
    for s in sections {
        let what = format!("hop `{}`", s.name);
        let Some(format) = s.log_format.fixed() else {
            return Err(UsageError(format!(
                "{what}: log_format must be {}",
                formats()
            )));
        };
        if s.name.trim().is_empty() {
            return Err(UsageError("[[hops]]: a hop without a name".into()));
        }
        if specs.iter().any(|h| h.name == s.name) {
            return Err(UsageError(format!("{what}: two hops have this name")));
        }
        if let Some(h) = specs.iter().find(|h| h.format == format) {
            return Err(UsageError(format!(
                "{what}: hop `{}` is already the {} hop; one hop per format (list every source of a hop under it)",
                h.name,
                format.name()
            )));
        }
        if s.sources.is_empty() {
            return Err(UsageError(format!("{what}: no sources")));
        }
        let mut c = config.clone();
        if let Some(n) = &s.nginx {
            c.nginx = n.clone();
        }
        let formats =
            format_settings(&c, nginx_flag).map_err(|e| UsageError(format!("{what}: {}", e.0)))?;
        specs.push(HopSpec {
            name: s.name,
            format,
            sources: s.sources,
            formats,
        });
    }
    Ok(specs)
}

/// The hops of the config (checked), for the commands that measure at one (`slo`, `report`).
pub fn configured(
    settings: &Settings,
    nginx_flag: Option<&str>,
) -> Result<Vec<HopSpec>, UsageError> {
    if settings.config.hops.is_empty() {
        return Ok(Vec::new());
    }
    resolve(&settings.config, &[], nginx_flag)
}

/// Whether an error reading a hop (or a `migration` system) is the source's (unreadable: exit 1
/// unless --allow-partial) rather than the run's (a usage error, `--strict` on a bad line: exit 2).
pub(super) fn source_failure(e: &anyhow::Error) -> bool {
    !e.chain().any(|c| {
        c.is::<UsageError>()
            || matches!(
                c.downcast_ref::<InputError>(),
                Some(InputError::Malformed { .. } | InputError::WrongFormat { .. })
            )
            || matches!(
                c.downcast_ref::<crate::engine::LoadError>(),
                Some(crate::engine::LoadError::Usage(_))
            )
    })
}

/// Reads every hop once over the context's window and joins them. Returns the report and the
/// hops that could not be read whole (named on stderr; their rows carry the error).
pub fn read(
    ctx: &Context,
    specs: &[HopSpec],
    slo: SloConfig,
    plan: BucketPlan,
) -> anyhow::Result<(HopsReport, Vec<String>)> {
    let run_settings = ctx
        .local()
        .ok_or_else(|| UsageError("hops reads logs locally only".into()))?
        .clone();
    let mut reads: Vec<Option<HopRead>> = specs.iter().map(|_| None).collect();
    let mut seen = Seen::default();
    let mut failed = Vec::new();
    // a gateway hop first: the edge's read needs its routes (the branch's lines)
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by_key(|i| specs[*i].format.hop() != HopPosition::Gateway);
    let mut branch: Option<Arc<BranchRoutes>> = None;
    for i in order {
        let spec = &specs[i];
        let analysis = Hop {
            slo,
            format: spec.format,
            branch: branch
                .clone()
                .filter(|_| spec.format.hop() == HopPosition::Edge),
        };
        let settings = spec.settings(&run_settings);
        let (mut part, input, excluded, error) =
            match ctx.run_local_on(&analysis, &spec.sources, &settings) {
                Ok(ran) => {
                    let errors = ran.input.source_errors.len();
                    let error = (errors > 0).then(|| {
                        format!(
                        "{errors} input(s) could not be read whole (see input.{}.source_errors)",
                        spec.name
                    )
                    });
                    (ran.report, ran.input, ran.excluded, error)
                }
                Err(e) if source_failure(&e) => (
                    HopPartial::default(),
                    InputStats::default(),
                    0,
                    Some(format!("{e:#}")),
                ),
                Err(e) => return Err(e.context(format!("hop `{}`", spec.name))),
            };
        if let Some(err) = &error {
            eprintln!(
                "hosp-logs: error: hop `{}` could not be read: {}",
                sanitize(&spec.name, 100),
                sanitize(err, 500)
            );
            failed.push(spec.name.clone());
        }
        // the ids stay until every hop is read: no slack from the per-thread merges
        part.edge_ids.shrink_to_fit();
        part.trace_roots.shrink_to_fit();
        seen.merge(Seen {
            excluded,
            first_us: part.first_us,
            last_us: part.last_us,
        });
        if spec.format.hop() == HopPosition::Gateway {
            branch = Some(Arc::new(part.routes.clone()));
        }
        reads[i] = Some(HopRead {
            name: spec.name.clone(),
            format: spec.format,
            sources: spec.sources.clone(),
            roles: spec.roles(),
            part,
            input,
            excluded,
            error,
        });
    }
    let end = Finish {
        window: ctx.window,
        seen,
    };
    let bucket_us = plan.bucket(end.span_us());
    let reads = reads.into_iter().flatten().collect();
    let report = hops::build(reads, end.window_info(), bucket_us);
    Ok((report, failed))
}

pub fn run(global: &GlobalArgs, args: HopsArgs) -> anyhow::Result<ExitStatus> {
    if !args.input.sources.is_empty() || args.input.log_format.is_some() {
        return Err(UsageError(
            "hops reads each hop's own sources in its own format: use --hop NAME=FORMAT:SOURCE or [[hops]], not --source/--log-format".into(),
        )
        .into());
    }
    let settings = Settings::load(global.config.as_deref())?;
    // the store keeps no request-by-request join: --store is refused, the config's [store]
    // said not to apply (the logs are read, as --no-store does)
    if args.store.is_some() {
        return Err(UsageError(format!(
            "{NOT_FROM_STORE}: it reads the logs only; drop --store"
        ))
        .into());
    }
    if !args.no_store && settings.config.store.path.is_some() && !global.quiet {
        eprintln!(
            "hosp-logs: note: {NOT_FROM_STORE}: it reads the logs, not the config's [store] (--no-store says so and silences this)"
        );
    }
    let specs = resolve(
        &settings.config,
        &args.hops,
        args.input.nginx_log_format.as_deref(),
    )?;
    let sources: Vec<String> = specs.iter().flat_map(|h| h.sources.clone()).collect();
    let ctx = Context::with_sources(global, &args.input, settings, sources)?;
    let slo = args.slo.config(&ctx.settings)?;
    let plan = plan(&ctx, args.bucket.as_deref())?;
    let (mut report, failed) = read(&ctx, &specs, slo, plan)?;
    report.every_bucket = args.over_time;
    ctx.emit(&report)?;
    Ok(partial_exit(&ctx, "hop(s)", &failed))
}

/// The exit of a run over several sources (hops, `migration`'s systems): 1 when some could not
/// be read whole (named on stderr; the results printed are partial) unless --allow-partial.
pub(super) fn partial_exit(ctx: &Context, what: &str, failed: &[String]) -> ExitStatus {
    if !failed.is_empty() && !ctx.allow_partial() {
        eprintln!(
            "hosp-logs: error: {what} {} could not be read whole; the results above are partial (--allow-partial accepts that)",
            failed.join(", ")
        );
        return ExitStatus::Failure;
    }
    ExitStatus::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_and_example_hops_resolve() {
        let fixture = Config::parse(include_str!("../../fixtures/hosp-logs.toml")).unwrap();
        let specs = resolve(&fixture, &[], None).unwrap();
        let names: Vec<&str> = specs.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["edge", "lb", "proxy"]);
        for role in [crate::format::Role::EdgeId, crate::format::Role::TraceId] {
            assert!(specs[2].roles().contains(role), "{role}");
        }
        // the example's commented [[hops]], uncommented
        let example = include_str!("../../hosp-logs.example.toml");
        let tail = &example[example.find("# [[hops]]").unwrap()..];
        // up to the blank line that ends the hops' block (the [[systems]] one follows)
        let tail = &tail[..tail.find("\n\n").unwrap_or(tail.len())];
        let text: String = tail
            .lines()
            .filter(|l| !l.starts_with("# #"))
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(&text).unwrap();
        let specs = resolve(&config, &[], None).unwrap();
        assert_eq!(specs.len(), 3);
        assert!(specs[2].roles().contains(crate::format::Role::EdgeId));
    }

    #[test]
    fn hop_flags_and_config_hops_resolve() {
        assert_eq!(
            parse_hop_flag("edge=cloudfront:s3://b/p/").unwrap(),
            ("edge".into(), FormatId::CloudFront, "s3://b/p/".into())
        );
        for bad in [
            "edge",
            "edge=cloudfront",
            "edge=auto:x",
            "=alb:x",
            "lb=alb:",
        ] {
            assert!(parse_hop_flag(bad).is_err(), "{bad}");
        }
        let config = Config::parse(
            "[[hops]]\nname = \"proxy\"\nlog_format = \"nginx\"\nsources = [\"a\"]\n[hops.nginx]\nlog_format = '$remote_addr $status $http_x_amz_cf_id'\n",
        )
        .unwrap();
        let specs = resolve(&config, &[], None).unwrap();
        assert_eq!(specs.len(), 1);
        assert!(specs[0].roles().contains(crate::format::Role::EdgeId));
        // a flag hop of the same name keeps the config's log_format; a name twice is one hop
        let flags = ["proxy=nginx:x".to_string(), "proxy=nginx:y".to_string()];
        let specs = resolve(&config, &flags, None).unwrap();
        assert_eq!(specs[0].sources, ["x", "y"]);
        assert!(specs[0].roles().contains(crate::format::Role::EdgeId));
        let two = ["a=alb:x".to_string(), "b=alb:y".to_string()];
        assert!(resolve(&config, &two, None)
            .unwrap_err()
            .0
            .contains("one hop per format"));
        assert!(resolve(&Config::default(), &[], None).is_err());
        let bad = Config::parse(
            "[[hops]]\nname = \"p\"\nlog_format = \"nginx\"\nsources = [\"a\"]\n[hops.nginx]\nlog_format = '$'\n",
        )
        .unwrap();
        assert!(resolve(&bad, &[], None)
            .unwrap_err()
            .0
            .starts_with("hop `p`"));
    }
}
