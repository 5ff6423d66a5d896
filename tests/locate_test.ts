// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// ffi/_locate.ts, step by step: the environment override, the local build, the packaged file,
// and the verified download into the cache over a loopback server (tampered, cut short,
// dropped, refused, unwritable cache). Then end to end in subprocesses: a Deno process with no
// Zig imports the package by URL, downloads, verifies, caches and loads the library, and a
// second one loads it from the cache with the server stopped; and a process of the runtime
// running this suite loads the packaged file from a copy of the package without a local build.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ABI_VERSION } from "../ffi/constants.ts";
import { locateLibrary, type LocateOptions } from "../ffi/_locate.ts";
import { NATIVE_FILES, NATIVE_VERSION } from "../ffi/_native_hashes.ts";
import { NativeLibraryError } from "../ffi/native_library_error.ts";
import { denoPath } from "./_deno_path.ts";
import { runtime } from "../testing/runtime.ts";
import { type Fault, startStaticServer, type StaticServer } from "./_static_server.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LINUX = NATIVE_FILES["linux-x86_64"];
const LINUX_PATH = "/native/linux-x86_64/libgreenlet.so";
const CHILD = fileURLToPath(new URL("./fixtures/locate_child.ts", import.meta.url));

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "greenlet-locate-"));
  temps.push(dir);
  return dir;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Options for a linux-x86_64 machine with these environment variables only. */
function machine(packageRoot: URL, vars: Record<string, string> = {}): LocateOptions {
  return { packageRoot, env: (name) => vars[name], platform: "linux", arch: "x64" };
}

/** Every file under `dir`, relative. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

async function rejectsWith(promise: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof NativeLibraryError, `expected NativeLibraryError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, text);
    return true;
  });
}

/** A URL where nothing listens any more. */
async function deadUrl(): Promise<URL> {
  const server = await startStaticServer(ROOT);
  await server.close();
  return server.url;
}

after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("ffi/_locate.ts locateLibrary() on a file: package", () => {
  it("GREENLET_LIBRARY_PATH comes first and is taken as is", async () => {
    const options = machine(pathToFileURL(ROOT + "/"), { GREENLET_LIBRARY_PATH: "/my/lib.so" });
    assert.equal(await locateLibrary(options), "/my/lib.so");
  });

  it("a local zig build output comes before the packaged file", async () => {
    const root = temp();
    mkdirSync(join(root, "zig-out", "lib"), { recursive: true });
    writeFileSync(join(root, "zig-out", "lib", "libgreenlet.so"), "local");
    cpSync(join(ROOT, "native"), join(root, "native"), { recursive: true });
    const url = pathToFileURL(root + "/");
    assert.equal(await locateLibrary(machine(url)), join(root, "zig-out", "lib", "libgreenlet.so"));
    mkdirSync(join(root, "zig-out", "bin"), { recursive: true });
    writeFileSync(join(root, "zig-out", "bin", "greenlet.dll"), "local");
    const windows = { ...machine(url), platform: "win32" };
    assert.equal(await locateLibrary(windows), join(root, "zig-out", "bin", "greenlet.dll"));
  });

  it("without a local build, the packaged file next to the module, for every target", async () => {
    const root = temp();
    cpSync(join(ROOT, "native"), join(root, "native"), { recursive: true });
    const machines = [
      ["linux", "x64", "linux-x86_64"],
      ["linux", "arm64", "linux-aarch64"],
      ["linux", "riscv64", "linux-riscv64"],
      ["darwin", "x64", "darwin-x86_64"],
      ["darwin", "arm64", "darwin-aarch64"],
      ["win32", "x64", "windows-x86_64"],
    ];
    assert.deepEqual(machines.map(([, , key]) => key).sort(), Object.keys(NATIVE_FILES).sort());
    for (const [platform, arch, key] of machines) {
      const options = { ...machine(pathToFileURL(root + "/")), platform, arch };
      const path = await locateLibrary(options);
      assert.equal(path, join(root, "native", key, NATIVE_FILES[key].file));
      assert.equal(sha256(readFileSync(path)), NATIVE_FILES[key].sha256, `${key} is stale`);
    }
  });

  it("neither a build nor a packaged file: NATIVE_NOT_FOUND naming the commands", async () => {
    const url = pathToFileURL(temp() + "/");
    await rejectsWith(locateLibrary(machine(url)), "NATIVE_NOT_FOUND", /zig build.*build_native/);
  });

  it("a machine nothing is packaged for: NATIVE_UNSUPPORTED listing what is", async () => {
    const options = { ...machine(pathToFileURL(temp() + "/")), platform: "freebsd" };
    await rejectsWith(
      locateLibrary(options),
      "NATIVE_UNSUPPORTED",
      /"freebsd-x86_64".*linux-x86_64/,
    );
  });
});

describe("ffi/_locate.ts locateLibrary() over http", () => {
  let server: StaticServer;
  let cache: string;
  const download = (): Promise<string> =>
    locateLibrary(machine(server.url, { GREENLET_CACHE_DIR: cache }));
  /** Downloads into a fresh cache with the library served faulty: fails so, caches nothing. */
  const faulty = async (fault: Fault, code: string, text: RegExp): Promise<void> => {
    cache = temp();
    server.fault(LINUX_PATH, fault);
    try {
      await rejectsWith(download(), code, text);
    } finally {
      server.clearFaults();
    }
    assert.deepEqual(listing(cache), []);
  };

  before(async () => {
    server = await startStaticServer(ROOT);
  });
  after(() => server.close());

  it("downloads, verifies and stores the file atomically, keyed by version and hash", async () => {
    cache = temp();
    const path = await download();
    assert.equal(path, join(cache, NATIVE_VERSION, LINUX.sha256, LINUX.file));
    assert.deepEqual(readFileSync(path), readFileSync(join(ROOT, LINUX_PATH)));
    assert.deepEqual(listing(cache), [join(NATIVE_VERSION, LINUX.sha256, LINUX.file)]);
    assert.deepEqual(server.requests.filter((p) => p === LINUX_PATH).length, 1);
  });

  it("two first runs at once both get the one verified file", async () => {
    const shared = temp();
    const options = machine(server.url, { GREENLET_CACHE_DIR: shared });
    const [a, b] = await Promise.all([locateLibrary(options), locateLibrary(options)]);
    assert.equal(a, b);
    assert.equal(sha256(readFileSync(a)), LINUX.sha256);
    assert.deepEqual(listing(shared), [join(NATIVE_VERSION, LINUX.sha256, LINUX.file)]);
  });

  it("then reuses the cached file with no server at all", async () => {
    const options = machine(await deadUrl(), { GREENLET_CACHE_DIR: cache });
    assert.equal(
      await locateLibrary(options),
      join(cache, NATIVE_VERSION, LINUX.sha256, LINUX.file),
    );
  });

  it("replaces a cached file that no longer matches its hash", async () => {
    const path = join(cache, NATIVE_VERSION, LINUX.sha256, LINUX.file);
    writeFileSync(path, "changed on disk");
    assert.equal(await download(), path);
    assert.equal(sha256(readFileSync(path)), LINUX.sha256);
  });

  it("a tampered file: NATIVE_INTEGRITY, nothing stored", async () => {
    const bytes = readFileSync(join(ROOT, LINUX_PATH));
    bytes[bytes.length >> 1] ^= 0xff;
    await faulty(
      { action: "replace", bytes },
      "NATIVE_INTEGRITY",
      /expected .*SHA-256.*nothing was stored/,
    );
  });

  it("a file cut short (clean close): NATIVE_INTEGRITY, nothing stored", async () => {
    await faulty({ action: "truncate", bytes: 4096 }, "NATIVE_INTEGRITY", /got 4096 bytes/);
  });

  it("a connection dropped in the middle of the body: NATIVE_DOWNLOAD, nothing stored", async () => {
    await faulty({ action: "drop", bytes: 65536 }, "NATIVE_DOWNLOAD", /Cannot download .*\.so/);
  });

  it("an HTTP error or a refused connection: NATIVE_DOWNLOAD", async () => {
    await faulty({ action: "status", status: 404 }, "NATIVE_DOWNLOAD", /HTTP 404/);
    const refused = machine(await deadUrl(), { GREENLET_CACHE_DIR: cache });
    await rejectsWith(locateLibrary(refused), "NATIVE_DOWNLOAD", /GREENLET_LIBRARY_PATH/);
    assert.deepEqual(listing(cache), []);
  });

  it("an unwritable cache: NATIVE_CACHE naming GREENLET_CACHE_DIR, no temporary file left", async () => {
    const dir = temp();
    writeFileSync(join(dir, "file"), "not a folder");
    cache = join(dir, "file", "cache");
    await rejectsWith(download(), "NATIVE_CACHE", /set GREENLET_CACHE_DIR to a writable folder/);
    assert.deepEqual(listing(dir), ["file"]);
  });

  it("the per-user cache folder: XDG, ~/.cache, ~/Library/Caches, %LOCALAPPDATA%", async () => {
    const home = temp();
    const cases: [string, string, Record<string, string>, string][] = [
      ["linux", "x64", { XDG_CACHE_HOME: join(home, "xdg"), HOME: home }, join(home, "xdg")],
      ["linux", "x64", { HOME: home }, join(home, ".cache")],
      ["darwin", "arm64", { HOME: home }, join(home, "Library", "Caches")],
      ["win32", "x64", { LOCALAPPDATA: join(home, "local") }, join(home, "local")],
    ];
    for (const [platform, arch, vars, base] of cases) {
      const options = { ...machine(server.url, vars), platform, arch };
      const path = await locateLibrary(options);
      assert.ok(path.startsWith(join(base, "greenlet", NATIVE_VERSION) + "/"), path);
    }
    await rejectsWith(locateLibrary(machine(server.url)), "NATIVE_CACHE", /HOME is not set/);
  });
});

interface ChildResult {
  ok: boolean;
  path?: string;
  abi?: number;
  name?: string;
  code?: string;
  message?: string;
}

/** Runs a command without blocking this process's event loop (the server lives in it). */
function run(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<{ result: ChildResult; output: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    execFile(cmd, args, { env, cwd, timeout: 60_000 }, (_, out, err) => {
      const lines = String(out).trim().split("\n");
      const output = `stdout:\n${out}\nstderr:\n${err}`;
      try {
        resolve({ result: JSON.parse(lines[lines.length - 1]) as ChildResult, output });
      } catch {
        resolve({ result: { ok: false, message: output }, output });
      }
    });
  });
}

describe("native library delivery end to end (subprocesses)", () => {
  let server: StaticServer;
  const deno = denoPath();
  const work = temp();
  const denoDir = join(work, "deno-dir");

  /** A Deno process outside the repository with no Zig (PATH holds only deno). */
  const denoChild = (cache: string, flags: string[]) =>
    run(
      [deno, "run", "--no-config", "--no-lock", ...flags, CHILD, `${server.url}ffi/_open.ts`],
      { PATH: dirname(deno), HOME: work, DENO_DIR: denoDir, GREENLET_CACHE_DIR: cache },
      work,
    );
  const allFlags = (cache: string): string[] => [
    `--allow-import=${server.url.host}`,
    `--allow-net=${server.url.host}`,
    "--allow-env",
    `--allow-read=${cache}`,
    `--allow-write=${cache}`,
    `--allow-ffi=${cache}`,
  ];

  before(async () => {
    server = await startStaticServer(ROOT);
  });
  after(() => server.close());

  it("Deno by URL without Zig: tampered and dropped downloads fail and cache nothing", async () => {
    const cache = join(work, "bad-cache");
    const tampered = readFileSync(join(ROOT, LINUX_PATH));
    tampered[100] ^= 0x01;
    server.fault(LINUX_PATH, { action: "replace", bytes: tampered });
    const bad = await denoChild(cache, allFlags(cache));
    server.fault(LINUX_PATH, { action: "drop", bytes: 1000 });
    const dropped = await denoChild(cache, allFlags(cache));
    server.clearFaults();
    assert.equal(bad.result.code, "NATIVE_INTEGRITY", bad.output);
    assert.equal(dropped.result.code, "NATIVE_DOWNLOAD", dropped.output);
    assert.deepEqual(listing(cache), []);
  });

  it("Deno by URL without write permission: NotCapable naming --allow-write", async () => {
    const cache = join(work, "no-write-cache");
    const flags = allFlags(cache).filter((f) => !f.startsWith("--allow-write"));
    const { result, output } = await denoChild(cache, flags);
    assert.equal(result.name, "NotCapable", output);
    assert.ok(result.message?.includes(`--allow-write=${cache}`), output);
  });

  it("Deno by URL without Zig downloads, verifies, caches, loads; then runs offline", async () => {
    const cache = join(work, "cache");
    const first = await denoChild(cache, allFlags(cache));
    assert.equal(first.result.ok, true, first.output);
    assert.equal(first.result.abi, ABI_VERSION);
    const path = first.result.path ?? "";
    assert.ok(path.startsWith(join(cache, NATIVE_VERSION) + "/"), path);
    const entry = Object.values(NATIVE_FILES).find((f) => f.sha256 === sha256(readFileSync(path)));
    assert.ok(entry !== undefined && path.endsWith(join(entry.sha256, entry.file)), path);

    await server.close();
    const offline = allFlags(cache).filter((f) => !/^--allow-(net|write)/.test(f));
    const second = await denoChild(cache, offline);
    assert.equal(second.result.ok, true, second.output);
    assert.equal(second.result.path, path);
    assert.equal(second.result.abi, ABI_VERSION);
  });

  it(`${runtime.name} loads the packaged file from a copy of the package without a build`, async () => {
    const copy = join(temp(), "package");
    for (const dir of ["ffi", "src", "native"]) {
      cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
    }
    const module = pathToFileURL(join(copy, "ffi", "_open.ts")).href;
    const env = { ...process.env };
    delete env.GREENLET_LIBRARY_PATH;
    const { result, output } = await run(runtime.command(CHILD, [module]), env, copy);
    assert.equal(result.ok, true, output);
    assert.equal(result.abi, ABI_VERSION);
    assert.ok(result.path?.startsWith(join(copy, "native") + "/"), result.path);
  });
});
