// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Builds the native bridge table from the JSON output of bench/native_bench.ts (Deno, Bun) and
// bench/native_bench.py (CPython greenlet's round trip), one directory per turn:
//
//   deno run --allow-read bench/native_report.ts TURN_DIR...
//
// Each TURN_DIR holds python.json, deno.json and bun.json from processes run one after the
// other. A figure cell is the median over the processes of each process's median, with their
// range (min–max). A ratio is taken against a baseline measured in the same run: × CPython per
// turn (the runtime's figure over the CPython process's of the same turn), a pair of cases per
// process (bench/native_bench.ts: the median over its rounds of case / baseline); a ratio cell is
// the median of those ratios with their range. ✓/✗ judge the median.

import { readFileSync } from "node:fs";
import process from "node:process";
import { formatSpread, spread } from "./_medians.ts";
import type { Figures, NativeRun } from "./native_bench.ts";

interface Turn {
  python: NativeRun;
  runs: Record<"deno" | "bun", NativeRun | undefined>;
}

/** A table row: the measured case, what its ratio is taken against, and the targets. */
interface Row {
  label: string;
  case: string;
  /** "python:<case>" (× CPython per turn) or another case of the same process. */
  baseline?: string;
  target?: { deno: number; bun: number };
}

const rows: Row[] = [
  {
    label: "switchSync round trip into a native greenlet",
    case: "native.switch",
    baseline: "python:python.switch",
    target: { deno: 0.1, bun: 0.1 },
  },
  {
    label: "qsort of 100 000 int32, per compare, on a native greenlet",
    case: "qsort.native",
    baseline: "qsort.main",
    target: { deno: 0.5, bun: 1.0 },
  },
  {
    label: "callback awaiting a resolved promise (switchAsync)",
    case: "await.native",
    baseline: "await.js",
    target: { deno: 1.5, bun: 1.5 },
  },
  {
    label: "callback round trip at depth 1000",
    case: "depth.1000",
    baseline: "depth.1",
    target: { deno: 1.1, bun: 1.1 },
  },
  {
    label: "switchSync round trip into a native greenlet",
    case: "native.switch",
    baseline: "ffi.switch",
  },
  {
    label: "switchSync round trip into a native greenlet",
    case: "native.switch",
    baseline: "ffi.send",
  },
  { label: "bare FFI call (greenlet_state)", case: "ffi.call" },
  { label: "bare FFI round trip root → C → root", case: "ffi.switch", baseline: "ffi.call" },
  { label: "the same through greenlet_send", case: "ffi.send", baseline: "ffi.call" },
  {
    label: "JS greenlet switchSync round trip",
    case: "js.switch",
    baseline: "python:python.switch",
  },
  { label: "qsort per compare, runtime's own callback (main stack)", case: "qsort.main" },
  {
    label: "one greenlet_send + decoding + comparator per compare (floor)",
    case: "qsort.floor",
    baseline: "qsort.main",
  },
  {
    label: "libc qsort with a C comparator: qsort's own work per compare (not in the floor)",
    case: "qsort.c",
    baseline: "qsort.main",
  },
  { label: "the same await in a JS greenlet body", case: "await.js" },
  {
    label: "await.js plus one bare greenlet_send round trip (floor)",
    case: "await.ffi",
    baseline: "await.js",
  },
  { label: "callback round trip at depth 1", case: "depth.1" },
  { label: "callback round trip at depth 1", case: "depth.1", baseline: "ffi.send" },
];

const runtimes = [["deno", "Deno"], ["bun", "Bun"]] as const;

function read<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function loadTurns(dirs: string[]): Turn[] {
  return dirs.map((dir) => {
    const python = read<NativeRun>(`${dir}/python.json`);
    if (python === undefined) throw new Error(`${dir}/python.json is missing`);
    return {
      python,
      runs: { deno: read<NativeRun>(`${dir}/deno.json`), bun: read<NativeRun>(`${dir}/bun.json`) },
    };
  });
}

const ns = (value: number): string => value.toFixed(1);
const times = (value: number): string => value < 0.1 ? value.toFixed(3) : value.toFixed(2);

/** Which clock a table shows: wall clock, or the process's CPU time (bench/native_bench.ts). */
type Clock = "wall" | "cpu";

function clockFigures(run: NativeRun | undefined, clock: Clock): Figures | undefined {
  return clock === "wall" ? run : run?.cpu;
}

/** The cells of one runtime for `row`: figure, ratio (or "" when the row has no baseline). */
function cells(turns: Turn[], key: "deno" | "bun", row: Row, clock: Clock): [string, string] {
  const figures: number[] = [];
  const ratios: number[] = [];
  for (const turn of turns) {
    const run = clockFigures(turn.runs[key], clock);
    const figure = run?.cases[row.case];
    if (run === undefined || figure === undefined) continue;
    figures.push(figure);
    if (row.baseline?.startsWith("python:")) {
      const python = clockFigures(turn.python, clock)?.cases[row.baseline.slice("python:".length)];
      if (python !== undefined) ratios.push(figure / python);
    } else if (row.baseline !== undefined) {
      const ratio = run.ratios[`${row.case}/${row.baseline}`];
      if (ratio !== undefined) ratios.push(ratio);
    }
  }
  if (figures.length === 0) return ["—", row.baseline === undefined ? "" : "—"];
  const figure = formatSpread(spread(figures), ns);
  if (ratios.length === 0) return [figure, row.baseline === undefined ? "" : "—"];
  const s = spread(ratios);
  const target = row.target?.[key];
  const mark = target === undefined ? "" : s.median <= target ? " ✓" : " ✗";
  return [figure, `${formatSpread(s, times, "×")}${mark}`];
}

function baselineName(row: Row): string {
  if (row.baseline === undefined) return "";
  return row.baseline.startsWith("python:") ? "CPython greenlet switch" : row.baseline;
}

function table(turns: Turn[], clock: Clock): string[] {
  const lines = [
    "| case (ns per op) | case key | CPython | Deno | Deno ratio | Bun | Bun ratio | ratio against | target |",
    "|---|---|--:|--:|--:|--:|--:|---|---|",
  ];
  for (const row of rows) {
    const python = row.baseline?.startsWith("python:")
      ? formatSpread(
        spread(
          turns.map((t) => clockFigures(t.python, clock)?.cases[row.baseline!.slice(7)] ?? NaN),
        ),
        ns,
      )
      : "";
    const [deno, denoRatio] = cells(turns, "deno", row, clock);
    const [bun, bunRatio] = cells(turns, "bun", row, clock);
    const target = row.target === undefined
      ? ""
      : row.target.deno === row.target.bun
      ? `≤ ${row.target.deno}×`
      : `Deno ≤ ${row.target.deno}×, Bun ≤ ${row.target.bun}×`;
    lines.push(
      `| ${row.label} | \`${row.case}\` | ${python} | ${deno} | ${denoRatio} | ${bun} | ${bunRatio} | ${
        baselineName(row)
      } | ${target} |`,
    );
  }
  return lines;
}

const turns = loadTurns(process.argv.slice(2));
const versions = [
  turns[0].python.version,
  ...runtimes.flatMap(([key]) => turns[0].runs[key]?.version ?? []),
];
console.log(`${turns.length} turns; ${versions.join(", ")}`);
console.log();
console.log("Wall clock:");
console.log();
for (const line of table(turns, "wall")) console.log(line);
console.log();
console.log("The same batches in each process's CPU time:");
console.log();
for (const line of table(turns, "cpu")) console.log(line);
