#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit + CLI tests. Installs nothing beyond the Rust
# toolchain; the parser conformance test reads ../shared/samples when it is beside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
