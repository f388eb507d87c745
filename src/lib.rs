//! hosp-logs: access logs (AWS ALB today) → SLO, errors, latency, backends, traffic, security.
//!
//! Data flows one way: `source` (bytes: files, S3) → `format` (one module per log format:
//! lines → typed records and the roles analyses read) → `engine` (the local fold over parsed
//! batches, or Athena; one driver) → `metrics` (analyses as mergeable partials, typed
//! reports) → `render` (table, JSON, CSV, Markdown, charts, HTML) → `cli` (one thin module per
//! subcommand, over one command context). Lower layers never import higher ones. `store`
//! keeps the analyses' partials per object and minute in SQLite (`collect`), so an answer can
//! come from it instead of the logs.

pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod filter;
pub mod format;
pub mod frame;
pub mod generate;
pub mod metrics;
pub mod net;
pub mod render;
pub mod serve;
pub mod source;
pub mod sql;
pub mod store;
pub mod terminal;
pub mod window;
