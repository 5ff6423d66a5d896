// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Runs fuzzer programs (a JSON array on stdin) on this library, under Deno or Bun, and prints
// one canonical log per program (a JSON line). fuzz/interp.py is its CPython twin: both must
// print the same lines for the same programs. Representation differences are canonicalised:
// `undefined` (zero switch arguments) is "#()", like Python's `()`; arrays are ["#t", ...],
// like tuples; errors are [class or GreenletError code, message].
//
// A greenlet marked `native` (fuzz/gen.ts) is a NativeGreenlet whose C body
// (tests/fixtures/entries.zig's test_mixed_steps) calls back into JS for each top-level operation
// of its body: the step callback's handler runs that operation as part of the native greenlet
// (it may switch, throw and be thrown into while the C code stays suspended), and answers what
// comes next: another step or the body's return value, with which the C body finishes. An error
// or GreenletExit that escapes a step goes through the native bridge's abort rule (the greenlet
// dies with it). Its log must be CPython's for the same program.

import process from "node:process";
import {
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  type Instruction,
  settrace,
  type TraceFn,
} from "../mod.ts";
import type { Catch, Cls, ErrSpec, Op, Program, Target, Val } from "./gen.ts";
import { nativeCallback, NativeGreenlet } from "../native.ts";
import { pointerAddress } from "../ffi/_pointer.ts";
import { nativeStateOf } from "../src/native_greenlet.ts";
import { decodeFrom, encodeInto } from "../src/_native_values.ts";
import { openNative } from "../tests/ffi/_native.ts";

class E1 extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "E1";
  }
}

class E2 extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "E2";
  }
}

class E3 extends GreenletExit {
  constructor(message?: string) {
    super(message);
    this.name = "E3";
  }
}

const CLASSES: Record<Cls, new (message?: string) => Error> = {
  E1,
  E2,
  E3,
  GreenletExit,
};

/** Result of running a list of operations: whether a `ret` ran, and its value. */
interface Res {
  ret: boolean;
  v: unknown;
}

const NONE: Res = { ret: false, v: null };

/** The state of the program being run. */
interface Run {
  log: unknown[][];
  names: Map<Greenlet, string>;
  gs: Greenlet[];
  main: Greenlet;
  traceCalls: number;
  traceRaiseAt: number;
  created: number;
}

let run: Run;
/** Every greenlet ever created: kept alive so that no garbage-collection kill runs. */
const keep: Greenlet[] = [];

function nm(g: unknown): string {
  if (g === null || g === undefined) return "None";
  return run.names.get(g as Greenlet) ?? "?";
}

function canonErr(e: unknown): unknown[] {
  if (e instanceof E1) return ["E1", e.message];
  if (e instanceof E2) return ["E2", e.message];
  if (e instanceof E3) return ["E3", e.message];
  if (e instanceof GreenletExit) return ["GreenletExit", e.message];
  if (e instanceof GreenletError) return [e.code];
  // Greenlet rule R2 (no run): Python's AttributeError('run') is this TypeError here.
  if (e instanceof TypeError && /^Cannot start greenlet .*no run function/.test(e.message)) {
    return ["NO_RUN"];
  }
  if (e instanceof TypeError) return ["TypeError"];
  if (e instanceof Error) return [`js:${e.name}`, e.message];
  return ["js:non-error", String(e)];
}

function canon(v: unknown): unknown {
  if (v === undefined) return "#()";
  if (v === null || typeof v === "number" || typeof v === "string") return v;
  if (Array.isArray(v)) return ["#t", ...v.map(canon)];
  if (v instanceof Error) return ["#e", ...canonErr(v)];
  if (v instanceof Greenlet) return ["#g", nm(v)];
  return ["#?", String(v)];
}

function resolve(t: Target): Greenlet {
  if (t === "main") return run.main;
  if (t === "self") return getcurrent();
  if (t === "parent") return getcurrent().parent ?? run.main;
  return run.gs[Number(t.slice(1))];
}

/** A greenlet's state as the logs spell it. */
function st(g: Greenlet): string {
  if (g === getcurrent()) return "current";
  if (g.kind === "main") return "main";
  return g.dead ? "dead" : g.active ? "active" : "pending";
}

function makeBody(
  name: string,
  ops: Op[],
): (...args: unknown[]) => Generator<Instruction, unknown, unknown> {
  const current = run;
  return function* (...args: unknown[]): Generator<Instruction, unknown, unknown> {
    current.log.push(["start", name, args.map(canon)]);
    const r = yield* ex(ops, name, false);
    return r.ret ? r.v : null;
  };
}

/** A program value as a runtime value: `{ e, m }` is a fresh error instance. */
function mk(v: Val): unknown {
  return v !== null && typeof v === "object" ? new CLASSES[v.e](v.m) : v;
}

function errorOf(spec: ErrSpec): unknown[] {
  if (spec.k === "default") return [];
  if (spec.k === "cls") return [CLASSES[spec.c]];
  return [new CLASSES[spec.c](spec.m)];
}

function catches(clause: Catch, e: unknown): boolean {
  switch (clause) {
    case "E1":
      return e instanceof E1;
    case "E2":
      return e instanceof E2;
    case "E3":
      return e instanceof E3;
    case "Exit":
      return e instanceof GreenletExit;
    case "Exc":
      return !(e instanceof GreenletExit);
    case "All":
      return true;
  }
}

const tracer: TraceFn = (event, { origin, target }) => {
  run.traceCalls++;
  run.log.push(["trace", event, nm(origin), nm(target)]);
  if (run.traceCalls === run.traceRaiseAt) throw new E2("tracer");
};

function* ex(ops: Op[], self: string, inMain: boolean): Generator<Instruction, Res, unknown> {
  const log = run.log;
  for (const op of ops) {
    switch (op.op) {
      case "sw": {
        const t = resolve(op.to);
        const before = st(t);
        const args = op.args.map(mk);
        const v = inMain ? t.switchSync(...args) : yield* t.switch(...args);
        log.push(["sw", self, nm(t), before, canon(v)]);
        break;
      }
      case "th": {
        const t = resolve(op.to);
        const args = errorOf(op.err);
        const before = st(t);
        const v = inMain
          ? (args.length === 0 ? t.throwSync() : t.throwSync(args[0]))
          : yield* (args.length === 0 ? t.throw() : t.throw(args[0]));
        log.push(["th", self, nm(t), before, canon(v)]);
        break;
      }
      case "ret":
        return { ret: true, v: mk(op.v) };
      case "raise":
        throw new CLASSES[op.c](op.m);
      case "try": {
        let r: Res;
        try {
          r = yield* ex(op.body, self, inMain);
        } catch (e) {
          if (!catches(op.catch, e)) throw e;
          log.push(["caught", self, op.catch, canonErr(e)]);
          r = yield* ex(op.handler, self, inMain);
        }
        if (r.ret) return r;
        break;
      }
      case "fin": {
        let r: Res = NONE;
        try {
          r = yield* ex(op.body, self, inMain);
        } finally {
          log.push(["fin", self]);
          const r2 = yield* ex(op.fin, self, inMain);
          // deno-lint-ignore no-unsafe-finally -- mirrors Python's return-in-finally on purpose
          if (r2.ret) return r2;
        }
        if (r.ret) return r;
        break;
      }
      case "read": {
        const t = resolve(op.of);
        log.push(["read", self, nm(t), t.dead, t.active, t.started, nm(t.parent)]);
        break;
      }
      case "cur":
        log.push(["cur", self, nm(getcurrent())]);
        break;
      case "setp": {
        const t = resolve(op.of);
        const to = op.to === "None" ? null : resolve(op.to);
        let outcome: unknown;
        try {
          t.parent = to as Greenlet;
          outcome = "ok";
        } catch (e) {
          outcome = canonErr(e);
        }
        log.push(["setp", self, nm(t), nm(to), outcome]);
        break;
      }
      case "trace": {
        const previous = settrace(op.on ? tracer : null);
        log.push(["trace-set", self, op.on, previous !== null]);
        break;
      }
      case "call": {
        const r = yield* ex(op.body, self, inMain);
        log.push(["call-ret", self, r.ret, canon(r.v)]);
        break;
      }
      case "setrun": {
        const t = run.gs[op.slot];
        let outcome: unknown;
        try {
          t.run = makeBody(nm(t), op.body);
          outcome = "ok";
        } catch (e) {
          outcome = canonErr(e);
        }
        log.push(["setrun", self, nm(t), outcome]);
        break;
      }
      case "new": {
        const name = `g${op.slot}.${run.created++}`;
        const body = makeBody(name, op.body);
        const g = op.parent === null
          ? new Greenlet(body, { name })
          : new Greenlet(body, { name, parent: resolve(op.parent) });
        run.gs[op.slot] = g;
        run.names.set(g, name);
        keep.push(g);
        log.push(["new", self, name, nm(g.parent)]);
        break;
      }
    }
  }
  return NONE;
}

/** The body of each native greenlet, by greenlet: its name and top-level operations. */
const nativeBodies = new Map<Greenlet, { name: string; ops: Op[] }>();
/** The step result that asks test_mixed_steps for the next step. */
const STEP_CONTINUE = 1n << 61n;
/** A value-table word as two u32 halves (the table's own form). */
const halves = new Uint32Array(2);

/** The value-table word that carries `value` into C, owned by `owned`'s greenlet. */
function word(value: unknown, owned: number[]): bigint {
  encodeInto(value, owned, halves, 0);
  return BigInt(halves[1]) << 32n | BigInt(halves[0]);
}

/** The JS value a value-table word stands for. */
function valueOf(bits: bigint): unknown {
  halves[0] = Number(bits & 0xffff_ffffn);
  halves[1] = Number(bits >> 32n);
  return decodeFrom(halves, 0);
}

const { entries } = await openNative();
/** The step callback all native greenlets call: it runs step `index` of the current one. */
const step = nativeCallback(
  { parameters: ["u32", "usize"], result: "usize" },
  function* (index: number, first: bigint): Generator<Instruction, bigint, unknown> {
    const g = getcurrent();
    const body = nativeBodies.get(g)!;
    const owned = nativeStateOf(g)!.owned;
    if (index === 0) {
      // The start switch's arguments, as the relay sent them: none, one, or several as an array.
      const first_ = valueOf(first);
      const args = first_ === undefined ? [] : Array.isArray(first_) ? first_ : [first_];
      run.log.push(["start", body.name, args.map(canon)]);
    }
    if (index >= body.ops.length) return word(null, owned);
    // An error or GreenletExit that escapes is the native bridge's to handle: the C body gets
    // the fallback and the greenlet dies with it, raised in its parent as a JS body's would be.
    const r = yield* ex([body.ops[index]], body.name, false);
    return r.ret ? word(r.v, owned) : STEP_CONTINUE;
  },
);
const stepAddress = pointerAddress(step.pointer)!;

function newNative(name: string, ops: Op[], parent: Greenlet): Greenlet {
  const g = new NativeGreenlet(entries.steps, {
    arg: stepAddress,
    parent,
    name,
    stackSize: 64 * 1024,
  });
  nativeBodies.set(g, { name, ops });
  return g;
}

function runProgram(program: Program): unknown[][] {
  const main = getcurrent();
  run = {
    log: [],
    names: new Map([[main, "main"]]),
    gs: [],
    main,
    traceCalls: 0,
    traceRaiseAt: program.traceRaiseAt,
    created: 0,
  };
  const current = run;
  program.greenlets.forEach((def, i) => {
    const name = `g${i}`;
    const body = makeBody(name, def.body);
    const parent = def.parent === "main" ? main : current.gs[Number(def.parent.slice(1))];
    let g: Greenlet;
    if (def.native === true) {
      g = newNative(name, def.body, parent);
    } else if (def.sub === true) {
      // Rule R6: the subclass's run() is the body, whatever the constructor got.
      class Sub extends Greenlet {
        override *run(...args: unknown[]): Generator<Instruction, unknown, unknown> {
          return yield* body(...args);
        }
      }
      g = new Sub(def.run ? makeBody(`${name}(ctor)`, []) : undefined, { parent, name });
    } else {
      g = new Greenlet(def.run ? body : undefined, { parent, name });
    }
    current.gs.push(g);
    current.names.set(g, name);
    keep.push(g);
  });
  if (program.tracer) settrace(tracer);
  try {
    const it = ex(program.main, "main", true);
    const r = it.next();
    if (r.done !== true) throw new Error("the main driver yielded");
    current.log.push(["main-end", r.value.ret, canon(r.value.v)]);
  } catch (e) {
    current.log.push(["main-raise", canonErr(e)]);
  }
  const traced = settrace(null) !== null;
  current.log.push([
    "final",
    traced,
    nm(getcurrent()),
    current.gs.map((g) => [g.dead, g.active, nm(g.parent)]),
  ]);
  return current.log;
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  let size = 0;
  for (const c of chunks) size += c.length;
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

const programs = JSON.parse(await readStdin()) as Program[];
const out: string[] = [];
for (const program of programs) {
  let log: unknown[][];
  try {
    log = runProgram(program);
  } catch (e) {
    log = [["interp-crash", canonErr(e)]];
  }
  out.push(JSON.stringify({ seed: program.seed, log }));
}
process.stdout.write(out.join("\n") + "\n");
