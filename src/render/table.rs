//! Terminal tables with comfy-table.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use super::{sanitize, Document, Style};

/// Longest cell shown on a terminal; the full value is in the JSON/CSV output.
const MAX_CELL: usize = 120;

pub fn write(doc: &Document, style: Style, out: &mut dyn Write) -> io::Result<()> {
    if !doc.title.is_empty() {
        writeln!(out, "{}", heading(&doc.title, style))?;
    }
    if !doc.summary.is_empty() {
        let mut t = new_table(style);
        for (k, v) in &doc.summary {
            t.add_row(vec![
                Cell::new(sanitize(k, MAX_CELL)),
                Cell::new(sanitize(v, MAX_CELL)),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    for s in &doc.sections {
        writeln!(out)?;
        writeln!(out, "{}", heading(&s.title, style))?;
        let mut t = new_table(style);
        t.set_header(s.headers.iter().map(|h| sanitize(h, MAX_CELL)));
        for row in &s.rows {
            t.add_row(row.iter().map(|c| {
                let cell = Cell::new(sanitize(c, MAX_CELL));
                if looks_numeric(c) {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        writeln!(out, "{t}")?;
    }
    if !doc.notes.is_empty() {
        writeln!(out)?;
        for n in &doc.notes {
            writeln!(out, "{}", sanitize(n, usize::MAX))?;
        }
    }
    Ok(())
}

fn new_table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    if !style.color {
        t.force_no_tty();
    }
    t
}

fn heading(text: &str, style: Style) -> String {
    let text = sanitize(text, MAX_CELL * 2);
    if style.color {
        format!("\u{1b}[1m{text}\u{1b}[0m")
    } else {
        text
    }
}

fn looks_numeric(s: &str) -> bool {
    let s = s.trim_end_matches('%');
    !s.is_empty() && s.parse::<f64>().is_ok()
}
