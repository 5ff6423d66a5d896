#!/usr/bin/env bash
# Fills the Zig caches with what _tools/zig_check.sh compiles, at the lowest CPU priority, while
# dev.sh check runs its other phases. On a cold cache (every fresh CI machine) the zig phase spends
# minutes compiling one artifact at a time on one CPU (Zig's translate-c alone, for the header
# check, takes 2-3 minutes); started at the beginning of `check`, these compiles use the CPU the
# JS phases leave idle. Compile only: nothing is run or installed into zig-out/ (installs go to
# .toolchain/prewarm). A failure here changes nothing: the zig phase compiles what is missing and
# reports its own errors. Zig's caches are safe for concurrent builds (a second build of the same
# artifact waits for the first and reuses it).
#
#   bash _tools/zig_prewarm.sh      (dev.sh check starts it in the background and waits for it)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=/dev/null
. "$root/_tools/env.sh" >/dev/null || exit 1
ZIG_EXE=$(zig_exe)
out="$root/.toolchain/prewarm"

# In the order zig_check.sh needs them.
builds=(
    "test-bin -Doptimize=Debug"
    "test-bin -Doptimize=ReleaseSafe"
    "test-bin -Doptimize=Debug -Dfirst-generation=4294967294"
    "test-bin -Dtarget=aarch64-linux -Doptimize=Debug"
    "test-bin -Dtarget=riscv64-linux -Doptimize=Debug"
    "test-bin -Dtarget=x86_64-windows -Doptimize=Debug"
    "all"
    "test-bin -Doptimize=Debug -Dcpu=baseline"
    "unwind-test-bin"
)
# The header check runs Zig's translate-c, which Zig compiles from source on first use.
nice -n 19 "$ZIG_EXE" translate-c include/greenlet.h >/dev/null 2>&1 &
translate_c=$!
for build in "${builds[@]}"; do
    # shellcheck disable=SC2086
    nice -n 19 "$ZIG_EXE" build $build --prefix "$out" >/dev/null 2>&1
done
wait "$translate_c"
exit 0
