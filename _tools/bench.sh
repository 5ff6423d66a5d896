#!/usr/bin/env bash
# JS-tier benchmarks next to CPython greenlet, all in one run; prints one markdown table.
#   bash _tools/bench.sh                          (about 2 minutes)
#   BENCH_RUNS=2 BENCH_K=7 bash _tools/bench.sh   (quicker)
# Runs bench/greenlet_bench.py (CPython greenlet), bench/greenlet_bench.ts under Deno and Bun
# (greenlet cases and the bare-`yield` floors), then bench/report.ts builds the table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
runs=${BENCH_RUNS:-6}
k=${BENCH_K:-21}
# BENCH_OUT=DIR keeps the per-run JSON files there (default: a temporary directory).
if [ -n "${BENCH_OUT:-}" ]; then
  out=$BENCH_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
# The runtimes take turns so machine noise spreads over all of them; report.ts keeps the best
# figure per case and runtime across runs. A JIT's tier-up varies from process to process
# (Bun especially), so the JS runtimes run every turn; CPython, steadier and slower, every
# other turn, with the (deterministic) heap case only once.
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then
    heap=()
    [ "$i" -gt 1 ] && heap=(--no-heap)
    echo "turn $i/$runs: python" >&2
    "$PYTHON" bench/greenlet_bench.py --k="$k" "${heap[@]}" >"$out/python-$i.json"
  fi
  echo "turn $i/$runs: deno" >&2
  deno run -A --v8-flags=--expose-gc bench/greenlet_bench.ts --k="$k" >"$out/deno-$i.json"
  echo "turn $i/$runs: bun" >&2
  bun run bench/greenlet_bench.ts --k="$k" >"$out/bun-$i.json"
done
echo "command: bash _tools/bench.sh (BENCH_RUNS=$runs BENCH_K=$k); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
deno run --allow-read bench/report.ts "$out"/*.json
