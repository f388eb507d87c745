//! `hosp-logs audit`

use clap::Args;

use super::context::{emit, Context, Settings};
use super::input::InputArgs;
use super::GlobalArgs;
use crate::error::ExitStatus;
use crate::metrics::audit::{Audit, AuditFilter, AuditKept};
use crate::render::Style;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this client: an address or network (203.0.113.66, 10.99.0.0/24) or a user-agent
    /// glob ('python-requests/*'). Repeatable
    #[arg(long = "client", value_name = "IP|CIDR|UA-GLOB")]
    pub clients: Vec<String>,
    /// Only this endpoint: a path prefix on whole segments (/notes matches /notes/12), a
    /// template (/patients/{id}/screen) or a glob. Repeatable
    #[arg(long = "endpoint", value_name = "PATH")]
    pub endpoints: Vec<String>,
    /// Only these methods (repeatable or comma-separated); "write" and "read" stand for
    /// POST/PUT/PATCH/DELETE and the rest
    #[arg(long = "method", value_delimiter = ',', value_name = "METHOD")]
    pub methods: Vec<String>,
    /// Only these statuses: 201, 4xx, 400-499 (repeatable or comma-separated)
    #[arg(long = "status", value_delimiter = ',', value_name = "STATUS")]
    pub statuses: Vec<String>,
    /// One line per client (reads, writes, failures, first/last seen), no events
    #[arg(long)]
    pub summary: bool,
    /// Events per client (0: all)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub limit: usize,
    #[command(flatten)]
    pub store: super::collect::StoreArgs,
}

pub fn run(global: &GlobalArgs, args: AuditArgs) -> anyhow::Result<ExitStatus> {
    let filter = AuditFilter::new(
        &args.clients,
        &args.endpoints,
        &args.methods,
        &args.statuses,
    )?;
    let analysis = Audit {
        filter,
        summary: args.summary,
        limit: args.limit,
    };
    let settings = Settings::load(global.config.as_deref())?;
    if let Some(dir) = args.store.answer_from(&settings) {
        // the store keeps every client's counts and the writes' rows: what it cannot answer
        // is refused before anything is collected
        let (ran, _) =
            super::store::run_from_store(global, &args.input, None, settings, &dir, |_| {
                Ok(AuditKept { audit: analysis })
            })?;
        emit(&ran, args.input.format, Style::detect())?;
        return Ok(ExitStatus::Ok);
    }
    let ctx = Context::with_settings(global, &args.input, None, settings)?;
    let ran = ctx.run_local(&analysis, &ctx.window)?;
    ctx.emit(&ran)?;
    Ok(ctx.outcome(ExitStatus::Ok, &ran.input))
}
