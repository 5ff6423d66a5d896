/* C functions for the native bridge tests (zig/call/call_test.zig,
 * zig/callback/callback_test.zig): compiled by the C compiler, so every call
 * goes through the platform's real C ABI. No headers: builds for any target
 * without a libc. */

typedef signed char i8;
typedef unsigned int u32;
typedef long long i64;

/* Four positions, every class: fits Win64 too. */
double bridge_mix4(int a, double b, i64 c, float d) { return a + 2.0 * b + 3.0 * (double)c + 4.0 * d; }

float bridge_scale(float x, int n) { return x * (float)n; }

i8 bridge_negate(i8 x) { return (i8)-x; }

u32 bridge_high_bit(u32 x) { return x | 0x80000000u; }

/* 6 integers and 8 floats interleaved: the SysV register limit. */
double bridge_many14(i64 a0, double f0, i64 a1, double f1, i64 a2, float f2, i64 a3, double f3,
                     i64 a4, double f4, i64 a5, double f5, double f6, double f7) {
    return (double)(a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5) + f0 + 2 * f1 + 3 * f2 +
           4 * f3 + 5 * f4 + 6 * f5 + 7 * f6 + 8 * f7;
}

/* 8 integers and 8 floats: the AAPCS64 and LP64D register limit. */
i64 bridge_many16(i64 a0, i64 a1, i64 a2, i64 a3, i64 a4, i64 a5, i64 a6, i64 a7, double f0,
                  double f1, double f2, double f3, double f4, double f5, double f6, float f7) {
    return a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5 + 7 * a6 + 8 * a7 +
           (i64)(f0 + 2 * f1 + 3 * f2 + 4 * f3 + 5 * f4 + 6 * f5 + 7 * f6 + 8 * f7);
}

void bridge_store(i64 *out, i64 value) { *out = value; }

typedef int (*bridge_compare)(const void *, const void *);

/* A small qsort (insertion sort) calling its comparator through a pointer. */
void bridge_sort_ints(int *items, unsigned long count, bridge_compare compare) {
    for (unsigned long i = 1; i < count; i++) {
        int item = items[i];
        unsigned long j = i;
        while (j > 0 && compare(&items[j - 1], &item) > 0) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = item;
    }
}

typedef double (*bridge_term)(int, double, float, i64);

/* Sums term(i, i / 2, i / 4, 1000 i) over i = 1..n: mixed-class callback arguments. */
double bridge_sum_terms(bridge_term term, int n) {
    double sum = 0;
    for (int i = 1; i <= n; i++) sum += term(i, i * 0.5, (float)i * 0.25f, 1000LL * i);
    return sum;
}

typedef float (*bridge_float_term)(float, u32);

/* f32 result and u32 argument through a callback. */
float bridge_float_callback(bridge_float_term term) { return term(1.5f, 0x80000001u) + 1.0f; }
