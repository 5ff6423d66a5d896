// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The program generator of the differential fuzzer: a seed gives a small greenlet program as a
// JSON AST, run by fuzz/interp.py on CPython greenlet and by fuzz/interp.ts on this library.
//
// Programs are finite by construction: every greenlet body and the main driver are finite lists
// of operations with no loops, and a body runs at most once, so every program terminates.

/**
 * A value passed through switches and returns: a scalar, or `{ e, m }` for a fresh error
 * instance passed as a plain value (tuples come from 2-value switches).
 */
export type Val = number | string | null | { e: Cls; m: string };

/**
 * Who an operation addresses: `main`, a greenlet `gN`, `self` (getcurrent() at that moment) or
 * `parent` (getcurrent().parent, or main when that is null).
 */
export type Target = string;

/** Error classes both sides define: E1, E2 (plain errors), E3 (a GreenletExit subclass). */
export type Cls = "E1" | "E2" | "E3" | "GreenletExit";

/** What a throw operation passes: nothing, a class, or an instance with a message. */
export type ErrSpec = { k: "default" } | { k: "cls"; c: Cls } | { k: "inst"; c: Cls; m: string };

/**
 * Which errors a `try` catches: one class, any GreenletExit (E3 included), any non-GreenletExit
 * error (Python `Exception`), or everything (Python `BaseException`).
 */
export type Catch = "E1" | "E2" | "E3" | "Exit" | "Exc" | "All";

/** One operation of a body (or of the main driver). */
export type Op =
  | { op: "sw"; to: Target; args: Val[] }
  | { op: "th"; to: Target; err: ErrSpec }
  | { op: "ret"; v: Val }
  | { op: "raise"; c: Cls; m: string }
  | { op: "try"; body: Op[]; catch: Catch; handler: Op[] }
  | { op: "fin"; body: Op[]; fin: Op[] }
  | { op: "read"; of: Target }
  | { op: "cur" }
  | { op: "setp"; of: Target; to: Target | "None" }
  | { op: "trace"; on: boolean }
  | { op: "call"; body: Op[] }
  | { op: "new"; slot: number; parent: Target | null; body: Op[] }
  | { op: "setrun"; slot: number; body: Op[] };

/** Every operation name, for the coverage report. */
export const OP_NAMES: readonly Op["op"][] = [
  "sw",
  "th",
  "ret",
  "raise",
  "try",
  "fin",
  "read",
  "cur",
  "setp",
  "trace",
  "call",
  "new",
  "setrun",
];

/** A greenlet of a program: created in main, in order, with a constructor parent. */
export interface GreenletDef {
  /** `main` or an earlier greenlet's name. */
  parent: string;
  /** False: created without a run function (switching to it fails until `setrun`). */
  run: boolean;
  /** True: an instance of a subclass whose `run` method is the body (rule R6). */
  sub: boolean;
  /**
   * True: on this library, a native greenlet whose C body calls back into JS for each top-level
   * operation of `body` (fuzz/interp.ts); CPython runs it as any greenlet. Only for greenlets
   * with a run function, not subclassed, in programs without `setrun` (a native greenlet's run
   * cannot be set).
   */
  native?: boolean;
  body: Op[];
}

/** A whole program. */
export interface Program {
  seed: number;
  greenlets: GreenletDef[];
  /** Install the recording tracer before main's operations run. */
  tracer: boolean;
  /** The tracer raises E2("tracer") on this call (1-based); 0 never. */
  traceRaiseAt: number;
  main: Op[];
}

/** mulberry32: a small, fast, deterministic PRNG. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Picks a key by weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const k of keys) total += weights[k];
    let r = this.next() * total;
    for (const k of keys) {
      r -= weights[k];
      if (r < 0) return k;
    }
    return keys[keys.length - 1];
  }
}

const STRINGS = ["a", "b", "c", "x", "yy"];
const CLASSES: readonly Cls[] = ["E1", "E2", "E3", "GreenletExit"];
const CATCHES: readonly Catch[] = ["E1", "E2", "E3", "Exit", "Exc", "All"];

const BODY_WEIGHTS = {
  sw: 30,
  th: 8,
  ret: 3,
  raise: 4,
  try: 9,
  fin: 4,
  read: 6,
  cur: 2,
  setp: 6,
  trace: 2,
  call: 4,
  new: 3,
  setrun: 1,
} as const;

const MAIN_WEIGHTS = {
  sw: 40,
  th: 12,
  ret: 0.5,
  raise: 1,
  try: 8,
  fin: 2,
  read: 8,
  cur: 1,
  setp: 8,
  trace: 2,
  call: 2,
  new: 2,
  setrun: 2,
} as const;

class ProgramGenerator {
  readonly #rng: Rng;
  readonly #n: number;
  constructor(rng: Rng, n: number) {
    this.#rng = rng;
    this.#n = n;
  }

  val(): Val {
    const r = this.#rng;
    const k = r.int(10);
    if (k < 5) return r.int(100);
    if (k < 9) return r.pick(STRINGS);
    return r.chance(0.6) ? null : { e: r.pick(CLASSES), m: r.pick(STRINGS) };
  }

  target(inMain: boolean): Target {
    const r = this.#rng;
    const k = r.int(20);
    if (inMain) {
      // From main, "main", "self" and "parent" all mean main: a self-switch.
      if (k < 1) return "main";
      if (k < 2) return r.chance(0.5) ? "self" : "parent";
    } else {
      if (k < 3) return "main";
      if (k < 5) return "self";
      if (k < 8) return "parent";
    }
    return `g${r.int(this.#n)}`;
  }

  err(): ErrSpec {
    const r = this.#rng;
    const k = r.int(10);
    if (k < 3) return { k: "default" };
    if (k < 6) return { k: "cls", c: r.pick(CLASSES) };
    return { k: "inst", c: r.pick(CLASSES), m: r.pick(STRINGS) };
  }

  ops(count: number, depth: number, inMain: boolean): Op[] {
    const out: Op[] = [];
    for (let i = 0; i < count; i++) out.push(this.op(depth, inMain));
    return out;
  }

  op(depth: number, inMain: boolean): Op {
    const r = this.#rng;
    let opName: Op["op"] = r.weighted(inMain ? MAIN_WEIGHTS : BODY_WEIGHTS);
    const block = opName === "try" || opName === "fin" || opName === "call" || opName === "new" ||
      opName === "setrun";
    if (depth >= 3 && block) {
      opName = "sw";
    }
    const small = () => 1 + r.int(depth === 0 ? 4 : 3);
    switch (opName) {
      case "sw": {
        const nargs = r.weighted({ 0: 3, 1: 5, 2: 2 });
        const args: Val[] = [];
        for (let i = 0; i < Number(nargs); i++) args.push(this.val());
        return { op: "sw", to: this.target(inMain), args };
      }
      case "th":
        return { op: "th", to: this.target(inMain), err: this.err() };
      case "ret":
        return { op: "ret", v: this.val() };
      case "raise":
        return { op: "raise", c: r.pick(CLASSES), m: r.pick(STRINGS) };
      case "try":
        return {
          op: "try",
          body: this.ops(small(), depth + 1, inMain),
          catch: r.pick(CATCHES),
          handler: this.ops(r.int(3), depth + 1, inMain),
        };
      case "fin":
        return {
          op: "fin",
          body: this.ops(small(), depth + 1, inMain),
          fin: this.ops(r.int(3), depth + 1, inMain),
        };
      case "read":
        return { op: "read", of: this.target(inMain) };
      case "cur":
        return { op: "cur" };
      case "setp": {
        const to = r.chance(0.08) ? "None" : this.target(inMain);
        return { op: "setp", of: this.target(inMain), to };
      }
      case "trace":
        return { op: "trace", on: r.chance(0.5) };
      case "call":
        return { op: "call", body: this.ops(small(), depth + 1, inMain) };
      case "new":
        return {
          op: "new",
          slot: r.int(this.#n),
          parent: r.chance(0.7) ? null : this.target(inMain),
          body: this.ops(r.int(5), depth + 1, false),
        };
      case "setrun":
        return { op: "setrun", slot: r.int(this.#n), body: this.ops(r.int(5), depth + 1, false) };
    }
  }
}

/** The program for a seed. */
export function generate(seed: number): Program {
  const rng = new Rng(seed);
  const n = 1 + rng.int(5);
  const g = new ProgramGenerator(rng, n);
  const greenlets: GreenletDef[] = [];
  for (let i = 0; i < n; i++) {
    const parent = i === 0 || rng.chance(0.5) ? "main" : `g${rng.int(i)}`;
    const run = !rng.chance(0.1);
    const sub = rng.chance(0.15);
    greenlets.push({ parent, run, sub, body: g.ops(rng.int(7), 0, false) });
  }
  const tracer = rng.chance(0.4);
  const traceRaiseAt = tracer && rng.chance(0.4) ? 1 + rng.int(15) : 0;
  const main: Op[] = [];
  for (let i = 3 + rng.int(10); i > 0; i--) {
    const op = g.op(0, true);
    // Most main-level operations are guarded, so an error reaching main does not end the
    // program early: later operations still observe the state it left.
    const guard = rng.chance(0.6) && (op.op === "sw" || op.op === "th" || op.op === "call");
    main.push(guard ? { op: "try", body: [op], catch: "All", handler: [] } : op);
  }
  const program: Program = { seed, greenlets, tracer, traceRaiseAt, main };
  markNative(program);
  return program;
}

/** The share of eligible greenlets made native (see GreenletDef.native). */
const NATIVE_SHARE = 0.35;

/**
 * Marks some greenlets native, drawing from a generator of its own, so that the rest of every
 * seed's program (and the saved regressions) stays what it was.
 */
function markNative(program: Program): void {
  if (opLists(program).some((ops) => ops.some((op) => op.op === "setrun"))) return;
  const rng = new Rng(program.seed ^ 0x6e617476);
  for (const g of program.greenlets) {
    if (g.run && !g.sub && rng.chance(NATIVE_SHARE)) g.native = true;
  }
}

/** Every operation list of a program (bodies, main, nested blocks), in a stable order. */
export function opLists(program: Program): Op[][] {
  const lists: Op[][] = [];
  const visit = (ops: Op[]) => {
    lists.push(ops);
    for (const op of ops) {
      if (op.op === "try") {
        visit(op.body);
        visit(op.handler);
      } else if (op.op === "fin") {
        visit(op.body);
        visit(op.fin);
      } else if (op.op === "call" || op.op === "new" || op.op === "setrun") {
        visit(op.body);
      }
    }
  };
  for (const g of program.greenlets) visit(g.body);
  visit(program.main);
  return lists;
}

/** Counts operations by name (static coverage of a program). */
export function countOps(program: Program, into: Map<string, number>): void {
  for (const ops of opLists(program)) {
    for (const op of ops) into.set(op.op, (into.get(op.op) ?? 0) + 1);
  }
}
