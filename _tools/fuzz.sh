#!/usr/bin/env bash
# Differential fuzzer: CPython greenlet 3.5.6 vs this library on Deno and Bun.
#   bash _tools/fuzz.sh --ci                           saved regressions + the fixed-seed batch
#   bash _tools/fuzz.sh --programs 100000 [--seed S]   a long campaign
# Other options: --batch B, --runtimes deno,bun, --no-save. See fuzz/run.ts.
# The output ends with "N passed, N failed" (counted per program); exits non-zero on divergence.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/_tools/env.sh"
cd "$root"
exec deno run --quiet --allow-read --allow-write --allow-run --allow-env fuzz/run.ts "$@"
