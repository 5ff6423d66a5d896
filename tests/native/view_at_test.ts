// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// viewAt(): a live, writable view of memory at a pointer.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pointerOf, viewAt } from "../../native.ts";

describe("viewAt()", () => {
  it("reads and writes the memory itself", () => {
    const numbers = new Int32Array([1, 2, 3, 4]);
    const view = viewAt(pointerOf(numbers), 16);
    assert.equal(view.byteLength, 16);
    assert.equal(view.getInt32(8, true), 3);
    view.setInt32(12, -7, true);
    assert.equal(numbers[3], -7);
    assert.equal(viewAt(pointerOf(numbers), 0).byteLength, 0);
  });

  it("refuses null, non-pointers and bad lengths", () => {
    const pointer = pointerOf(new Uint8Array(4));
    assert.throws(() => viewAt(null, 4), TypeError);
    assert.throws(() => viewAt("p" as never, 4), TypeError);
    assert.throws(() => viewAt(pointer, -1), RangeError);
    assert.throws(() => viewAt(pointer, 1.5), RangeError);
  });
});
