// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The demo: `bash _tools/dev.sh demo` (Deno), or `bun examples/demo.ts`.

import {
  awaitOnly,
  formatGreenletTree,
  getcurrent,
  Greenlet,
  greenletSpawn,
  type Op,
} from "../mod.ts";

// 1. Two greenlets pass control back and forth with explicit switches.
const main = getcurrent();
const consumer: Greenlet = new Greenlet(function* () {
  for (;;) {
    const item = yield* producer.switch();
    if (item === undefined) return "consumer done";
    console.log("consumed", item);
  }
}, { name: "consumer" });
const producer: Greenlet = new Greenlet(function* () {
  for (const item of ["apple", "banana", "cherry"]) yield* consumer.switch(item);
  yield* consumer.switch(undefined);
}, { name: "producer", parent: main });
console.log(consumer.switchSync());

// 2. Nested helpers switch from any depth with yield*.
function* ask(question: string): Op<number> {
  return yield* main.switch<number>(question);
}
const adder = new Greenlet(function* () {
  const a = yield* ask("first number?");
  const b = yield* ask("second number?");
  return a + b;
}, { name: "adder" });
console.log(adder.switchSync(), "->", 20);
console.log(adder.switchSync(20), "->", 22);
console.log("sum:", adder.switchSync(22));

// 3. A kill runs the greenlet's finally block; GreenletExit comes back as a value.
const worker = new Greenlet(function* () {
  try {
    yield* main.switch("working");
  } finally {
    console.log("worker cleaned up");
  }
}, { name: "worker" });
worker.switchSync();
console.log(formatGreenletTree());
console.log("kill result:", String(worker.throwSync()));

// 4. The async bridge: synchronous-looking code that awaits inside.
function* slowDouble(x: number): Op<number> {
  const value = yield* awaitOnly(
    new Promise<number>((resolve) => setTimeout(() => resolve(x), 10)),
  );
  return value * 2;
}
console.log(
  "bridge:",
  await greenletSpawn(function* () {
    return (yield* slowDouble(10)) + (yield* slowDouble(11));
  }),
);
