// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Finds the native library for this machine and returns a local file path to dlopen. The order
// (docs/native_delivery.md explains each step and the permissions it needs):
//   1. GREENLET_LIBRARY_PATH, taken as is;
//   2. a local `zig build` output, zig-out/lib (zig-out/bin on Windows), in a file: checkout;
//   3. the packaged file native/<os>-<arch>/<file> next to the module (a local checkout, Bun,
//      the npm layout: any file: URL);
//   4. otherwise (Deno importing by http(s) URL or from JSR) the same relative URL, downloaded,
//      checked against the size and SHA-256 in _native_hashes.ts, stored atomically in a
//      per-user cache keyed by version and hash, and taken from there from then on (offline too).
// A file that fails the check is never stored or returned.

import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { NATIVE_FILES, NATIVE_VERSION, type NativeFile } from "./_native_hashes.ts";
import { NativeLibraryError } from "./native_library_error.ts";

/** Where and for which machine {@link locateLibrary} looks; the defaults are this process's. */
export interface LocateOptions {
  /** The package's root URL, the folder holding ffi/ and native/. */
  readonly packageRoot?: URL;
  /** Reads an environment variable (default `process.env`). */
  readonly env?: (name: string) => string | undefined;
  /** `process.platform`'s spelling: `linux`, `darwin`, `win32`. */
  readonly platform?: string;
  /** `process.arch`'s spelling: `x64`, `arm64`, `riscv64`. */
  readonly arch?: string;
}

const ARCH_NAMES: Readonly<Record<string, string>> = {
  x64: "x86_64",
  arm64: "aarch64",
  riscv64: "riscv64",
};

const OVERRIDE = "GREENLET_LIBRARY_PATH";
const CACHE_OVERRIDE = "GREENLET_CACHE_DIR";

/**
 * Returns a local path of the native library for this machine, downloading and verifying it
 * when the package was imported over http(s).
 *
 * @throws {NativeLibraryError} `NATIVE_UNSUPPORTED`, `NATIVE_NOT_FOUND`, `NATIVE_DOWNLOAD`,
 * `NATIVE_INTEGRITY` or `NATIVE_CACHE`, with a message that says what to do
 * @throws {Deno.errors.NotCapable} a missing Deno permission, with the flag to add
 *
 * @example Finding the library for this machine
 * ```ts
 * import { locateLibrary } from "./_locate.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await locateLibrary();
 * assert.match(path, /greenlet\.(so|dylib|dll)$/);
 * ```
 */
export async function locateLibrary(options: LocateOptions = {}): Promise<string> {
  const root = options.packageRoot ?? new URL("..", import.meta.url);
  const env = options.env ?? ((name: string) => process.env[name]);
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;

  // 1. The override, unchecked: it is the user's own file. Without --allow-env it reads as unset.
  const override = optionalEnv(env, OVERRIDE);
  if (override !== undefined && override !== "") return override;

  const key = `${platform === "win32" ? "windows" : platform}-${ARCH_NAMES[arch] ?? arch}`;
  const entry: NativeFile | undefined = NATIVE_FILES[key];
  const packaged = new URL(`native/${key}/${entry?.file ?? hostFileName(platform)}`, root);

  if (root.protocol === "file:") {
    // 2. The local build, fresh from zig/ in a checkout.
    const local = fileURLToPath(new URL(localBuildPath(platform), root));
    if (await exists(local) === true) return local;
    // 3. The packaged file; if the file system may not be asked, dlopen will tell.
    const path = fileURLToPath(packaged);
    if (entry !== undefined && await exists(path) !== false) return path;
    if (entry === undefined) throw unsupported(key);
    throw new NativeLibraryError(
      "NATIVE_NOT_FOUND",
      `Cannot find the native library: neither ${local} nor ${path} exists: build it with ` +
        `\`zig build\` (or every target with \`bash _tools/build_native.sh\`), or set ${OVERRIDE}`,
    );
  }
  if (entry === undefined) throw unsupported(key);
  // 4. Download once, verified, into the cache.
  return await cached(packaged, entry, cacheRoot(env, platform));
}

/** The library's name as `zig build` installs it for the host. */
function hostFileName(platform: string): string {
  if (platform === "win32") return "greenlet.dll";
  return platform === "darwin" ? "libgreenlet.dylib" : "libgreenlet.so";
}

function localBuildPath(platform: string): string {
  return `zig-out/${platform === "win32" ? "bin" : "lib"}/${hostFileName(platform)}`;
}

function unsupported(key: string): NativeLibraryError {
  return new NativeLibraryError(
    "NATIVE_UNSUPPORTED",
    `Cannot load the native library: none is packaged for "${key}" (packaged: ` +
      `${Object.keys(NATIVE_FILES).join(", ")}): build zig/ for this machine with \`zig build\` ` +
      `and set ${OVERRIDE} to the library it makes`,
  );
}

/** The per-user cache folder for this package's downloads. */
function cacheRoot(env: (name: string) => string | undefined, platform: string): string {
  const read = (name: string): string | undefined => {
    try {
      const value = env(name);
      return value === "" ? undefined : value;
    } catch (e) {
      throw withFlag(e, `Cannot find the cache folder for the native library`, "--allow-env");
    }
  };
  const override = read(CACHE_OVERRIDE);
  if (override !== undefined) return override;
  const base = platform === "win32"
    ? read("LOCALAPPDATA")
    : platform === "darwin"
    ? homeJoin(read("HOME"), "Library", "Caches")
    : read("XDG_CACHE_HOME") ?? homeJoin(read("HOME"), ".cache");
  if (base === undefined) {
    throw new NativeLibraryError(
      "NATIVE_CACHE",
      `Cannot find the cache folder for the native library: ${
        platform === "win32" ? "LOCALAPPDATA" : "HOME"
      } is not set: set ${CACHE_OVERRIDE} to a writable folder`,
    );
  }
  return join(base, "greenlet");
}

function homeJoin(home: string | undefined, ...parts: string[]): string | undefined {
  return home === undefined ? undefined : join(home, ...parts);
}

/** The cached file if it is intact, else a verified download stored atomically. */
async function cached(url: URL, entry: NativeFile, root: string): Promise<string> {
  const dir = join(root, NATIVE_VERSION, entry.sha256);
  const path = join(dir, entry.file);
  let existing: Uint8Array | undefined;
  try {
    existing = await readFile(path);
  } catch (e) {
    if (isNotCapable(e)) {
      throw withFlag(e, `Cannot read the native library's cache`, `--allow-read=${root}`);
    }
    // Not cached yet (or unreadable): download.
  }
  if (existing !== undefined && await matches(existing, entry)) return path;

  const bytes = await download(url);
  if (!await matches(bytes, entry)) {
    throw new NativeLibraryError(
      "NATIVE_INTEGRITY",
      `Cannot use the native library downloaded from ${url}: expected ${entry.size} bytes ` +
        `with SHA-256 ${entry.sha256}, got ${bytes.length} bytes with SHA-256 ` +
        `${await sha256(bytes)}: nothing was stored or loaded: check what serves that URL ` +
        `(a proxy or a stale copy), or set ${OVERRIDE} to a library you trust`,
    );
  }
  const temp = `${path}.${process.pid}-${crypto.randomUUID()}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, bytes, { mode: 0o644 });
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => {});
    // Another process may have put the same file there first (Windows refuses to replace a
    // loaded DLL): take that one if it is intact.
    const raced = await readFile(path).catch(() => undefined);
    if (raced !== undefined && await matches(raced, entry)) return path;
    if (isNotCapable(e)) {
      throw withFlag(e, `Cannot cache the native library`, `--allow-write=${root}`);
    }
    throw new NativeLibraryError(
      "NATIVE_CACHE",
      `Cannot cache the native library in ${dir}: ${(e as Error).message}: set ` +
        `${CACHE_OVERRIDE} to a writable folder`,
      { cause: e },
    );
  }
  return path;
}

/** The whole body of `url`, or a clear error: a failed request, an HTTP error, a cut body. */
async function download(url: URL): Promise<Uint8Array> {
  const fail = (what: string, cause?: unknown): NativeLibraryError =>
    new NativeLibraryError(
      "NATIVE_DOWNLOAD",
      `Cannot download the native library from ${url}: ${what}: run again when the server ` +
        `answers, or set ${OVERRIDE} to a local copy`,
      { cause },
    );
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    if (isNotCapable(e)) {
      throw withFlag(e, `Cannot download the native library`, `--allow-net=${url.host}`);
    }
    throw fail((e as Error).message, e);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw fail(`HTTP ${response.status} ${response.statusText}`);
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw fail(`the connection dropped during the body (${(e as Error).message})`, e);
  }
}

async function matches(bytes: Uint8Array, entry: NativeFile): Promise<boolean> {
  return bytes.length === entry.size && await sha256(bytes) === entry.sha256;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** true or false, or undefined when this process may not look (no --allow-read). */
async function exists(path: string): Promise<boolean | undefined> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    return isNotCapable(e) ? undefined : false;
  }
}

function optionalEnv(env: (name: string) => string | undefined, name: string): string | undefined {
  try {
    return env(name);
  } catch (e) {
    if (isNotCapable(e)) return undefined;
    throw e;
  }
}

/** Deno's missing-permission error, recognised without asking which runtime runs. */
function isNotCapable(e: unknown): e is Error {
  return e instanceof Error && e.name === "NotCapable";
}

/** The same NotCapable class, its message prefixed by what failed and the narrowest flag. */
function withFlag(e: unknown, action: string, flag: string): unknown {
  if (!isNotCapable(e)) return e;
  const NotCapable = e.constructor as new (message: string, options?: ErrorOptions) => Error;
  return new NotCapable(`${action}: ${e.message} (${flag} is enough)`, { cause: e });
}
