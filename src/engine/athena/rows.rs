//! Typed access to Athena's result rows. Each analysis query returns one row per group of
//! several grouping sets; `set_id` (SQL `grouping()`) names the set; the analyses turn the
//! rows into their partials.

use std::collections::HashMap;

use anyhow::{anyhow, Context as _};
use chrono::NaiveDateTime;

use super::client::ResultRows;

/// `grouping(args…)` for a set holding `in_set`: a bit per argument, the first the highest,
/// set when the argument is not in the set.
pub fn set_id(args: &[&str], in_set: &[&str]) -> i64 {
    args.iter().enumerate().fold(0, |id, (i, a)| {
        if in_set.contains(a) {
            id
        } else {
            id | 1 << (args.len() - 1 - i)
        }
    })
}

/// Typed access to result rows by column name.
pub struct Rows<'a> {
    rows: &'a ResultRows,
    index: HashMap<&'a str, usize>,
}

pub type Row = [Option<String>];

impl<'a> Rows<'a> {
    pub fn new(rows: &'a ResultRows) -> Rows<'a> {
        Rows {
            rows,
            index: rows
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str(), i))
                .collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a Row> {
        self.rows.rows.iter().map(Vec::as_slice)
    }

    pub fn text<'r>(&self, row: &'r Row, name: &str) -> anyhow::Result<Option<&'r str>> {
        let i = *self
            .index
            .get(name)
            .ok_or_else(|| anyhow!("the Athena result has no column {name:?}"))?;
        Ok(row.get(i).and_then(|v| v.as_deref()))
    }

    pub fn str(&self, row: &Row, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self.text(row, name)?.map(str::to_string))
    }

    pub fn i64(&self, row: &Row, name: &str) -> anyhow::Result<Option<i64>> {
        self.text(row, name)?
            .map(|t| {
                t.parse::<i64>()
                    .with_context(|| format!("column {name}: {t:?} is not an integer"))
            })
            .transpose()
    }

    /// A count: NULL (an empty sum) is 0.
    pub fn u64(&self, row: &Row, name: &str) -> anyhow::Result<u64> {
        Ok(self.i64(row, name)?.unwrap_or(0).max(0) as u64)
    }

    pub fn f64(&self, row: &Row, name: &str) -> anyhow::Result<Option<f64>> {
        self.text(row, name)?
            .map(|t| {
                t.parse::<f64>()
                    .with_context(|| format!("column {name}: {t:?} is not a number"))
            })
            .transpose()
    }

    pub fn bool(&self, row: &Row, name: &str) -> anyhow::Result<bool> {
        Ok(matches!(self.text(row, name)?, Some("true" | "TRUE" | "1")))
    }

    pub fn set(&self, row: &Row) -> anyhow::Result<i64> {
        self.i64(row, "set_id")?
            .ok_or_else(|| anyhow!("the Athena result has a row without set_id"))
    }

    /// Counts a row of [exclude]d traffic (`x`) or of unparsed lines (`u`) when it belongs to
    /// the query's base set, and says whether the row is one of those (the caller skips it).
    pub fn set_apart(
        &self,
        row: &Row,
        base: bool,
        n: u64,
        apart: &mut Apart,
    ) -> anyhow::Result<bool> {
        if self.bool(row, "u")? {
            if base {
                apart.unparsed += n;
            }
            return Ok(true);
        }
        if self.bool(row, "x")? {
            if base {
                apart.excluded += n;
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Epoch seconds → µs.
    pub fn bucket(&self, row: &Row) -> anyhow::Result<Option<i64>> {
        Ok(self.i64(row, "bucket")?.map(|s| s * 1_000_000))
    }
}

/// What a query counted besides the report: the requests it read in the window (excluded
/// ones included), those the config's [exclude] kept out, and the lines the table's regex
/// could not read (rows of NULLs in Athena).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Apart {
    pub requests: u64,
    pub excluded: u64,
    pub unparsed: u64,
}

/// ALB time text (`2026-11-20T10:00:00.123456Z`, or cut to the second or minute) → µs.
pub fn parse_alb_time(text: &str) -> anyhow::Result<i64> {
    let t = text.trim_end_matches('Z');
    let fmt = match t.len() {
        16 => "%Y-%m-%dT%H:%M",
        19 => "%Y-%m-%dT%H:%M:%S",
        _ => "%Y-%m-%dT%H:%M:%S%.f",
    };
    let parsed = if t.len() == 16 {
        NaiveDateTime::parse_from_str(&format!("{t}:00"), "%Y-%m-%dT%H:%M:%S")
    } else {
        NaiveDateTime::parse_from_str(t, fmt)
    };
    Ok(parsed
        .with_context(|| format!("{text:?} is not an ALB time"))?
        .and_utc()
        .timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_ids_follow_the_sql_standard() {
        // grouping(a, b, c): bit 2 for a, bit 0 for c, set when the column is aggregated over
        assert_eq!(set_id(&["a", "b", "c"], &["a", "b", "c"]), 0);
        assert_eq!(set_id(&["a", "b", "c"], &[]), 7);
        assert_eq!(set_id(&["a", "b", "c"], &["a"]), 3);
        assert_eq!(set_id(&["a", "b", "c"], &["c"]), 6);
    }

    #[test]
    fn alb_times_at_each_grain() {
        let t = parse_alb_time("2026-11-20T10:11:12.345678Z").unwrap();
        assert_eq!(t % 1_000_000, 345_678);
        assert_eq!(parse_alb_time("2026-11-20T10:11:12").unwrap(), t - 345_678);
        assert_eq!(parse_alb_time("2026-11-20T10:11").unwrap(), t - 12_345_678);
        assert!(parse_alb_time("yesterday").is_err());
    }
}
