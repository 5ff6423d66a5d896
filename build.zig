//! Builds the native greenlet library (zig/) for the host or any target,
//! its tests, the C example and the six release libraries.
//!
//!   zig build                      host shared library (ReleaseSafe) in zig-out/lib
//!   zig build test [-Dtarget=..]   unit tests (add -fqemu / -fwine for foreign targets)
//!   zig build all                  six libraries in zig-out/lib/<os>-<arch>/
//!   zig build example              C example against include/greenlet.h, run
//!   zig build test-thread-exit     glibc threads exiting with greenlets left (C)
//!   zig build header-check         header signatures vs. the Zig exports
//!   zig build test-bin             installs the unit-test binary (zig-out/bin)
//!   zig build test-entries         the FFI tests' native entries (zig-out/test)
//!   zig build bench-bin            the native benchmark binary (zig-out/bin)
//!   zig build unwind-test          C stack walks inside greenlets (LLVM libunwind), run

const std = @import("std");

comptime {
    const required = std.SemanticVersion{ .major = 0, .minor = 17, .patch = 0 };
    if (@import("builtin").zig_version.order(required) == .lt) {
        @compileError("this build.zig needs Zig 0.17.0 or newer");
    }
}

const release_targets = [_]struct { dir: []const u8, query: std.Target.Query }{
    .{ .dir = "linux-x86_64", .query = .{ .cpu_arch = .x86_64, .os_tag = .linux } },
    .{ .dir = "linux-aarch64", .query = .{ .cpu_arch = .aarch64, .os_tag = .linux } },
    .{ .dir = "linux-riscv64", .query = .{ .cpu_arch = .riscv64, .os_tag = .linux } },
    .{ .dir = "darwin-x86_64", .query = .{ .cpu_arch = .x86_64, .os_tag = .macos } },
    .{ .dir = "darwin-aarch64", .query = .{ .cpu_arch = .aarch64, .os_tag = .macos } },
    .{ .dir = "windows-x86_64", .query = .{ .cpu_arch = .x86_64, .os_tag = .windows, .abi = .gnu } },
};

/// Set once by `build` from -Dfirst-generation.
var first_generation: u32 = 1;

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    // ReleaseSafe unless told otherwise: safety checks stay on in the library.
    const optimize = b.option(
        std.builtin.OptimizeMode,
        "optimize",
        "Optimization mode (default ReleaseSafe)",
    ) orelse .safe;

    // -Dfirst-generation=4294967294 starts every handle slot next to the
    // generation wrap (zig/handles.zig), for a test run across it.
    first_generation = b.option(u32, "first-generation", "Generation of a handle slot's first handle (default 1)") orelse 1;

    const lib = addGreenletLibrary(b, target, optimize);
    b.installArtifact(lib);

    // Unit tests (inline in zig/*.zig).
    const tests = b.addTest(.{
        .name = "greenlet-test",
        .root_module = greenletModule(b, target, optimize),
        .use_llvm = true,
    });
    // C functions the native bridge tests call through the real C ABI.
    tests.root_module.addCSourceFile(.{ .file = b.path("zig/call/test_functions.c"), .flags = &.{ "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror" } });
    const run_tests = b.addRunArtifact(tests);
    // Always run: the check script reads the pass counts from every run.
    run_tests.has_side_effects = true;
    const test_step = b.step("test", "Run the unit tests");
    test_step.dependOn(&run_tests.step);

    const test_bin_step = b.step("test-bin", "Install the unit-test binary into zig-out/bin");
    test_bin_step.dependOn(&b.addInstallArtifact(tests, .{}).step);

    // Header check: the translated header's signatures vs. the exports.
    const header = b.addTranslateC(.{
        .root_source_file = b.path("include/greenlet.h"),
        .target = target,
        .optimize = optimize,
    });
    const header_module = b.createModule(.{
        .root_source_file = b.path("zig/header_test.zig"),
        .target = target,
        .optimize = optimize,
    });
    header_module.addImport("greenlet_h", header.createModule());
    header_module.addImport("greenlet", greenletModule(b, target, optimize));
    const header_tests = b.addTest(.{ .name = "header-test", .root_module = header_module, .use_llvm = true });
    const header_step = b.step("header-check", "Compare include/greenlet.h with the exports");
    const run_header_tests = b.addRunArtifact(header_tests);
    run_header_tests.has_side_effects = true;
    header_step.dependOn(&run_header_tests.step);

    // C example built against the header and linked to the shared library.
    const example_module = b.createModule(.{ .target = target, .optimize = optimize, .link_libc = true });
    example_module.addCSourceFile(.{ .file = b.path("examples/c/example.c"), .flags = &.{ "-std=c11", "-Wall", "-Wextra", "-Werror" } });
    example_module.addIncludePath(b.path("include"));
    example_module.linkLibrary(lib);
    const example = b.addExecutable(.{ .name = "greenlet-example", .root_module = example_module });
    const run_example = b.addRunArtifact(example);
    run_example.expectStdOutEqual("example: ok\n");
    run_example.has_side_effects = true;
    const example_step = b.step("example", "Build and run the C example");
    example_step.dependOn(&run_example.step);

    // Native greenlet bodies for the FFI tests (tests/fixtures/entries.zig).
    const entries = b.addLibrary(.{
        .name = "greenlet_test_entries",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("tests/fixtures/entries.zig"),
            .target = target,
            .optimize = optimize,
        }),
        .use_llvm = true,
    });
    entries.root_module.linkLibrary(lib);
    // The loader finds the library the test already opened (same soname); the
    // run path covers a process that opens the entries first.
    entries.root_module.addRPathSpecial("$ORIGIN/../lib");
    const entries_step = b.step("test-entries", "Build the FFI tests' native entries into zig-out/test");
    entries_step.dependOn(&b.addInstallArtifact(entries, .{ .dest_dir = .{ .override = .{ .custom = "test" } } }).step);
    entries_step.dependOn(&b.addInstallArtifact(lib, .{}).step);

    // Thread exit through glibc's hook: a C program whose threads exit
    // without greenlet_thread_exit (tests/native/thread_exit.c).
    const thread_exit_module = b.createModule(.{ .target = target, .optimize = optimize, .link_libc = true });
    thread_exit_module.addCSourceFile(.{ .file = b.path("tests/native/thread_exit.c"), .flags = &.{ "-std=c11", "-Wall", "-Wextra", "-Werror" } });
    thread_exit_module.addIncludePath(b.path("include"));
    thread_exit_module.linkLibrary(lib);
    const thread_exit = b.addExecutable(.{ .name = "greenlet-thread-exit", .root_module = thread_exit_module });
    const run_thread_exit = b.addRunArtifact(thread_exit);
    run_thread_exit.expectStdOutEqual("thread_exit: ok\n");
    run_thread_exit.has_side_effects = true;
    const thread_exit_step = b.step("test-thread-exit", "Threads exiting without greenlet_thread_exit (glibc)");
    thread_exit_step.dependOn(&run_thread_exit.step);

    // Stack walks inside greenlets (tests/native/unwind_test.c; the C++ half
    // and GCC's unwinder: _tools/unwind_gcc.sh).
    const unwind_run = addUnwindTest(b, target, optimize);
    const unwind_step = b.step("unwind-test", "Build and run the C stack walks inside greenlets (LLVM libunwind)");
    unwind_step.dependOn(&unwind_run.step);
    const unwind_bin_step = b.step("unwind-test-bin", "Install the unwinding test binary into zig-out/bin (for gdb)");
    unwind_bin_step.dependOn(&b.addInstallArtifact(unwind_run.producer.?, .{}).step);

    // Native benchmark (needs Debian libboost-context-dev; informational).
    const raw_module = b.createModule(.{
        .root_source_file = b.path("bench/native/raw.zig"),
        .target = target,
        .optimize = optimize,
    });
    raw_module.addImport("context", b.createModule(.{
        .root_source_file = b.path("zig/context.zig"),
        .target = target,
        .optimize = optimize,
    }));
    const raw_lib = b.addLibrary(.{ .name = "bench_raw", .linkage = .static, .root_module = raw_module, .use_llvm = true });
    const bench_module = b.createModule(.{ .target = target, .optimize = optimize, .link_libc = true });
    bench_module.addCSourceFile(.{ .file = b.path("bench/native/bench.c"), .flags = &.{ "-std=c11", "-O2", "-Wall", "-Wextra" } });
    bench_module.addIncludePath(b.path("include"));
    bench_module.linkLibrary(lib);
    bench_module.linkLibrary(raw_lib);
    bench_module.linkSystemLibrary("boost_context", .{});
    const bench = b.addExecutable(.{ .name = "greenlet-bench", .root_module = bench_module });
    const run_bench = b.addRunArtifact(bench);
    run_bench.has_side_effects = true;
    const bench_step = b.step("bench", "Build and run the native switch benchmark");
    bench_step.dependOn(&run_bench.step);
    const bench_bin_step = b.step("bench-bin", "Install the native benchmark binary into zig-out/bin (for cachegrind)");
    bench_bin_step.dependOn(&b.addInstallArtifact(bench, .{}).step);

    // All release libraries.
    const all_step = b.step("all", "Build the six release libraries into zig-out/lib/<os>-<arch>/");
    for (release_targets) |release| {
        const release_lib = addGreenletLibrary(b, b.resolveTargetQuery(release.query), optimize);
        const install = b.addInstallArtifact(release_lib, .{
            .dest_dir = .{ .override = .{ .custom = b.pathJoin(&.{ "lib", release.dir }) } },
            .implib_dir = .disabled,
            .pdb_dir = .disabled,
        });
        all_step.dependOn(&install.step);
    }
}

fn greenletModule(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Module {
    const options = b.addOptions();
    options.addOption(u32, "first_generation", first_generation);
    const module = b.createModule(.{
        .root_source_file = b.path("zig/root.zig"),
        .target = target,
        .optimize = optimize,
        // macOS has no stable syscall ABI: mmap and friends come from libSystem.
        .link_libc = target.result.os.tag.isDarwin(),
        // x86_64 Linux: the switch path reads TLS through a descriptor call
        // in inline asm (zig/greenlet.zig, threadState), which must not
        // land in a red zone.
        .red_zone = if (target.result.cpu.arch == .x86_64 and target.result.os.tag == .linux) false else null,
    });
    module.addOptions("options", options);
    return module;
}

fn addGreenletLibrary(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Step.Compile {
    return b.addLibrary(.{
        .name = "greenlet",
        .linkage = .dynamic,
        .root_module = greenletModule(b, target, optimize),
        .use_llvm = true,
    });
}

/// The unwinding test program's C stack walks (tests/native/unwind_test.c
/// without its C++ half), written against include/greenlet.h, linked with
/// LLVM's libunwind (the unwinder of macOS) and no libc++, and its run. The
/// whole program, C++ exceptions included, is built with GCC on each target
/// by _tools/unwind_gcc.sh: building libc++ per target here cost minutes on
/// every cold cache. On musl the library is linked statically, so the test
/// binary is one static executable that qemu-user runs without a sysroot.
fn addUnwindTest(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Step.Run {
    const module = b.createModule(.{
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .omit_frame_pointer = false,
    });
    // Zig links its own LLVM libunwind for -lunwind (no pkg-config lookup).
    module.linkSystemLibrary("unwind", .{ .use_pkg_config = .no });
    const flags = [_][]const u8{ "-std=gnu11", "-DUNWIND_TEST_NO_CXX", "-Wall", "-Wextra", "-Werror", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls", "-funwind-tables" };
    module.addCSourceFile(.{ .file = b.path("tests/native/unwind_test.c"), .flags = &flags });
    module.addIncludePath(b.path("include"));
    const library = if (target.result.abi.isMusl())
        b.addLibrary(.{ .name = "greenlet", .linkage = .static, .root_module = greenletModule(b, target, optimize), .use_llvm = true })
    else
        addGreenletLibrary(b, target, optimize);
    module.linkLibrary(library);
    const exe = b.addExecutable(.{ .name = "greenlet-unwind-test", .root_module = module });
    const run = b.addRunArtifact(exe);
    run.expectStdOutEqual(if (target.result.os.tag == .windows) "unwind: ok\r\n" else "unwind: ok\n");
    run.expectExitCode(0);
    run.has_side_effects = true;
    return run;
}
