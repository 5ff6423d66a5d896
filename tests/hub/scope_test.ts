// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, GreenletExit } from "../../mod.ts";
import { scope, sleep, spawn, type Task } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("scope", () => {
  it("kills and joins the children left when the body returns", async () => {
    const log: string[] = [];
    let child: Task<unknown> | undefined;
    const v = await run(function* () {
      return yield* scope(function* (s) {
        child = s.spawn(function* () {
          try {
            yield* sleep(10_000);
          } finally {
            yield* sleep(1);
            log.push(yield* awaitOnly(Promise.resolve("child cleaned up")));
          }
        });
        yield* sleep(0);
        return "body done";
      });
    });
    assert.equal(v, "body done");
    assert.deepEqual(log, ["child cleaned up"]);
    assert.ok((child!.value as unknown) instanceof GreenletExit);
    assertHealthy();
  });

  it("the first failing child kills the body and its siblings, and scope() raises its error", async () => {
    const error = new Error("child failed");
    const log: string[] = [];
    await assert.rejects(
      run(function* () {
        yield* scope(function* (s) {
          s.spawn(function* () {
            try {
              yield* sleep(10_000);
            } finally {
              log.push("sibling");
            }
          });
          s.spawn(function* () {
            yield* sleep(1);
            throw error;
          });
          try {
            yield* sleep(10_000);
          } finally {
            log.push("body");
          }
        });
      }),
      (e) => e === error,
    );
    assert.deepEqual(log.sort(), ["body", "sibling"]);
    assertHealthy();
  });

  it("a body error tears down the children and is raised", async () => {
    const error = new Error("body failed");
    let child: Task<unknown> | undefined;
    await assert.rejects(
      run(function* () {
        yield* scope(function* (s) {
          child = s.spawn(function* () {
            yield* sleep(10_000);
          });
          yield* sleep(0);
          throw error;
        });
      }),
      (e) => e === error,
    );
    assert.equal(child!.ready(), true);
    assertHealthy();
  });

  it("killing the task that runs a scope tears the scope down", async () => {
    const log: string[] = [];
    await run(function* () {
      const outer = spawn(function* () {
        yield* scope(function* (s) {
          s.spawn(function* () {
            try {
              yield* sleep(10_000);
            } finally {
              log.push("child");
            }
          });
          yield* sleep(10_000);
        });
      });
      yield* sleep(1);
      yield* outer.kill();
    });
    assert.deepEqual(log, ["child"]);
    assertHealthy();
  });

  it("children that finish leave the scope's set", async () => {
    await run(function* () {
      yield* scope(function* (s) {
        const t = s.spawn(function* () {
          return 1;
        });
        assert.equal(s.children.size, 1);
        yield* t.join();
        assert.equal(s.children.size, 0);
      });
    });
    assertHealthy();
  });
});
