// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// _tools/native_table.ts --check (what `bash _tools/build_native.sh --check` runs): passes in a
// copy of the checkout at another path, and fails, naming the command to run, when zig/, the
// version or a packaged library no longer matches ffi/_native_hashes.ts. And the packaged
// libraries are in what `deno publish` uploads, within JSR's limits.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { NATIVE_FILES } from "../ffi/_native_hashes.ts";
import { denoPath } from "./_deno_path.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const INPUTS = [
  "_tools/native_table.ts",
  "_tools/pins.env",
  "deno.json",
  "build.zig",
  "zig",
  "native",
  "ffi/_native_hashes.ts",
];
const copies: string[] = [];

/** A copy of what the check reads, at a fresh path. */
function copy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "greenlet-table-")), "some", "other", "clone");
  copies.push(dir);
  for (const rel of INPUTS) cpSync(join(ROOT, rel), join(dir, rel), { recursive: true });
  return dir;
}

function check(dir: string): { status: number | null; output: string } {
  const script = join(dir, "_tools", "native_table.ts");
  const args = ["run", "--no-config", `--allow-read=${dir}`, script, "--check"];
  const child = spawnSync(denoPath(), args, { cwd: dir, encoding: "utf8" });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

after(() => {
  for (const dir of copies) rmSync(join(dir, "..", "..", ".."), { recursive: true, force: true });
});

describe("_tools/native_table.ts --check", () => {
  it("passes in a copy of the checkout at another path", () => {
    const { status, output } = check(copy());
    assert.equal(status, 0, output);
  });

  it("ignores dot files under zig/, but not a new source file", () => {
    const dir = copy();
    writeFileSync(join(dir, "zig", ".root.zig.swp"), "editor state");
    mkdirSync(join(dir, "zig", ".zig-cache"));
    writeFileSync(join(dir, "zig", ".zig-cache", "h"), "cache");
    const clean = check(dir);
    assert.equal(clean.status, 0, clean.output);
    writeFileSync(join(dir, "zig", "extra.zig"), "// new\n");
    const stale = check(dir);
    assert.equal(stale.status, 1, stale.output);
    assert.match(stale.output, /build\.zig, zig\/ or the Zig pin changed/);
  });

  it("fails naming the command when zig/, the version or a library changed", () => {
    const dir = copy();
    appendFileSync(join(dir, "zig", "root.zig"), "\n// changed\n");
    const config = join(dir, "deno.json");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(/"version": "[^"]*"/, '"version": "9.9.9"'),
    );
    appendFileSync(join(dir, "native", "linux-riscv64", "libgreenlet.so"), "x");
    const { status, output } = check(dir);
    assert.equal(status, 1, output);
    assert.match(output, /build\.zig, zig\/ or the Zig pin changed/);
    assert.match(output, /deno\.json's version/);
    assert.match(output, /native\/linux-riscv64 does not match/);
    assert.match(
      output,
      /run `bash _tools\/build_native\.sh` and commit native\/ and ffi\/_native_hashes\.ts/,
    );
  });
});

const UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1024, MB: 1024 * 1024 };
const JSR_LIMIT = 20 * 1024 * 1024;

describe("deno publish --dry-run", () => {
  it("uploads the six packaged libraries, all files within JSR's 20 MB", () => {
    const args = ["publish", "--dry-run", "--allow-dirty", "--no-check"];
    const child = spawnSync(denoPath(), args, { cwd: ROOT, encoding: "utf8" });
    const output = `${child.stdout}${child.stderr}`;
    assert.equal(child.status, 0, output);
    const root = pathToFileURL(ROOT).href;
    const files = [...output.matchAll(/(file:\S+) \(([\d.]+)(B|KB|MB)\)/g)]
      .map(([, url, size, unit]) => ({ path: url.slice(root.length), bytes: +size * UNITS[unit] }));
    const native = files.filter((f) => f.path.startsWith("native/")).map((f) => f.path).sort();
    const expected = Object.entries(NATIVE_FILES).map(([target, { file }]) =>
      `native/${target}/${file}`
    ).sort();
    assert.equal(expected.length, 6);
    assert.deepEqual(native, expected);
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    assert.ok(total < JSR_LIMIT, `the package is ${total} bytes`);
  });
});
