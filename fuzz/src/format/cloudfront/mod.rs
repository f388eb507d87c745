//! The main crate's `src/format/cloudfront`: its field mapping and line parsers (legacy
//! tab-separated lines and standard logging v2's JSON lines).

#[path = "../../../../src/format/cloudfront/fields.rs"]
pub mod fields;
#[path = "../../../../src/format/cloudfront/parse/mod.rs"]
pub mod parse;

pub use parse::{parse_json, parse_tsv, CfRecord, Field, Fields, Origin};
