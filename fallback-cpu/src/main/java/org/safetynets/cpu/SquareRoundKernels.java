package org.safetynets.cpu;

import org.safetynets.field.Fp;

import static org.safetynets.cpu.LazyField.fold;
import static org.safetynets.cpu.LazyField.term;

/**
 * The sums of the x^2 sum-check ({@link CpuSquareRounds}) with F_p^2 weights: q(t) = sum over i < pairs of
 * W[i] a_t[i]^2, a_t[i] = A[i] + t (A[i + pairs] - A[i]), with split weights W[i] = high[i >> l] * low[i mod 2^l]
 * (both factors in F_p^2). A block of 2^l pairs shares one high weight: it is summed against {@code low}, then
 * multiplied by its high weight once. Chunks of work are whole blocks; within a block, runs of up to {@link #RUN}
 * pairs are handled at a time, and a run whose values are all zero (padding) is skipped.
 *
 * <p>Lazy sums: every accumulator is an unsigned value below 2^63, fold(acc) < 2^61 + 8 plus one
 * {@link LazyField#term} < 2^62 per step. An extension product (lr + li i)(sr + si i) is kept as four base
 * accumulators rr, ii, ri, ir (re = rr - ii, im = ri + ir), combined once per block, so no step subtracts.
 *
 * <p>Results are laid out re, im per point, in the order of the points asked for.
 */
final class SquareRoundKernels {
    /** Pairs handled together: a run of an extension table's two halves is 4 x 2 KiB, well inside L1. */
    static final int RUN = 256;
    /** Base values below 2^SMALL_BITS in magnitude take the grid's integer path: 2^27, so g(u, v)^2 < 81 * 2^54 < p. */
    private static final int SMALL_BITS = 27;

    private SquareRoundKernels() {
    }

    /** Split F_p^2 weights over {@code pairs} entries: high over the blocks, low (2^lowVariables entries) within one. */
    record Weights(long[] highRe, long[] highIm, long[] lowRe, long[] lowIm, int lowVariables) {
        int blockSize() {
            return 1 << lowVariables;
        }
    }

    /** Folds entries [from, to) of the table into the extension parts the sums then read (see {@link #foldThenSums}). */
    @FunctionalInterface
    interface FoldRange {
        void apply(int from, int to);
    }

    /** The value of the line through x0 (t = 0) and x1 (t = 1) at t in {0, 1, 2}. */
    private static long at(long x0, long x1, int t) {
        return switch (t) {
            case 0 -> x0;
            case 1 -> x1;
            default -> Fp.sub(Fp.add(x1, x1), x0);
        };
    }

    /** Adds the block's extension sum (re, im) times the high weight of block b into out[2p], out[2p + 1]. */
    private static void addWeighted(Weights w, int b, long blockRe, long blockIm, long[] out, int p) {
        long hr = w.highRe()[b];
        long hi = w.highIm()[b];
        long ac = Fp.mul(hr, blockRe);
        long bd = Fp.mul(hi, blockIm);
        long cross = Fp.mul(Fp.add(hr, hi), Fp.add(blockRe, blockIm));
        out[2 * p] = Fp.add(out[2 * p], Fp.sub(ac, bd));
        out[2 * p + 1] = Fp.add(out[2 * p + 1], Fp.sub(Fp.sub(cross, ac), bd));
    }

    // ---- base values: the first rounds ----------------------------------------------------------------------

    /**
     * q(t) for t in {@code points} over a base table: the squares are base elements, so a block's sum is
     * sum low_re a^2 + i sum low_im a^2, two base multiply-adds per pair and point.
     */
    static long[] baseSums(WorkerPool pool, long[] a, int pairs, Weights w, int[] points) {
        int blockSize = w.blockSize();
        int run = Math.min(RUN, blockSize);
        int np = points.length;
        return pool.sumRange(pairs >> w.lowVariables(), 3L * np * pairs, 2 * np, (from, to, out) -> {
            long[] acc = new long[2 * np];
            for (int b = from; b < to; b++) {
                java.util.Arrays.fill(acc, 0);
                for (int j = 0; j < blockSize; j += run) {
                    int s = (b << w.lowVariables()) + j;
                    if (allZero(a, s, run) && allZero(a, s + pairs, run)) continue;
                    for (int p = 0; p < np; p++) {
                        int t = points[p];
                        long accRe = acc[2 * p];
                        long accIm = acc[2 * p + 1];
                        for (int k = 0; k < run; k++) {
                            long x = at(a[s + k], a[s + pairs + k], t);
                            long sq = Fp.mul(x, x);
                            accRe = fold(accRe) + term(w.lowRe()[j + k], sq);
                            accIm = fold(accIm) + term(w.lowIm()[j + k], sq);
                        }
                        acc[2 * p] = accRe;
                        acc[2 * p + 1] = accIm;
                    }
                }
                for (int p = 0; p < np; p++) {
                    addWeighted(w, b, Fp.reduceUnsigned(acc[2 * p]), Fp.reduceUnsigned(acc[2 * p + 1]), out, p);
                }
            }
        });
    }

    /**
     * The first two rounds from one pass over a base table: with g_i(u, v) the bilinear interpolation of
     * A[i + u*2*quarter + v*quarter] over u, v in {0, 1}, G[3u + v] = sum over i < quarter of W[i] g_i(u, v)^2 for
     * u, v in {0, 1, 2}. Returns G re, im for each of the 9 (u, v) in that order.
     */
    static long[] grid(WorkerPool pool, long[] a, int quarter, Weights w, boolean simd) {
        int blockSize = w.blockSize();
        int run = Math.min(RUN, blockSize);
        if (simd && run % SquareLaneLoops.lanes() == 0) return gridLanes(pool, a, quarter, w);
        return pool.sumRange(quarter >> w.lowVariables(), 27L * quarter, 18, (from, to, out) -> {
            long[] acc = new long[18];
            long[] rowLow = new long[run]; // g(0, v) over the run
            long[] rowHigh = new long[run]; // g(1, v)
            for (int b = from; b < to; b++) {
                java.util.Arrays.fill(acc, 0);
                for (int j = 0; j < blockSize; j += run) gridRun(a, (b << w.lowVariables()) + j, quarter, run, w, j, acc, rowLow, rowHigh);
                for (int g = 0; g < 9; g++) {
                    addWeighted(w, b, Fp.reduceUnsigned(acc[2 * g]), Fp.reduceUnsigned(acc[2 * g + 1]), out, g);
                }
            }
        });
    }

    /**
     * Adds one run's terms of the grid, pairs [s, s + n) weighed by low[lowAt..], to the accumulators acc[2g] (re) and
     * acc[2g + 1] (im); a run of zeros adds nothing.
     */
    private static void gridRun(long[] a, int s, int quarter, int n, Weights w, int lowAt, long[] acc, long[] rowLow,
                                long[] rowHigh) {
        if (allZero(a, s, n) && allZero(a, s + quarter, n) && allZero(a, s + 2 * quarter, n) && allZero(a, s + 3 * quarter, n)) {
            return;
        }
        boolean small = small(a, s, n) && small(a, s + quarter, n) && small(a, s + 2 * quarter, n)
                && small(a, s + 3 * quarter, n);
        for (int v = 0; v < 3; v++) {
            if (small) {
                // Signed values below 2^27 in magnitude: |g| <= 9 * 2^27 < 2^31, so g^2 < 2^61 - 1 is
                // exact and canonical, with no modular product.
                for (int k = 0; k < n; k++) {
                    rowLow[k] = signedAt(LazyField.signed(a[s + k]), LazyField.signed(a[s + quarter + k]), v);
                    rowHigh[k] = signedAt(LazyField.signed(a[s + 2 * quarter + k]), LazyField.signed(a[s + 3 * quarter + k]), v);
                }
            } else {
                for (int k = 0; k < n; k++) {
                    rowLow[k] = at(a[s + k], a[s + quarter + k], v);
                    rowHigh[k] = at(a[s + 2 * quarter + k], a[s + 3 * quarter + k], v);
                }
            }
            for (int u = 0; u < 3; u++) {
                int g = 3 * u + v;
                long accRe = acc[2 * g];
                long accIm = acc[2 * g + 1];
                if (small) {
                    for (int k = 0; k < n; k++) {
                        long x = signedAt(rowLow[k], rowHigh[k], u);
                        long sq = x * x;
                        accRe = fold(accRe) + term(w.lowRe()[lowAt + k], sq);
                        accIm = fold(accIm) + term(w.lowIm()[lowAt + k], sq);
                    }
                } else {
                    for (int k = 0; k < n; k++) {
                        long x = at(rowLow[k], rowHigh[k], u);
                        long sq = Fp.mul(x, x);
                        accRe = fold(accRe) + term(w.lowRe()[lowAt + k], sq);
                        accIm = fold(accIm) + term(w.lowIm()[lowAt + k], sq);
                    }
                }
                acc[2 * g] = accRe;
                acc[2 * g + 1] = accIm;
            }
        }
    }

    /**
     * The grid on SIMD lanes, with the squares that share a weight added before the weight products. A pool's window
     * offsets are summed over (weight 1 at 0 and at 1), so the weights are the same on both sides of such a variable:
     * in the low factor (pairs j and j + lowPartner, lowPartner at least the lanes) and in the high factor (blocks
     * b and b + highPartner). A 2 x 2 sum pool puts an offset variable in each factor, or both in the high factor
     * (one is used), so a quarter or a half of the weight products remain. Small runs go through {@link SquareLaneLoops};
     * a run of field values (large activations) takes {@link #gridRun} with its own weights, which are equal.
     */
    private static long[] gridLanes(WorkerPool pool, long[] a, int quarter, Weights w) {
        int lanes = SquareLaneLoops.lanes();
        int blockSize = w.blockSize();
        int blocks = quarter >> w.lowVariables();
        int lowBit = symmetricBit(w.lowRe(), w.lowIm(), blockSize, lanes);
        int partner = lowBit < 0 ? 0 : 1 << lowBit;
        int run = Math.min(RUN, partner == 0 ? blockSize : partner);
        int highBit = symmetricBit(w.highRe(), w.highIm(), blocks, 1);
        int highPartner = highBit < 0 ? 0 : 1 << highBit;
        int units = highPartner == 0 ? blocks : blocks / 2;
        int halves = partner == 0 ? 1 : 2;
        int blocksPerUnit = highPartner == 0 ? 1 : 2;
        return pool.sumRange(units, 27L * quarter, 18, (from, to, out) -> {
            long[] acc = new long[18];
            long[] laneAcc = new long[18 * lanes];
            long[] rowLow = new long[run];
            long[] rowHigh = new long[run];
            long[] sums = new long[9 * run];
            for (int unit = from; unit < to; unit++) {
                int b = highPartner == 0 ? unit : (unit / highPartner) * 2 * highPartner + unit % highPartner;
                java.util.Arrays.fill(acc, 0);
                java.util.Arrays.fill(laneAcc, 0);
                for (int group = 0; group < blockSize; group += halves * Math.max(partner, run)) {
                    for (int j = group; j < group + Math.max(partner, run) && j < blockSize; j += run) {
                        boolean added = false;
                        for (int k = 0; k < blocksPerUnit; k++) {
                            for (int h = 0; h < halves; h++) {
                                int lowAt = j + h * partner;
                                int s = ((b + k * highPartner) << w.lowVariables()) + lowAt;
                                if (allZero(a, s, run) && allZero(a, s + quarter, run) && allZero(a, s + 2 * quarter, run)
                                        && allZero(a, s + 3 * quarter, run)) {
                                    continue;
                                }
                                if (!(small(a, s, run) && small(a, s + quarter, run) && small(a, s + 2 * quarter, run)
                                        && small(a, s + 3 * quarter, run))) {
                                    gridRun(a, s, quarter, run, w, lowAt, acc, rowLow, rowHigh);
                                    continue;
                                }
                                for (int v = 0; v < 3; v++) {
                                    SquareLaneLoops.signedRows(a, s, quarter, v, run, rowLow, rowHigh);
                                    for (int u = 0; u < 3; u++) {
                                        SquareLaneLoops.signedSquares(rowLow, rowHigh, u, run, sums, (3 * u + v) * run, added);
                                    }
                                }
                                added = true;
                            }
                        }
                        if (!added) continue;
                        for (int g = 0; g < 9; g++) {
                            SquareLaneLoops.weighSums(sums, g * run, w.lowRe(), w.lowIm(), j, run, laneAcc, 2 * g * lanes);
                        }
                    }
                }
                for (int g = 0; g < 9; g++) {
                    long blockRe = Fp.add(Fp.reduceUnsigned(acc[2 * g]), SquareLaneLoops.laneSum(laneAcc, 2 * g * lanes));
                    long blockIm = Fp.add(Fp.reduceUnsigned(acc[2 * g + 1]), SquareLaneLoops.laneSum(laneAcc, (2 * g + 1) * lanes));
                    addWeighted(w, b, blockRe, blockIm, out, g);
                }
            }
        });
    }

    /**
     * The highest variable u with 2^u >= minStep (and 2^u < size) on which the F_p^2 table is the same at 0 and 1:
     * T[x] = T[x + 2^u] for every x < size with bit u clear (a pooled window offset), or -1.
     */
    static int symmetricBit(long[] re, long[] im, int size, int minStep) {
        for (int u = Integer.numberOfTrailingZeros(size) - 1; u >= 0 && (1 << u) >= minStep; u--) {
            int step = 1 << u;
            boolean symmetric = true;
            for (int x = 0; x < size && symmetric; x++) {
                if ((x & step) == 0 && (re[x] != re[x + step] || im[x] != im[x + step])) symmetric = false;
            }
            if (symmetric) return u;
        }
        return -1;
    }

    // ---- extension values: every round after the first fold --------------------------------------------------

    /**
     * q(t) for t in {@code points} over an extension table (re, im) of 2 * pairs live entries, after {@code fold}
     * has written each run's entries into it: the fold of the previous challenge and this round's sums in one pass
     * (the run's values are still in cache when they are squared). {@code fold} must write entries [from, to)
     * only, reading nothing another run writes.
     */
    static long[] foldThenSums(WorkerPool pool, long[] re, long[] im, int pairs, Weights w, int[] points, FoldRange fold,
                               boolean simd) {
        int blockSize = w.blockSize();
        int run = Math.min(RUN, blockSize);
        int np = points.length;
        if (simd && run % SquareLaneLoops.lanes() == 0) return foldThenSumsLanes(pool, re, im, pairs, w, points, fold);
        return pool.sumRange(pairs >> w.lowVariables(), (8L + 6L * np) * pairs, 2 * np, (from, to, out) -> {
            long[] acc = new long[4 * np];
            for (int b = from; b < to; b++) {
                java.util.Arrays.fill(acc, 0);
                for (int j = 0; j < blockSize; j += run) {
                    int s = (b << w.lowVariables()) + j;
                    if (fold != null) {
                        fold.apply(s, s + run);
                        fold.apply(s + pairs, s + pairs + run);
                    }
                    if (allZero(re, s, run) && allZero(re, s + pairs, run) && allZero(im, s, run)
                            && allZero(im, s + pairs, run)) {
                        continue;
                    }
                    for (int p = 0; p < np; p++) weighSquares(re, im, s, s + pairs, run, points[p], w, j, acc, 4 * p);
                }
                for (int p = 0; p < np; p++) {
                    long blockRe = Fp.sub(Fp.reduceUnsigned(acc[4 * p]), Fp.reduceUnsigned(acc[4 * p + 1]));
                    long blockIm = Fp.add(Fp.reduceUnsigned(acc[4 * p + 2]), Fp.reduceUnsigned(acc[4 * p + 3]));
                    addWeighted(w, b, blockRe, blockIm, out, p);
                }
            }
        });
    }

    /**
     * {@link #foldThenSums} on SIMD lanes, with the squares that share a pooled weight (see {@link #gridLanes}) added
     * before the four weight products: up to four runs (a run and its low partner, in a block and its high partner)
     * are folded, squared into one buffer per point, then weighed once.
     */
    private static long[] foldThenSumsLanes(WorkerPool pool, long[] re, long[] im, int pairs, Weights w, int[] points,
                                            FoldRange fold) {
        int lanes = SquareLaneLoops.lanes();
        int blockSize = w.blockSize();
        int blocks = pairs >> w.lowVariables();
        int np = points.length;
        int lowBit = symmetricBit(w.lowRe(), w.lowIm(), blockSize, lanes);
        int partner = lowBit < 0 ? 0 : 1 << lowBit;
        int run = Math.min(RUN, partner == 0 ? blockSize : partner);
        int highBit = symmetricBit(w.highRe(), w.highIm(), blocks, 1);
        int highPartner = highBit < 0 ? 0 : 1 << highBit;
        int units = highPartner == 0 ? blocks : blocks / 2;
        int halves = partner == 0 ? 1 : 2;
        int blocksPerUnit = highPartner == 0 ? 1 : 2;
        return pool.sumRange(units, (8L + 6L * np) * pairs, 2 * np, (from, to, out) -> {
            long[] acc = new long[4 * np * lanes];
            long[] sqRe = new long[np * run];
            long[] sqIm = new long[np * run];
            for (int unit = from; unit < to; unit++) {
                int b = highPartner == 0 ? unit : (unit / highPartner) * 2 * highPartner + unit % highPartner;
                java.util.Arrays.fill(acc, 0);
                for (int group = 0; group < blockSize; group += halves * Math.max(partner, run)) {
                    for (int j = group; j < group + Math.max(partner, run) && j < blockSize; j += run) {
                        boolean added = false;
                        for (int k = 0; k < blocksPerUnit; k++) {
                            for (int h = 0; h < halves; h++) {
                                int s = ((b + k * highPartner) << w.lowVariables()) + j + h * partner;
                                if (fold != null) {
                                    fold.apply(s, s + run);
                                    fold.apply(s + pairs, s + pairs + run);
                                }
                                if (allZero(re, s, run) && allZero(re, s + pairs, run) && allZero(im, s, run)
                                        && allZero(im, s + pairs, run)) {
                                    continue;
                                }
                                for (int p = 0; p < np; p++) {
                                    SquareLaneLoops.extensionSquares(re, im, s, s + pairs, points[p], run, sqRe, sqIm, p * run, added);
                                }
                                added = true;
                            }
                        }
                        if (!added) continue;
                        for (int p = 0; p < np; p++) {
                            SquareLaneLoops.weighExtensionSquares(sqRe, sqIm, p * run, w.lowRe(), w.lowIm(), j, run, acc,
                                    4 * p * lanes);
                        }
                    }
                }
                for (int p = 0; p < np; p++) {
                    long rr = SquareLaneLoops.laneSum(acc, 4 * p * lanes);
                    long ii = SquareLaneLoops.laneSum(acc, (4 * p + 1) * lanes);
                    long ri = SquareLaneLoops.laneSum(acc, (4 * p + 2) * lanes);
                    long ir = SquareLaneLoops.laneSum(acc, (4 * p + 3) * lanes);
                    addWeighted(w, b, Fp.sub(rr, ii), Fp.add(ri, ir), out, p);
                }
            }
        });
    }

    /**
     * Adds sum over k < n of low[lowAt + k] x_k^2, x_k the line through (re, im)[at0 + k] and [at1 + k] at t, to the
     * accumulators rr, ii, ri, ir at acc[accAt..]. x^2 = (a + b)(a - b) + 2ab i: two base products.
     */
    private static void weighSquares(long[] re, long[] im, int at0, int at1, int n, int t, Weights w, int lowAt,
                                     long[] acc, int accAt) {
        long[] lowRe = w.lowRe();
        long[] lowIm = w.lowIm();
        long rr = acc[accAt];
        long ii = acc[accAt + 1];
        long ri = acc[accAt + 2];
        long ir = acc[accAt + 3];
        for (int k = 0; k < n; k++) {
            long xr = at(re[at0 + k], re[at1 + k], t);
            long xi = at(im[at0 + k], im[at1 + k], t);
            long sr = Fp.mul(Fp.add(xr, xi), Fp.sub(xr, xi));
            long ab = Fp.mul(xr, xi);
            long si = Fp.add(ab, ab);
            long lr = lowRe[lowAt + k];
            long li = lowIm[lowAt + k];
            rr = fold(rr) + term(lr, sr);
            ii = fold(ii) + term(li, si);
            ri = fold(ri) + term(lr, si);
            ir = fold(ir) + term(li, sr);
        }
        acc[accAt] = rr;
        acc[accAt + 1] = ii;
        acc[accAt + 2] = ri;
        acc[accAt + 3] = ir;
    }

    /** The line through signed integers x0, x1 at t in {0, 1, 2}, in integers. */
    private static long signedAt(long x0, long x1, int t) {
        return switch (t) {
            case 0 -> x0;
            case 1 -> x1;
            default -> 2 * x1 - x0;
        };
    }

    /** Whether every x[from + k], k < n, is a signed integer in [-2^SMALL_BITS, 2^SMALL_BITS). */
    private static boolean small(long[] x, int from, int n) {
        return LazyField.allSignedBelow(x, from, n, SMALL_BITS);
    }

    private static boolean allZero(long[] x, int from, int n) {
        long any = 0;
        for (int k = from; k < from + n; k++) any |= x[k];
        return any == 0;
    }
}
