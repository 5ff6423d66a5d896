#!/usr/bin/env bash
# Builds the unwinding test program (tests/native/unwind_test.c, .cpp) with a
# Debian GCC toolchain, linked against the Zig-built ReleaseSafe library of the
# target, and runs it (natively, under qemu-user or under Wine). GCC's unwinder
# (libgcc, SEH on MinGW x86_64) and libstdc++'s exceptions are what most C and
# C++ libraries on Linux and MinGW use; Zig's own libc++ would be rebuilt per
# target on every cold cache (minutes each). LLVM's libunwind is covered by
# `zig build unwind-test` (C stack walks only).
#
#   bash _tools/unwind_gcc.sh x86_64-linux|aarch64-linux|riscv64-linux|x86_64-windows
#   bash _tools/unwind_gcc.sh --missing TARGET   prints the first missing compiler or
#                                                runner and exits 0; exits 1 when none is
#                                                missing (zig_check.sh's SKIP lines)
#
# Exit status 0 iff the program printed "unwind: ok" and exited 0; 2 when the
# compiler or runner is missing.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
missing_only=0
if [ "${1:-}" = --missing ]; then
    missing_only=1
    shift
fi
target=${1:?usage: unwind_gcc.sh [--missing] x86_64-linux|aarch64-linux|riscv64-linux|x86_64-windows}
out="$root/.toolchain/unwind-gcc/$target"
flags=(-O2 -g -Wall -Wextra -Werror -fno-omit-frame-pointer -fno-optimize-sibling-calls
    -funwind-tables -I"$root/include")

# The compiler prefix and the runner of each target (Debian package names in pins.env).
case $target in
    x86_64-linux) prefix="" runner=() ;;
    aarch64-linux | riscv64-linux)
        prefix="${target%-linux}-linux-gnu-"
        runner=("qemu-${target%-linux}" -L "/usr/${target%-linux}-linux-gnu")
        ;;
    x86_64-windows) prefix="x86_64-w64-mingw32-" runner=(wine) ;;
    *)
        echo "unwind_gcc.sh: unknown target $target" >&2
        exit 2
        ;;
esac
cc="${prefix}gcc" cxx="${prefix}g++"
if [ "$target" = x86_64-windows ]; then cc="${prefix}gcc-posix" cxx="${prefix}g++-posix"; fi
for tool in "$cc" "$cxx" "${runner[@]:0:1}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        if [ "$missing_only" = 1 ]; then
            echo "$tool"
            exit 0
        fi
        echo "unwind_gcc.sh: $tool not found" >&2
        exit 2
    fi
done
[ "$missing_only" = 1 ] && exit 1

ZIG_EXE=${ZIG_EXE:-}
if [ -z "$ZIG_EXE" ]; then
    # shellcheck source=/dev/null
    . "$root/_tools/env.sh" >/dev/null || exit 1
    ZIG_EXE=$(zig_exe)
fi

# The library exactly as `zig build all` builds it (a cache hit after that step).
zig_target=$target
[ "$target" = x86_64-windows ] && zig_target=x86_64-windows-gnu
rm -rf "$out"
mkdir -p "$out"
(cd "$root" && "$ZIG_EXE" build -Dtarget="$zig_target" --prefix "$out") || exit 1

"$cc" -std=gnu11 "${flags[@]}" -c "$root/tests/native/unwind_test.c" -o "$out/unwind_test.o" || exit 1
"$cxx" -std=c++17 "${flags[@]}" -c "$root/tests/native/unwind_test.cpp" -o "$out/unwind_test_cxx.o" || exit 1
if [ "$target" = x86_64-windows ]; then
    # The GCC runtime linked statically, greenlet.dll beside the program: Wine needs nothing else.
    exe="$out/bin/greenlet-unwind-test.exe"
    "$cxx" -static "$out/unwind_test.o" "$out/unwind_test_cxx.o" "$out/bin/greenlet.dll" -o "$exe" || exit 1
else
    exe="$out/bin/greenlet-unwind-test"
    mkdir -p "$out/bin"
    "$cxx" "$out/unwind_test.o" "$out/unwind_test_cxx.o" -L"$out/lib" -lgreenlet -Wl,-rpath,"$out/lib" \
        -o "$exe" || exit 1
fi

output=$("${runner[@]}" "$exe")
rc=$?
output=${output//$'\r'/}
echo "$output"
if [ "$rc" -ne 0 ] || [ "$output" != "unwind: ok" ]; then
    echo "unwind_gcc.sh: $target: exit $rc, expected exactly \"unwind: ok\"" >&2
    exit 1
fi
