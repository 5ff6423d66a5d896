# Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
"""Command-line arguments shared by the CPython benchmarks (greenlet_bench.py, hub_bench.py)."""

import sys


def parse(k, warmup, switch):
    """Reads --k=N, --warmup=N, --only=a,b and the script's one --no-<switch> flag from
    sys.argv. Returns (k, warmup, only or None, whether <switch> stays on)."""
    only, enabled = None, True
    for arg in sys.argv[1:]:
        key, _, value = arg.partition("=")
        if key == "--k":
            k = int(value)
        elif key == "--warmup":
            warmup = int(value)
        elif key == "--only":
            only = value.split(",")
        elif key == f"--no-{switch}":
            enabled = False
        else:
            raise SystemExit(f"Unknown argument {arg}")
    return k, warmup, only, enabled
