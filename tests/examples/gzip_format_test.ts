// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The pure-JS half of examples/gunzip.ts: CRC-32, the gzip header and trailer (RFC 1952).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { crc32 } from "../../examples/_crc32.ts";
import {
  checkGzipTrailer,
  GzipError,
  parseGzipHeader,
  readGzipHeader,
} from "../../examples/_gzip_format.ts";
import { makeGzip, sampleText, trailerOf } from "./_gzip_fixture.ts";

describe("crc32()", () => {
  it("gives the check value of the standard and of node:zlib's gzip trailer", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    const data = sampleText(100_000);
    assert.equal(crc32(data), trailerOf(data).crc);
  });

  it("continues from an earlier CRC", () => {
    const data = sampleText(10_000);
    assert.equal(crc32(data.subarray(3333), crc32(data.subarray(0, 3333))), crc32(data));
  });
});

describe("parseGzipHeader()", () => {
  it("reads node:zlib's 10-byte header", () => {
    const header = parseGzipHeader(gzipSync(sampleText(100)), "a.gz");
    assert.deepEqual(header && { ...header, os: 0 }, {
      text: false,
      mtime: undefined,
      extraFlags: 0,
      os: 0,
      extra: undefined,
      name: undefined,
      comment: undefined,
      length: 10,
    });
  });

  it("reads every optional field, with the header CRC checked", () => {
    const extra = new Uint8Array([0x41, 0x70, 2, 0, 7, 9]);
    const file = makeGzip(sampleText(100), {
      name: "café.txt",
      comment: "made by a test",
      extra,
      headerCrc: true,
      mtime: 1_700_000_000,
    });
    const header = parseGzipHeader(file, "b.gz")!;
    assert.equal(header.name, "café.txt");
    assert.equal(header.comment, "made by a test");
    assert.deepEqual(header.extra, extra);
    assert.deepEqual(header.mtime, new Date(1_700_000_000_000));
    assert.equal(header.os, 3);
    assert.equal(header.length, 10 + 2 + 6 + 9 + 15 + 2);
  });

  it("asks for more bytes (undefined) at every cut inside the header, never earlier", () => {
    const file = makeGzip(sampleText(100), { name: "n", comment: "c", extra: new Uint8Array(3) });
    const length = parseGzipHeader(file, "c.gz")!.length;
    for (let cut = 0; cut < length; cut++) {
      assert.equal(parseGzipHeader(file.subarray(0, cut), "c.gz"), undefined, `cut ${cut}`);
    }
    assert.equal(parseGzipHeader(file.subarray(0, length), "c.gz")?.length, length);
  });

  it("refuses what is no gzip header with GZIP_HEADER, naming the file", () => {
    const good = makeGzip(sampleText(100), { name: "x", headerCrc: true });
    const cases: [string, (bytes: Uint8Array) => void, RegExp][] = [
      ["magic", (b) => b[1] = 0x8c, /"d\.gz": not a gzip file/],
      ["method", (b) => b[2] = 7, /unknown compression method 7/],
      ["reserved flag", (b) => b[3] |= 0x20, /reserved header flags/],
      ["header CRC", (b) => b[10] ^= 1, /header CRC mismatch/],
    ];
    for (const [what, spoil, message] of cases) {
      const bytes = good.slice();
      spoil(bytes);
      assert.throws(
        () => parseGzipHeader(bytes, "d.gz"),
        (e) => e instanceof GzipError && e.code === "GZIP_HEADER" && message.test(e.message),
        what,
      );
    }
  });
});

describe("readGzipHeader()", () => {
  it("reads a header split over chunks and puts back the rest of the last one", async () => {
    const file = makeGzip(sampleText(100), { name: "split.txt", comment: "c" });
    const chunks = [file.subarray(0, 4), file.subarray(4, 15), file.subarray(15, 40)];
    let last: Uint8Array | undefined;
    const header = await readGzipHeader({
      next: () => Promise.resolve(last = chunks.shift() ?? new Uint8Array(0)),
      unread: (tail) => {
        assert.equal(tail.buffer, file.buffer);
        assert.equal(tail.byteOffset + tail.length, last!.byteOffset + last!.length);
        chunks.unshift(tail);
      },
    }, "split.gz");
    assert.equal(header.name, "split.txt");
    assert.equal(chunks[0].byteOffset, header.length);
  });

  it("refuses a file that ends inside the header with GZIP_TRUNCATED", async () => {
    const chunks = [new Uint8Array([0x1f, 0x8b, 8, 0])];
    await assert.rejects(
      readGzipHeader({
        next: () => Promise.resolve(chunks.shift() ?? new Uint8Array(0)),
        unread: () => {},
      }, "short.gz"),
      (e) => e instanceof GzipError && e.code === "GZIP_TRUNCATED" && /"short\.gz"/.test(e.message),
    );
  });
});

describe("checkGzipTrailer()", () => {
  const data = sampleText(5000);
  const trailer = new Uint8Array(gzipSync(data).subarray(-8)); // a copy: Buffer.slice() is a view

  it("accepts the CRC-32 and length of the data", () => {
    checkGzipTrailer(trailer, crc32(data), data.length, "e.gz");
  });

  it("refuses a wrong CRC, a wrong length and a short trailer", () => {
    const spoiled = trailer.slice();
    spoiled[0] ^= 1;
    assert.throws(
      () => checkGzipTrailer(spoiled, crc32(data), data.length, "e.gz"),
      (e) =>
        e instanceof GzipError && e.code === "GZIP_TRAILER" && /CRC-32 mismatch/.test(e.message),
    );
    assert.throws(
      () => checkGzipTrailer(trailer, crc32(data), data.length + 1, "e.gz"),
      (e) =>
        e instanceof GzipError && e.code === "GZIP_TRAILER" && /length mismatch/.test(e.message),
    );
    assert.throws(
      () => checkGzipTrailer(trailer.subarray(0, 5), crc32(data), data.length, "e.gz"),
      (e) => e instanceof GzipError && e.code === "GZIP_TRUNCATED",
    );
  });
});
