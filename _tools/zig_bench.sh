#!/usr/bin/env bash
# Builds and runs the native benchmark (bench/native): round trips of the raw
# library switch, the full greenlet_switch, Boost.Context's jump_fcontext and
# glibc swapcontext, with ratios, plus resident bytes per suspended greenlet.
# The three fast loops run interleaved (one warm-up round, then 21 rounds of
# 10^6 round trips each); the table gives the best and the median per loop.
# The harness binary (.zig-cache/o/*/greenlet-bench) takes `full`, `raw` or
# `fcontext` to run one loop alone, for `perf stat`. Informational: nothing here asserts a time. Needs Debian
# libboost-context-dev.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=/dev/null
. "$root/_tools/env.sh" >/dev/null
ZIG_EXE="$(dirname "$("$PYTHON" -c 'import ziglang; print(ziglang.__file__)')")/zig"

if [ ! -e /usr/include/boost/context/detail/fcontext.hpp ]; then
    echo "zig_bench: libboost-context-dev is not installed (see _tools/pins.env)" >&2
    exit 1
fi
echo "zig_bench: $(uname -m), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "zig_bench: library built ReleaseSafe (as shipped); C harness -O2"
timeout 600 "$ZIG_EXE" build bench -Doptimize=ReleaseSafe "$@"
