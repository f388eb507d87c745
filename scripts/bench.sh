#!/usr/bin/env bash
# Throughput benchmark (issue 16): `hosp-logs slo` against Polars (`scan_csv`, Python, start-up
# included) and DuckDB (`read_csv`) doing the same counts (requests and elb_status_code < 500 per
# hour), on N generated ALB lines (default 2,000,000) in three layouts: one plain file, one .gz
# file, and ALB's real layout (files of 10,000 lines, gzipped; 200 of them at 2M lines). Paired
# runs: each round runs every tool once on the same input, in turn; the table gives medians.
# Then `errors`, `latency`, `traffic` against `slo`, and the floors: `cat`, the parser alone on
# one core, libdeflate's inflate alone on one core, `zcat`.
#
#   scripts/bench.sh                  # 2M lines, 5 rounds
#   LINES=500000 ROUNDS=3 scripts/bench.sh
#
# Installs Polars and DuckDB from PyPI into .venv; needs GNU time. Data goes to bench-data/.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-2000000}
ROUNDS=${ROUNDS:-5}
DATA=bench-data
mkdir -p "$DATA"

cargo build --release --quiet
BIN=target/release/hosp-logs
(cd tools/parse-bench && CARGO_TARGET_DIR=../../target/tools cargo build --release --quiet)
TOOLS=target/tools/release

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -c 'import duckdb, polars' 2>/dev/null || .venv/bin/pip install --quiet duckdb polars
PY=.venv/bin/python

PLAIN=$(scripts/bench-data.sh "$LINES" "$BIN")
GZ="$PLAIN.gz"
[ -f "$GZ" ] || gzip -k -6 "$PLAIN"
FOLDER="$DATA/alb-$LINES-files"
if [ ! -d "$FOLDER" ]; then
  mkdir -p "$FOLDER.tmp"
  split -l 10000 -d -a 4 --additional-suffix=.log "$PLAIN" "$FOLDER.tmp/part-"
  gzip -6 "$FOLDER.tmp"/*.log
  mv "$FOLDER.tmp" "$FOLDER"
fi

bytes=$(stat -c %s "$PLAIN")
lines=$(wc -l < "$PLAIN")
echo "input: $lines lines, $bytes bytes plain, $(stat -c %s "$GZ") bytes gzipped, $(find "$FOLDER" -name '*.gz' | wc -l) files of 10,000 lines"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Polars and DuckDB: requests and good (elb_status_code < 500) per hour; prints the totals
cat > "$DATA/polars_counts.py" <<'PY'
import os, sys, polars as pl
src = sys.argv[1]
if os.path.isdir(src):
    src = os.path.join(src, "*.gz")
lf = pl.scan_csv(src, separator=" ", quote_char='"', has_header=False, infer_schema=False,
                 truncate_ragged_lines=True)
hours = (lf.group_by(pl.col("column_2").str.slice(0, 13).alias("hour"))
           .agg(pl.len().alias("total"),
                (pl.col("column_9").cast(pl.Int32, strict=False) < 500).sum().alias("good"))
           .collect())
print(hours["total"].sum(), hours["good"].sum())
PY
cat > "$DATA/duckdb_counts.py" <<'PY'
import os, sys, duckdb
src = sys.argv[1]
if os.path.isdir(src):
    src = os.path.join(src, "*.gz")
rows = duckdb.connect().execute("""
    SELECT substr(column01, 1, 13) AS hour, count(*) AS total,
           count(*) FILTER (WHERE TRY_CAST(column08 AS INTEGER) < 500) AS good
    FROM read_csv(?, delim=' ', quote='"', escape='"', header=false, all_varchar=true,
                  null_padding=true, parallel=true)
    GROUP BY hour""", [src]).fetchall()
print(sum(r[1] for r in rows), sum(r[2] for r in rows))
PY

# one timed run: prints "seconds max_rss_kib"
timed() {
  /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/out.txt" 2> "$DATA/err.txt" || {
    echo "failed: $*" >&2; cat "$DATA/err.txt" >&2; exit 1; }
  cat "$DATA/time.txt"
}
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

hosp_counts() { $BIN slo -q --source "$1" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin)["requests"]; print(r["total"], r["good"])'; }

echo "## slo against Polars and DuckDB (median of $ROUNDS paired rounds; × = their time / ours)"
echo
echo "| input | hosp-logs slo | Polars | DuckDB | × Polars | × DuckDB | peak RSS hosp / Polars / DuckDB (MiB) |"
echo "|---|---|---|---|---|---|---|"
for input in "$PLAIN" "$GZ" "$FOLDER"; do
  h=(); p=(); d=(); hr=0; pr=0; dr=0
  for _ in $(seq "$ROUNDS"); do
    read -r s kb < <(timed $BIN slo -q --source "$input" --format json); h+=("$s"); hr=$(( kb > hr ? kb : hr ))
    read -r s kb < <(timed $PY "$DATA/polars_counts.py" "$input"); p+=("$s"); pr=$(( kb > pr ? kb : pr ))
    read -r s kb < <(timed $PY "$DATA/duckdb_counts.py" "$input"); d+=("$s"); dr=$(( kb > dr ? kb : dr ))
  done
  hm=$(median "${h[@]}"); pm=$(median "${p[@]}"); dm=$(median "${d[@]}")
  python3 -c "print(f'| {\"$(basename "$input")\"} | {$hm:.2f} s | {$pm:.2f} s | {$dm:.2f} s | {$pm/$hm:.2f} | {$dm/$hm:.2f} | {$hr/1024:.0f} / {$pr/1024:.0f} / {$dr/1024:.0f} |')"
done
echo
echo "counts (total, good): hosp-logs $(hosp_counts "$PLAIN"), Polars $($PY "$DATA/polars_counts.py" "$PLAIN"), DuckDB $($PY "$DATA/duckdb_counts.py" "$PLAIN"); hosp-logs on the .gz $(hosp_counts "$GZ"), on the folder $(hosp_counts "$FOLDER")"
echo

echo "## Each analysis against slo (median of $ROUNDS rounds, plain file and folder)"
echo
echo "| command | input | time | × slo | peak RSS (MiB) |"
echo "|---|---|---|---|---|"
for input in "$PLAIN" "$FOLDER"; do
  declare -A t=() r=()
  for _ in $(seq "$ROUNDS"); do
    for cmd in slo errors latency traffic; do
      read -r s kb < <(timed $BIN "$cmd" -q --source "$input" --format json)
      t[$cmd]="${t[$cmd]:-} $s"; r[$cmd]=$(( kb > ${r[$cmd]:-0} ? kb : ${r[$cmd]:-0} ))
    done
  done
  # shellcheck disable=SC2086
  slo_m=$(median ${t[slo]})
  for cmd in slo errors latency traffic; do
    # shellcheck disable=SC2086
    m=$(median ${t[$cmd]})
    python3 -c "print(f'| $cmd | {\"$(basename "$input")\"} | {$m:.2f} s | {$m/$slo_m:.2f} | {${r[$cmd]}/1024:.0f} |')"
  done
  unset t r
done
echo

echo "## Floors"
echo
read -r s _ < <(timed sh -c "cat '$PLAIN' > /dev/null")
python3 -c "print(f'cat of the plain file (page cache): {$bytes/$s/1e9:.2f} GB/s')"
read -r s _ < <(timed sh -c "zcat '$GZ' > /dev/null")
python3 -c "print(f'zcat of the .gz (one core): {$bytes/$s/1e9:.2f} GB/s of output')"
echo "parser alone, one core (tools/parse-bench, every line of the plain file):"
$TOOLS/parse-bench "$PLAIN" | sed 's/^/  /'
echo "libdeflate inflate alone, one core (tools/parse-bench --bin inflate, the .gz held in memory):"
$TOOLS/inflate "$GZ" | sed 's/^/  /'
