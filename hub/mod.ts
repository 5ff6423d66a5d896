// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * The hub: gevent- and Stackless-style cooperative concurrency on the Deno/Bun event loop.
 * Tasks are greenlets run by one hub per agent; blocking calls (`sleep`, `Queue.get`,
 * `Channel.receive`, `Task.join`, …) are `yield*` inside tasks and `await` from ordinary code.
 *
 * @example Two tasks and a queue
 * ```ts
 * import { main, Queue, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const log = await main(function* () {
 *   const queue = new Queue<string>();
 *   const producer = spawn(function* () {
 *     for (const word of ["hello", "hub"]) {
 *       yield* sleep(1);
 *       yield* queue.put(word);
 *     }
 *   });
 *   const words = [yield* queue.get(), yield* queue.get()];
 *   yield* producer.join();
 *   return words;
 * });
 * assert.deepEqual(log, ["hello", "hub"]);
 * ```
 *
 * @module
 */

export type { Blocking } from "./_waiter.ts";
export { AsyncResult } from "./async_result.ts";
export type { AsyncResultWaitOptions } from "./async_result.ts";
export { after, select } from "./select.ts";
export { Channel } from "./channel.ts";
export type { ChannelOptions, ChannelPreference } from "./channel.ts";
export { Event } from "./event.ts";
export type { EventWaitOptions } from "./event.ts";
export { getHub } from "./hub.ts";
export type { Hub } from "./hub.ts";
export { LoopExit } from "./loop_exit.ts";
export type { BlockedWaiter } from "./loop_exit.ts";
export { joinAll } from "./join_all.ts";
export type { JoinAllOptions } from "./join_all.ts";
export { killAll } from "./kill_all.ts";
export type { KillAllOptions } from "./kill_all.ts";
export { Lock, Semaphore } from "./lock.ts";
export type { AcquireOptions } from "./lock.ts";
export { main } from "./main.ts";
export type { MainOptions } from "./main.ts";
export { Pool } from "./pool.ts";
export { Queue } from "./queue.ts";
export type { QueueTryGet, QueueWaitOptions } from "./queue.ts";
export { scope } from "./scope.ts";
export { SelectCase } from "./select_case.ts";
export type { Scope } from "./scope.ts";
export { sleep } from "./sleep.ts";
export { spawn, spawnLater } from "./spawn.ts";
export { Task } from "./task.ts";
export type { TaskKillOptions, TaskWaitOptions } from "./task.ts";
export { Timeout, withTimeout } from "./timeout.ts";
