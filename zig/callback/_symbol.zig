//! The assembler names of the functions the trampolines call.

const builtin = @import("builtin");

pub const dispatch_symbol = "greenlet_callback_dispatch";
pub const begin_symbol = "greenlet_callback_begin";
pub const finish_symbol = "greenlet_callback_finish";
pub const assembler_name = assembler(dispatch_symbol);

pub fn assembler(comptime symbol: []const u8) []const u8 {
    return if (builtin.os.tag.isDarwin()) "_" ++ symbol else symbol;
}
