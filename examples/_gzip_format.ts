// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The parts of a gzip file (RFC 1952) around the deflate stream, which zlib's inflateBack does
// not read: the header before it and the 8-byte trailer after it. Used by examples/gunzip.ts.

import { crc32 } from "./_crc32.ts";

/** What went wrong in a gzip file. */
export type GzipErrorCode = "GZIP_HEADER" | "GZIP_DATA" | "GZIP_TRUNCATED" | "GZIP_TRAILER";

/** A gzip file that cannot be decompressed: `code` says which part is wrong. */
export class GzipError extends Error {
  /** Which part of the file is wrong. */
  readonly code: GzipErrorCode;

  /** An error with a stable `code`. */
  constructor(code: GzipErrorCode, message: string) {
    super(message);
    this.name = "GzipError";
    this.code = code;
  }
}

/** A gzip member's header (RFC 1952, section 2.3.1). */
export interface GzipHeader {
  /** FTEXT: the compressor thought the data is text. */
  text: boolean;
  /** MTIME: the original file's modification time, undefined when the header has none (0). */
  mtime: Date | undefined;
  /** XFL: 2 for the slowest compression, 4 for the fastest. */
  extraFlags: number;
  /** OS: the file system the file came from (3 Unix, 0 FAT, 255 unknown, ...). */
  os: number;
  /** FEXTRA: the extra field's bytes (subfields SI1 SI2 LEN data), undefined when absent. */
  extra: Uint8Array | undefined;
  /** FNAME: the original file name (ISO 8859-1), undefined when absent. */
  name: string | undefined;
  /** FCOMMENT: the comment (ISO 8859-1), undefined when absent. */
  comment: string | undefined;
  /** The header's length in bytes: the deflate stream starts there. */
  length: number;
}

const FTEXT = 1;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const RESERVED = 0xe0;
const DEFLATE = 8;

/**
 * Parses the gzip header at the start of `bytes`: the header, or undefined when `bytes` ends
 * before it does (read more and call again). `source` names the file in errors.
 * @throws {GzipError} `GZIP_HEADER` when the bytes are no gzip header (magic, method, reserved
 * flags, header CRC)
 */
export function parseGzipHeader(bytes: Uint8Array, source: string): GzipHeader | undefined {
  const fail = (detail: string): never => {
    throw new GzipError("GZIP_HEADER", `Cannot decompress "${source}": ${detail}`);
  };
  if (bytes.length >= 1 && bytes[0] !== 0x1f || bytes.length >= 2 && bytes[1] !== 0x8b) {
    fail("not a gzip file (its first bytes are not 1f 8b)");
  }
  if (bytes.length >= 3 && bytes[2] !== DEFLATE) {
    fail(`unknown compression method ${bytes[2]} (gzip knows only 8, deflate)`);
  }
  if (bytes.length >= 4 && (bytes[3] & RESERVED) !== 0) {
    fail(`reserved header flags are set (flags 0x${bytes[3].toString(16)})`);
  }
  if (bytes.length < 10) return undefined;
  const flags = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mtime = view.getUint32(4, true);
  let at = 10;
  let extra: Uint8Array | undefined;
  if (flags & FEXTRA) {
    if (at + 2 > bytes.length) return undefined;
    const length = view.getUint16(at, true);
    if (at + 2 + length > bytes.length) return undefined;
    extra = bytes.slice(at + 2, at + 2 + length);
    at += 2 + length;
  }
  const zeroTerminated = (): string | undefined => {
    const end = bytes.indexOf(0, at);
    if (end < 0) return undefined;
    let text = "";
    for (let i = at; i < end; i++) text += String.fromCharCode(bytes[i]); // ISO 8859-1
    at = end + 1;
    return text;
  };
  let name: string | undefined;
  if (flags & FNAME) {
    name = zeroTerminated();
    if (name === undefined) return undefined;
  }
  let comment: string | undefined;
  if (flags & FCOMMENT) {
    comment = zeroTerminated();
    if (comment === undefined) return undefined;
  }
  if (flags & FHCRC) {
    if (at + 2 > bytes.length) return undefined;
    const expected = view.getUint16(at, true);
    const actual = crc32(bytes.subarray(0, at)) & 0xffff;
    if (expected !== actual) {
      fail(
        `header CRC mismatch (the header says 0x${hex(expected, 4)}, it is 0x${hex(actual, 4)})`,
      );
    }
    at += 2;
  }
  return {
    text: (flags & FTEXT) !== 0,
    mtime: mtime === 0 ? undefined : new Date(mtime * 1000),
    extraFlags: bytes[8],
    os: bytes[9],
    extra,
    name,
    comment,
    length: at,
  };
}

/** The trailer's length: CRC32 then ISIZE, both 32-bit little-endian. */
export const GZIP_TRAILER_LENGTH = 8;

/**
 * Checks the 8-byte trailer against the CRC-32 and length of the data that was decompressed.
 * @throws {GzipError} `GZIP_TRUNCATED` when the trailer is short, `GZIP_TRAILER` on a mismatch
 */
export function checkGzipTrailer(
  trailer: Uint8Array,
  crc: number,
  length: number,
  source: string,
): void {
  if (trailer.length < GZIP_TRAILER_LENGTH) {
    throw new GzipError(
      "GZIP_TRUNCATED",
      `Cannot decompress "${source}": the file ends inside its trailer ` +
        `(${trailer.length} of ${GZIP_TRAILER_LENGTH} bytes)`,
    );
  }
  const view = new DataView(trailer.buffer, trailer.byteOffset, GZIP_TRAILER_LENGTH);
  const expectedCrc = view.getUint32(0, true);
  if (expectedCrc !== crc) {
    throw new GzipError(
      "GZIP_TRAILER",
      `Cannot decompress "${source}": CRC-32 mismatch (the trailer says 0x${
        hex(expectedCrc, 8)
      }, ` +
        `the data gives 0x${hex(crc, 8)})`,
    );
  }
  const expectedLength = view.getUint32(4, true);
  if (expectedLength !== length % 2 ** 32) {
    throw new GzipError(
      "GZIP_TRAILER",
      `Cannot decompress "${source}": length mismatch (the trailer says ${expectedLength} ` +
        `bytes modulo 2^32, the data has ${length})`,
    );
  }
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0");
}

/** Where a gzip member is read from: chunks, and the tail of the last one put back. */
export interface ChunkSource {
  /** The next bytes; empty at the end. */
  next(): Promise<Uint8Array>;
  /** Puts back the end of what the last `next()` returned. */
  unread(tail: Uint8Array): void;
}

/**
 * Reads and parses the header of the gzip member at the start of `source`, putting back the
 * bytes after it (the start of the deflate stream).
 * @throws {GzipError} `GZIP_HEADER` (see parseGzipHeader) or `GZIP_TRUNCATED` when the source
 * ends inside the header
 */
export async function readGzipHeader(source: ChunkSource, name: string): Promise<GzipHeader> {
  let before = new Uint8Array(0); // header bytes of earlier chunks, copied
  for (;;) {
    const chunk = await source.next();
    if (chunk.length === 0) {
      throw new GzipError(
        "GZIP_TRUNCATED",
        `Cannot decompress "${name}": the file ends inside the gzip header (${before.length} bytes)`,
      );
    }
    const bytes = before.length === 0 ? chunk : concat(before, chunk);
    const header = parseGzipHeader(bytes, name);
    if (header !== undefined) {
      source.unread(chunk.subarray(header.length - before.length));
      return header;
    }
    before = bytes.slice();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
