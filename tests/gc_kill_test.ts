// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The garbage-collection kill (src/_gc_kill.ts, best effort): runs tests/fixtures/gc_kill_child.ts
// in a subprocess with forced GC and checks what the dropped greenlets' cleanup saw.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../testing/runtime.ts";
import { assertHealthy } from "../testing/healthy.ts";
import type { Results } from "./fixtures/gc_kill_child.ts";

let cached: Results | undefined;

/** Runs the child once and parses its JSON line (the last line of stdout). */
function childResults(): Results {
  if (cached !== undefined) return cached;
  const script = fileURLToPath(new URL("./fixtures/gc_kill_child.ts", import.meta.url));
  const [cmd, ...args] = runtime.command(script);
  const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(
    child.status,
    0,
    `child failed (${child.status}, ${child.signal}):\n${child.stdout}\n${child.stderr}`,
  );
  const lines = child.stdout.trim().split("\n");
  cached = JSON.parse(lines[lines.length - 1]) as Results;
  return cached;
}

describe("garbage-collection kill", () => {
  it("a suspended greenlet that became unreachable gets GreenletExit and runs its cleanup", () => {
    const { exit } = childResults();
    assert.equal(exit.length, 1, "the cleanup of the dropped greenlet did not run");
    const [seen] = exit;
    assert.equal(seen.isExit, true);
    assert.equal(seen.name, "GreenletExit");
    assert.equal(seen.message, "Killing the greenlet because all references have vanished.");
    assertHealthy();
  });

  it("the cleanup runs in a stand-in greenlet with the dropped greenlet's name and context", () => {
    const [seen] = childResults().exit;
    assert.ok(seen !== undefined, "the cleanup of the dropped greenlet did not run");
    assert.equal(seen.currentIsMain, false);
    assert.equal(seen.currentName, "worker");
    assert.match(String(seen.current), /^<Greenlet worker#\d+ collected>$/);
    assert.equal(seen.context, "worker's value");
    assertHealthy();
  });

  it("a cleanup that switches or awaits gets CLEANUP_SWITCH at that point", () => {
    const { cleanupSwitch } = childResults();
    assert.deepEqual(cleanupSwitch.map((e) => [e.at, e.name, e.code]), [
      ["switch", "GreenletError", "CLEANUP_SWITCH"],
      ["await", "GreenletError", "CLEANUP_SWITCH"],
    ]);
    for (const e of cleanupSwitch) {
      assert.match(String(e.message), /kill greenlets explicitly/);
    }
    assertHealthy();
  });

  it("an error thrown by a cleanup goes to reportError", () => {
    assert.deepEqual(childResults().reported, ["Error: cleanup failed"]);
    assertHealthy();
  });

  it("a dropped pending greenlet and a dropped dead one run nothing", () => {
    const results = childResults();
    assert.equal(results.pendingCollected, true, "the pending greenlet was not collected");
    assert.equal(results.deadCollected, true, "the dead greenlet was not collected");
    assert.equal(results.pendingRan, false);
    assert.equal(results.mainAfter, true, "ordinary code must be main after the kills");
    assertHealthy();
  });
});
