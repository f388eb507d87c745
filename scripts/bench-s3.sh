#!/usr/bin/env bash
# S3 round trips: `slo` over ALB objects read from the in-process S3 test server (s3s + s3s-fs
# on 127.0.0.1, tests/s3_server) that holds every request DELAY ms before answering (a
# cross-region first byte), without cache.
#
#   scripts/bench-s3.sh [BINARY ...]        default: $HOSP_LOGS_BIN, else target/debug/hosp-logs
#   RUNS=5 DELAYS="0 50" scripts/bench-s3.sh /tmp/hosp-logs-before target/debug/hosp-logs
#   HOSP_LOGS_BIN=target/release/hosp-logs scripts/bench-s3.sh
#                                           16,129 objects, 0 and 50 ms (the issue's figures)
#   OBJECTS=577 RUNS=1 DELAYS=50 scripts/bench-s3.sh     a small debug run
#   CMD=fetch scripts/bench-s3.sh …         `fetch` instead of `slo`: the round trips without
#                                           the parse (objects copied to a scratch folder)
#
# OBJECTS (default 16,129: 28 days of one load balancer, ALB's one object per node per 5
# minutes, and one more): the fixture day's 576 small ALB objects (fixtures/day, 1-26 KB
# gzipped) and copies of them delivered on the days before, a day at a time (names and
# delivery folders moved back whole days, bytes unchanged: every line is dated 2026-11-20),
# read over a window of the days served ending 2026-11-21T00:00Z (tests/s3_server's
# `add_objects`).
# LIST_PAGE (default: S3's 1,000): at most this many keys a LIST page.
# SERVER_PROFILE (debug or release; default release when the binary's path holds /release/):
# the profile the test server is built with (`cargo test [--release] --test s3 --no-run`); it
# runs on the same machine, and in debug its own work (SigV4, an MD5 per GET) is a large part
# of a 16k-object run.
#
# Prints one markdown row per binary and delay: objects, delay, GETs in flight (the client's
# peak limit), median wall time of RUNS runs; on stderr, the GETs the server answered and the
# most it saw at once (over all runs of that delay), and the machine's load (uptime) before
# each delay's runs. Only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
CMD=${CMD:-slo}
DELAYS=${DELAYS:-"0 50"}
OBJECTS=${OBJECTS:-16129}
LIST_PAGE=${LIST_PAGE:-}
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("${HOSP_LOGS_BIN:-target/debug/hosp-logs}")
case "${BINS[0]}" in
  */release/*) PROFILE=${SERVER_PROFILE:-release} ;;
  *) PROFILE=${SERVER_PROFILE:-debug} ;;
esac
RELEASE=()
[ "$PROFILE" = release ] && RELEASE=(--release)
UNTIL=2026-11-21T00:00:00Z

# the test binary that holds the server (`bench_server`, ignored by the test suite)
TESTBIN=$(cargo test --locked "${RELEASE[@]}" --test s3 --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "s3" and m.get("executable"):
        print(m["executable"])')
[ -n "$TESTBIN" ] || { echo "cargo test --test s3 --no-run failed" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

run_one() { # BIN ENDPOINT SINCE -> "seconds peak_limit fetched"
  local bin=$1 endpoint=$2 since=$3 t0 t1 out
  local cmd=(slo --source s3://alb-logs/hosp --no-cache --format json -q)
  [ "$CMD" = fetch ] && cmd=(fetch s3://alb-logs/hosp --out "$WORK/fetched" -q)
  rm -rf "$WORK/fetched"
  t0=$(date +%s.%N)
  out=$(env -i PATH="$PATH" HOME="$WORK" HOSP_LOGS_STATE=off \
    AWS_ACCESS_KEY_ID=test-key AWS_SECRET_ACCESS_KEY=test-secret \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$WORK/none" \
    AWS_SHARED_CREDENTIALS_FILE="$WORK/none" \
    "$bin" "${cmd[@]}" --since "$since" --until "$UNTIL" \
    --endpoint-url "$endpoint" --path-style --region eu-west-1)
  t1=$(date +%s.%N)
  python3 -c 'import json,sys
r = json.loads(sys.argv[3])
r = r.get("input", r)["objects"]
f = r.get("in_flight") or {}
print("%.3f %s %d" % (float(sys.argv[2]) - float(sys.argv[1]), f.get("peak_limit", "8-fixed"), r["fetched"]))' \
    "$t0" "$t1" "$out"
}

echo "| command | binary | objects | delay | in flight (peak limit) | median s (of $RUNS) | runs s |"
echo "|---|---|---:|---:|---:|---:|---|"
for delay in $DELAYS; do
  ep="$WORK/endpoint-$delay"
  S3_BENCH_ENDPOINT="$ep" S3_BENCH_DELAY_MS="$delay" S3_BENCH_OBJECTS="$OBJECTS" \
    S3_BENCH_LIST_PAGE="$LIST_PAGE" \
    "$TESTBIN" bench_server --ignored --exact --nocapture >"$WORK/server-$delay.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do [ -s "$ep" ] && break; sleep 0.1; done
  [ -s "$ep" ] || { cat "$WORK/server-$delay.log" >&2; exit 1; }
  read -r endpoint since <"$ep"
  sed -n 's/^serving/  server: serving/p' "$WORK/server-$delay.log" >&2
  echo "  delay $delay ms: load before the runs:$(uptime | sed 's/.*load average//')" >&2
  declare -A times=() flight=() objects=()
  # paired: each run reads with every binary in turn (a busy machine slows them alike)
  for _ in $(seq "$RUNS"); do
    for i in "${!BINS[@]}"; do
      read -r t f o < <(run_one "${BINS[$i]}" "$endpoint" "$since")
      times[$i]="${times[$i]:-} $t" flight[$i]=$f objects[$i]=$o
    done
  done
  for i in "${!BINS[@]}"; do
    median=$(printf '%s\n' ${times[$i]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "| $CMD | ${BINS[$i]} | ${objects[$i]} | ${delay} ms | ${flight[$i]} | $median |${times[$i]} |"
  done
  unset times flight objects
  rm -f "$ep"
  wait "$server" || true
  sed -n 's/^served/  server: served/p' "$WORK/server-$delay.log" >&2
done
