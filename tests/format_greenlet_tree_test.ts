// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// formatGreenletTree(): the debugging dump of this agent's greenlets. Other test files may
// leave greenlets suspended in the same agent, so these tests look only at their own lines.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, formatGreenletTree, getcurrent, Greenlet } from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

interface Line {
  index: number;
  depth: number;
  text: string;
}

/** Finds the line of the greenlet named `name` (unique per test) in a tree dump. */
function lineOf(tree: string, name: string): Line | undefined {
  const lines = tree.split("\n");
  const index = lines.findIndex((line) => line.includes(`<Greenlet ${name}#`));
  if (index === -1) return undefined;
  const text = lines[index];
  const at = text.indexOf("<Greenlet");
  return { index, depth: at === 0 ? 0 : at / 3, text };
}

function mustFind(tree: string, name: string): Line {
  const line = lineOf(tree, name);
  assert.ok(line !== undefined, `no line for ${name} in:\n${tree}`);
  return line;
}

/** A greenlet that suspends by switching to main until it is killed. */
function sleeper(name: string, parent?: Greenlet): Greenlet {
  const main = getcurrent();
  const g = new Greenlet(function* () {
    for (;;) yield* main.switch();
  }, { name, parent });
  // Started from main; the parent only decides where it goes when it finishes.
  g.switchSync();
  return g;
}

describe("formatGreenletTree()", () => {
  it("formatGreenletTree() starts with the main greenlet as the current root", () => {
    const main = getcurrent();
    const tree = formatGreenletTree();
    const first = tree.split("\n")[0];
    assert.equal(first, String(main));
    assert.match(first, /^<Greenlet main#\d+ main current active started main>$/);
    assertHealthy();
  });

  it("formatGreenletTree() indents suspended greenlets under their parents with names and states", () => {
    const a = sleeper("tree-a");
    const b = sleeper("tree-b", a);
    const c = sleeper("tree-c", a);
    const d = sleeper("tree-d", b);
    try {
      const tree = formatGreenletTree();
      const [la, lb, lc, ld] = ["tree-a", "tree-b", "tree-c", "tree-d"].map((n) =>
        mustFind(tree, n)
      );
      assert.deepEqual([la.depth, lb.depth, lc.depth, ld.depth], [1, 2, 2, 3], tree);
      assert.ok(la.index < lb.index && lb.index < ld.index && ld.index < lc.index, tree);
      assert.match(la.text, /^(├─|└─) <Greenlet tree-a#\d+ js suspended active started>$/);
      assert.match(lb.text, /^[│ ] {2}├─ <Greenlet tree-b#\d+ js suspended active started>$/);
      assert.match(ld.text, /^[│ ] {2}│ {2}└─ <Greenlet tree-d#\d+ js suspended active started>$/);
      assert.match(lc.text, /^[│ ] {2}└─ <Greenlet tree-c#\d+ js suspended active started>$/);
    } finally {
      for (const g of [d, c, b, a]) g.throwSync();
    }
    assertHealthy();
  });

  it("formatGreenletTree() drops greenlets once they are dead", () => {
    const a = sleeper("gone-a");
    const b = sleeper("gone-b", a);
    const finished = new Greenlet(function* () {
      yield* getcurrent().parent!.switch();
      return "done";
    }, { name: "gone-finished" });
    finished.switchSync();
    let tree = formatGreenletTree();
    for (const name of ["gone-a", "gone-b", "gone-finished"]) mustFind(tree, name);

    assert.equal(finished.switchSync(), "done");
    b.throwSync();
    tree = formatGreenletTree();
    assert.equal(lineOf(tree, "gone-finished"), undefined, tree);
    assert.equal(lineOf(tree, "gone-b"), undefined, tree);
    mustFind(tree, "gone-a");

    a.throwSync();
    tree = formatGreenletTree();
    assert.equal(lineOf(tree, "gone-a"), undefined, tree);
    assertHealthy();
  });

  it("formatGreenletTree() keeps a dead greenlet only as the ancestor of a live one", () => {
    const a = sleeper("ancestor-a");
    const b = sleeper("ancestor-b", a);
    a.throwSync();
    let tree = formatGreenletTree();
    const la = mustFind(tree, "ancestor-a");
    const lb = mustFind(tree, "ancestor-b");
    assert.match(la.text, /ancestor-a#\d+ js dead>$/);
    assert.equal(lb.depth, la.depth + 1);
    b.throwSync();
    tree = formatGreenletTree();
    assert.equal(lineOf(tree, "ancestor-a"), undefined, tree);
    assert.equal(lineOf(tree, "ancestor-b"), undefined, tree);
    assertHealthy();
  });

  it("formatGreenletTree() inside a body marks that greenlet current and main suspended", () => {
    const main = getcurrent();
    const outer = sleeper("cur-outer");
    let tree = "";
    const inner = new Greenlet(function* () {
      tree = formatGreenletTree();
    }, { name: "cur-inner", parent: outer });
    inner.switchSync(); // inner finishes into outer, which switches back to main
    outer.throwSync();
    const first = tree.split("\n")[0];
    assert.match(first, /^<Greenlet main#\d+ main suspended active started main>$/);
    const lo = mustFind(tree, "cur-outer");
    const li = mustFind(tree, "cur-inner");
    assert.match(li.text, /cur-inner#\d+ js current active started>$/);
    assert.equal(li.depth, lo.depth + 1);
    assert.equal(getcurrent(), main);
    assertHealthy();
  });

  it("formatGreenletTree(extra) shows pending greenlets only when passed", () => {
    const parent = sleeper("extra-parent");
    const pending = new Greenlet(function* () {}, { name: "extra-pending", parent });
    assert.equal(lineOf(formatGreenletTree(), "extra-pending"), undefined);
    const tree = formatGreenletTree([pending]);
    const lp = mustFind(tree, "extra-pending");
    assert.match(lp.text, /extra-pending#\d+ js pending>$/);
    assert.equal(lp.depth, mustFind(tree, "extra-parent").depth + 1);
    parent.throwSync();
    assertHealthy();
  });

  it("formatGreenletTree() shows a greenlet waiting in awaitOnly() as awaiting", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const g = new Greenlet(function* () {
      yield* awaitOnly(gate);
      return "released";
    }, { name: "await-waiter" });
    const driver = g.switchAsync();
    const tree = formatGreenletTree();
    assert.match(
      mustFind(tree, "await-waiter").text,
      /await-waiter#\d+ js awaiting active started>$/,
    );
    release();
    assert.equal(await driver, "released");
    assert.equal(lineOf(formatGreenletTree(), "await-waiter"), undefined);
    assertHealthy();
  });
});
