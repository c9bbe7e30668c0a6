/*
 * Sum-check round messages and the sums the layer protocols reduce to. Each is a parallel reduction: every
 * work-item strides over its share of the index range keeping lazy accumulators (fp_mac: below 2^63), the
 * work-group adds them (group_sum), and group g writes its canonical partials to partials[g*width + column];
 * reduce_sums then adds the groups' partials on the device.
 */
#define SN_MAX_POINTS 8
#define SN_MAX_SLOTS 4
#define SN_MAX_FACTORS 8

/*
 * For t = first..first+points-1: sum over i < halfSize of prod over factors f of T_slot(f)(i, t), T(i, t) = T[i] + t*(T[i+halfSize] - T[i]).
 * Up to four distinct tables t0..t3 (slots; unused ones may repeat t0), factor f reads slot (slotsOfFactors >> 2f) & 3.
 * The values at t + 1 follow from those at t by adding the difference, so each pair is read once.
 */
KERNEL void round_general(GLOBAL const u64 *t0, GLOBAL const u64 *t1, GLOBAL const u64 *t2, GLOBAL const u64 *t3,
                          u32 slots, u32 factors, u32 slotsOfFactors, u32 halfSize, u32 first, u32 points,
                          GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 acc[SN_MAX_POINTS];
    u64 value[SN_MAX_SLOTS];
    u64 step[SN_MAX_SLOTS];
    for (u32 t = 0; t < SN_MAX_POINTS; t++) acc[t] = 0;
    for (u32 i = GLOBAL_ID(0); i < halfSize; i += NUM_GROUPS(0) * SN_GROUP) {
        for (u32 d = 0; d < slots; d++) {
            GLOBAL const u64 *table = d == 0 ? t0 : d == 1 ? t1 : d == 2 ? t2 : t3;
            step[d] = fp_sub(table[i + halfSize], table[i]);
            value[d] = fp_add(table[i], fp_mul(first, step[d]));
        }
        for (u32 t = 0; t < points; t++) {
            u64 product = value[slotsOfFactors & 3];
            for (u32 f = 1; f < factors; f++) product = fp_mul(product, value[(slotsOfFactors >> (2 * f)) & 3]);
            acc[t] = fp_fold(acc[t]) + product;
            for (u32 d = 0; d < slots; d++) value[d] = fp_add(value[d], step[d]);
        }
    }
    for (u32 t = 0; t < points; t++) {
        u64 total = group_sum(scratch, acc[t]);
        if (LOCAL_ID(0) == 0) partials[GROUP_ID(0) * points + t] = fp_reduce(total);
    }
}

/*
 * round_general over F_p^2 tables: slot d holds the parts (rd, id) of a table, with an imaginary part where bit d of
 * imaginaryMask is set (else id is never read and the part is 0). For t = first..first+points-1 (points <=
 * SN_MAX_EXT_POINTS) the group writes the sum's real part to partials[g*2*points + 2t] and its imaginary part after it.
 * The host orders the factors base tables first, so the running product is in F_p until the first extension factor:
 * a product of two base values takes one base multiplication, a base and an extension value two, two extension values
 * three.
 */
#define SN_MAX_EXT_POINTS 4
KERNEL void round_ext(GLOBAL const u64 *r0, GLOBAL const u64 *i0, GLOBAL const u64 *r1, GLOBAL const u64 *i1,
                      GLOBAL const u64 *r2, GLOBAL const u64 *i2, GLOBAL const u64 *r3, GLOBAL const u64 *i3,
                      u32 slots, u32 imaginaryMask, u32 factors, u32 slotsOfFactors, u32 halfSize, u32 first, u32 points,
                      GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 accRe[SN_MAX_EXT_POINTS];
    u64 accIm[SN_MAX_EXT_POINTS];
    fp2 value[SN_MAX_SLOTS];
    fp2 step[SN_MAX_SLOTS];
    for (u32 t = 0; t < SN_MAX_EXT_POINTS; t++) {
        accRe[t] = 0;
        accIm[t] = 0;
    }
    for (u32 i = GLOBAL_ID(0); i < halfSize; i += NUM_GROUPS(0) * SN_GROUP) {
        for (u32 d = 0; d < slots; d++) {
            GLOBAL const u64 *re = d == 0 ? r0 : d == 1 ? r1 : d == 2 ? r2 : r3;
            GLOBAL const u64 *im = d == 0 ? i0 : d == 1 ? i1 : d == 2 ? i2 : i3;
            fp2 low = fp2_make(re[i], 0);
            fp2 high = fp2_make(re[i + halfSize], 0);
            if ((imaginaryMask >> d) & 1) {
                low.im = im[i];
                high.im = im[i + halfSize];
            }
            step[d] = fp2_sub(high, low);
            value[d] = fp2_add(low, fp2_make(fp_mul(first, step[d].re), fp_mul(first, step[d].im)));
        }
        for (u32 t = 0; t < points; t++) {
            u32 slot = slotsOfFactors & 3;
            fp2 product = value[slot];
            u32 extension = (imaginaryMask >> slot) & 1;
            for (u32 f = 1; f < factors; f++) {
                slot = (slotsOfFactors >> (2 * f)) & 3;
                u32 factorExtension = (imaginaryMask >> slot) & 1;
                if (!extension && !factorExtension) product.re = fp_mul(product.re, value[slot].re);
                else if (!factorExtension) product = fp2_mul_base(product, value[slot].re);
                else if (!extension) product = fp2_mul_base(value[slot], product.re);
                else product = fp2_mul(product, value[slot]);
                extension |= factorExtension;
            }
            accRe[t] = fp_fold(accRe[t]) + product.re;
            accIm[t] = fp_fold(accIm[t]) + product.im;
            for (u32 d = 0; d < slots; d++) value[d] = fp2_add(value[d], step[d]);
        }
    }
    for (u32 t = 0; t < points; t++) {
        u64 totalRe = group_sum(scratch, accRe[t]);
        u64 totalIm = group_sum(scratch, accIm[t]);
        if (LOCAL_ID(0) == 0) {
            partials[GROUP_ID(0) * 2 * points + 2 * t] = fp_reduce(totalRe);
            partials[GROUP_ID(0) * 2 * points + 2 * t + 1] = fp_reduce(totalIm);
        }
    }
}

/*
 * The x^2 sum-check's sums (org.safetynets.kernels.DeviceSquareRounds): q(t) = sum over i < pairs of W(i) a_t(i)^2 for
 * t = 0, 2 and, where withOne is set, 1, with a_t(i) = A[i] + t (A[i + pairs] - A[i]) and the weight of the lower
 * variables as the product of two small tables, W(i) = high[i >> lowBits] * low[i mod 2^lowBits] (each interleaved re,
 * im), instead of a table as large as A that every round would have to fold.
 *
 * The previous round's challenge r = c + d i is folded in the same pass (fold != 0): the source (re, im) then holds
 * 4 pairs entries, A[j] = S[j] + r (S[j + 2 pairs] - S[j]) for j < 2 pairs, and A is written to (outRe, outIm), in
 * place over the source's lower half when they are the same buffers (work-item i reads and writes only the entries
 * i, i + pairs, i + 2 pairs, i + 3 pairs of its own pair). A source without an imaginary part (hasIm = 0: im is never
 * read) is the caller's table of F_p, left alone when out is a new pair of parts. Without a fold the table is A
 * itself, of F_p (hasIm = 0). One pass per round instead of a fold pass and a sums pass.
 *
 * Groups take whole blocks of 2^lowBits pairs, which share their high weight: a work-item sums low * a_t^2 over its
 * share of a block, lazily (the square's two base products canonical, the weighing's four products added unreduced:
 * re += wr sr + (p - wi) si, im += wr si + wi sr), and multiplies by the high weight once per block. Group g writes
 * its real then imaginary part of q(0), [q(1),] q(2) at partials[g * 2 * (points) + ...].
 */
DEVICE fp2 square_fold_ext(GLOBAL const u64 *re, GLOBAL const u64 *im, u32 at, u32 distance, fp2 r) {
    fp2 low = fp2_make(re[at], im[at]);
    return fp2_add(low, fp2_mul(r, fp2_sub(fp2_make(re[at + distance], im[at + distance]), low)));
}

DEVICE fp2 square_fold_base(GLOBAL const u64 *T, u32 at, u32 distance, fp2 r) {
    u64 low = T[at];
    u64 step = fp_sub(T[at + distance], low);
    return fp2_make(fp_add(low, fp_mul(r.re, step)), fp_mul(r.im, step));
}

/* acc += w x^2 over F_p^2, unreduced (below 2^64: fp_fold(acc) + two terms < 2^61 + 8 + 2^63). nwi = p - wi. */
DEVICE void square_weigh_ext(fp2 x, u64 wr, u64 wi, u64 nwi, u64 *accRe, u64 *accIm) {
    u64 sr = fp_mul(fp_add(x.re, x.im), fp_sub(x.re, x.im));
    u64 ab = fp_mul(x.re, x.im);
    u64 si = fp_add(ab, ab);
    *accRe = fp_fold(*accRe) + fp_term(wr, sr) + fp_term(nwi, si);
    *accIm = fp_fold(*accIm) + fp_term(wr, si) + fp_term(wi, sr);
}

DEVICE void square_weigh_base(u64 x, u64 wr, u64 wi, u64 *accRe, u64 *accIm) {
    u64 s = fp_mul(x, x);
    *accRe = fp_fold(*accRe) + fp_term(wr, s);
    *accIm = fp_fold(*accIm) + fp_term(wi, s);
}

/* Adds the high weight h times the block's reduced sum to the accumulator pair (kept below 2^63 for group_sum). */
DEVICE void square_weigh_block(fp2 h, u64 blockRe, u64 blockIm, u64 *accRe, u64 *accIm) {
    fp2 weighted = fp2_mul(h, fp2_make(fp_reduce(blockRe), fp_reduce(blockIm)));
    *accRe = fp_fold(*accRe) + weighted.re;
    *accIm = fp_fold(*accIm) + weighted.im;
}

/*
 * One work-item's share of square_sums: acc holds re, im of q(0), q(1), q(2). hasIm and fold are literal constants at
 * each call, so every mode is compiled as its own straight loop.
 */
DEVICE void square_sums_share(GLOBAL u64 *re, GLOBAL u64 *im, GLOBAL u64 *outRe, GLOBAL u64 *outIm, u32 hasIm, u32 fold,
                              fp2 r, u32 pairs, GLOBAL const u64 *low, u32 lowBits, GLOBAL const u64 *high, u32 withOne,
                              u64 *acc) {
    u32 blockSize = 1u << lowBits;
    u32 blocks = pairs >> lowBits;
    for (u32 b = GROUP_ID(0); b < blocks; b += NUM_GROUPS(0)) {
        u64 block[6] = {0, 0, 0, 0, 0, 0};
        for (u32 j = LOCAL_ID(0); j < blockSize; j += SN_GROUP) {
            u32 i = (b << lowBits) + j;
            u64 wr = low[2 * j];
            u64 wi = low[2 * j + 1];
            if (fold) {
                fp2 x0 = hasIm ? square_fold_ext(re, im, i, 2 * pairs, r) : square_fold_base(re, i, 2 * pairs, r);
                fp2 x1 = hasIm ? square_fold_ext(re, im, i + pairs, 2 * pairs, r) : square_fold_base(re, i + pairs, 2 * pairs, r);
                outRe[i] = x0.re;
                outIm[i] = x0.im;
                outRe[i + pairs] = x1.re;
                outIm[i + pairs] = x1.im;
                u64 nwi = fp_sub(0, wi);
                square_weigh_ext(x0, wr, wi, nwi, &block[0], &block[1]);
                if (withOne) square_weigh_ext(x1, wr, wi, nwi, &block[2], &block[3]);
                square_weigh_ext(fp2_sub(fp2_add(x1, x1), x0), wr, wi, nwi, &block[4], &block[5]);
            } else {
                u64 x0 = re[i];
                u64 x1 = re[i + pairs];
                square_weigh_base(x0, wr, wi, &block[0], &block[1]);
                if (withOne) square_weigh_base(x1, wr, wi, &block[2], &block[3]);
                square_weigh_base(fp_sub(fp_add(x1, x1), x0), wr, wi, &block[4], &block[5]);
            }
        }
        fp2 h = fp2_make(high[2 * b], high[2 * b + 1]);
        for (u32 t = 0; t < 3; t++) square_weigh_block(h, block[2 * t], block[2 * t + 1], &acc[2 * t], &acc[2 * t + 1]);
    }
}

/* Group g's real and imaginary parts of q(0), [q(1),] q(2) from its work-items' accumulators. All must call. */
DEVICE void square_sums_partials(LOCAL_PTR u64 *scratch, u64 *acc, u32 withOne, GLOBAL u64 *partials) {
    u32 width = withOne ? 6 : 4;
    for (u32 t = 0; t < 3; t++) {
        if (t == 1 && !withOne) continue;
        u64 totalRe = group_sum(scratch, acc[2 * t]);
        u64 totalIm = group_sum(scratch, acc[2 * t + 1]);
        u32 column = t == 0 || withOne ? 2 * t : 2;
        if (LOCAL_ID(0) == 0) {
            partials[GROUP_ID(0) * width + column] = fp_reduce(totalRe);
            partials[GROUP_ID(0) * width + column + 1] = fp_reduce(totalIm);
        }
    }
}

KERNEL void square_sums(GLOBAL u64 *re, GLOBAL u64 *im, u32 hasIm, u32 fold, u64 c, u64 d, GLOBAL u64 *outRe,
                        GLOBAL u64 *outIm, u32 pairs, GLOBAL const u64 *low, u32 lowBits, GLOBAL const u64 *high,
                        u32 withOne, GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 acc[6] = {0, 0, 0, 0, 0, 0};
    fp2 r = fp2_make(c, d);
    if (!fold) square_sums_share(re, im, outRe, outIm, 0, 0, r, pairs, low, lowBits, high, withOne, acc);
    else if (!hasIm) square_sums_share(re, im, outRe, outIm, 0, 1, r, pairs, low, lowBits, high, withOne, acc);
    else square_sums_share(re, im, outRe, outIm, 1, 1, r, pairs, low, lowBits, high, withOne, acc);
    square_sums_partials(scratch, acc, withOne, partials);
}

/* The matrix-product sum-check's case: two distinct tables, A*B, at t = 0..points-1 (points <= SN_MAX_POINTS). */
KERNEL void round_pair(GLOBAL const u64 *a, GLOBAL const u64 *b, u32 halfSize, u32 points, GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 acc[SN_MAX_POINTS];
    for (u32 t = 0; t < SN_MAX_POINTS; t++) acc[t] = 0;
    for (u32 i = GLOBAL_ID(0); i < halfSize; i += NUM_GROUPS(0) * SN_GROUP) {
        u64 x = a[i];
        u64 dx = fp_sub(a[i + halfSize], x);
        u64 y = b[i];
        u64 dy = fp_sub(b[i + halfSize], y);
        for (u32 t = 0; t < points; t++) {
            acc[t] = fp_mac(acc[t], x, y);
            x = fp_add(x, dx);
            y = fp_add(y, dy);
        }
    }
    for (u32 t = 0; t < points; t++) {
        u64 total = group_sum(scratch, acc[t]);
        if (LOCAL_ID(0) == 0) partials[GROUP_ID(0) * points + t] = fp_reduce(total);
    }
}

/*
 * The sum-pool sub-protocol: for the window offsets o in [o0, o0 + width) (o = dh*s + dw, width <= 16),
 * sum over output entries y = (c, oh, ow, b) < n of eq[y] * X[c, oh*s + dh, ow*s + dw, b].
 */
KERNEL void pool_offset_sums(GLOBAL const u64 *X, GLOBAL const u64 *eq, u32 s, u32 outHp, u32 outWp, u32 bp, u32 n,
                             u32 o0, u32 width, GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 acc[16];
    for (u32 o = 0; o < 16; o++) acc[o] = 0;
    u32 hp = outHp * s;
    u32 wp = outWp * s;
    for (u32 y = GLOBAL_ID(0); y < n; y += NUM_GROUPS(0) * SN_GROUP) {
        u32 b = y % bp;
        u32 rest = y / bp;
        u32 ow = rest % outWp;
        rest /= outWp;
        u32 oh = rest % outHp;
        u32 c = rest / outHp;
        u64 e = eq[y];
        for (u32 o = 0; o < width; o++) {
            u32 dh = (o0 + o) / s;
            u32 dw = (o0 + o) % s;
            acc[o] = fp_mac(acc[o], e, X[((u64) (c * hp + oh * s + dh) * wp + ow * s + dw) * bp + b]);
        }
    }
    for (u32 o = 0; o < width; o++) {
        u64 total = group_sum(scratch, acc[o]);
        if (LOCAL_ID(0) == 0) partials[GROUP_ID(0) * width + o] = fp_reduce(total);
    }
}

/* Kernel column u = (ci*kp + kh)*kp + kw of conv2d's geometry g (CG_*): whether it is real (ci, kh, kw not padding). */
DEVICE int conv_patch_column(GLOBAL const i32 *g, u32 u, i32 *ci, i32 *kh, i32 *kw) {
    i32 kp = g[CG_KP];
    *ci = u / (kp * kp);
    *kh = (u / kp) % kp;
    *kw = u % kp;
    return *ci < g[CG_CIN] && *kh < g[CG_K] && *kw < g[CG_K];
}

/*
 * The padded input feature that output position q = oh*outW + ow (oh, ow set here) reads through kernel column
 * (ci, kh, kw), or -1 outside the input.
 */
DEVICE i32 conv_patch_input(GLOBAL const i32 *g, i32 ci, i32 kh, i32 kw, i32 q, i32 *oh, i32 *ow) {
    *oh = q / g[CG_OW];
    *ow = q % g[CG_OW];
    i32 ih = *oh * g[CG_STRIDE] + kh - g[CG_PAD];
    i32 iw = *ow * g[CG_STRIDE] + kw - g[CG_PAD];
    if (ih < 0 || ih >= g[CG_H] || iw < 0 || iw >= g[CG_W]) return -1;
    return (ci * g[CG_HP] + ih) * g[CG_WP] + iw;
}

/*
 * The conv sub-protocol's patch sums, one work-group per kernel column u = (ci*kp + kh)*kp + kw:
 * U[u] = sum over real output positions (oh, ow) of eqRows[oh] * eqCols[ow] * x[ci, oh*stride + kh - pad, ow*stride + kw - pad]
 * over in-range input coordinates; zero where ci, kh or kw is padding. x holds one value per padded input feature.
 * The geometry array is conv2d's (CG_*).
 */
KERNEL void conv_patch_sums(GLOBAL const u64 *x, GLOBAL const u64 *eqRows, GLOBAL const u64 *eqCols, GLOBAL const i32 *g,
                            GLOBAL u64 *U) {
    LOCAL u64 scratch[SN_GROUP];
    u32 u = GROUP_ID(0);
    i32 ci, kh, kw;
    u64 acc = 0;
    if (conv_patch_column(g, u, &ci, &kh, &kw)) {
        for (i32 q = LOCAL_ID(0); q < g[CG_OH] * g[CG_OW]; q += SN_GROUP) {
            i32 oh, ow;
            i32 at = conv_patch_input(g, ci, kh, kw, q, &oh, &ow);
            if (at >= 0) acc = fp_mac(acc, fp_mul(eqRows[oh], eqCols[ow]), x[at]);
        }
    }
    u64 total = group_sum(scratch, acc);
    if (LOCAL_ID(0) == 0) U[u] = fp_reduce(total);
}

/*
 * conv_patch_sums over F_p^2: the input x has the parts (xRe, xIm) (hasIm = 0: a table of F_p, xIm never read), the
 * eq tables are interleaved (re, im), and U's parts go to (uRe, uIm). Per term, e = eqRows[oh] eqCols[ow] (three base
 * products) weighs x lazily, as square_weigh_ext: re += er xr + (p - ei) xi, im += er xi + ei xr (two terms over F_p).
 */
KERNEL void conv_patch_sums_ext(GLOBAL const u64 *xRe, GLOBAL const u64 *xIm, u32 hasIm, GLOBAL const u64 *eqRows,
                                GLOBAL const u64 *eqCols, GLOBAL const i32 *g, GLOBAL u64 *uRe, GLOBAL u64 *uIm) {
    LOCAL u64 scratch[SN_GROUP];
    u32 u = GROUP_ID(0);
    i32 ci, kh, kw;
    u64 accRe = 0;
    u64 accIm = 0;
    if (conv_patch_column(g, u, &ci, &kh, &kw)) {
        for (i32 q = LOCAL_ID(0); q < g[CG_OH] * g[CG_OW]; q += SN_GROUP) {
            i32 oh, ow;
            i32 at = conv_patch_input(g, ci, kh, kw, q, &oh, &ow);
            if (at < 0) continue;
            fp2 e = fp2_mul(fp2_make(eqRows[2 * oh], eqRows[2 * oh + 1]), fp2_make(eqCols[2 * ow], eqCols[2 * ow + 1]));
            u64 xr = xRe[at];
            if (hasIm) {
                u64 xi = xIm[at];
                accRe = fp_fold(accRe) + fp_term(e.re, xr) + fp_term(fp_sub(0, e.im), xi);
                accIm = fp_fold(accIm) + fp_term(e.re, xi) + fp_term(e.im, xr);
            } else {
                accRe = fp_mac(accRe, e.re, xr);
                accIm = fp_mac(accIm, e.im, xr);
            }
        }
    }
    u64 totalRe = group_sum(scratch, fp_fold(accRe)); /* group_sum takes values below 2^63 */
    u64 totalIm = group_sum(scratch, fp_fold(accIm));
    if (LOCAL_ID(0) == 0) {
        uRe[u] = fp_reduce(totalRe);
        uIm[u] = fp_reduce(totalIm);
    }
}
