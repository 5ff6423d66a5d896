// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { ensureMain } from "./_agent.ts";
import { live } from "./_gc_kill.ts";
import { agent } from "./_trampoline.ts";
import type { Greenlet } from "./greenlet.ts";

/**
 * Draws the tree of this agent's greenlets for debugging: the main greenlet, the current one,
 * every greenlet that has suspended and is still alive, and any extra greenlets you pass
 * (pending ones are only known if passed). Each line is the greenlet's `toString()`.
 *
 * @param extra more greenlets to include (with their ancestors)
 * @returns the tree as text, one greenlet per line
 *
 * @example
 * ```ts
 * import { formatGreenletTree, getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const main = getcurrent();
 * const g = new Greenlet(function* () {
 *   yield* main.switch();
 * }, { name: "worker" });
 * g.switchSync();
 * const tree = formatGreenletTree();
 * assert.match(tree, /main/);
 * assert.match(tree, /worker#\d+ js suspended/);
 * g.throwSync();
 * ```
 */
export function formatGreenletTree(extra: Iterable<Greenlet> = []): string {
  ensureMain();
  const members = new Set<Greenlet>([agent.main!.face, agent.current.face]);
  for (let held = live.next!; held !== live; held = held.next!) {
    const face = held.ref!.deref();
    if (face !== undefined) members.add(face);
  }
  for (const g of extra) members.add(g);
  for (const g of [...members]) {
    for (let p = g.parent; p !== null; p = p.parent) members.add(p);
  }
  const children = new Map<Greenlet | null, Greenlet[]>();
  for (const g of members) {
    const list = children.get(g.parent) ?? [];
    list.push(g);
    children.set(g.parent, list);
  }
  const lines: string[] = [];
  const draw = (g: Greenlet, prefix: string, last: boolean, root: boolean): void => {
    lines.push(root ? String(g) : `${prefix}${last ? "└─ " : "├─ "}${g}`);
    const kids = children.get(g) ?? [];
    const next = root ? "" : prefix + (last ? "   " : "│  ");
    kids.forEach((kid, i) => draw(kid, next, i === kids.length - 1, false));
  };
  for (const root of children.get(null) ?? []) draw(root, "", true, true);
  return lines.join("\n");
}
