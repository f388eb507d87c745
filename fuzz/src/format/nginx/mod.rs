//! The main crate's `src/format/nginx`: the `log_format` compiler and the line matcher.

#[path = "../../../../src/format/nginx/log_format.rs"]
pub mod log_format;
#[path = "../../../../src/format/nginx/parse.rs"]
pub mod parse;
#[path = "../../../../src/format/nginx/vars.rs"]
pub mod vars;

pub use log_format::{Escape, LogFormatError, NginxLogFormat, COMBINED};
pub use parse::NginxRecord;
