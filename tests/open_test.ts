// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the Zig library through this runtime's FFI (Deno.dlopen or bun:ffi). Every export is
// called in tests/ffi/library_test.ts; this file covers opening, the ABI check and closing.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ABI_VERSION, Status } from "../ffi/constants.ts";
import { openLibrary } from "../ffi/_open.ts";
import type { NativeLibrary } from "../ffi/_library.ts";
import { locateLibrary } from "../ffi/_locate.ts";
import { ensureBuilt, libraryFileName } from "./ffi/_native.ts";
import { assertHealthy } from "../testing/healthy.ts";

let lib: NativeLibrary;

describe("ffi/_open.ts openLibrary()", () => {
  before(async () => {
    ensureBuilt();
    lib = await openLibrary();
  });

  after(() => lib.close());

  it("openLibrary() loads the library locateLibrary() finds and checks its ABI version", () => {
    assert.equal(lib.symbols.greenlet_abi_version(), ABI_VERSION);
    assertHealthy();
  });

  it("a bad handle is a status code, never a crash", () => {
    const flags = new Uint32Array(1);
    const status = lib.symbols.greenlet_state(0xfff_ffff, 1, flags);
    assert.equal(status, Status.INVALID_HANDLE);
    assert.equal(lib.statusName(status), "invalid_handle");
    assert.equal(lib.statusName(Status.OK), "ok");
    assertHealthy();
  });

  it("close() is idempotent and later calls throw TypeError instead of calling unloaded code", async () => {
    // A copy, so that unloading it cannot touch the library the other tests use.
    const dir = mkdtempSync(join(tmpdir(), "greenlet-open-"));
    try {
      const copy = join(dir, libraryFileName("greenlet"));
      copyFileSync(await locateLibrary(), copy);
      const second = await openLibrary(copy);
      assert.equal(second.symbols.greenlet_abi_version(), ABI_VERSION);
      second.close();
      second[Symbol.dispose]();
      assert.throws(() => second.symbols.greenlet_abi_version(), TypeError);
      assert.throws(() => second.statusName(0), TypeError);
      assert.equal(lib.symbols.greenlet_abi_version(), ABI_VERSION, "the first one still works");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assertHealthy();
  });

  it("openLibrary() refuses an empty path with TypeError", async () => {
    await assert.rejects(openLibrary(""), TypeError);
    assertHealthy();
  });
});
