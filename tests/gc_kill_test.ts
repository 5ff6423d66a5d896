// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The garbage-collection kill (src/_gc_kill.ts, best effort): runs tests/fixtures/gc_kill_child.ts
// in a subprocess with forced GC and checks what the dropped greenlets' cleanup saw.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../testing/runtime.ts";
import { assertHealthy } from "../testing/healthy.ts";
import type { Results } from "./fixtures/gc_kill_child.ts";

let cached: Results | undefined;

/** Runs the child once and parses its JSON line (the last line of stdout). */
function childResults(): Results {
  if (cached !== undefined) return cached;
  const child = runChild("gc_kill_child.ts");
  assert.equal(
    child.status,
    0,
    `child failed (${child.status}, ${child.signal}):\n${child.stdout}\n${child.stderr}`,
  );
  const lines = child.stdout.trim().split("\n");
  cached = JSON.parse(lines[lines.length - 1]) as Results;
  return cached;
}

/** Runs a fixture to its end; returns its exit status and output. */
function runChild(fixture: string): SpawnSyncReturns<string> {
  const script = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const [cmd, ...args] = runtime.command(script);
  const env = { ...process.env, NO_COLOR: "1" };
  return spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, env });
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

  it("an error thrown by a cleanup goes to the unraisable hook with the greenlet's label", () => {
    const [reported, ...more] = childResults().reported;
    assert.deepEqual(more, []);
    assert.deepEqual(reported, {
      error: "Error: cleanup failed",
      greenlet: reported?.greenlet,
      during: "the garbage-collection kill",
    });
    assert.match(String(reported.greenlet), /^#\d+$/);
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

  it("a failing cleanup is reported on stderr, once, with the label and stack; the process goes on", () => {
    const child = runChild("unraisable_child.ts");
    const detail = `(${child.status}, stdout:)\n${child.stdout}\nstderr:\n${child.stderr}`;
    assert.equal(child.status, 0, `the exit code changed ${detail}`);
    assert.equal(child.stdout.trim().split("\n").pop(), "still running", detail);
    const messages = child.stderr.split(/^(?=Exception ignored )/m).filter((m) => m.trim() !== "");
    const byName = new Map(
      messages.map((
        m,
      ) => [
        /^Exception ignored in (greenlet (\w+)|the unraisable hook)/.exec(m)?.[2] ?? "hook",
        m,
      ]),
    );
    assert.deepEqual(
      [...byName.keys()].sort(),
      ["awaiting", "failing", "hook", "hooked", "stubborn", "switching"],
      `one message per failing cleanup ${detail}`,
    );
    assert.equal(messages.length, byName.size, `one message per failing cleanup ${detail}`);
    const during = / during the garbage-collection kill:\n/;
    const expected: [string, RegExp][] = [
      ["failing", /^Error: cleanup failed\n\s+at .*unraisable_child\.ts/m],
      ["stubborn", /^GreenletError: GreenletExit did not kill stubborn#\d+/m],
      ["switching", /^GreenletError: Cannot switch or await while greenlet switching#\d+/m],
      ["awaiting", /^GreenletError: Cannot switch or await while greenlet awaiting#\d+/m],
      ["hooked", /^Error: cleanup failed under a failing hook\n\s+at /m],
    ];
    for (const [name, error] of expected) {
      const message = byName.get(name)!;
      assert.match(
        message,
        new RegExp(`^Exception ignored in greenlet ${name}#\\d+${during.source}`),
      );
      assert.match(message, error);
    }
    // The hook's own failure comes right after the report it failed on.
    assert.match(
      byName.get("hook")!,
      /^Exception ignored in the unraisable hook:\nError: the hook failed\n\s+at /,
    );
    assert.equal(
      messages.indexOf(byName.get("hook")!),
      messages.indexOf(byName.get("hooked")!) + 1,
    );
  });
});
