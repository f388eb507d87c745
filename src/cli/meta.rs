//! Commands about the tool itself: schema, completions, man page.

use std::io::Write;

use clap::CommandFactory;

use super::context::{format_settings, Settings};
use super::{Cli, GlobalArgs};
use crate::error::ExitStatus;
use crate::format::{FileFormat, FormatId, LogFormat, Role};

/// The columns `query` and `export` see for a format (ALB by default; nginx's follow its
/// log_format), or with `roles` the roles the analyses read and the field each comes from.
pub fn schema(
    global: &GlobalArgs,
    format: Option<LogFormat>,
    nginx_log_format: Option<&str>,
    roles: bool,
) -> anyhow::Result<ExitStatus> {
    let id = format
        .and_then(LogFormat::fixed)
        .unwrap_or(FormatId::FALLBACK);
    let settings = Settings::load(global.config.as_deref())?;
    let file = FileFormat::for_file(
        id,
        &[],
        &format_settings(&settings.config, nginx_log_format)?,
    );
    let mut out = std::io::stdout().lock();
    if roles {
        for r in Role::ALL {
            let from = if file.roles().contains(*r) {
                crate::format::role_source(id, *r)
            } else {
                "(not in this format)"
            };
            writeln!(out, "{:<16} {:<46} {}", r.name(), from, r.doc())?;
        }
        return Ok(ExitStatus::Ok);
    }
    for c in file.columns() {
        writeln!(
            out,
            "{:<26} {:<24} {}",
            c.name,
            format!("{}", c.kind.dtype()),
            c.doc
        )?;
    }
    Ok(ExitStatus::Ok)
}

/// The completion script, made in memory (clap_complete panics on a failed write) and then
/// written: a closed pipe is an error the caller ends on quietly.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "hosp-logs", &mut script);
    write_stdout(&script)?;
    Ok(ExitStatus::Ok)
}

pub fn man() -> anyhow::Result<ExitStatus> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    write_stdout(&page)?;
    Ok(ExitStatus::Ok)
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
