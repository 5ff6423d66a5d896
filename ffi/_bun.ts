// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Bun's adapter: the shared table translated to bun:ffi's { args, returns } spelling.

import type { BunFFI, BunSymbol } from "./_bun_ffi.ts";
import { closable, type NativeLibrary } from "./_library.ts";
import { symbols } from "./symbols.ts";

function toBunType(type: string): string {
  return type === "buffer" || type === "pointer" ? "ptr" : type;
}

/** The shared table in bun:ffi's spelling. */
export function bunSymbols(): Record<string, BunSymbol> {
  const out: Record<string, BunSymbol> = {};
  for (const [name, def] of Object.entries(symbols)) {
    out[name] = {
      args: (def.parameters as readonly string[]).map(toBunType),
      returns: toBunType(def.result),
    };
  }
  return out;
}

/** Opens the native library with bun:ffi. */
export async function openBun(path: string): Promise<NativeLibrary> {
  const ffi = (await import("bun:ffi")) as unknown as BunFFI;
  const lib = ffi.dlopen(path, bunSymbols());
  const s = lib.symbols;
  const call = (name: keyof typeof symbols, ...args: unknown[]): number =>
    s[name](...args) as number;
  const open: Omit<NativeLibrary, "close"> = {
    abiVersion: () => call("greenlet_abi_version"),
    statusName: (status) => {
      const p = call("greenlet_status_name", status);
      return p === 0 || p === null ? "" : new ffi.CString(p).toString();
    },
    root: (out) => call("greenlet_root", out),
    current: (out) => call("greenlet_current", out),
    state: (slot, generation, out) => call("greenlet_state", slot, generation, out),
    parent: (slot, generation, out) => call("greenlet_parent", slot, generation, out),
    stats: (values, count) => call("greenlet_stats", values, values.length, count),
    poolSetCap: (cap, out) => call("greenlet_pool_set_cap", cap, out),
  };
  return closable(open, () => lib.close());
}
