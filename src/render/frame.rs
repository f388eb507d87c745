//! Any result frame as a report: JSON is an array of row objects (times as RFC 3339, UTC),
//! the other formats one table whose cells go through the shared sanitising and CSV
//! neutralising. Used by `hosp-logs query`.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat};
use polars::prelude::{AnyValue, DataFrame, TimeUnit};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{Document, Report, Section};

/// A result frame, rendered row by row.
#[derive(Debug, Clone)]
pub struct FrameReport {
    df: DataFrame,
    /// Rows shown in the document (table, Markdown); JSON always has every row.
    max_rows: Option<usize>,
}

impl FrameReport {
    pub fn new(mut df: DataFrame) -> FrameReport {
        // one chunk per column, so cell look-ups are direct
        df.rechunk_mut();
        FrameReport { df, max_rows: None }
    }

    /// Shows at most `max` rows in the document, with a note on what was left out.
    pub fn with_max_rows(mut self, max: Option<usize>) -> FrameReport {
        self.max_rows = max;
        self
    }

    pub fn frame(&self) -> &DataFrame {
        &self.df
    }

    fn cell(&self, col: usize, row: usize) -> AnyValue<'_> {
        self.df.columns()[col].get(row).unwrap_or(AnyValue::Null)
    }
}

impl Serialize for FrameReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.df.height()))?;
        for row in 0..self.df.height() {
            seq.serialize_element(&Row { report: self, row })?;
        }
        seq.end()
    }
}

struct Row<'a> {
    report: &'a FrameReport,
    row: usize,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns = self.report.df.columns();
        let mut map = s.serialize_map(Some(columns.len()))?;
        for (i, c) in columns.iter().enumerate() {
            map.serialize_entry(c.name().as_str(), &Value(self.report.cell(i, self.row)))?;
        }
        map.end()
    }
}

/// One cell as JSON: numbers stay numbers, NaN/∞ become null, times become RFC 3339 text.
struct Value<'a>(AnyValue<'a>);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            AnyValue::Null => s.serialize_none(),
            AnyValue::Boolean(b) => s.serialize_bool(*b),
            AnyValue::String(v) => s.serialize_str(v),
            AnyValue::StringOwned(v) => s.serialize_str(v),
            AnyValue::UInt8(v) => s.serialize_u8(*v),
            AnyValue::UInt16(v) => s.serialize_u16(*v),
            AnyValue::UInt32(v) => s.serialize_u32(*v),
            AnyValue::UInt64(v) => s.serialize_u64(*v),
            AnyValue::UInt128(v) => s.serialize_u128(*v),
            AnyValue::Int8(v) => s.serialize_i8(*v),
            AnyValue::Int16(v) => s.serialize_i16(*v),
            AnyValue::Int32(v) => s.serialize_i32(*v),
            AnyValue::Int64(v) => s.serialize_i64(*v),
            AnyValue::Int128(v) => s.serialize_i128(*v),
            AnyValue::Float32(v) if v.is_finite() => s.serialize_f32(*v),
            AnyValue::Float64(v) if v.is_finite() => s.serialize_f64(*v),
            AnyValue::Float32(_) | AnyValue::Float64(_) => s.serialize_none(),
            AnyValue::List(series) => {
                let mut seq = s.serialize_seq(Some(series.len()))?;
                for v in series.iter() {
                    seq.serialize_element(&Value(v))?;
                }
                seq.end()
            }
            other => s.serialize_str(&text(other)),
        }
    }
}

/// One cell as text: empty for null (as psql prints it), RFC 3339 (UTC) for times.
pub fn text(v: &AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(v) => (*v).to_string(),
        AnyValue::StringOwned(v) => v.to_string(),
        AnyValue::Datetime(t, unit, tz) => datetime(*t, *unit, tz.is_some()),
        AnyValue::DatetimeOwned(t, unit, tz) => datetime(*t, *unit, tz.is_some()),
        AnyValue::Date(days) => NaiveDate::from_num_days_from_ce_opt(*days + 719_163)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| days.to_string()),
        AnyValue::Time(ns) => {
            let (secs, nanos) = (ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000));
            NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, nanos as u32)
                .map(|t| t.format("%H:%M:%S%.f").to_string())
                .unwrap_or_else(|| ns.to_string())
        }
        AnyValue::List(series) => {
            let items: Vec<String> = series.iter().map(|v| text(&v)).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A datetime as RFC 3339. Time-zone-aware values are instants (Polars keeps them as UTC),
/// shown with `Z`; naive ones are shown without an offset.
fn datetime(t: i64, unit: TimeUnit, aware: bool) -> String {
    let dt = match unit {
        TimeUnit::Nanoseconds => Some(DateTime::from_timestamp_nanos(t)),
        TimeUnit::Microseconds => DateTime::from_timestamp_micros(t),
        TimeUnit::Milliseconds => DateTime::from_timestamp_millis(t),
    };
    match dt {
        Some(dt) if aware => dt.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Some(dt) => dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        None => t.to_string(),
    }
}

impl Report for FrameReport {
    fn document(&self) -> Document {
        let (h, w) = self.df.shape();
        let headers = self
            .df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let shown = self.max_rows.map_or(h, |m| m.min(h));
        let rows = (0..shown)
            .map(|r| (0..w).map(|c| text(&self.cell(c, r))).collect())
            .collect();
        let mut notes = Vec::new();
        if shown < h {
            notes.push(format!(
                "showing the first {shown} of {h} rows (--max-rows; --format csv or json has them all)"
            ));
        }
        Document {
            title: String::new(),
            summary: Vec::new(),
            sections: vec![Section {
                title: format!(
                    "{h} {} × {w} {}",
                    if h == 1 { "row" } else { "rows" },
                    if w == 1 { "column" } else { "columns" }
                ),
                headers,
                rows,
            }],
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{write, Format, Style};
    use polars::prelude::*;

    fn sample() -> DataFrame {
        let t = Series::new("time".into(), [Some(1_795_132_800_123_456i64), None])
            .cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap();
        DataFrame::new_infer_height(vec![
            t.into(),
            Series::new(
                "ua".into(),
                [Some("=HYPERLINK(\"x\")"), Some("ok\u{1b}[31m")],
            )
            .into(),
            Series::new("n".into(), [Some(-1.5f64), Some(f64::NAN)]).into(),
            Series::new("code".into(), [Some(503u16), None]).into(),
        ])
        .unwrap()
    }

    fn render(format: Format) -> String {
        let mut out = Vec::new();
        let report = FrameReport::new(sample());
        write(&report, format, Style { color: false }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_an_array_of_rows() {
        let v: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"time": "2026-11-20T00:00:00.123456Z", "ua": "=HYPERLINK(\"x\")", "n": -1.5, "code": 503},
                {"time": null, "ua": "ok\u{1b}[31m", "n": null, "code": null},
            ])
        );
    }

    #[test]
    fn csv_neutralises_and_table_sanitises() {
        let csv = render(Format::Csv);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("time,ua,n,code"));
        assert_eq!(
            lines.next(),
            Some("2026-11-20T00:00:00.123456Z,\"'=HYPERLINK(\"\"x\"\")\",-1.5,503")
        );
        let table = render(Format::Table);
        assert!(table.contains("2 rows × 4 columns"), "{table}");
        assert!(!table.contains('\u{1b}'), "{table}");
        let doc = FrameReport::new(sample()).with_max_rows(Some(1)).document();
        assert_eq!(doc.sections[0].rows.len(), 1);
        assert!(
            doc.notes[0].contains("first 1 of 2 rows"),
            "{:?}",
            doc.notes
        );
    }
}
