// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// gzip files for the gunzip tests, made without the code under test: the deflate stream and the
// trailer come from node:zlib, the header (with the optional fields node:zlib never writes) is
// written here byte by byte after RFC 1952.

import { deflateRawSync, gzipSync } from "node:zlib";

/** The optional header fields of a fixture. */
export interface FixtureHeader {
  name?: string;
  comment?: string;
  extra?: Uint8Array;
  /** Adds FHCRC, the header's own CRC-16, computed by node:zlib's gzip of the header bytes. */
  headerCrc?: boolean;
  /** Seconds since 1970, 0 for none. */
  mtime?: number;
}

/** `length` bytes of text with some repetition, like a log file (deterministic). */
export function sampleText(length: number): Uint8Array {
  const words = ["greenlet", "switch", "parent", "throw", "native", "stack", "zlib", "await"];
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const parts: string[] = [];
  let size = 0;
  for (let line = 0; size < length; line++) {
    let text = `${line}:`;
    for (let w = random(12); w >= 0; w--) text += " " + words[random(words.length)];
    text += ` ${random(1e9).toString(36)}\n`;
    parts.push(text);
    size += text.length;
  }
  return new TextEncoder().encode(parts.join("")).subarray(0, length);
}

/** A gzip file of `data` with the given header fields. */
export function makeGzip(data: Uint8Array, header: FixtureHeader = {}): Uint8Array {
  const latin1 = (text: string): number[] => [...text].map((c) => c.charCodeAt(0) & 0xff);
  const flags = (header.headerCrc ? 2 : 0) | (header.extra ? 4 : 0) |
    (header.name !== undefined ? 8 : 0) | (header.comment !== undefined ? 16 : 0);
  const mtime = header.mtime ?? 0;
  const bytes = [0x1f, 0x8b, 8, flags, ...le32(mtime), 0, 3];
  if (header.extra) {
    bytes.push(header.extra.length & 0xff, header.extra.length >> 8, ...header.extra);
  }
  if (header.name !== undefined) bytes.push(...latin1(header.name), 0);
  if (header.comment !== undefined) bytes.push(...latin1(header.comment), 0);
  if (header.headerCrc) {
    const crc = trailerOf(new Uint8Array(bytes)).crc; // CRC-32 by node:zlib, not by the code under test
    bytes.push(crc & 0xff, (crc >> 8) & 0xff);
  }
  const deflated = deflateRawSync(data);
  const trailer = gzipSync(data).subarray(-8);
  const out = new Uint8Array(bytes.length + deflated.length + 8);
  out.set(bytes);
  out.set(deflated, bytes.length);
  out.set(trailer, bytes.length + deflated.length);
  return out;
}

/** The CRC-32 and length node:zlib's gzip writes for `data`. */
export function trailerOf(data: Uint8Array): { crc: number; length: number } {
  const trailer = gzipSync(data).subarray(-8);
  const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
  return { crc: view.getUint32(0, true), length: view.getUint32(4, true) };
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
