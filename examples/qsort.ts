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
// Tested by tests/examples/qsort_test.ts; explained in docs/native_examples.md.

import process from "node:process";
import { awaitOnly, type Op } from "../mod.ts";
import { callNative, loadLibrary, nativeCallback, type NativePointer, viewAt } from "../native.ts";

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
  /**
   * On a native greenlet only: after every `pauseEvery` compares, the comparator awaits the
   * next turn of the event loop (a zero-delay timer), qsort suspended meanwhile. 0: never.
   * @default 0
   */
  pauseEvery?: number;
}

// void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *))
const QSORT = { parameters: ["buffer", "usize", "usize", "function"], result: "void" } as const;
// The comparator's C type. A throwing comparator makes it return the fallback, 0 ("equal").
const COMPARE = { parameters: ["pointer", "pointer"], result: "i32", fallback: 0 } as const;

/** Compares the two int32s `a` and `b` point to: what qsort's comparator answers. */
export function compareInt32(a: NativePointer, b: NativePointer): number {
  const x = viewAt(a, 4).getInt32(0, true);
  const y = viewAt(b, 4).getInt32(0, true);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Sorts `values` in place with libc's qsort on a native greenlet, comparing in JS; resolves to
 * the number of compares.
 */
export async function sortOnGreenlet(
  values: Int32Array,
  options: SortOptions = {},
): Promise<number> {
  const pauseEvery = options.pauseEvery ?? 0;
  let compares = 0;
  let nextPause = pauseEvery > 0 ? pauseEvery : -1;
  using libc = loadLibrary(options.library ?? LIBC, { qsort: QSORT });
  using compare = nativeCallback(
    COMPARE,
    function* (a: NativePointer, b: NativePointer): Op<number> {
      if (++compares === nextPause) {
        nextPause += pauseEvery;
        yield* awaitOnly(new Promise((resolve) => setTimeout(resolve, 0)));
      }
      return compareInt32(a, b);
    },
  );
  await callNative(libc.symbols.qsort, [values, values.length, 4, compare]);
  return compares;
}

/**
 * Sorts `values` in place with libc's qsort called through the runtime's own FFI (Deno.dlopen,
 * bun:ffi's dlopen) on the main stack, with the same kind of callback object; returns the
 * number of compares. A comparator that tried to switch or await here would get a GreenletError.
 */
export async function sortOnMainStack(
  values: Int32Array,
  options: SortOptions = {},
): Promise<number> {
  let compares = 0;
  using compare = nativeCallback(COMPARE, (a: NativePointer, b: NativePointer): number => {
    compares++;
    return compareInt32(a, b);
  });
  const libc = await ownDlopen(options.library ?? LIBC);
  try {
    libc.qsort(values, values.length, 4, compare.pointer);
  } finally {
    libc.close();
  }
  return compares;
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

// The command line: sort 100 000 random int32s both ways, with a pause every 1 000 compares on
// the greenlet, while a timer ticks.
if (import.meta.main) {
  const library = process.env.GREENLET_EXAMPLE_LIBC ?? LIBC;
  const random = () => Int32Array.from({ length: 100_000 }, () => (Math.random() * 2 ** 32) | 0);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const onGreenlet = random();
  const compares = await sortOnGreenlet(onGreenlet, { library, pauseEvery: 1000 });
  clearInterval(timer);
  console.log(
    `native greenlet: ${compares} compares, sorted: ${isSorted(onGreenlet)}, ` +
      `${ticks} timer ticks while qsort was suspended`,
  );
  const onMain = random();
  const mainCompares = await sortOnMainStack(onMain, { library });
  console.log(`main stack: ${mainCompares} compares, sorted: ${isSorted(onMain)}`);
}

function isSorted(values: Int32Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1] > values[i]) return false;
  return true;
}
