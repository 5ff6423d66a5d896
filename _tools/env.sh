# Sourced by the project's scripts: puts the pinned toolchain on PATH.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! bash "$_root/_tools/setup.sh"; then
  echo "env: installing the pinned toolchain into .toolchain/ failed (the lines above say why);" \
    "run bash _tools/setup.sh again once the registry is reachable" >&2
  return 1
fi
export PATH="$_root/.toolchain/npm/node_modules/.bin:$_root/.toolchain/venv/bin:$PATH"
export DENO_DIR="$_root/.toolchain/deno-cache"
export DENO_NO_UPDATE_CHECK=1
export DENO_NO_PROMPT=1
export BUN_INSTALL_CACHE_DIR="$_root/.toolchain/bun-cache"
# Zig's global cache lives per user, outside the checkout: every clone on the machine (CI's fresh
# clone too) reuses the per-target libc, libc++ and libunwind builds, which take minutes each.
export ZIG_GLOBAL_CACHE_DIR="${GREENLET_ZIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greenlet-dev/zig}"
export PYTHON="$_root/.toolchain/venv/bin/python"
zig() { "$PYTHON" -m ziglang "$@"; }
export -f zig
