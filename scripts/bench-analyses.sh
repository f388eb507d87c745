#!/usr/bin/env bash
# Each analysis against `slo` on one generated ALB file (issue 11's time target: within 1.5× of
# slo at 10,000,000 lines), in paired rounds: each round runs slo, errors, latency, backends
# and traffic once, in turn, on the same file. Prints the median time of each command, its
# ratio to slo's median, and the median of the per-round ratios (each against the slo run of
# its own round). On a shared or virtual machine whose speed drifts between runs, the
# per-round ratio is the steadier figure of the two; both are printed.
#
#   scripts/bench-analyses.sh                      # 10M lines, 5 rounds, the fixture config
#   LINES=2000000 ROUNDS=7 scripts/bench-analyses.sh
#
# Needs GNU time; the file goes to bench-data/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-10000000}
ROUNDS=${ROUNDS:-5}
CFG=${CFG:-fixtures/hosp-logs.toml}
DATA=bench-data
mkdir -p "$DATA"

cargo build --release --quiet
BIN=target/release/hosp-logs
FILE=$(scripts/bench-data.sh "$LINES" "$BIN")
cat "$FILE" > /dev/null # into the page cache before the first round

CMDS="slo errors latency backends traffic"
OUT="$DATA/analyses-rounds.txt"
: > "$OUT"
for round in $(seq "$ROUNDS"); do
  for cmd in $CMDS; do
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$BIN" "$cmd" -q --config "$CFG" --source "$FILE" --format json > /dev/null
    echo "$round $cmd $(tail -n 1 "$DATA/time.txt")" >> "$OUT"
  done
done

echo "input: $(wc -l < "$FILE") lines, $(stat -c %s "$FILE") bytes, config $CFG; $ROUNDS paired rounds"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$OUT" $CMDS <<'PY'
import collections, statistics, sys
path, cmds = sys.argv[1], sys.argv[2:]
t, rss = collections.defaultdict(dict), collections.defaultdict(int)
for line in open(path):
    rnd, cmd, secs, kib = line.split()
    t[cmd][rnd] = float(secs)
    rss[cmd] = max(rss[cmd], int(kib))
slo = statistics.median(t["slo"].values())
print("| command | median time | × slo (medians) | × slo (median of per-round ratios) | runs (s) | peak RSS (MiB) |")
print("|---|---|---|---|---|---|")
for c in cmds:
    med = statistics.median(t[c].values())
    per_round = statistics.median(t[c][r] / t["slo"][r] for r in t[c])
    runs = ", ".join(f"{t[c][r]:.2f}" for r in sorted(t[c], key=int))
    print(f"| {c} | {med:.2f} s | {med / slo:.2f} | {per_round:.2f} | {runs} | {rss[c] / 1024:.0f} |")
PY
