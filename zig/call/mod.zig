//! Calling a C function by signature on a greenlet stack.
//!
//! A signature (`Signature`) lists up to `max_args` argument types and one
//! result type; an argument is one u64 slot in signature order (integers and
//! pointers as their bits, f64 as its bits, f32 as the low 32 bits). Only
//! register-passed arguments are supported, per ABI (`abi.int_registers`,
//! `abi.float_registers`; Win64 has 4 positions shared by both classes), and
//! no variadic functions. See docs/native_bridge.md.
//!
//! `createGreenlet` makes a greenlet whose body calls `frame.function` with
//! `frame.args`; its result bits finish to the parent as a value. The frame
//! belongs to the caller and must stay valid until the greenlet is dead.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const greenlet = @import("../greenlet.zig");

/// The register assignment and the typed call of the target's C ABI.
pub const abi = switch (builtin.cpu.arch) {
    .x86_64 => switch (builtin.os.tag) {
        .windows => @import("win64.zig"),
        else => @import("sysv.zig"),
    },
    .aarch64 => @import("aapcs64.zig"),
    .riscv64 => @import("lp64d.zig"),
    else => @compileError("no C call support for " ++ @tagName(builtin.cpu.arch)),
};

/// Largest argument count of any signature (the slot arrays' length).
pub const max_args = 16;

/// Argument and result types, in Deno FFI's spelling (`buffer`, `function`
/// and `pointer` are all a pointer-sized integer here; `void` only as a result).
pub const Type = enum(u8) {
    void = 0,
    bool = 1,
    u8 = 2,
    i8 = 3,
    u16 = 4,
    i16 = 5,
    u32 = 6,
    i32 = 7,
    u64 = 8,
    i64 = 9,
    usize = 10,
    isize = 11,
    f32 = 12,
    f64 = 13,
    pointer = 14,
    buffer = 15,
    function = 16,

    pub fn isFloat(t: Type) bool {
        return t == .f32 or t == .f64;
    }
};

/// 24 bytes, filled by the host: `reserved` must be zero.
pub const Signature = extern struct {
    result: Type,
    arg_count: u8,
    reserved: [6]u8 = @splat(0),
    args: [max_args]Type = @splat(.void),

    /// Checks the types and that every argument fits in a register.
    pub fn validate(signature: *const Signature) error{InvalidArgument}!void {
        for (signature.reserved) |byte| if (byte != 0) return error.InvalidArgument;
        if (signature.arg_count > max_args) return error.InvalidArgument;
        _ = std.enums.fromInt(Type, @backingInt(signature.result)) orelse return error.InvalidArgument;
        for (signature.args[0..signature.arg_count]) |arg| {
            const t = std.enums.fromInt(Type, @backingInt(arg)) orelse return error.InvalidArgument;
            if (t == .void) return error.InvalidArgument;
        }
        if (!abi.fits(signature.args[0..signature.arg_count])) return error.InvalidArgument;
    }
};

/// The argument registers of a call, as the capture trampolines store them
/// (only the first `abi.int_registers` / `abi.float_registers` are used).
pub const Registers = extern struct {
    ints: [8]u64 = @splat(0),
    floats: [8]u64 = @splat(0),
};

/// A call descriptor owned by the caller (176 bytes, 8-aligned).
pub const Frame = extern struct {
    function: usize,
    signature: Signature,
    args: [max_args]u64,
    /// Set by the library when a callback of this greenlet is aborted (a
    /// throw or kill reply): `greenlet.Tag` as u32, 0 = none; the greenlet
    /// then finishes with that tag and `abort_value` instead of the result.
    abort_tag: u32 = 0,
    reserved: u32 = 0,
    abort_value: u64 = 0,
};

comptime {
    assert(@sizeOf(Signature) == 24);
    assert(@sizeOf(Frame) == 176);
    assert(@sizeOf(usize) == 8); // every supported target is 64-bit
    assert(abi.int_registers <= 8 and abi.float_registers <= 8);
    assert(abi.int_registers + abi.float_registers <= max_args or abi.positional);
}

/// The value as the host reads it: integers extended to 64 bits by their
/// type (unsigned zero-, signed sign-extended), f32 as its 32 bits.
pub fn canonical(t: Type, bits: u64) u64 {
    return switch (t) {
        .void => 0,
        .bool => @intFromBool(bits & 0xff != 0),
        .u8 => bits & 0xff,
        .i8 => @bitCast(@as(i64, @as(i8, @truncate(@as(i64, @bitCast(bits)))))),
        .u16 => bits & 0xffff,
        .i16 => @bitCast(@as(i64, @as(i16, @truncate(@as(i64, @bitCast(bits)))))),
        .u32, .f32 => bits & 0xffff_ffff,
        .i32 => @bitCast(@as(i64, @as(i32, @truncate(@as(i64, @bitCast(bits)))))),
        .u64, .i64, .usize, .isize, .f64, .pointer, .buffer, .function => bits,
    };
}

/// The value as the ABI wants it in a register: `canonical`, except that
/// LP64D sign-extends u32 and NaN-boxes f32 (harmless elsewhere: the upper
/// half of an f32 register is ignored).
pub fn toRegister(t: Type, bits: u64) u64 {
    const value = canonical(t, bits);
    return switch (t) {
        .f32 => value | 0xffff_ffff_0000_0000,
        .u32 => if (abi.sign_extends_u32) @bitCast(@as(i64, @as(i32, @bitCast(@as(u32, @truncate(value)))))) else value,
        else => value,
    };
}

/// Argument slots (signature order) into registers.
pub fn pack(signature: *const Signature, args: *const [max_args]u64) Registers {
    var registers: Registers = .{};
    var ints: usize = 0;
    var floats: usize = 0;
    for (signature.args[0..signature.arg_count], 0..) |t, i| {
        const place = abi.place(t, i, &ints, &floats);
        const value = toRegister(t, args[i]);
        if (place.float) registers.floats[place.index] = value else registers.ints[place.index] = value;
    }
    return registers;
}

/// Captured registers into argument slots (signature order), canonical;
/// the slots past `arg_count` are 0.
pub fn unpack(signature: *const Signature, registers: *const Registers) [max_args]u64 {
    var args: [max_args]u64 = undefined;
    const places = sources(signature);
    unpackInto(signature, &places, registers, &args);
    return args;
}

/// Where each argument of a signature is in a `Registers` read as 16 u64
/// (the ints, then the floats): `abi.place`, computed once per callback
/// slot so that each call only copies and extends.
pub const Sources = [max_args]u8;

pub fn sources(signature: *const Signature) Sources {
    var result: Sources = @splat(0);
    var ints: usize = 0;
    var floats: usize = 0;
    for (signature.args[0..signature.arg_count], 0..) |t, i| {
        const place = abi.place(t, i, &ints, &floats);
        assert(place.index < 8);
        result[i] = @intCast(if (place.float) 8 + place.index else place.index);
    }
    return result;
}

/// `unpack` into `args` in place with the signature's `sources` (the
/// callback dispatch fills its record without a copy of the array).
pub inline fn unpackInto(signature: *const Signature, places: *const Sources, registers: *const Registers, args: *[max_args]u64) void {
    comptime assert(@sizeOf(Registers) == 16 * 8 and @offsetOf(Registers, "floats") == 8 * 8);
    const flat: *const [16]u64 = @ptrCast(registers);
    // Zeroed whole (a fixed-size store, no `memset` call for the tail).
    args.* = @splat(0);
    const count = signature.arg_count;
    assert(count <= max_args);
    for (signature.args[0..count], places[0..count], args[0..count]) |t, place, *arg| {
        arg.* = canonical(t, flat[place & 15]);
    }
}

/// Calls `function` on the current stack; returns the canonical result bits.
pub fn invoke(function: usize, signature: *const Signature, args: *const [max_args]u64) u64 {
    assert(function != 0);
    const registers = pack(signature, args);
    const float_result = signature.result.isFloat();
    const raw = abi.call(function, signature, &registers, float_result);
    return canonical(signature.result, raw);
}

/// The body of a call greenlet (`arg` = its `Frame`); the first switch
/// value is ignored.
pub fn entry(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = value;
    const frame: *Frame = @ptrFromInt(arg);
    const bits = invoke(frame.function, &frame.signature, &frame.args);
    const tag: greenlet.Tag = std.enums.fromInt(greenlet.Tag, frame.abort_tag) orelse .throw;
    result.* = if (tag == .value) bits else frame.abort_value;
    return @backingInt(tag);
}

/// Creates a pending greenlet that calls `frame.function` when first switched to.
pub fn createGreenlet(frame: *Frame, parent: greenlet.Handle, stack_bytes: usize) greenlet.Error!greenlet.Handle {
    if (frame.function == 0) return error.InvalidArgument;
    try frame.signature.validate();
    frame.abort_tag = 0;
    frame.abort_value = 0;
    return greenlet.create(&entry, @intFromPtr(frame), parent, stack_bytes);
}

/// The call frame of `handle` if it is a call greenlet of this thread.
pub fn frameOf(handle: greenlet.Handle) ?*Frame {
    return frameOfGreenlet(greenlet.lookup(handle) catch return null);
}

/// `frameOf` for a greenlet at hand (the calling thread's).
pub fn frameOfGreenlet(g: *const greenlet.Greenlet) ?*Frame {
    if (g.entry != &entry) return null;
    return @ptrFromInt(g.arg);
}

test {
    _ = @import("call_test.zig");
}
