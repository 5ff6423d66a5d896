//! Microsoft x64: 4 argument positions; position i is rcx/rdx/r8/r9 for an
//! integer or xmm0-3 for a float. One typed call per float mask (16) and
//! result class (2), generated at comptime.

const Type = @import("mod.zig").Type;
const Place = @import("_register_abi.zig").Place;

pub const int_registers = 4;
pub const float_registers = 4;
pub const positional = true;
pub const sign_extends_u32 = false;

pub fn fits(args: []const Type) bool {
    return args.len <= 4;
}

pub fn place(t: Type, position: usize, ints: *usize, floats: *usize) Place {
    _ = ints;
    _ = floats;
    return .{ .float = t.isFloat(), .index = position };
}

fn Param(comptime mask: u4, comptime position: u2) type {
    return if (mask & (@as(u4, 1) << position) != 0) f64 else u64;
}

fn arg(comptime mask: u4, comptime position: u2, registers: anytype) Param(mask, position) {
    if (Param(mask, position) == f64) return @bitCast(registers.floats[position]);
    return registers.ints[position];
}

fn callShape(comptime mask: u4, comptime R: type, function: usize, registers: anytype) u64 {
    const F = *const fn (Param(mask, 0), Param(mask, 1), Param(mask, 2), Param(mask, 3)) callconv(.c) R;
    const typed: F = @ptrFromInt(function);
    return @bitCast(typed(arg(mask, 0, registers), arg(mask, 1, registers), arg(mask, 2, registers), arg(mask, 3, registers)));
}

pub fn call(function: usize, signature: anytype, registers: anytype, float_result: bool) u64 {
    var mask: u4 = 0;
    for (signature.args[0..signature.arg_count], 0..) |t, i| {
        if (t.isFloat()) mask |= @as(u4, 1) << @intCast(i);
    }
    switch (mask) {
        inline else => |m| return if (float_result)
            callShape(m, f64, function, registers)
        else
            callShape(m, u64, function, registers),
    }
}
