//! hosp-logs: AWS Application Load Balancer access logs → SLO, errors, latency, security.
//!
//! Data flows one way: `source` (bytes) → `parse` (ALB line → fields) → `frame` (typed Polars
//! batches) → `metrics` (pure computations, typed reports) → `render` (table, JSON, CSV,
//! Markdown) → `cli` (one module per subcommand, thin).

pub mod athena;
pub mod cli;
pub mod config;
pub mod error;
pub mod frame;
pub mod generate;
pub mod metrics;
pub mod parse;
pub mod render;
pub mod source;
pub mod window;
