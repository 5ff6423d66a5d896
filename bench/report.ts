// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Builds the benchmark table from the JSON lines of bench/greenlet_bench.{py,ts}.
//
//   deno run --allow-read bench/report.ts run1.json run2.json ...
//
// Each file holds one JSON object (one run of one runtime). Runs of the same runtime are
// merged by taking the best (lowest) figure per case, so repeated interleaved runs give a
// stable best-of. Prints one markdown table on stdout.

/** One case's figures in one run: ns per op (greenlet) and the bare-`yield` floor. */
export interface CaseResult {
  greenlet: number;
  floor?: number;
  /** pingpong only: the `yield*`-step protocol with no checks (see greenlet_bench.ts). */
  protocol?: number;
  /** CPython heap case only: resident-memory growth per greenlet. */
  rss?: number;
}

/** What one run of a benchmark program prints. */
export interface RunResult {
  runtime: "python" | "deno" | "bun";
  version: string;
  k: number;
  n: Record<string, number>;
  depth: number;
  cases: Record<string, CaseResult>;
  heap?: CaseResult;
}

/** A case row: label, what one op is, and the targets as ratios (undefined: no target). */
interface Row {
  key: string;
  label: string;
  vsPython?: number;
  vsFloor?: number;
}

const rows: Row[] = [
  { key: "pingpong", label: "pingpong round trip (2 bodies)", vsPython: 0.1, vsFloor: 2 },
  { key: "switchSync", label: "switchSync round trip", vsPython: 0.1 },
  { key: "depth8", label: "pingpong round trip, depth 8", vsPython: 0.5 },
  { key: "create", label: "create + start + finish", vsPython: 0.05 },
];

/** Heap target: bytes per suspended greenlet at depth 1. */
const heapTarget = 600;

/** Merges runs of one runtime: the lowest figure per case wins. */
export function merge(runs: RunResult[]): RunResult {
  const merged: RunResult = structuredClone(runs[0]);
  for (const run of runs.slice(1)) {
    for (const [name, c] of Object.entries(run.cases)) {
      const m = merged.cases[name];
      if (m === undefined) {
        merged.cases[name] = { ...c };
        continue;
      }
      m.greenlet = Math.min(m.greenlet, c.greenlet);
      if (c.floor !== undefined) m.floor = Math.min(m.floor ?? Infinity, c.floor);
      if (c.protocol !== undefined) m.protocol = Math.min(m.protocol ?? Infinity, c.protocol);
    }
    if (run.heap !== undefined) {
      if (merged.heap === undefined) merged.heap = { ...run.heap };
      else {
        merged.heap.greenlet = Math.min(merged.heap.greenlet, run.heap.greenlet);
        if (run.heap.floor !== undefined) {
          merged.heap.floor = Math.min(merged.heap.floor ?? Infinity, run.heap.floor);
        }
      }
    }
  }
  return merged;
}

function ns(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return value >= 1000 ? value.toFixed(0) : value.toFixed(1);
}

function ratio(value: number | undefined, base: number | undefined, target?: number): string {
  if (value === undefined || base === undefined || !(base > 0)) return "—";
  const r = value / base;
  const text = r < 0.1 ? r.toFixed(3) : r.toFixed(2);
  if (target === undefined) return `${text}×`;
  return `${text}× ${r <= target ? "✓" : "✗"}`;
}

/** Builds the markdown table for the merged runs of each runtime. */
export function table(byRuntime: Map<string, RunResult>): string {
  const py = byRuntime.get("python");
  const js = ["deno", "bun"].map((name) => byRuntime.get(name));
  const head = ["case (ns per op)", "CPython"];
  for (const name of ["Deno", "Bun"]) head.push(name, `${name} ×CPy`, `${name} ×floor (floor ns)`);
  head.push("target");
  const lines = [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? "---" : "---:")).join("|")}|`,
  ];
  for (const row of rows) {
    const base = py?.cases[row.key]?.greenlet;
    const cells = [row.label, ns(base)];
    for (const run of js) {
      const c = run?.cases[row.key];
      cells.push(
        ns(c?.greenlet),
        ratio(c?.greenlet, base, row.vsPython),
        c?.floor === undefined
          ? "—"
          : `${ratio(c.greenlet, c.floor, row.vsFloor)} (${ns(c.floor)})`,
      );
    }
    const targets = [];
    if (row.vsPython !== undefined) targets.push(`≤ ${row.vsPython}× CPy`);
    if (row.vsFloor !== undefined) targets.push(`≤ ${row.vsFloor}× floor`);
    cells.push(targets.join(", "));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const heapCells = ["heap bytes per suspended greenlet, depth 1", bytes(py?.heap?.greenlet)];
  for (const run of js) {
    const h = run?.heap;
    const mark = h === undefined ? "" : h.greenlet <= heapTarget ? " ✓" : " ✗";
    heapCells.push(
      `${bytes(h?.greenlet)}${mark}`,
      ratio(h?.greenlet, py?.heap?.greenlet),
      h?.floor === undefined ? "—" : `${ratio(h.greenlet, h.floor)} (${bytes(h.floor)})`,
    );
  }
  heapCells.push(`≤ ${heapTarget} B`);
  lines.push(`| ${heapCells.join(" | ")} |`);
  return lines.join("\n");
}

function bytes(value: number | undefined): string {
  return value === undefined ? "—" : `${Math.round(value)} B`;
}

if (import.meta.main) {
  const byRuntime = new Map<string, RunResult[]>();
  for (const path of Deno.args) {
    const text = Deno.readTextFileSync(path).trim();
    if (text === "") continue;
    const run = JSON.parse(text.split("\n").at(-1)!) as RunResult;
    const list = byRuntime.get(run.runtime) ?? [];
    list.push(run);
    byRuntime.set(run.runtime, list);
  }
  const merged = new Map<string, RunResult>();
  for (const [name, runs] of byRuntime) merged.set(name, merge(runs));
  console.log(table(merged));
  console.log();
  const notes = [...merged.values()].map((r) =>
    `${r.version} (${byRuntime.get(r.runtime)!.length} runs × best of ${r.k})`
  );
  console.log(`Runtimes: ${notes.join("; ")}.`);
  const n = [...merged.values()][0]?.n;
  if (n !== undefined) {
    console.log(
      `N per batch: ${Object.entries(n).map(([k, v]) => `${k} ${v}`).join(", ")}; ` +
        `depth case: ${[...merged.values()][0].depth} nested levels below each body.`,
    );
  }
  const protocol = ["deno", "bun"].flatMap((name) => {
    const c = merged.get(name)?.cases.pingpong;
    if (c?.protocol === undefined || c.floor === undefined) return [];
    return [
      `${name === "deno" ? "Deno" : "Bun"} ${ns(c.protocol)} ns = ` +
      `${(c.protocol / c.floor).toFixed(2)}× floor (greenlet: ${
        (c.greenlet / c.protocol).toFixed(2)
      }× this)`,
    ];
  });
  if (protocol.length !== 0) {
    console.log(
      "Protocol floor (pingpong through `yield*` on one reused self-iterating step, minimal " +
        `dispatch, no checks): ${protocol.join("; ")}.`,
    );
  }
  const rss = merged.get("python")?.heap?.rss;
  console.log(
    "Floor: plain generators yielding the next generator to a minimal dispatch loop " +
      "(switchSync: gen.next(v); create: f().next()). CPython heap: tracemalloc" +
      (rss === undefined ? "." : `; its resident memory grows ${Math.round(rss)} B per greenlet.`),
  );
}
