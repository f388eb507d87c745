//! Typed Polars frames of a format's native columns, for the commands that show rows
//! (`query`, `export`): an explicit schema (never inferred) and typed column builders.
//! Analyses do not build frames: they fold requests into partials (see `engine`).

use polars::prelude::*;

/// The kind of values a column holds; maps one-to-one onto a Polars dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// Datetime(µs, UTC)
    Time,
    U16,
    U64,
    I32,
    F64,
    Bool,
}

impl Kind {
    pub fn dtype(self) -> polars::prelude::DataType {
        use polars::prelude::{DataType, TimeUnit, TimeZone};
        match self {
            Kind::Str => DataType::String,
            Kind::Time => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            Kind::U16 => DataType::UInt16,
            Kind::U64 => DataType::UInt64,
            Kind::I32 => DataType::Int32,
            Kind::F64 => DataType::Float64,
            Kind::Bool => DataType::Boolean,
        }
    }
}

/// A native column of a format: its name as users query it, its type and meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub kind: Kind,
    pub doc: String,
}

/// The Polars schema of some columns, in the order given.
pub fn schema(defs: &[ColumnDef]) -> Schema {
    defs.iter()
        .map(|c| Field::new(c.name.as_str().into(), c.kind.dtype()))
        .collect()
}

/// A frame with these columns and no rows.
pub fn empty_frame(defs: &[ColumnDef]) -> DataFrame {
    let cols: Vec<Column> = defs
        .iter()
        .map(|c| Column::new_empty(c.name.as_str().into(), &c.kind.dtype()))
        .collect();
    DataFrame::new(0, cols).expect("empty columns")
}

/// One typed column being filled row by row.
pub enum ColBuilder {
    Str(StringChunkedBuilder),
    Time(PrimitiveChunkedBuilder<Int64Type>),
    U16(PrimitiveChunkedBuilder<UInt16Type>),
    U64(PrimitiveChunkedBuilder<UInt64Type>),
    I32(PrimitiveChunkedBuilder<Int32Type>),
    F64(PrimitiveChunkedBuilder<Float64Type>),
    Bool(BooleanChunkedBuilder),
}

impl ColBuilder {
    pub fn new(name: &str, kind: Kind, capacity: usize) -> Self {
        let name = PlSmallStr::from_str(name);
        match kind {
            Kind::Str => ColBuilder::Str(StringChunkedBuilder::new(name, capacity)),
            Kind::Time => ColBuilder::Time(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::U16 => ColBuilder::U16(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::U64 => ColBuilder::U64(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::I32 => ColBuilder::I32(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::F64 => ColBuilder::F64(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::Bool => ColBuilder::Bool(BooleanChunkedBuilder::new(name, capacity)),
        }
    }

    pub fn finish(self) -> Column {
        match self {
            ColBuilder::Str(b) => b.finish().into_column(),
            ColBuilder::Time(b) => b
                .finish()
                .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                .into_column(),
            ColBuilder::U16(b) => b.finish().into_column(),
            ColBuilder::U64(b) => b.finish().into_column(),
            ColBuilder::I32(b) => b.finish().into_column(),
            ColBuilder::F64(b) => b.finish().into_column(),
            ColBuilder::Bool(b) => b.finish().into_column(),
        }
    }
}

/// The frame of finished columns, with a constant `source` column added when asked for.
pub fn finish_frame(rows: usize, columns: Vec<Column>, source: Option<(&str, &str)>) -> DataFrame {
    let mut columns = columns;
    if let Some((name, value)) = source {
        columns.push(StringChunked::full(PlSmallStr::from_str(name), value, rows).into_column());
    }
    DataFrame::new(rows, columns).expect("builder columns share one length")
}
