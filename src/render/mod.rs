//! Output: every report renders as a table (default), JSON, CSV or Markdown.
//! Reports describe themselves as a `Document` (headline + titled tables); JSON comes from serde.
//! Log-derived text is hostile: `sanitize` runs on every cell bound for a terminal.

pub mod analysis;
pub mod audit;
pub mod backends;
pub mod chart;
pub mod csv;
pub mod dashboard;
pub mod edge;
pub mod errors;
pub mod frame;
pub mod gate;
pub mod hops;
pub mod html;
pub mod latency;
pub mod markdown;
pub mod migration;
pub mod retries;
pub mod security;
pub mod slo;
pub mod table;
pub mod traffic;

use std::io::{self, Write};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human tables (comfy-table)
    #[default]
    Table,
    /// One JSON document (for jq and scripts)
    Json,
    /// The report's main table as CSV (formula cells neutralised)
    Csv,
    /// Headline and tables as GitHub Markdown
    Markdown,
}

/// A titled table.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a report shows, independent of the format.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// Headline key/value pairs.
    pub summary: Vec<(String, String)>,
    /// The first section is the report's main table (the one CSV carries).
    pub sections: Vec<Section>,
    /// Definitions and footnotes.
    pub notes: Vec<String>,
}

pub trait Report: Serialize {
    fn document(&self) -> Document;
}

/// Output settings decided once from flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && io::stdout().is_terminal(),
        }
    }
}

pub fn write(
    report: &impl Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Table => table::write(&report.document(), style, out),
        Format::Csv => csv::write(&report.document(), out),
        Format::Markdown => markdown::write(&report.document(), out),
    }
}

pub use crate::terminal::sanitize;

/// Formats a fraction as a percent with enough digits for SLO work: 0.99012 → "99.012%".
pub fn percent(f: Option<f64>) -> String {
    match f {
        Some(f) => format!("{:.3}%", f * 100.0),
        None => "n/a".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_controls_and_escapes() {
        assert_eq!(sanitize("ok\u{1b}[31mred\u{1b}[0m", 80), "okred");
        assert_eq!(sanitize("a\u{1b}]0;title\u{7}b", 80), "ab");
        assert_eq!(sanitize("line\nbreak\r\t\u{0}", 80), "linebreak");
        assert_eq!(sanitize("abc\u{202e}def", 80), "abcdef");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("abc", 3), "abc");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(Some(0.99012)), "99.012%");
        assert_eq!(percent(None), "n/a");
    }
}
