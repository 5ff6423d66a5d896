//! Checks `include/greenlet.h` (translated by the build) against the Zig
//! exports: the same functions in both directions, the same signatures at
//! the ABI level (parameter count, integer widths and signedness, pointer
//! constness and pointee types, calling convention), and the same numbers
//! for every status, tag, flag and statistic index.

const std = @import("std");
const h = @import("greenlet_h");
const lib = @import("greenlet");

const api = lib.exports.api;

fn upper(comptime name: []const u8) []const u8 {
    comptime {
        @setEvalBranchQuota(10_000);
        var buffer: [name.len]u8 = undefined;
        for (name, 0..) |c, i| buffer[i] = std.ascii.toUpper(c);
        const final = buffer;
        return &final;
    }
}

fn unwrapOptional(comptime T: type) type {
    return switch (@typeInfo(T)) {
        .optional => |optional| optional.child,
        else => T,
    };
}

/// Whether two types are passed identically under the C ABI. C enums have an
/// implementation-defined underlying type, so only their size must agree.
fn abiEqual(comptime A: type, comptime B: type) bool {
    const a = unwrapOptional(A);
    const b = unwrapOptional(B);
    if (a == b) return true;
    const info_a = @typeInfo(a);
    const info_b = @typeInfo(b);
    if (info_a == .@"enum" or info_b == .@"enum") {
        const tag_a = if (info_a == .@"enum") info_a.@"enum".tag_type else a;
        const tag_b = if (info_b == .@"enum") info_b.@"enum".tag_type else b;
        return @bitSizeOf(tag_a) == @bitSizeOf(tag_b);
    }
    switch (info_a) {
        .int => |int_a| {
            if (info_b != .int) return false;
            return int_a.bits == info_b.int.bits and int_a.signedness == info_b.int.signedness;
        },
        .pointer => |pointer_a| {
            if (info_b != .pointer) return false;
            const pointer_b = info_b.pointer;
            if (pointer_a.attrs.@"const" != pointer_b.attrs.@"const") return false;
            return abiEqual(pointer_a.child, pointer_b.child);
        },
        .@"fn" => |fn_a| {
            if (info_b != .@"fn") return false;
            const fn_b = info_b.@"fn";
            if (fn_a.param_types.len != fn_b.param_types.len) return false;
            if (!std.meta.eql(fn_a.attrs.@"callconv", fn_b.attrs.@"callconv")) return false;
            for (fn_a.param_types, fn_b.param_types) |param_a, param_b| {
                if (!abiEqual(param_a.?, param_b.?)) return false;
            }
            return abiEqual(fn_a.return_type.?, fn_b.return_type.?);
        },
        .@"opaque" => return info_b == .@"opaque" or b == anyopaque,
        .array => |array_a| {
            if (info_b != .array) return false;
            return array_a.len == info_b.array.len and abiEqual(array_a.child, info_b.array.child);
        },
        .@"struct" => |struct_a| {
            if (info_b != .@"struct") return false;
            const struct_b = info_b.@"struct";
            if (struct_a.layout != .@"extern" or struct_b.layout != .@"extern") return false;
            if (struct_a.field_names.len != struct_b.field_names.len) return false;
            if (@sizeOf(a) != @sizeOf(b) or @alignOf(a) != @alignOf(b)) return false;
            for (struct_a.field_names, struct_b.field_names, struct_a.field_types, struct_b.field_types) |name_a, name_b, type_a, type_b| {
                if (!std.mem.eql(u8, name_a, name_b)) return false;
                if (@offsetOf(a, name_a) != @offsetOf(b, name_b)) return false;
                if (!abiEqual(type_a, type_b)) return false;
            }
            return true;
        },
        else => return false,
    }
}

test "header: every export is declared with the same signature" {
    @setEvalBranchQuota(100_000);
    inline for (comptime std.meta.declarations(api)) |name| {
        if (!@hasDecl(h, name)) {
            std.debug.print("missing in greenlet.h: {s}\n", .{name});
            return error.TestUnexpectedResult;
        }
        const exported = @TypeOf(@field(api, name));
        const declared = @TypeOf(@field(h, name));
        if (!comptime abiEqual(exported, declared)) {
            std.debug.print("signature differs: {s}\n  zig: {any}\n  C:   {any}\n", .{ name, exported, declared });
            return error.TestUnexpectedResult;
        }
    }
}

test "header: every declared function is exported" {
    @setEvalBranchQuota(1_000_000);
    inline for (comptime std.meta.declarations(h)) |name| {
        if (comptime std.mem.startsWith(u8, name, "greenlet_") and
            @typeInfo(@TypeOf(@field(h, name))) == .@"fn")
        {
            try std.testing.expect(@hasDecl(api, name));
        }
    }
}

test "header: constants match" {
    @setEvalBranchQuota(100_000);
    try std.testing.expectEqual(lib.exports.abi_version, h.GREENLET_ABI_VERSION);
    inline for (comptime std.meta.fieldNames(lib.exports.Status)) |name| {
        const value = @backingInt(@field(lib.exports.Status, name));
        try std.testing.expectEqual(value, @field(h, "GREENLET_" ++ upper(name)));
    }
    inline for (comptime std.meta.fieldNames(lib.greenlet.Tag)) |name| {
        const value = @backingInt(@field(lib.greenlet.Tag, name));
        try std.testing.expectEqual(value, @field(h, "GREENLET_TAG_" ++ upper(name)));
    }
    inline for (comptime std.meta.declarations(lib.greenlet.Flag)) |name| {
        try std.testing.expectEqual(@field(lib.greenlet.Flag, name), @field(h, "GREENLET_FLAG_" ++ upper(name)));
    }
    inline for (comptime std.meta.fieldNames(lib.stack_pool.Stat)) |name| {
        const value = @backingInt(@field(lib.stack_pool.Stat, name));
        try std.testing.expectEqual(value, @field(h, "GREENLET_STAT_" ++ upper(name)));
    }
    try std.testing.expectEqual(lib.stack_pool.stat_count, h.GREENLET_STAT_COUNT);
    try std.testing.expectEqual(lib.stack_pool.max_cap, h.GREENLET_POOL_MAX_CAP);
    try std.testing.expectEqual(lib.exports.send_realign, h.GREENLET_SEND_REALIGN);
    try std.testing.expect(comptime abiEqual(lib.greenlet.Handle, h.greenlet_handle));
    try std.testing.expect(comptime abiEqual(lib.exports.Message, h.greenlet_message));
    try std.testing.expect(comptime abiEqual(lib.greenlet.SwitchWords, h.greenlet_words));
    // Native bridge: type codes, limits, records.
    inline for (comptime std.meta.fieldNames(lib.call.Type)) |name| {
        const value = @backingInt(@field(lib.call.Type, name));
        try std.testing.expectEqual(value, @field(h, "GREENLET_TYPE_" ++ upper(name)));
    }
    try std.testing.expectEqual(lib.call.max_args, h.GREENLET_CALL_MAX_ARGS);
    try std.testing.expectEqual(lib.callback.slot_count, h.GREENLET_CALLBACK_SLOTS);
    try std.testing.expect(comptime abiEqual(lib.callback.Record, h.greenlet_callback_record));
}
