// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The lint plugin (lint/plugin.ts) on its fixtures. Deno only: Bun has no linter, and
// bunfig.toml keeps tests/deno/ out of `bun test`.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import plugin from "../../lint/plugin.ts";

const fixtures = new URL("./fixtures/require_yield_star/", import.meta.url);

interface Finding {
  line: number;
  usage: string;
}

/** Runs the plugin on a fixture; returns what it reported and what the fixture expects. */
async function lintFixture(
  name: string,
): Promise<{ found: Finding[]; expected: Finding[]; fixed: string; source: string }> {
  const source = await readFile(new URL(name, fixtures), "utf8");
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  const diagnostics = Deno.lint.runPlugin(plugin, name, source);
  const found = diagnostics.map((d) => {
    assert.equal(d.id, "greenlet/require-yield-star");
    const usage = d.message.startsWith("A bare yield")
      ? "yielded"
      : d.message.startsWith("return ")
      ? "returned"
      : "discarded";
    return { line: lineOf(d.range[0]), usage };
  });
  const expected = source.split("\n").flatMap((text, i) => {
    const mark = /\/\/ expect: (\w+)/.exec(text);
    return mark === null ? [] : [{ line: i + 1, usage: mark[1] }];
  });
  let fixed = source;
  const fixes = diagnostics.flatMap((d) => d.fix ?? []).sort((a, b) => b.range[0] - a.range[0]);
  for (const fix of fixes) {
    fixed = fixed.slice(0, fix.range[0]) + (fix.text ?? "") + fixed.slice(fix.range[1]);
  }
  return { found, expected, fixed, source };
}

describe("lint plugin greenlet/require-yield-star", () => {
  it("reports every dropped, returned or bare-yielded step in flagged.ts", async () => {
    const { found, expected } = await lintFixture("flagged.ts");
    assert.ok(expected.length >= 10);
    assert.deepEqual(found, expected);
  });

  it("reports nothing in clean.ts", async () => {
    const { found } = await lintFixture("clean.ts");
    assert.deepEqual(found, []);
  });

  it("limits.ts: reports the documented false positives and misses the false negatives", async () => {
    const { found, expected, source } = await lintFixture("limits.ts");
    assert.deepEqual(found, expected);
    assert.equal(source.match(/\/\/ missed:/g)?.length, 3);
  });

  it("the message names the fix, and the fix inserts yield*", async () => {
    const { fixed } = await lintFixture("flagged.ts");
    assert.match(fixed, /^ {2}yield\* main\.switch\("lost"\); \/\/ expect: discarded$/m);
    assert.match(fixed, /^ {2}yield\* waitFor\(Promise\.resolve\(1\)\);/m);
    assert.match(fixed, /^ {2}yield\* main\.switch\(\); \/\/ expect: yielded$/m);
    assert.match(fixed, /^ {2}return yield\* helper\(\); \/\/ expect: returned$/m);
    assert.deepEqual(Deno.lint.runPlugin(plugin, "fixed.ts", fixed), []);
    const [first] = Deno.lint.runPlugin(plugin, "one.ts", "function* f(g) {\n  g.switch();\n}\n");
    assert.equal(
      first.message,
      "g.switch() does nothing unless the body delegates to it with yield*",
    );
    assert.equal(first.hint, "Write `yield* g.switch()`");
  });
});
