//! Fuzzing support crate for hosp-logs.
//!
//! The parser module is included by path instead of depending on the
//! `hosp-logs` crate: the parser has no dependencies beyond `memchr`, so the
//! fuzz build does not compile polars (and the rest of the CLI) at all.

#[path = "../../src/format/error.rs"]
pub mod format_error;
#[path = "../../src/format/text/mod.rs"]
pub mod format_text;
#[path = "../../src/format/alb/parse/mod.rs"]
pub mod alb_parse;

/// The parser's files, reachable under the crate's own paths (`crate::format::{error, text,
/// alb::parse}`) so their `crate::` imports resolve here too.
pub mod format {
    pub use super::format_error as error;
    pub use super::format_text as text;
    pub mod alb {
        pub use super::super::alb_parse as parse;
    }
}
