#!/usr/bin/env bash
# The project's entry point. `demo` runs the demo; `check` runs every check and ends with a
# plain "N passed, N failed" line. Installs the pinned toolchain on first use.
#   bash _tools/dev.sh demo | check | test | fuzz [programs] | bench
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh" || exit 1
reports="$root/.toolchain/reports"
mkdir -p "$reports"

total_passed=0
total_failed=0
total_skipped=0
summary=()

# phase NAME COMMAND...: runs a command, times it, and counts it as one check unless it
# writes "<passed> <failed> <skipped>" to $reports/NAME.count.
phase() {
  local name=$1
  shift
  local start end rc p f s
  rm -f "$reports/$name.count"
  echo "=== $name"
  start=$(date +%s.%N)
  "$@"
  rc=$?
  end=$(date +%s.%N)
  if [ -f "$reports/$name.count" ]; then
    read -r p f s < "$reports/$name.count"
  elif [ $rc -eq 0 ]; then
    p=1 f=0 s=0
  else
    p=0 f=1 s=0
  fi
  if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  total_skipped=$((total_skipped + s))
  summary+=("$(printf '%-10s %7.1fs  %s passed, %s failed%s' "$name" \
    "$(awk -v a="$start" -v b="$end" "BEGIN { print b - a }")" "$p" "$f" "$([ "$s" != 0 ] && echo ", $s skipped")")")
}

junit_phase() { # junit_phase NAME REPORT COMMAND...
  local name=$1 report=$2
  shift 2
  rm -f "$report"
  "$@"
  local rc=$?
  if [ -f "$report" ]; then
    deno run --allow-read "$root/_tools/junit_count.ts" "$report" > "$reports/$name.count"
  fi
  return $rc
}

tail_phase() { # tail_phase NAME COMMAND...: reads the command's last "N passed, N failed" line
  local name=$1
  shift
  local log="$reports/$name.log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' |
      awk '{ print $1, $2, ($3 == "" ? 0 : $3) }' > "$reports/$name.count"
  fi
  return $rc
}

ts_sources=(mod.ts native.ts src hub tests)
[ -d testing ] && ts_sources+=(testing)
[ -d bench ] && ts_sources+=(bench)
[ -d examples ] && ts_sources+=(examples)
[ -d ffi ] && ts_sources+=(ffi)
[ -d fuzz ] && ts_sources+=(fuzz)
[ -d lint ] && ts_sources+=(lint)

cmd=${1:-check}
case "$cmd" in
  demo)
    exec deno run --allow-read examples/demo.ts
    ;;
  test)
    deno test -P tests/ && bun test --timeout 60000 tests/
    ;;
  fuzz)
    shift
    exec bash "$root/_tools/fuzz.sh" "$@"
    ;;
  bench)
    bash "$root/_tools/bench.sh"
    [ -f "$root/_tools/zig_bench.sh" ] && bash "$root/_tools/zig_bench.sh"
    [ -f "$root/_tools/native_bench.sh" ] && bash "$root/_tools/native_bench.sh"
    ;;
  check)
    # Wine's prefix (a minute or more) is created in the background while the phases run, and
    # the zig phase's compiles fill a cold Zig cache at the lowest priority (_tools/zig_prewarm.sh).
    bash "$root/_tools/wine_prefix.sh" start
    bash "$root/_tools/zig_prewarm.sh" &
    prewarm=$!
    phase fmt deno fmt --check
    phase lint deno lint
    phase typecheck deno check "${ts_sources[@]}"
    phase doclint deno doc --lint mod.ts native.ts hub/mod.ts lint/plugin.ts
    phase publish deno publish --dry-run --allow-dirty --quiet
    # native/ and ffi/_native_hashes.ts match zig/, build.zig and the version (no build).
    phase native bash "$root/_tools/build_native.sh" --check
    # The FFI tests load the host library, so build it before the suites.
    phase build zig build test-entries
    phase doctest junit_phase doctest "$reports/doctest.xml" \
      deno test --doc --junit-path="$reports/doctest.xml" -P mod.ts native.ts src/ hub/ lint/ README.md docs/
    phase deno junit_phase deno "$reports/deno.xml" \
      deno test -P --junit-path="$reports/deno.xml" tests/
    phase bun junit_phase bun "$reports/bun.xml" \
      bun test --timeout 60000 --reporter=junit --reporter-outfile="$reports/bun.xml" tests/
    if [ -f "$root/_tools/fuzz.sh" ]; then
      phase fuzz tail_phase fuzz bash "$root/_tools/fuzz.sh" --ci
    fi
    if [ -f "$root/_tools/zig_check.sh" ]; then
      phase zig tail_phase zig bash "$root/_tools/zig_check.sh"
    fi
    wait "$prewarm"
    echo "=== summary"
    printf '%s\n' "${summary[@]}"
    echo "$total_passed passed, $total_failed failed$([ $total_skipped != 0 ] && echo ", $total_skipped skipped")"
    [ "$total_failed" = 0 ]
    ;;
  *)
    echo "usage: bash _tools/dev.sh demo|check|test|fuzz|bench" >&2
    exit 2
    ;;
esac
