// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// examples/_file_source.ts: chunks read asynchronously into one reused buffer.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSource } from "../../examples/_file_source.ts";

describe("FileSource", () => {
  let dir = "";
  let path = "";
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "file-source-"));
    path = join(dir, "data.bin");
    await writeFile(path, bytes);
  });
  after(() => rm(dir, { recursive: true }));

  it("reads the file front to back in chunks of one reused buffer, then empty", async () => {
    const source = await FileSource.open(path, 300);
    try {
      const seen: number[] = [];
      let buffer: ArrayBufferLike | undefined;
      for (;;) {
        const chunk = await source.next();
        if (chunk.length === 0) break;
        assert.ok(chunk.length <= 300);
        buffer ??= chunk.buffer;
        assert.equal(chunk.buffer, buffer, "every chunk is in the same buffer");
        seen.push(...chunk);
      }
      assert.deepEqual(seen, [...bytes]);
      assert.equal((await source.next()).length, 0);
    } finally {
      await source.close();
    }
  });

  it("hands back an unread tail first, and reads exact lengths across chunks", async () => {
    const source = await FileSource.open(path, 300);
    try {
      const first = await source.next();
      source.unread(first.subarray(250));
      assert.deepEqual(await source.next(), bytes.subarray(250, 300));
      assert.deepEqual(await source.read(400), bytes.subarray(300, 700));
      assert.deepEqual(await source.read(500), bytes.subarray(700), "fewer at the end");
    } finally {
      await source.close();
    }
  });

  it("refuses to unread bytes that are not its own, and a chunk size below 1", async () => {
    const source = await FileSource.open(path, 300);
    try {
      await source.next();
      assert.throws(() => source.unread(new Uint8Array(3)), RangeError);
    } finally {
      await source.close();
    }
    await assert.rejects(FileSource.open(path, 0), RangeError);
  });
});
