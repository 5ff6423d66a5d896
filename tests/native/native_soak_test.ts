// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The 1 M native greenlet create/finish soak (issue 8 part 8), in a subprocess with forced GC.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../../testing/runtime.ts";

describe("native greenlet soak", () => {
  it(
    "1 M create/finish cycles: RSS within 5 % of its value after the first 10 000, every stack back in the pool",
    { timeout: 120_000 },
    () => {
      const script = fileURLToPath(new URL("./fixtures/soak_child.ts", import.meta.url));
      const [cmd, ...args] = runtime.command(script);
      const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 });
      assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
      const lines = child.stdout.trim().split("\n");
      const result = JSON.parse(lines[lines.length - 1]);
      assert.equal(result.cycles, 1_000_000);
      // finish_sum returns arg + value: 1 + (i & 0xffff) for cycle i of the warm-up and of the soak.
      let sum = 0;
      for (const count of [500_000, 1_000_000]) {
        for (let i = 0; i < count; i++) sum += 1 + (i & 0xffff);
      }
      assert.equal(result.sum, sum);
      assert.equal(
        result.stacksAfter,
        result.stacksBefore,
        "every native stack is back in the pool",
      );
      assert.ok(
        result.after <= result.before * 1.05,
        `RSS grew from ${result.before} to ${result.after} bytes ` +
          `(${((result.after / result.before - 1) * 100).toFixed(1)} %)`,
      );
    },
  );
});
