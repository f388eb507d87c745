#!/usr/bin/env bash
# End-to-end benchmark: `hosp-logs slo` against DuckDB doing the same counts, on one generated
# file of N lines (default 2,000,000), plain and gzipped. Prints wall time, throughput
# (uncompressed bytes / s) and peak memory (max RSS) for each run.
#
#   scripts/bench.sh            # 2M lines
#   LINES=500000 scripts/bench.sh
#
# Needs python3 (DuckDB is installed from PyPI into .venv) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-2000000}
DATA=bench-data
mkdir -p "$DATA"

cargo build --release --quiet
BIN=target/release/hosp-logs

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -c 'import duckdb' 2>/dev/null || .venv/bin/pip install --quiet duckdb

PLAIN="$DATA/alb-$LINES.log"
if [ ! -f "$PLAIN" ]; then
  # one day at the rate that gives about LINES requests, concatenated into one file
  rate=$(python3 -c "print($LINES / 86400)")
  rm -rf "$DATA/gen"
  $BIN generate -q --seed 1 --start 2026-11-20T00:00:00Z --duration 24h --rate "$rate" --out "$DATA/gen"
  find "$DATA/gen" -name '*.log.gz' | sort | xargs zcat > "$PLAIN"
  rm -rf "$DATA/gen"
fi
GZ="$PLAIN.gz"
[ -f "$GZ" ] || gzip -k -6 "$PLAIN"

bytes=$(stat -c %s "$PLAIN")
lines=$(wc -l < "$PLAIN")
echo "input: $lines lines, $bytes bytes plain, $(stat -c %s "$GZ") bytes gzipped"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo

measure() { # label, command...
  local label=$1; shift
  local best=""
  local rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/out.txt"
    read -r secs kb < "$DATA/time.txt"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; rss=$kb; fi
  done
  python3 -c "print(f'{\"$label\":<34} {$best:>7.2f} s  {$bytes/$best/1e9:>6.2f} GB/s  {$rss/1024:>7.0f} MiB peak')"
}

# DuckDB doing the same counts: requests and good (elb_status_code < 500) per hour
cat > "$DATA/duck.py" <<'PY'
import sys, duckdb
con = duckdb.connect()
rows = con.execute("""
    SELECT date_trunc('hour', CAST(column01 AS TIMESTAMP)) AS hour,
           count(*) AS total,
           count(*) FILTER (WHERE TRY_CAST(column08 AS INTEGER) < 500) AS good
    FROM read_csv(?, delim=' ', quote='"', escape='"', header=false, all_varchar=true,
                  null_padding=true, parallel=true)
    GROUP BY hour ORDER BY hour""", [sys.argv[1]]).fetchall()
print(sum(r[1] for r in rows), sum(r[2] for r in rows))
PY
duck() { .venv/bin/python "$DATA/duck.py" "$1"; }

measure "hosp-logs slo (plain)" $BIN slo -q --source "$PLAIN" --format json
measure "hosp-logs slo (gzip)" $BIN slo -q --source "$GZ" --format json
measure "duckdb read_csv + group by (plain)" .venv/bin/python "$DATA/duck.py" "$PLAIN"
measure "duckdb read_csv + group by (gzip)" .venv/bin/python "$DATA/duck.py" "$GZ"
measure "zcat > /dev/null" sh -c "zcat \"$GZ\" > /dev/null"
echo
echo "counts: hosp-logs $($BIN slo -q --source "$PLAIN" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin)["requests"]; print(r["total"], r["good"])'), duckdb $(duck "$PLAIN")"
