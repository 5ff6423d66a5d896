//! Register assignment shared by the ABIs whose integer and float
//! arguments take the next free register of their own class (SysV x86_64,
//! AAPCS64, RISC-V LP64D).

const Type = @import("mod.zig").Type;

pub const Place = struct { float: bool, index: usize };

pub fn Independent(comptime int_count: usize, comptime float_count: usize) type {
    return struct {
        pub fn fits(args: []const Type) bool {
            var ints: usize = 0;
            var floats: usize = 0;
            for (args) |t| {
                if (t.isFloat()) floats += 1 else ints += 1;
            }
            return ints <= int_count and floats <= float_count;
        }

        pub fn place(t: Type, position: usize, ints: *usize, floats: *usize) Place {
            _ = position;
            if (t.isFloat()) {
                floats.* += 1;
                return .{ .float = true, .index = floats.* - 1 };
            }
            ints.* += 1;
            return .{ .float = false, .index = ints.* - 1 };
        }
    };
}

/// Same call for 8 + 8 registers (AAPCS64, LP64D).
pub fn call8(function: usize, registers: anytype, float_result: bool) u64 {
    const IntFn = *const fn (u64, u64, u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) callconv(.c) u64;
    const FloatFn = *const fn (u64, u64, u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) callconv(.c) f64;
    const i = registers.ints;
    const f: [8]f64 = @bitCast(registers.floats);
    if (float_result) {
        const typed: FloatFn = @ptrFromInt(function);
        return @bitCast(typed(i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]));
    }
    const typed: IntFn = @ptrFromInt(function);
    return typed(i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
}
