// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Deno's adapter: Deno.dlopen with the shared symbol table as is.

import { closable, type NativeLibrary } from "./_library.ts";
import { symbols } from "./symbols.ts";

/** Opens the native library with Deno FFI (needs --allow-ffi). */
export function openDeno(path: string): NativeLibrary {
  const lib = Deno.dlopen(path, symbols);
  const s = lib.symbols;
  const open: Omit<NativeLibrary, "close"> = {
    abiVersion: () => s.greenlet_abi_version(),
    statusName: (status) => {
      const p = s.greenlet_status_name(status);
      return p === null ? "" : Deno.UnsafePointerView.getCString(p);
    },
    root: (out) => s.greenlet_root(out),
    current: (out) => s.greenlet_current(out),
    state: (slot, generation, out) => s.greenlet_state(slot, generation, out),
    parent: (slot, generation, out) => s.greenlet_parent(slot, generation, out),
    stats: (values, count) => s.greenlet_stats(values, values.length, count),
    poolSetCap: (cap, out) => s.greenlet_pool_set_cap(cap, out),
  };
  return closable(open, () => lib.close());
}
