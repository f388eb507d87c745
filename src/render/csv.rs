//! CSV of a report's main table. Cells that a spreadsheet would run as a formula are
//! neutralised with a leading apostrophe (OWASP's advice for CSV injection).

use std::io::{self, Write};

use super::Document;

pub fn write(doc: &Document, out: &mut dyn Write) -> io::Result<()> {
    let Some(main) = doc.sections.first() else {
        return Ok(());
    };
    write_row(out, &main.headers)?;
    for row in &main.rows {
        write_row(out, row)?;
    }
    Ok(())
}

pub fn write_row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| quote(&neutralise(c))).collect();
    writeln!(out, "{}", line.join(","))
}

/// `=1+1` → `'=1+1`; numbers such as `-1.5` stay numbers.
pub fn neutralise(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formulas_but_not_numbers() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+cmd"), "'+cmd");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-1.5"), "-1.5");
        assert_eq!(neutralise("-x"), "'-x");
        assert_eq!(neutralise("GET /notes"), "GET /notes");
    }

    #[test]
    fn quotes_when_needed() {
        let mut out = Vec::new();
        write_row(&mut out, &["a,b".into(), "say \"hi\"".into(), "=1".into()]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",'=1\n"
        );
    }
}
