// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../../mod.ts";
import { main } from "../../hub/mod.ts";

/** main(body) without signal handlers, for tests. */
export function run<R>(body: () => Op<R>): Promise<R> {
  return main(body, { signals: false });
}
