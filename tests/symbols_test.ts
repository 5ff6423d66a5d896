// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The FFI symbol table against include/greenlet.h: same functions, same parameter and result
// types (zig/header_test.zig checks the header against the Zig exports).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { symbols } from "../ffi/symbols.ts";
import { bunSymbols } from "../ffi/_bun.ts";
import { assertHealthy } from "../testing/healthy.ts";

const header = readFileSync(
  fileURLToPath(new URL("../include/greenlet.h", import.meta.url)),
  "utf8",
);

/** C type → the FFI type the table must use for it. */
function ffiType(cType: string): string {
  const t = cType.replace(/\bconst\b/g, "").replace(/\s+/g, " ").trim();
  if (t.endsWith("*")) return t === "char *" ? "pointer" : "buffer";
  switch (t) {
    case "void":
      return "void";
    case "int":
    case "greenlet_status":
      return "i32";
    case "uint32_t":
    case "greenlet_handle":
      return "u32";
    case "uintptr_t":
    case "size_t":
      return "usize";
    case "greenlet_entry":
      return "function";
    default:
      throw new Error(`Cannot map C type "${t}" to an FFI type`);
  }
}

/**
 * Data pointers the table declares as "pointer" rather than "buffer" (function:index): the
 * relay passes greenlet_send's message as a pointer made once (ffi/symbols.ts says why).
 */
const pointerParameters = new Set(["greenlet_send:2"]);

/** Prototypes of the header: name → { result, parameters }. */
function prototypes(): Map<string, { result: string; parameters: string[] }> {
  const out = new Map<string, { result: string; parameters: string[] }>();
  const flat = header.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\s+/g, " ");
  const re = /([A-Za-z_][\w ]*?\*?)\s*\b(greenlet_\w+)\s*\(([^)]*)\)\s*;/g;
  for (const m of flat.matchAll(re)) {
    if (m[1].includes("typedef")) continue;
    const params = m[3].trim() === "void" ? [] : m[3].split(",").map((p) => {
      const decl = p.trim();
      const name = /(\w+)$/.exec(decl)![1];
      return ffiType(decl.slice(0, decl.length - name.length));
    });
    out.set(m[2], { result: ffiType(m[1]), parameters: params });
  }
  return out;
}

describe("ffi/symbols.ts", () => {
  it("symbols lists exactly the functions declared in include/greenlet.h", () => {
    const declared = [...prototypes().keys()].sort();
    assert.ok(declared.length >= 10, `too few prototypes parsed: ${declared}`);
    assert.deepEqual(Object.keys(symbols).sort(), declared);
    assertHealthy();
  });

  it("symbols matches every prototype's parameter and result types", () => {
    for (const [name, proto] of prototypes()) {
      const def = symbols[name as keyof typeof symbols];
      const expected = proto.parameters.map((type, i) =>
        pointerParameters.has(`${name}:${i}`) ? "pointer" : type
      );
      assert.deepEqual([...def.parameters], expected, `${name} parameters`);
      assert.equal(def.result, proto.result, `${name} result`);
    }
    assertHealthy();
  });

  it("bunSymbols() spells the same table for bun:ffi", () => {
    const bun = bunSymbols(symbols);
    assert.deepEqual(Object.keys(bun).sort(), Object.keys(symbols).sort());
    assert.deepEqual(bun.greenlet_switch, {
      args: ["u32", "u32", "usize", "ptr", "ptr"],
      returns: "i32",
    });
    assert.deepEqual(bun.greenlet_status_name, { args: ["i32"], returns: "ptr" });
    assert.deepEqual(bun.greenlet_create.args, ["ptr", "usize", "u32", "u32", "usize", "ptr"]);
    assertHealthy();
  });
});
