// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// pointerOf(), addressOf() and pointerFromAddress(): buffers' addresses and the way back.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addressOf, pointerFromAddress, pointerOf, viewAt } from "../../native.ts";

describe("pointerOf(), addressOf() and pointerFromAddress()", () => {
  it("a view's pointer is its first byte; the address goes both ways", () => {
    const buffer = new ArrayBuffer(16);
    const whole = addressOf(pointerOf(buffer));
    const tail = addressOf(pointerOf(new Uint8Array(buffer, 8, 8)));
    assert.equal(tail - whole, 8n);
    assert.equal(addressOf(pointerOf(new Int32Array(buffer))), whole);
    // Small typed arrays too (V8 keeps them in its heap until their buffer is read).
    const small = new Int32Array([5, 6]);
    const pointer = pointerFromAddress(addressOf(pointerOf(small)));
    assert.equal(viewAt(pointer, 8).getInt32(4, true), 6);
    assert.equal(pointerFromAddress(0n), null);
    assert.equal(pointerFromAddress(0), null);
    assert.equal(addressOf(null), 0n);
  });

  it("a small typed array's pointer stays valid after its buffer is first read", () => {
    const a = new Int32Array([10, 20, 30]);
    const p = pointerOf(a);
    assert.equal(addressOf(pointerOf(a.subarray(2))), addressOf(p) + 8n);
    a[0] = 99;
    assert.equal(viewAt(p, 4).getInt32(0, true), 99);
  });

  it("refuses what is not a buffer, a pointer or an address", () => {
    assert.throws(() => pointerOf([1, 2] as never), TypeError);
    assert.throws(() => addressOf("0x10" as never), TypeError);
    assert.throws(() => pointerFromAddress(-1n), RangeError);
    assert.throws(() => pointerFromAddress(2n ** 64n), RangeError);
    assert.throws(() => pointerFromAddress(1.5), RangeError);
    assert.throws(() => pointerFromAddress("1" as never), TypeError);
  });
});
