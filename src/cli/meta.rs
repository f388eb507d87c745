//! Commands about the tool itself: schema, completions, man page.

use std::io::Write;

use clap::CommandFactory;

use super::Cli;
use crate::error::ExitStatus;
use crate::frame::Col;

pub fn schema() -> anyhow::Result<ExitStatus> {
    let mut out = std::io::stdout().lock();
    for c in Col::ALL {
        writeln!(
            out,
            "{:<26} {:<24} {}",
            c.name(),
            format!("{}", c.kind().dtype()),
            c.doc()
        )?;
    }
    Ok(ExitStatus::Ok)
}

pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "hosp-logs", &mut std::io::stdout());
    Ok(ExitStatus::Ok)
}

pub fn man() -> anyhow::Result<ExitStatus> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
    Ok(ExitStatus::Ok)
}
