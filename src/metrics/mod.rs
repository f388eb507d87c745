//! Pure computations over typed frames, returning small serialisable reports.

pub mod common;
pub mod errors;
pub mod filter;
pub mod latency;
pub mod query;
pub mod slo;
