//! Typed errors shared by the stages, and the one mapping from errors to exit codes.

use std::fmt;

/// Process exit codes. Scripts depend on these numbers: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command ran and every checked threshold held.
    Ok = 0,
    /// A runtime failure: I/O, an AWS call, a rendering error.
    Failure = 1,
    /// A usage or input error: bad flag, bad config, unreadable source, `--strict` on a bad line.
    Usage = 2,
    /// A threshold was breached (SLO not met under `--fail-on-breach`, the CI gate).
    Breach = 3,
    /// A gate could not evaluate: no requests in the window. Fails closed.
    NoData = 4,
    /// Stopped by Ctrl-C (SIGINT); a running Athena query was stopped first.
    Interrupted = 130,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A mistake in how the tool was called or configured (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Input that cannot be used as asked (exit 2): a missing path, `--strict` on a malformed line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{pattern}: the pattern matched no files")]
    NoMatch { pattern: String },
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{source_name}, line {line}: malformed line: {reason} (--strict)")]
    Malformed {
        source_name: String,
        line: u64,
        reason: String,
    },
    /// An input that is not in the format it was read as.
    #[error("{source_name}: {detail}")]
    WrongFormat { source_name: String, detail: String },
}
