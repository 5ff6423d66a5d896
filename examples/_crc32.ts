// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// CRC-32 as gzip's trailer uses it (ISO 3309 / ITU-T V.42, the reflected polynomial 0xEDB88320),
// table-driven, one byte per step. Used by examples/gunzip.ts to check what zlib produced.

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * The CRC-32 of `bytes`, continuing from `crc` (the CRC-32 of the bytes before them; 0 to
 * start): `crc32(b, crc32(a))` equals the CRC-32 of `a` followed by `b`.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
