# Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
"""Runs fuzzer programs (a JSON array on stdin) on CPython greenlet and prints one canonical
log per program (a JSON line). fuzz/interp.ts is its JavaScript twin: both must print the same
lines for the same programs. Canonical forms: `()` is "#()", tuples are ["#t", ...], errors are
[class or library error code, message], greenlets are their program names.
"""

import gc
import json
import os
import sys

import greenlet
from greenlet import GreenletExit, getcurrent, settrace


class E1(Exception):
    pass


class E2(Exception):
    pass


class E3(GreenletExit):
    pass


CLASSES = {"E1": E1, "E2": E2, "E3": E3, "GreenletExit": GreenletExit}
CATCH = {
    "E1": E1,
    "E2": E2,
    "E3": E3,
    "Exit": GreenletExit,
    "Exc": Exception,
    "All": BaseException,
}
NONE = (False, None)

# Every greenlet ever created: kept alive so that no garbage-collection kill runs.
KEEP = []


class Run:
    pass


run = Run()


def nm(g):
    if g is None:
        return "None"
    return run.names.get(id(g), "?")


def canon_err(e):
    # Library errors, by the GreenletError code of the JavaScript library.
    if isinstance(e, ValueError) and str(e) == "cyclic parent chain":
        return ["PARENT_CYCLE"]
    if isinstance(e, AttributeError) and str(e) == "cannot set the parent of a main greenlet":
        return ["MAIN_PARENT"]
    if isinstance(e, AttributeError) and str(e) == "run":
        return ["NO_RUN"]
    if isinstance(e, AttributeError) and str(e) == "run cannot be set after the start of the greenlet":
        return ["RUN_AFTER_START"]
    if isinstance(e, TypeError) and str(e).startswith("GreenletChecker: Expected any type"):
        return ["TypeError"]
    for name in ("E1", "E2", "E3"):
        if isinstance(e, CLASSES[name]):
            return [name, str(e)]
    if isinstance(e, GreenletExit):
        return ["GreenletExit", str(e)]
    return ["py:" + type(e).__name__, str(e)]


def canon(v):
    if v == ():
        return "#()"
    if v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, (tuple, list)):
        return ["#t"] + [canon(x) for x in v]
    if isinstance(v, BaseException):
        return ["#e"] + canon_err(v)
    if isinstance(v, greenlet.greenlet):
        return ["#g", nm(v)]
    return ["#?", repr(v)]


def resolve(t):
    if t == "main":
        return run.main
    if t == "self":
        return getcurrent()
    if t == "parent":
        p = getcurrent().parent
        return run.main if p is None else p
    return run.gs[int(t[1:])]


def st(g):
    if g is getcurrent():
        return "current"
    if g.parent is None:
        return "main"
    return "dead" if g.dead else "active" if g else "pending"


def tracer(event, args):
    run.trace_calls += 1
    run.log.append(["trace", event, nm(args[0]), nm(args[1])])
    if run.trace_calls == run.trace_raise_at:
        raise E2("tracer")


def mk(v):
    """A program value as a runtime value: {"e", "m"} is a fresh error instance."""
    return CLASSES[v["e"]](v["m"]) if isinstance(v, dict) else v


def do_throw(t, spec):
    if spec["k"] == "default":
        return t.throw()
    if spec["k"] == "cls":
        return t.throw(CLASSES[spec["c"]])
    return t.throw(CLASSES[spec["c"]](spec["m"]))


def ex(ops, me):
    log = run.log
    for op in ops:
        opname = op["op"]
        if opname == "sw":
            t = resolve(op["to"])
            before = st(t)
            v = t.switch(*[mk(a) for a in op["args"]])
            log.append(["sw", me, nm(t), before, canon(v)])
        elif opname == "th":
            t = resolve(op["to"])
            before = st(t)
            v = do_throw(t, op["err"])
            log.append(["th", me, nm(t), before, canon(v)])
        elif opname == "ret":
            return (True, mk(op["v"]))
        elif opname == "raise":
            raise CLASSES[op["c"]](op["m"])
        elif opname == "try":
            try:
                r = ex(op["body"], me)
            except CATCH[op["catch"]] as e:
                log.append(["caught", me, op["catch"], canon_err(e)])
                r = ex(op["handler"], me)
            if r[0]:
                return r
        elif opname == "fin":
            r = NONE
            try:
                r = ex(op["body"], me)
            finally:
                log.append(["fin", me])
                r2 = ex(op["fin"], me)
                if r2[0]:
                    return r2  # mirrors JavaScript's return-in-finally on purpose
            if r[0]:
                return r
        elif opname == "read":
            t = resolve(op["of"])
            dead = t.dead
            active = bool(t)
            log.append(["read", me, nm(t), dead, active, active or dead, nm(t.parent)])
        elif opname == "cur":
            log.append(["cur", me, nm(getcurrent())])
        elif opname == "setp":
            t = resolve(op["of"])
            to = None if op["to"] == "None" else resolve(op["to"])
            try:
                t.parent = to
                outcome = "ok"
            except Exception as e:
                outcome = canon_err(e)
            log.append(["setp", me, nm(t), nm(to), outcome])
        elif opname == "trace":
            previous = settrace(tracer if op["on"] else None)
            log.append(["trace-set", me, op["on"], previous is not None])
        elif opname == "call":
            r = ex(op["body"], me)
            log.append(["call-ret", me, r[0], canon(r[1])])
        elif opname == "setrun":
            t = run.gs[op["slot"]]
            try:
                t.run = make_body(nm(t), op["body"], log)
                outcome = "ok"
            except Exception as e:
                outcome = canon_err(e)
            log.append(["setrun", me, nm(t), outcome])
        elif opname == "new":
            name = "g%d.%d" % (op["slot"], run.created)
            run.created += 1
            body = make_body(name, op["body"], log)
            if op["parent"] is None:
                g = greenlet.greenlet(body)
            else:
                g = greenlet.greenlet(body, resolve(op["parent"]))
            run.gs[op["slot"]] = g
            run.names[id(g)] = name
            KEEP.append(g)
            log.append(["new", me, name, nm(g.parent)])
        else:
            raise RuntimeError("unknown op " + opname)
    return NONE


def make_body(name, body, log):
    def body_run(*args):
        log.append(["start", name, [canon(a) for a in args]])
        r = ex(body, name)
        return r[1] if r[0] else None

    return body_run


def run_program(program):
    main = getcurrent()
    run.log = log = []
    run.names = {id(main): "main"}
    run.gs = gs = []
    run.main = main
    run.trace_calls = 0
    run.created = 0
    run.trace_raise_at = program["traceRaiseAt"]
    for i, d in enumerate(program["greenlets"]):
        name = "g%d" % i
        parent = main if d["parent"] == "main" else gs[int(d["parent"][1:])]
        body = make_body(name, d["body"], log)
        if d.get("sub", False):
            # Rule R6: the subclass's run() is the body, whatever the constructor got.
            class Sub(greenlet.greenlet):
                def run(self, *args, _body=body):
                    return _body(*args)

            ctor_run = make_body(name + "(ctor)", [], log) if d["run"] else None
            g = Sub(ctor_run, parent)
        elif d["run"]:
            g = greenlet.greenlet(body, parent)
        else:
            g = greenlet.greenlet(parent=parent)
        gs.append(g)
        run.names[id(g)] = name
        KEEP.append(g)
    if program["tracer"]:
        settrace(tracer)
    try:
        r = ex(program["main"], "main")
        log.append(["main-end", r[0], canon(r[1])])
    except BaseException as e:
        log.append(["main-raise", canon_err(e)])
    traced = settrace(None) is not None
    log.append(
        [
            "final",
            traced,
            nm(getcurrent()),
            [[g.dead, bool(g), nm(g.parent)] for g in gs],
        ]
    )
    return log


def main():
    gc.disable()
    programs = json.load(sys.stdin)
    out = []
    for program in programs:
        try:
            log = run_program(program)
        except BaseException as e:  # an interpreter bug: reported, compared, never hidden
            log = [["interp-crash", canon_err(e)]]
        out.append(json.dumps({"seed": program["seed"], "log": log}, separators=(",", ":")))
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    # Exit without tearing down the kept greenlets (no kills at shutdown).
    os._exit(0)


if __name__ == "__main__":
    main()
