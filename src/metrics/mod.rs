//! Pure computations over typed frames, returning small serialisable reports.

pub mod audit;
pub mod common;
pub mod errors;
pub mod filter;
pub mod latency;
pub mod security;
pub mod slo;
