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
//
// A word travels as two u32 halves, low first, in a Uint32Array (greenlet_send's message): no
// BigInt is made for a number or a table entry, either way.

/** 2^32: the weight of a word's high half. */
const HALF = 0x1_0000_0000;
/** The high half of 2^63 (the table bit). */
const TABLE_HIGH = 0x8000_0000;
/** The high half of 2^53: a word whose high half is below it is a safe integer. */
const SAFE_HIGH = 0x20_0000;

const table = new Map<number, unknown>();
let nextId = 1;

/**
 * Writes the word that carries `value` into C at `words[at]` (low half) and `words[at + 1]`
 * (high half); a stored value's id is added to `owned`.
 */
export function encodeInto(value: unknown, owned: number[], words: Uint32Array, at: number): void {
  let word: number;
  let high = 0;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    word = value;
  } else if (value === undefined) {
    word = 0;
    high = TABLE_HIGH;
  } else {
    word = nextId++;
    table.set(word, value);
    owned.push(word);
    high = TABLE_HIGH;
  }
  words[at] = word >>> 0;
  words[at + 1] = high + Math.floor(word / HALF);
}

/** The JS value the word at `words[at]`, `words[at + 1]` stands for (see the file header). */
export function decodeFrom(words: Uint32Array, at: number): unknown {
  const low = words[at];
  const high = words[at + 1];
  if (high < SAFE_HIGH) return high * HALF + low;
  if (high >= TABLE_HIGH && high < TABLE_HIGH + SAFE_HIGH) {
    const id = (high - TABLE_HIGH) * HALF + low;
    if (id === 0) return undefined;
    if (table.has(id)) return table.get(id);
  }
  return (BigInt(high) << 32n) | BigInt(low);
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
