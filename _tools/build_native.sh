#!/usr/bin/env bash
# The one command that builds the packaged native libraries: the six release targets (linux
# x86_64/aarch64/riscv64, macOS x86_64/aarch64, windows x86_64) into native/<os>-<arch>/, and
# ffi/_native_hashes.ts, their SHA-256 table, which the loader (ffi/_locate.ts) imports. Commit
# both. The table also holds a hash of build.zig, zig/ and the Zig pin, so --check (a phase of
# `bash _tools/dev.sh check`) knows when they changed; it builds nothing and takes a second.
# The builds embed the checkout's path (docs/native_delivery.md), so a rebuild from unchanged
# sources elsewhere gives other bytes: without --force, nothing is rebuilt while --check passes.
#   bash _tools/build_native.sh          build if stale, then write native/ and the table
#   bash _tools/build_native.sh --force  build and write even if current
#   bash _tools/build_native.sh --check  fail (naming this command) if either is stale
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=env.sh
. "$root/_tools/env.sh"
check() { deno run --allow-read="$root" _tools/native_table.ts --check; }
case "${1:-}" in
  --check)
    check
    exit
    ;;
  --force) ;;
  "")
    if check > /dev/null 2>&1; then
      echo "native/ and ffi/_native_hashes.ts are current: nothing rebuilt (--force rebuilds)"
      exit 0
    fi
    ;;
  *)
    echo "usage: bash _tools/build_native.sh [--check|--force]" >&2
    exit 2
    ;;
esac
built=$(mktemp -d)
trap 'rm -rf "$built"' EXIT
zig build all --prefix "$built"
deno run --allow-read --allow-write="$root/native,$root/ffi/_native_hashes.ts" \
  _tools/native_table.ts "$built/lib"
check
