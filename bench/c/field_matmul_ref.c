/*
 * Plain C reference for the field matrix product over F_p, p = 2^61 - 1: the per-core figure the Java CPU
 * backend is compared with (see org.safetynets.bench.CoreBenchmark).
 *
 *   gcc -O3 -march=native -o field_matmul_ref field_matmul_ref.c
 *   ./field_matmul_ref m n k [threads=1] [repetitions=5]
 *
 * C = A * B mod p with A m x k and B k x n, row-major, filled from a fixed seed by the fill rule that
 * org.safetynets.bench.FieldFill writes identically (splitmix64, reduced mod p; A first, then B).
 * Prints one line:  c_int128 m n k seconds macs_per_second checksum
 * where seconds is the best of the repetitions and checksum the polynomial hash of C in row-major order
 * (h = h * CHECKSUM_BASE + c mod p), also shared with FieldFill. Exit status 1 if a spot check fails.
 *
 * Kernel: each dot product accumulates exact 122-bit products of canonical elements in an unsigned __int128.
 * Every product is below (p-1)^2 < 2^122, so 64 of them plus a canonical carry-in stay below 2^128:
 * the accumulator is reduced with the Mersenne identity 2^61 = 1 (mod p) after at most 64 terms, and the
 * canonical remainder seeds the next block. Single-threaded on purpose: it measures one core.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"

/* Products per 128-bit accumulator before it must be reduced: 64 * (p-1)^2 + p < 2^128. */
#define BLOCK 64
/* Dot products computed side by side, sharing the loads of a row of A. */
#define LANES 4

static inline uint64_t mul_slow(uint64_t a, uint64_t b) {
    return (uint64_t) (((u128) a * b) % P);
}

static uint64_t next_element(void) {
    return reduce64(splitmix_next());
}

/* c = a * b; bt is scratch of k*n elements for B transposed, so that each dot product reads two rows. */
static void matmul(const uint64_t *restrict a, const uint64_t *restrict b, uint64_t *restrict bt, uint64_t *restrict c,
                   long m, long n, long k) {
    for (long t = 0; t < k; t++)
        for (long j = 0; j < n; j++) bt[j * k + t] = b[t * n + j];
    for (long i = 0; i < m; i++) {
        const uint64_t *row = a + i * k;
        long j = 0;
        for (; j + LANES <= n; j += LANES) {
            const uint64_t *c0 = bt + (j + 0) * k, *c1 = bt + (j + 1) * k, *c2 = bt + (j + 2) * k, *c3 = bt + (j + 3) * k;
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0; /* canonical running sums */
            for (long t0 = 0; t0 < k; t0 += BLOCK) {
                long t1 = t0 + BLOCK < k ? t0 + BLOCK : k;
                u128 acc0 = s0, acc1 = s1, acc2 = s2, acc3 = s3;
                for (long t = t0; t < t1; t++) {
                    u128 x = row[t];
                    acc0 += x * c0[t];
                    acc1 += x * c1[t];
                    acc2 += x * c2[t];
                    acc3 += x * c3[t];
                }
                s0 = reduce128(acc0);
                s1 = reduce128(acc1);
                s2 = reduce128(acc2);
                s3 = reduce128(acc3);
            }
            c[i * n + j + 0] = s0;
            c[i * n + j + 1] = s1;
            c[i * n + j + 2] = s2;
            c[i * n + j + 3] = s3;
        }
        for (; j < n; j++) {
            const uint64_t *col = bt + j * k;
            uint64_t s = 0;
            for (long t0 = 0; t0 < k; t0 += BLOCK) {
                long t1 = t0 + BLOCK < k ? t0 + BLOCK : k;
                u128 acc = s;
                for (long t = t0; t < t1; t++) acc += (u128) row[t] * col[t];
                s = reduce128(acc);
            }
            c[i * n + j] = s;
        }
    }
}

/* One entry the obvious way: every product reduced with a 128-bit division, every sum reduced at once. */
static uint64_t entry_slow(const uint64_t *a, const uint64_t *b, long n, long k, long i, long j) {
    uint64_t s = 0;
    for (long t = 0; t < k; t++) {
        s += mul_slow(a[i * k + t], b[t * n + j]);
        if (s >= P) s -= P;
    }
    return s;
}

static long parse_positive(const char *text, const char *what) {
    char *end;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v <= 0 || v > (1L << 24)) {
        fprintf(stderr, "field_matmul_ref: %s must be a positive integer, got '%s'\n", what, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: %s m n k [threads=1] [repetitions=5]\n", argv[0]);
        return 2;
    }
    long m = parse_positive(argv[1], "m"), n = parse_positive(argv[2], "n"), k = parse_positive(argv[3], "k");
    long threads = argc > 4 ? parse_positive(argv[4], "threads") : 1;
    long repetitions = argc > 5 ? parse_positive(argv[5], "repetitions") : 5;
    if (threads != 1) {
        fprintf(stderr, "field_matmul_ref: single-threaded reference (a per-core figure); threads must be 1\n");
        return 2;
    }

    uint64_t *a = malloc(sizeof(uint64_t) * m * k), *b = malloc(sizeof(uint64_t) * k * n);
    uint64_t *bt = malloc(sizeof(uint64_t) * k * n), *c = malloc(sizeof(uint64_t) * m * n);
    if (!a || !b || !bt || !c) {
        fprintf(stderr, "field_matmul_ref: out of memory for %ld x %ld x %ld\n", m, n, k);
        return 2;
    }
    splitmix_state = SEED;
    for (long i = 0; i < m * k; i++) a[i] = next_element();
    for (long i = 0; i < k * n; i++) b[i] = next_element();

    double best = 1e300;
    for (long r = 0; r < repetitions + 1; r++) { /* the first run warms caches and pages and is not counted */
        double start = now_seconds();
        matmul(a, b, bt, c, m, n, k);
        double elapsed = now_seconds() - start;
        if (r > 0 && elapsed < best) best = elapsed;
    }

    /* Spot checks: the corners, the middle and a few scattered entries. */
    long checks[][2] = {{0, 0}, {0, n - 1}, {m - 1, 0}, {m - 1, n - 1}, {m / 2, n / 2}, {m / 3, (2 * n) / 3},
                        {(7 * m) / 8, n / 5}, {m / 7, n - 2 >= 0 ? n - 2 : 0}};
    for (size_t q = 0; q < sizeof checks / sizeof checks[0]; q++) {
        long i = checks[q][0], j = checks[q][1];
        uint64_t want = entry_slow(a, b, n, k, i, j);
        if (c[i * n + j] != want) {
            fprintf(stderr, "field_matmul_ref: C[%ld][%ld] = %" PRIu64 ", the slow reduction gives %" PRIu64 "\n", i, j,
                    c[i * n + j], want);
            return 1;
        }
    }

    uint64_t hash = checksum(c, m * n);

    double macs = (double) m * (double) n * (double) k;
    printf("c_int128 %ld %ld %ld %.9f %.6e %" PRIu64 "\n", m, n, k, best, macs / best, hash);
    free(a);
    free(b);
    free(bt);
    free(c);
    return 0;
}
