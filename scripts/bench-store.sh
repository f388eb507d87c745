#!/usr/bin/env bash
# The store against a raw read (issue 24's speed and size targets): DAYS generated days of ALB
# logs at about PER_DAY requests a day (the generator's S3 layout, gzip, one object per node per
# 5 minutes), then, each RUNS times (medians):
#   raw      `slo --no-store` over the whole folder
#   collect  `collect` into an empty store (removed before each run)
#   store    `slo --store --window ${DAYS}d` after the collect
# and the store's size beside the gzip bytes it came from.
#
#   DAYS=28 PER_DAY=1000000 scripts/bench-store.sh target/release/hosp-logs
#
# Prints a markdown table row per measure; the data stay in bench-data/store-DAYSxPER_DAY/ for
# the next run (about 60 bytes of gzip per request).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/hosp-logs}
DAYS=${DAYS:-28}
PER_DAY=${PER_DAY:-1000000}
RUNS=${RUNS:-3}
START=${START:-2026-10-01T00:00:00Z}
DATA=bench-data/store-${DAYS}x${PER_DAY}
STORE=bench-data/store-${DAYS}x${PER_DAY}.store

if [ ! -f "$DATA/truth.json" ]; then
  # the mean rate over a generated day: 2 days at 0.386/s gave 68,151 requests (1.02 × rate ×
  # 86,400 a day); the table says the requests read
  rate=$(python3 -c "print($PER_DAY / 86400)")
  rm -rf "$DATA"
  "$BIN" generate -q --seed 1 --start "$START" --duration "${DAYS}d" --rate "$rate" --out "$DATA" >&2
  rm -rf "$DATA/cloudfront"
fi
until=$(python3 -c "
from datetime import datetime, timedelta, timezone
s = datetime.fromisoformat('$START'.replace('Z', '+00:00'))
print((s + timedelta(days=$DAYS)).strftime('%Y-%m-%dT%H:%M:%SZ'))")
gz_bytes=$(find "$DATA" -name '*.log.gz' -printf '%s\n' | awk '{s += $1} END {print s}')
objects=$(find "$DATA" -name '*.log.gz' | wc -l)

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
wall() { # prints the wall seconds of the command
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.3f}')"
}

raw=() collect=() store=()
for _ in $(seq "$RUNS"); do
  raw+=("$(wall "$BIN" slo -q --no-store --log-format alb -s "$DATA" --since "$START" --until "$until" -f json)")
  rm -rf "$STORE"
  collect+=("$(wall "$BIN" collect -q --store "$STORE" --log-format alb -s "$DATA" -f json)")
  store+=("$(wall "$BIN" slo -q --store "$STORE" --window "${DAYS}d" --until "$until" -f json)")
done
r=$(printf '%s\n' "${raw[@]}" | median)
c=$(printf '%s\n' "${collect[@]}" | median)
s=$(printf '%s\n' "${store[@]}" | median)

# the same answer both ways: the good and valid counts of the raw read and of the store
a=$("$BIN" slo -q --no-store --log-format alb -s "$DATA" --since "$START" --until "$until" -f json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["requests"]; print(r["valid"], r["good"])')
b=$("$BIN" slo -q --store "$STORE" --window "${DAYS}d" --until "$until" -f json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["requests"]; print(r["valid"], r["good"])')
[ "$a" = "$b" ] || { echo "bench-store.sh: raw ($a) and store ($b) disagree" >&2; exit 1; }

store_bytes=$(du -sb "$STORE" | cut -f1)
echo "| days | objects | valid, good | gzip bytes | store bytes | store/gzip | raw slo (s) | collect (s) | collect/raw | slo from store (s) | raw/store |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
python3 -c "
print(f'| $DAYS | $objects | $a | {$gz_bytes:,} | {$store_bytes:,} | {$store_bytes / $gz_bytes:.1%} | $r | $c | {$c / $r:.2f} | $s | {$r / $s:.1f}× |')"
