//! Pure computations over typed frames, returning small serialisable reports.

pub mod filter;
pub mod slo;
