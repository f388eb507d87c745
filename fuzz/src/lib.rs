//! Fuzzing support crate for hosp-logs.
//!
//! The parser module is included by path instead of depending on the
//! `hosp-logs` crate: the parser has no dependencies beyond `memchr`, so the
//! fuzz build does not compile polars (and the rest of the CLI) at all.

#[path = "../../src/parse/mod.rs"]
pub mod parse;
