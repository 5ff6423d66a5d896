// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Binding, OpenTable } from "./_binding.ts";
import type { Symbols } from "./symbols.ts";
import { symbols as table } from "./symbols.ts";

/**
 * The native library as seen from TypeScript, the same on both runtimes. `symbols` holds every
 * export of include/greenlet.h under its C name, typed from ffi/symbols.ts: each call returns
 * what C returns (a status for most), out-parameters are filled into the typed arrays passed in,
 * and a handle is passed as two numbers (slot, generation) and read back from a Uint32Array(2).
 */
export interface NativeLibrary {
  /**
   * The runtime's own FFI functions (no wrapper on the call path). Call them through this
   * object: `close()` replaces them with functions that throw, so do not keep one past it.
   */
  readonly symbols: Binding<Symbols>;
  /** `greenlet_status_name(status)` read as a string. */
  statusName(status: number): string;
  /** Unloads the library; later calls throw TypeError instead of calling unloaded code. Idempotent. */
  close(): void;
  /** `close()`, for `using`. */
  [Symbol.dispose](): void;
}

function closedCall(): never {
  throw new TypeError("Cannot call the native library: it has been closed");
}

/** Wraps an opened table so that `close()` unloads it once and later calls throw. */
export function nativeLibrary(open: OpenTable<Symbols>): NativeLibrary {
  const bound: Record<string, unknown> = {};
  for (const name of Object.keys(table)) {
    bound[name] = (open.symbols as unknown as Record<string, unknown>)[name];
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const name of Object.keys(bound)) bound[name] = closedCall;
    open.close();
  };
  const symbols = bound as unknown as Binding<Symbols>;
  return {
    symbols,
    statusName: (status: number): string => open.cString(symbols.greenlet_status_name(status)),
    close,
    [Symbol.dispose]: close,
  };
}
