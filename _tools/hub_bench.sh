#!/usr/bin/env bash
# The hub's benchmarks beside gevent and Effection, and the echo server beside an async/await
# one, all in one run; prints the markdown tables of docs/benchmarks_hub.md.
#   bash _tools/hub_bench.sh                                   (about 10 minutes when quiet)
#   HUB_BENCH_RUNS=3 HUB_BENCH_K=5 HUB_BENCH_ECHO_SECONDS=3 bash _tools/hub_bench.sh   (quicker)
#   HUB_BENCH_ECHO_RUNS=0 ...  (no echo)        HUB_BENCH_RUNS=0 ...  (echo only)
#   HUB_BENCH_WARMUP=2500 ...  (warm-up per process, in ms of its CPU time, the same for every
#      side: untimed rounds of every case until they took that much, at least 2; before
#      2026-12-02 this was a count of rounds)
#   HUB_BENCH_TRACE=1 ...  (each JS process prints every batch's ns per op to stderr)
# Processes take turns (gevent every other turn: slower and steadier), so machine noise spreads
# over all of them; bench/hub_report.ts takes the median over processes, with the spread.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
runs=${HUB_BENCH_RUNS:-5}
k=${HUB_BENCH_K:-11}
warmup=${HUB_BENCH_WARMUP:-2500}
echo_runs=${HUB_BENCH_ECHO_RUNS:-3}
echo_seconds=${HUB_BENCH_ECHO_SECONDS:-10}
echo_clients=${HUB_BENCH_ECHO_CLIENTS:-1000}
if [ -n "${HUB_BENCH_OUT:-}" ]; then
  out=$HUB_BENCH_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
deno_cmd=(deno run -A --v8-flags=--expose-gc)
bun_cmd=(bun run)

for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then
    echo "turn $i/$runs: gevent" >&2
    "$PYTHON" bench/hub_bench.py --k="$k" --warmup="$warmup" >"$out/gevent-$i.json"
  fi
  for rt in deno bun; do
    cmd_var="${rt}_cmd[@]"
    for lib in hub effection; do
      echo "turn $i/$runs: $rt $lib" >&2
      "${!cmd_var}" "bench/hub_$([ $lib = hub ] && echo bench || echo effection).ts" \
        --k="$k" --warmup="$warmup" >"$out/$rt-$lib-$i.json"
    done
  done
done

# cpu_ticks PID: user + system CPU ticks of a process so far (/proc/PID/stat fields 14, 15; the
# command name in field 2 has no spaces here).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# echo_run RUNTIME SERVER FILE: one server process on an ephemeral loopback port, one load
# process against it, the server stopped after the load.
echo_run() {
  local rt=$1 server=$2 file=$3 cmd_var="${1}_cmd[@]" log port pid
  log="$out/echo-server.log"
  "${!cmd_var}" "$file" --port=0 --seconds=$((echo_seconds + 30)) >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "^listening" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  port=$(sed -nE 's/^listening [0-9.]+:([0-9]+) .*/\1/p' "$log")
  if [ -z "$port" ]; then
    kill "$pid" 2>/dev/null || true
    echo "echo server $file did not start:" >&2
    cat "$log" >&2
    return 1
  fi
  local load cpu0 cpu1
  cpu0=$(cpu_ticks "$pid")
  load=$("${!cmd_var}" examples/echo_load.ts --port="$port" --clients="$echo_clients" \
    --seconds="$echo_seconds")
  cpu1=$(cpu_ticks "$pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf '{"runtime":"%s","server":"%s","serverCpuSeconds":%s,"load":%s}\n' "$rt" "$server" \
    "$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')" \
    "$load"
}

for i in $(seq 1 "$echo_runs"); do
  for rt in deno bun; do
    echo "echo $i/$echo_runs: $rt hub, async/await" >&2
    echo_run "$rt" hub examples/echo_server.ts >"$out/echo-$rt-hub-$i.json"
    echo_run "$rt" async bench/echo_async.ts >"$out/echo-$rt-async-$i.json"
  done
done

echo "command: bash _tools/hub_bench.sh (HUB_BENCH_RUNS=$runs HUB_BENCH_K=$k HUB_BENCH_WARMUP=$warmup" \
  "HUB_BENCH_ECHO_RUNS=$echo_runs HUB_BENCH_ECHO_SECONDS=$echo_seconds; warm-up: rounds until" \
  "$warmup ms of each process's CPU time, at least 2);" \
  "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
deno run --allow-read bench/hub_report.ts "$out"/*.json
