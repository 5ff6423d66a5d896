// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Builds the benchmark tables from the JSON output of bench/greenlet_bench.{py,ts}.
//
//   deno run --allow-read bench/report.ts TURN_DIR...
//
// Each TURN_DIR holds one turn of _tools/bench.sh: one JSON file per runtime, from processes run
// one after the other. Every process reports its own figure per case (its median batch), so a
// cell is the median over the processes with their range (min–max). Ratios are taken where the
// baseline was measured: × CPython per turn (the runtime's figure over CPython's from the same
// turn), × floor per process (greenlet_bench.ts: the median of its rounds' ratios); a ratio cell
// is the median of those ratios with their range. Prints the full markdown table, notes, and
// the short table for the README.

import { formatSpread, median, spread } from "./_medians.ts";

/** One case's figures in one process: ns per op (heap: bytes per greenlet). */
export interface CaseResult {
  /** The process's median batch. */
  greenlet: number;
  /** JS only: the bare-`yield` floor's median batch. */
  floor?: number;
  /** JS only: the median over the process's rounds of greenlet / floor. */
  vsFloor?: number;
  /** pingpong only: the `yield*`-step protocol with no checks (see greenlet_bench.ts). */
  protocol?: number;
  /** pingpong only: the median over the rounds of protocol / floor. */
  protocolVsFloor?: number;
  /** pingpong only: the median over the rounds of greenlet / protocol. */
  vsProtocol?: number;
  /** CPython heap case only: resident-memory growth per greenlet. */
  rss?: number;
}

/** What one process of a benchmark program prints. */
export interface RunResult {
  runtime: "python" | "deno" | "bun";
  version: string;
  k: number;
  n: Record<string, number>;
  depth: number;
  cases: Record<string, CaseResult>;
  heap?: CaseResult;
}

/** One turn of _tools/bench.sh: a process per runtime, run one after the other. */
export type Turn = Map<RunResult["runtime"], RunResult>;

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

const jsRuntimes = [["deno", "Deno"], ["bun", "Bun"]] as const;

/** A case's figures in every turn that has them (`key` "heap": the heap case). */
function figures(turns: Turn[], runtime: RunResult["runtime"], key: string): CaseResult[] {
  return turns.flatMap((turn) => {
    const run = turn.get(runtime);
    const c = key === "heap" ? run?.heap : run?.cases[key];
    return c === undefined ? [] : [c];
  });
}

/**
 * Per turn, the runtime's figure over CPython's from the same turn. The heap is a byte count,
 * not a time (tracemalloc gives CPython the same figure in every process), so _tools/bench.sh
 * measures CPython's once and a turn without it takes the median of those measured.
 */
function vsPython(turns: Turn[], runtime: RunResult["runtime"], key: string): number[] {
  const pyHeaps = figures(turns, "python", "heap").map((c) => c.greenlet);
  return turns.flatMap((turn) => {
    const [c] = figures([turn], runtime, key);
    const [py] = figures([turn], "python", key);
    const base = py?.greenlet ??
      (key === "heap" && pyHeaps.length !== 0 ? median(pyHeaps) : undefined);
    return c === undefined || base === undefined ? [] : [c.greenlet / base];
  });
}

function defined(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined && Number.isFinite(v));
}

/** Decimals for ns per op: none from 1000 up, else one. */
function ns(median: number): number {
  return median >= 1000 ? 0 : 1;
}

/** Decimals for bytes: none. */
function bytes(): number {
  return 0;
}

/** Decimals for a ratio: three below 0.1, else two. */
function times(median: number): number {
  return median < 0.1 ? 3 : 2;
}

/**
 * `median [min–max]` of `values` with the decimals `digits` gives for their median, then ✓/✗
 * (the median against `target`); "—" if there are none.
 */
function cell(
  values: number[],
  digits: (median: number) => number,
  unit = "",
  target?: number,
): string {
  if (values.length === 0) return "—";
  const s = spread(values);
  const d = digits(s.median);
  const mark = target === undefined ? "" : s.median <= target ? " ✓" : " ✗";
  return `${formatSpread(s, (v) => v.toFixed(d), unit)}${mark}`;
}

/** The ratio to the floor per process, then the floor's median over the processes. */
function floorCell(cases: CaseResult[], digits: typeof ns, unit: string, target?: number): string {
  const ratios = defined(cases.map((c) => c.vsFloor));
  const floors = defined(cases.map((c) => c.floor));
  if (ratios.length === 0 || floors.length === 0) return "—";
  const floor = median(floors);
  return `${cell(ratios, times, "×", target)} (${floor.toFixed(digits(floor))}${unit})`;
}

/** Builds the full markdown table: every case, ratios and targets. */
export function table(turns: Turn[]): string {
  const head = ["case (ns per op)", "CPython"];
  for (const [, name] of jsRuntimes) {
    head.push(name, `${name} ×CPy`, `${name} ×floor (floor)`);
  }
  head.push("target");
  const lines = [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 || i === head.length - 1 ? "---" : "---:")).join("|")}|`,
  ];
  const py = (key: string) => figures(turns, "python", key).map((c) => c.greenlet);
  for (const row of rows) {
    const cells = [row.label, cell(py(row.key), ns)];
    for (const [runtime] of jsRuntimes) {
      const cases = figures(turns, runtime, row.key);
      cells.push(
        cell(cases.map((c) => c.greenlet), ns),
        cell(vsPython(turns, runtime, row.key), times, "×", row.vsPython),
        floorCell(cases, ns, "", row.vsFloor),
      );
    }
    const targets = [];
    if (row.vsPython !== undefined) targets.push(`≤ ${row.vsPython}× CPy`);
    if (row.vsFloor !== undefined) targets.push(`≤ ${row.vsFloor}× floor`);
    cells.push(targets.join(", "));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const heapCells = ["heap bytes per suspended greenlet, depth 1", cell(py("heap"), bytes, " B")];
  for (const [runtime] of jsRuntimes) {
    const cases = figures(turns, runtime, "heap");
    heapCells.push(
      cell(cases.map((c) => c.greenlet), bytes, " B", heapTarget),
      cell(vsPython(turns, runtime, "heap"), times, "×"),
      floorCell(cases, bytes, " B"),
    );
  }
  heapCells.push(`≤ ${heapTarget} B`);
  lines.push(`| ${heapCells.join(" | ")} |`);
  return lines.join("\n");
}

/** The README's short table: four cases, CPython greenlet, Deno and Bun, median [min–max]. */
export function summary(turns: Turn[]): string {
  const cases = [
    ["pingpong", "pingpong round trip (2 bodies)"],
    ["switchSync", "`switchSync` round trip"],
    ["create", "create + start + finish"],
    ["heap", "heap bytes per suspended greenlet, depth 1"],
  ];
  const lines = ["| case | CPython greenlet | Deno | Bun |", "|---|---:|---:|---:|"];
  for (const [key, label] of cases) {
    const cells = [label];
    for (const runtime of ["python", "deno", "bun"] as const) {
      const values = figures(turns, runtime, key).map((c) => c.greenlet);
      cells.push(key === "heap" ? cell(values, bytes, " B") : cell(values, ns));
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The notes under the table: runtimes, method, batch sizes, protocol floor, CPython RSS. */
export function notes(turns: Turn[]): string[] {
  const runs = turns.flatMap((turn) => [...turn.values()]);
  const counts = (["python", "deno", "bun"] as const).flatMap((runtime) => {
    const of = runs.filter((run) => run.runtime === runtime);
    if (of.length === 0) return [];
    return [`${of[0].version} (${of.length} processes × ${of[0].k} batches)`];
  });
  const out = [
    `Runtimes: ${counts.join("; ")}.`,
    "Each process's figure is its median batch. Cells: the median over the processes " +
    "[min–max over the processes]. ×CPy: per turn, the runtime's figure over CPython's from " +
    "the same turn, then the median [min–max] over the turns (heap: CPython's tracemalloc " +
    "byte count, the same in every process, measured in the first turn). ×floor: per process, the median " +
    "of its rounds' ratios (greenlet batch over the floor batch timed right after it), then the " +
    "median [min–max] over the processes; in parentheses the floor's median. No range: every " +
    "process gave the same figure. ✓/✗: the median against the target.",
  ];
  const any = runs[0];
  if (any !== undefined) {
    out.push(
      `N per batch: ${Object.entries(any.n).map(([k, v]) => `${k} ${v}`).join(", ")}; ` +
        `depth case: ${any.depth} nested levels below each body.`,
    );
  }
  const protocol = jsRuntimes.flatMap(([runtime, name]) => {
    const cases = figures(turns, runtime, "pingpong");
    const protocol = defined(cases.map((c) => c.protocol));
    if (protocol.length === 0) return [];
    return [
      `${name} ${median(protocol).toFixed(1)} ns = ` +
      `${cell(defined(cases.map((c) => c.protocolVsFloor)), times, "×")} floor (greenlet: ` +
      `${cell(defined(cases.map((c) => c.vsProtocol)), times, "×")} this)`,
    ];
  });
  if (protocol.length !== 0) {
    out.push(
      "Protocol floor (pingpong through `yield*` on one reused self-iterating step, minimal " +
        `dispatch, no checks; per-process ratios, median [min–max]): ${protocol.join("; ")}.`,
    );
  }
  const rss = defined(figures(turns, "python", "heap").map((c) => c.rss));
  out.push(
    "Floor: plain generators yielding the next generator to a minimal dispatch loop " +
      "(switchSync: gen.next(v); create: f().next()). CPython heap: tracemalloc" +
      (rss.length === 0
        ? "."
        : `; its resident memory grows ${
          cell(rss.map((v) => v / 1024), () => 1, " KiB")
        } per greenlet.`),
  );
  return out;
}

/** Reads one turn directory: every `*.json` file in it, one process each. */
export function readTurn(dir: string): Turn {
  const turn: Turn = new Map();
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const text = Deno.readTextFileSync(`${dir}/${entry.name}`).trim();
    if (text === "") continue;
    const run = JSON.parse(text.split("\n").at(-1)!) as RunResult;
    turn.set(run.runtime, run);
  }
  return turn;
}

if (import.meta.main) {
  const turns = Deno.args.map(readTurn);
  console.log(table(turns));
  console.log();
  for (const line of notes(turns)) console.log(line);
  console.log();
  console.log("Short table (README):");
  console.log();
  console.log(summary(turns));
}
