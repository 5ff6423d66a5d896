// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Builds the hub benchmark tables from the JSON lines of bench/hub_bench.{py,ts},
// bench/hub_effection.ts and the echo runs of _tools/hub_bench.sh.
//
//   deno run --allow-read bench/hub_report.ts run1.json run2.json ...
//
// Every figure is the median over processes of each process's own median, with the spread
// (lowest–highest process) beside it; ratios are taken between medians measured in the same
// run of _tools/hub_bench.sh. Prints markdown on stdout.

import type { HubRun } from "./_hub_method.ts";

/** One echo run: the load generator's line, labelled by _tools/hub_bench.sh. */
export interface EchoRun {
  runtime: "deno" | "bun";
  server: "hub" | "async";
  /** The server's CPU time while the load ran (connecting, the timed window, closing). */
  serverCpuSeconds: number;
  load: { clients: number; size: number; seconds: number; requests: number; rps: number };
}

/** A median with its spread. */
export interface Spread {
  median: number;
  low: number;
  high: number;
  count: number;
}

/** Median and range of a list (undefined when empty). */
export function spread(values: number[]): Spread | undefined {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, low: v[0], high: v.at(-1)!, count: v.length };
}

function num(value: number): string {
  const a = Math.abs(value);
  return a >= 1000 ? value.toFixed(0) : a >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function show(s: Spread | undefined, unit = ""): string {
  if (s === undefined) return "—";
  if (s.count === 1) return `${num(s.median)}${unit}`;
  return `${num(s.median)}${unit} (${num(s.low)}–${num(s.high)})`;
}

function check(value: number | undefined, ok: (v: number) => boolean): string {
  return value === undefined ? "" : ok(value) ? " ✓" : " ✗";
}

type Key = `${HubRun["runtime"]}/${HubRun["library"]}`;

/** Speed rows: label, case key, and the minimum throughput ratios the issue asks for. */
const rows = [
  { key: "spawnJoin", label: "spawn + join (from a task)", gevent: 20, effection: 10 },
  { key: "queuePingPong", label: "queue ping-pong round trip", gevent: 20, effection: 10 },
  { key: "channelPingPong", label: "channel ping-pong round trip", gevent: 20 },
  { key: "sleep0", label: "sleep(0), per task of 1 000 ready", gevent: 10 },
] as const;

/** The speed table: ns per op and the hub's throughput relative to each baseline. */
export function speedTable(runs: Map<Key, HubRun[]>): string {
  const caseSpread = (key: Key, name: string): Spread | undefined =>
    spread((runs.get(key) ?? []).map((r) => r.cases[name] ?? NaN));
  const head = ["case (ns per op)", "gevent"];
  for (const rt of ["Deno", "Bun"]) {
    head.push(`${rt} hub`, `${rt} Effection`, `${rt} hub ×gevent`, `${rt} hub ×Effection`);
  }
  head.push("target");
  const lines = [`| ${head.join(" | ")} |`, `|---|${head.slice(1).map(() => "---:").join("|")}|`];
  for (const row of rows) {
    const gevent = caseSpread("python/gevent", row.key);
    const cells = [row.label, show(gevent)];
    for (const rt of ["deno", "bun"] as const) {
      const hub = caseSpread(`${rt}/hub`, row.key);
      const effection = caseSpread(`${rt}/effection`, row.key);
      const vsGevent = gevent && hub ? gevent.median / hub.median : undefined;
      const vsEffection = effection && hub ? effection.median / hub.median : undefined;
      const effectionTarget = "effection" in row ? row.effection : undefined;
      cells.push(
        show(hub),
        show(effection),
        vsGevent === undefined
          ? "—"
          : `${num(vsGevent)}×${check(vsGevent, (v) => v >= row.gevent)}`,
        vsEffection === undefined
          ? "—"
          : `${num(vsEffection)}×${
            effectionTarget === undefined ? "" : check(vsEffection, (v) => v >= effectionTarget)
          }`,
      );
    }
    const target = [`≥ ${row.gevent}× gevent`];
    if ("effection" in row) target.push(`≥ ${row.effection}× Effection`);
    cells.push(target.join(", "));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * The machine's speed in the hub processes: the protocol floor (bench/_protocol_floor.ts, no
 * library code) and the queue ping-pong over it, per process. This VM runs everything in a fast
 * or a slow phase (docs/benchmarks_hub.md); the floor says which the processes met, and the
 * ratio, much steadier than either figure, is what to compare between runs.
 */
export function floorLine(runs: Map<Key, HubRun[]>): string | undefined {
  const parts: string[] = [];
  for (const rt of ["deno", "bun"] as const) {
    const hub = (runs.get(`${rt}/hub`) ?? []).filter((r) => r.cases.protocolFloor !== undefined);
    if (hub.length === 0) continue;
    const floor = spread(hub.map((r) => r.cases.protocolFloor));
    const ratio = spread(hub.map((r) => r.cases.queuePingPong / r.cases.protocolFloor));
    parts.push(
      `${rt === "deno" ? "Deno" : "Bun"} ${show(floor, " ns")}, queue ping-pong ÷ floor ` +
        show(ratio, "×"),
    );
  }
  if (parts.length === 0) return undefined;
  return "Protocol floor (bare `yield*` ping-pong, no library code, in the hub processes; the " +
    `machine's speed): ${parts.join("; ")}.`;
}

/** The warm-up a library's processes ran: rounds and CPU ms, median [lowest–highest]. */
function warmupOf(runs: HubRun[]): string {
  const ws = runs.flatMap((r) => r.warmup === undefined ? [] : [r.warmup]);
  if (ws.length === 0) return "warm-up not recorded";
  const span = (values: number[]): string => {
    const s = spread(values)!;
    return `${s.median.toFixed(0)} [${s.low.toFixed(0)}–${s.high.toFixed(0)}]`;
  };
  return `warm-up ≥ ${ws[0].budgetMs} ms: ${span(ws.map((w) => w.rounds))} rounds, ` +
    `${span(ws.map((w) => w.ms))} ms of CPU`;
}

/** The sleepers table: heap per sleeping task and the ping-pong beside 10 vs 100 000. */
export function sleepersTable(runs: Map<Key, HubRun[]>): string {
  const columns: [Key, string][] = [
    ["python/gevent", "gevent"],
    ["deno/hub", "Deno hub"],
    ["deno/effection", "Deno Effection"],
    ["bun/hub", "Bun hub"],
    ["bun/effection", "Bun Effection"],
  ];
  const head = ["100 000 sleeping tasks", ...columns.map(([, label]) => label), "target"];
  const lines = [`| ${head.join(" | ")} |`, `|---|${head.slice(1).map(() => "---:").join("|")}|`];
  const of = (key: Key, pick: (r: NonNullable<HubRun["sleepers"]>) => number) =>
    spread(
      (runs.get(key) ?? []).flatMap((r) => r.sleepers === undefined ? [] : [pick(r.sleepers)]),
    );
  const row = (
    label: string,
    pick: (r: NonNullable<HubRun["sleepers"]>) => number,
    unit: string,
    target = "",
    ok?: (v: number) => boolean,
  ): void => {
    const cells = [label];
    for (const [key] of columns) {
      const s = of(key, pick);
      const mark = ok !== undefined && key.endsWith("/hub") ? check(s?.median, ok) : "";
      cells.push(`${show(s, unit)}${mark}`);
    }
    cells.push(target);
    lines.push(`| ${cells.join(" | ")} |`);
  };
  row("heap per sleeping task", (s) => s.heapPerTask, " B");
  row("heap per bare suspended greenlet", (s) => s.heapPerBareGreenlet, " B");
  row(
    "heap per task above a bare greenlet",
    (s) => s.heapPerTask - s.heapPerBareGreenlet,
    " B",
    "≤ 256 B",
    (v) => v <= 256,
  );
  row("queue ping-pong beside 10 (ns)", (s) => s.pingPongBesideFew, "");
  row("queue ping-pong beside 100 000 (ns)", (s) => s.pingPongBesideMany, "");
  row(
    "beside 100 000 ÷ beside 10",
    (s) => s.pingPongBesideMany / s.pingPongBesideFew,
    "×",
    "≤ 1.2×",
    (v) => v <= 1.2,
  );
  return lines.join("\n");
}

/** The echo table: requests per second of the hub and the async/await server. */
export function echoTable(echo: EchoRun[]): string {
  const head = [
    "echo, loopback",
    "hub tasks (req/s)",
    "async/await (req/s)",
    "hub ÷ async/await",
    "target",
    "server CPU µs/req: hub",
    "async/await",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|---|${head.slice(1).map(() => "---:").join("|")}|`];
  for (const rt of ["deno", "bun"] as const) {
    const rps = (server: EchoRun["server"]) =>
      spread(echo.filter((e) => e.runtime === rt && e.server === server).map((e) => e.load.rps));
    const cpu = (server: EchoRun["server"]) =>
      spread(
        echo.filter((e) => e.runtime === rt && e.server === server).map((e) =>
          (e.serverCpuSeconds * 1e6) / e.load.requests
        ),
      );
    const hub = rps("hub");
    const base = rps("async");
    if (hub === undefined && base === undefined) continue;
    const ratio = hub && base ? hub.median / base.median : undefined;
    lines.push(
      `| ${rt === "deno" ? "Deno" : "Bun"} | ${show(hub)} | ${show(base)} | ${
        ratio === undefined ? "—" : `${ratio.toFixed(2)}×${check(ratio, (v) => v >= 0.8)}`
      } | ≥ 0.8× | ${show(cpu("hub"))} | ${show(cpu("async"))} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const runs = new Map<Key, HubRun[]>();
  const echo: EchoRun[] = [];
  for (const path of Deno.args) {
    const text = Deno.readTextFileSync(path).trim();
    if (text === "") continue;
    const line = JSON.parse(text.split("\n").at(-1)!) as HubRun | EchoRun;
    if ("load" in line) {
      echo.push(line);
      continue;
    }
    const key: Key = `${line.runtime}/${line.library}`;
    runs.set(key, [...runs.get(key) ?? [], line]);
  }
  if (runs.size !== 0) {
    console.log(speedTable(runs));
    console.log();
    const floor = floorLine(runs);
    if (floor !== undefined) console.log(`${floor}\n`);
    console.log(sleepersTable(runs));
    console.log();
    const versions = [...runs.values()].map((r) =>
      `${r[0].library} on ${r[0].version} (${r.length} × median of ${r[0].k}; ${warmupOf(r)})`
    );
    console.log(`Runs: ${versions.join("; ")}.`);
    console.log();
  }
  if (echo.length !== 0) {
    console.log(echoTable(echo));
    console.log();
    const l = echo[0].load;
    console.log(
      `Echo: ${l.clients} clients, ${l.size}-byte messages, ${l.seconds.toFixed(0)} s per run, ` +
        `${echo.length} runs in all; load generator in its own process on the server's ` +
        "runtime. Server CPU per request: the server's CPU time over the whole load process " +
        "(connecting, the timed window, closing) divided by the requests of the timed window.",
    );
  }
}
