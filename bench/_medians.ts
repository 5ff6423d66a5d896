// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The protocol of the FFI benchmarks (bench/ffi_calls.ts, bench/native_greenlets.ts): a child
// process times batches of each case round-robin and prints its medians as one JSON line; the
// driver runs several children and keeps every child's median per case.

import { spawnSync } from "node:child_process";
import { runtime } from "../testing/runtime.ts";

/** A named case: one call runs a batch of `batch` operations. */
export type Case = [name: string, batch: () => void];

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
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
