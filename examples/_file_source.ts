// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A file read asynchronously in chunks into one reused buffer, so that C code can be handed the
// buffer's address (zlib's input callback does `*buf = ...`). node:fs/promises works on both
// runtimes.

import { type FileHandle, open } from "node:fs/promises";

/** The default chunk size: 64 KiB. */
export const CHUNK_SIZE = 64 * 1024;

/** A file read front to back in chunks, with the unread tail of the last chunk put back. */
export class FileSource {
  readonly #file: FileHandle;
  readonly #buffer: Uint8Array;
  #position = 0;
  #pending: Uint8Array | undefined;

  private constructor(file: FileHandle, chunkSize: number) {
    this.#file = file;
    this.#buffer = new Uint8Array(chunkSize);
  }

  /** Opens `path` for reading in chunks of `chunkSize` bytes. */
  static async open(path: string, chunkSize: number = CHUNK_SIZE): Promise<FileSource> {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(
        `Cannot read in chunks of ${chunkSize} bytes: expected a positive integer`,
      );
    }
    return new FileSource(await open(path, "r"), chunkSize);
  }

  /**
   * The next bytes of the file: what `unread()` put back, else a fresh read into the reused
   * buffer (so the bytes are valid until the next call). Empty at the end of the file.
   */
  async next(): Promise<Uint8Array> {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      return pending;
    }
    const { bytesRead } = await this.#file.read(
      this.#buffer,
      0,
      this.#buffer.length,
      this.#position,
    );
    this.#position += bytesRead;
    return this.#buffer.subarray(0, bytesRead);
  }

  /** Puts back `tail`, the end of what the last `next()` returned, for the next `next()`. */
  unread(tail: Uint8Array): void {
    if (tail.length === 0) return;
    if (
      tail.buffer !== this.#buffer.buffer || this.#pending !== undefined ||
      tail.byteOffset + tail.length > this.#buffer.byteOffset + this.#buffer.length
    ) {
      throw new RangeError("Cannot unread bytes: only the tail of the last chunk can be put back");
    }
    this.#pending = tail;
  }

  /** The next `length` bytes, copied; fewer only at the end of the file. */
  async read(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = await this.next();
      if (chunk.length === 0) return out.subarray(0, filled);
      const take = Math.min(chunk.length, length - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      this.unread(chunk.subarray(take));
    }
    return out;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#file.close();
  }
}
