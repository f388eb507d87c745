#!/usr/bin/env bash
# Prints the path of a plain ALB log of exactly N generated lines (bench-data/alb-N.log),
# making it first if needed: one generated day (seed 1) at a rate that gives more than N
# requests, its first N lines. Used by bench.sh and bench-commands.sh.
#
#   scripts/bench-data.sh 2000000 target/release/hosp-logs
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=$1
BIN=$2
DATA=bench-data
PLAIN="$DATA/alb-$LINES.log"
mkdir -p "$DATA"
if [ ! -f "$PLAIN" ] || [ "$(wc -l < "$PLAIN")" -ne "$LINES" ]; then
  # the generated day follows a daily curve: about 0.6 of rate × 86,400 requests (at 1.6 ×
  # the mean rate, 10,000,000 asked gave 9,554,441); 2 × leaves a margin
  rate=$(python3 -c "print($LINES / 86400 * 2)")
  rm -rf "$DATA/gen"
  "$BIN" generate -q --seed 1 --start 2026-11-20T00:00:00Z --duration 24h --rate "$rate" --out "$DATA/gen" >&2
  # head stops reading early: zcat's broken pipe is expected, not a failure
  { find "$DATA/gen" -name '*.log.gz' | sort | xargs zcat || true; } | head -n "$LINES" > "$PLAIN"
  rm -rf "$DATA/gen" "$PLAIN.gz" "$DATA/alb-$LINES-files"
  got=$(wc -l < "$PLAIN")
  if [ "$got" -ne "$LINES" ]; then
    echo "bench-data.sh: the generated day gave $got lines, not $LINES" >&2
    exit 1
  fi
fi
echo "$PLAIN"
