// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The protocol floor: a ping-pong of two plain generators through `yield*` on one reused step
// object that is its own iterator and iterator result, with a minimal dispatch loop and no
// checks at all. What any `yield* g.switch()` design pays at least (the library's step keeps its
// two iterator results in fields instead: fewer instructions on V8, the same on JSC), and no
// library code runs:
// bench/greenlet_bench.ts sets the trampoline beside it, and bench/hub_bench.ts runs it between
// its cases, so that every process shows which speed the machine ran it at (this VM has a fast
// and a slow phase that last from tens of milliseconds to seconds and hit every process on it
// alike, whatever it runs; docs/benchmarks_hub.md, "Deno's two speeds are the machine's").

type Plain = Generator<Plain | null, void, unknown>;

class ProtoStep {
  done = false;
  value: unknown = undefined;
  target: Plain | null = null;
  payload: unknown = undefined;
  entered = false;
  [Symbol.iterator](): this {
    this.entered = true;
    return this;
  }
  next(v?: unknown): this {
    if (this.entered) {
      this.entered = false;
      this.done = false;
      this.value = this;
    } else {
      this.done = true;
      this.value = v;
    }
    return this;
  }
}

const protoStep = new ProtoStep();
let protoA: Plain | null = null;
let protoB: Plain | null = null;

function protoSwitch(target: Plain | null, payload: unknown): ProtoStep {
  protoStep.target = target;
  protoStep.payload = payload;
  return protoStep;
}

function* leader(count: number): Plain {
  for (let i = 0; i < count; i++) yield* protoSwitch(protoB, i) as unknown as Plain;
  yield* protoSwitch(null, undefined) as unknown as Plain;
}

function* echo(): Plain {
  let x: unknown;
  for (;;) x = yield* protoSwitch(protoA, x) as unknown as Plain;
}

/**
 * Runs `n` round trips of the protocol floor and returns how long they took on `clock` (the
 * two generators are made before the clock starts).
 */
export function protocolPingpong(n: number, clock: () => number): number {
  protoA = leader(n);
  protoB = echo();
  let g: Plain | null = protoA;
  let v: unknown = undefined;
  const t0 = clock();
  for (;;) {
    // V8 hands the step itself through yield*; JSC wraps it, so read it from `value`.
    const step: ProtoStep = (g.next(v) as unknown as { value: ProtoStep }).value;
    g = step.target;
    if (g === null) break;
    v = step.payload;
  }
  const elapsed = clock() - t0;
  protoA.return();
  protoB.return();
  return elapsed;
}
