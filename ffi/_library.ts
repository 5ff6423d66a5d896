// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * The native library as seen from TypeScript, the same on both runtimes. Calls return the
 * C status code; out-parameters are filled into the arrays passed in. A handle is two u32s
 * (slot, generation).
 */
export interface NativeLibrary {
  /** `greenlet_abi_version()`. */
  abiVersion(): number;
  /** `greenlet_status_name(status)` as a string. */
  statusName(status: number): string;
  /** `greenlet_root(&out[0])`. */
  root(out: Uint32Array): number;
  /** `greenlet_current(&out[0])`. */
  current(out: Uint32Array): number;
  /** `greenlet_state(slot, generation, &out[0])`. */
  state(slot: number, generation: number, out: Uint32Array): number;
  /** `greenlet_parent(slot, generation, out)`: out[0] slot, out[1] generation. */
  parent(slot: number, generation: number, out: Uint32Array): number;
  /** `greenlet_stats(values, values.length, &count[0])`. */
  stats(values: BigUint64Array, count: Uint32Array): number;
  /** `greenlet_pool_set_cap(cap, &out[0])`. */
  poolSetCap(cap: number, out: Uint32Array): number;
  /** Unloads the library; later calls throw. Idempotent. */
  close(): void;
}

/**
 * Wraps an open library so that `close()` unloads it once and every later call throws instead
 * of calling into unloaded code.
 */
export function closable(open: Omit<NativeLibrary, "close">, unload: () => void): NativeLibrary {
  let live: Omit<NativeLibrary, "close"> = open;
  let closed = false;
  return {
    abiVersion: () => live.abiVersion(),
    statusName: (status) => live.statusName(status),
    root: (out) => live.root(out),
    current: (out) => live.current(out),
    state: (slot, generation, out) => live.state(slot, generation, out),
    parent: (slot, generation, out) => live.parent(slot, generation, out),
    stats: (values, count) => live.stats(values, count),
    poolSetCap: (cap, out) => live.poolSetCap(cap, out),
    close: () => {
      if (closed) return;
      closed = true;
      live = closedLibrary();
      unload();
    },
  };
}

/** A library whose calls all throw. */
function closedLibrary(): NativeLibrary {
  const fail = (): never => {
    throw new TypeError("Cannot call the native library: it has been closed");
  };
  return {
    abiVersion: fail,
    statusName: fail,
    root: fail,
    current: fail,
    state: fail,
    parent: fail,
    stats: fail,
    poolSetCap: fail,
    close: () => {},
  };
}
