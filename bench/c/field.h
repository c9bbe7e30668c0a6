/*
 * What the C references share: the field p = 2^61 - 1, its reductions, the fill stream and the checksum that
 * org.safetynets.bench.FieldFill writes identically, and the clock. Included by field_matmul_ref.c and
 * layer_kernels.c (compile either from this directory: gcc -O3 -march=native -o ref FILE.c).
 */
#ifndef SAFETYNETS_BENCH_FIELD_H
#define SAFETYNETS_BENCH_FIELD_H

#include <inttypes.h>
#include <time.h>

typedef unsigned __int128 u128;

#define P ((UINT64_C(1) << 61) - 1)
#define SEED UINT64_C(0x5AFE7E75)
#define CHECKSUM_BASE UINT64_C(1000003)

/* Canonical form of any 64-bit value: x = hi*2^61 + lo = hi + lo (mod p), hi < 8, so one subtraction. */
static inline uint64_t reduce64(uint64_t x) {
    uint64_t r = (x & P) + (x >> 61);
    return r >= P ? r - P : r;
}

/* Canonical form of any 128-bit value: x = x2*2^122 + x1*2^61 + x0 = x2 + x1 + x0 (mod p). */
static inline uint64_t reduce128(u128 x) {
    uint64_t x0 = (uint64_t) x & P;
    uint64_t x1 = (uint64_t) (x >> 61) & P;
    uint64_t x2 = (uint64_t) (x >> 122);
    return reduce64(x0 + x1 + x2); /* < 3 * 2^61 < 2^64 */
}

/* splitmix64: the fill rule shared with FieldFill.java; seed splitmix_state (with SEED) before the first draw. */
static uint64_t splitmix_state;

static uint64_t splitmix_next(void) {
    splitmix_state += UINT64_C(0x9E3779B97F4A7C15);
    uint64_t z = splitmix_state;
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The polynomial hash h = h * CHECKSUM_BASE + y[i] (mod p) over canonical entries, as FieldFill computes it. */
static uint64_t checksum(const uint64_t *y, long n) {
    uint64_t h = 0;
    for (long i = 0; i < n; i++) h = reduce64((uint64_t) (((u128) h * CHECKSUM_BASE) % P) + y[i]);
    return h;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

#endif
