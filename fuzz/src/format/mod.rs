//! The main crate's `src/format`, reduced to the parsers and the std-only modules they use.

#[path = "../../../src/format/attempts.rs"]
pub mod attempts;
#[path = "../../../src/format/error.rs"]
pub mod error;
#[path = "../../../src/format/text/mod.rs"]
pub mod text;

pub mod alb;
pub mod apigw;
pub mod cloudfront;
pub mod nginx;

pub use error::{ParseError, ParseErrorKind};
