#!/usr/bin/env bash
# The one command that builds the packaged native libraries: the six release targets (linux
# x86_64/aarch64/riscv64, macOS x86_64/aarch64, windows x86_64) into native/<os>-<arch>/, and
# ffi/_native_hashes.ts, their SHA-256 table, which the loader (ffi/_locate.ts) imports. Commit
# both. The table also holds a hash of build.zig, zig/ and the Zig pin, so --check (a phase of
# `bash _tools/dev.sh check`) knows when they changed; it builds nothing and takes a second.
#   bash _tools/build_native.sh          build, then write native/ and the table
#   bash _tools/build_native.sh --check  fail (naming this command) if either is stale
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
case "${1:-}" in
  --check)
    exec deno run --allow-read="$root" _tools/native_table.ts --check
    ;;
  "") ;;
  *)
    echo "usage: bash _tools/build_native.sh [--check]" >&2
    exit 2
    ;;
esac
built=$(mktemp -d)
trap 'rm -rf "$built"' EXIT
zig build all --prefix "$built"
deno run --allow-read --allow-write="$root/native,$root/ffi/_native_hashes.ts" \
  _tools/native_table.ts "$built/lib"
