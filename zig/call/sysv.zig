//! System V x86_64: 6 integer registers (rdi, rsi, rdx, rcx, r8, r9) and 8
//! SSE registers (xmm0-7), assigned independently in argument order.

const common = @import("_register_abi.zig");

pub const int_registers = 6;
pub const float_registers = 8;
pub const positional = false;
pub const sign_extends_u32 = false;

pub const fits = common.Independent(int_registers, float_registers).fits;
pub const place = common.Independent(int_registers, float_registers).place;

const IntFn = *const fn (u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) callconv(.c) u64;
const FloatFn = *const fn (u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) callconv(.c) f64;

pub fn call(function: usize, signature: anytype, registers: anytype, float_result: bool) u64 {
    _ = signature;
    const i = registers.ints;
    const f: [8]f64 = @bitCast(registers.floats);
    if (float_result) {
        const typed: FloatFn = @ptrFromInt(function);
        return @bitCast(typed(i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]));
    }
    const typed: IntFn = @ptrFromInt(function);
    return typed(i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
}
