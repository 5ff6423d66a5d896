// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// examples/qsort.ts: libc's qsort with a JS comparator, on a native greenlet and on the main
// stack.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  compareInt32,
  int32Comparator,
  sortOnGreenlet,
  sortOnMainStack,
} from "../../examples/qsort.ts";
import { pointerOf } from "../../native.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { Ticker } from "./_ticker.ts";

function randomInts(length: number, seed: number): Int32Array {
  return Int32Array.from({ length }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    return seed;
  });
}

describe("qsort example", () => {
  it("one comparator object sorts on a native greenlet and through the runtime's own dlopen", async () => {
    using compare = int32Comparator();
    const [onGreenlet, onMain] = [randomInts(3000, 1), randomInts(3000, 2)];
    const [expectedGreenlet, expectedMain] = [onGreenlet.slice().sort(), onMain.slice().sort()];
    await sortOnGreenlet(onGreenlet, compare);
    assert.deepEqual(onGreenlet, expectedGreenlet);
    await sortOnMainStack(onMain, compare);
    assert.deepEqual(onMain, expectedMain);
    assertHealthy();
  });

  it("keeps qsort suspended on its greenlet while the comparator awaits; timers run", async () => {
    const values = randomInts(2000, 3);
    const expected = values.slice().sort();
    using pausing = int32Comparator(200);
    using ticker = new Ticker();
    ticker.inside = true; // qsort runs synchronously, except while its comparator awaits
    await sortOnGreenlet(values, pausing);
    ticker.inside = false;
    assert.deepEqual(values, expected);
    assert.ok(ticker.ticksInside > 0, "a timer ran while qsort was suspended in a compare");
    assertHealthy();
  });

  it("compareInt32() reads the two int32s its pointers point to", () => {
    const [low, high, alsoLow] = [-7, 3, -7].map((n) => pointerOf(Int32Array.of(n)));
    assert.equal(compareInt32(low, high), -1);
    assert.equal(compareInt32(high, low), 1);
    assert.equal(compareInt32(low, alsoLow), 0);
  });
});
