//! Fuzzing support crate for hosp-logs.
//!
//! The parsers are included by path instead of depending on the `hosp-logs` crate: they need
//! nothing beyond `std`, `memchr`, `chrono` and `thiserror`, so the fuzz build does not
//! compile polars (and the rest of the CLI) at all. The main crate's files stay the only
//! copy: `src/format/` here mirrors the main crate's module tree (`crate::format::{error,
//! text, attempts, alb::parse, cloudfront::{fields, parse}, nginx::{log_format, parse,
//! vars}}`), so the files' `crate::` and `super::` paths resolve as they do there.

pub mod format;

/// Whether `part` lies inside `whole` (a sub-slice borrowed from it, not a copy).
pub fn within(whole: &str, part: &str) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}
