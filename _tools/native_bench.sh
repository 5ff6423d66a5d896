#!/usr/bin/env bash
# Native bridge benchmarks (issue 8 part 9) next to their baselines, all in one run; prints the
# markdown table.
#   bash _tools/native_bench.sh                         (5 turns; about 2 minutes on an idle 2-core VM)
#   NBENCH_RUNS=3 NBENCH_ROUNDS=5 bash _tools/native_bench.sh   (quicker)
#   NBENCH_ONLY=switch bash _tools/native_bench.sh      (the Deno and Bun processes run only these
#                                                       groups: --only of bench/native_bench.ts)
# A turn runs one process each of CPython (bench/native_bench.py: greenlet's main -> g -> main
# round trip), Deno and Bun (bench/native_bench.ts), one after the other;
# bench/native_report.ts takes the median over the turns with the range, and the ratios against
# baselines measured in the same turn (CPython) or the same process (the other cases).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
runs=${NBENCH_RUNS:-5}
rounds=${NBENCH_ROUNDS:-9}
only=()
if [ -n "${NBENCH_ONLY:-}" ]; then only=(--only="$NBENCH_ONLY"); fi
# NBENCH_OUT=DIR keeps the per-process JSON files there, DIR/<turn>/<runtime>.json (default: a
# temporary directory).
if [ -n "${NBENCH_OUT:-}" ]; then
  out=$NBENCH_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
# The fixture bodies (tests/fixtures/entries.zig) and the library they link to.
zig build test-entries
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for i in $(seq 1 "$runs"); do
  mkdir -p "$out/$i"
  echo "turn $i/$runs: python" >&2
  "$PYTHON" bench/native_bench.py --rounds="$rounds" >"$out/$i/python.json"
  echo "turn $i/$runs: deno" >&2
  deno run -A bench/native_bench.ts --rounds="$rounds" "${only[@]}" >"$out/$i/deno.json"
  echo "turn $i/$runs: bun" >&2
  bun run bench/native_bench.ts --rounds="$rounds" "${only[@]}" >"$out/$i/bun.json"
done
echo "command: bash _tools/native_bench.sh (NBENCH_RUNS=$runs NBENCH_ROUNDS=$rounds${NBENCH_ONLY:+ NBENCH_ONLY=$NBENCH_ONLY}), started $started;" \
  "load average: $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
turns=()
for i in $(seq 1 "$runs"); do turns+=("$out/$i"); done
deno run --allow-read bench/native_report.ts "${turns[@]}"
