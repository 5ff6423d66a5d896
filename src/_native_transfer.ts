// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that switches into Zig and decodes the transfer that comes back.
//
// A native greenlet is a Greenlet whose body is the generator made here: the trampoline runs it
// like any JS body (on the JS stack), and it runs the C function on its own native stack with
// greenlet_send (a switch, throw or kill) from the thread's native root. Every native greenlet's C
// parent is that root, so whatever the C function sends to its parent, or finishes with, and
// every callback it makes, returns from the FFI call here. After each such return:
//   - the thread's pending word is not 0: a callback (docs/native_bridge.md). The generator
//     clears the word, reads the record, runs the slot's handler as part of this greenlet (a
//     generator handler with yield*, so it may switch, throw and await while the C code stays
//     suspended) and answers with a switch carrying the result bits; an error or GreenletExit
//     that escapes the handler answers with a throw / kill of that value (the
//     callback returns its fallback, and the call greenlet later finishes with it);
//   - the C function finished (its greenlet is dead): VALUE → the generator returns the value
//     (it goes to the JS parent), THROW → it throws it there;
//   - the C function switched to its parent: VALUE → `yield* parent.switch(value)`,
//     THROW → `yield* parent.throw(value)`, KILL → `yield* parent.throw()` (a GreenletExit).
// What the JS side sends back resumes the C function: a value as a switch, a GreenletExit as a
// kill, any other error as a throw. The hot JS path is untouched: the trampoline has no native
// branch of its own.
//
// One FFI call per transfer, with 32-bit arguments only: greenlet_send takes the tag and the
// value in one shared message buffer and hands back what came back with the target's flags, so
// no BigInt is boxed for a word (Deno's fast calls take a usize only as a BigInt) and no
// greenlet_state call tells a finish from a switch.
//
// Native-to-native switches inside C (the lines marked "mixed", the rest in _native_route.ts):
// what comes back may come from another native greenlet's C side (exchange returns ARRIVAL), or
// be a switch between two of them routed through the root while a tracer is set; passOn() hands
// it on in the JS tree, and a relay that gets its own message back resumes exchange without a send.

import type { NativePointer } from "../ffi/_binding.ts";
import type { NativeLibrary } from "../ffi/_library.ts";
import { Flag, SEND_REALIGN, Status, Tag } from "../ffi/constants.ts";
import { decodeFrom, encodeInto, releaseValues } from "./_native_values.ts";
import { decodeValue as decodeSlot, encodeValue as encodeSlot } from "./_native_signature.ts";
import { type Words, wordsOver } from "./_native_signature.ts";
import { callFailed, foreign, nativeLibrary } from "./_native_host.ts";
import {
  bySlot,
  type CallbackEntry,
  checkMisuses,
  misuseWords,
  nativeAddresses,
  pendingWord,
} from "./_native_callbacks.ts";
import { checkOpen, type FunctionParts } from "./native_function.ts";
import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { agent, type Direct, HANDED_OVER, type HandlerRelay } from "./_trampoline.ts";
import type { Instruction, Step } from "./types.ts";
import {
  Arrival,
  arrivalOf,
  type NextSend,
  passOn,
  registerNative,
  setRoute,
  switchWords,
  unregisterNative,
  writeError,
} from "./_native_route.ts";

/** What the generator and the tests know of one native greenlet's C side. */
export interface NativeState {
  /** A `greenlet_entry` body (the entry form), or null for a function by signature. */
  readonly entry: NativePointer;
  /** A function by signature, or null for the entry form. */
  readonly function: FunctionParts | null;
  readonly arg: bigint;
  readonly stackBytes: bigint;
  /** The C handle; slot 0 before the start and after the handle was destroyed. */
  slot: number;
  generation: number;
  /** Table ids of the values sent to it (released when it dies). */
  readonly owned: number[];
  /** The call frame and the buffers passed to C, referenced until the greenlet is dead. */
  readonly keep: unknown[];
}

const handleOut = new Uint32Array(2);
const flagsOut = new Uint32Array(1);
/**
 * greenlet_send's `greenlet_message`, shared by every native greenlet of the agent (it is
 * written right before each call and read right after): tag, flags, value (low, high half).
 */
const message = new Uint32Array(4);
/** {@link message}'s address as the runtime's pointer, greenlet_send's argument (made once). */
let messagePointer: NativePointer | null = null;

/** The pointer greenlet_send takes for {@link message} (the buffer stays where it is). */
function messageAt(): NativePointer {
  if (messagePointer === null) {
    const runtime = foreign();
    messagePointer = runtime.pointerAt(runtime.bufferAddress(message));
  }
  return messagePointer;
}
const TAG = 0;
const FLAGS = 1;
const VALUE = 2;
/** The message's value as slot 0 of typed views: a result decoded by its type. */
const resultWords = wordsOver(message.buffer as ArrayBuffer, 8, 1);
/** Where arguments and callback results are encoded before they are copied or sent. */
const scratch = new ArrayBuffer(8 * 16);
const scratchWords = wordsOver(scratch, 0, 16);
const scratchBytes = new Uint8Array(scratch);

/** greenlet_call_frame: function at 0, signature at 8, args at 32, abort_tag at 160. */
const FRAME_BYTES = 176;
const FRAME_ARGS = 32;
const FRAME_ABORT_TAG = 160 / 4;

/** Typed views over one callback record, by its address's two u32 halves. */
class RecordView {
  constructor(readonly low: number, readonly high: number, readonly words: Words | null) {}
}

/**
 * Views over callback records, direct-mapped by address bits (a record is reused at the same
 * stack depth, and a C function calls back from a few depths: qsort from every level of its
 * merge). An array indexed by bits and two u32 compares, where a Map keyed by the address (a
 * double above 2^32) cost a hash per lookup. Slots start with an address no user stack has.
 */
const RECORD_CACHE_BITS = 8;
const recordCache: RecordView[] = Array.from(
  { length: 1 << RECORD_CACHE_BITS },
  () => new RecordView(0, 0xffff_ffff, null),
);

/** The slot of {@link recordCache} for a record at `low` (a record is 8-byte aligned). */
function recordSlot(low: number): number {
  return (low >>> 3) & ((1 << RECORD_CACHE_BITS) - 1);
}

/** Makes the views over the record at (low, high) and caches them. */
function recordAt(low: number, high: number): Words {
  const words = wordsOver(foreign().memoryAt((BigInt(high) << 32n) | BigInt(low), 144), 0, 18);
  recordCache[recordSlot(low)] = new RecordView(low, high, words);
  return words;
}

/** The call frame of a function by signature, its arguments written from `args`. */
function callFrame(
  function_: FunctionParts,
  args: ArrayLike<unknown>,
  keep: unknown[],
): Uint8Array {
  const signature = function_.signature;
  const types = signature.parameters;
  const what = `Cannot call ${function_.name}`;
  if (args.length !== types.length) {
    throw new TypeError(
      `${what}: it takes ${types.length} argument${types.length === 1 ? "" : "s"}, not ` +
        `${args.length} (they come from the switch that starts the greenlet)`,
    );
  }
  for (let i = 0; i < types.length; i++) {
    encodeSlot(types[i], args[i], scratchWords, i, nativeAddresses, keep, `${what}: argument ${i}`);
  }
  checkOpen(function_, what);
  const frame = new Uint8Array(FRAME_BYTES);
  new BigUint64Array(frame.buffer, 0, 1)[0] = function_.address;
  frame.set(signature.bytes, 8);
  frame.set(scratchBytes.subarray(0, 8 * types.length), FRAME_ARGS);
  keep.push(frame);
  return frame;
}

/** {@link exchange}'s result for a callback whose handler is a generator function. */
const GENERATOR_CALLBACK = -1;
/** {@link exchange}'s result when another native greenlet's C side came back (mixed). */
const ARRIVAL = -2;

/**
 * Sends the message (its tag and value already written) to (slot, generation) and answers
 * every callback of a plain handler at once, in this loop, until something else comes back:
 * a transfer (returns Status.OK), a callback of a generator handler or one whose plain handler
 * returned an Op (GENERATOR_CALLBACK, with the run's `entry`, `op` and `first` set) or a
 * failed call (its status). The run's `slot` and `generation` are then the greenlet the last
 * message went to. A plain function, not the generator, so that the engines optimize the
 * callback round trip (the FFI call inlined) however long the C function runs. The misuse
 * word is a counter: it is looked at once when the loop ends, not per callback.
 */
function exchange(slot: number, generation: number, run: Run, resume: boolean): number {
  const status = answerCallbacks(slot, generation, run, resume);
  // checkMisuses() when the count moved (its low word moves with every misuse).
  if (run.misuses[0] !== run.misusesSeen[0]) checkMisuses();
  return status;
}

/** {@link exchange}'s loop. */
function answerCallbacks(slot: number, generation: number, run: Run, resume: boolean): number {
  const pending = run.pending;
  for (let send = !resume;; send = true) {
    if (send) {
      run.slot = slot;
      run.generation = generation;
      const status = run.greenletSend(slot, generation, run.messagePointer);
      if (status !== Status.OK) return status;
      // mixed: another native greenlet's C side came back, or a routed switch. (arrivalOf()'s
      // common case inline, as in Run.sendDirect: no target word, and from this relay's own C
      // side; the switch words 0-1 origin, 2 target slot.)
      const w = run.words;
      const self = run.self;
      if ((w[2] | (w[0] ^ self.slot) | (w[1] ^ self.generation)) !== 0) {
        const arrival = arrivalOf(self, message);
        if (arrival !== null) {
          run.arrival = arrival;
          return ARRIVAL;
        }
      }
    }
    const low = pending[0];
    const high = pending[1];
    if ((low | high) === 0) return Status.OK;
    // A callback: answer the greenlet it runs on (whichever the C code switched to).
    const cached = recordCache[recordSlot(low)];
    const record = cached.low === low && cached.high === high ? cached.words! : recordAt(low, high);
    pending[0] = 0;
    pending[1] = 0;
    const u32 = record.u32;
    slot = u32[2];
    generation = u32[3];
    const entry = bySlot[u32[0]];
    if (run.aborted !== null) {
      // An entry-form body after an abort (a call greenlet's library does this itself): the
      // fallback at once, without running JS.
      writeBits(entry?.fallbackBits ?? 0);
      message[TAG] = Tag.VALUE;
      continue;
    }
    try {
      if (entry === undefined) throw noHandler(u32[0]);
      let result = entry.call(record);
      if (entry.generator || isGenerator(result)) {
        // A generator handler's Op (or one a plain handler returned): its first step runs
        // here; one that finishes without yielding is answered at once, one that yields (a
        // switch, an await) runs on in the generator, which relays its instructions.
        const op = result as Generator<Instruction, unknown, unknown>;
        const step = op.next();
        if (step.done !== true) {
          run.slot = slot;
          run.generation = generation;
          run.entry = entry;
          run.op = op;
          run.first = step;
          return GENERATOR_CALLBACK;
        }
        result = step.value;
      }
      entry.writeResult(result, resultWords);
      message[TAG] = Tag.VALUE;
    } catch (error) {
      message[TAG] = abort(run, error);
    }
  }
}

/** {@link Run.sent} when no direct switch left a send to take over. */
const NOT_SENT = -1;

/**
 * How many direct switches this agent made, and how many of them handed over: private module
 * bindings, which V8 reads and writes from the module context (an exported one is reached
 * through its module cell, three dependent loads), read by {@link directSwitchCounts}.
 */
let directMade = 0;
let directHandedOver = 0;

/** How many direct switches this agent made, and how many of them handed over (for tests). */
export function directSwitchCounts(): { made: number; handedOver: number } {
  return { made: directMade, handedOver: directHandedOver };
}

/** One relay's state that {@link exchange} shares with it. */
class Run implements Direct, HandlerRelay {
  /** What came back from another native greenlet's C side (mixed). */
  arrival: Arrival | null = null;
  /** Findable by its C handle: set when it first suspends (mixed). */
  registered = false;
  /** The message holds this greenlet's own message, handed back: no send (mixed). */
  resume = false;
  /** Table ids of the values sent (released when the greenlet dies). */
  readonly owned: number[];
  /** The error that escaped a handler (then every later callback gets the fallback). */
  aborted: { error: unknown } | null = null;
  /** The tag of the next message. */
  sending: number = Tag.VALUE;
  /** What the relay goes on with after a generator handler's Op ran as the body (a status). */
  status: number = Status.OK;
  /**
   * The generator callback that runs (see {@link advance}): its entry and Op (what the handler
   * returned: a generator handler's generator, or an Op), set by {@link exchange}, which also
   * leaves the Op's first result (an instruction it yielded) for {@link Run.takeCallback}.
   */
  entry: CallbackEntry | null = null;
  op: Generator<Instruction, unknown, unknown> | null = null;
  first: IteratorResult<Instruction, unknown> | null = null;
  /** The greenlet the next message goes to (the last one went to, after a send). */
  slot: number;
  generation: number;
  /**
   * The status of the send a direct switch made and handed over ({@link Run.sendDirect}), or
   * NOT_SENT: {@link send} takes over what came back instead of sending.
   */
  sent: number = NOT_SENT;
  /**
   * What {@link Run.sendDirect} reads and calls, kept here so that its common case reads fields
   * instead of calling helpers (its bytecode must stay small for JSC to inline it, see there):
   * the thread's pending word, the misuse count and the count last reported, the switch words,
   * greenlet_send and the message's pointer.
   */
  readonly pending: Uint32Array = pendingWord();
  readonly misuses: Uint32Array;
  readonly misusesSeen: Uint32Array;
  readonly words: Uint32Array = switchWords();
  readonly greenletSend: NativeLibrary["symbols"]["greenlet_send"] =
    nativeLibrary().symbols.greenlet_send;
  readonly messagePointer: NativePointer = messageAt();

  constructor(
    /** The relay's C handle (mixed) and C side. */
    readonly self: NativeState,
    /** A function by signature's call frame (null for the entry form). */
    readonly frame: Uint32Array | null,
    /**
     * The relay's generator: the greenlet's body but while a generator handler's Op is. (The
     * greenlet itself is `agent.current` whenever the relay runs: the GC kill's registry keeps
     * the generator, so what it reaches must not reach the greenlet's object.)
     */
    readonly gen: Generator<Instruction, unknown, unknown>,
  ) {
    this.owned = self.owned;
    const words = misuseWords();
    this.misuses = words.count;
    this.misusesSeen = words.seen;
    this.slot = self.slot;
    this.generation = self.generation;
  }

  /**
   * Makes the Op of the generator callback {@link exchange} left the greenlet's body, which the
   * trampoline resumes from now on: returns the Op's first result.
   */
  takeCallback(): IteratorResult<Instruction, unknown> {
    const first = this.first!;
    this.first = null;
    const core = agent.current;
    core.body = this.op!;
    core.handler = this;
    return first;
  }

  /**
   * The Op (the body) returned `value`: answers the callback and sends on in a plain function,
   * so that the relay's generator stays suspended while callbacks of generator handlers follow
   * one another. Returns the next handler's first result, or resumes the relay with
   * {@link send}'s status (or a failed send's error) and returns its result.
   */
  answer(value: unknown): IteratorResult<unknown, unknown> {
    this.answered(value, false);
    let status: number;
    try {
      // The Op yielded (an await, a switch), so the loop drives it: after this send it unwinds
      // its frames and its driver's (to the event loop, after an await), each a return that the
      // return-stack buffer would mispredict without the realignment.
      status = send(this, SEND_REALIGN);
    } catch (error) {
      this.restore();
      return this.gen.throw(new Failed(error));
    }
    if (status === GENERATOR_CALLBACK) return this.takeCallback();
    this.restore();
    this.status = status;
    return this.gen.next(GO_ON);
  }

  /** The Op raised `error`: the callback is answered with it (see {@link abort}). */
  raised(error: unknown): unknown {
    this.answered(error, true);
    this.restore();
    this.status = SEND;
    return GO_ON;
  }

  /**
   * The generator callback finished: its answer, the next message, is `outcome` (its result),
   * or a throw of it (see {@link abort}) when it `raised` or when writing the result fails.
   */
  answered(outcome: unknown, raised: boolean): void {
    if (raised) {
      this.sending = abort(this, outcome);
    } else {
      try {
        this.entry!.writeResult(outcome, resultWords);
        this.sending = Tag.VALUE;
      } catch (error) {
        this.sending = abort(this, error);
      }
    }
    this.entry = null;
    this.op = null;
  }

  /** The relay's generator is the greenlet's body again. */
  restore(): void {
    const core = agent.current;
    core.body = this.gen;
    core.handler = null;
  }

  /** What a function by signature returned (the message's value, decoded by its type). */
  returned(): unknown {
    return decodeSlot(this.self.function!.signature.result, resultWords, 0, nativeAddresses);
  }

  /**
   * The direct switch (`Direct` in _trampoline.ts, used while the relay waits in its switch to
   * its parent): sends `payload` as the relay would send that switch's reply, and returns what
   * came back when it is a plain value the C side switched to its parent. Anything else (a
   * callback, a finish, a throw or kill, another greenlet's switch, a failed call) is left as it
   * came back, with the status in {@link Run.sent}, and HANDED_OVER is returned: the trampoline
   * then resumes the relay, and {@link send} takes it over as if its own send had returned it.
   */
  sendDirect(payload: unknown): unknown {
    directMade++;
    // The common case is written inline here and everything else in other methods: JSC inlines
    // a method into its caller only while its bytecode is small, and this one measured 26-30 ns
    // per round trip on Bun when small enough, 37-45 when not. Hence literal words and indices
    // (0: Tag.VALUE, Status.OK; the message's words 0 tag, 1 flags, 2-3 value; the switch words
    // 0-1 origin, 2 target slot, 4 route) and one test of many words ORed together.
    // A u32 is its own word (see _native_values.ts).
    if (typeof payload !== "number" || payload >>> 0 !== payload) return this.sendOther(payload);
    const m = message;
    m[2] = payload;
    m[3] = 0;
    m[0] = 0;
    // setRoute(), inline: switchDirect() made sure no tracer is set.
    const w = this.words;
    w[4] = 0;
    const status = this.greenletSend(this.slot, this.generation, this.messagePointer);
    // A u32 value came back from this greenlet's own C side (arrivalOf()'s common case: the
    // relay's slot is its own while it waits in its switch to its parent, see arrived()): no
    // target word, no callback pending, a value, not dead, and no misuse since the last look
    // (checkMisuses(); the low word of the count moves with every misuse).
    const pending = this.pending;
    if (
      (status | w[2] | pending[0] | pending[1] | m[0] | (m[1] & 4) | m[3] |
          (this.misuses[0] ^ this.misusesSeen[0])) === 0 &&
      w[0] === this.slot && w[1] === this.generation
    ) {
      return m[2];
    }
    return this.received(status);
  }

  /** {@link Run.sendDirect} of a value that is not a u32. */
  sendOther(payload: unknown): unknown {
    encodeInto(payload, this.owned, message, VALUE);
    message[TAG] = Tag.VALUE;
    setRoute();
    return this.received(
      this.greenletSend(this.slot, this.generation, this.messagePointer),
    );
  }

  /**
   * What {@link Run.sendDirect} does after the send when its inline test failed: reports
   * misuses, returns a plain value from the greenlet's own C side (decoded), or hands over.
   */
  received(status: number): unknown {
    checkMisuses();
    if (status === Status.OK) {
      const arrival = arrivalOf(this.self, message);
      if (arrival === null) {
        const pending = this.pending;
        if (
          (pending[0] | pending[1]) === 0 && message[TAG] === Tag.VALUE &&
          (message[FLAGS] & Flag.DEAD) === 0
        ) {
          return decodeFrom(message, VALUE);
        }
      }
      this.arrival = arrival;
    }
    this.sent = status;
    directHandedOver++;
    return HANDED_OVER;
  }
}

/**
 * The relay was resumed in its switch to its parent: no direct switch until it waits there
 * again. True when a direct switch made the send ({@link send} takes over what came back).
 * The trampoline made the greenlet current before resuming it (the Run keeps no reference to
 * it: its generator must not keep the greenlet's object alive, for the GC kill).
 */
function woken(run: Run): boolean {
  agent.current.direct = null;
  return run.sent !== NOT_SENT;
}

/** An error that a failed send raised while a handler's Op was the body: the relay raises it. */
class Failed {
  constructor(readonly error: unknown) {}
}

/**
 * Answers a callback whose handler raised `error` with a throw of it (a kill for GreenletExit),
 * the error in the message's value; returns the tag.
 */
function abort(run: Run, error: unknown): number {
  run.aborted = { error };
  encodeInto(error, run.owned, message, VALUE);
  return error instanceof GreenletExit ? Tag.KILL : Tag.THROW;
}

/** Writes `bits` (a u64 as a number below 2^32 or a bigint) into the message's value. */
function writeBits(bits: number | bigint): void {
  const word = BigInt(bits);
  message[VALUE] = Number(word & 0xffff_ffffn);
  message[VALUE + 1] = Number(word >> 32n);
}

/**
 * The body of a native greenlet: creates the C greenlet when it starts and relays
 * every transfer between it and the JS tree (see the file header).
 *
 * The generator keeps few locals: V8 saves every register of the frame at each `yield` (and a
 * callback awaiting in a handler suspends it once per await), so whatever runs without
 * yielding is in plain functions ({@link start}, {@link send}, {@link advance}, {@link arrived}) and the
 * relay's state is in its {@link Run}.
 */
export function nativeBody(
  state: NativeState,
): (...args: unknown[]) => Generator<Instruction, unknown, unknown> {
  return function* native(): Generator<Instruction, unknown, unknown> {
    const run = start(state, arguments);
    try {
      for (;;) {
        let status = send(run, 0);
        if (status === GENERATOR_CALLBACK) {
          // A generator handler: its Op runs as this greenlet's body, so that it may switch,
          // throw and await; the trampoline resumes it directly, and Run.answer answers it and
          // the callbacks after it. This generator is resumed with send's status when
          // something else comes back, with SEND when an Op raised (answered with the error),
          // or by the GC kill, whose throw goes to the Op as `yield* op` would pass it on.
          let instruction = run.takeCallback().value as Instruction | null;
          do {
            let reply: unknown;
            let threw = false;
            try {
              reply = yield instruction!;
            } catch (error) {
              reply = error;
              threw = true;
            }
            instruction = resumed(run, reply, threw);
          } while (instruction !== null);
          status = run.status;
          if (status === SEND) continue;
        }
        if (status === ARRIVAL) {
          // mixed: pass it on in the JS tree (or get it back as this greenlet's own).
          sendNext(run, yield* passOn(state, state.owned, run.arrival!, message, pendingWord()));
          run.arrival = null;
          continue;
        }
        const tag = arrived(run);
        if (tag === FINISHED) return decodeFrom(message, VALUE);
        if (tag === RETURNED) return run.returned();
        try {
          const reply = yield* transferStep(run, tag);
          if (woken(run)) continue; // the direct switch sent the reply
          if (reply instanceof Arrival) {
            // mixed: this greenlet's C side ran inside C meanwhile and sent this.
            sendNext(run, yield* passOn(state, state.owned, reply, message, pendingWord()));
            continue;
          }
          run.sending = Tag.VALUE;
          encodeInto(reply, state.owned, message, VALUE);
        } catch (error) {
          woken(run);
          run.sending = writeError(error, state.owned, message); // mixed: a routed kill's value
        }
      }
    } finally {
      if (run.registered) unregisterNative(state); // mixed
      finish(state);
    }
  } as (...args: unknown[]) => Generator<Instruction, unknown, unknown>;
}

/**
 * The step that passes a transfer of tag `tag` from the C function on to this greenlet's JS
 * parent: a switch of the message's value, a throw of it, or a kill.
 */
function transferStep(run: Run, tag: number): Step<unknown> {
  const value = decodeFrom(message, VALUE);
  // The trampoline made this greenlet current before resuming its body (the GC kill
  // makes a stand-in current, whose parent is main).
  const parent = agent.current.parent!.face;
  if (!run.registered) {
    registerNative(run.self, agent.current.face); // mixed
    run.registered = true;
  }
  const step = tag === Tag.VALUE
    ? parent.switch(value)
    : tag === Tag.THROW
    ? parent.throw(value)
    : parent.throw();
  agent.current.direct = run; // until woken()
  return step;
}

/** {@link Run.status}: send the message as it is (a handler's error is in it). */
const SEND = -3;
/** What the relay's generator is resumed with when it goes on with {@link Run.status}. */
const GO_ON = -4;

/**
 * The relay's generator resumed while a generator handler's Op was the body (`reply`, thrown
 * in when `threw`): by {@link Run.answer} or {@link Run.raised} with GO_ON (the relay goes on
 * with `run.status`: null), with a failed send's error (thrown), or by the GC kill (the Op gets
 * its throw, as {@link advance} passes it on: its next instruction, or null).
 */
function resumed(run: Run, reply: unknown, threw: boolean): Instruction | null {
  if (reply === GO_ON) return null;
  if (threw && reply instanceof Failed) throw reply.error;
  // The GC kill: the relay relays the Op again, as `yield* op` would.
  run.restore();
  const instruction = advance(run, reply, threw);
  if (instruction === null) run.status = SEND;
  return instruction;
}

/**
 * Resumes the generator callback's Op with what came back (`reply`, thrown in when `threw`):
 * its next instruction, or null when it finished (its result written, or an error that escaped
 * it answered with {@link abort}) and the answer is the next message to send.
 */
function advance(run: Run, reply: unknown, threw: boolean): Instruction | null {
  const op = run.op!;
  let step: IteratorResult<Instruction, unknown>;
  try {
    step = threw ? op.throw(reply) : op.next(reply);
  } catch (error) {
    run.answered(error, true);
    return null;
  }
  if (step.done !== true) return step.value;
  run.answered(step.value, false);
  return null;
}

/** {@link arrived}: the C function finished with a value (the message's value is it). */
const FINISHED = -1;
/** {@link arrived}: the C function finished; {@link Run.returned} is the generator's result. */
const RETURNED = -2;

/**
 * Creates the C greenlet of a native greenlet that starts with `args` (the starting switch's
 * values) and returns its relay's state.
 */
function start(state: NativeState, args: ArrayLike<unknown>): Run {
  const symbols = nativeLibrary().symbols;
  const function_ = state.function;
  let frame: Uint32Array | null = null;
  // Created on the JS side, so the C parent (slot 0: the current greenlet) is the root.
  let created: number;
  if (function_ === null) {
    const first = args.length <= 1 ? args[0] : Array.from(args);
    created = symbols.greenlet_create(state.entry, state.arg, 0, 0, state.stackBytes, handleOut);
    if (created === Status.OK) encodeInto(first, state.owned, message, VALUE);
  } else {
    const bytes = callFrame(function_, args, state.keep);
    frame = new Uint32Array(bytes.buffer);
    created = symbols.greenlet_call_create(bytes, 0, 0, state.stackBytes, handleOut);
    // The starting switch's value is ignored: the arguments are in the frame.
    message[VALUE] = 0;
    message[VALUE + 1] = 0;
  }
  if (created !== Status.OK) {
    state.keep.length = 0;
    throw callFailed(function_ === null ? "greenlet_create" : "greenlet_call_create", created);
  }
  state.slot = handleOut[0];
  state.generation = handleOut[1];
  if (function_?.library) function_.library.running++;
  // The trampoline made this greenlet current, its body this generator, before running it.
  return new Run(state, frame, agent.current.body as Generator<Instruction, unknown, unknown>);
}

/**
 * Sends the relay's next message (or resumes {@link exchange} on its own message handed back)
 * and returns exchange's status; throws a failed call. `realign`: SEND_REALIGN when the caller
 * unwinds many frames after the send (see include/greenlet.h), else 0.
 */
function send(run: Run, realign: number): number {
  const sent = run.sent;
  if (sent !== NOT_SENT) {
    // The direct switch made the send (Run.sendDirect): take over what came back.
    run.sent = NOT_SENT;
    if (sent !== Status.OK) throw callFailed("greenlet_send", sent);
    if (run.arrival !== null) return ARRIVAL;
    run.resume = true;
  }
  const resume = run.resume;
  const slot = run.slot;
  const generation = run.generation;
  if (resume) {
    run.slot = 0; // the flags below are asked for
    run.generation = 0;
  } else {
    message[TAG] = run.sending;
    message[FLAGS] = realign; // the first send's only: each send writes the flags back
    setRoute(); // mixed: route native-to-native switches through the root while traced
  }
  const status = exchange(slot, generation, run, resume);
  run.resume = false;
  if (status > 0) throw callFailed("greenlet_send", status);
  return status;
}

/** After {@link passOn} (mixed): resume exchange (null) or send what it names. */
function sendNext(run: Run, next: NextSend | null): void {
  if (next === null) {
    run.resume = true;
    return;
  }
  run.sending = next.tag;
  run.slot = next.slot;
  run.generation = next.generation;
}

/**
 * A transfer came back from the C side: its tag (the C function switched to its parent), or
 * FINISHED / RETURNED when it finished; throws what it finished with by throwing.
 */
function arrived(run: Run): number {
  const state = run.self;
  const tag = message[TAG];
  // The flags are those of the greenlet the message went to: after a callback answered
  // to another greenlet than this one (native-to-native switches in C), ask for ours.
  let flags = message[FLAGS];
  if (run.slot !== state.slot || run.generation !== state.generation) {
    run.slot = state.slot;
    run.generation = state.generation;
    nativeLibrary().symbols.greenlet_state(state.slot, state.generation, flagsOut);
    flags = flagsOut[0];
  }
  if ((flags & Flag.DEAD) === 0) return tag;
  if (tag === Tag.THROW) throw decodeFrom(message, VALUE);
  const function_ = state.function;
  if (function_ === null) {
    // An entry-form body that a handler's error aborted dies with that error (a
    // GreenletExit too: thrown, it leaves as a JS body's does, rule S8).
    if (run.aborted === null) return FINISHED;
    throw run.aborted.error;
  }
  // A kill that reached a handler: its GreenletExit leaves as a JS body's does.
  if (run.frame![FRAME_ABORT_TAG] === Tag.KILL) throw decodeFrom(message, VALUE);
  return RETURNED;
}

/** True for a generator object (what a plain handler may return instead of a result). */
export function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return typeof value === "object" && value !== null &&
    Object.prototype.toString.call(value) === "[object Generator]";
}

function noHandler(slot: number): GreenletError {
  return new GreenletError(
    "NATIVE_CLOSED",
    `Cannot answer a callback through slot ${slot}: no open callback of this thread has it`,
  );
}

/** Ends the C handle of a dead native greenlet and drops its values and buffers. */
function finish(state: NativeState): void {
  const symbols = nativeLibrary().symbols;
  if (symbols.greenlet_state(state.slot, state.generation, flagsOut) === Status.OK) {
    // A C function still running (a failed call left it suspended) keeps its handle and stack.
    if ((flagsOut[0] & Flag.DEAD) === 0) return;
    symbols.greenlet_destroy(state.slot, state.generation);
  }
  state.slot = 0;
  state.generation = 0;
  releaseValues(state.owned);
  state.keep.length = 0;
  const library = state.function?.library;
  if (library) {
    library.running--;
    if (library.closed && library.running === 0) library.unload();
  }
}
