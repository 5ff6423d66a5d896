// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// ffi/constants.ts against include/greenlet.h: the same constants under the same values.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as constants from "../../ffi/constants.ts";
import { assertHealthy } from "../../testing/healthy.ts";

const header = readFileSync(
  fileURLToPath(new URL("../../include/greenlet.h", import.meta.url)),
  "utf8",
);

/** Every numeric constant of the header: `#define GREENLET_X 1u` and `GREENLET_X = 1` in enums. */
function headerConstants(): Map<string, number> {
  const out = new Map<string, number>();
  const code = header.replace(/\/\*[\s\S]*?\*\//g, "");
  for (const m of code.matchAll(/#define\s+GREENLET_(\w+)\s+(\d+)u?\b/g)) out.set(m[1], +m[2]);
  for (const m of code.matchAll(/\bGREENLET_(\w+)\s*=\s*(\d+)/g)) out.set(m[1], +m[2]);
  return out;
}

/** ffi/constants.ts spelled as the header's suffixes: Status.OK → OK, Tag.KILL → TAG_KILL. */
function tsConstants(): Map<string, number> {
  const out = new Map<string, number>();
  const prefix: Record<string, string> = {
    Status: "",
    Tag: "TAG_",
    Flag: "FLAG_",
    Stat: "STAT_",
    Type: "TYPE_",
  };
  for (const [group, value] of Object.entries(constants)) {
    if (typeof value === "number") {
      out.set(group, value);
      continue;
    }
    assert.ok(group in prefix, `ffi/constants.ts: unknown group ${group}`);
    for (const [name, number] of Object.entries(value)) out.set(prefix[group] + name, number);
  }
  return out;
}

describe("ffi/constants.ts", () => {
  it("names every constant of include/greenlet.h with its value, and nothing else", () => {
    const expected = headerConstants();
    assert.ok(expected.size >= 30, `too few constants parsed: ${[...expected.keys()]}`);
    const actual = tsConstants();
    for (const [name, value] of expected) {
      assert.equal(actual.get(name), value, `GREENLET_${name}: add or fix it in ffi/constants.ts`);
    }
    for (const name of actual.keys()) {
      assert.ok(expected.has(name), `${name} is in ffi/constants.ts but not in include/greenlet.h`);
    }
    assertHealthy();
  });
});
