//! Calls of real C functions (zig/call/test_functions.c) by signature,
//! on the current stack and on call greenlets.

const std = @import("std");
const testing = std.testing;
const call = @import("mod.zig");
const greenlet = @import("../greenlet.zig");

extern fn bridge_mix4(a: c_int, b: f64, c: i64, d: f32) f64;
extern fn bridge_scale(x: f32, n: c_int) f32;
extern fn bridge_negate(x: i8) i8;
extern fn bridge_high_bit(x: u32) u32;
extern fn bridge_many14(a0: i64, f0: f64, a1: i64, f1: f64, a2: i64, f2: f32, a3: i64, f3: f64, a4: i64, f4: f64, a5: i64, f5: f64, f6: f64, f7: f64) f64;
extern fn bridge_many16(a0: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64, a6: i64, a7: i64, f0: f64, f1: f64, f2: f64, f3: f64, f4: f64, f5: f64, f6: f64, f7: f32) i64;
extern fn bridge_store(out: *i64, value: i64) void;

pub fn signature(result: call.Type, args: []const call.Type) call.Signature {
    var out: call.Signature = .{ .result = result, .arg_count = @intCast(args.len) };
    @memcpy(out.args[0..args.len], args);
    return out;
}

pub fn f64Bits(value: f64) u64 {
    return @bitCast(value);
}

pub fn f32Bits(value: f32) u64 {
    return @as(u32, @bitCast(value));
}

fn slots(values: []const u64) [call.max_args]u64 {
    var out: [call.max_args]u64 = @splat(0);
    @memcpy(out[0..values.len], values);
    return out;
}

fn invoke(function: anytype, sig: call.Signature, values: []const u64) !u64 {
    try sig.validate();
    const args = slots(values);
    return call.invoke(@intFromPtr(function), &sig, &args);
}

test "invoke: int, f64, i64 and f32 in four positions (every ABI)" {
    const sig = signature(.f64, &.{ .i32, .f64, .i64, .f32 });
    const bits = try invoke(&bridge_mix4, sig, &.{ @bitCast(@as(i64, -3)), f64Bits(1.5), 10, f32Bits(0.25) });
    try testing.expectEqual(@as(f64, 31.0), @as(f64, @bitCast(bits)));
}

test "invoke: f32 result, narrow signed and unsigned values" {
    const scaled = try invoke(&bridge_scale, signature(.f32, &.{ .f32, .i32 }), &.{ f32Bits(1.25), 4 });
    try testing.expectEqual(f32Bits(5.0), scaled);
    // Extended by type both ways: -(-5) = 5, and i8 -7 reads back sign-extended.
    try testing.expectEqual(@as(u64, 5), try invoke(&bridge_negate, signature(.i8, &.{.i8}), &.{@bitCast(@as(i64, -5))}));
    try testing.expectEqual(@as(u64, @bitCast(@as(i64, -7))), try invoke(&bridge_negate, signature(.i8, &.{.i8}), &.{7}));
    // A u32 with its high bit set comes back zero-extended (LP64D passes it sign-extended).
    try testing.expectEqual(@as(u64, 0x8000_0005), try invoke(&bridge_high_bit, signature(.u32, &.{.u32}), &.{5}));
    var out: i64 = 0;
    try testing.expectEqual(@as(u64, 0), try invoke(&bridge_store, signature(.void, &.{ .pointer, .i64 }), &.{ @intFromPtr(&out), @bitCast(@as(i64, -42)) }));
    try testing.expectEqual(@as(i64, -42), out);
}

test "invoke: every argument register of this ABI" {
    if (call.abi.positional) {
        // Win64: four positions, nothing more.
        const five = signature(.i64, &.{ .i64, .i64, .i64, .i64, .i64 });
        try testing.expectError(error.InvalidArgument, five.validate());
        return;
    }
    const sig14 = signature(.f64, &.{ .i64, .f64, .i64, .f64, .i64, .f32, .i64, .f64, .i64, .f64, .i64, .f64, .f64, .f64 });
    const values14 = [_]u64{ 1, f64Bits(0.5), 2, f64Bits(1.5), 3, f32Bits(2.5), 4, f64Bits(3.5), 5, f64Bits(4.5), 6, f64Bits(5.5), f64Bits(6.5), f64Bits(7.5) };
    const expected14 = bridge_many14(1, 0.5, 2, 1.5, 3, 2.5, 4, 3.5, 5, 4.5, 6, 5.5, 6.5, 7.5);
    try testing.expectEqual(expected14, @as(f64, @bitCast(try invoke(&bridge_many14, sig14, &values14))));
    const seven_ints = signature(.i64, &@as([call.abi.int_registers + 1]call.Type, @splat(.i64)));
    try testing.expectError(error.InvalidArgument, seven_ints.validate());
    const nine_floats = signature(.f64, &@as([9]call.Type, @splat(.f64)));
    try testing.expectError(error.InvalidArgument, nine_floats.validate());
    if (call.abi.int_registers < 8) return;
    const sig16 = signature(.i64, &.{ .i64, .i64, .i64, .i64, .i64, .i64, .i64, .i64, .f64, .f64, .f64, .f64, .f64, .f64, .f64, .f32 });
    const values16 = [_]u64{ 1, 2, 3, 4, 5, 6, 7, @bitCast(@as(i64, -8)), f64Bits(1), f64Bits(2), f64Bits(3), f64Bits(4), f64Bits(5), f64Bits(6), f64Bits(7), f32Bits(8) };
    const expected16 = bridge_many16(1, 2, 3, 4, 5, 6, 7, -8, 1, 2, 3, 4, 5, 6, 7, 8);
    try testing.expectEqual(expected16, @as(i64, @bitCast(try invoke(&bridge_many16, sig16, &values16))));
}

test "validate refuses unknown types, void arguments and reserved bytes" {
    var sig = signature(.i32, &.{.i32});
    try sig.validate();
    const bytes: *[@sizeOf(call.Signature)]u8 = @ptrCast(&sig);
    bytes[8] = 200; // args[0]
    try testing.expectError(error.InvalidArgument, sig.validate());
    bytes[8] = 0; // void
    try testing.expectError(error.InvalidArgument, sig.validate());
    bytes[8] = @backingInt(call.Type.i32);
    bytes[2] = 1; // reserved
    try testing.expectError(error.InvalidArgument, sig.validate());
    bytes[2] = 0;
    bytes[1] = call.max_args + 1; // arg_count
    try testing.expectError(error.InvalidArgument, sig.validate());
}

test "call greenlet: runs on its own stack, the result finishes to the parent" {
    var frame: call.Frame = .{
        .function = @intFromPtr(&bridge_mix4),
        .signature = signature(.f64, &.{ .i32, .f64, .i64, .f32 }),
        .args = slots(&.{ 1, f64Bits(2.0), 3, f32Bits(4.0) }),
    };
    const child = try call.createGreenlet(&frame, .none, 0);
    try testing.expectEqual(&frame, call.frameOf(child).?);
    try testing.expectEqual(@as(?*call.Frame, null), call.frameOf(try greenlet.root()));
    const reply = try greenlet.switchTo(child, 0);
    try testing.expectEqual(greenlet.Tag.value, reply.tag);
    try testing.expectEqual(@as(f64, 1 + 4 + 9 + 16), @as(f64, @bitCast(reply.value)));
    try testing.expect(try greenlet.flags(child) & greenlet.Flag.dead != 0);
    try greenlet.destroy(child);
    frame.function = 0;
    try testing.expectError(error.InvalidArgument, call.createGreenlet(&frame, .none, 0));
}
