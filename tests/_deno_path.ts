// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Tests that start a Deno process whichever runtime runs the suite find deno here.

import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { runtime } from "../testing/runtime.ts";

/** The deno executable: the one running this suite, or the first on PATH under Bun. */
export function denoPath(): string {
  if (runtime.name === "deno") return process.execPath;
  const exe = process.platform === "win32" ? "deno.exe" : "deno";
  const dir = (process.env.PATH ?? "").split(delimiter).find((d) =>
    d !== "" && existsSync(join(d, exe))
  );
  if (dir === undefined) throw new Error("Cannot find deno on PATH: source _tools/env.sh");
  return join(dir, exe);
}
