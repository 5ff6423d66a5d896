// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Values crossing into C and back (src/_native_values.ts): a word travels as two u32 halves in
// greenlet_send's message, so numbers around 2^32 and 2^53, the table bit and words a C body
// makes must come back exactly.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { NativeGreenlet } from "../../native.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { storedValues } from "../../src/_native_values.ts";
import { type Entries, openNative } from "../ffi/_native.ts";

let lib: NativeLibrary;
let entries: Entries;

describe("native values", () => {
  before(async () => {
    ({ lib, entries } = await openNative());
  });

  after(() => {
    entries.table.close();
    lib.close();
  });

  it("come back from a C echo as they went: numbers by value, the rest by identity", () => {
    const values = storedValues();
    // echo sends arg + value back: arg 0 returns each word unchanged.
    const echo = new NativeGreenlet(entries.echo);
    const object = { an: "object" };
    const error = new Error("kept");
    for (
      const value of [
        0,
        1,
        2 ** 31,
        2 ** 32 - 1,
        2 ** 32,
        2 ** 32 + 5,
        2 ** 52 + 3,
        Number.MAX_SAFE_INTEGER,
      ]
    ) {
      assert.equal(echo.switchSync(value), value);
    }
    assert.equal(echo.switchSync(undefined), undefined);
    for (const value of [object, error, -1, 0.5, 2 ** 53, "text", 7n, null]) {
      assert.equal(echo.switchSync(value), value);
    }
    echo.throwSync();
    assert.equal(echo.dead, true);
    assert.equal(storedValues(), values, "the dead greenlet's entries are released");
  });

  it("a word the C body makes at or above 2^53 that names no entry comes back as a bigint", () => {
    // arg + value, computed in C: 2^53 + 1, 2^63 + 2^32 (the table bit with no live entry), 2^64 - 1.
    const cases: [arg: bigint, value: number, word: bigint][] = [
      [2n ** 53n, 1, 2n ** 53n + 1n],
      [2n ** 63n + 2n ** 32n, 0, 2n ** 63n + 2n ** 32n],
      [2n ** 64n - 2n, 1, 2n ** 64n - 1n],
    ];
    for (const [arg, value, word] of cases) {
      const g = new NativeGreenlet(entries.finishSum, { arg });
      assert.equal(g.switchSync(value), word);
    }
  });
});
