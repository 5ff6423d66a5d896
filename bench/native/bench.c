/* Native switch benchmark: raw library switch, full greenlet_switch, Boost.Context
 * jump_fcontext and glibc swapcontext, as round trips (two switches each), plus
 * resident memory per suspended greenlet. Informational only. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "greenlet.h"

typedef void *fcontext_t;
typedef struct {
    fcontext_t fctx;
    void *data;
} transfer_t;
extern transfer_t jump_fcontext(fcontext_t const to, void *vp);
extern fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

int bench_raw_setup(void);
uint64_t bench_raw_run(uint64_t iterations);

#define ITERATIONS 1000000u
#define RUNS 21
#define MEMORY_GREENLETS 10000u

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uintptr_t sink;

/* --- raw library switch --- */
static double run_raw(void) {
    uint64_t start = now_ns();
    sink = bench_raw_run(ITERATIONS);
    return (double)(now_ns() - start) / ITERATIONS;
}

/* --- full greenlet_switch --- */
static greenlet_handle bench_root, bench_child;

static uint32_t echo_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    const greenlet_handle root = *(const greenlet_handle *)arg;
    uint32_t kind = GREENLET_KIND_VALUE;
    uintptr_t v = value;
    for (;;) {
        if (greenlet_switch(root.slot, root.generation, v + 1, &kind, &v) != GREENLET_OK) abort();
        if (kind != GREENLET_KIND_VALUE) {
            *result = v;
            return kind;
        }
    }
}

static double run_full(void) {
    uint32_t kind = 0;
    uintptr_t v = 0;
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < ITERATIONS; i++)
        greenlet_switch(bench_child.slot, bench_child.generation, v, &kind, &v);
    double ns = (double)(now_ns() - start) / ITERATIONS;
    sink = v;
    return ns;
}

/* --- Boost.Context fcontext --- */
static transfer_t fc_transfer;

static void fc_entry(transfer_t t) {
    for (;;) t = jump_fcontext(t.fctx, (void *)((uintptr_t)t.data + 1));
}

static double run_fcontext(void) {
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < ITERATIONS; i++) fc_transfer = jump_fcontext(fc_transfer.fctx, fc_transfer.data);
    double ns = (double)(now_ns() - start) / ITERATIONS;
    sink = (uintptr_t)fc_transfer.data;
    return ns;
}

/* --- glibc swapcontext --- */
static ucontext_t uc_main, uc_child;

static void uc_entry(void) {
    for (;;) swapcontext(&uc_child, &uc_main);
}

static double run_swapcontext(uint32_t iterations) {
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < iterations; i++) swapcontext(&uc_main, &uc_child);
    return (double)(now_ns() - start) / iterations;
}

static long resident_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *samples, int n) {
    qsort(samples, (size_t)n, sizeof(double), compare_double);
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

int main(int argc, char **argv) {
    /* `greenlet-bench full|raw|fcontext`: only that loop, for perf stat. */
    const char *only = argc > 1 ? argv[1] : NULL;
    if (bench_raw_setup() != 0) return 1;
    if (greenlet_root(&bench_root) != GREENLET_OK) return 1;
    if (greenlet_create(echo_entry, (uintptr_t)&bench_root, 0, 0, 0, &bench_child) != GREENLET_OK)
        return 1;

    size_t fc_size = 64 * 1024;
    char *fc_stack = malloc(fc_size);
    fc_transfer.fctx = make_fcontext(fc_stack + fc_size, fc_size, fc_entry);
    fc_transfer.data = 0;

    size_t uc_size = 64 * 1024;
    getcontext(&uc_child);
    uc_child.uc_stack.ss_sp = malloc(uc_size);
    uc_child.uc_stack.ss_size = uc_size;
    uc_child.uc_link = 0;
    makecontext(&uc_child, uc_entry, 0);

    if (only) {
        double best = 1e9;
        for (int round = 0; round < RUNS; round++) {
            double ns = only[0] == 'r' ? run_raw() : only[0] == 'f' && only[1] == 'u' ? run_full() : run_fcontext();
            if (ns < best) best = ns;
        }
        printf("%s: best %.2f ns\n", only, best);
        return 0;
    }

    /* Interleaved rounds (one warm-up round, then RUNS measured), best and
     * median per method: the machine may be shared. */
    static double raw_s[RUNS], full_s[RUNS], fc_s[RUNS];
    run_raw();
    run_full();
    run_fcontext();
    for (int round = 0; round < RUNS; round++) {
        raw_s[round] = run_raw();
        full_s[round] = run_full();
        fc_s[round] = run_fcontext();
    }
    double raw = raw_s[0], full = full_s[0], fcontext = fc_s[0];
    for (int round = 1; round < RUNS; round++) {
        if (raw_s[round] < raw) raw = raw_s[round];
        if (full_s[round] < full) full = full_s[round];
        if (fc_s[round] < fcontext) fcontext = fc_s[round];
    }
    double raw_med = median(raw_s, RUNS), full_med = median(full_s, RUNS), fc_med = median(fc_s, RUNS);
    double swapctx = 1e9;
    /* swapcontext makes a syscall per switch: measured apart so that it does
     * not disturb the other loops' branch predictors. */
    for (int round = 0; round < 3; round++) {
        double ns = run_swapcontext(ITERATIONS / 20);
        if (ns < swapctx) swapctx = ns;
    }

    /* Memory: 10k greenlets with the default stack, each started and suspended. */
    static greenlet_handle handles[MEMORY_GREENLETS];
    long before = resident_bytes();
    for (uint32_t i = 0; i < MEMORY_GREENLETS; i++) {
        uint32_t kind = 0;
        uintptr_t v = 0;
        if (greenlet_create(echo_entry, (uintptr_t)&bench_root, 0, 0, 0, &handles[i]) != GREENLET_OK)
            return 1;
        if (greenlet_switch(handles[i].slot, handles[i].generation, i, &kind, &v) != GREENLET_OK)
            return 1;
    }
    long after = resident_bytes();
    double per_greenlet = (double)(after - before) / MEMORY_GREENLETS;
    uint64_t stats[GREENLET_STAT_COUNT];
    uint32_t count = 0;
    greenlet_stats(stats, GREENLET_STAT_COUNT, &count);
    for (uint32_t i = 0; i < MEMORY_GREENLETS; i++) {
        greenlet_kill(handles[i].slot, handles[i].generation, 0, NULL, NULL);
        greenlet_destroy(handles[i].slot, handles[i].generation);
    }

    printf("| round trip (2 switches) | best ns | vs fcontext | median ns | vs fcontext |\n");
    printf("|---|---:|---:|---:|---:|\n");
    printf("| raw library switch | %.2f | %.2fx | %.2f | %.2fx |\n", raw, raw / fcontext, raw_med, raw_med / fc_med);
    printf("| full greenlet_switch | %.2f | %.2fx | %.2f | %.2fx |\n", full, full / fcontext, full_med,
           full_med / fc_med);
    printf("| Boost.Context jump_fcontext | %.2f | 1.00x | %.2f | 1.00x |\n", fcontext, fc_med);
    printf("| glibc swapcontext | %.2f | %.2fx | | |\n", swapctx, swapctx / fcontext);
    printf("(best and median of %d interleaved rounds of %u round trips; targets raw <= 1.0x, full <= 1.5x)\n",
           RUNS, ITERATIONS);
    printf("\nresident bytes per suspended greenlet (default %llu KiB stack, %u greenlets): %.0f "
           "(target <= 16384)\n",
           (unsigned long long)(stats[GREENLET_STAT_DEFAULT_STACK_BYTES] / 1024), MEMORY_GREENLETS,
           per_greenlet);
    printf("stacks in use %llu, reserved %llu MiB, guard %llu KiB\n",
           (unsigned long long)stats[GREENLET_STAT_STACKS_IN_USE],
           (unsigned long long)(stats[GREENLET_STAT_RESERVED_BYTES] >> 20),
           (unsigned long long)(stats[GREENLET_STAT_GUARD_BYTES] >> 10));
    return 0;
}
