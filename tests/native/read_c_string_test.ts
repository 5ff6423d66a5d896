// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// readCString(): a NUL-terminated string from C memory.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { callNativeSync, loadLibrary, pointerOf, readCString } from "../../native.ts";
import { libcName } from "./_bridge.ts";

describe("readCString()", () => {
  it("reads up to the NUL, as UTF-8; null is the empty string", () => {
    const bytes = new TextEncoder().encode("grün\0rest");
    assert.equal(readCString(pointerOf(bytes)), "grün");
    assert.equal(readCString(pointerOf(bytes.subarray(3))), "\ufffdn", "half a character");
    assert.equal(readCString(pointerOf(new Uint8Array(1))), "");
    assert.equal(readCString(null), "");
  });

  it("reads a string C made (libc's strerror)", () => {
    using libc = loadLibrary(libcName, { strerror: { parameters: ["i32"], result: "pointer" } });
    const message = readCString(callNativeSync(libc.symbols.strerror, [2]));
    assert.match(message, /no such file/i);
  });

  it("reads strings longer than its first windows", () => {
    for (const length of [255, 256, 257, 2303, 2304, 70_000]) {
      const text = "é".repeat(length >> 1) + "x".repeat(length & 1);
      const bytes = new TextEncoder().encode(`${text}\0after`);
      assert.equal(readCString(pointerOf(bytes)), text, `${length} bytes`);
      assert.throws(() => readCString(pointerOf(bytes), length - 1), RangeError);
      assert.equal(readCString(pointerOf(bytes), length), text);
    }
  });

  it("stops at maxBytes: a string exactly that long passes, a longer one is refused", () => {
    const bytes = new TextEncoder().encode("abcd\0");
    assert.equal(readCString(pointerOf(bytes), 4), "abcd");
    assert.throws(() => readCString(pointerOf(bytes), 3), /no NUL within 3 bytes/);
    assert.throws(() => readCString(pointerOf(bytes), -1), RangeError);
    assert.throws(() => readCString("p" as never), TypeError);
  });
});
