//! `hosp-logs query`: ad hoc SQL over the logs, the table `logs` with the documented columns.
//! The SQL comes from the argument, from stdin, or from an interactive prompt on a terminal.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::athena::{rows_to_frame, AthenaArgs};
use super::context::{Context, Where};
use super::input::InputArgs;
use super::GlobalArgs;
use crate::engine::athena::{run_query, AthenaClient};
use crate::engine::local::load_frame;
use crate::error::{ExitStatus, UsageError};
use crate::metrics::query::{is_blank, pick, plan, split_statements, Session, TABLE};
use crate::render::frame::FrameReport;
use crate::render::{sanitize, Format};
use crate::sql::Query;

const QUERY_HELP: &str = "\
The table is `logs`; its columns are the typed schema (`hosp-logs schema`). Only the columns the
SQL names are read (all of them for `SELECT *`). The window, --source and the config's [exclude]
apply as in every command: excluded traffic is not in the table.

Examples:
  hosp-logs query -s logs/ \"SELECT endpoint, count(*) AS n FROM logs WHERE elb_status_code >= 500 GROUP BY endpoint ORDER BY n DESC\"
  hosp-logs query -s logs/ --since 1h -f json \"SELECT client_ip, count(*) AS n FROM logs GROUP BY client_ip ORDER BY n DESC LIMIT 10\"
  echo \"SELECT max(latency_ms) FROM logs\" | hosp-logs query -s logs/
  hosp-logs query -s logs/        # on a terminal: a prompt; end statements with ';', \\q or Ctrl-D quits

With --engine athena the SQL runs in Amazon Athena as written, over the table `athena setup`
made (default hosp_logs.alb_access_logs; put the window in the SQL: day = 'yyyy/MM/dd' prunes
partitions):
  hosp-logs query --engine athena \"SELECT elb_status_code, count(*) AS n FROM alb_access_logs WHERE day = '2026/11/20' GROUP BY 1\"

A bad query (syntax, unknown column or table) is a usage error: exit 2.";

#[derive(Debug, Args)]
#[command(after_help = QUERY_HELP)]
pub struct QueryArgs {
    /// One SQL statement over the table `logs`. Without it: an interactive prompt when stdin
    /// and stdout are a terminal, else the SQL is read from stdin
    #[arg(value_name = "SQL")]
    pub sql: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub athena: AthenaArgs,
    /// Rows shown by --format table and markdown (0: all); csv and json have every row
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_rows: usize,
}

pub fn run(global: &GlobalArgs, args: QueryArgs) -> anyhow::Result<ExitStatus> {
    let logs_on_stdin = args.input.sources.iter().any(|s| s == "-");
    let sql = match args.sql.clone() {
        Some(sql) => sql,
        None if logs_on_stdin => {
            return Err(UsageError(
                "with --source - the logs come from stdin: pass the SQL as an argument".into(),
            )
            .into())
        }
        None if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => {
            return interactive(global, &args);
        }
        None => read_stdin()?,
    };
    let sql = one_statement(&sql)?;
    if args.athena.engine == super::athena::Engine::Athena {
        return run_athena(global, &args, sql);
    }
    let ctx = Context::new(global, &args.input, None)?;
    let (df, _excluded, stats) = read(&ctx, |defs| plan(&sql, defs))?;
    let result = Session::new(df).run(&sql)?;
    ctx.emit(&report(result, &args))?;
    Ok(ctx.outcome(ExitStatus::Ok, &stats))
}

/// Reads the window into one frame of the columns `columns` picks from the inputs' format
/// (checked before any log is read), with the config's [exclude] left out.
fn read(
    ctx: &Context,
    columns: impl FnOnce(&[crate::format::ColumnDef]) -> Result<Vec<usize>, UsageError>,
) -> anyhow::Result<(polars::prelude::DataFrame, u64, crate::engine::InputStats)> {
    let input = ctx.discover(&ctx.window)?;
    let format = ctx.frame_format(&input.files)?;
    let defs = format.columns();
    let cols = columns(&defs)?;
    let Some(settings) = ctx.local() else {
        return Err(UsageError("query reads logs locally here".into()).into());
    };
    let opts = settings.load_options(ctx.window, &ctx.settings.routes, None, None);
    let (df, excluded, stats) =
        load_frame(&input.files, &opts, &format, &cols, &ctx.settings.exclude)?;
    let stats = input.finish_stats(stats);
    ctx.warn_about_input(&stats);
    // the table the query sees is exactly the one `plan` checked
    let names: Vec<String> = pick(&defs, &cols).into_iter().map(|d| d.name).collect();
    Ok((df.select(names)?, excluded, stats))
}

/// The SQL goes to Athena as written (the user's own query, over the table `athena setup`
/// made); the rows come back typed by Athena's column types.
fn run_athena(global: &GlobalArgs, args: &QueryArgs, sql: String) -> anyhow::Result<ExitStatus> {
    if args.input.since.is_some() || args.input.until.is_some() {
        return Err(UsageError(
            "with --engine athena the window goes in the SQL: WHERE day = '2026/11/20' AND time >= '2026-11-20T10:00:00Z'".into(),
        )
        .into());
    }
    let ctx = Context::new(global, &args.input, Some(&args.athena))?;
    let Where::Athena(settings) = &ctx.engine else {
        return Err(UsageError("--engine athena expected".into()).into());
    };
    let query = Query {
        sql,
        parameters: Vec::new(),
    };
    if settings.print_sql {
        crate::engine::athena::print_sql(&query)?;
        return Ok(ExitStatus::Ok);
    }
    let client = AthenaClient::new(&settings.client)?;
    let rows = run_query(&client, &query, ctx.quiet)?;
    ctx.emit(&report(rows_to_frame(&rows)?, args))?;
    Ok(ExitStatus::Ok)
}

/// The result as a report; only the terminal formats are cut at --max-rows.
fn report(df: polars::prelude::DataFrame, args: &QueryArgs) -> FrameReport {
    let cut = matches!(args.input.format, Format::Table | Format::Markdown) && args.max_rows > 0;
    FrameReport::new(df).with_max_rows(cut.then_some(args.max_rows))
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| UsageError(format!("reading the SQL from stdin: {e}")))?;
    Ok(text)
}

/// The one statement in `text` (a trailing `;` is fine); none or several is a usage error.
fn one_statement(text: &str) -> Result<String, UsageError> {
    let (mut stmts, rest) = split_statements(text);
    if !is_blank(&rest) {
        stmts.push(rest.trim().to_string());
    }
    stmts.retain(|s| !is_blank(s));
    match stmts.len() {
        1 => Ok(stmts.remove(0)),
        0 => Err(UsageError(
            "no SQL: pass a query such as \"SELECT count(*) FROM logs\", or pipe one to stdin"
                .into(),
        )),
        n => Err(UsageError(format!(
            "query: one statement at a time, got {n}"
        ))),
    }
}

/// The prompt: the frame is loaded once (every column), then statements run until `\q` or
/// Ctrl-D. A statement ends with `;` and may span lines; errors print and the prompt goes on.
fn interactive(global: &GlobalArgs, args: &QueryArgs) -> anyhow::Result<ExitStatus> {
    use rustyline::error::ReadlineError;

    let ctx = Context::new(global, &args.input, None)?;
    let (df, excluded, _stats) = read(&ctx, |defs| Ok((0..defs.len()).collect()))?;
    if !global.quiet {
        eprintln!(
            "hosp-logs: {} requests in table `{TABLE}`{}. End statements with ';'; \\q or Ctrl-D quits.",
            df.height(),
            if excluded > 0 {
                format!(" ({excluded} excluded by the config)")
            } else {
                String::new()
            }
        );
    }
    let mut session = Session::new(df);
    let mut editor = rustyline::DefaultEditor::new().context("starting the prompt")?;
    let history = history_path();
    if let Some(path) = &history {
        // a first session has no history yet
        let _ = editor.load_history(path);
    }
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "hosp-logs> "
        } else {
            "       ..> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && matches!(line.trim(), "\\q" | "quit" | "exit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                let (stmts, rest) = split_statements(&buffer);
                for stmt in stmts.iter().filter(|s| !is_blank(s)) {
                    let _ = editor.add_history_entry(format!("{stmt};"));
                    match session.run(stmt) {
                        Ok(df) => ctx.emit(&report(df, args))?,
                        Err(e) => eprintln!("hosp-logs: error: {}", sanitize(&e.0, 2000)),
                    }
                }
                buffer = if is_blank(&rest) { String::new() } else { rest };
            }
            // Ctrl-C drops the statement being typed, as in psql
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e).context("reading the prompt"),
        }
    }
    if let Some(path) = &history {
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|_| editor.save_history(path).map_err(|e| e.to_string()));
        if let Err(e) = saved {
            if !global.quiet {
                eprintln!(
                    "hosp-logs: warning: could not save the history to {}: {e}",
                    path.display()
                );
            }
        }
    }
    Ok(ExitStatus::Ok)
}

/// `$XDG_STATE_HOME/hosp-logs/history`, else `~/.local/state/hosp-logs/history`.
fn history_path() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let state = absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".local").join("state")))?;
    Some(state.join("hosp-logs").join("history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_takes_a_trailing_semicolon() {
        assert_eq!(
            one_statement("SELECT 1 FROM logs;\n").unwrap(),
            "SELECT 1 FROM logs"
        );
        assert_eq!(one_statement(" SELECT 1 ").unwrap(), "SELECT 1");
        assert!(one_statement(" ;\n-- nothing\n").is_err());
        assert!(one_statement("SELECT 1; SELECT 2").is_err());
    }
}
