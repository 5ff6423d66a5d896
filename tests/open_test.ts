// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the Zig library through this runtime's FFI (Deno.dlopen or bun:ffi) and calls it from
// the main thread's stack. Native greenlets themselves are exercised by `zig build test`.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openLibrary } from "../ffi/_open.ts";
import type { NativeLibrary } from "../ffi/_library.ts";
import { assertHealthy } from "./_healthy.ts";

const ROOT_FLAGS = 1 | 2 | 8 | 16; // STARTED | ACTIVE | CURRENT | ROOT

let lib: NativeLibrary;

describe("ffi/_open.ts openLibrary()", () => {
  before(async () => {
    lib = await openLibrary();
  });

  after(() => lib.close());

  it("openLibrary() loads the library and greenlet_abi_version() is 1", () => {
    assert.equal(lib.abiVersion(), 1);
    assertHealthy();
  });

  it("greenlet_root() gives this thread's root, current, with root flags", () => {
    const root = new Uint32Array(1);
    const current = new Uint32Array(1);
    const flags = new Uint32Array(1);
    assert.equal(lib.root(root), 0);
    assert.notEqual(root[0], 0);
    assert.equal(lib.current(current), 0);
    assert.equal(current[0], root[0]);
    assert.equal(lib.state(root[0], flags), 0);
    assert.equal(flags[0] & ROOT_FLAGS, ROOT_FLAGS);
    const parent = new Uint32Array([123]);
    assert.equal(lib.parent(root[0], parent), 0);
    assert.equal(parent[0], 0, "a root has no parent");
    assertHealthy();
  });

  it("a bad handle is a status code, never a crash", () => {
    const flags = new Uint32Array(1);
    const status = lib.state(0xfff_ffff, flags);
    assert.equal(status, 1);
    assert.equal(lib.statusName(status), "invalid_handle");
    assert.equal(lib.statusName(0), "ok");
    assertHealthy();
  });

  it("close() is idempotent and later calls throw TypeError instead of calling unloaded code", async () => {
    const second = await openLibrary();
    assert.equal(second.abiVersion(), 1);
    second.close();
    second.close();
    assert.throws(() => second.abiVersion(), TypeError);
    assert.equal(lib.abiVersion(), 1, "the first handle still works");
    assertHealthy();
  });

  it("openLibrary() refuses an empty path with TypeError", async () => {
    await assert.rejects(openLibrary(""), TypeError);
    assertHealthy();
  });

  it("greenlet_stats() and greenlet_pool_set_cap() report the stack pool", () => {
    const values = new BigUint64Array(16);
    const count = new Uint32Array(1);
    assert.equal(lib.stats(values, count), 0);
    assert.ok(count[0] >= 10, `only ${count[0]} statistics`); // indices up to GUARD_BYTES (9)
    assert.equal(values[8], 1024n * 1024n, "default stack bytes");
    const applied = new Uint32Array(1);
    assert.equal(lib.poolSetCap(32, applied), 0);
    assert.equal(applied[0], 32);
    assert.equal(lib.stats(values, count), 0);
    assert.equal(values[5], 32n, "pool cap");
    assert.equal(lib.poolSetCap(64, applied), 0);
    assertHealthy();
  });
});
