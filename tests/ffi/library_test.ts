// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Every export of the native library called through this runtime's FFI (ffi/_library.ts), with
// native greenlet bodies from tests/fixtures/entries.zig (JS never runs on a greenlet stack).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ABI_VERSION, Flag, POOL_MAX_CAP, Stat, Status, Tag } from "../../ffi/constants.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { type Entries, type Handle, handleOf, openNative } from "./_native.ts";
import { assertHealthy } from "../../testing/healthy.ts";

let lib: NativeLibrary;
let entries: Entries;
const out = new Uint32Array(2);
const tag = new Uint32Array(1);
const value = new BigUint64Array(1);

function create(entry: Entries["echo"], arg: bigint, parent: Handle | null = null): Handle {
  const status = lib.symbols.greenlet_create(
    entry,
    arg,
    parent?.slot ?? 0,
    parent?.generation ?? 0,
    0n,
    out,
  );
  assert.equal(status, Status.OK, lib.statusName(status));
  return handleOf(out);
}

function flags(handle: Handle): number {
  const flagsOut = new Uint32Array(1);
  assert.equal(lib.symbols.greenlet_state(handle.slot, handle.generation, flagsOut), Status.OK);
  return flagsOut[0];
}

type Transfer = "greenlet_switch" | "greenlet_throw" | "greenlet_kill";

/** Sends to `handle`; returns [status, tag, value] of what came back. */
function send(call: Transfer, handle: Handle, sent: bigint): [number, number, bigint] {
  tag[0] = 99;
  value[0] = 0n;
  const status = lib.symbols[call](handle.slot, handle.generation, sent, tag, value);
  return [status, tag[0], value[0]];
}

function destroy(handle: Handle): void {
  assert.equal(lib.symbols.greenlet_destroy(handle.slot, handle.generation), Status.OK);
}

describe("ffi/_library.ts nativeLibrary()", () => {
  before(async () => {
    ({ lib, entries } = await openNative());
  });

  after(() => {
    entries.table.close();
    lib.close();
  });

  it("greenlet_abi_version() is ABI_VERSION and every status has its name", () => {
    assert.equal(lib.symbols.greenlet_abi_version(), ABI_VERSION);
    for (const [name, code] of Object.entries(Status)) {
      assert.equal(lib.statusName(code), name.toLowerCase());
    }
    assert.equal(lib.statusName(-1), "unknown");
    assert.equal(lib.statusName(Object.keys(Status).length), "unknown");
    assertHealthy();
  });

  it("greenlet_root() and greenlet_current() name this thread's root", () => {
    const root = new Uint32Array(2);
    assert.equal(lib.symbols.greenlet_root(root), Status.OK);
    assert.notEqual(root[0], 0);
    assert.equal(lib.symbols.greenlet_current(out), Status.OK);
    assert.deepEqual(out, root);
    const rootFlags = Flag.STARTED | Flag.ACTIVE | Flag.CURRENT | Flag.ROOT;
    assert.equal(flags(handleOf(root)), rootFlags);
    assert.equal(lib.symbols.greenlet_parent(root[0], root[1], out), Status.OK);
    assert.equal(out[0], 0, "a root has no parent");
    assert.equal(lib.symbols.greenlet_root(null), Status.NULL_POINTER);
    assertHealthy();
  });

  it("greenlet_switch() runs a native body and returns what it sends back", () => {
    const echo = create(entries.echo, 100n);
    assert.equal(flags(echo), 0, "pending");
    assert.deepEqual(send("greenlet_switch", echo, 5n), [Status.OK, Tag.VALUE, 105n]);
    assert.equal(flags(echo), Flag.STARTED | Flag.ACTIVE);
    assert.deepEqual(send("greenlet_switch", echo, 7n), [Status.OK, Tag.VALUE, 107n]);
    assert.equal(lib.symbols.greenlet_destroy(echo.slot, echo.generation), Status.ALIVE);
    // It obeys the kill: the killer gets the value back as a plain value.
    assert.deepEqual(send("greenlet_kill", echo, 9n), [Status.OK, Tag.VALUE, 9n]);
    assert.equal(flags(echo), Flag.STARTED | Flag.DEAD);
    destroy(echo);
    assertHealthy();
  });

  it("greenlet_throw() into a suspended body comes back as a throw", () => {
    const echo = create(entries.echo, 0n);
    send("greenlet_switch", echo, 1n);
    assert.deepEqual(send("greenlet_throw", echo, 55n), [Status.OK, Tag.THROW, 55n]);
    destroy(echo);
    assertHealthy();
  });

  it("a destroyed handle is INVALID_HANDLE, also once its slot is reused", () => {
    const first = create(entries.finishSum, 0n);
    destroy(first);
    assert.equal(
      lib.symbols.greenlet_state(first.slot, first.generation, out),
      Status.INVALID_HANDLE,
    );
    for (let i = 0; i < 1 << 20; i++) {
      const next = create(entries.finishSum, 0n);
      destroy(next);
      if (next.slot !== first.slot) continue;
      assert.notEqual(next.generation, first.generation);
      break;
    }
    assert.deepEqual(send("greenlet_switch", first, 1n)[0], Status.INVALID_HANDLE);
    assert.deepEqual(send("greenlet_kill", first, 1n)[0], Status.INVALID_HANDLE);
    assertHealthy();
  });

  it("a pending parent starts with its child's result; a throw makes it die unstarted", () => {
    const parent = create(entries.finishSum, 100n);
    const child = create(entries.finishSum, 7n, parent);
    assert.equal(lib.symbols.greenlet_parent(child.slot, child.generation, out), Status.OK);
    assert.deepEqual(handleOf(out), parent);
    assert.deepEqual(send("greenlet_switch", child, 1n), [Status.OK, Tag.VALUE, 108n]);
    destroy(child);
    destroy(parent);
    const unstarted = create(entries.finishSum, 100n);
    const thrower = create(entries.throwSum, 7n, unstarted);
    assert.deepEqual(send("greenlet_switch", thrower, 1n), [Status.OK, Tag.THROW, 8n]);
    assert.equal(flags(unstarted), Flag.STARTED | Flag.DEAD);
    destroy(thrower);
    destroy(unstarted);
    assertHealthy();
  });

  it("greenlet_set_parent() refuses slot 0, cycles and roots", () => {
    const a = create(entries.finishSum, 0n);
    const b = create(entries.finishSum, 0n, a);
    const root = new Uint32Array(2);
    lib.symbols.greenlet_root(root);
    const set = lib.symbols.greenlet_set_parent;
    assert.equal(set(b.slot, b.generation, 0, 0), Status.INVALID_HANDLE);
    assert.equal(set(a.slot, a.generation, b.slot, b.generation), Status.CYCLIC_PARENT);
    assert.equal(set(root[0], root[1], a.slot, a.generation), Status.ROOT_HAS_NO_PARENT);
    assert.equal(set(b.slot, b.generation, root[0], root[1]), Status.OK);
    destroy(b);
    destroy(a);
    assertHealthy();
  });

  it("a switch, throw or kill to oneself returns its own message at once", () => {
    lib.symbols.greenlet_current(out);
    const self = handleOf(out);
    assert.deepEqual(send("greenlet_switch", self, 1n), [Status.OK, Tag.VALUE, 1n]);
    assert.deepEqual(send("greenlet_throw", self, 2n), [Status.OK, Tag.THROW, 2n]);
    assert.deepEqual(send("greenlet_kill", self, 3n), [Status.OK, Tag.KILL, 3n]);
    assertHealthy();
  });

  it("greenlet_stats() and greenlet_pool_set_cap() report the pool; the cap is clamped", () => {
    const values = new BigUint64Array(Stat.COUNT);
    const count = new Uint32Array(1);
    assert.equal(lib.symbols.greenlet_stats(values, values.length, count), Status.OK);
    assert.equal(count[0], Stat.COUNT);
    assert.equal(values[Stat.DEFAULT_STACK_BYTES], 1024n * 1024n);
    assert.ok(values[Stat.GREENLETS_LIVE] >= 1n, "the root counts");
    assert.equal(lib.symbols.greenlet_stats(null, 0, count), Status.OK);
    assert.equal(count[0], 0);
    const applied = new Uint32Array(1);
    assert.equal(lib.symbols.greenlet_pool_set_cap(POOL_MAX_CAP + 1, applied), Status.OK);
    assert.equal(applied[0], POOL_MAX_CAP);
    assert.equal(lib.symbols.greenlet_pool_set_cap(32, null), Status.OK);
    lib.symbols.greenlet_stats(values, values.length, count);
    assert.equal(values[Stat.POOL_CAP], 32n);
    assert.equal(lib.symbols.greenlet_pool_set_cap(64, applied), Status.OK);
    assertHealthy();
  });

  it("greenlet_create() refuses a NULL entry and a bad parent", () => {
    assert.equal(lib.symbols.greenlet_create(null, 0n, 0, 0, 0n, out), Status.NULL_POINTER);
    assert.equal(
      lib.symbols.greenlet_create(entries.finishSum, 0n, 12345, 1, 0n, out),
      Status.INVALID_HANDLE,
    );
    assertHealthy();
  });
});
