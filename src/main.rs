use std::process::ExitCode;

use clap::Parser;
use hosp_logs::cli::{broken_pipe, exit_status_for, run, Cli};
use hosp_logs::error::ExitStatus;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            });
        }
    };
    match run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        // the reader went away (`| head`): a normal end, quiet and 0, as ripgrep does
        Err(err) if broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let text = format!("{err:#}");
            eprintln!(
                "hosp-logs: error: {}",
                hosp_logs::render::sanitize(&text, 2000)
            );
            ExitCode::from(exit_status_for(&err).code())
        }
    }
}
