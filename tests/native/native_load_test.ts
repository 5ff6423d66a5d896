// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loading native.ts, in subprocesses: mod.ts needs no permission; a missing --allow-ffi, a
// missing library and a library of another ABI version each say what to do.

import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { denoPath } from "../_deno_path.ts";
import { runtime } from "../../testing/runtime.ts";
import { ensureBuilt, oldAbiPath } from "../ffi/_native.ts";

const CHILD = fileURLToPath(new URL("../fixtures/native_child.ts", import.meta.url));

interface Outcome {
  ok: boolean;
  name?: string;
  code?: string;
  message?: string;
}

function run(argv: string[], env: Record<string, string> = {}): Outcome {
  const child = spawnSync(argv[0], argv.slice(1), {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const line = child.stdout.trim().split("\n").pop() ?? "";
  assert.ok(line.startsWith("{"), `no result from ${argv.join(" ")}:\n${child.stderr}`);
  return JSON.parse(line) as Outcome;
}

/** This runtime running the child with all permissions (Deno: -A). */
function thisRuntime(which: string, env?: Record<string, string>): Outcome {
  return run([...runtime.command(CHILD, [which])], env);
}

describe("native.ts loading (subprocesses)", () => {
  before(() => ensureBuilt());

  it("mod.ts needs no permission (Deno: none granted)", () => {
    const result = run([denoPath(), "run", "--no-prompt", CHILD, "mod"]);
    assert.deepEqual(result, { ok: true });
  });

  it("native.ts without --allow-ffi: NotCapable that names the flags (Deno)", () => {
    const result = run([
      denoPath(),
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      CHILD,
      "native",
    ]);
    assert.equal(result.ok, false);
    assert.equal(result.name, "NotCapable");
    assert.match(result.message!, /@greenlet\/greenlet\/native/);
    assert.match(result.message!, /--allow-ffi/);
  });

  it("native.ts loads with its permissions", () => {
    assert.deepEqual(thisRuntime("native"), { ok: true });
  });

  it("a missing library: NATIVE_LOAD or NATIVE_NOT_FOUND naming GREENLET_LIBRARY_PATH", () => {
    const result = thisRuntime("native", { GREENLET_LIBRARY_PATH: "/nonexistent/libgreenlet.so" });
    assert.equal(result.ok, false);
    assert.equal(result.name, "NativeLibraryError");
    assert.ok(["NATIVE_LOAD", "NATIVE_NOT_FOUND"].includes(result.code!), result.code);
    assert.match(result.message!, /GREENLET_LIBRARY_PATH/);
  });

  it("a library of another ABI version: NATIVE_ABI saying how to get the right one", () => {
    const result = thisRuntime("native", { GREENLET_LIBRARY_PATH: oldAbiPath() });
    assert.equal(result.ok, false);
    assert.equal(result.name, "NativeLibraryError");
    assert.equal(result.code, "NATIVE_ABI");
    assert.match(result.message!, /ABI version is 1, this code needs 2/);
    assert.match(result.message!, /zig build/);
  });
});
