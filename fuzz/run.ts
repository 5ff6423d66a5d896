// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The differential fuzzer's driver: generates programs from seeds (fuzz/gen.ts), runs each
// batch once on CPython greenlet (fuzz/interp.py) and once per JS runtime (fuzz/interp.ts under
// Deno and Bun), compares the canonical logs program by program, shrinks and saves divergent
// programs to fuzz/regressions/<seed>.json, and reports seeds and coverage.
//
//   deno run -A fuzz/run.ts --ci                      saved regressions + a fixed-seed batch
//                                                     (never saves: the tree stays untouched)
//   deno run -A fuzz/run.ts --programs N [--seed S]   a campaign of N programs from seed S
// Options: --batch B (programs per process), --runtimes deno,bun, --no-save, --max-saves M
// (shrink and save at most M new divergences per run, one per distinct first difference).
// Entry point: bash _tools/fuzz.sh (sources _tools/env.sh first).

import { countOps, generate, type Op, OP_NAMES, opLists, type Program } from "./gen.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const regressionsDir = `${root}/fuzz/regressions`;

/** The fixed CI batch: seeds CI_SEED .. CI_SEED + CI_PROGRAMS - 1. */
const CI_SEED = 1;
const CI_PROGRAMS = 12000;

type Runtime = "deno" | "bun";

interface Options {
  ci: boolean;
  programs: number;
  seed: number;
  batch: number;
  runtimes: Runtime[];
  save: boolean;
  maxSaves: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    ci: false,
    programs: 0,
    seed: 1,
    batch: 2000,
    runtimes: ["deno", "bun"],
    save: true,
    maxSaves: 5,
  };
  let seedGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--ci") o.ci = true;
    else if (a === "--programs") o.programs = Number(next());
    else if (a === "--seed") {
      o.seed = Number(next());
      seedGiven = true;
    } else if (a === "--batch") o.batch = Number(next());
    else if (a === "--runtimes") o.runtimes = next().split(",") as Runtime[];
    else if (a === "--no-save") o.save = false;
    else if (a === "--max-saves") o.maxSaves = Number(next());
    else throw new Error(`unknown option ${a}`);
  }
  if (o.ci) {
    // CI never writes into the tree; shrink a failing seed with --programs 1 --seed S.
    o.save = false;
    if (o.programs === 0) o.programs = CI_PROGRAMS;
    if (!seedGiven) o.seed = CI_SEED;
  } else if (o.programs === 0) {
    o.programs = 1000;
  }
  for (const r of o.runtimes) {
    if (r !== "deno" && r !== "bun") throw new Error(`unknown runtime ${r}`);
  }
  return o;
}

function command(runtime: "python" | Runtime): [string, string[]] {
  if (runtime === "python") {
    return [Deno.env.get("PYTHON") ?? "python3", [`${root}/fuzz/interp.py`]];
  }
  if (runtime === "deno") {
    // Native greenlets: the library and the fixture library (FFI, their paths, the pinned Zig).
    return ["deno", [
      "run",
      "--quiet",
      "--allow-ffi",
      "--allow-read",
      "--allow-env",
      "--allow-run",
      `${root}/fuzz/interp.ts`,
    ]];
  }
  return ["bun", [`${root}/fuzz/interp.ts`]];
}

/** Runs one interpreter process over many programs; throws when it fails or times out. */
async function executeOnce(runtime: "python" | Runtime, programs: Program[]): Promise<string[]> {
  const [cmd, args] = command(runtime);
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A hang (for example a parent cycle walked forever) must fail the run, not stall it.
  const limit = 5_000 + 20 * programs.length;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, limit);
  try {
    const writer = child.stdin.getWriter();
    const writing = writer.write(new TextEncoder().encode(JSON.stringify(programs)))
      .then(() => writer.close()).catch(() => {});
    const [out] = await Promise.all([child.output(), writing]);
    const text = new TextDecoder().decode(out.stdout);
    const lines = text.split("\n").filter((l) => l !== "");
    if (timedOut || !out.success || lines.length !== programs.length) {
      const err = new TextDecoder().decode(out.stderr);
      throw new Error(
        `${runtime} interpreter ${timedOut ? `timed out after ${limit} ms` : "failed"} ` +
          `(exit ${out.code}, ${lines.length}/${programs.length} logs): ${err.slice(0, 2000)}`,
      );
    }
    // Normalise the JSON spelling so Python and JS output compare as text.
    return lines.map((l) => JSON.stringify(JSON.parse(l).log));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one interpreter over many programs and returns each program's log. When the process
 * crashes or hangs, the batch is split until the programs responsible are isolated; each of
 * those gets an `interp-failed` log (which never matches the other side's).
 */
async function execute(runtime: "python" | Runtime, programs: Program[]): Promise<string[]> {
  try {
    return await executeOnce(runtime, programs);
  } catch (e) {
    if (programs.length === 1) {
      const reason = String((e as Error).message).split("\n")[0].slice(0, 300);
      console.log(`  ${runtime} failed on seed ${programs[0].seed}: ${reason}`);
      return [JSON.stringify([["interp-failed", runtime, reason.slice(0, 60)]])];
    }
    const half = Math.ceil(programs.length / 2);
    return [
      ...await execute(runtime, programs.slice(0, half)),
      ...await execute(runtime, programs.slice(half)),
    ];
  }
}

interface Divergence {
  program: Program;
  runtime: Runtime;
  expected: string;
  got: string;
}

/** Runs a batch on every side; returns the Python logs and the divergences. */
async function compareBatch(
  programs: Program[],
  runtimes: Runtime[],
): Promise<{ logs: string[]; divergences: Divergence[] }> {
  const [logs, ...others] = await Promise.all([
    execute("python", programs),
    ...runtimes.map((r) => execute(r, programs)),
  ]);
  const divergences: Divergence[] = [];
  programs.forEach((program, i) => {
    runtimes.forEach((runtime, j) => {
      if (others[j][i] !== logs[i]) {
        divergences.push({ program, runtime, expected: logs[i], got: others[j][i] });
      }
    });
  });
  return { logs, divergences };
}

// ---------------------------------------------------------------------------------------------
// Shrinking: drop one operation (or unwrap one block) at a time while the program still
// diverges on the same runtime; each round evaluates all candidates in one batch.

function candidates(p: Program): Program[] {
  const out: Program[] = [];
  const count = opLists(p).length;
  for (let li = 0; li < count; li++) {
    const len = opLists(p)[li].length;
    for (let oi = 0; oi < len; oi++) {
      // Drop the operation.
      const a = structuredClone(p);
      opLists(a)[li].splice(oi, 1);
      out.push(a);
      // Replace a block by its body.
      const op = opLists(p)[li][oi];
      if (op.op === "try" || op.op === "fin" || op.op === "call") {
        const b = structuredClone(p);
        const list = opLists(b)[li];
        const block = list[oi] as { body: Op[] };
        list.splice(oi, 1, ...block.body);
        out.push(b);
      }
    }
  }
  if (p.tracer) out.push({ ...structuredClone(p), tracer: false, traceRaiseAt: 0 });
  if (p.traceRaiseAt !== 0) out.push({ ...structuredClone(p), traceRaiseAt: 0 });
  // Drop a greenlet that nothing names, renumbering the later ones.
  const text = JSON.stringify(p);
  for (let i = 0; i < p.greenlets.length && p.greenlets.length > 1; i++) {
    if (text.includes(`"g${i}"`) || text.includes(`"slot":${i},`)) continue;
    const c = structuredClone(p);
    c.greenlets.splice(i, 1);
    const renamed = JSON.stringify(c)
      .replace(/"g(\d+)"/g, (m, n) => (Number(n) > i ? `"g${Number(n) - 1}"` : m))
      .replace(/"slot":(\d+),/g, (m, n) => (Number(n) > i ? `"slot":${Number(n) - 1},` : m));
    out.push(JSON.parse(renamed));
  }
  return out;
}

async function shrink(d: Divergence): Promise<Divergence> {
  let best = d;
  for (let round = 0; round < 200; round++) {
    const cands = candidates(best.program);
    if (cands.length === 0) break;
    const { divergences } = await compareBatch(cands, [best.runtime]);
    if (divergences.length === 0) break;
    best = divergences[0];
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Coverage: static operation counts plus outcomes read from the CPython logs.

function valueShape(v: unknown): string {
  if (v === "#()") return "()";
  if (v === null) return "None";
  if (typeof v === "number" || typeof v === "string") return "scalar";
  if (Array.isArray(v)) {
    if (v[0] === "#t") return "tuple";
    if (v[0] === "#e") return `exc-value:${v[1]}`;
    if (v[0] === "#g") return "greenlet";
  }
  return "other";
}

function outcomes(log: unknown[][], into: Map<string, number>): void {
  const add = (k: string) => into.set(k, (into.get(k) ?? 0) + 1);
  for (const e of log) {
    const event = e[0] as string;
    switch (event) {
      case "sw":
      case "th":
        add(`${event} to ${e[3]}`);
        add(`${event} returned ${valueShape(e[4])}`);
        break;
      case "start":
        add(`start with ${(e[2] as unknown[]).length} args`);
        break;
      case "caught":
        add(`caught ${(e[3] as string[])[0]} by ${e[2]}`);
        break;
      case "setrun":
        add(`setrun ${typeof e[3] === "string" ? e[3] : (e[3] as string[])[0]}`);
        break;
      case "setp":
        add(`setp ${typeof e[4] === "string" ? e[4] : (e[4] as string[])[0]}`);
        break;
      case "read": {
        const [dead, active] = [e[3], e[4]];
        add(`read ${e[2] === "main" ? "main" : dead ? "dead" : active ? "active" : "pending"}`);
        break;
      }
      case "trace":
        add(`trace ${e[1]}${e[2] === e[3] ? " (self)" : ""}`);
        break;
      case "main-raise":
        add(`main raised ${(e[1] as string[])[0]}`);
        break;
      case "main-end":
        add(`main ended${e[1] ? " by ret" : ""}`);
        break;
      case "final":
        if (!e[1] && log.some((x) => x[0] === "trace")) add("tracer gone at end");
        break;
      default:
        add(event);
    }
  }
}

function table(title: string, counts: Map<string, number>, expected: readonly string[] = []) {
  for (const k of expected) if (!counts.has(k)) counts.set(k, 0);
  console.log(`${title}:`);
  const keys = [...counts.keys()].sort();
  const width = Math.max(...keys.map((k) => k.length));
  const cols: string[] = [];
  for (const k of keys) cols.push(`${k.padEnd(width)} ${String(counts.get(k)).padStart(8)}`);
  for (let i = 0; i < cols.length; i += 2) {
    console.log(`  ${cols[i]}${cols[i + 1] !== undefined ? `    ${cols[i + 1]}` : ""}`);
  }
}

// ---------------------------------------------------------------------------------------------

interface Saved {
  seed: number;
  runtime: Runtime;
  note: string;
  program: Program;
  expected: unknown;
  got: unknown;
}

async function loadRegressions(): Promise<Program[]> {
  const out: Program[] = [];
  try {
    for await (const entry of Deno.readDir(regressionsDir)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const saved = JSON.parse(await Deno.readTextFile(`${regressionsDir}/${entry.name}`));
      out.push(saved.program as Program);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.seed - b.seed);
}

async function save(d: Divergence, original: Divergence): Promise<string> {
  await Deno.mkdir(regressionsDir, { recursive: true });
  const path = `${regressionsDir}/${d.program.seed}.json`;
  const saved: Saved = {
    seed: d.program.seed,
    runtime: d.runtime,
    note: `shrunk from seed ${original.program.seed}; expected = CPython greenlet's log`,
    program: d.program,
    expected: JSON.parse(d.expected),
    got: JSON.parse(d.got),
  };
  await Deno.writeTextFile(path, JSON.stringify(saved, null, 2) + "\n");
  return path;
}

/** The event names of the first differing log entries: divergences with one cause share it. */
function signatureOf(a: string, b: string): string {
  const x = JSON.parse(a) as unknown[][];
  const y = JSON.parse(b) as unknown[][];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (JSON.stringify(x[i]) !== JSON.stringify(y[i])) {
      return `${x[i]?.[0]}/${x[i]?.[1]} vs ${y[i]?.[0]}/${y[i]?.[1]}`;
    }
  }
  return "";
}

function firstDifference(a: string, b: string): string {
  const x = JSON.parse(a) as unknown[];
  const y = JSON.parse(b) as unknown[];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const l = JSON.stringify(x[i]);
    const r = JSON.stringify(y[i]);
    if (l !== r) return `entry ${i}: cpython ${l} vs ${r}`;
  }
  return "identical";
}

async function main(): Promise<number> {
  const o = parseArgs(Deno.args);
  const started = performance.now();
  const opCounts = new Map<string, number>();
  const outcomeCounts = new Map<string, number>();
  let passed = 0;
  let failed = 0;
  const failedSeeds: number[] = [];
  const signatures = new Set<string>();
  const bySignature = new Map<string, number[]>();
  let saves = 0;

  const report = async (programs: Program[], label: string, allowSave: boolean) => {
    const { logs, divergences } = await compareBatch(programs, o.runtimes);
    const bad = new Set<number>();
    for (const d of divergences) bad.add(d.program.seed);
    programs.forEach((p, i) => {
      countOps(p, opCounts);
      outcomes(JSON.parse(logs[i]), outcomeCounts);
    });
    passed += programs.length - bad.size;
    failed += bad.size;
    const seen = new Set<number>();
    for (const d of divergences) {
      if (seen.has(d.program.seed)) continue;
      seen.add(d.program.seed);
      failedSeeds.push(d.program.seed);
      const signature = signatureOf(d.expected, d.got);
      bySignature.set(signature, [...(bySignature.get(signature) ?? []), d.program.seed]);
      if (failedSeeds.length <= 20) {
        console.log(
          `DIVERGENCE ${label} seed ${d.program.seed} on ${d.runtime}: ` +
            firstDifference(d.expected, d.got),
        );
      } else if (failedSeeds.length === 21) {
        console.log("  (further divergences are only counted, by first difference, below)");
      }
      if (allowSave && o.save && saves < o.maxSaves && !signatures.has(signature)) {
        signatures.add(signature);
        saves++;
        const small = await shrink(d);
        const path = await save(small, d);
        console.log(`  shrunk and saved to ${path}: ${firstDifference(small.expected, small.got)}`);
      }
    }
  };

  const regressions = await loadRegressions();
  if (regressions.length > 0) {
    await report(regressions, "regression", false);
    console.log(
      `regressions: ${regressions.length} saved programs re-run (seeds ${
        regressions.map((p) => p.seed).join(", ")
      })`,
    );
  } else {
    console.log("regressions: none saved");
  }

  const last = o.seed + o.programs - 1;
  console.log(
    `${o.ci ? "ci" : "campaign"}: ${o.programs} programs, seeds ${o.seed}..${last}, ` +
      `batches of ${o.batch}, CPython greenlet vs ${o.runtimes.join(" and ")}`,
  );
  let nextReport = 0;
  let natives = 0;
  let greenlets = 0;
  for (let s = o.seed; s <= last; s += o.batch) {
    const programs: Program[] = [];
    for (let seed = s; seed <= Math.min(last, s + o.batch - 1); seed++) {
      const program = generate(seed);
      greenlets += program.greenlets.length;
      natives += program.greenlets.filter((g) => g.native === true).length;
      programs.push(program);
    }
    await report(programs, "program", true);
    const done = Math.min(last, s + o.batch - 1) - o.seed + 1;
    if (done >= nextReport || done === o.programs) {
      const secs = (performance.now() - started) / 1000;
      console.log(
        `  progress: ${done}/${o.programs} programs (seeds ${o.seed}..${o.seed + done - 1}), ` +
          `${failed} failed, ${secs.toFixed(1)} s`,
      );
      nextReport = done + Math.max(o.batch, Math.floor(o.programs / 20));
    }
  }

  console.log(
    `native greenlets (C bodies calling back into JS for each step): ${natives} of the ` +
      `${greenlets} greenlets the programs create in main`,
  );
  table("operation coverage (operations generated, by name)", opCounts, OP_NAMES);
  table("outcome coverage (events in CPython logs)", outcomeCounts);
  for (const [signature, seeds] of bySignature) {
    console.log(
      `divergence ${signature}: ${seeds.length} programs, seeds ${seeds.slice(0, 10).join(", ")}${
        seeds.length > 10 ? ", ..." : ""
      }`,
    );
  }
  const secs = (performance.now() - started) / 1000;
  console.log(
    `seeds: ${o.seed}..${last}${
      failedSeeds.length > 0
        ? `; failing seeds: ${failedSeeds.slice(0, 50).join(", ")}${
          failedSeeds.length > 50 ? ` and ${failedSeeds.length - 50} more` : ""
        }`
        : ""
    }; ${secs.toFixed(1)} s`,
  );
  console.log(
    `counted per program (regressions included): a program passes when ${
      o.runtimes.join(" and ")
    } both print CPython greenlet's log`,
  );
  if (failed > 0 && !o.save) {
    console.log("to shrink and save a failing seed: bash _tools/fuzz.sh --programs 1 --seed S");
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

Deno.exit(await main());
