#!/usr/bin/env bash
# JS-tier benchmarks next to CPython greenlet, all in one run; prints the markdown tables.
#   bash _tools/bench.sh                          (35 s on an idle 2-core VM, 1.5 min under load)
#   BENCH_RUNS=3 BENCH_K=9 bash _tools/bench.sh   (quicker)
# Runs bench/greenlet_bench.py (CPython greenlet), bench/greenlet_bench.ts under Deno and Bun
# (greenlet cases and the bare-`yield` floors), then bench/report.ts builds the tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
runs=${BENCH_RUNS:-5}
k=${BENCH_K:-21}
# BENCH_OUT=DIR keeps the per-process JSON files there, DIR/<turn>/<runtime>.json (default: a
# temporary directory).
if [ -n "${BENCH_OUT:-}" ]; then
  out=$BENCH_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
# A turn runs one process per runtime, one after the other; every process reports its median
# batch per case. report.ts takes the median over the processes (turns) with their range, and
# the × CPython ratios per turn, against the CPython process of the same turn.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for i in $(seq 1 "$runs"); do
  mkdir -p "$out/$i"
  # CPython's heap case (tracemalloc: the same byte count in every process, and seconds of
  # allocation) runs in the first turn only.
  heap=()
  [ "$i" -gt 1 ] && heap=(--no-heap)
  echo "turn $i/$runs: python" >&2
  "$PYTHON" bench/greenlet_bench.py --k="$k" "${heap[@]}" >"$out/$i/python.json"
  echo "turn $i/$runs: deno" >&2
  deno run -A --v8-flags=--expose-gc bench/greenlet_bench.ts --k="$k" >"$out/$i/deno.json"
  echo "turn $i/$runs: bun" >&2
  bun run bench/greenlet_bench.ts --k="$k" >"$out/$i/bun.json"
done
echo "command: bash _tools/bench.sh (BENCH_RUNS=$runs BENCH_K=$k), started $started;" \
  "load average: $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
turns=()
for i in $(seq 1 "$runs"); do turns+=("$out/$i"); done
deno run --allow-read bench/report.ts "${turns[@]}"
