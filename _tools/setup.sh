#!/usr/bin/env bash
# Installs the pinned toolchain into .toolchain/ when something is missing.
# Idempotent and quiet when everything is present. Sourced paths are printed by env.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=pins.env
. "$root/_tools/pins.env"
tc="$root/.toolchain"
mkdir -p "$tc"

stamp_ok() { [ -f "$tc/$1.stamp" ] && [ "$(cat "$tc/$1.stamp")" = "$2" ]; }

npm_want="deno@$DENO_VERSION bun@$BUN_VERSION @types/node@$TYPES_NODE_VERSION"
if ! stamp_ok npm "$npm_want" || [ ! -x "$tc/npm/node_modules/.bin/deno" ]; then
  echo "setup: installing $npm_want from the npm registry" >&2
  mkdir -p "$tc/npm"
  [ -f "$tc/npm/package.json" ] || echo '{"private":true}' > "$tc/npm/package.json"
  # shellcheck disable=SC2086
  npm install --prefix "$tc/npm" --no-audit --no-fund --loglevel=error --save-exact $npm_want >&2
  echo "$npm_want" > "$tc/npm.stamp"
fi

py_want="ziglang==$ZIG_VERSION greenlet==$GREENLET_VERSION"
if ! stamp_ok venv "$py_want" || [ ! -x "$tc/venv/bin/python" ]; then
  echo "setup: installing $py_want from PyPI into .toolchain/venv" >&2
  python3 -m venv "$tc/venv"
  # shellcheck disable=SC2086
  "$tc/venv/bin/pip" install --quiet --disable-pip-version-check $py_want >&2
  echo "$py_want" > "$tc/venv.stamp"
fi

# The hub benchmark's baselines, with their own stamp so the toolchain above is not reinstalled.
bench_want="gevent==$GEVENT_VERSION effection@$EFFECTION_VERSION"
if ! stamp_ok bench "$bench_want" || [ ! -f "$tc/npm/node_modules/effection/package.json" ]; then
  echo "setup: installing $bench_want (hub benchmark baselines)" >&2
  "$tc/venv/bin/pip" install --quiet --disable-pip-version-check "gevent==$GEVENT_VERSION" >&2
  npm install --prefix "$tc/npm" --no-audit --no-fund --loglevel=error --save-exact \
    "effection@$EFFECTION_VERSION" >&2
  echo "$bench_want" > "$tc/bench.stamp"
fi

# Debian packages are optional: their absence skips the foreign-target tests and the
# native baseline benchmark, and the check output says so.
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] && [ ! -f "$tc/apt-failed" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages:$missing" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } >"$tc/apt.log" 2>&1; then
      echo "setup: apt-get failed (see .toolchain/apt.log); foreign-target tests will be skipped" >&2
      touch "$tc/apt-failed"
    fi
  else
    echo "setup: not root; cannot install$missing (foreign-target tests will be skipped)" >&2
  fi
fi
