/*
 * Inference: the exact field matrix product and convolution, bias, x^2 and sum pooling. Tensors are
 * features x batch matrices, entry (c, h, w, b) at ((c*Hp + h)*Wp + w)*Bp + b (org.safetynets.tensor.Layout).
 *
 * Products have two paths that give the same canonical results:
 *   unsigned: any canonical operands; an exact 128-bit sum, folded below 2^63 once per tile / 32 terms;
 *   signed:   the driver has checked every |signed operand| (maxA * maxB = m < 2^62) and passes how many
 *             products a signed 64-bit sum may take between reductions, floor(2^62 / m) (see i64_to_field):
 *             one 64-bit multiply and add per term, which vectorises across work-items;
 *   limb:     (SN_FP64 only) small weights, |w| <= 2^16, and any activations: fp64 fused multiply-adds on the
 *             activations' one or two limbs, exact over a block of terms (field.h, org.safetynets.field.LimbPlan),
 *             recombined mod p once per block. A 64-bit integer multiply is slow or emulated on CPUs' vector units
 *             and on GPUs, where an fp64 fma is native.
 */
#define SN_TILE 16

/* C = A*B, A rows x inner, B inner x cols, row-major. Work-groups of SN_TILE x SN_TILE; tiles staged in local memory. */
KERNEL void matmul(GLOBAL const u64 *A, GLOBAL const u64 *B, GLOBAL u64 *C, u32 rows, u32 inner, u32 cols) {
    LOCAL u64 as[SN_TILE][SN_TILE];
    LOCAL u64 bs[SN_TILE][SN_TILE];
    u32 tx = LOCAL_ID(0);
    u32 ty = LOCAL_ID(1);
    u32 col = GROUP_ID(0) * SN_TILE + tx;
    u32 row = GROUP_ID(1) * SN_TILE + ty;
    u64 lo = 0;
    u64 hi = 0; /* hi*2^64 + lo = the exact sum so far: below 2^63 + 16 * 2^122 after each tile */
    for (u32 k0 = 0; k0 < inner; k0 += SN_TILE) {
        as[ty][tx] = (row < rows && k0 + tx < inner) ? A[(u64) row * inner + k0 + tx] : 0;
        bs[ty][tx] = (k0 + ty < inner && col < cols) ? B[(u64) (k0 + ty) * cols + col] : 0;
        LOCAL_BARRIER();
        for (u32 k = 0; k < SN_TILE; k++) acc128_mac(&lo, &hi, as[ty][k], bs[k][tx]);
        acc128_fold(&lo, &hi);
        LOCAL_BARRIER();
    }
    if (row < rows && col < cols) C[(u64) row * cols + col] = fp_reduce(lo);
}

/* The same product on signed representatives; reduced every tilesPerReduce tiles (>= 1). */
KERNEL void matmul_signed(GLOBAL const u64 *A, GLOBAL const u64 *B, GLOBAL u64 *C, u32 rows, u32 inner, u32 cols,
                          u32 tilesPerReduce) {
    LOCAL i64 as[SN_TILE][SN_TILE];
    LOCAL i64 bs[SN_TILE][SN_TILE];
    u32 tx = LOCAL_ID(0);
    u32 ty = LOCAL_ID(1);
    u32 col = GROUP_ID(0) * SN_TILE + tx;
    u32 row = GROUP_ID(1) * SN_TILE + ty;
    i64 acc = 0;
    u32 tiles = 0;
    for (u32 k0 = 0; k0 < inner; k0 += SN_TILE) {
        as[ty][tx] = (row < rows && k0 + tx < inner) ? fp_signed(A[(u64) row * inner + k0 + tx]) : 0;
        bs[ty][tx] = (k0 + ty < inner && col < cols) ? fp_signed(B[(u64) (k0 + ty) * cols + col]) : 0;
        LOCAL_BARRIER();
        if (tiles == tilesPerReduce) {
            acc = (i64) i64_to_field(acc);
            tiles = 0;
        }
        for (u32 k = 0; k < SN_TILE; k++) acc += as[ty][k] * bs[k][tx];
        tiles++;
        LOCAL_BARRIER();
    }
    if (row < rows && col < cols) C[(u64) row * cols + col] = i64_to_field(acc);
}

#ifdef SN_FP64
/*
 * matmul_signed by the limb method: A holds the small weights, B any activations (LimbPlan.of(maxA, maxB, inner) gave
 * limbs). The tiles are staged as doubles: A's signed values, B's limbs. Each work-item keeps one exact sum per limb
 * and recombines it mod p every tilesPerBlock tiles (>= 1; tilesPerBlock*SN_TILE <= the plan's block, or inner fits
 * one tile and block >= inner: zero padding adds nothing).
 */
KERNEL void matmul_limb(GLOBAL const u64 *A, GLOBAL const u64 *B, GLOBAL u64 *C, u32 rows, u32 inner, u32 cols,
                        u32 limbs, u32 tilesPerBlock) {
    LOCAL double as[SN_TILE][SN_TILE];
    LOCAL double bHigh[SN_TILE][SN_TILE];
    LOCAL double bLow[SN_TILE][SN_TILE];
    u32 tx = LOCAL_ID(0);
    u32 ty = LOCAL_ID(1);
    u32 col = GROUP_ID(0) * SN_TILE + tx;
    u32 row = GROUP_ID(1) * SN_TILE + ty;
    u64 acc = 0;
    double high = 0;
    double low = 0;
    u32 tiles = 0;
    for (u32 k0 = 0; k0 < inner; k0 += SN_TILE) {
        as[ty][tx] = (row < rows && k0 + tx < inner) ? (double) fp_signed(A[(u64) row * inner + k0 + tx]) : 0.0;
        u64 x = (k0 + ty < inner && col < cols) ? B[(u64) (k0 + ty) * cols + col] : 0;
        bHigh[ty][tx] = fp_limb_high(x, limbs);
        bLow[ty][tx] = fp_limb_low(x);
        LOCAL_BARRIER();
        if (tiles == tilesPerBlock) {
            acc = fp_add(acc, fp_from_limbs(high, low, limbs));
            high = 0;
            low = 0;
            tiles = 0;
        }
        if (limbs == 1) {
            for (u32 k = 0; k < SN_TILE; k++) high = fma(as[ty][k], bHigh[k][tx], high);
        } else {
            for (u32 k = 0; k < SN_TILE; k++) {
                high = fma(as[ty][k], bHigh[k][tx], high);
                low = fma(as[ty][k], bLow[k][tx], low);
            }
        }
        tiles++;
        LOCAL_BARRIER();
    }
    if (row < rows && col < cols) C[(u64) row * cols + col] = fp_add(acc, fp_from_limbs(high, low, limbs));
}
#endif

/*
 * Geometry of a convolution as conv_patch_sums reads it, packed by the host into an int array (KernelBackend.convGeometry):
 * Cin H W Hp Wp (input), Cout outH outW outHp outWp (output), k kp stride pad Bp, kernelColumns.
 */
#define CG_CIN 0
#define CG_H 1
#define CG_W 2
#define CG_HP 3
#define CG_WP 4
#define CG_COUT 5
#define CG_OH 6
#define CG_OW 7
#define CG_OHP 8
#define CG_OWP 9
#define CG_K 10
#define CG_KP 11
#define CG_STRIDE 12
#define CG_PAD 13
#define CG_BP 14
#define CG_KCOLS 15

/*
 * Y[co, oh, ow, b] = sum over ci < Cin, kh, kw < k with the input coordinate inside the image of
 * K[co, (ci*kp + kh)*kp + kw] * X[ci, oh*stride + kh - pad, ow*stride + kw - pad, b]; zero where co, oh or ow is padding.
 * NDRange (Bp, outHp*outWp, Cop), work-groups along b only: every branch below depends on the group's (co, oh, ow)
 * alone, so a group's work-items run in lockstep, each weight is one broadcast, and consecutive work-items read
 * consecutive input entries (on a CPU device the work-item loop vectorises; on a GPU a warp's loads coalesce).
 * Bp is read off the launch (groups x group size in dimension 0), so the launch covers exactly Bp, outHp*outWp, Cop.
 */
#define CONV_PARAMS u32 cin, u32 height, u32 width, u32 hp, u32 wp, u32 cout, u32 outH, u32 outW, u32 outWp, \
    u32 k, u32 kp, u32 stride, u32 pad, u32 kernelColumns

KERNEL void conv2d(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS) {
    u32 b = GLOBAL_ID(0);
    u32 bp = NUM_GROUPS(0) * LOCAL_SIZE(0);
    u32 oh = GLOBAL_ID(1) / outWp;
    u32 ow = GLOBAL_ID(1) % outWp;
    u32 co = GLOBAL_ID(2);
    u64 at = ((u64) GLOBAL_ID(2) * (GLOBAL_SIZE_OF(1)) + GLOBAL_ID(1)) * bp + b;
    if (co >= cout || oh >= outH || ow >= outW) {
        Y[at] = 0;
        return;
    }
    u64 lo = 0;
    u64 hi = 0; /* hi*2^64 + lo: the exact sum; folded below 2^63 before every run of at most 32 terms */
    GLOBAL const u64 *kernelRow = K + (u64) co * kernelColumns;
    for (u32 ci = 0; ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            i32 ih = (i32) (oh * stride + kh) - (i32) pad;
            if (ih < 0 || ih >= (i32) height) continue;
            GLOBAL const u64 *weights = kernelRow + (ci * kp + kh) * kp;
            GLOBAL const u64 *xRow = X + ((u64) (ci * hp + ih) * wp) * bp + b;
            acc128_fold(&lo, &hi);
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                acc128_mac(&lo, &hi, weights[kw], xRow[(u64) iw * bp]);
                if ((kw & 31) == 31) acc128_fold(&lo, &hi); /* kernels wider than 32 */
            }
        }
    }
    Y[at] = acc128_reduce(lo, hi);
}

/* conv2d on signed representatives; the driver guarantees termsPerReduce >= k, so a run of k terms fits. */
KERNEL void conv2d_signed(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u64 termsPerReduce) {
    u32 b = GLOBAL_ID(0);
    u32 bp = NUM_GROUPS(0) * LOCAL_SIZE(0);
    u32 oh = GLOBAL_ID(1) / outWp;
    u32 ow = GLOBAL_ID(1) % outWp;
    u32 co = GLOBAL_ID(2);
    u64 at = ((u64) GLOBAL_ID(2) * (GLOBAL_SIZE_OF(1)) + GLOBAL_ID(1)) * bp + b;
    if (co >= cout || oh >= outH || ow >= outW) {
        Y[at] = 0;
        return;
    }
    i64 acc = 0;
    u64 terms = 0; /* products added since acc was last canonical */
    GLOBAL const u64 *kernelRow = K + (u64) co * kernelColumns;
    for (u32 ci = 0; ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            i32 ih = (i32) (oh * stride + kh) - (i32) pad;
            if (ih < 0 || ih >= (i32) height) continue;
            GLOBAL const u64 *weights = kernelRow + (ci * kp + kh) * kp;
            GLOBAL const u64 *xRow = X + ((u64) (ci * hp + ih) * wp) * bp + b;
            if (terms + k > termsPerReduce) {
                acc = (i64) i64_to_field(acc);
                terms = 0;
            }
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                acc += fp_signed(weights[kw]) * fp_signed(xRow[(u64) iw * bp]);
            }
            terms += k;
        }
    }
    Y[at] = i64_to_field(acc);
}

#ifdef SN_FP64
/* Output channels per work-item of conv2d_limb: each activation's limbs, read once, serve this many weights. */
#define SN_LIMB_ROWS 4

/* Where output row oh reads input channel ci at kernel row kh: entry (ci, oh*stride + kh - pad, 0, b) of X, or 0
 * (no row) where that falls in the zero padding. */
DEVICE GLOBAL const u64 *conv_input_row(GLOBAL const u64 *X, u32 ci, u32 kh, u32 oh, u32 stride, u32 pad, u32 height,
                                        u32 hp, u32 wp, u32 bp, u32 b) {
    i32 ih = (i32) (oh * stride + kh) - (i32) pad;
    if (ih < 0 || ih >= (i32) height) return 0;
    return X + ((u64) (ci * hp + ih) * wp) * bp + b;
}

/*
 * conv2d by the limb method (field.h): K holds the small weights, X any activations; limbs and block from
 * LimbPlan.of(maxK, maxX, Cin*k*k), and the driver guarantees block >= k, so a run of k terms fits a block. Each
 * work-item computes SN_LIMB_ROWS output channels co0.. of one (oh, ow, b), one exact sum per channel and limb, with
 * every input entry's limbs computed once for all of them (register blocking). NDRange (Bp, outHp*outWp,
 * ceil(Cop / SN_LIMB_ROWS)), work-groups along b as in conv2d; coutPadded is Cop. A channel at or past cout reads
 * the last real channel's weights (no branch in the loop) and stores zero.
 */
KERNEL void conv2d_limb(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u32 coutPadded,
                        u32 limbs, u64 block) {
    u32 b = GLOBAL_ID(0);
    u32 bp = NUM_GROUPS(0) * LOCAL_SIZE(0);
    u32 position = GLOBAL_ID(1);
    u32 oh = position / outWp;
    u32 ow = position % outWp;
    u32 co0 = GLOBAL_ID(2) * SN_LIMB_ROWS;
    u64 acc[SN_LIMB_ROWS];
    double high[SN_LIMB_ROWS];
    double low[SN_LIMB_ROWS];
    GLOBAL const u64 *kernelRows[SN_LIMB_ROWS];
    for (u32 r = 0; r < SN_LIMB_ROWS; r++) {
        acc[r] = 0;
        high[r] = 0;
        low[r] = 0;
        kernelRows[r] = K + (u64) min(co0 + r, cout - 1) * kernelColumns;
    }
    u32 live = oh < outH && ow < outW;
    u64 terms = 0; /* products in the limb sums since they were last recombined */
    for (u32 ci = 0; live && ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            GLOBAL const u64 *xRow = conv_input_row(X, ci, kh, oh, stride, pad, height, hp, wp, bp, b);
            if (xRow == 0) continue;
            u32 column = (ci * kp + kh) * kp;
            if (terms + k > block) {
                for (u32 r = 0; r < SN_LIMB_ROWS; r++) {
                    acc[r] = fp_add(acc[r], fp_from_limbs(high[r], low[r], limbs));
                    high[r] = 0;
                    low[r] = 0;
                }
                terms = 0;
            }
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                u64 x = xRow[(u64) iw * bp];
                double xHigh = fp_limb_high(x, limbs);
                double xLow = fp_limb_low(x);
                for (u32 r = 0; r < SN_LIMB_ROWS; r++) {
                    double w = (double) fp_signed(kernelRows[r][column + kw]);
                    high[r] = fma(w, xHigh, high[r]);
                    if (limbs == 2) low[r] = fma(w, xLow, low[r]);
                }
            }
            terms += k;
        }
    }
    for (u32 r = 0; r < SN_LIMB_ROWS; r++) {
        u32 co = co0 + r;
        if (co >= coutPadded) break;
        Y[((u64) co * GLOBAL_SIZE_OF(1) + position) * bp + b] = live && co < cout ? fp_add(acc[r], fp_from_limbs(high[r], low[r], limbs)) : 0;
    }
}
#endif

/*
 * In place: Y[c, h, w, b] += bias[c] at every real position (c < C, h < H, w < W, b < batch), one work-item per
 * padded entry (n = Cp*Hp*Wp*bp of them). The padded extents are powers of two, so the coordinates are bit fields
 * of the index (wpBits, hpBits, bpBits wide): shifts, where divisions by the real extents cost more than the
 * padding's idle work-items.
 */
KERNEL void add_bias(GLOBAL u64 *Y, GLOBAL const u64 *bias, u32 C, u32 H, u32 W, u32 batch, u32 hpBits, u32 wpBits,
                     u32 bpBits, u32 n) {
    u32 i = GLOBAL_ID(0);
    if (i >= n) return;
    u32 b = i & ((1u << bpBits) - 1);
    u32 w = (i >> bpBits) & ((1u << wpBits) - 1);
    u32 h = (i >> (bpBits + wpBits)) & ((1u << hpBits) - 1);
    u32 c = i >> (bpBits + wpBits + hpBits);
    if (b < batch && w < W && h < H && c < C) Y[i] = fp_add(Y[i], bias[c]);
}

KERNEL void square(GLOBAL const u64 *X, GLOBAL u64 *Y, u32 n) {
    u32 i = GLOBAL_ID(0);
    if (i < n) Y[i] = fp_mul(X[i], X[i]);
}

/*
 * For sum_pool's output entry i = (c, oh, ow, b): the index in X of its window's first entry (c, oh*s, ow*s, b), and
 * in *rowStride, *columnStride the index steps of dh and dw. Coordinates are bit fields of i (see sum_pool).
 */
DEVICE u64 sum_pool_window(u32 i, u32 sBits, u32 outHpBits, u32 outWpBits, u32 bpBits, u64 *rowStride, u64 *columnStride) {
    u32 b = i & ((1u << bpBits) - 1);
    u32 ow = (i >> bpBits) & ((1u << outWpBits) - 1);
    u32 oh = (i >> (bpBits + outWpBits)) & ((1u << outHpBits) - 1);
    u32 c = i >> (bpBits + outWpBits + outHpBits);
    u32 wpBits = outWpBits + sBits;
    u32 hpBits = outHpBits + sBits;
    *rowStride = (u64) 1 << (wpBits + bpBits);
    *columnStride = (u64) 1 << bpBits;
    return ((((u64) ((c << hpBits) + (oh << sBits)) << wpBits) + (ow << sBits)) << bpBits) + b;
}

/*
 * One work-item per entry of the padded output (n of them): Y[c, oh, ow, b] = sum over dh, dw < s of
 * X[c, oh*s + dh, ow*s + dw, b], or of its square where squared is set (x^2 then pooling, without the squares as a
 * tensor). s = 2^sBits; the output's padded height and width (2^outHpBits, 2^outWpBits) are the input's divided by s,
 * and the padded batch is 2^bpBits, so coordinates are bit fields of the index.
 */
KERNEL void sum_pool(GLOBAL const u64 *X, GLOBAL u64 *Y, u32 sBits, u32 outHpBits, u32 outWpBits, u32 bpBits, u32 n,
                     u32 squared) {
    u32 i = GLOBAL_ID(0);
    if (i >= n) return;
    u64 rowStride, columnStride;
    GLOBAL const u64 *window = X + sum_pool_window(i, sBits, outHpBits, outWpBits, bpBits, &rowStride, &columnStride);
    u64 sum = 0;
    for (u32 o = 0; o < (1u << (2 * sBits)); o++) { /* window offset o = dh*s + dw */
        u64 x = window[(o >> sBits) * rowStride + (o & ((1u << sBits) - 1)) * columnStride];
        sum = squared ? fp_mac(sum, x, x) : fp_fold(sum) + x;
    }
    Y[i] = fp_reduce(sum);
}
