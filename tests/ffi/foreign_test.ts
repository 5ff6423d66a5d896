// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The runtime adapters of ffi/_foreign.ts: a callback's pointer argument from its two u32 halves
// (pointerFromHalves, the hot path) is the pointer pointerAt makes from the whole address.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addressOf, pointerOf } from "../../native.ts";
import { foreign } from "../../src/_native_host.ts";

describe("ForeignRuntime.pointerFromHalves()", () => {
  it("is pointerAt() of high * 2^32 + low, null for 0", () => {
    const runtime = foreign();
    assert.equal(runtime.pointerFromHalves(0, 0), null);
    const address = addressOf(pointerOf(new Int32Array(4)));
    const low = Number(address & 0xffff_ffffn);
    const high = Number(address >> 32n);
    assert.equal(addressOf(runtime.pointerFromHalves(low, high)), address);
    for (
      const [l, h] of [[8, 0], [0, 1], [0xffff_ffff, 0x1f_ffff]]
    ) {
      const whole = (BigInt(h) << 32n) | BigInt(l);
      assert.equal(
        addressOf(runtime.pointerFromHalves(l, h)),
        addressOf(runtime.pointerAt(whole)),
        `${l}, ${h}`,
      );
    }
  });
});
