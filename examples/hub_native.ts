// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Native greenlets under the hub: three hub tasks, each driving a C body on its own native
// stack in blocking style, between Queue gets and sleeps. While a task waits, its C stack stays
// suspended in the middle of its loop and the hub runs the other tasks and timers; killing a
// task kills its native greenlet, and the C body sees the kill.
//
//   zig build test-entries        (once: builds the C bodies, and the library, into zig-out/)
//   deno run -A examples/hub_native.ts
//   bun run examples/hub_native.ts
//
// Where the C body comes from: `echo` in tests/fixtures/entries.zig, built by
// `zig build test-entries` (the one C greenlet body available without a C compiler). It sends
// arg + value to its parent, again and again, until it is thrown into or killed; then it
// finishes with what it received. Your own code would pass the pointer of its own C function,
// from its own `Deno.dlopen` or bun:ffi `dlopen` (docs/native_greenlets.md); this example opens
// the fixture through the package's FFI adapter so that the same file runs on both runtimes.

import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { GreenletExit, type Op } from "../mod.ts";
import { NativeGreenlet } from "../native.ts";
import { main, Queue, sleep, spawn, type Task } from "../hub/mod.ts";
import { dlopen } from "../ffi/_dlopen.ts";

/** The `echo` body's address, from the fixture library (see the header). */
async function echoBody(): Promise<unknown> {
  const file = process.platform === "win32"
    ? "greenlet_test_entries.dll"
    : `libgreenlet_test_entries.${process.platform === "darwin" ? "dylib" : "so"}`;
  const path = fileURLToPath(new URL(`../zig-out/test/${file}`, import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `Cannot find ${path}: build the C bodies first with \`zig build test-entries\``,
    );
  }
  const fixture = await dlopen(path, { test_entry_echo: { parameters: [], result: "pointer" } });
  return fixture.symbols.test_entry_echo();
}

const echo = await echoBody();

/**
 * One task: owns a C echo greenlet (its child, arg = 100 × id) and feeds it what arrives in
 * `inbox`, sleeping between two switches into the same C frame; reports to `done`.
 */
function* worker(id: number, inbox: Queue<number>, done: Queue<string>): Op<void> {
  const c = new NativeGreenlet(echo, { arg: 100 * id, name: `echo${id}`, stackSize: 64 * 1024 });
  try {
    for (;;) {
      const n = yield* inbox.get(); // parks this task; its C stack waits mid-loop
      const first = yield* c.switch<number>(n); // into C, which switches back arg + n
      console.log(`task ${id}: C echo(${n}) = ${first}; sleeping with the C stack suspended`);
      yield* sleep(5); // the other tasks and the hub's timers run meanwhile
      const second = yield* c.switch<number>(first); // the same C frame, resumed
      console.log(`task ${id}: woke up, same C frame: echo(${first}) = ${second}`);
      yield* done.put(`${id}:${second}`);
    }
  } catch (error) {
    if (!(error instanceof GreenletExit)) throw error;
    // The task was killed where it waited: pass the kill on to the C body. It receives
    // GREENLET_TAG_KILL from greenlet_switch and finishes with the payload, this very object.
    const back = yield* c.throw<unknown>(error);
    console.log(
      `task ${id}: killed; its C body got the kill and returned it (same object: ` +
        `${back === error}); C greenlet dead: ${c.dead}`,
    );
    throw error;
  }
}

await main(function* (): Op<void> {
  const ids = [1, 2, 3];
  const inboxes = ids.map(() => new Queue<number>());
  const done = new Queue<string>();
  const tasks: Task<void>[] = ids.map((id, i) => spawn(worker, id, inboxes[i], done));

  /** Sends `n` to the tasks at `indexes`, then waits for their replies. */
  function* round(n: number, indexes: number[]): Op<void> {
    for (const i of indexes) yield* inboxes[i].put(n);
    const replies = [];
    for (const _ of indexes) replies.push(yield* done.get());
    console.log(`main: round ${n} replies ${replies.join(" ")}`);
  }

  yield* round(1, [0, 1, 2]);
  yield* tasks[1].kill(); // waits until task 2 (and so its C body) finished
  console.log("main: task 2 killed; tasks 1 and 3 go on with their C frames");
  yield* round(2, [0, 2]);
  for (const i of [0, 2]) yield* tasks[i].kill();
  console.log("main: done");
});
