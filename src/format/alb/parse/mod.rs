//! ALB access-log line parser.
//!
//! One ALB access-log entry is a line of space-separated tokens; a token is
//! either `"..."` (quoted, may contain spaces; ALB writes a literal `"` as
//! `\x22`) or a run of non-space bytes. Fields are positional (see
//! [`FIELD_NAMES`]); old lines have as few as [`MIN_FIELDS`] fields, newer ones
//! append fields at the end, and fields beyond the 33 known ones are ignored.
//!
//! [`parse_line`] makes one pass over the line (16 bytes at a time), borrows every
//! string from the input, validates the syntax of every known field and does
//! not allocate unless the line is rejected.
//!
//! This module depends only on `std`, `memchr` and the std-only `crate::format::error` and
//! `crate::format::text` (the fuzz crate and tools/parse-bench compile these files by path,
//! in the same module tree, without polars), so keep it free of other crate paths.

mod escape;
pub(crate) mod num;
mod record;

#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_fields;
#[cfg(test)]
mod tests_lines;
#[cfg(test)]
mod tests_props;

pub use crate::format::error::{ParseError, ParseErrorKind};
#[cfg(test)]
use crate::format::text::{split_url, Routes};
pub use escape::decode_escapes;
pub use record::{parse_line, AlbRecord};

/// The 33 ALB access-log fields in order, named as AWS documents them
/// (`client:port`, `target:port`, `target:port_list` keep their colon).
pub const FIELD_NAMES: [&str; 33] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
    "transformed_host",
    "transformed_uri",
    "request_transform_status",
];

/// Fewest fields a line may have (the 2018 format ends at `chosen_cert_arn`).
pub const MIN_FIELDS: usize = 20;
