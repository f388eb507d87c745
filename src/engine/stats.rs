//! What was read, and everything that could not be used, with where and why: the `input`
//! object of every command's output.

use std::collections::BTreeMap;

use serde::Serialize;

/// What was read, and everything that could not be used, with where and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputStats {
    /// Files (or objects) read.
    pub files: usize,
    /// Files never opened: their name puts them outside the window.
    pub pruned_files: usize,
    /// Files met in folders that are not access logs.
    pub skipped_files: usize,
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Non-blank lines read: parsed + malformed (a format's header lines are neither).
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    /// Parsed lines whose time falls outside the window.
    pub out_of_window: u64,
    pub blank_lines: u64,
    /// Lines that belong to a format but are not records (CloudFront's `#Version` header).
    #[serde(skip_serializing_if = "is_zero")]
    pub header_lines: u64,
    /// Files read per log format (`alb`, …).
    pub formats: BTreeMap<String, usize>,
    /// The first malformed lines, with their location.
    pub malformed_samples: Vec<Malformed>,
    /// Inputs that failed to open or broke off while reading (truncated gzip, I/O error).
    pub source_errors: Vec<SourceFailure>,
    /// How many inputs are in `source_errors`.
    pub failed_sources: usize,
    /// How some inputs are read, said once per input (a CloudFront file without `#Fields`
    /// is read in the standard 33-field order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub format_notes: Vec<FormatNote>,
    /// Inputs in which no line parsed, and what they look like.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unrecognised: Vec<Unrecognised>,
    /// S3 objects listed, pruned, fetched, read from the cache (S3 sources only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<crate::source::s3::ObjectStats>,
    /// The Athena query: id, data scanned, cost (`--engine athena` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub athena: Option<crate::engine::athena::QueryStats>,
    /// The store the answer came from (`--store`, config `[store]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreInput>,
}

/// What an answer read from the store.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StoreInput {
    pub path: String,
    /// Objects holding requests of the window.
    pub objects: u64,
    /// Objects this run collected before answering (with `--source`).
    pub ingested: u64,
    /// The last minute after which, by the format's delivery delay, no more objects are
    /// expected.
    pub complete_through: Option<String>,
    /// Rows of the window's minutes collected after an answer had covered them.
    pub late_rows: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    pub source: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFailure {
    pub source: String,
    pub reason: String,
    /// Stopped at `--max-inflate` (a failure of the run, like an unreadable S3 object).
    #[serde(skip)]
    pub over_limit: bool,
}

/// How an input is read, when that needs saying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatNote {
    pub source: String,
    pub note: String,
}

/// An input none of whose lines parsed in the format it was read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unrecognised {
    pub source: String,
    /// The format its lines were read as.
    pub read_as: String,
    pub lines: u64,
    /// What its first lines look like, when recognisable.
    pub looks_like: Option<String>,
}
