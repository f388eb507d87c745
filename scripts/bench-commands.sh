#!/usr/bin/env bash
# Memory and time of every command that reads logs, on generated ALB files of 2,000,000 and
# 10,000,000 lines (plain): peak RSS must stay flat as the input grows (memory follows the
# answer, not the input), and each analysis should stay close to `slo`'s wall time.
#
#   scripts/bench-commands.sh                 # 2M and 10M lines
#   SIZES="500000 2000000" scripts/bench-commands.sh
#
# Prints a Markdown table (one row per command and size): wall time (best of RUNS, default 2),
# peak RSS (max RSS of that run) and wall time relative to `slo` on the same file.
# Needs GNU time; the files go to bench-data/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"2000000 10000000"}
RUNS=${RUNS:-2}
DATA=bench-data
mkdir -p "$DATA"

cargo build --release --quiet
BIN=target/release/hosp-logs

file_of() { # lines → a plain file of that many generated lines (one day, seed 1)
  scripts/bench-data.sh "$1" "$BIN"
}

best() { # command... → "seconds kib" of the fastest of RUNS runs
  local b="" r=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > /dev/null || true  # gate exits 3 on a breach
    # the last line: GNU time writes "Command exited with non-zero status" above it
    read -r secs kb < <(tail -n 1 "$DATA/time.txt")
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if $secs < $b else 1)"; then b=$secs; r=$kb; fi
  done
  echo "$b $r"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); binary $(stat -c %s $BIN) bytes"
echo
echo "| command | lines | bytes | wall (s) | × slo | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|"
CFG=fixtures/hosp-logs.toml
for n in $SIZES; do
  f=$(file_of "$n")
  bytes=$(stat -c %s "$f")
  read -r slo_s slo_kb < <(best $BIN slo -q --config "$CFG" --source "$f" --format json)
  row() { # label, seconds, kib
    python3 -c "print(f'| $1 | $n | $bytes | {$2:.2f} | {$2/$slo_s:.2f} | {$3/1024:.0f} |')"
  }
  row slo "$slo_s" "$slo_kb"
  for cmd in errors latency backends traffic; do
    read -r s kb < <(best $BIN "$cmd" -q --config "$CFG" --source "$f" --format json)
    row "$cmd" "$s" "$kb"
  done
  read -r s kb < <(best $BIN gate -q --config "$CFG" --source "$f" --slo 99 --max-p99 3s --max-5xx-rate 1% --format json || true)
  row "gate (slo, p99, 5xx)" "$s" "$kb"
  read -r s kb < <(best $BIN report -q --config "$CFG" --source "$f" --out "$DATA/report")
  row report "$s" "$kb"
  read -r s kb < <(best $BIN security -q --config "$CFG" --source "$f" --format json)
  row security "$s" "$kb"
  read -r s kb < <(best $BIN audit -q --config "$CFG" --source "$f" --summary --format json)
  row "audit --summary" "$s" "$kb"
  read -r s kb < <(best $BIN export -q --config "$CFG" --source "$f" --to csv --out /dev/null)
  row "export --to csv" "$s" "$kb"
  read -r s kb < <(best $BIN export -q --config "$CFG" --source "$f" --to parquet --out "$DATA/export.parquet")
  row "export --to parquet" "$s" "$kb"
done
