//! The native greenlet tree: one tree per OS thread, rooted at the thread's
//! own stack ("root", the main greenlet of the native tree).
//!
//! Every greenlet is named by a `Handle` (slot index and generation, see
//! handles.zig), so a stale or foreign handle is detected from the slot's
//! metadata alone and never dereferenced: a handle owned by another thread
//! gives `error.WrongThread`, a destroyed one `error.InvalidHandle`.
//!
//! Switching from the root into a greenlet and getting control back when
//! something switches to the root (or finishes into it) is one plain call
//! that returns a `Message`; that is how a foreign host (Deno/Bun FFI) can be
//! the root of the native tree without its frames ever living on a greenlet
//! stack.
//!
//! Usage (Zig):
//!   const child = try greenlet.create(entry, arg, .none, 0);
//!   const reply = try greenlet.switchTo(child, 42);   // runs entry(arg, 42, &result)
//!   try greenlet.destroy(child);                       // once it is dead

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const Stack = @import("Stack.zig");
const stack_pool = @import("stack_pool.zig");
const context = @import("context.zig");
const exports = @import("exports.zig");
const handles = @import("handles.zig");
const thread_exit = @import("thread_exit.zig");
const tls_descriptor = @import("tls_descriptor.zig");

/// What travels with a switch besides the pointer-sized value.
pub const Tag = enum(u32) {
    /// A plain value.
    value = 0,
    /// An exception payload; the receiver should unwind and finish with it.
    throw = 1,
    /// A kill request (greenlet's GreenletExit); the receiver should finish.
    kill = 2,
};

pub const Message = struct { tag: Tag, value: usize };

/// A greenlet body: receives the creation argument and the first switch
/// value, writes its result and returns how it finished (`Tag` as u32):
/// `value` (result goes to the parent as a value), `throw` (result goes to
/// the parent as a throw) or `kill` (it obeyed a kill: the parent gets the
/// result as a plain value, like greenlet's GreenletExit). Any other number
/// is treated as `throw`.
pub const BodyFn = *const fn (arg: usize, value: usize, result: *usize) callconv(.c) u32;

/// Slot 0 never names a greenlet; APIs read it as "none" or "current".
pub const Handle = handles.Handle;

pub const Error = error{
    InvalidHandle,
    WrongThread,
    InvalidArgument,
    InvalidStackSize,
    OutOfMemory,
    TooManyGreenlets,
    CyclicParent,
    RootHasNoParent,
    Alive,
    /// A stack reservation hit Linux's vm.max_map_count (`Stack.Error.MapLimit`).
    MapLimit,
};

pub const State = enum(u8) { pending, active, dead };

/// Bit flags returned by `flags`.
pub const Flag = struct {
    pub const started: u32 = 1;
    pub const active: u32 = 2;
    pub const dead: u32 = 4;
    pub const current: u32 = 8;
    pub const root: u32 = 16;
};

pub const Greenlet = struct {
    /// Saved stack pointer while not running.
    sp: usize,
    /// Null for a root, and once a dead greenlet's stack went back to the pool.
    stack: ?Stack,
    entry: ?BodyFn,
    arg: usize,
    parent: ?*Greenlet,
    thread: *ThreadState,
    handle: Handle,
    /// One for the handle, one per child whose parent this is.
    references: u32,
    state: State,
    is_root: bool,
    /// The thread's list of every greenlet whose slot it holds (roots and
    /// destroyed greenlets kept as parents included), freed at thread exit.
    thread_next: ?*Greenlet = null,
    thread_previous: ?*Greenlet = null,
};

/// Per-thread words the host reads and writes without a call (their address,
/// `switchWords`, is fixed for the thread's life). They tell a host that is
/// the root (the JS side) which greenlet came back to it and what for, even
/// when greenlets switched among themselves inside C first.
pub const SwitchWords = extern struct {
    /// The greenlet that made the last switch, throw, kill or finish; after a
    /// switch into the root returns, the greenlet that reached the root.
    origin: Handle = .none,
    /// The target a switch between two greenlets (neither the root) named,
    /// when that switch was sent to the root instead (see `route`, and a
    /// dead target); `.none` for a switch aimed at the root itself. The host
    /// clears it after reading.
    target: Handle = .none,
    /// Not 0: every switch, throw or kill from a greenlet that is not the
    /// root to another such greenlet goes to the root instead, with `target`
    /// set, so that the host performs it (the JS side sets it while a tracer
    /// is installed). Kept across `threadExit`.
    route: u32 = 0,
    reserved: u32 = 0,
};

comptime {
    assert(@sizeOf(SwitchWords) == 24);
    assert(@offsetOf(SwitchWords, "target") == 8);
    assert(@offsetOf(SwitchWords, "route") == 16);
}

const ThreadState = struct {
    /// Small process-unique thread number, 0 until the thread first needs a tree.
    number: u32 = 0,
    words: SwitchWords = .{},
    root: ?*Greenlet = null,
    current: ?*Greenlet = null,
    /// Message handed to the greenlet being resumed.
    transfer: Message = .{ .tag = .value, .value = 0 },
    /// Head of the list through `Greenlet.thread_next`.
    greenlets: ?*Greenlet = null,
    /// The thread's part of the stack pool (its free stacks and counts).
    pool: ?*stack_pool.Local = null,
    /// The callback table's pending word (callback/mod.zig `pendingWord`):
    /// here so that dispatch reaches it with the thread's one TLS lookup.
    callback_pending: usize = 0,
};

threadlocal var thread_state: ThreadState = .{};
/// Whether the platform's thread-exit hook is registered for this thread
/// (it outlives `threadExit`, which resets `thread_state`).
threadlocal var exit_hook_registered: bool = false;
var thread_numbers: std.atomic.Value(u32) = .init(0);
/// Run on a thread whose tree is freed (it exits, or `threadExit`), after
/// the tree, with the number the thread had: the callback table sets it to
/// free the thread's slots, which this module does not know of.
pub var tree_freed_listener: std.atomic.Value(?*const fn (number: u32) void) = .init(null);

/// Largest number of greenlets (roots included) alive at once.
pub const max_greenlets = handles.max_greenlets;

fn threadStateInit() Error!*ThreadState {
    const state = threadState();
    if (state.number != 0) return state;
    const number = thread_numbers.fetchAdd(1, .monotonic) + 1;
    assert(number != 0);
    const index = try handles.allocate();
    const local = stack_pool.Local.register() catch {
        handles.free(index);
        return error.OutOfMemory;
    };
    const greenlet = &handles.slotAt(index).?.greenlet;
    greenlet.* = .{
        .sp = 0,
        .stack = null,
        .entry = null,
        .arg = 0,
        .parent = null,
        .thread = state,
        .handle = handles.handleAt(index),
        .references = 1,
        .state = .active,
        .is_root = true,
    };
    state.number = number;
    state.root = greenlet;
    state.current = greenlet;
    state.pool = local;
    threadLink(state, greenlet);
    handles.publish(index, number);
    local.add(.greenlets_live, 1);
    if (!exit_hook_registered) {
        exit_hook_registered = thread_exit.register(&threadExitHook, state);
    }
    if (context.fused) tls_descriptor.probe(greenlet_thread_state_symbol, @intFromPtr(threadState()));
    return state;
}

fn threadLink(state: *ThreadState, greenlet: *Greenlet) void {
    greenlet.thread_previous = null;
    greenlet.thread_next = state.greenlets;
    if (state.greenlets) |head| head.thread_previous = greenlet;
    state.greenlets = greenlet;
}

fn threadUnlink(greenlet: *Greenlet) void {
    const state = greenlet.thread;
    if (greenlet.thread_previous) |previous| {
        previous.thread_next = greenlet.thread_next;
    } else {
        assert(state.greenlets == greenlet);
        state.greenlets = greenlet.thread_next;
    }
    if (greenlet.thread_next) |next| next.thread_previous = greenlet.thread_previous;
    greenlet.thread_next = null;
    greenlet.thread_previous = null;
}

/// Frees the calling thread's tree now: every greenlet's stack goes back to
/// the pool and every handle becomes invalid, without resuming anything.
/// Refused with `error.Alive` when a greenlet other than the root is
/// running. The thread may build a new tree afterwards.
pub fn threadExit() Error!void {
    const state = &thread_state;
    if (state.number == 0) return;
    if (state.current != state.root) return error.Alive;
    freeTree(state);
    assert(thread_state.number == 0);
}

/// Run by the platform when the thread exits (`thread_exit.zig`).
fn threadExitHook(context_pointer: ?*anyopaque) callconv(.c) void {
    const state: *ThreadState = @ptrCast(@alignCast(context_pointer.?));
    if (state.number == 0) return; // freed already, or never used again
    freeTree(state);
}

fn freeTree(state: *ThreadState) void {
    // A thread that exits while a greenlet runs is on that greenlet's stack:
    // that one stack cannot be reused and stays mapped.
    const running = state.current.?;
    var next = state.greenlets;
    var steps: u32 = 0;
    while (next) |greenlet| : (steps += 1) {
        assert(steps <= max_greenlets);
        assert(greenlet.thread == state);
        next = greenlet.thread_next;
        if (greenlet.stack) |stack| {
            greenlet.stack = null;
            if (greenlet != running) stack_pool.release(state.pool, stack);
        }
        const index = greenlet.handle.slot;
        if (handles.published(index)) {
            // A live handle (destroyed ones were invalidated by `destroy`).
            handles.invalidate(index);
            state.pool.?.add(.greenlets_live, -1);
        }
        handles.free(index);
    }
    stack_pool.Local.retire(state.pool.?);
    const number = state.number;
    const route = state.words.route;
    state.* = .{};
    state.words.route = route;
    if (tree_freed_listener.load(.acquire)) |listener| listener(number);
}

/// `&thread_state`, computed once: LLVM otherwise re-materialises a
/// general-dynamic TLS address (a `__tls_get_addr` call) in every block that
/// uses it.
inline fn threadState() *ThreadState {
    if (context.fused) {
        // Through the TLS descriptor (gnu2 dialect): the descriptor call
        // clobbers only RAX, unlike `__tls_get_addr`, and is skipped where
        // it returns a constant (see tls_descriptor.zig). No red zone in
        // this module (build.zig), so the `call` cannot overwrite locals.
        return tls_descriptor.address(ThreadState, greenlet_thread_state_symbol);
    }
    return asm (""
        : [ret] "=r" (-> *ThreadState),
        : [in] "0" (&thread_state),
    );
}

/// The assembler's name of `thread_state`.
const greenlet_thread_state_symbol = "greenlet.thread_state";

/// Resolves a handle owned by the calling thread.
pub inline fn lookup(handle: Handle) Error!*Greenlet {
    return lookupIn(threadState(), handle);
}

/// `lookup` with the calling thread's state already at hand (one TLS
/// address computation per call on the switch path).
inline fn lookupIn(state: *ThreadState, handle: Handle) Error!*Greenlet {
    const greenlet = try handles.lookup(handle, state.number);
    assert(greenlet.thread == state);
    return greenlet;
}

/// The calling thread's root greenlet (created on first use).
pub fn root() Error!Handle {
    const state = try threadStateInit();
    return state.root.?.handle;
}

pub fn current() Error!Handle {
    const state = try threadStateInit();
    return state.current.?.handle;
}

/// The calling thread's number (its tree is created on first use): unique
/// among the trees alive in the process; a thread gets a new one when it
/// builds a tree again after `threadExit`.
pub fn threadNumber() Error!u32 {
    const state = try threadStateInit();
    return state.number;
}

/// What the callback dispatch needs of the calling thread, from one TLS
/// lookup and without creating a tree: `number` is 0 (and `root`,
/// `current` are null) when the thread has none.
pub const ThreadView = struct {
    number: u32,
    root: ?*Greenlet,
    current: ?*Greenlet,
    /// `&ThreadState.callback_pending` (see `callbackPending`).
    pending: *usize,
};

pub inline fn threadView() ThreadView {
    const state = threadState();
    assert((state.number == 0) == (state.current == null));
    return .{
        .number = state.number,
        .root = state.root,
        .current = state.current,
        .pending = &state.callback_pending,
    };
}

/// The calling thread's callback pending word: its address is fixed for the
/// thread's life (kept across `threadExit`, which clears the word).
pub fn callbackPending() *usize {
    return &threadState().callback_pending;
}

/// The calling thread's `SwitchWords` (its tree is created on first use).
pub fn switchWords() Error!*SwitchWords {
    const state = try threadStateInit();
    return &state.words;
}

/// Creates a pending greenlet. `parent_handle` 0 means the current greenlet;
/// `stack_bytes` 0 means `Stack.default_usable_bytes`.
pub fn create(entry: BodyFn, arg: usize, parent_handle: Handle, stack_bytes: usize) Error!Handle {
    const state = try threadStateInit();
    const up = if (parent_handle.slot == 0) state.current.? else try lookup(parent_handle);
    const usable_bytes = Stack.usableBytesFor(stack_bytes) catch return error.InvalidStackSize;
    const index = try handles.allocate();
    const stack = stack_pool.acquire(state.pool, usable_bytes) catch |err| {
        handles.free(index);
        return switch (err) {
            error.OutOfMemory => error.OutOfMemory,
            error.MapLimit => error.MapLimit,
            error.InvalidSize => unreachable, // checked by usableBytesFor
        };
    };
    const greenlet = &handles.slotAt(index).?.greenlet;
    greenlet.* = .{
        .sp = context.prepare(stack, &greenletMain, @intFromPtr(greenlet), context.fpControlCapture()),
        .stack = stack,
        .entry = entry,
        .arg = arg,
        .parent = up,
        .thread = state,
        .handle = handles.handleAt(index),
        .references = 1,
        .state = .pending,
        .is_root = false,
    };
    up.references += 1;
    threadLink(state, greenlet);
    handles.publish(index, state.number);
    state.pool.?.add(.greenlets_live, 1);
    assert(lookup(greenlet.handle) catch unreachable == greenlet);
    return greenlet.handle;
}

/// Switches to `target` with a value; returns the message this greenlet is
/// resumed with.
pub fn switchTo(target_handle: Handle, value: usize) Error!Message {
    return transfer(target_handle, .{ .tag = .value, .value = value });
}

/// Switches to `target` with a throw or a kill.
pub fn throwTo(target_handle: Handle, tag: Tag, value: usize) Error!Message {
    if (tag == .value) return error.InvalidArgument;
    return transfer(target_handle, .{ .tag = tag, .value = value });
}

inline fn transfer(target_handle: Handle, message: Message) Error!Message {
    if (context.fused) {
        var tag: u32 = 0;
        var value: usize = 0;
        // A value takes the fused switch's value entry, whose fast path (a
        // live, suspended greenlet of this thread) makes `fusedBegin`'s
        // checks inline: the callback dispatch's switch to the root is one.
        const status = if (message.tag == .value)
            context.fusedSwitchValue(target_handle.slot, target_handle.generation, message.value, &tag, &value)
        else
            context.fusedSwitch(target_handle.slot, target_handle.generation, message.value, &tag, &value, @backingInt(message.tag));
        if (status != 0) return exports.errorFrom(status);
        return .{ .tag = @fromBackingInt(tag), .value = value };
    }
    const target = try lookup(target_handle);
    const state = target.thread;
    assert(state.number != 0);
    return switchGreenlet(state, target, message);
}

/// `mode` of the fused switch: set for a finishing greenlet (low bits: tag).
const fused_finish: u32 = 4;

const FusedResult = extern struct { sp: usize, extra: usize };

comptime {
    if (context.fused) {
        @export(&fusedBegin, .{ .name = "greenlet_fused_begin", .visibility = .hidden });
        @export(&fusedArrived, .{ .name = "greenlet_fused_arrived", .visibility = .hidden });
        @export(&fusedCorrupt, .{ .name = "greenlet_fused_corrupt", .visibility = .hidden });
        // `greenlet_switch` under a name of the library's own, for the jump
        // of `context.fusedSend` (no PLT, no interposition).
        @export(&context.abi.switchCoreValue, .{ .name = "greenlet_fused_switch_value", .visibility = .hidden });
    }
}

/// What the fast path of the fused switch (`context.abi.switchCoreValue`,
/// assembly) reads, as byte offsets and values. The fast path takes the
/// common case, a value to a live, suspended greenlet of the calling thread,
/// with the checks `lookup` and `fusedBegin` make: the slot number within
/// the table and its chunk allocated, the slot's atomic metadata equal to
/// (generation, calling thread's number), the thread having a tree; the
/// target active and not the caller; `SwitchWords.route` 0 (a routed switch
/// may need `runnerFor`). It stores the caller's handle in
/// `SwitchWords.origin`, as `handOver` does. A failure goes to `fusedBegin` (which
/// gives the exact status or takes the general path); a broken invariant
/// (owner number 0 with a tree, the greenlet's thread or handle not the
/// ones its slot names, the caller not active) panics through
/// `greenlet_fused_corrupt`, as `assert` does.
pub const fast_path = struct {
    pub const thread_state_symbol = greenlet_thread_state_symbol;
    pub const chunks_symbol = "handles.chunks";
    pub const state_current = @offsetOf(ThreadState, "current");
    pub const state_number = @offsetOf(ThreadState, "number");
    pub const state_origin = @offsetOf(ThreadState, "words") + @offsetOf(SwitchWords, "origin");
    pub const state_route = @offsetOf(ThreadState, "words") + @offsetOf(SwitchWords, "route");
    pub const chunk_shift = std.math.log2_int(u32, handles.chunk_slots);
    pub const slot_mask = handles.chunk_slots - 1;
    pub const max_slot = handles.max_greenlets;
    pub const slot_bytes = @sizeOf(handles.Slot);
    pub const slot_meta = @offsetOf(handles.Slot, "meta");
    pub const slot_greenlet = @offsetOf(handles.Slot, "greenlet");
    pub const sp = @offsetOf(Greenlet, "sp");
    pub const thread = @offsetOf(Greenlet, "thread");
    pub const handle = @offsetOf(Greenlet, "handle");
    pub const state = @offsetOf(Greenlet, "state");
    pub const is_root = @offsetOf(Greenlet, "is_root");
    pub const active = @backingInt(State.active);
    /// `flagsOf`'s started, active and dead bits by state, one byte per
    /// state (`State` as the byte index), for the fused send's landing.
    pub const state_flags: u32 = 0 << 8 * @as(u32, @backingInt(State.pending)) |
        (Flag.started | Flag.active) << 8 * @as(u32, @backingInt(State.active)) |
        (Flag.started | Flag.dead) << 8 * @as(u32, @backingInt(State.dead));

    comptime {
        assert(Flag.current == 8 and Flag.root == 16); // the landing's shifts
        assert(@backingInt(State.dead) < 4);
        assert(@sizeOf(State) == 1 and @sizeOf(bool) == 1);
        assert(@sizeOf(?*Greenlet) == 8 and @sizeOf(*ThreadState) == 8);
        assert(@sizeOf(@TypeOf(@as(ThreadState, undefined).number)) == 4);
        assert(@sizeOf(std.atomic.Value(u64)) == 8);
        assert(handles.chunk_slots == 1 << chunk_shift);
        assert(@offsetOf(Handle, "slot") == 0 and @offsetOf(Handle, "generation") == 4);
    }
};

/// Where the fast path's asserts fail.
fn fusedCorrupt() callconv(.c) noreturn {
    @branchHint(.cold);
    @panic("greenlet_switch: a greenlet's slot, thread or state contradicts its handle");
}

/// The Zig half of the fused switch (`context.abi.switchCore`), run on the
/// caller's stack: every check of `transfer`, then the hand-over. Returns
/// sp = 0 and extra = status when nothing switches (error, or the message
/// is for the caller itself, delivered here); else the stack to resume and
/// extra = a finished greenlet whose stack the resumed side releases.
fn fusedBegin(
    target_slot: u32,
    target_generation: u32,
    value: usize,
    out_tag: ?*u32,
    out_value: ?*usize,
    mode: u32,
    saved_sp: usize,
) callconv(.c) FusedResult {
    const state = threadState();
    if (mode & fused_finish != 0) {
        // greenletMain of the current greenlet, which has just died.
        @branchHint(.unlikely);
        const self = state.current.?;
        assert(self.state == .dead);
        var message: Message = .{ .tag = @fromBackingInt(mode & 3), .value = value };
        const runner = resolveTarget(self.parent.?, &message);
        assert(runner != self);
        self.sp = saved_sp;
        return .{ .sp = handOver(state, self, runner, message), .extra = @intFromPtr(self) };
    }
    const target = lookupIn(state, .{ .slot = target_slot, .generation = target_generation }) catch |err| {
        @branchHint(.unlikely);
        return .{ .sp = 0, .extra = @intCast(@backingInt(exports.statusFrom(err))) };
    };
    assert(target.thread == state);
    assert(mode <= @backingInt(Tag.kill));
    var delivered: Message = .{ .tag = @fromBackingInt(mode), .value = value };
    const origin = state.current.?;
    assert(origin.state == .active);
    const runner = runnerFor(state, origin, target, &delivered);
    if (runner == origin) {
        @branchHint(.unlikely);
        if (out_tag) |tag| tag.* = @backingInt(delivered.tag);
        if (out_value) |out| out.* = delivered.value;
        return .{ .sp = 0, .extra = 0 };
    }
    origin.sp = saved_sp;
    return .{ .sp = handOver(state, origin, runner, delivered), .extra = 0 };
}

/// Delivers `message` from `origin` to `runner` (into the out pointers saved
/// in its fused frame, or `state.transfer` for a first start) and makes it
/// current.
inline fn handOver(state: *ThreadState, origin: *Greenlet, runner: *Greenlet, message: Message) usize {
    assert(runner.state != .dead);
    assert(runner.thread == state);
    state.words.origin = origin.handle;
    if (runner.state == .pending) {
        assert(message.tag == .value);
        state.transfer = message;
        runner.state = .active;
    } else {
        const frame: [*]const usize = @ptrFromInt(runner.sp);
        const out_tag: ?*u32 = @ptrFromInt(frame[0]);
        const out_value: ?*usize = @ptrFromInt(frame[1]);
        if (out_tag) |tag| tag.* = @backingInt(message.tag);
        if (out_value) |out| out.* = message.value;
    }
    state.current = runner;
    return runner.sp;
}

/// Run by the fused switch on the resumed stack after a greenlet finished.
fn fusedArrived(from_address: usize) callconv(.c) void {
    arrived(&thread_state, from_address);
}

/// Walks from `target` to the greenlet that will really run: dead ones pass
/// the message to their parent (a kill becomes a value there, as greenlet's
/// GreenletExit does), a pending one that is thrown into dies unstarted.
inline fn resolveTarget(target: *Greenlet, message: *Message) *Greenlet {
    var candidate = target;
    var steps: u32 = 0;
    while (steps <= max_greenlets) : (steps += 1) {
        switch (candidate.state) {
            .active => return candidate,
            .pending => {
                if (message.tag == .value) return candidate;
                dieUnstarted(candidate);
                if (message.tag == .kill) message.tag = .value;
                candidate = candidate.parent.?;
            },
            .dead => {
                if (message.tag == .kill) message.tag = .value;
                candidate = candidate.parent.?;
            },
        }
    } else unreachable; // Parent chains are acyclic and end at an active root.
}

/// The greenlet a transfer from `origin` aimed at `target` resumes: the root
/// for a transfer between two greenlets that are not the root while the
/// host routes them (`SwitchWords.route`) or when the target is dead (the
/// host's tree decides where a dead greenlet's switch goes), with the
/// target in `SwitchWords.target` and the message unchanged; otherwise the
/// greenlet `resolveTarget` finds.
inline fn runnerFor(state: *ThreadState, origin: *Greenlet, target: *Greenlet, message: *Message) *Greenlet {
    if (!origin.is_root and !target.is_root and target != origin) {
        if (state.words.route != 0 or target.state == .dead) {
            @branchHint(.unlikely);
            state.words.target = target.handle;
            return state.root.?;
        }
    }
    return resolveTarget(target, message);
}

inline fn switchGreenlet(state: *ThreadState, target: *Greenlet, message: Message) Message {
    var delivered = message;
    const origin = state.current.?;
    assert(origin.state == .active);
    const runner = runnerFor(state, origin, target, &delivered);
    if (runner == origin) return delivered;
    return resumeGreenlet(state, origin, runner, delivered.tag, delivered.value);
}

/// Takes the message as two scalars: a caller-built struct read back as one
/// 16-byte load right after two 8-byte stores stalls store forwarding.
inline fn resumeGreenlet(state: *ThreadState, origin: *Greenlet, runner: *Greenlet, tag: Tag, value: usize) Message {
    assert(runner != origin);
    assert(runner.state != .dead);
    if (runner.state == .pending) assert(tag == .value);
    state.transfer.tag = tag;
    state.transfer.value = value;
    state.words.origin = origin.handle;
    state.current = runner;
    runner.state = .active;
    const from = context.swap(&origin.sp, runner.sp, @intFromPtr(origin));
    // Back on origin's stack: someone switched to it.
    arrived(state, from);
    assert(state.current == origin);
    return .{ .tag = state.transfer.tag, .value = state.transfer.value };
}

/// Runs on the stack that was just resumed: a greenlet that finished can
/// now give its stack back, because nobody is running on it any more.
fn arrived(state: *ThreadState, from_address: usize) void {
    const from: *Greenlet = @ptrFromInt(from_address);
    assert(from.thread == state);
    if (from.state == .dead) {
        if (from.stack) |stack| {
            from.stack = null;
            stack_pool.release(state.pool, stack);
        }
    }
}

fn dieUnstarted(greenlet: *Greenlet) void {
    assert(greenlet.state == .pending);
    greenlet.state = .dead;
    if (greenlet.stack) |stack| {
        greenlet.stack = null;
        stack_pool.release(greenlet.thread.pool, stack);
    }
}

fn greenletMain(self_address: usize, from_address: usize) callconv(.c) noreturn {
    const self: *Greenlet = @ptrFromInt(self_address);
    const state = &thread_state;
    assert(state.current == self);
    if (context.fused) assert(from_address == 0) else arrived(state, from_address);
    const first = state.transfer;
    assert(first.tag == .value);
    var result: usize = 0;
    const finished = self.entry.?(self.arg, first.value, &result);
    var message: Message = .{ .tag = .throw, .value = result };
    if (finished == @backingInt(Tag.value) or finished == @backingInt(Tag.kill)) {
        message.tag = .value;
    }
    self.state = .dead;
    assert(state.current == self);
    if (context.fused) {
        _ = context.fusedSwitch(0, 0, message.value, null, null, fused_finish | @backingInt(message.tag));
        unreachable; // A dead greenlet is never resumed.
    }
    const runner = resolveTarget(self.parent.?, &message);
    _ = resumeGreenlet(state, self, runner, message.tag, message.value);
    unreachable; // A dead greenlet is never resumed.
}

pub fn parent(handle: Handle) Error!Handle {
    const greenlet = try lookup(handle);
    const up = greenlet.parent orelse return Handle.none;
    return up.handle;
}

/// Sets the parent; refuses cycles and roots.
pub fn setParent(handle: Handle, parent_handle: Handle) Error!void {
    const greenlet = try lookup(handle);
    const new_parent = try lookup(parent_handle);
    if (greenlet.is_root) return error.RootHasNoParent;
    var walker: ?*Greenlet = new_parent;
    var steps: u32 = 0;
    while (walker) |ancestor| : (steps += 1) {
        assert(steps <= max_greenlets);
        if (ancestor == greenlet) return error.CyclicParent;
        walker = ancestor.parent;
    }
    const old_parent = greenlet.parent.?;
    new_parent.references += 1;
    greenlet.parent = new_parent;
    release(old_parent);
    assert(greenlet.parent == new_parent);
}

pub fn flags(handle: Handle) Error!u32 {
    return flagsOf(try lookup(handle));
}

/// `flags` of `handle` right after a transfer to it succeeded on the calling
/// thread (which made `lookup`'s checks), without the thread-state lookup:
/// only a destroy while the transfer ran can have ended the handle since
/// (then 0; a reused slot has another generation).
pub fn flagsAfterTransfer(handle: Handle) u32 {
    const slot = handles.slotAt(handle.slot) orelse return 0;
    const meta = slot.meta.load(.acquire);
    if (@as(u32, @truncate(meta)) == 0) return 0;
    if (@as(u32, @truncate(meta >> 32)) != handle.generation) return 0;
    return flagsOf(&slot.greenlet);
}

fn flagsOf(greenlet: *const Greenlet) u32 {
    var result: u32 = 0;
    if (greenlet.state != .pending) result |= Flag.started;
    if (greenlet.state == .active) result |= Flag.active;
    if (greenlet.state == .dead) result |= Flag.dead;
    if (greenlet.thread.current == greenlet) result |= Flag.current;
    if (greenlet.is_root) result |= Flag.root;
    if (result & Flag.dead != 0) assert(result & Flag.active == 0);
    return result;
}

/// Drops the handle. A pending greenlet dies unstarted; an active one (or a
/// root) is refused with `error.Alive`: kill it first.
pub fn destroy(handle: Handle) Error!void {
    const greenlet = try lookup(handle);
    if (greenlet.is_root) return error.Alive;
    if (greenlet.state == .active) return error.Alive;
    if (greenlet.state == .pending) dieUnstarted(greenlet);
    assert(greenlet.state == .dead);
    assert(greenlet.stack == null);
    handles.invalidate(handle.slot);
    greenlet.thread.pool.?.add(.greenlets_live, -1);
    release(greenlet);
}

/// Drops one reference; frees slots whose last reference is gone and walks
/// on to their parents.
fn release(first: *Greenlet) void {
    var greenlet: ?*Greenlet = first;
    var steps: u32 = 0;
    while (greenlet) |victim| : (steps += 1) {
        assert(steps <= max_greenlets);
        assert(victim.references > 0);
        victim.references -= 1;
        if (victim.references > 0) return;
        assert(!victim.is_root);
        assert(victim.state == .dead);
        greenlet = victim.parent;
        victim.parent = null;
        threadUnlink(victim);
        handles.free(victim.handle.slot);
    }
}

// Tests. Entry functions below run on greenlet stacks.

const testing = std.testing;

fn entryEcho(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    // Sends arg + value to the parent, then returns whatever comes back.
    const parent_handle = parent(current() catch unreachable) catch unreachable;
    const reply = switchTo(parent_handle, arg + value) catch unreachable;
    result.* = reply.value;
    return @backingInt(reply.tag);
}

test switchTo {
    const main = try root();
    const child = try create(&entryEcho, 100, .none, 0);
    try testing.expectEqual(@as(u32, 0), try flags(child) & Flag.started);
    const first = try switchTo(child, 5);
    try testing.expectEqual(Message{ .tag = .value, .value = 105 }, first);
    try testing.expectEqual(Flag.started | Flag.active, try flags(child));
    try testing.expectEqual(main, try current());
    const last = try switchTo(child, 7);
    try testing.expectEqual(Message{ .tag = .value, .value = 7 }, last);
    try testing.expectEqual(Flag.started | Flag.dead, try flags(child));
    try destroy(child);
    try testing.expectError(error.InvalidHandle, flags(child));
}

test "switch to self returns the message" {
    const main = try root();
    try testing.expectEqual(Message{ .tag = .value, .value = 9 }, try switchTo(main, 9));
    try testing.expectEqual(Message{ .tag = .kill, .value = 3 }, try throwTo(main, .kill, 3));
    try testing.expectError(error.InvalidArgument, throwTo(main, .value, 0));
}

test "kill: suspended greenlet sees the kill as a status" {
    const child = try create(&entryEcho, 0, .none, 0);
    _ = try switchTo(child, 1);
    // entryEcho returns the kill tag: it obeyed, the parent gets a value.
    const reply = try throwTo(child, .kill, 77);
    try testing.expectEqual(Message{ .tag = .value, .value = 77 }, reply);
    try testing.expect(try flags(child) & Flag.dead != 0);
    try destroy(child);
}

test "throw: an uncaught throw reaches the parent as a throw" {
    const child = try create(&entryEcho, 0, .none, 0);
    _ = try switchTo(child, 1);
    const reply = try throwTo(child, .throw, 55);
    try testing.expectEqual(Message{ .tag = .throw, .value = 55 }, reply);
    try destroy(child);
}

test "kill or throw into a pending greenlet: it dies unstarted" {
    const killed = try create(&entryEcho, 0, .none, 0);
    try testing.expectEqual(Message{ .tag = .value, .value = 4 }, try throwTo(killed, .kill, 4));
    try testing.expectEqual(Flag.started | Flag.dead, try flags(killed));
    const thrown = try create(&entryEcho, 0, .none, 0);
    try testing.expectEqual(Message{ .tag = .throw, .value = 6 }, try throwTo(thrown, .throw, 6));
    try destroy(killed);
    try destroy(thrown);
}

fn entryIgnoreKill(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    const main = root() catch unreachable;
    var message = switchTo(main, value) catch unreachable;
    var ignored: usize = 0;
    // Ignores the first kill by switching away again; obeys the second.
    while (ignored < 2) : (ignored += 1) {
        if (message.tag == .kill and ignored == 1) break;
        message = switchTo(main, 1000 + message.value) catch unreachable;
    }
    result.* = message.value;
    return @backingInt(message.tag);
}

test "kill ignored: the greenlet stays alive and the killer gets its value" {
    const child = try create(&entryIgnoreKill, 0, .none, 0);
    _ = try switchTo(child, 1);
    const first = try throwTo(child, .kill, 5);
    try testing.expectEqual(Message{ .tag = .value, .value = 1005 }, first);
    try testing.expectEqual(Flag.started | Flag.active, try flags(child));
    try testing.expectError(error.Alive, destroy(child));
    const second = try throwTo(child, .kill, 6);
    try testing.expectEqual(Message{ .tag = .value, .value = 6 }, second);
    try testing.expect(try flags(child) & Flag.dead != 0);
    try destroy(child);
}

fn entryReturnArg(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    result.* = arg * 1000 + value;
    return @backingInt(Tag.value);
}

test "finished greenlet's result goes to its parent, not its resumer" {
    const main = try root();
    const outer = try create(&entryEcho, 0, .none, 0);
    const inner = try create(&entryReturnArg, 3, outer, 0);
    try testing.expectEqual(outer, try parent(inner));
    _ = try switchTo(outer, 0); // outer is suspended in its switch to main
    // inner finishes; its result resumes outer, whose entryEcho then returns
    // the value to main.
    const reply = try switchTo(inner, 2);
    try testing.expectEqual(Message{ .tag = .value, .value = 3002 }, reply);
    try testing.expect(try flags(outer) & Flag.dead != 0);
    // Switching to a dead greenlet goes to the nearest live ancestor: main.
    try testing.expectEqual(Message{ .tag = .value, .value = 8 }, try switchTo(inner, 8));
    // A kill sent to a dead greenlet becomes a value (GreenletExit rule).
    try testing.expectEqual(Message{ .tag = .value, .value = 9 }, try throwTo(inner, .kill, 9));
    try testing.expectEqual(main, try current());
    try destroy(inner);
    try destroy(outer);
}

test setParent {
    const main = try root();
    const a = try create(&entryEcho, 0, .none, 0);
    const b = try create(&entryReturnArg, 0, a, 0);
    try testing.expectError(error.CyclicParent, setParent(a, a));
    try testing.expectError(error.CyclicParent, setParent(a, b));
    try testing.expectError(error.RootHasNoParent, setParent(main, a));
    try setParent(b, main);
    try testing.expectEqual(main, try parent(b));
    try testing.expectEqual(Handle.none, try parent(main));
    // Destroying a parent first keeps its slot until the child lets go.
    try setParent(b, a);
    try destroy(a);
    try testing.expectError(error.InvalidHandle, parent(a));
    try testing.expectEqual(Message{ .tag = .value, .value = 7 }, try switchTo(b, 7));
    try destroy(b);
}

test "create refuses bad sizes and parents" {
    try testing.expectError(error.InvalidStackSize, create(&entryEcho, 0, .none, Stack.max_usable_bytes + 1));
    try testing.expectError(error.InvalidHandle, create(&entryEcho, 0, .{ .slot = 12345, .generation = handles.first_generation }, 0));
}

const RegisterProbe = struct {
    target: Handle,
    out: [context.abi.checked_register_count]u64 = undefined,
};

fn probeSwitch(ctx: usize) callconv(.c) void {
    const probe: *RegisterProbe = @ptrFromInt(ctx);
    _ = switchTo(probe.target, 0) catch unreachable;
}

fn entryClobber(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = value;
    // Fills every callee-saved register with other patterns, switches back
    // to the root, and checks its own patterns when resumed.
    var probe: RegisterProbe = .{ .target = root() catch unreachable };
    context.fillRegistersAndCall(&probeSwitch, @intFromPtr(&probe), arg, &probe.out);
    var mismatches: usize = 0;
    for (probe.out, 0..) |register, i| {
        if (register != arg + i) mismatches += 1;
    }
    result.* = mismatches;
    return @backingInt(Tag.value);
}

test "register preservation across switches" {
    const seed_root: u64 = 0x5a5a_0000_1111_0000;
    const seed_child: u64 = 0xa5a5_0000_2222_0000;
    const child = try create(&entryClobber, seed_child, .none, 0);
    var probe: RegisterProbe = .{ .target = child };
    context.fillRegistersAndCall(&probeSwitch, @intFromPtr(&probe), seed_root, &probe.out);
    for (probe.out, 0..) |register, i| try testing.expectEqual(seed_root + i, register);
    // The child is suspended inside its own fill; resume it to check its side.
    const reply = try switchTo(child, 0);
    try testing.expectEqual(Message{ .tag = .value, .value = 0 }, reply);
    try destroy(child);
}

fn entryFpControl(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    _ = value;
    const main = root() catch unreachable;
    const inherited = context.fpRoundingMode(); // the creator's, installed on entry
    context.fpRoundingModeSet(3); // toward zero: thread state, the root will see it
    _ = switchTo(main, inherited) catch unreachable;
    result.* = context.fpRoundingMode(); // whatever the root left in the thread
    return @backingInt(Tag.value);
}

test "FP control state: thread state, a new greenlet starts with its creator's" {
    const saved = context.fpRoundingMode();
    defer context.fpRoundingModeSet(saved);
    context.fpRoundingModeSet(2); // up, snapshotted by create
    const child = try create(&entryFpControl, 0, .none, 0);
    context.fpRoundingModeSet(0); // the thread moves on to nearest
    const inherited = try switchTo(child, 0);
    try testing.expectEqual(@as(usize, 2), inherited.value);
    // Switches do not save or restore it: the child's change is visible here.
    try testing.expectEqual(@as(u2, 3), context.fpRoundingMode());
    context.fpRoundingModeSet(1);
    const final = try switchTo(child, 0);
    try testing.expectEqual(@as(usize, 1), final.value);
    try testing.expectEqual(@as(u2, 1), context.fpRoundingMode());
    try destroy(child);
}

fn recurse(depth: usize, main: Handle) usize {
    var buffer: [256]u8 = undefined;
    @memset(&buffer, @truncate(depth));
    std.mem.doNotOptimizeAway(&buffer);
    if (depth == 0) {
        // O(1) switch from the bottom of a deep stack.
        const reply = switchTo(main, 1) catch unreachable;
        return reply.value;
    }
    return recurse(depth - 1, main) + buffer[depth % buffer.len] - @as(u8, @truncate(depth));
}

fn entryDeep(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = value;
    result.* = recurse(arg, root() catch unreachable);
    return @backingInt(Tag.value);
}

test "deep recursion on a greenlet stack" {
    const depth = 1500; // ~400 KiB of frames in ReleaseSafe, more in Debug
    const child = try create(&entryDeep, depth, .none, 4 * 1024 * 1024);
    try testing.expectEqual(Message{ .tag = .value, .value = 1 }, try switchTo(child, 0));
    try testing.expectEqual(Message{ .tag = .value, .value = 42 }, try switchTo(child, 42));
    try destroy(child);
}

test "10k live greenlets, pooled stacks reused" {
    const count = 10_000;
    const greenlets = try testing.allocator.alloc(Handle, count);
    defer testing.allocator.free(greenlets);
    const live_before = stack_pool.stat(.greenlets_live);
    for (greenlets, 0..) |*handle, i| {
        handle.* = try create(&entryEcho, i, .none, 0);
        const reply = try switchTo(handle.*, 1);
        try testing.expectEqual(i + 1, reply.value);
    }
    try testing.expectEqual(live_before + count, stack_pool.stat(.greenlets_live));
    try testing.expect(stack_pool.stat(.stacks_in_use) >= count);
    for (greenlets, 0..) |handle, i| {
        try testing.expectEqual(Message{ .tag = .value, .value = i }, try throwTo(handle, .kill, i));
        try destroy(handle);
    }
    try testing.expectEqual(live_before, stack_pool.stat(.greenlets_live));
    try testing.expect(stack_pool.stat(.stacks_pooled) > 0);
    // A new default-size greenlet reuses a pooled stack.
    const reused = stack_pool.stat(.stacks_reused);
    const created = stack_pool.stat(.stacks_created);
    const again = try create(&entryEcho, 0, .none, 0);
    try testing.expectEqual(reused + 1, stack_pool.stat(.stacks_reused));
    try testing.expectEqual(created, stack_pool.stat(.stacks_created));
    try destroy(again);
}

fn bigFrame(seed: u8) u8 {
    // A frame larger than a page: Windows code probes it page by page.
    var buffer: [64 * 1024]u8 = undefined;
    @memset(&buffer, seed);
    std.mem.doNotOptimizeAway(&buffer);
    return buffer[buffer.len - 1];
}

fn entryStackLimits(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    _ = value;
    const self = lookup(current() catch unreachable) catch unreachable;
    const stack = self.stack.?;
    const limits = context.abi.threadStackLimits();
    var ok: usize = 1;
    if (limits.low != stack.base) ok = 0;
    if (limits.high != stack.top()) ok = 0;
    if (bigFrame(7) != 7) ok = 0;
    result.* = ok;
    return @backingInt(Tag.value);
}

test "windows: the TEB describes the running greenlet's stack" {
    if (builtin.os.tag != .windows) return error.SkipZigTest;
    const before = context.abi.threadStackLimits();
    const child = try create(&entryStackLimits, 0, .none, 0);
    try testing.expectEqual(Message{ .tag = .value, .value = 1 }, try switchTo(child, 0));
    const after = context.abi.threadStackLimits();
    try testing.expectEqual(before.low, after.low);
    try testing.expectEqual(before.high, after.high);
    try destroy(child);
}

fn recurseForever(depth: usize) usize {
    var buffer: [512]u8 = undefined;
    @memset(&buffer, @truncate(depth));
    std.mem.doNotOptimizeAway(&buffer);
    return recurseForever(depth + 1) + buffer[depth % buffer.len];
}

fn entryOverflow(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = value;
    result.* = recurseForever(arg);
    return @backingInt(Tag.value);
}

test "stack overflow hits the guard (forked child dies by SIGSEGV or SIGBUS)" {
    // Accepted outcomes: Linux SIGSEGV (SIGBUS tolerated); macOS SIGBUS or
    // SIGSEGV. Windows has no fork: the outcome there is
    // STATUS_ACCESS_VIOLATION (0xC0000005) or STATUS_STACK_OVERFLOW
    // (0xC00000FD), not run by this test.
    if (builtin.os.tag != .linux) return error.SkipZigTest;
    const linux = std.os.linux;
    const pid_rc = linux.fork();
    try testing.expect(linux.errno(pid_rc) == .SUCCESS);
    if (pid_rc == 0) {
        // Child: default signal actions so the fault is not reported as a
        // panic by the test runner's handler, then overflow a small stack.
        const default_action: linux.Sigaction = .{
            .handler = .{ .handler = linux.SIG.DFL },
            .mask = linux.sigemptyset(),
            .flags = 0,
        };
        _ = linux.sigaction(.SEGV, &default_action, null);
        _ = linux.sigaction(.BUS, &default_action, null);
        const child = create(&entryOverflow, 0, .none, Stack.granule_bytes) catch linux.exit_group(2);
        _ = switchTo(child, 0) catch linux.exit_group(3);
        linux.exit_group(4); // the overflow did not fault
    }
    const raw = try @import("forked_child.zig").waitStatus(@intCast(pid_rc));
    const signal = raw & 0x7f;
    try testing.expect(signal != 0); // killed by a signal, not an exit code
    try testing.expect(signal == @backingInt(linux.SIG.SEGV) or signal == @backingInt(linux.SIG.BUS));
}
