// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The protocol of the FFI benchmarks (bench/ffi_calls.ts): a child
// process times batches of each case round-robin and prints its medians as one JSON line; the
// driver runs several children and keeps every child's median per case. bench/report.ts (the
// JS-tier table) takes the same statistics: a median per process, then the median over the
// processes with their range.

import { spawnSync } from "node:child_process";
import { runtime } from "../testing/runtime.ts";

/** A named case: one call runs a batch of `batch` operations. */
export type Case = [name: string, batch: () => void];

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Figures from several processes: their median and their range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  count: number;
}

/** The median of `values` and their range (`values` must not be empty). */
export function spread(values: number[]): Spread {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
  };
}

/**
 * `median [min–max]`, each number written by `format`, `unit` after the median; only the
 * median when the range is a single value as written.
 */
export function formatSpread(s: Spread, format: (value: number) => string, unit = ""): string {
  const [min, max] = [format(s.min), format(s.max)];
  return `${format(s.median)}${unit}${min === max ? "" : ` [${min}–${max}]`}`;
}

/**
 * In a child: times `cases` round-robin, `warmup` untimed rounds then `rounds` timed ones, and
 * prints each case's median ns per operation as one JSON line.
 */
export function timeCases(cases: Case[], batch: number, rounds: number, warmup: number): void {
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [name, run] of cases) {
      const start = performance.now();
      run();
      const ns = (performance.now() - start) * 1e6 / batch;
      if (round >= warmup) times.get(name)!.push(ns);
    }
  }
  const result: Record<string, number> = {};
  for (const [name, values] of times) result[name] = median(values);
  console.log(JSON.stringify(result));
}

/**
 * In the driver: prints the markdown table of `perCase` (each case's process medians): the
 * median over the processes and the range.
 */
export function printMedians(perCase: Map<string, number[]>, unit: string): void {
  console.log(`| case | median ${unit} | spread (min–max of process medians) |`);
  console.log("|---|---:|---:|");
  for (const [name, values] of perCase) {
    const s = spread(values);
    console.log(`| ${name} | ${s.median.toFixed(1)} | ${s.min.toFixed(1)}–${s.max.toFixed(1)} |`);
  }
}

/** In the driver: runs `script` with `args` in `runs` children; each case's child medians. */
export function childMedians(script: string, args: string[], runs: number): Map<string, number[]> {
  const perCase = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    const [command, ...rest] = runtime.command(script, args);
    const result = spawnSync(command, rest, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`Child run failed:\n${result.stderr}`);
    const medians = JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, number>;
    for (const [name, ns] of Object.entries(medians)) {
      perCase.set(name, [...(perCase.get(name) ?? []), ns]);
    }
  }
  return perCase;
}
