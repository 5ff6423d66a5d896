//! Picks the context-switch file for the target ABI and gives the rest of
//! the library one arch-neutral interface: `swap`, `prepare`, FP control.
//! FP control state is thread state: `swap` leaves it alone and `prepare`
//! records the creator's, installed once by the first-entry trampoline.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
pub const Stack = @import("Stack.zig");

pub const abi = switch (builtin.cpu.arch) {
    .x86_64 => switch (builtin.os.tag) {
        .windows => @import("switch_x86_64_windows.zig"),
        else => @import("switch_x86_64_sysv.zig"),
    },
    .aarch64 => @import("switch_aarch64.zig"),
    .riscv64 => @import("switch_riscv64.zig"),
    else => @compileError("no context switch for " ++ @tagName(builtin.cpu.arch)),
};

/// Saves the current context into `from_sp.*`, resumes `to_sp`, and returns
/// the value passed by whoever later resumes `from_sp`.
pub const SwapFn = *const fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize;
pub const swap: SwapFn = if (fused) @ptrCast(&abi.switchContextJump) else @ptrCast(&abi.switchContext);

/// x86_64 Linux: the greenlet core switches through the fused
/// `abi.switchCore` (checks, hand-over and switch in one call that returns
/// with an indirect jump, see zig/switch_x86_64_sysv.zig); `swap` then ends
/// the same way. Elsewhere the core calls `swap`, which ends with `ret`.
pub const fused = builtin.cpu.arch == .x86_64 and builtin.os.tag == .linux;

/// `fn (slot, generation, value, out_tag, out_value, mode) callconv(.c) c_int`.
pub const FusedFn = *const fn (slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize, mode: u32) callconv(.c) c_int;
pub const fusedSwitch: FusedFn = if (fused) @ptrCast(&abi.switchCore) else undefined;
pub const FusedValueFn = *const fn (slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) callconv(.c) c_int;
pub const fusedSwitchValue: FusedValueFn = if (fused) @ptrCast(&abi.switchCoreValue) else undefined;

/// Entry run on a new stack with (arg, first switch value); never returns.
pub const StackEntryFn = *const fn (arg: usize, value: usize) callconv(.c) noreturn;

/// Test helper: fills every callee-saved register with seed+i, calls
/// `call(ctx)` and stores the registers afterwards into `out`.
pub const FillFn = *const fn (
    call: *const fn (ctx: usize) callconv(.c) void,
    ctx: usize,
    seed: u64,
    out: *[abi.checked_register_count]u64,
) callconv(.c) void;
pub const fillRegistersAndCall: FillFn = @ptrCast(&abi.fillRegistersAndCall);

pub const FpControl = abi.FpControl;
pub const fpControlCapture = abi.fpControlCapture;
pub const fpRoundingMode = abi.fpRoundingMode;
pub const fpRoundingModeSet = abi.fpRoundingModeSet;

/// Builds the first frame of `stack` so that the first switch to the returned
/// stack pointer installs `fp` and calls `entry(arg, value)`. Where `fused`,
/// the frame is the one the fused switch (and `swap`, which then ends the same
/// way) resumes.
pub fn prepare(stack: Stack, entry: StackEntryFn, arg: usize, fp: FpControl) usize {
    const top = stack.top();
    assert(top % 16 == 0);
    const frame: abi.InitialFrame = .{
        .top = top,
        .limit = stack.limit(),
        .base = stack.base,
        .entry = @intFromPtr(entry),
        .arg = arg,
        .fp = fp,
    };
    const sp = if (fused) abi.prepareFusedStack(frame) else abi.prepareStack(frame);
    assert(sp < top);
    assert(sp > stack.limit());
    return sp;
}
