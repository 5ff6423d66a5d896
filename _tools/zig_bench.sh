#!/usr/bin/env bash
# Builds and runs the native benchmark (bench/native): round trips of the raw
# library switch, the full greenlet_switch (root <-> greenlet and greenlet <->
# greenlet), a callback on a call greenlet answered with greenlet_send,
# Boost.Context's jump_fcontext and glibc swapcontext, plus resident
# bytes per suspended greenlet. The fast loops run interleaved (one
# warm-up round, then 31 rounds of 2x10^5 round trips each, timed in thread
# CPU time); each loop's figure is the median over the rounds of its ratio to
# the same round's fcontext, with quartiles and min-max. The harness binary
# (`zig build bench-bin`) takes `raw|full|pair|lifecycle|callback|fcontext
# [iterations]` to run
# one loop alone, for cachegrind (docs/native.md, "Switch speed").
# Informational: nothing here asserts a time. Needs Debian libboost-context-dev.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=/dev/null
. "$root/_tools/env.sh" >/dev/null
ZIG_EXE=$(zig_exe)

if [ ! -e /usr/include/boost/context/detail/fcontext.hpp ]; then
    echo "zig_bench: libboost-context-dev is not installed (see _tools/pins.env)" >&2
    exit 1
fi
echo "zig_bench: $(uname -m), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "zig_bench: library built ReleaseSafe (as shipped); C harness -O2"
timeout 600 "$ZIG_EXE" build bench -Doptimize=ReleaseSafe "$@"
