//! GitHub-flavoured Markdown (for $GITHUB_STEP_SUMMARY and pull requests).

use std::io::{self, Write};

use super::{sanitize, Document};

pub fn write(doc: &Document, out: &mut dyn Write) -> io::Result<()> {
    if !doc.title.is_empty() {
        writeln!(out, "## {}\n", cell(&doc.title))?;
    }
    if !doc.summary.is_empty() {
        writeln!(out, "| | |\n|---|---|")?;
        for (k, v) in &doc.summary {
            writeln!(out, "| {} | {} |", cell(k), cell(v))?;
        }
        writeln!(out)?;
    }
    for s in &doc.sections {
        writeln!(out, "### {}\n", cell(&s.title))?;
        writeln!(
            out,
            "| {} |",
            s.headers
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        writeln!(out, "|{}", "---|".repeat(s.headers.len()))?;
        for row in &s.rows {
            writeln!(
                out,
                "| {} |",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            )?;
        }
        writeln!(out)?;
    }
    for n in &doc.notes {
        writeln!(out, "{}  ", cell(n))?;
    }
    Ok(())
}

/// Text made inert in a Markdown table cell: no pipes, no HTML, no control characters.
fn cell(text: &str) -> String {
    sanitize(text, 200)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "\\`")
}
