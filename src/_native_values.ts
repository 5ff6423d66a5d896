// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The per-agent table that turns JS values into the one uintptr_t a native switch carries, and
// back (docs/native_greenlets.md, "Values"). Each agent (thread of JS) has its own copy of this
// module, so its own table.
//
//   0 <= n < 2^53 (a non-negative safe integer)  passes as itself, both ways
//   undefined                                    2^63 (table id 0, never stored)
//   any other JS value                           2^63 | id, id naming a table entry
// Decoding: below 2^53 a number; 2^63 | id of a live entry its value; any other word a bigint
// (a C body's own number). An entry lives until the native greenlet it was sent to dies.

const TAG = 1n << 63n;
const SAFE = 1n << 53n;

const table = new Map<number, unknown>();
let nextId = 1;

/** The word that carries `value` into C; a stored value's id is added to `owned`. */
export function encodeValue(value: unknown, owned: number[]): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (value === undefined) return TAG;
  const id = nextId++;
  table.set(id, value);
  owned.push(id);
  return TAG | BigInt(id);
}

/** The JS value a word from C stands for (see the file header). */
export function decodeValue(word: bigint): unknown {
  if (word < SAFE) return Number(word);
  if (word >= TAG) {
    const id = Number(word - TAG);
    if (id === 0) return undefined;
    if (table.has(id)) return table.get(id);
  }
  return word;
}

/** Drops the entries a dead native greenlet owned. */
export function releaseValues(owned: number[]): void {
  for (const id of owned) table.delete(id);
  owned.length = 0;
}

/** How many values the table holds (for tests). */
export function storedValues(): number {
  return table.size;
}
