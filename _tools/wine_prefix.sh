#!/usr/bin/env bash
# Creates the Wine prefix of the Windows tests (.toolchain/wineprefix) off the critical path.
# A fresh prefix takes Wine a minute or more (87 s at load 2 on 2 cores), and a test binary that
# found no prefix would create it inside zig's one-minute test-runner timeout ("test runner failed
# to respond").
#
#   bash _tools/wine_prefix.sh start   starts `wineboot --init` in the background (no-op when the
#                                      prefix exists, a creation is under way, or Wine is missing)
#   bash _tools/wine_prefix.sh wait    waits for it (creating the prefix now if nothing started it);
#                                      exit 1 with the log's tail if there is no prefix afterwards
#
# dev.sh check starts it before its first phase; zig_check.sh starts it too (when run alone) and
# waits before the first Windows test.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=/dev/null
. "$root/_tools/env.sh" >/dev/null || exit 1 # WINEPREFIX, WINEDEBUG, have_wine
pid_file="$root/.toolchain/wineprefix.pid"
log="$root/.toolchain/wineprefix.log"
limit=600

created() { [ -f "$WINEPREFIX/system.reg" ]; }
running() { # the background wineboot is alive (and not a zombie nobody reaped)
    local state
    [ -f "$pid_file" ] && state=$(ps -o stat= -p "$(cat "$pid_file")" 2>/dev/null) && [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

case ${1:-} in
    start)
        have_wine || exit 0
        if created || running; then exit 0; fi
        mkdir -p "$WINEPREFIX"
        # setsid: its own process group, so the caller's Ctrl-C or timeout does not leave it half done.
        setsid -w timeout "$limit" wine wineboot --init >"$log" 2>&1 </dev/null &
        echo $! >"$pid_file"
        ;;
    wait)
        have_wine || exit 0
        started=$(date +%s)
        while running; do
            if [ $(($(date +%s) - started)) -gt "$limit" ]; then
                echo "wine_prefix.sh: wineboot --init still running after ${limit}s" >&2
                break
            fi
            sleep 1
        done
        rm -f "$pid_file"
        if ! created; then
            mkdir -p "$WINEPREFIX"
            timeout "$limit" wine wineboot --init >>"$log" 2>&1 </dev/null
        fi
        # wineboot returns before wineserver has written the registry files.
        timeout 120 wineserver -w >/dev/null 2>&1
        if ! created; then
            echo "wine_prefix.sh: no Wine prefix at $WINEPREFIX (wineboot --init failed); its log:" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        echo "wine_prefix.sh: prefix ready ($WINEPREFIX), waited $(($(date +%s) - started))s"
        ;;
    *)
        echo "usage: bash _tools/wine_prefix.sh start|wait" >&2
        exit 2
        ;;
esac
