//! The analyses, each a mergeable partial (see `engine::Analysis`): the roles it reads, a
//! fold of request batches, a merge, a finish into a small serialisable report.

pub mod audit;
pub mod backends;
pub mod buckets;
pub mod common;
pub mod daily;
pub mod edge;
pub mod errors;
pub mod gate;
pub mod histogram;
pub mod hops;
pub mod latency;
pub mod live;
pub mod migration;
pub mod openslo;
pub mod query;
pub mod retries;
pub mod security;
pub mod slo;
pub mod slos;
pub mod traffic;

#[cfg(test)]
mod athena_tests;

#[cfg(test)]
mod fold_tests;
