// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// examples/gunzip.ts: the system zlib's inflateBack on a native greenlet, its input callback
// awaiting file reads and its output callback awaiting the for-await loop.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzip, GzipError, type GzipErrorCode } from "../../examples/gunzip.ts";
import { parseGzipHeader } from "../../examples/_gzip_format.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { makeGzip, sampleText } from "./_gzip_fixture.ts";
import { Ticker } from "./_ticker.ts";

const data = sampleText(300 * 1024);
const file = makeGzip(data, { name: "sample.txt", comment: "a test", headerCrc: true });

async function collect(path: string, chunkSize?: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of gunzip(path, { chunkSize })) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

describe("gunzip example", () => {
  let dir = "";
  let count = 0;
  /** Writes `bytes` to a new file in the test's directory. */
  async function fixture(bytes: Uint8Array): Promise<string> {
    const path = join(dir, `f${count++}.gz`);
    await writeFile(path, bytes);
    return path;
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gunzip-example-"));
  });
  after(() => rm(dir, { recursive: true }));

  it("decompresses a gzip file with FNAME, FCOMMENT and FHCRC, at any read size", async () => {
    const path = await fixture(file);
    // 4 KiB reads; reads that split the trailer (3 bytes of it in the last one); one read.
    for (const chunkSize of [4096, file.length - 3, 1 << 20]) {
      assert.deepEqual(await collect(path, chunkSize), data, `chunkSize ${chunkSize}`);
    }
    assertHealthy();
  });

  it("decompresses every member of a file of several", async () => {
    const second = sampleText(1000).reverse();
    const both = new Uint8Array([...file, ...makeGzip(second)]);
    assert.deepEqual(
      await collect(await fixture(both), 8192),
      new Uint8Array([...data, ...second]),
    );
  });

  it("keeps zlib suspended while the loop awaits; timers run between chunks", async () => {
    using ticker = new Ticker();
    let chunks = 0;
    for await (const _ of gunzip(await fixture(file), { chunkSize: 8192 })) {
      ticker.inside = ++chunks > 1; // from the second chunk on, zlib is mid-stream in its callback
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.ok(chunks > 2, `${chunks} chunks`);
    assert.ok(ticker.ticksInside > 0, "a timer ran while zlib was suspended");
    assertHealthy();
  });

  it("runs several decompressions at once, each zlib suspended on its own stack", async () => {
    const other = sampleText(50_000).reverse();
    const [a, b] = await Promise.all([
      fixture(file).then((path) => collect(path, 4096)),
      fixture(makeGzip(other, { name: "other" })).then((path) => collect(path, 1024)),
    ]);
    assert.deepEqual(a, data);
    assert.deepEqual(b, other);
    assertHealthy();
  });

  it("stops zlib and closes the file when the loop is left early", async () => {
    const path = await fixture(file);
    for await (const chunk of gunzip(path)) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.deepEqual(await collect(path), data, "the file decompresses again");
    assertHealthy();
  });

  it("raises a GzipError for a corrupt trailer, data, header or a truncated file", async () => {
    const crcAt = file.length - 8;
    const spoil = (at: number, bits = 0x55): Uint8Array => {
      const bytes = file.slice();
      bytes[at] ^= bits;
      return bytes;
    };
    // The first deflate block's type bits (2-3 of its first byte) made 11, a reserved type.
    const deflateAt = parseGzipHeader(file, "")!.length;
    const badBlock = spoil(deflateAt, ~file[deflateAt] & 6);
    const cases: [string, Uint8Array, GzipErrorCode, RegExp][] = [
      ["CRC", spoil(crcAt), "GZIP_TRAILER", /CRC-32 mismatch/],
      ["length", spoil(file.length - 1), "GZIP_TRAILER", /length mismatch/],
      ["data", badBlock, "GZIP_DATA", /corrupt deflate data \(zlib: invalid block type\)/],
      ["magic", spoil(0), "GZIP_HEADER", /not a gzip file/],
      [
        "truncated data",
        file.subarray(0, file.length - 100),
        "GZIP_TRUNCATED",
        /inside the compressed/,
      ],
      [
        "truncated trailer",
        file.subarray(0, file.length - 3),
        "GZIP_TRUNCATED",
        /inside its trailer/,
      ],
    ];
    for (const [what, bytes, code, message] of cases) {
      const path = await fixture(bytes);
      await assert.rejects(
        collect(path),
        (e) =>
          e instanceof GzipError && e.code === code && message.test(e.message) &&
          e.message.includes(path),
        what,
      );
    }
    assertHealthy();
  });
});
