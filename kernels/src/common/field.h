/*
 * Device arithmetic in F_p, p = 2^61 - 1, the same field as org.safetynets.field.Fp, and in its extension F_p^2
 * (org.safetynets.field.Fp2; fp2_* at the end). Elements are canonical u64 in [0, p). Every function returns exactly
 * what Fp (or Fp2) returns, so kernels agree with the CPU backend bit for bit.
 *
 * p is a Mersenne prime: 2^61 = 1 (mod p), so a 122-bit product hi*2^64 + lo splits into 61-bit limbs that are
 * simply added. Accumulators are reduced lazily:
 *   - fp_term(a, b) < 2^62 is congruent to a*b; fp_fold(acc) < 2^61 + 8 for any acc; so acc = fp_fold(acc) + term
 *     stays below 2^63 (fp_mac) and sums of two folded partials stay below 2^63 (fp_merge).
 *   - acc128 keeps an exact 128-bit sum of products; each product is below 2^122, so after acc128_fold (< 2^63)
 *     it takes at least 63 more products before it could overflow.
 *   - signed accumulation (small quantised operands): see i64_to_field.
 */
#ifndef SN_FIELD_H
#define SN_FIELD_H

#define SN_P ((u64) 0x1FFFFFFFFFFFFFFFUL)
#define SN_MAX_SIGNED ((u64) 0x0FFFFFFFFFFFFFFFUL)

DEVICE u64 fp_add(u64 a, u64 b) {
    u64 s = a + b;
    return s >= SN_P ? s - SN_P : s;
}

DEVICE u64 fp_sub(u64 a, u64 b) {
    return a >= b ? a - b : a + SN_P - b;
}

/* Any value below 2^64 to canonical form. */
DEVICE u64 fp_reduce(u64 x) {
    u64 r = (x & SN_P) + (x >> 61);
    return r >= SN_P ? r - SN_P : r;
}

/* A value below 2^61 + 8, congruent to x. */
DEVICE u64 fp_fold(u64 x) {
    return (x & SN_P) + (x >> 61);
}

/* A value below 2^62 congruent to a*b, for canonical a, b: low 61 bits plus the product shifted down by 61. */
DEVICE u64 fp_term(u64 a, u64 b) {
    u64 lo = a * b;
    u64 hi = MUL_HI64(a, b);
    return (lo & SN_P) + ((lo >> 61) | (hi << 3));
}

DEVICE u64 fp_mul(u64 a, u64 b) {
    u64 r = fp_term(a, b); /* a*b <= (p-1)^2 < p*2^61, so r < 2p */
    return r >= SN_P ? r - SN_P : r;
}

/* acc + a*b for an accumulator below 2^63, keeping it below 2^63. */
DEVICE u64 fp_mac(u64 acc, u64 a, u64 b) {
    return fp_fold(acc) + fp_term(a, b);
}

/* The sum of two accumulators below 2^63, again below 2^63. */
DEVICE u64 fp_merge(u64 a, u64 b) {
    return fp_fold(a) + fp_fold(b);
}

/* ---- 128-bit accumulation: (*hi)*2^64 + *lo is the exact running sum ---------------------------------------- */

DEVICE void acc128_mac(u64 *lo, u64 *hi, u64 a, u64 b) {
    u64 plo = a * b;
    u64 phi = MUL_HI64(a, b);
    *lo += plo;
    *hi += phi + (*lo < plo ? 1 : 0);
}

/* Replaces the 128-bit sum by a congruent value below 2^63 (hi = 0): three 61-bit limbs added. */
DEVICE void acc128_fold(u64 *lo, u64 *hi) {
    u64 x = *lo;
    u64 h = *hi;
    *lo = (x & SN_P) + (((x >> 61) | (h << 3)) & SN_P) + (h >> 58);
    *hi = 0;
}

DEVICE u64 acc128_reduce(u64 lo, u64 hi) {
    acc128_fold(&lo, &hi);
    return fp_reduce(lo);
}

/* ---- signed representatives of small quantised values ---------------------------------------------------- */

/* The integer in [-(p-1)/2, (p-1)/2] that a canonical element represents. */
DEVICE i64 fp_signed(u64 a) {
    return a > SN_MAX_SIGNED ? (i64) (a - SN_P) : (i64) a;
}

/*
 * The canonical element congruent to any signed 64-bit value. A signed accumulator that starts canonical may take
 * floor(2^62 / (maxA*maxB)) products of magnitude <= maxA*maxB before this must be applied (it stays in
 * (-2^62, 2^61 + 2^62]).
 */
DEVICE u64 i64_to_field(i64 s) {
    /* s = (s >> 61)*2^61 + (s & p) with s >> 61 in [-4, 3], so r is in [-4, 2^61 + 2]. */
    i64 r = (i64) ((u64) s & SN_P) + (s >> 61);
    r += (r >> 63) & (i64) SN_P;
    return r >= (i64) SN_P ? (u64) (r - (i64) SN_P) : (u64) r;
}

/* |signed(a)|. */
DEVICE u64 fp_magnitude(u64 a) {
    return a > SN_MAX_SIGNED ? SN_P - a : a;
}

/* ---- the limb method: exact sums of small-weight products in fp64 (org.safetynets.field.LimbPlan) --------------
 * Only where the device has 64-bit floating point (SN_FP64: OpenCL's cl_khr_fp64, every CUDA GPU). The driver checks
 * |signed weight| <= maxW and |signed activation| <= maxX and takes LimbPlan.of(maxW, maxX, terms), which gives the
 * limbs and how many terms a limb sum may take (block):
 *   one limb:  the activation's signed representative s, |s| <= maxX; |w*s| <= maxW*maxX and block*maxW*maxX < 2^51;
 *   two limbs: x = hi*2^31 + lo, hi < 2^30, lo < 2^31; |w*limb| < maxW*2^31 and block = floor(2^20 / maxW), so
 *              block*maxW*2^31 <= 2^51.
 * Every operand (|w| <= 2^16, a limb below 2^31 or |s| < 2^51) is an integer a double holds exactly, and every partial
 * sum of at most block products is an integer of magnitude below 2^51 < 2^53, so each fma(w, limb, sum), whose exact
 * result is that integer, is exact (a correctly rounded result of a representable value is the value). A block's sums
 * are then converted to i64 exactly and recombined mod p once (fp_from_limbs). */
#ifdef SN_FP64
#define SN_LIMB_BITS 31
#define SN_LOW_LIMB ((u64) 0x7FFFFFFFUL)

/* The first limb of canonical x as a double: the signed representative (one limb; the plan bounds it below 2^51) or
 * the high limb x >> 31 (two limbs). Exact either way. */
DEVICE double fp_limb_high(u64 x, u32 limbs) {
    return limbs == 1 ? (double) fp_signed(x) : (double) (i64) (x >> SN_LIMB_BITS);
}

/* The low limb x mod 2^31 (two limbs only), exact. */
DEVICE double fp_limb_low(u64 x) {
    return (double) (i64) (x & SN_LOW_LIMB);
}

/* The canonical element a block's exact limb sums stand for: S (one limb) or S_high*2^31 + S_low (two), where
 * multiplying canonical h by 2^31 mod p rotates its 61 bits (2^61 = 1 mod p), as LimbProducts.recombine. */
DEVICE u64 fp_from_limbs(double high, double low, u32 limbs) {
    u64 h = i64_to_field((i64) high);
    if (limbs == 1) return h;
    u64 rotated = ((h << SN_LIMB_BITS) & SN_P) | (h >> (61 - SN_LIMB_BITS));
    return fp_add(rotated, i64_to_field((i64) low));
}
#endif

/* ---- F_p^2 = F_p[i]/(i^2 + 1), the challenges' field (org.safetynets.field.Fp2) -------------------------------- */

/* re + im*i with canonical coordinates. Witness tables stay in F_p; a table a challenge touched has both parts. */
typedef struct {
    u64 re;
    u64 im;
} fp2;

DEVICE fp2 fp2_make(u64 re, u64 im) {
    fp2 r;
    r.re = re;
    r.im = im;
    return r;
}

DEVICE fp2 fp2_add(fp2 a, fp2 b) {
    return fp2_make(fp_add(a.re, b.re), fp_add(a.im, b.im));
}

DEVICE fp2 fp2_sub(fp2 a, fp2 b) {
    return fp2_make(fp_sub(a.re, b.re), fp_sub(a.im, b.im));
}

/* (a + bi)(c + di) = (ac - bd) + ((a + b)(c + d) - ac - bd)i: three base products (Karatsuba), as Fp2.mul. */
DEVICE fp2 fp2_mul(fp2 x, fp2 y) {
    u64 ac = fp_mul(x.re, y.re);
    u64 bd = fp_mul(x.im, y.im);
    u64 cross = fp_mul(fp_add(x.re, x.im), fp_add(y.re, y.im));
    return fp2_make(fp_sub(ac, bd), fp_sub(fp_sub(cross, ac), bd));
}

/* (a + bi)^2 = (a + b)(a - b) + 2ab i: two base products, as Fp2.square. */
DEVICE fp2 fp2_square(fp2 x) {
    u64 ab = fp_mul(x.re, x.im);
    return fp2_make(fp_mul(fp_add(x.re, x.im), fp_sub(x.re, x.im)), fp_add(ab, ab));
}

/* (a + bi) c for c in F_p: two base products. */
DEVICE fp2 fp2_mul_base(fp2 x, u64 c) {
    return fp2_make(fp_mul(x.re, c), fp_mul(x.im, c));
}

#endif
