// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// libc's qsort sorting an Int32Array with a comparator written in JavaScript, two ways:
//
// - on a native greenlet (sortOnGreenlet): qsort runs on its own stack, and each compare
//   switches to the JS side and back. The comparator may even await: qsort stays suspended in
//   the middle of its sort while the event loop runs timers and I/O.
// - on the main stack (sortOnMainStack): the same callback object's pointer passed to qsort
//   through your own Deno.dlopen / bun:ffi dlopen; the runtime's own callback mechanism answers
//   it, synchronously.
//
//   deno run --allow-ffi --allow-read --allow-env examples/qsort.ts
//   bun run examples/qsort.ts
//
//   using compare = int32Comparator();
//   await sortOnGreenlet(values, compare);   // or sortOnMainStack(values, compare)
//
// Tested by tests/examples/qsort_test.ts; explained in docs/native_examples.md.

import process from "node:process";
import { awaitOnly, type Op } from "../mod.ts";
import {
  callNative,
  loadLibrary,
  type NativeCallback,
  nativeCallback,
  type NativePointer,
  viewAt,
} from "../native.ts";

/**
 * The C library's file: glibc's soname on Linux. macOS users pass "libSystem.B.dylib";
 * Windows users pass "msvcrt.dll" (or "ucrtbase.dll"). The environment variable
 * GREENLET_EXAMPLE_LIBC overrides it for the command line.
 */
export const LIBC = "libc.so.6";

/** Options for {@link sortOnGreenlet} and {@link sortOnMainStack}. */
export interface SortOptions {
  /** The C library's file or soname. @default LIBC */
  library?: string;
}

// void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *))
const QSORT = { parameters: ["buffer", "usize", "usize", "function"], result: "void" } as const;

/**
 * The C type of qsort's comparator, `int (*)(const void *, const void *)`. A handler that
 * throws makes the callback return the fallback, 0 ("equal").
 */
export const COMPARE_SIGNATURE = {
  parameters: ["pointer", "pointer"],
  result: "i32",
  fallback: 0,
} as const;

/** A comparator callback object: one serves qsort on a native greenlet and on the main stack. */
export type Comparator = NativeCallback<typeof COMPARE_SIGNATURE>;

/** Compares the two int32s `a` and `b` point to: what qsort's comparator answers. */
export function compareInt32(a: NativePointer, b: NativePointer): number {
  const x = viewAt(a, 4).getInt32(0, true);
  const y = viewAt(b, 4).getInt32(0, true);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A comparator for int32s. With `pauseEvery` > 0 its handler is a generator that, after every
 * `pauseEvery` compares, awaits the next turn of the event loop (a zero-delay timer): qsort
 * stays suspended meanwhile. Such a comparator works on a native greenlet only (on the main
 * stack its await is refused). Close it (or `using`) when done.
 */
export function int32Comparator(pauseEvery = 0): Comparator {
  if (pauseEvery === 0) return nativeCallback(COMPARE_SIGNATURE, compareInt32);
  let compares = 0;
  return nativeCallback(
    COMPARE_SIGNATURE,
    function* (a: NativePointer, b: NativePointer): Op<number> {
      if (++compares % pauseEvery === 0) {
        yield* awaitOnly(new Promise((resolve) => setTimeout(resolve, 0)));
      }
      return compareInt32(a, b);
    },
  );
}

/** Sorts `values` in place with libc's qsort on a native greenlet, comparing with `compare`. */
export async function sortOnGreenlet(
  values: Int32Array,
  compare: Comparator,
  options: SortOptions = {},
): Promise<void> {
  using libc = loadLibrary(options.library ?? LIBC, { qsort: QSORT });
  await callNative(libc.symbols.qsort, [values, values.length, 4, compare]);
}

/**
 * Sorts `values` in place with libc's qsort called through the runtime's own FFI (Deno.dlopen,
 * bun:ffi's dlopen) on the main stack, passing `compare.pointer`: the runtime's own callback
 * mechanism answers it, synchronously.
 */
export async function sortOnMainStack(
  values: Int32Array,
  compare: Comparator,
  options: SortOptions = {},
): Promise<void> {
  const libc = await ownDlopen(options.library ?? LIBC);
  try {
    libc.qsort(values, values.length, 4, compare.pointer);
  } finally {
    libc.close();
  }
}

/** qsort through the runtime's own dlopen: what your code does without this package. */
interface OwnQsort {
  qsort(base: Int32Array, count: number, size: number, compare: NativePointer): void;
  close(): void;
}

async function ownDlopen(library: string): Promise<OwnQsort> {
  if ("Bun" in globalThis) {
    // bun:ffi spells the table { args, returns }; typed by hand so that Deno can check this file.
    const ffi = await import("bun:ffi") as unknown as {
      dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
        symbols: { qsort(...args: unknown[]): void };
        close(): void;
      };
    };
    const lib = ffi.dlopen(library, {
      qsort: { args: ["ptr", "u64", "u64", "ptr"], returns: "void" },
    });
    return { qsort: (...args) => lib.symbols.qsort(...args), close: () => lib.close() };
  }
  const lib = Deno.dlopen(library, { qsort: QSORT });
  return {
    qsort: (base, count, size, compare) =>
      lib.symbols.qsort(base, BigInt(count), BigInt(size), compare as Deno.PointerObject | null),
    close: () => lib.close(),
  };
}

// The command line: sort 100 000 random int32s on a native greenlet with a comparator that
// pauses every 1 000 compares while a timer ticks, then with one comparator object both ways.
if (import.meta.main) {
  const library = process.env.GREENLET_EXAMPLE_LIBC ?? LIBC;
  const random = () => Int32Array.from({ length: 100_000 }, () => (Math.random() * 2 ** 32) | 0);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const paused = random();
  {
    using pausing = int32Comparator(1000);
    await sortOnGreenlet(paused, pausing, { library });
  }
  clearInterval(timer);
  console.log(
    `native greenlet, pausing: sorted ${isSorted(paused)}, ${ticks} timer ticks meanwhile`,
  );
  using compare = int32Comparator();
  const [onGreenlet, onMain] = [random(), random()];
  await sortOnGreenlet(onGreenlet, compare, { library });
  await sortOnMainStack(onMain, compare, { library });
  console.log(
    `one comparator: native greenlet sorted ${isSorted(onGreenlet)}, ` +
      `main stack sorted ${isSorted(onMain)}`,
  );
}

function isSorted(values: Int32Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1] > values[i]) return false;
  return true;
}
