#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit + CLI tests, and in CI the report's browser
# test. Installs, besides the Rust toolchain's crates: a Python venv (.venv) with moto, duckdb
# and sqlglot for the Athena tests (scripts/athena-env.sh), Debian's tmux for the dashboard's
# terminal test (in CI, when missing: tests/watch.rs fails without it under CI=true) and
# Debian's chromium for the browser tests and Debian's prometheus (with promtool) for serve's
# Prometheus test; the parser conformance tests read ../shared/samples
# when it is beside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# the Athena tests start tests/athena/harness.py (moto + DuckDB on 127.0.0.1) with this python
HOSP_LOGS_PYTHON="$(scripts/athena-env.sh | tail -n 1)"
export HOSP_LOGS_PYTHON
# the dashboard runs on a real terminal in tmux: installed in CI (which runs as root)
if [ "${CI:-}" = "true" ] && ! command -v tmux >/dev/null 2>&1; then
    echo "test: installing tmux (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends tmux >/dev/null
fi
if [ "${CI:-}" = "true" ]; then
    command -v tmux >/dev/null 2>&1 || { echo "test: CI=true and tmux is missing" >&2; exit 1; }
fi
cargo test --locked
# the binary `cargo test` just built for the CLI tests: `cargo build` would build the
# dependencies again without the dev-dependencies' features (minutes in CI) for the same program
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
HOSP_LOGS_BIN="${HOSP_LOGS_BIN:-$target_dir/debug/hosp-logs}"
export HOSP_LOGS_BIN
# The daily report in a real browser (installs Debian's chromium when missing): always in CI,
# locally with HOSP_LOGS_BROWSER_TEST=1.
if [ "${CI:-}" = "true" ] || [ "${HOSP_LOGS_BROWSER_TEST:-}" = "1" ]; then
    scripts/browser-test.sh
    # set -e: reached only when every browser check passed
    echo "browser: 1 passed, 0 failed"
fi
# `serve` against a real Prometheus (Debian's prometheus, installed when missing) and headless
# chromium: always in CI, locally with HOSP_LOGS_SERVE_TEST=1.
if [ "${CI:-}" = "true" ] || [ "${HOSP_LOGS_SERVE_TEST:-}" = "1" ]; then
    scripts/serve-test.sh
    # set -e: reached only when every serve check passed
    echo "serve: 1 passed, 0 failed"
fi
