//! The typed frame: an explicit Polars schema (never inferred) and the pipeline that fills it.

pub mod builder;
pub mod load;
pub mod schema;

use polars::prelude::{Column, DataFrame};

pub use load::{
    load, load_frame, Batch, InputStats, LoadError, LoadOptions, Malformed, SourceFailure,
};
pub use schema::{Col, ColumnSet};

/// A frame with the projected columns and no rows.
pub fn empty_frame(columns: ColumnSet) -> DataFrame {
    let cols: Vec<Column> = columns
        .iter()
        .map(|c| Column::new_empty(c.name().into(), &c.kind().dtype()))
        .collect();
    DataFrame::new(0, cols).expect("empty columns")
}
