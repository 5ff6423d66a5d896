//! Runs a function when the calling OS thread exits, through the one hook
//! each platform offers without linking libc into the library:
//!   - Linux with glibc: `__cxa_thread_atexit_impl` (what C++ `thread_local`
//!     destructors use), referenced weakly, so it is found when the host
//!     process has glibc loaded (Deno, Bun, any glibc program) and is absent
//!     otherwise (musl, static binaries without libc);
//!   - macOS: a pthread key with a destructor (libSystem is linked anyway);
//!   - Windows: a fiber-local storage slot with a callback (kernel32), run
//!     when the thread exits.
//! Where none exists, `register` returns false and the thread has to call
//! `greenlet_thread_exit` itself before it exits.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

/// Called on the exiting thread, with the pointer given to `register`.
pub const Hook = *const fn (context: ?*anyopaque) callconv(.c) void;

/// Arranges for `hook(context)` to run when the calling thread exits.
/// Returns false where the platform has no hook. Call once per thread.
pub fn register(hook: Hook, context: *anyopaque) bool {
    return switch (builtin.os.tag) {
        .linux => linux.register(hook, context),
        .macos, .ios, .tvos, .watchos, .visionos => darwin.register(hook, context),
        .windows => windows.register(hook, context),
        else => false,
    };
}

/// Whether `register` can succeed in this process.
pub fn available() bool {
    return switch (builtin.os.tag) {
        .linux => linux.impl() != null,
        .macos, .ios, .tvos, .watchos, .visionos, .windows => true,
        else => false,
    };
}

const linux = struct {
    const AtExitFn = *const fn (hook: Hook, context: ?*anyopaque, dso_symbol: ?*const anyopaque) callconv(.c) c_int;

    /// Any address inside this library: glibc keeps the library loaded
    /// while a registered hook is pending.
    var dso_anchor: u8 = 0;

    fn impl() ?AtExitFn {
        // Weak: resolved by the dynamic linker if a glibc is loaded, null otherwise.
        const symbol = @extern(?AtExitFn, .{ .name = "__cxa_thread_atexit_impl", .linkage = .weak });
        return symbol;
    }

    fn register(hook: Hook, context: *anyopaque) bool {
        const function = impl() orelse return false;
        return function(hook, context, &dso_anchor) == 0;
    }
};

const darwin = struct {
    const Key = c_ulong;
    extern "c" fn pthread_key_create(key: *Key, destructor: ?Hook) c_int;
    extern "c" fn pthread_setspecific(key: Key, value: ?*const anyopaque) c_int;

    var key: Key = 0;
    /// 0 = no key yet, 1 = being created, 2 = `key` is valid.
    var key_state: std.atomic.Value(u32) = .init(0);
    var key_hook: ?Hook = null;

    fn register(hook: Hook, context: *anyopaque) bool {
        while (key_state.load(.acquire) != 2) {
            if (key_state.cmpxchgWeak(0, 1, .acquire, .monotonic) == null) {
                if (pthread_key_create(&key, hook) != 0) {
                    key_state.store(0, .release);
                    return false;
                }
                key_hook = hook;
                key_state.store(2, .release);
            } else {
                std.atomic.spinLoopHint();
            }
        }
        assert(key_hook == hook); // one hook per process
        return pthread_setspecific(key, context) == 0;
    }
};

const windows = struct {
    const DWORD = u32;
    const BOOL = c_int;
    const FlsCallback = *const fn (context: ?*anyopaque) callconv(.winapi) void;
    extern "kernel32" fn FlsAlloc(callback: ?FlsCallback) callconv(.winapi) DWORD;
    extern "kernel32" fn FlsFree(index: DWORD) callconv(.winapi) BOOL;
    extern "kernel32" fn FlsSetValue(index: DWORD, value: ?*anyopaque) callconv(.winapi) BOOL;

    const out_of_indexes: DWORD = 0xffff_ffff;
    var index: std.atomic.Value(DWORD) = .init(out_of_indexes);
    var the_hook: ?Hook = null;

    fn callback(context: ?*anyopaque) callconv(.winapi) void {
        // Set before the index is published; runs on the exiting thread.
        the_hook.?(context);
    }

    fn register(hook: Hook, context: *anyopaque) bool {
        assert(the_hook == null or the_hook == hook); // one hook per process
        the_hook = hook;
        var slot = index.load(.acquire);
        if (slot == out_of_indexes) {
            const fresh = FlsAlloc(&callback);
            if (fresh == out_of_indexes) return false;
            if (index.cmpxchgStrong(out_of_indexes, fresh, .acq_rel, .acquire)) |winner| {
                _ = FlsFree(fresh); // another thread allocated first
                slot = winner;
            } else {
                slot = fresh;
            }
        }
        return FlsSetValue(slot, context) != 0;
    }
};
