#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit + CLI tests, and in CI the report's browser
# test. Installs nothing beyond the Rust toolchain, except Debian's chromium for the browser
# test; the parser conformance test reads ../shared/samples when it is beside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
# The daily report in a real browser (installs Debian's chromium when missing): always in CI,
# locally with HOSP_LOGS_BROWSER_TEST=1.
if [ "${CI:-}" = "true" ] || [ "${HOSP_LOGS_BROWSER_TEST:-}" = "1" ]; then
    scripts/browser-test.sh
    # set -e: reached only when every browser check passed
    echo "browser: 1 passed, 0 failed"
fi
