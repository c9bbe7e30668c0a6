/* Tables the prover builds and shrinks: product (eq) tables, folds, and the eq^T M / M eq combinations. */

/* out[x] = prod over j < count of (bit j of x ? one[from + j] : zero[from + j]), for x < 2^count. */
KERNEL void product_table_part(GLOBAL const u64 *zero, GLOBAL const u64 *one, u32 from, u32 count, GLOBAL u64 *out) {
    u32 x = GLOBAL_ID(0);
    if (x >= (1u << count)) return;
    u64 product = 1;
    for (u32 j = 0; j < count; j++) product = fp_mul(product, ((x >> j) & 1) ? one[from + j] : zero[from + j]);
    out[x] = product;
}

/* E[x] = high[x >> lowBits] * low[x mod 2^lowBits]: the product table over all variables, one multiply per entry. */
KERNEL void outer_product(GLOBAL const u64 *high, GLOBAL const u64 *low, u32 lowBits, GLOBAL u64 *out, u32 n) {
    u32 x = GLOBAL_ID(0);
    if (x < n) out[x] = fp_mul(high[x >> lowBits], low[x & ((1u << lowBits) - 1)]);
}

/* In place: T[i] = T[i] + r*(T[i+halfSize] - T[i]) for i < halfSize. Reads only [halfSize, 2 halfSize), so work-items are independent. */
KERNEL void fold(GLOBAL u64 *T, u32 halfSize, u64 r) {
    u32 i = GLOBAL_ID(0);
    if (i >= halfSize) return;
    u64 low = T[i];
    T[i] = fp_add(low, fp_mul(r, fp_sub(T[i + halfSize], low)));
}

/*
 * F_p^2 product tables, for eq tables of the verifier's points. Weights are interleaved (re at 2j, im at 2j + 1), and
 * so is the part table out: out[2x] + i out[2x + 1] = prod over j < count of (bit j of x ? one_j : zero_j).
 */
KERNEL void product_table_part_ext(GLOBAL const u64 *zero, GLOBAL const u64 *one, u32 from, u32 count, GLOBAL u64 *out) {
    u32 x = GLOBAL_ID(0);
    if (x >= (1u << count)) return;
    fp2 product = fp2_make(1, 0);
    for (u32 j = 0; j < count; j++) {
        GLOBAL const u64 *w = ((x >> j) & 1) ? one : zero;
        product = fp2_mul(product, fp2_make(w[2 * (from + j)], w[2 * (from + j) + 1]));
    }
    out[2 * x] = product.re;
    out[2 * x + 1] = product.im;
}

/* E[x] = high[x >> lowBits] * low[x mod 2^lowBits] over F_p^2, from interleaved part tables into the parts of E. */
KERNEL void outer_product_ext(GLOBAL const u64 *high, GLOBAL const u64 *low, u32 lowBits, GLOBAL u64 *re, GLOBAL u64 *im,
                              u32 n) {
    u32 x = GLOBAL_ID(0);
    if (x >= n) return;
    u32 h = x >> lowBits;
    u32 l = x & ((1u << lowBits) - 1);
    fp2 e = fp2_mul(fp2_make(high[2 * h], high[2 * h + 1]), fp2_make(low[2 * l], low[2 * l + 1]));
    re[x] = e.re;
    im[x] = e.im;
}

/*
 * In place on both parts: T[i] = T[i] + r*(T[i+halfSize] - T[i]) for i < halfSize with r = c + d i, T = re + i im:
 * re' = re + c*dre - d*dim, im' = im + c*dim + d*dre (dre, dim the differences of the parts). Reads only the upper
 * halves besides its own entry, so work-items are independent.
 */
KERNEL void fold_ext(GLOBAL u64 *re, GLOBAL u64 *im, u32 halfSize, u64 c, u64 d) {
    u32 i = GLOBAL_ID(0);
    if (i >= halfSize) return;
    fp2 low = fp2_make(re[i], im[i]);
    fp2 step = fp2_mul(fp2_make(c, d), fp2_sub(fp2_make(re[i + halfSize], im[i + halfSize]), low));
    re[i] = fp_add(low.re, step.re);
    im[i] = fp_add(low.im, step.im);
}

/*
 * A table of F_p folded by r = c + d i into new parts (the base table is left alone: it is a witness its owner keeps):
 * re'[i] = T[i] + c*(T[i+halfSize] - T[i]), im'[i] = d*(T[i+halfSize] - T[i]).
 */
KERNEL void fold_base_ext(GLOBAL const u64 *T, u32 halfSize, u64 c, u64 d, GLOBAL u64 *re, GLOBAL u64 *im) {
    u32 i = GLOBAL_ID(0);
    if (i >= halfSize) return;
    u64 low = T[i];
    u64 step = fp_sub(T[i + halfSize], low);
    re[i] = fp_add(low, fp_mul(c, step));
    im[i] = fp_mul(d, step);
}

/*
 * The parts of a product bilinear over F_p of two F_p^2 operands, (a + b i)(c + d i), from its four base products, in
 * place: re[k] = ac[k] - bd[k] (ac becomes the real part), im[k] = ad[k] + bc[k] (ad becomes the imaginary part).
 */
KERNEL void ext_from_products(GLOBAL u64 *ac, GLOBAL const u64 *bd, GLOBAL u64 *ad, GLOBAL const u64 *bc, u32 n) {
    u32 k = GLOBAL_ID(0);
    if (k >= n) return;
    ac[k] = fp_sub(ac[k], bd[k]);
    ad[k] = fp_add(ad[k], bc[k]);
}

/*
 * weights^T * M in slices of rows: out[s*cols + j] = sum over rows i in slice s ([s*perSlice, (s+1)*perSlice) cut
 * at rows) of e[i] * M[i, j]. Work-items along dimension 0 are consecutive columns, so reads of M coalesce.
 */
KERNEL void row_combination(GLOBAL const u64 *e, GLOBAL const u64 *M, u32 rows, u32 cols, u32 perSlice, GLOBAL u64 *out) {
    u32 j = GLOBAL_ID(0);
    u32 s = GLOBAL_ID(1);
    if (j >= cols) return;
    u32 from = s * perSlice;
    u32 to = min(rows, from + perSlice);
    u64 acc = 0;
    for (u32 i = from; i < to; i++) acc = fp_mac(acc, e[i], M[(u64) i * cols + j]);
    out[(u64) s * cols + j] = fp_reduce(acc);
}

/* out[j] = sum over s < slices of partials[s*cols + j] (canonical): the row slices of row_combination added. */
KERNEL void sum_slices(GLOBAL const u64 *partials, u32 slices, u32 cols, GLOBAL u64 *out) {
    u32 j = GLOBAL_ID(0);
    if (j >= cols) return;
    u64 acc = 0;
    for (u32 s = 0; s < slices; s++) acc = fp_fold(acc) + partials[(u64) s * cols + j];
    out[j] = fp_reduce(acc);
}

/* M * weights with one work-group (SN_GROUP work-items) per row i: out[i] = sum over j of M[i, j] * e[j]. */
KERNEL void column_combination(GLOBAL const u64 *M, GLOBAL const u64 *e, u32 rows, u32 cols, GLOBAL u64 *out) {
    LOCAL u64 scratch[SN_GROUP];
    u32 i = GROUP_ID(0);
    u64 acc = 0;
    GLOBAL const u64 *row = M + (u64) i * cols;
    for (u32 j = LOCAL_ID(0); j < cols; j += SN_GROUP) acc = fp_mac(acc, row[j], e[j]);
    u64 total = group_sum(scratch, acc);
    if (LOCAL_ID(0) == 0) out[i] = fp_reduce(total);
}

/* M * weights for narrow matrices (few columns): one work-item per row. */
KERNEL void column_combination_narrow(GLOBAL const u64 *M, GLOBAL const u64 *e, u32 rows, u32 cols, GLOBAL u64 *out) {
    u32 i = GLOBAL_ID(0);
    if (i >= rows) return;
    u64 acc = 0;
    for (u32 j = 0; j < cols; j++) acc = fp_mac(acc, M[(u64) i * cols + j], e[j]);
    out[i] = fp_reduce(acc);
}
