/*
 * C references for the network's own layers over F_p, p = 2^61 - 1: a convolution (stride 1) or a dense layer with
 * small signed weights and activations of a given bit width, by two kernels on one core:
 *
 *   c_int128        the scalar field kernel: canonical operands, exact 122-bit products summed in an unsigned
 *                   __int128 and reduced with 2^61 = 1 (mod p) after at most 64 terms (as field_matmul_ref.c),
 *                   four outputs side by side sharing each weight; zero weights skipped.
 *   c_avx512_limbs  the limb method of the Java CPU backend (fallback-cpu LimbProducts), written with AVX-512
 *                   intrinsics: activations as one limb (the signed value) or two 31-bit limbs in double lanes,
 *                   tiles of 4 output rows x 16 outputs accumulated by fused multiply-adds, exact while every partial
 *                   sum stays below 2^51 (the Java kernel's bound), recombined mod p once per block of terms.
 *
 *   gcc -O3 -march=native -o layer_kernels layer_kernels.c
 *   ./layer_kernels conv CIN H W BATCH COUT K PAD MAXW XBITS [repetitions=5]
 *   ./layer_kernels dense ROWS INNER COLS MAXW XBITS [repetitions=5]
 *
 * Operands (shared with org.safetynets.bench.LayerFill): splitmix64 from SEED; the weights first, each
 * (z mod (2*MAXW + 1)) - MAXW (z unsigned) taken mod p, in (co, ci, kh, kw) or (row, k) order; then the activations,
 * each z mod 2^XBITS (XBITS <= 60) or z reduced mod p (XBITS = 61), in (ci, h, w, b) or (k, col) order. A convolution
 * uses the engine's padded layout: every extent rounded up to a power of two, zeros in the padding, output
 * (co, oh, ow, b) at ((co*Hop + oh)*Wop + ow)*Bp + b, kernel matrix Cop x Cip*kp*kp. Output: one line per kernel,
 *   c_int128 seconds checksum
 *   c_avx512_limbs seconds checksum        or   c_avx512_limbs skipped REASON
 * seconds the best of the repetitions after one untimed run, checksum h = h * 1000003 + y (mod p) over the whole
 * output in memory order. Exit status 1 if the two kernels disagree, 2 for bad arguments.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define HAVE_AVX512 1
#else
#define HAVE_AVX512 0
#endif

#include "field.h"

#define BLOCK128 64 /* 64 * (p-1)^2 + p < 2^128 */
#define ROWS 4
#define LANES 8
#define WIDTH (2 * LANES)
#define LIMB_BITS 31
#define EXACT ((INT64_C(1) << 51) - 1)
#define MIN_BLOCK 16

static uint64_t add_mod(uint64_t a, uint64_t b) {
    uint64_t s = a + b;
    return s >= P ? s - P : s;
}

static uint64_t canonical_of_signed(int64_t s) {
    int64_t r = (s & (int64_t) P) + (s >> 61);
    r += (r >> 63) & (int64_t) P;
    return (uint64_t) r >= P ? (uint64_t) r - P : (uint64_t) r;
}

static int64_t signed_of(uint64_t a) {
    return a > P / 2 ? (int64_t) a - (int64_t) P : (int64_t) a;
}

static uint64_t next_weight(long max_w) {
    int64_t w = (int64_t) (splitmix_next() % (uint64_t) (2 * max_w + 1)) - max_w;
    return canonical_of_signed(w);
}

static uint64_t next_activation(int bits) {
    uint64_t z = splitmix_next();
    return bits >= 61 ? reduce64(z) : z & ((UINT64_C(1) << bits) - 1);
}

static long pow2(long n) {
    long p = 1;
    while (p < n) p <<= 1;
    return p;
}

/* A product as the kernels see it: out[r][q] = sum over terms t of W[r][t] * X[base(r-independent) + off[t] + q]. */
typedef struct {
    int conv;
    long cin, h, w, bp, cout, k, pad, kp; /* conv */
    long rows, inner, cols;               /* dense */
    uint64_t *weights, *x, *y;            /* canonical, in the engine's layout */
    long weight_stride, y_size, out_h, out_w, out_row_stride, out_channel_stride;
} problem;

/* ---- the scalar __int128 kernel --------------------------------------------------------------------------- */

/* Terms of output row r (and conv row oh): canonical nonzero weights and their offsets. Returns the count. */
static long row_terms(const problem *pr, long r, long oh, long row_stride, long channel_stride, uint64_t *w, long *off) {
    long n = 0;
    if (!pr->conv) {
        for (long k = 0; k < pr->inner; k++) {
            uint64_t v = pr->weights[r * pr->inner + k];
            if (v) { w[n] = v; off[n++] = k * pr->cols; }
        }
        return n;
    }
    long kh_lo = pr->pad - oh > 0 ? pr->pad - oh : 0;
    long kh_hi = pr->h + pr->pad - oh < pr->k ? pr->h + pr->pad - oh : pr->k;
    for (long ci = 0; ci < pr->cin; ci++)
        for (long kh = kh_lo; kh < kh_hi; kh++)
            for (long kw = 0; kw < pr->k; kw++) {
                uint64_t v = pr->weights[r * pr->weight_stride + (ci * pr->kp + kh) * pr->kp + kw];
                if (v) { w[n] = v; off[n++] = ci * channel_stride + kh * row_stride + kw * pr->bp; }
            }
    return n;
}

static void int128_kernel(const problem *pr, uint64_t *xb, long row_stride, long channel_stride, long terms, uint64_t *w,
                          long *off, long *counts) {
    long out_rows = pr->conv ? pr->cout : pr->rows;
    long out_h = pr->conv ? pr->out_h : 1;
    long run = pr->conv ? pr->out_w * pr->bp : pr->cols;
    const uint64_t *x = pr->conv ? xb : pr->x;
    if (pr->conv) { /* the zero-bordered copy, as the limb kernel makes one */
        for (long ci = 0; ci < pr->cin; ci++)
            for (long ih = 0; ih < pr->h; ih++)
                memcpy(xb + ci * channel_stride + (ih + pr->pad) * row_stride + pr->pad * pr->bp,
                       pr->x + ((ci * pow2(pr->h) + ih) * pow2(pr->w)) * pr->bp, sizeof(uint64_t) * pr->w * pr->bp);
    }
    /* Row after row of the output image, tile after tile along it, every output row (channel) of a tile in turn:
     * the activations a tile reads stay in cache while every output channel uses them. */
    for (long oh = 0; oh < out_h; oh++) {
        for (long r = 0; r < out_rows; r++) counts[r] = row_terms(pr, r, oh, row_stride, channel_stride, w + r * terms, off + r * terms);
        long base = pr->conv ? oh * row_stride : 0;
        for (long q = 0; q < run; q += 4)
            for (long r = 0; r < out_rows; r++) {
                long n = counts[r];
                const uint64_t *wr = w + r * terms;
                const long *offr = off + r * terms;
                uint64_t *out = pr->y + (pr->conv ? r * pr->out_channel_stride + oh * pr->out_row_stride : r * pr->cols);
                if (q + 4 <= run) {
                    const uint64_t *xq = x + base + q;
                    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    for (long t0 = 0; t0 < n; t0 += BLOCK128) {
                        long t1 = t0 + BLOCK128 < n ? t0 + BLOCK128 : n;
                        u128 a0 = s0, a1 = s1, a2 = s2, a3 = s3;
                        for (long t = t0; t < t1; t++) {
                            u128 wt = wr[t];
                            const uint64_t *xt = xq + offr[t];
                            a0 += wt * xt[0];
                            a1 += wt * xt[1];
                            a2 += wt * xt[2];
                            a3 += wt * xt[3];
                        }
                        s0 = reduce128(a0); s1 = reduce128(a1); s2 = reduce128(a2); s3 = reduce128(a3);
                    }
                    out[q] = s0; out[q + 1] = s1; out[q + 2] = s2; out[q + 3] = s3;
                    continue;
                }
                for (long j = q; j < run; j++) {
                    uint64_t s = 0;
                    for (long t0 = 0; t0 < n; t0 += BLOCK128) {
                        long t1 = t0 + BLOCK128 < n ? t0 + BLOCK128 : n;
                        u128 a = s;
                        for (long t = t0; t < t1; t++) a += (u128) wr[t] * x[base + offr[t] + j];
                        s = reduce128(a);
                    }
                    out[j] = s;
                }
            }
    }
}

/* ---- the AVX-512 limb kernel ------------------------------------------------------------------------------ */

#if HAVE_AVX512
/* The plan of LimbProducts.Plan.of: limbs and terms per block, or 0 limbs when neither fits. */
static int plan(int64_t max_w, int64_t max_x, long terms, int64_t *block) {
    int64_t wanted = terms < MIN_BLOCK ? terms : MIN_BLOCK;
    if (max_w == 0) return 0;
    if (max_x <= EXACT / max_w) {
        *block = EXACT / (max_w * max_x == 0 ? 1 : max_w * max_x);
        if (*block >= wanted) return 1;
    }
    if (max_w <= (INT64_C(1) << (51 - LIMB_BITS)) / MIN_BLOCK) { /* limb products below max_w * 2^31 */
        *block = (INT64_C(1) << (51 - LIMB_BITS)) / max_w;
        return 2;
    }
    return 0;
}

/* The plan from the data, as the Java backend makes it on every call: the largest weight and activation magnitudes. */
static int data_plan(const problem *pr, long x_size, long terms, int64_t *block) {
    long n_w = pr->conv ? pow2(pr->cout) * pr->weight_stride : pr->rows * pr->inner;
    int64_t max_w = 0, max_x = 0;
    for (long i = 0; i < n_w; i++) {
        int64_t s = signed_of(pr->weights[i]);
        int64_t m = s < 0 ? -s : s;
        if (m > max_w) max_w = m;
    }
    for (long i = 0; i < x_size; i++) {
        int64_t s = signed_of(pr->x[i]);
        int64_t m = s < 0 ? -s : s;
        if (m > max_x) max_x = m;
    }
    return plan(max_w, max_x, terms, block);
}

static double limb(uint64_t x, int limbs, int l) {
    if (limbs == 1) return (double) signed_of(x);
    return l == 0 ? (double) (x >> LIMB_BITS) : (double) (x & ((UINT64_C(1) << LIMB_BITS) - 1));
}

static uint64_t recombine(double high, double low, int limbs) {
    uint64_t h = canonical_of_signed((int64_t) high);
    if (limbs == 1) return h;
    uint64_t rotated = ((h << LIMB_BITS) & P) | (h >> (61 - LIMB_BITS));
    return add_mod(rotated, canonical_of_signed((int64_t) low));
}

/* Terms of the row group [r0, r0 + ROWS): weights term-major (w[t*ROWS + r], zero past the last row), offsets. */
static long group_terms(const problem *pr, long r0, long oh, long row_stride, long channel_stride, double *w, long *off) {
    long out_rows = pr->conv ? pr->cout : pr->rows;
    long n = 0;
    long kh_lo = 0, kh_hi = 1, channels = 1, taps_k = pr->conv ? pr->k : 1;
    if (pr->conv) {
        kh_lo = pr->pad - oh > 0 ? pr->pad - oh : 0;
        kh_hi = pr->h + pr->pad - oh < pr->k ? pr->h + pr->pad - oh : pr->k;
        channels = pr->cin;
    }
    long inner = pr->conv ? 1 : pr->inner;
    for (long ci = 0; ci < channels; ci++)
        for (long kh = kh_lo; kh < kh_hi; kh++)
            for (long kw = 0; kw < taps_k; kw++)
                for (long k = 0; k < inner; k++) {
                    long column = pr->conv ? (ci * pr->kp + kh) * pr->kp + kw : k;
                    int any = 0;
                    for (long r = 0; r < ROWS; r++) {
                        uint64_t v = r0 + r < out_rows ? pr->weights[(r0 + r) * pr->weight_stride + column] : 0;
                        w[n * ROWS + r] = (double) signed_of(v);
                        any |= v != 0;
                    }
                    if (!any) continue;
                    off[n++] = pr->conv ? ci * channel_stride + kh * row_stride + kw * pr->bp : k * pr->cols;
                }
    return n;
}

static void limb_kernel(const problem *pr, int limbs, int64_t block, double *xl[2], long row_stride, long channel_stride,
                        long terms, double *w, long *off, long *counts) {
    long out_rows = pr->conv ? pr->cout : pr->rows;
    long out_h = pr->conv ? pr->out_h : 1;
    long run = pr->conv ? pr->out_w * pr->bp : pr->cols;
    long n_x = pr->conv ? pr->cin * channel_stride : pr->inner * pr->cols;
    for (int l = 0; l < limbs; l++) memset(xl[l], 0, sizeof(double) * (n_x + WIDTH));
    if (pr->conv) {
        long hp = pow2(pr->h), wp = pow2(pr->w);
        for (long ci = 0; ci < pr->cin; ci++)
            for (long ih = 0; ih < pr->h; ih++) {
                const uint64_t *src = pr->x + ((ci * hp + ih) * wp) * pr->bp;
                long dst = ci * channel_stride + (ih + pr->pad) * row_stride + pr->pad * pr->bp;
                for (int l = 0; l < limbs; l++)
                    for (long j = 0; j < pr->w * pr->bp; j++) xl[l][dst + j] = limb(src[j], limbs, l);
            }
    } else {
        for (int l = 0; l < limbs; l++)
            for (long i = 0; i < n_x; i++) xl[l][i] = limb(pr->x[i], limbs, l);
    }
    double sums[2 * ROWS * WIDTH];
    long groups = (out_rows + ROWS - 1) / ROWS;
    /* Row after row of the output image, tile after tile along it, every group of output rows in turn (see int128_kernel). */
    for (long oh = 0; oh < out_h; oh++) {
        for (long g = 0; g < groups; g++)
            counts[g] = group_terms(pr, g * ROWS, oh, row_stride, channel_stride, w + g * terms * ROWS, off + g * terms);
        long base = pr->conv ? oh * row_stride : 0;
        for (long q = 0; q < run; q += WIDTH)
            for (long g = 0; g < groups; g++) {
                long r0 = g * ROWS, n = counts[g];
                const double *wg = w + g * terms * ROWS;
                const long *offg = off + g * terms;
                long rows = out_rows - r0 < ROWS ? out_rows - r0 : ROWS;
                long width = run - q < WIDTH ? run - q : WIDTH;
                for (long t0 = 0; t0 < n; t0 += block) {
                    long t1 = t0 + block < n ? t0 + block : n;
                    __m512d acc[2][ROWS][2];
                    for (int l = 0; l < 2; l++)
                        for (int r = 0; r < ROWS; r++) acc[l][r][0] = acc[l][r][1] = _mm512_setzero_pd();
                    if (limbs == 1) {
                        for (long t = t0; t < t1; t++) {
                            const double *xt = xl[0] + base + offg[t] + q;
                            __m512d x0 = _mm512_loadu_pd(xt), x1 = _mm512_loadu_pd(xt + LANES);
                            for (int r = 0; r < ROWS; r++) {
                                __m512d wr = _mm512_set1_pd(wg[t * ROWS + r]);
                                acc[0][r][0] = _mm512_fmadd_pd(x0, wr, acc[0][r][0]);
                                acc[0][r][1] = _mm512_fmadd_pd(x1, wr, acc[0][r][1]);
                            }
                        }
                    } else {
                        for (long t = t0; t < t1; t++) {
                            const double *ht = xl[0] + base + offg[t] + q, *lt = xl[1] + base + offg[t] + q;
                            __m512d h0 = _mm512_loadu_pd(ht), h1 = _mm512_loadu_pd(ht + LANES);
                            __m512d l0 = _mm512_loadu_pd(lt), l1 = _mm512_loadu_pd(lt + LANES);
                            for (int r = 0; r < ROWS; r++) {
                                __m512d wr = _mm512_set1_pd(wg[t * ROWS + r]);
                                acc[0][r][0] = _mm512_fmadd_pd(h0, wr, acc[0][r][0]);
                                acc[0][r][1] = _mm512_fmadd_pd(h1, wr, acc[0][r][1]);
                                acc[1][r][0] = _mm512_fmadd_pd(l0, wr, acc[1][r][0]);
                                acc[1][r][1] = _mm512_fmadd_pd(l1, wr, acc[1][r][1]);
                            }
                        }
                    }
                    for (int l = 0; l < limbs; l++)
                        for (int r = 0; r < ROWS; r++) {
                            _mm512_storeu_pd(sums + (l * ROWS + r) * WIDTH, acc[l][r][0]);
                            _mm512_storeu_pd(sums + (l * ROWS + r) * WIDTH + LANES, acc[l][r][1]);
                        }
                    for (long r = 0; r < rows; r++) {
                        uint64_t *out = pr->y + (pr->conv ? (r0 + r) * pr->out_channel_stride + oh * pr->out_row_stride
                                                         : (r0 + r) * pr->cols) + q;
                        for (long j = 0; j < width; j++) {
                            uint64_t v = recombine(sums[r * WIDTH + j], limbs == 1 ? 0 : sums[(ROWS + r) * WIDTH + j], limbs);
                            out[j] = t0 == 0 ? v : add_mod(out[j], v);
                        }
                    }
                }
                if (n == 0) {
                    for (long r = 0; r < rows; r++)
                        memset(pr->y + (pr->conv ? (r0 + r) * pr->out_channel_stride + oh * pr->out_row_stride
                                                 : (r0 + r) * pr->cols) + q, 0, sizeof(uint64_t) * width);
                }
            }
        }
}
#endif

static long parse(const char *text, const char *what, long min) {
    char *end;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v < min || v > (1L << 24)) {
        fprintf(stderr, "layer_kernels: %s must be an integer >= %ld, got '%s'\n", what, min, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    problem pr;
    memset(&pr, 0, sizeof pr);
    long max_w, bits, reps = 5;
    int nargs;
    if (argc >= 2 && strcmp(argv[1], "conv") == 0 && (argc == 11 || argc == 12)) {
        pr.conv = 1;
        pr.cin = parse(argv[2], "CIN", 1); pr.h = parse(argv[3], "H", 1); pr.w = parse(argv[4], "W", 1);
        pr.bp = pow2(parse(argv[5], "BATCH", 1)); pr.cout = parse(argv[6], "COUT", 1); pr.k = parse(argv[7], "K", 1);
        pr.pad = parse(argv[8], "PAD", 0);
        max_w = parse(argv[9], "MAXW", 1); bits = parse(argv[10], "XBITS", 1);
        nargs = 11;
        if (pr.pad >= pr.k || pr.h + 2 * pr.pad < pr.k || pr.w + 2 * pr.pad < pr.k) {
            fprintf(stderr, "layer_kernels: the kernel does not fit the padded input\n");
            return 2;
        }
    } else if (argc >= 2 && strcmp(argv[1], "dense") == 0 && (argc == 7 || argc == 8)) {
        pr.rows = parse(argv[2], "ROWS", 1); pr.inner = parse(argv[3], "INNER", 1); pr.cols = parse(argv[4], "COLS", 1);
        max_w = parse(argv[5], "MAXW", 1); bits = parse(argv[6], "XBITS", 1);
        nargs = 7;
    } else {
        fprintf(stderr, "usage: %s conv CIN H W BATCH COUT K PAD MAXW XBITS [reps]\n"
                        "       %s dense ROWS INNER COLS MAXW XBITS [reps]\n", argv[0], argv[0]);
        return 2;
    }
    if (argc > nargs) reps = parse(argv[nargs], "repetitions", 1);
    if (bits > 61) {
        fprintf(stderr, "layer_kernels: XBITS must be at most 61\n");
        return 2;
    }
    long batch = pr.conv ? parse(argv[5], "BATCH", 1) : 0;

    long x_size, row_stride = 0, channel_stride = 0, terms;
    splitmix_state = SEED;
    if (pr.conv) {
        long cip = pow2(pr.cin), hp = pow2(pr.h), wp = pow2(pr.w), cop = pow2(pr.cout);
        pr.kp = pow2(pr.k);
        pr.weight_stride = cip * pr.kp * pr.kp;
        pr.weights = calloc((size_t) (cop * pr.weight_stride), sizeof(uint64_t));
        for (long co = 0; co < pr.cout; co++)
            for (long ci = 0; ci < pr.cin; ci++)
                for (long kh = 0; kh < pr.k; kh++)
                    for (long kw = 0; kw < pr.k; kw++) pr.weights[co * pr.weight_stride + (ci * pr.kp + kh) * pr.kp + kw] = next_weight(max_w);
        x_size = cip * hp * wp * pr.bp;
        pr.x = calloc((size_t) x_size, sizeof(uint64_t));
        for (long ci = 0; ci < pr.cin; ci++)
            for (long h = 0; h < pr.h; h++)
                for (long w = 0; w < pr.w; w++)
                    for (long b = 0; b < batch; b++) pr.x[((ci * hp + h) * wp + w) * pr.bp + b] = next_activation((int) bits);
        pr.out_h = pr.h + 2 * pr.pad - pr.k + 1;
        pr.out_w = pr.w + 2 * pr.pad - pr.k + 1;
        pr.out_row_stride = pow2(pr.out_w) * pr.bp;
        pr.out_channel_stride = pow2(pr.out_h) * pr.out_row_stride;
        pr.y_size = cop * pr.out_channel_stride;
        row_stride = (pr.w + 2 * pr.pad) * pr.bp;
        channel_stride = (pr.h + 2 * pr.pad) * row_stride;
        terms = pr.cin * pr.k * pr.k;
    } else {
        pr.weight_stride = pr.inner;
        pr.weights = malloc(sizeof(uint64_t) * pr.rows * pr.inner);
        for (long i = 0; i < pr.rows * pr.inner; i++) pr.weights[i] = next_weight(max_w);
        x_size = pr.inner * pr.cols;
        pr.x = malloc(sizeof(uint64_t) * x_size);
        for (long i = 0; i < x_size; i++) pr.x[i] = next_activation((int) bits);
        pr.y_size = pr.rows * pr.cols;
        terms = pr.inner;
    }
    pr.y = calloc((size_t) pr.y_size, sizeof(uint64_t));
    uint64_t *xb = calloc((size_t) (pr.conv ? pr.cin * channel_stride + WIDTH : 1), sizeof(uint64_t));
    long out_rows = pr.conv ? pr.cout : pr.rows;
    uint64_t *tw = malloc(sizeof(uint64_t) * (size_t) (terms * out_rows));
    long *off = malloc(sizeof(long) * (size_t) (terms * out_rows));
    long *counts = malloc(sizeof(long) * (size_t) out_rows);
    if (!pr.weights || !pr.x || !pr.y || !xb || !tw || !off || !counts) {
        fprintf(stderr, "layer_kernels: out of memory\n");
        return 2;
    }

    double best = 1e300;
    for (long r = 0; r <= reps; r++) {
        double start = now_seconds();
        int128_kernel(&pr, xb, row_stride, channel_stride, terms, tw, off, counts);
        double elapsed = now_seconds() - start;
        if (r > 0 && elapsed < best) best = elapsed;
    }
    uint64_t reference = checksum(pr.y, pr.y_size);
    printf("c_int128 %.9f %" PRIu64 "\n", best, reference);

#if HAVE_AVX512
    int64_t block = 0;
    int limbs = data_plan(&pr, x_size, terms, &block);
    if (limbs == 0) {
        printf("c_avx512_limbs skipped weights up to %ld need more than two limbs\n", max_w);
        return 0;
    }
    long n_x = pr.conv ? pr.cin * channel_stride : x_size;
    double *xl[2] = {malloc(sizeof(double) * (size_t) (n_x + WIDTH)), malloc(sizeof(double) * (size_t) (n_x + WIDTH))};
    long groups = (out_rows + ROWS - 1) / ROWS;
    double *w = malloc(sizeof(double) * (size_t) (groups * terms * ROWS));
    if (!xl[0] || !xl[1] || !w) {
        fprintf(stderr, "layer_kernels: out of memory\n");
        return 2;
    }
    memset(pr.y, 0xFF, sizeof(uint64_t) * (size_t) pr.y_size); /* every entry the kernel owns must be written */
    if (pr.conv) { /* the padding of the output is not the kernel's: zero, as the engine allocates it */
        for (long co = 0; co < pow2(pr.cout); co++)
            for (long oh = 0; oh < pow2(pr.out_h); oh++)
                for (long q = 0; q < pr.out_row_stride; q++)
                    if (co >= pr.cout || oh >= pr.out_h || q >= pr.out_w * pr.bp) pr.y[co * pr.out_channel_stride + oh * pr.out_row_stride + q] = 0;
    }
    best = 1e300;
    for (long r = 0; r <= reps; r++) {
        double start = now_seconds();
        limbs = data_plan(&pr, x_size, terms, &block); /* timed: the Java kernel scans its operands on every call */
        limb_kernel(&pr, limbs, block, xl, row_stride, channel_stride, terms, w, off, counts);
        double elapsed = now_seconds() - start;
        if (r > 0 && elapsed < best) best = elapsed;
    }
    uint64_t limbs_sum = checksum(pr.y, pr.y_size);
    printf("c_avx512_limbs %.9f %" PRIu64 "\n", best, limbs_sum);
    if (limbs_sum != reference) {
        fprintf(stderr, "layer_kernels: the limb kernel's checksum %" PRIu64 " differs from the __int128 kernel's %" PRIu64 "\n",
                limbs_sum, reference);
        return 1;
    }
#else
    printf("c_avx512_limbs skipped this CPU or compiler has no AVX-512F and AVX-512DQ (-march=native)\n");
#endif
    return 0;
}
