// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The package as a user gets it, from a folder outside the repository: Deno imports it by URL
// from a loopback server, Bun installs the tarball `bun pm pack` makes (offline); both run the
// README's first example unchanged. Also: package.json and deno.json describe the same package.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { denoPath } from "./_deno_path.ts";
import { runtime } from "../testing/runtime.ts";
import { startStaticServer } from "./_static_server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Manifests {
  deno: {
    name: string;
    version: string;
    exports: Record<string, string>;
    publish: { include: string[] };
  };
  npm: {
    name: string;
    version: string;
    type: string;
    exports: Record<string, string>;
    files: string[];
  };
}

async function manifests(): Promise<Manifests> {
  const read = async (file: string) => JSON.parse(await readFile(join(root, file), "utf8"));
  return { deno: await read("deno.json"), npm: await read("package.json") };
}

/** The README's first `ts` block and the outputs its `console.log(...); // out` lines promise. */
async function readmeExample(): Promise<{ source: string; expected: string }> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block !== null, "README.md has no ts block");
  const source = block[1];
  const outputs = [...source.matchAll(/^console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  assert.ok(outputs.length > 0, "the README example promises no output");
  return { source, expected: outputs.join("\n") + "\n" };
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking this process (it may be serving the child). */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

function assertRan(exit: Exit, what: string): void {
  assert.equal(exit.code, 0, `${what} failed (${exit.code}):\n${exit.stdout}\n${exit.stderr}`);
}

/** Bun: the running process, or the first on PATH under Deno. */
function bunPath(): string {
  return runtime.name === "bun" ? process.execPath : "bun";
}

async function inTempFolder(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "greenlet-user-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the package", () => {
  it("package.json and deno.json agree on name, version, exports and published files", async () => {
    const { deno, npm } = await manifests();
    assert.equal(npm.name, deno.name);
    assert.equal(npm.version, deno.version);
    assert.equal(npm.type, "module");
    assert.deepEqual(npm.exports, deno.exports);
    assert.deepEqual(npm.files, deno.publish.include);
  });

  it("Deno imports it by URL from a folder outside the repository and runs the README example", async () => {
    const { source, expected } = await readmeExample();
    const server = await startStaticServer(root);
    try {
      await inTempFolder(async (dir) => {
        const host = server.url.host;
        const imports = { "@greenlet/greenlet": new URL("mod.ts", server.url).href };
        await writeFile(join(dir, "deno.json"), JSON.stringify({ imports }));
        await writeFile(join(dir, "main.ts"), source);
        const env = { DENO_DIR: join(dir, "deno-dir"), NO_COLOR: "1" };
        const args = ["run", `--allow-import=${host}`, "main.ts"];
        const exit = await run(denoPath(), args, dir, env);
        assertRan(exit, "deno run");
        assert.equal(exit.stdout, expected);
      });
      assert.ok(server.requests.includes("/mod.ts"), "deno did not import over HTTP");
    } finally {
      await server.close();
    }
  });

  it("Bun installs the packed tarball offline in a new project and runs the README example", async () => {
    const { source, expected } = await readmeExample();
    const { npm } = await manifests();
    await inTempFolder(async (dir) => {
      const bun = bunPath();
      const env = {
        BUN_INSTALL_CACHE_DIR: join(dir, "bun-cache"),
        BUN_CONFIG_REGISTRY: "http://127.0.0.1:9/", // nothing listens there: offline
        NO_COLOR: "1",
      };
      const pack = await run(
        bun,
        ["pm", "pack", "--quiet", "--gzip-level", "1", "--destination", dir],
        root,
        env,
      );
      assertRan(pack, "bun pm pack");
      const tarball = pack.stdout.trim().split("\n").pop() ?? "";
      const app = join(dir, "app");
      await mkdir(app);
      const manifest = { name: "app", private: true, type: "module" };
      await writeFile(join(app, "package.json"), JSON.stringify(manifest));
      await writeFile(join(app, "main.ts"), source);
      assertRan(await run(bun, ["add", tarball], app, env), "bun add");
      const installed = join(app, "node_modules", ...npm.name.split("/"));
      const listed = new Set(["package.json", ...npm.files.map((file) => file.split("/")[0])]);
      const entries = (await readdir(installed)).filter((name) => !name.startsWith(".")); // .bun-tag
      assert.deepEqual(new Set(entries), listed, "the tarball ignores `files`");
      const exit = await run(bun, ["run", "main.ts"], app, env);
      assertRan(exit, "bun run");
      assert.equal(exit.stdout, expected);
    });
  });
});
