// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Smoke test of examples/hub_native.ts (native greenlets driven by hub tasks), run in a
// subprocess on the running runtime after the C bodies are built; its log is deterministic.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "../ffi/_native.ts";
import { runtime } from "../../testing/runtime.ts";

const expected = `\
task 1: C echo(1) = 101; sleeping with the C stack suspended
task 2: C echo(1) = 201; sleeping with the C stack suspended
task 3: C echo(1) = 301; sleeping with the C stack suspended
task 1: woke up, same C frame: echo(101) = 201
task 2: woke up, same C frame: echo(201) = 401
task 3: woke up, same C frame: echo(301) = 601
main: round 1 replies 1:201 2:401 3:601
task 2: killed; its C body got the kill and returned it (same object: true); C greenlet dead: true
main: task 2 killed; tasks 1 and 3 go on with their C frames
task 1: C echo(2) = 102; sleeping with the C stack suspended
task 3: C echo(2) = 302; sleeping with the C stack suspended
task 1: woke up, same C frame: echo(102) = 202
task 3: woke up, same C frame: echo(302) = 602
main: round 2 replies 1:202 3:602
task 1: killed; its C body got the kill and returned it (same object: true); C greenlet dead: true
task 3: killed; its C body got the kill and returned it (same object: true); C greenlet dead: true
main: done
`;

describe("examples/hub_native.ts", () => {
  it("hub tasks drive C echo bodies between sleeps and queue waits; a kill reaches C", () => {
    ensureBuilt();
    const script = fileURLToPath(new URL("../../examples/hub_native.ts", import.meta.url));
    const [cmd, ...args] = runtime.command(script);
    const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
    assert.equal(child.stderr, "");
    assert.deepEqual([child.status, child.signal], [0, null]);
    assert.equal(child.stdout, expected);
  });
});
