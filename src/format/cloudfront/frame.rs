//! Parsed CloudFront records → the typed Polars columns of `query` and `export`,
//! materialising only the projected columns.

use polars::prelude::*;

use super::columns::{Value, COLUMNS};
use super::parse::{CfRecord, Field};
use super::{endpoint_of, generated, CloudFront};
use crate::format::text::Routes;
use crate::format::FrameBuilder;
use crate::frame::{finish_frame, ColBuilder};

/// Accumulates rows of one batch (one chunk of one source) into typed columns.
pub struct CfFrame {
    cols: Vec<(Value, ColBuilder)>,
    source: Option<(&'static str, String)>,
    rows: usize,
}

impl CfFrame {
    /// A builder of the columns at `indexes` (into [`COLUMNS`]).
    pub fn new(indexes: &[usize], capacity: usize, source: &str) -> CfFrame {
        let picked: Vec<_> = indexes.iter().filter_map(|&i| COLUMNS.get(i)).collect();
        CfFrame {
            cols: picked
                .iter()
                .filter(|c| c.value != Value::Source)
                .map(|c| (c.value, ColBuilder::new(c.name, c.kind, capacity)))
                .collect(),
            source: picked
                .iter()
                .find(|c| c.value == Value::Source)
                .map(|c| (c.name, source.to_string())),
            rows: 0,
        }
    }
}

impl FrameBuilder<CloudFront> for CfFrame {
    fn push(&mut self, r: &CfRecord<'_>, routes: &Routes) {
        for (value, b) in &mut self.cols {
            push_value(*value, b, r, routes);
        }
        self.rows += 1;
    }

    fn finish(self) -> DataFrame {
        let columns: Vec<Column> = self.cols.into_iter().map(|(_, b)| b.finish()).collect();
        let source = self.source.as_ref().map(|(n, s)| (*n, s.as_str()));
        finish_frame(self.rows, columns, source)
    }
}

fn push_value(value: Value, b: &mut ColBuilder, r: &CfRecord<'_>, routes: &Routes) {
    match (b, value) {
        (ColBuilder::Time(b), Value::Time) => b.append_value(r.time_us),
        (ColBuilder::Str(b), Value::Raw(f)) => b.append_option(r.get(f)),
        (ColBuilder::Str(b), Value::Decoded(f)) => b.append_option(r.decoded(f).as_deref()),
        (ColBuilder::Str(b), Value::Endpoint) => b.append_option(endpoint_of(r, routes).as_deref()),
        (ColBuilder::Str(b), Value::Airport) => b.append_option(r.airport()),
        (ColBuilder::U64(b), Value::Number(f)) => b.append_option(r.number(f)),
        (ColBuilder::U16(b), Value::Number(f)) => {
            b.append_option(r.number(f).and_then(|v| u16::try_from(v).ok()))
        }
        (ColBuilder::F64(b), Value::Seconds(f)) => b.append_option(
            match f {
                Field::TimeTaken => r.time_taken,
                _ => r.time_to_first_byte,
            }
            .map(|s| s.seconds),
        ),
        (ColBuilder::F64(b), Value::LatencyMs) => b.append_option(r.time_taken.map(|s| s.ms)),
        (ColBuilder::F64(b), Value::FirstByteMs) => {
            b.append_option(r.time_to_first_byte.map(|s| s.ms))
        }
        (ColBuilder::Bool(b), Value::Generated) => b.append_value(generated(r)),
        (_, v) => unreachable!("column value {v:?} does not match its kind (checked by a test)"),
    }
}
