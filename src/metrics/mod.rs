//! Pure computations over typed frames, returning small serialisable reports.

pub mod audit;
pub mod backends;
pub mod common;
pub mod daily;
pub mod errors;
pub mod filter;
pub mod gate;
pub mod latency;
pub mod query;
pub mod security;
pub mod slo;
pub mod traffic;
