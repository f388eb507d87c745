//! For tests: the shared public corpus (`shared/samples/`), read from disk: `$HOSP_LOGS_SHARED_DIR`
//! or else `<crate>/../shared`. A missing file fails the test (never a skip): conformance
//! that does not run is not conformance.

use std::path::PathBuf;

/// The text of `shared/samples/<name>`; panics, saying where it looked, when it is missing.
pub fn read_sample(name: &str) -> String {
    let (dir, from) = match std::env::var("HOSP_LOGS_SHARED_DIR") {
        Ok(dir) if !dir.is_empty() => (PathBuf::from(dir), "$HOSP_LOGS_SHARED_DIR"),
        _ => (
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")),
            "<CARGO_MANIFEST_DIR>/../shared (set HOSP_LOGS_SHARED_DIR to override)",
        ),
    };
    let path = dir.join("samples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "shared corpus file missing: could not read {} ({e}), from {from}",
            path.display()
        )
    })
}
