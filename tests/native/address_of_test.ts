// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// addressOf() and pointerAt(): a pointer's address as a bigint and back, for pointers stored in
// or read from C memory.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addressOf, pointerAt, pointerOf, viewAt } from "../../native.ts";

describe("addressOf() and pointerAt()", () => {
  it("give a buffer's address, offsets included, and the same memory back", () => {
    // Large enough to live outside JSC's GC heap: Bun moves a small typed array the first time
    // its buffer is read, which pointerOf() does not do first yet (reported to bridge).
    const numbers = new Int32Array(4096);
    numbers.set([10, 20, 30]);
    const base = addressOf(pointerOf(numbers));
    assert.ok(base > 0n);
    assert.equal(addressOf(pointerOf(numbers.subarray(2))), base + 8n);
    assert.equal(viewAt(pointerAt(base + 4n), 4).getInt32(0, true), 20);
    assert.equal(viewAt(pointerAt(Number(base)), 4).getInt32(0, true), 10, "a number works too");
    assert.equal(addressOf(pointerAt(base)), base);
  });

  it("store a pointer in C memory as C code reads it (a 64-bit word)", () => {
    const target = new Uint8Array([7]);
    const slot = new BigUint64Array(1);
    viewAt(pointerOf(slot), 8).setBigUint64(0, addressOf(pointerOf(target)), true);
    assert.equal(viewAt(pointerAt(slot[0]), 1).getUint8(0), 7);
  });

  it("map null to 0 and back", () => {
    assert.equal(addressOf(null), 0n);
    assert.equal(pointerAt(0n), null);
    assert.equal(pointerAt(0), null);
  });

  it("refuse what is no pointer or no address", () => {
    assert.throws(() => addressOf("0x10" as never), TypeError);
    assert.throws(() => addressOf({} as never), TypeError);
    assert.throws(() => pointerAt("16" as never), TypeError);
    assert.throws(() => pointerAt(-1n), RangeError);
    assert.throws(() => pointerAt(1n << 64n), RangeError);
    assert.throws(() => pointerAt(0.5), RangeError);
  });
});
