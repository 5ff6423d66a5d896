// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// zlib's inflateBack, the real system zlib, decompressing a gzip file as a stream of chunks:
//
//   for await (const chunk of gunzip("data.gz")) process(chunk);
//
// inflateBack runs on its own native greenlet and pulls its input through a callback and
// pushes its output through another. Both are answered by JavaScript *after an await*: the
// input callback awaits an asynchronous file read, the output callback awaits the consumer of
// the async iterator asking for the next chunk. Meanwhile zlib stays suspended in the middle of
// its decoding loop, on its own stack, and the event loop runs. inflateBack takes raw deflate
// only, so the gzip header (RFC 1952) is parsed here, and the CRC-32 and length trailer checked
// here too.
//
//   deno run --allow-ffi --allow-read --allow-env examples/gunzip.ts file.gz > file
//   bun run examples/gunzip.ts file.gz > file
//
// Tested by tests/examples/gunzip_test.ts; explained in docs/native_examples.md.

import process from "node:process";
import { awaitOnly } from "../mod.ts";
import {
  addressOf,
  callNative,
  callNativeSync,
  loadLibrary,
  nativeCallback,
  type NativePointer,
  pointerFromAddress,
  pointerOf,
  readCString,
  viewAt,
} from "../native.ts";
import { Channel } from "./_channel.ts";
import { crc32 } from "./_crc32.ts";
import { FileSource } from "./_file_source.ts";
import {
  checkGzipTrailer,
  GZIP_TRAILER_LENGTH,
  GzipError,
  readGzipHeader,
} from "./_gzip_format.ts";

export { GzipError } from "./_gzip_format.ts";
export type { GzipErrorCode } from "./_gzip_format.ts";

/**
 * zlib's file: the soname of Linux distributions. macOS users pass "libz.dylib" (in the
 * system's library cache); Windows users pass the path of a zlib1.dll (from a zlib or zlib-ng
 * build, e.g. vcpkg's). The environment variable GREENLET_EXAMPLE_LIBZ overrides it for the
 * command line.
 */
export const LIBZ = "libz.so.1";

/** Options for {@link gunzip}. */
export interface GunzipOptions {
  /** zlib's file or soname. @default LIBZ */
  library?: string;
  /** Bytes per file read. @default 65536 */
  chunkSize?: number;
}

// zlib.h: return codes, and the z_stream layout on 64-bit platforms (112 bytes).
const Z_STREAM_END = 1;
const Z_STREAM_ERROR = -2;
const Z_DATA_ERROR = -3;
const Z_MEM_ERROR = -4;
const Z_BUF_ERROR = -5;
const Z_STREAM_SIZE = 112;
const NEXT_IN = 0; // Bytef *next_in
const AVAIL_IN = 8; // unsigned avail_in
const MSG = 48; // char *msg: zlib's explanation of a Z_DATA_ERROR
const WINDOW_BITS = 15; // inflateBack needs the full 32 KiB window
const WINDOW_OFFSET = 128; // the window after z_stream, in the same buffer
// inflateBackInit_ checks only the major version (the first character) against its own, and
// the size of z_stream: what a C program compiled against zlib.h would pass.
const ZLIB_VERSION = new TextEncoder().encode("1.2.13\0");

/** The zlib functions the example uses, with their C declarations. */
const ZLIB_FUNCTIONS = {
  // int inflateBackInit_(z_streamp strm, int windowBits, unsigned char *window,
  //                      const char *version, int stream_size)
  inflateBackInit_: { parameters: ["buffer", "i32", "buffer", "buffer", "i32"], result: "i32" },
  // int inflateBack(z_streamp strm, in_func in, void *in_desc, out_func out, void *out_desc)
  inflateBack: {
    parameters: ["buffer", "function", "pointer", "function", "pointer"],
    result: "i32",
  },
  // int inflateBackEnd(z_streamp strm)
  inflateBackEnd: { parameters: ["buffer"], result: "i32" },
} as const;

/**
 * Decompresses the gzip file at `path` (every member of it, as gzip(1) does), chunk by chunk:
 * each chunk is what zlib produced in one call of its output callback (at most 32 KiB), handed
 * over when the loop asks for it. Leaving the loop early stops zlib and closes the file.
 * @throws {GzipError} in the loop: `GZIP_HEADER` (no gzip file), `GZIP_DATA` (corrupt deflate
 * data), `GZIP_TRUNCATED` (the file ends early) or `GZIP_TRAILER` (CRC-32 or length mismatch)
 */
export async function* gunzip(
  path: string,
  options: GunzipOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const source = await FileSource.open(path, options.chunkSize);
  try {
    const channel = new Channel<Uint8Array>();
    const inflating = inflateFile(options.library ?? LIBZ, source, channel, path)
      .then(() => channel.end(), (error) => channel.fail(error));
    try {
      yield* channel;
    } finally {
      await inflating; // a loop left early makes the output callback stop zlib
    }
  } finally {
    await source.close();
  }
}

/** Runs inflateBack over each gzip member of `source`, pushing the output into `channel`. */
async function inflateFile(
  library: string,
  source: FileSource,
  channel: Channel<Uint8Array>,
  path: string,
): Promise<void> {
  using zlib = loadLibrary(library, ZLIB_FUNCTIONS);
  // zlib keeps the window's address from inflateBackInit_ to inflateBackEnd, so the window must
  // stay referenced that long. A local variable used only for the init call would not do: the
  // engines may collect what no later code reads (Bun did, and zlib wrote into freed memory).
  // So z_stream (zeroed: zalloc, zfree, opaque = Z_NULL, i.e. malloc/free) and the window share
  // one allocation, which strm, used to the end, keeps alive.
  const memory = new ArrayBuffer(WINDOW_OFFSET + (1 << WINDOW_BITS));
  const strm = new Uint8Array(memory, 0, Z_STREAM_SIZE);
  const window = new Uint8Array(memory, WINDOW_OFFSET);
  const streamView = new DataView(memory, 0, Z_STREAM_SIZE);
  let status = callNativeSync(zlib.symbols.inflateBackInit_, [
    strm,
    WINDOW_BITS,
    window,
    ZLIB_VERSION,
    Z_STREAM_SIZE,
  ]);
  if (status !== 0) {
    throw new Error(`Cannot start zlib's inflateBack: inflateBackInit_ returned ${status}`);
  }

  let last: Uint8Array = new Uint8Array(0); // the chunk zlib reads from
  let ended = false;
  let crc = 0;
  let length = 0;
  // unsigned in(void *desc, unsigned char **buf): points *buf at the next input, returns its
  // length (0: no more input). The address is a 64-bit little-endian word on every platform the
  // native library supports.
  using input = nativeCallback(
    { parameters: ["pointer", "pointer"], result: "u32", fallback: 0 },
    function* (_desc: NativePointer, buf: NativePointer) {
      last = yield* awaitOnly(source.next());
      if (last.length === 0) ended = true;
      else viewAt(buf, 8).setBigUint64(0, addressOf(pointerOf(last)), true);
      return last.length;
    },
  );
  // int out(void *desc, unsigned char *buf, unsigned len): takes the next len bytes of output
  // (in zlib's window, so they are copied), returns non-zero to stop inflateBack.
  using output = nativeCallback(
    { parameters: ["pointer", "pointer", "u32"], result: "i32", fallback: 1 },
    function* (_desc: NativePointer, buf: NativePointer, len: number) {
      const view = viewAt(buf, len);
      const chunk = new Uint8Array(view.buffer, view.byteOffset, len).slice();
      crc = crc32(chunk, crc);
      length += len;
      const more = yield* awaitOnly(channel.push(chunk));
      return more ? 0 : 1;
    },
  );

  try {
    do {
      await readGzipHeader(source, path);
      crc = 0;
      length = 0;
      // No input yet (next_in NULL): inflateBack asks the input callback first. A later member
      // must not start from the last one's leftover, which the source has been given back.
      streamView.setBigUint64(NEXT_IN, 0n, true);
      streamView.setUint32(AVAIL_IN, 0, true);
      status = await callNative(zlib.symbols.inflateBack, [strm, input, null, output, null]);
      if (channel.stopped) return; // the loop was left: Z_BUF_ERROR from the output callback
      if (status !== Z_STREAM_END) throw inflateError(status, strm, ended, path);
      // What inflateBack did not use is still in its input: avail_in bytes at next_in, the tail
      // of the last chunk. The trailer starts there.
      const at = Number(streamView.getBigUint64(NEXT_IN, true) - addressOf(pointerOf(last)));
      source.unread(last.subarray(at, at + streamView.getUint32(AVAIL_IN, true)));
      checkGzipTrailer(await source.read(GZIP_TRAILER_LENGTH), crc, length, path);
    } while (await hasMore(source));
  } finally {
    callNativeSync(zlib.symbols.inflateBackEnd, [strm]);
  }
}

/** Whether `source` has more bytes (another gzip member), putting them back. */
async function hasMore(source: FileSource): Promise<boolean> {
  const next = await source.next();
  source.unread(next);
  return next.length > 0;
}

function inflateError(status: number, strm: Uint8Array, ended: boolean, path: string): Error {
  const where = `Cannot decompress "${path}"`;
  if (status === Z_BUF_ERROR && ended) {
    return new GzipError("GZIP_TRUNCATED", `${where}: the file ends inside the compressed data`);
  }
  if (status === Z_DATA_ERROR) {
    const msg = new DataView(strm.buffer).getBigUint64(MSG, true);
    return new GzipError(
      "GZIP_DATA",
      `${where}: corrupt deflate data${
        msg === 0n ? "" : ` (zlib: ${readCString(pointerFromAddress(msg))})`
      }`,
    );
  }
  const name = status === Z_MEM_ERROR
    ? "Z_MEM_ERROR"
    : status === Z_STREAM_ERROR
    ? "Z_STREAM_ERROR"
    : `${status}`;
  return new Error(`${where}: inflateBack returned ${name}`);
}

// The command line: decompress the file named by the first argument to stdout.
if (import.meta.main) {
  const path = process.argv[2];
  if (path === undefined) {
    console.error("usage: gunzip.ts FILE.gz > FILE");
    process.exit(2);
  }
  const library = process.env.GREENLET_EXAMPLE_LIBZ ?? LIBZ;
  for await (const chunk of gunzip(path, { library })) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
  }
}
