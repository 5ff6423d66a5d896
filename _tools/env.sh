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
# Zig's global cache lives per user, outside the checkout. (Zig keys its builds of libc and its
# other runtime libraries by its installation's path, which is inside each clone's .toolchain/:
# another clone rebuilds those; docs/contributing.md, "CI time on a fresh machine".)
export ZIG_GLOBAL_CACHE_DIR="${GREENLET_ZIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greenlet-dev/zig}"
export PYTHON="$_root/.toolchain/venv/bin/python"
zig() { "$PYTHON" -m ziglang "$@"; }
export -f zig
# The zig executable that `python -m ziglang` runs, for scripts that run it directly.
zig_exe() { echo "$(dirname "$("$PYTHON" -c 'import ziglang; print(ziglang.__file__)')")/zig"; }
export -f zig_exe
# Wine for the Windows tests (Debian packages wine, wine64): the project's own prefix, quiet, and
# whether Wine and its 64-bit loader are here (_tools/zig_check.sh, _tools/wine_prefix.sh).
export WINEPREFIX="$_root/.toolchain/wineprefix"
export WINEDEBUG=-all
have_wine() { command -v wine >/dev/null 2>&1 && { [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1; }; }
export -f have_wine
