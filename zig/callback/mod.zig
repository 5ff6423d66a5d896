//! Callbacks answered by the root of the calling thread's tree (the JS side).
//!
//! A table of `slot_count` slots; each slot has its own code address, a
//! trampoline generated at comptime (capture_<abi>.zig) that stores the
//! argument registers and calls `dispatch(slot, registers)`. Dispatch:
//!
//!   - another thread than the slot's owner (the registering thread): returns
//!     the slot's fallback and counts a misuse (`misuses`), never switches;
//!   - the owner's root stack (not in a greenlet): calls the slot's main-stack
//!     handler with the same arguments (the host's own callback, e.g. a Deno
//!     `UnsafeCallback` pointer), or returns the fallback and counts a misuse
//!     when there is none;
//!   - a greenlet of the owner thread: builds a `Record` on this stack,
//!     publishes its address in the thread's `pending` word and switches to
//!     the root with the record's address as the value. The root answers by
//!     switching back: a value is the result's bits; a throw or kill aborts
//!     the callback, which returns the fallback, and (for a call greenlet)
//!     makes every later callback of that greenlet return the fallback at
//!     once and the greenlet finish with that throw or kill.
//!
//! See docs/native_bridge.md for the protocol the host follows.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const greenlet = @import("../greenlet.zig");
const call = @import("../call/mod.zig");
const Handle = greenlet.Handle;

pub const capture = switch (builtin.cpu.arch) {
    .x86_64 => switch (builtin.os.tag) {
        .windows => @import("capture_win64.zig"),
        else => @import("capture_sysv.zig"),
    },
    .aarch64 => @import("capture_aapcs64.zig"),
    .riscv64 => @import("capture_lp64d.zig"),
    else => @compileError("no callback capture for " ++ @tagName(builtin.cpu.arch)),
};

/// Number of callback slots (process-wide).
pub const slot_count = 64;

/// What a callback on a greenlet hands to the root (152 bytes), alive on
/// the greenlet's stack until the root answers.
pub const Record = extern struct {
    slot: u32,
    arg_count: u32,
    /// The greenlet the callback runs on.
    greenlet: Handle,
    /// Canonical argument values, signature order (`call.canonical`).
    args: [call.max_args]u64,
};

comptime {
    assert(@sizeOf(Record) == 144);
    assert(@sizeOf(call.Registers) == 128);
}

const Slot = struct {
    /// The owner's thread number (`greenlet.threadNumber`, unique among
    /// live trees; its slots are freed with its tree); 0 = free,
    /// `claiming` = being set up.
    owner: std.atomic.Value(u32) = .init(0),
    signature: call.Signature = .{ .result = .void, .arg_count = 0 },
    /// `call.sources(&signature)`.
    sources: call.Sources = @splat(0),
    fallback: u64 = 0,
    main_handler: usize = 0,
};

var slots: [slot_count]Slot = @splat(.{});
/// Callbacks refused without switching: from another thread, on a main
/// stack without a handler, or through a released slot.
pub var misuses: std.atomic.Value(u64) = .init(0);

const claiming = std.math.maxInt(u32);

/// The calling thread's pending word, which the host reads without a call
/// (its address is fixed for the thread's life): the address of the
/// `Record` that the switch which just reached the root carries, 0 if that
/// switch is no callback. The host clears it after reading. It lives in the
/// core's thread state, so that dispatch needs one thread-local lookup.
pub fn pendingWord() *usize {
    return greenlet.callbackPending();
}

const Trampoline = *const fn () callconv(.naked) void;

fn trampoline(comptime index: u32) type {
    return struct {
        fn entry() callconv(.naked) void {
            asm volatile (capture.code(index));
        }
    };
}

/// The trampolines, one per slot.
const trampolines: [slot_count]Trampoline = blk: {
    var table: [slot_count]Trampoline = undefined;
    for (&table, 0..) |*entry, i| entry.* = &trampoline(i).entry;
    break :blk table;
};

/// The code address of slot `index`, the pointer C code calls.
pub fn address(index: u32) usize {
    assert(index < slot_count);
    return @intFromPtr(trampolines[index]);
}

comptime {
    const names = @import("_symbol.zig");
    @export(&dispatch, .{ .name = names.dispatch_symbol, .visibility = .hidden });
    @export(&begin, .{ .name = names.begin_symbol, .visibility = .hidden });
    @export(&finish, .{ .name = names.finish_symbol, .visibility = .hidden });
}

pub const Error = error{ InvalidArgument, OutOfMemory, WrongThread };

/// Takes a free slot for the calling thread; returns its index.
pub fn register(signature: *const call.Signature, fallback: u64, main_handler: usize) (Error || greenlet.Error)!u32 {
    try signature.validate();
    const thread_number = try greenlet.threadNumber(); // the tree a callback switches in
    assert(thread_number != 0 and thread_number != claiming);
    greenlet.tree_freed_listener.store(&releaseThread, .release);
    for (&slots, 0..) |*slot, index| {
        // Claimed with a number no thread has while its fields are written.
        if (slot.owner.cmpxchgStrong(0, claiming, .acquire, .monotonic) != null) continue;
        slot.signature = signature.*;
        slot.sources = call.sources(signature);
        slot.fallback = fallback;
        slot.main_handler = main_handler;
        slot.owner.store(thread_number, .release);
        return @intCast(index);
    }
    return error.OutOfMemory;
}

/// Frees a slot of the calling thread. Calls already suspended in it go on
/// with what they read before switching; later calls count as misuses.
pub fn release(index: u32) Error!void {
    if (index >= slot_count) return error.InvalidArgument;
    const owner = slots[index].owner.load(.acquire);
    if (owner == 0 or owner == claiming) return error.InvalidArgument;
    // A thread without a tree has number 0, which owns no slot.
    if (owner != greenlet.threadView().number) return error.WrongThread;
    slots[index].owner.store(0, .release);
}

/// Frees every slot the calling thread owns: run when its tree is freed (the
/// thread exits, or calls `greenlet_thread_exit`), so a thread that never
/// released its callbacks does not keep slots from the others.
fn releaseThread(thread_number: u32) void {
    assert(thread_number != 0);
    for (&slots) |*slot| _ = slot.owner.cmpxchgStrong(thread_number, 0, .acq_rel, .monotonic);
}

/// How many slots are free now (for tests).
pub fn freeSlots() u32 {
    var count: u32 = 0;
    for (&slots) |*slot| count += @intFromBool(slot.owner.load(.acquire) == 0);
    return count;
}

fn refuse(result: call.Type, fallback: u64) u64 {
    _ = misuses.fetchAdd(1, .monotonic);
    return call.toRegister(result, fallback);
}

/// What a callback on a greenlet keeps on its own stack while the root
/// answers: the record the root reads, and what `finish` needs after the
/// switch back (read before it: the slot may be released and taken again
/// meanwhile). On x86_64 Linux it sits in the trampoline's frame, above
/// the registers (capture_sysv.zig `fused_code`).
pub const Wait = extern struct {
    record: Record,
    /// The root's reply, written by the switch that resumes the callback
    /// (`greenlet.Tag` as u32, and the value).
    reply_tag: u32,
    /// The slot's result type (`call.Type` as u32).
    result: u32,
    reply_value: u64,
    fallback: u64,
    /// The call greenlet's frame, 0 for a `greenlet_entry` body.
    frame: usize,
};

comptime {
    assert(@sizeOf(Wait) == 176);
    assert((@sizeOf(call.Registers) + @sizeOf(Wait)) % 16 == 0);
}

/// `begin`'s answer, in two registers: `root` 0 means "answered without a
/// switch", the result is `bits` (register form); otherwise `root` is the
/// handle (`Handle.bits`) of the root to switch to with `&wait.record`,
/// whose address is in the thread's pending word already.
pub const Begin = extern struct { root: u64, bits: u64 };

/// The first half of a callback, before any switch: every refusal and the
/// main-stack handler answer here; on a greenlet it fills `wait` and the
/// pending word and names the root to switch to.
fn begin(index: u32, registers: *const call.Registers, wait: *Wait) callconv(.c) Begin {
    assert(index < slot_count);
    const slot = &slots[index];
    const owner = slot.owner.load(.acquire);
    if (owner == 0 or owner == claiming) return .{ .root = 0, .bits = refuse(.void, 0) };
    // Only the owner thread (this one, once checked) releases the slot, so
    // it stays as it is until the switch; what is used after the switch is
    // copied into `wait` before it.
    const result = slot.signature.result;
    const fallback = slot.fallback;
    // One thread-local lookup; a thread without a tree has number 0.
    const thread = greenlet.threadView();
    if (owner != thread.number) return .{ .root = 0, .bits = refuse(result, fallback) };
    // The owner's number is not 0: the thread has a tree.
    const root = thread.root.?.handle;
    const current = thread.current.?;
    const self = current.handle;
    if (self.eql(root)) {
        if (slot.main_handler == 0) return .{ .root = 0, .bits = refuse(result, fallback) };
        const signature = slot.signature;
        const args = call.unpack(&signature, registers);
        return .{ .root = 0, .bits = call.toRegister(result, call.invoke(slot.main_handler, &signature, &args)) };
    }
    const frame = call.frameOfGreenlet(current);
    if (frame) |f| if (f.abort_tag != 0) return .{ .root = 0, .bits = call.toRegister(result, fallback) };
    wait.record.slot = index;
    wait.record.arg_count = slot.signature.arg_count;
    wait.record.greenlet = self;
    call.unpackInto(&slot.signature, &slot.sources, registers, &wait.record.args);
    wait.result = @backingInt(result);
    wait.fallback = fallback;
    wait.frame = @intFromPtr(frame);
    thread.pending.* = @intFromPtr(&wait.record);
    assert(root.slot != 0);
    return .{ .root = root.bits(), .bits = 0 };
}

/// The second half, after the root switched back: `status` is the switch's
/// (0: the reply is in `wait`). Returns the result's register form.
fn finish(status: c_int, wait: *const Wait) callconv(.c) u64 {
    // The root is live and suspended in a switch, so the switch to it
    // cannot fail.
    assert(status == 0);
    const result: call.Type = @fromBackingInt(@as(u8, @intCast(wait.result)));
    const tag: greenlet.Tag = @fromBackingInt(wait.reply_tag);
    switch (tag) {
        .value => return call.toRegister(result, wait.reply_value),
        .throw, .kill => {
            const frame: ?*call.Frame = @ptrFromInt(wait.frame);
            if (frame) |f| if (f.abort_tag == 0) {
                f.abort_tag = wait.reply_tag;
                f.abort_value = wait.reply_value;
            };
            return call.toRegister(result, wait.fallback);
        },
    }
}

/// Called by the trampolines of the ABIs whose switch is not fused (all but
/// x86_64 Linux, whose trampolines call `begin`, switch and call `finish`
/// themselves) with the slot and the argument registers; returns the
/// result bits, which the trampoline puts in both the integer and the float
/// result register.
fn dispatch(index: u32, registers: *const call.Registers) callconv(.c) u64 {
    var wait: Wait = undefined;
    const started = begin(index, registers, &wait);
    if (started.root == 0) return started.bits;
    const root = Handle.fromBits(started.root);
    // The root is live and suspended in a switch, so this cannot fail.
    const reply = greenlet.switchTo(root, @intFromPtr(&wait.record)) catch unreachable;
    wait.reply_tag = @backingInt(reply.tag);
    wait.reply_value = reply.value;
    return finish(0, &wait);
}

test {
    _ = @import("callback_test.zig");
}
