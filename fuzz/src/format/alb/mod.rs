//! The main crate's `src/format/alb`: its line parser only.

#[path = "../../../../src/format/alb/parse/mod.rs"]
pub mod parse;
