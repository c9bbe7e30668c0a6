/*
 * OpenCL only: conv2d_signed over 8 batch entries per work-item in OpenCL's vector types (long8), which a CPU
 * device such as POCL maps onto its vector unit. A GPU gains nothing from it (a warp already runs 32 batch entries
 * side by side), so the CUDA backend uses conv2d_signed from device/inference.h and this file is not part of the
 * CUDA translation unit. Uses CONV_PARAMS and the field header, so it comes after device/inference.h.
 */

/* Signed representatives of 8 canonical elements, and the canonical elements of 8 signed sums (see field.h). */
DEVICE long8 signed8(ulong8 a) {
    return as_long8(a) - select((long8) 0, (long8) (i64) SN_P, as_long8(a) > (long8) (i64) SN_MAX_SIGNED);
}

DEVICE ulong8 field8(long8 s) {
    long8 r = (s & (long8) (i64) SN_P) + (s >> 61);
    r += (r >> 63) & (long8) (i64) SN_P;
    return as_ulong8(select(r, r - (long8) (i64) SN_P, r >= (long8) (i64) SN_P));
}

/*
 * conv2d_signed with each work-item computing 8 consecutive batch entries as one long8: the multiply-adds are
 * explicit SIMD (a CPU device's vector unit; a GPU splits them), which work-item loops around a loop nest do not
 * give on CPU devices. NDRange (Bp/8, outHp*outWp, Cop); Bp a multiple of 8; termsPerReduce >= k.
 */
KERNEL void conv2d_signed8(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u64 termsPerReduce) {
    u32 b = GLOBAL_ID(0) * 8;
    u32 bp = GLOBAL_SIZE_OF(0) * 8;
    u32 oh = GLOBAL_ID(1) / outWp;
    u32 ow = GLOBAL_ID(1) % outWp;
    u32 co = GLOBAL_ID(2);
    GLOBAL u64 *out = Y + ((u64) GLOBAL_ID(2) * GLOBAL_SIZE_OF(1) + GLOBAL_ID(1)) * bp + b;
    if (co >= cout || oh >= outH || ow >= outW) {
        vstore8((ulong8) 0, 0, out);
        return;
    }
    long8 acc = 0;
    u64 terms = 0;
    GLOBAL const u64 *kernelRow = K + (u64) co * kernelColumns;
    for (u32 ci = 0; ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            i32 ih = (i32) (oh * stride + kh) - (i32) pad;
            if (ih < 0 || ih >= (i32) height) continue;
            GLOBAL const u64 *weights = kernelRow + (ci * kp + kh) * kp;
            GLOBAL const u64 *xRow = X + ((u64) (ci * hp + ih) * wp) * bp + b;
            if (terms + k > termsPerReduce) {
                acc = as_long8(field8(acc));
                terms = 0;
            }
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                acc += (long8) fp_signed(weights[kw]) * signed8(vload8(0, xRow + (u64) iw * bp));
            }
            terms += k;
        }
    }
    vstore8(field8(acc), 0, out);
}

/* ---- F_p on 8 lanes: 32-bit limb products, which a CPU device's vector unit multiplies (mul_hi on ulong8 is 8 scalar products) */

DEVICE ulong8 fp8_add(ulong8 a, ulong8 b) {
    ulong8 s = a + b;
    return select(s, s - SN_P, s >= SN_P);
}

DEVICE ulong8 fp8_sub(ulong8 a, ulong8 b) {
    return select(a - b, a + SN_P - b, a < b);
}

/*
 * Below 2^61 + 4 and congruent to a*b, for canonical a, b: with a = a1 2^32 + a0 and b likewise (a1, b1 < 2^29),
 * a*b = p11 2^64 + p01 2^32 + p00 and 2^61 = 1, so 2^64 = 8 and p01 2^32 = (p01 >> 29) + (p01 mod 2^29) 2^32; the
 * five limbs add to less than 2^63 (p00 < 2^64 split at bit 61, p01 < 2^62, p11 < 2^58), folded once.
 */
DEVICE ulong8 fp8_term(ulong8 a, ulong8 b) {
    ulong8 a0 = a & 0xFFFFFFFFUL;
    ulong8 a1 = a >> 32;
    ulong8 b0 = b & 0xFFFFFFFFUL;
    ulong8 b1 = b >> 32;
    ulong8 p00 = a0 * b0;
    ulong8 p01 = a0 * b1 + a1 * b0;
    ulong8 s = (p00 & SN_P) + (p00 >> 61) + ((p01 & 0x1FFFFFFFUL) << 32) + (p01 >> 29) + ((a1 * b1) << 3);
    return (s & SN_P) + (s >> 61);
}

DEVICE ulong8 fp8_mul(ulong8 a, ulong8 b) {
    ulong8 r = fp8_term(a, b);
    return select(r, r - SN_P, r >= SN_P);
}

DEVICE ulong8 fp8_fold(ulong8 x) {
    return (x & SN_P) + (x >> 61);
}

/* The canonical sum of 8 lanes below 2^64 each. */
DEVICE u64 fp8_sum(ulong8 x) {
    ulong8 r = fp8_fold(x); /* below 2^61 + 8: eight of them below 2^64 */
    return fp_reduce(r.s0 + r.s1 + r.s2 + r.s3 + r.s4 + r.s5 + r.s6 + r.s7);
}

/* (re, im) of 8 entries of F_p^2 folded by r = c + d i: low + r (high - low), as square_fold_ext. */
DEVICE void fp8_fold_ext(GLOBAL const u64 *re, GLOBAL const u64 *im, u32 at, u32 distance, u64 c, u64 d, ulong8 *outRe,
                         ulong8 *outIm) {
    ulong8 lowRe = vload8(0, re + at);
    ulong8 lowIm = vload8(0, im + at);
    ulong8 dre = fp8_sub(vload8(0, re + at + distance), lowRe);
    ulong8 dim = fp8_sub(vload8(0, im + at + distance), lowIm);
    /* (c + d i)(dre + dim i) = (c dre - d dim) + ((c + d)(dre + dim) - c dre - d dim) i, as fp2_mul */
    ulong8 ac = fp8_mul((ulong8) c, dre);
    ulong8 bd = fp8_mul((ulong8) d, dim);
    ulong8 cross = fp8_mul((ulong8) fp_add(c, d), fp8_add(dre, dim));
    *outRe = fp8_add(lowRe, fp8_sub(ac, bd));
    *outIm = fp8_add(lowIm, fp8_sub(fp8_sub(cross, ac), bd));
}

DEVICE void fp8_fold_base(GLOBAL const u64 *T, u32 at, u32 distance, u64 c, u64 d, ulong8 *outRe, ulong8 *outIm) {
    ulong8 low = vload8(0, T + at);
    ulong8 step = fp8_sub(vload8(0, T + at + distance), low);
    *outRe = fp8_add(low, fp8_mul((ulong8) c, step));
    *outIm = fp8_mul((ulong8) d, step);
}

/* acc += w x^2 on 8 lanes of F_p^2, unreduced below 2^64, as square_weigh_ext (nwi = p - wi). */
DEVICE void fp8_weigh_ext(ulong8 xr, ulong8 xi, ulong8 wr, ulong8 wi, ulong8 nwi, ulong8 *accRe, ulong8 *accIm) {
    ulong8 sr = fp8_mul(fp8_add(xr, xi), fp8_sub(xr, xi));
    ulong8 ab = fp8_mul(xr, xi);
    ulong8 si = fp8_add(ab, ab);
    *accRe = fp8_fold(*accRe) + fp8_term(wr, sr) + fp8_term(nwi, si);
    *accIm = fp8_fold(*accIm) + fp8_term(wr, si) + fp8_term(wi, sr);
}

DEVICE void fp8_weigh_base(ulong8 x, ulong8 wr, ulong8 wi, ulong8 *accRe, ulong8 *accIm) {
    ulong8 s = fp8_mul(x, x);
    *accRe = fp8_fold(*accRe) + fp8_term(wr, s);
    *accIm = fp8_fold(*accIm) + fp8_term(wi, s);
}

/* One work-item's share of square_sums8, 8 consecutive pairs at a time (see square_sums_share). */
DEVICE void square_sums8_share(GLOBAL u64 *re, GLOBAL u64 *im, GLOBAL u64 *outRe, GLOBAL u64 *outIm, u32 hasIm, u32 fold,
                               u64 c, u64 d, u32 pairs, GLOBAL const u64 *low, u32 lowBits, GLOBAL const u64 *high,
                               u32 withOne, u64 *acc) {
    u32 blockSize = 1u << lowBits;
    u32 blocks = pairs >> lowBits;
    for (u32 b = GROUP_ID(0); b < blocks; b += NUM_GROUPS(0)) {
        ulong8 block[6] = {0, 0, 0, 0, 0, 0};
        for (u32 j = 8 * LOCAL_ID(0); j < blockSize; j += 8 * SN_GROUP) {
            u32 i = (b << lowBits) + j;
            /* the low weights are interleaved (re, im): 16 values for 8 entries */
            ulong16 w = vload16(0, low + 2 * j);
            ulong8 wr = w.even;
            ulong8 wi = w.odd;
            if (fold) {
                ulong8 x0r, x0i, x1r, x1i;
                if (hasIm) {
                    fp8_fold_ext(re, im, i, 2 * pairs, c, d, &x0r, &x0i);
                    fp8_fold_ext(re, im, i + pairs, 2 * pairs, c, d, &x1r, &x1i);
                } else {
                    fp8_fold_base(re, i, 2 * pairs, c, d, &x0r, &x0i);
                    fp8_fold_base(re, i + pairs, 2 * pairs, c, d, &x1r, &x1i);
                }
                vstore8(x0r, 0, outRe + i);
                vstore8(x0i, 0, outIm + i);
                vstore8(x1r, 0, outRe + i + pairs);
                vstore8(x1i, 0, outIm + i + pairs);
                ulong8 nwi = fp8_sub((ulong8) 0, wi);
                fp8_weigh_ext(x0r, x0i, wr, wi, nwi, &block[0], &block[1]);
                if (withOne) fp8_weigh_ext(x1r, x1i, wr, wi, nwi, &block[2], &block[3]);
                fp8_weigh_ext(fp8_sub(fp8_add(x1r, x1r), x0r), fp8_sub(fp8_add(x1i, x1i), x0i), wr, wi, nwi, &block[4], &block[5]);
            } else {
                ulong8 x0 = vload8(0, re + i);
                ulong8 x1 = vload8(0, re + i + pairs);
                fp8_weigh_base(x0, wr, wi, &block[0], &block[1]);
                if (withOne) fp8_weigh_base(x1, wr, wi, &block[2], &block[3]);
                fp8_weigh_base(fp8_sub(fp8_add(x1, x1), x0), wr, wi, &block[4], &block[5]);
            }
        }
        fp2 h = fp2_make(high[2 * b], high[2 * b + 1]);
        for (u32 t = 0; t < 3; t++) square_weigh_block(h, fp8_sum(block[2 * t]), fp8_sum(block[2 * t + 1]), &acc[2 * t], &acc[2 * t + 1]);
    }
}

/*
 * square_sums (device/sumcheck.h) with each work-item taking 8 consecutive pairs as ulong8 lanes: the same arguments,
 * the same partials. Needs blocks of at least 8 pairs (lowBits >= 3).
 */
KERNEL void square_sums8(GLOBAL u64 *re, GLOBAL u64 *im, u32 hasIm, u32 fold, u64 c, u64 d, GLOBAL u64 *outRe,
                         GLOBAL u64 *outIm, u32 pairs, GLOBAL const u64 *low, u32 lowBits, GLOBAL const u64 *high,
                         u32 withOne, GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 acc[6] = {0, 0, 0, 0, 0, 0};
    if (!fold) square_sums8_share(re, im, outRe, outIm, 0, 0, c, d, pairs, low, lowBits, high, withOne, acc);
    else if (!hasIm) square_sums8_share(re, im, outRe, outIm, 0, 1, c, d, pairs, low, lowBits, high, withOne, acc);
    else square_sums8_share(re, im, outRe, outIm, 1, 1, c, d, pairs, low, lowBits, high, withOne, acc);
    square_sums_partials(scratch, acc, withOne, partials);
}

/*
 * M * weights with one work-item per row, 8 columns at a time in ulong8 lanes with limb products (column_combination_narrow
 * of tables.h on a CPU device's vector unit): out[i] = sum over j of M[i, j] e[j], for the real part of the weights and,
 * where hasIm is set, their imaginary part in the same pass over M (outIm; never written otherwise). cols a multiple of 8.
 */
KERNEL void column_combination8(GLOBAL const u64 *M, GLOBAL const u64 *eRe, GLOBAL const u64 *eIm, u32 hasIm, u32 rows,
                                u32 cols, GLOBAL u64 *outRe, GLOBAL u64 *outIm) {
    u32 i = GLOBAL_ID(0);
    if (i >= rows) return;
    GLOBAL const u64 *row = M + (u64) i * cols;
    ulong8 accRe = 0;
    ulong8 accIm = 0;
    for (u32 j = 0; j < cols; j += 8) {
        ulong8 m = vload8(0, row + j);
        accRe = fp8_fold(accRe) + fp8_term(m, vload8(0, eRe + j));
        if (hasIm) accIm = fp8_fold(accIm) + fp8_term(m, vload8(0, eIm + j));
    }
    outRe[i] = fp8_sum(accRe);
    if (hasIm) outIm[i] = fp8_sum(accIm);
}

/*
 * sum_pool (device/inference.h) with each work-item computing 8 consecutive batch entries of one output position in
 * ulong8 lanes (the squares, where squared is set, as limb products): the same arguments; n/8 work-items. The padded
 * batch 2^bpBits is a multiple of 8.
 */
KERNEL void sum_pool8(GLOBAL const u64 *X, GLOBAL u64 *Y, u32 sBits, u32 outHpBits, u32 outWpBits, u32 bpBits, u32 n,
                      u32 squared) {
    u32 i = GLOBAL_ID(0) * 8;
    if (i >= n) return;
    u64 rowStride, columnStride;
    GLOBAL const u64 *window = X + sum_pool_window(i, sBits, outHpBits, outWpBits, bpBits, &rowStride, &columnStride);
    ulong8 sum = 0;
    for (u32 o = 0; o < (1u << (2 * sBits)); o++) { /* window offset o = dh*s + dw */
        ulong8 x = vload8(0, window + (o >> sBits) * rowStride + (o & ((1u << sBits) - 1)) * columnStride);
        sum = fp8_fold(sum) + (squared ? fp8_term(x, x) : x);
    }
    ulong8 r = fp8_fold(sum);
    vstore8(select(r, r - SN_P, r >= SN_P), 0, Y + i);
}

#ifdef SN_FP64
/* ---- the limb method on 8 batch entries (field.h, org.safetynets.field.LimbPlan) ------------------------------ */

/* fp_from_limbs on 8 lanes: the sums are exact integers below 2^51 in magnitude, so convert_long8 is exact. */
DEVICE ulong8 fp8_from_limbs(double8 high, double8 low, u32 limbs) {
    ulong8 h = field8(convert_long8(high));
    if (limbs == 1) return h;
    ulong8 rotated = ((h << SN_LIMB_BITS) & SN_P) | (h >> (61 - SN_LIMB_BITS));
    return fp8_add(rotated, field8(convert_long8(low)));
}

/*
 * conv2d_limb with each work-item computing 8 consecutive batch entries (double8) of SN_LIMB_ROWS output channels:
 * per term one vload8, the limbs' conversions once, and one fma per channel and limb on the vector unit, where
 * conv2d_signed8 pays a 64-bit vector multiply (several micro-operations on AVX-512) per channel. limbs is passed as
 * a constant by conv2d_limb8, so each limb count gets its own loop without a branch. Bounds as in conv2d_limb.
 */
DEVICE void conv2d_limb8_body(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u32 coutPadded,
                              u32 limbs, u64 block) {
    u32 b = GLOBAL_ID(0) * 8;
    u32 bp = GLOBAL_SIZE_OF(0) * 8;
    u32 position = GLOBAL_ID(1);
    u32 oh = position / outWp;
    u32 ow = position % outWp;
    u32 co0 = GLOBAL_ID(2) * SN_LIMB_ROWS;
    ulong8 acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
    double8 high0 = 0, high1 = 0, high2 = 0, high3 = 0;
    double8 low0 = 0, low1 = 0, low2 = 0, low3 = 0;
    GLOBAL const u64 *k0 = K + (u64) min(co0, cout - 1) * kernelColumns;
    GLOBAL const u64 *k1 = K + (u64) min(co0 + 1, cout - 1) * kernelColumns;
    GLOBAL const u64 *k2 = K + (u64) min(co0 + 2, cout - 1) * kernelColumns;
    GLOBAL const u64 *k3 = K + (u64) min(co0 + 3, cout - 1) * kernelColumns;
    u32 live = oh < outH && ow < outW;
    u64 terms = 0;
    for (u32 ci = 0; live && ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            GLOBAL const u64 *xRow = conv_input_row(X, ci, kh, oh, stride, pad, height, hp, wp, bp, b);
            if (xRow == 0) continue;
            u32 column = (ci * kp + kh) * kp;
            if (terms + k > block) {
                acc0 = fp8_add(acc0, fp8_from_limbs(high0, low0, limbs));
                acc1 = fp8_add(acc1, fp8_from_limbs(high1, low1, limbs));
                acc2 = fp8_add(acc2, fp8_from_limbs(high2, low2, limbs));
                acc3 = fp8_add(acc3, fp8_from_limbs(high3, low3, limbs));
                high0 = high1 = high2 = high3 = 0;
                low0 = low1 = low2 = low3 = 0;
                terms = 0;
            }
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                ulong8 x = vload8(0, xRow + (u64) iw * bp);
                double8 w0 = (double8) (double) fp_signed(k0[column + kw]);
                double8 w1 = (double8) (double) fp_signed(k1[column + kw]);
                double8 w2 = (double8) (double) fp_signed(k2[column + kw]);
                double8 w3 = (double8) (double) fp_signed(k3[column + kw]);
                double8 xHigh = limbs == 1 ? convert_double8(signed8(x)) : convert_double8(as_long8(x >> SN_LIMB_BITS));
                high0 = fma(w0, xHigh, high0);
                high1 = fma(w1, xHigh, high1);
                high2 = fma(w2, xHigh, high2);
                high3 = fma(w3, xHigh, high3);
                if (limbs == 2) {
                    double8 xLow = convert_double8(as_long8(x & SN_LOW_LIMB));
                    low0 = fma(w0, xLow, low0);
                    low1 = fma(w1, xLow, low1);
                    low2 = fma(w2, xLow, low2);
                    low3 = fma(w3, xLow, low3);
                }
            }
            terms += k;
        }
    }
    GLOBAL u64 *out = Y + ((u64) co0 * GLOBAL_SIZE_OF(1) + position) * bp + b;
    u64 channel = (u64) GLOBAL_SIZE_OF(1) * bp;
    ulong8 none = 0;
    vstore8(live && co0 < cout ? fp8_add(acc0, fp8_from_limbs(high0, low0, limbs)) : none, 0, out);
    if (co0 + 1 < coutPadded) vstore8(live && co0 + 1 < cout ? fp8_add(acc1, fp8_from_limbs(high1, low1, limbs)) : none, 0, out + channel);
    if (co0 + 2 < coutPadded) vstore8(live && co0 + 2 < cout ? fp8_add(acc2, fp8_from_limbs(high2, low2, limbs)) : none, 0, out + 2 * channel);
    if (co0 + 3 < coutPadded) vstore8(live && co0 + 3 < cout ? fp8_add(acc3, fp8_from_limbs(high3, low3, limbs)) : none, 0, out + 3 * channel);
}

/* NDRange (Bp/8, outHp*outWp, ceil(Cop / SN_LIMB_ROWS)); Bp a multiple of 8; block >= k. */
KERNEL void conv2d_limb8(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u32 coutPadded, u32 limbs,
                         u64 block) {
    if (limbs == 1) {
        conv2d_limb8_body(K, X, Y, cin, height, width, hp, wp, cout, outH, outW, outWp, k, kp, stride, pad, kernelColumns,
                          coutPadded, 1, block);
    } else {
        conv2d_limb8_body(K, X, Y, cin, height, width, hp, wp, cout, outH, outW, outWp, k, kp, stride, pad, kernelColumns,
                          coutPadded, 2, block);
    }
}
#endif
