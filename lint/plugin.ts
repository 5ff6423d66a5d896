// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * A `deno lint` plugin with one rule, `greenlet/require-yield-star`: inside a generator
 * function, a greenlet operation whose result is dropped, returned or bare-`yield`ed instead
 * of being delegated to with `yield*`. `helper();` in a body never runs `helper`, and
 * `return helper()` hands a generator object to the parent; the runtime cannot see either.
 *
 * A rule sees syntax, not types, so it recognises a greenlet operation by its shape:
 *
 * - a member call named `switch` or `with` (`g.switch(x)`, `cv.with(v, body)`);
 * - a member call named `throw`, unless its object is an iterator the file just made (a call
 *   of a generator function declared in the file, or `[Symbol.iterator]()`), directly or
 *   through a variable initialised with one;
 * - a call of a function imported from this package that returns an `Op` (`awaitOnly`; the
 *   hub's `sleep`, `select`, `scope`, `withTimeout`, `joinAll`, `killAll`), from
 *   `@greenlet/greenlet` (with or without `jsr:` / `npm:`) or from a path ending in `mod.ts`;
 * - a call of a generator function declared in the same file (`function*` declarations,
 *   variables initialised with a `function*` expression), or `this.name()` where the file
 *   declares a generator method `*name()`.
 *
 * Only calls whose nearest enclosing function is a generator are checked. Known limits: names
 * are matched by spelling (shadowing is ignored), helpers imported from other files, arrow
 * functions inside bodies and steps stored in a variable are not seen, and a discarded
 * `Array.prototype.with()` call in a generator is reported.
 *
 * Deno only: Bun has no linter hook.
 *
 * @example Enable it in deno.json
 * ```json
 * { "lint": { "plugins": ["jsr:@greenlet/greenlet/lint"] } }
 * ```
 *
 * @module
 */

type Node = Deno.lint.Node;
type Call = Deno.lint.CallExpression;
type Usage = "discarded" | "returned" | "yielded";

/** Exports of this package that return an `Op` (a step to delegate to with `yield*`). */
const OP_FUNCTIONS: ReadonlySet<string> = new Set([
  "awaitOnly",
  "sleep",
  "select",
  "scope",
  "withTimeout",
  "joinAll",
  "killAll",
]);
const PACKAGE = /^(?:jsr:|npm:)?@greenlet\/greenlet(?:@[^/]*)?(?:\/|$)|(?:^|\/)mod\.ts$/;
const ALWAYS_STEPS: ReadonlySet<string> = new Set(["switch", "with"]);

interface Candidate {
  call: Call;
  usage: Usage;
}

/** How a call's value is used when it is not delegated to, or undefined when it is used. */
function usageOf(call: Call): Usage | undefined {
  const parent = call.parent;
  if (parent.type === "ExpressionStatement") return "discarded";
  if (parent.type === "ReturnStatement") return "returned";
  if (parent.type === "YieldExpression" && !parent.delegate) return "yielded";
  return undefined;
}

function inGenerator(ancestors: Node[]): boolean {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i];
    if (node.type === "ArrowFunctionExpression") return false;
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") {
      return node.generator;
    }
  }
  return false;
}

function propertyName(node: Node): string | undefined {
  if (node.type !== "MemberExpression" || node.computed) return undefined;
  return node.property.type === "Identifier" ? node.property.name : undefined;
}

const rule: Deno.lint.Rule = {
  create(ctx: Deno.lint.RuleContext): Deno.lint.LintVisitor {
    const generatorFunctions = new Set<string>();
    const generatorMethods = new Set<string>();
    const opImports = new Set<string>();
    const initialisers = new Map<string, Node>();
    const candidates: Candidate[] = [];

    /** A call that makes an iterator: a generator function of this file or `[Symbol.iterator]()`. */
    function makesIterator(node: Node | undefined): boolean {
      if (node?.type !== "CallExpression") return false;
      const callee = node.callee;
      if (callee.type === "Identifier") return generatorFunctions.has(callee.name);
      if (callee.type !== "MemberExpression") return false;
      if (callee.object.type === "ThisExpression") {
        return generatorMethods.has(propertyName(callee) ?? "");
      }
      return callee.computed && /^Symbol\.(?:async)?[iI]terator$/.test(
        ctx.sourceCode.getText(callee.property),
      );
    }

    function isStep(call: Call): boolean {
      const callee = call.callee;
      if (callee.type === "Identifier") {
        return opImports.has(callee.name) || generatorFunctions.has(callee.name);
      }
      const name = propertyName(callee);
      if (name === undefined || callee.type !== "MemberExpression") return false;
      if (ALWAYS_STEPS.has(name)) return true;
      if (callee.object.type === "ThisExpression") return generatorMethods.has(name);
      if (name !== "throw") return false;
      const object = callee.object;
      const made = object.type === "Identifier" ? initialisers.get(object.name) : object;
      return !makesIterator(made);
    }

    function report({ call, usage }: Candidate): void {
      const op = `${ctx.sourceCode.getText(call.callee)}()`;
      if (usage === "yielded") {
        const start = call.parent.range[0];
        ctx.report({
          node: call.parent,
          message: `A bare yield hands ${op}'s step to the trampoline (BARE_YIELD)`,
          hint: "Write `yield*` to delegate to it",
          fix: (fixer) => fixer.insertTextAfterRange([start, start + "yield".length], "*"),
        });
        return;
      }
      ctx.report({
        node: call,
        message: usage === "discarded"
          ? `${op} does nothing unless the body delegates to it with yield*`
          : `return ${op} hands the unstarted step to the caller instead of its result`,
        hint: usage === "discarded" ? `Write \`yield* ${op}\`` : `Write \`return yield* ${op}\``,
        fix: (fixer) => fixer.insertTextBefore(call, "yield* "),
      });
    }

    return {
      ImportDeclaration(node): void {
        if (!PACKAGE.test(node.source.value)) return;
        for (const specifier of node.specifiers) {
          if (specifier.type !== "ImportSpecifier") continue;
          const imported = specifier.imported.type === "Identifier"
            ? specifier.imported.name
            : specifier.imported.value;
          if (OP_FUNCTIONS.has(imported)) opImports.add(specifier.local.name);
        }
      },
      FunctionDeclaration(node): void {
        if (node.generator && node.id !== null) generatorFunctions.add(node.id.name);
      },
      VariableDeclarator(node): void {
        if (node.id.type !== "Identifier" || node.init === null) return;
        initialisers.set(node.id.name, node.init);
        if (node.init.type === "FunctionExpression" && node.init.generator) {
          generatorFunctions.add(node.id.name);
        }
      },
      MethodDefinition(node): void {
        const name = node.key.type === "Identifier" ? node.key.name : undefined;
        if (node.value.generator && name !== undefined) generatorMethods.add(name);
      },
      CallExpression(node): void {
        const usage = usageOf(node);
        if (usage === undefined || !inGenerator(ctx.sourceCode.getAncestors(node))) return;
        candidates.push({ call: node, usage });
      },
      "Program:exit"(): void {
        for (const candidate of candidates) if (isStep(candidate.call)) report(candidate);
      },
    };
  },
};

/**
 * The plugin: `greenlet/require-yield-star` (see the module documentation).
 *
 * @example Run the rule on a body that forgets `yield*` (inside `deno test`)
 * ```ts
 * import plugin from "@greenlet/greenlet/lint";
 * import assert from "node:assert/strict";
 *
 * const source = "function* body(g) {\n  g.switch();\n}\n";
 * const [problem] = Deno.lint.runPlugin(plugin, "main.ts", source);
 * assert.equal(problem.message, "g.switch() does nothing unless the body delegates to it with yield*");
 * assert.equal(problem.hint, "Write `yield* g.switch()`");
 * ```
 */
const plugin: Deno.lint.Plugin = {
  name: "greenlet",
  rules: { "require-yield-star": rule },
};

export default plugin;
