package org.safetynets.cpu;

import org.safetynets.field.Fp;

import java.util.Arrays;

import static org.safetynets.cpu.LaneLoops.canonicalSums;
import static org.safetynets.cpu.LaneLoops.differences;
import static org.safetynets.cpu.LaneLoops.extrapolateToTwo;
import static org.safetynets.cpu.LaneLoops.products;
import static org.safetynets.cpu.LaneLoops.signedQuads;
import static org.safetynets.cpu.LaneLoops.smallBilinear;
import static org.safetynets.cpu.LaneLoops.signedSquares;
import static org.safetynets.cpu.LaneLoops.signedSquaresAtTwo;
import static org.safetynets.cpu.LaneLoops.sum;

/**
 * The proof's table-wide kernels on SIMD lanes: the fold, the square sum-check's sums (one round, the first two
 * rounds as a grid, or a round out of the previous fold's pass) and the dot products of column combinations. They
 * compute the same field elements as the scalar kernels, a lane at a time. Each is a sequence of {@link LaneLoops}
 * over runs of at most a block, through small buffers that stay in cache.
 *
 * <p>This class loads only where the JVM has the module ({@code --add-modules jdk.incubator.vector});
 * {@link CpuBackend} checks with {@link Simd#usable()} before touching it.
 */
final class SimdKernels {
    /** The longest piece a fold or a dot product puts through a buffer; buffers hold at least this or a block. */
    private static final int RUN = 1024;

    private SimdKernels() {
    }

    static int lanes() {
        return LaneLoops.lanes();
    }

    /** One thread's scratch arrays, so that kernels allocate per chunk of work, not per run. */
    static final class Buffers {
        final long[] x;
        final long[] y;
        private final long[] challenge;
        private long filledWith = -1;
        private final long[] twoFold = new long[4];
        private long foldedWith0 = -1;
        private long foldedWith1 = -1;

        Buffers(int size) {
            x = new long[size];
            y = new long[size];
            challenge = new long[size];
        }

        Buffers() {
            this(RUN);
        }

        /**
         * The weights of a quad's corners (A[i], A[i + half/2], A[i + half], A[i + 3*half/2]) in the table folded at
         * c[0], then c[1]: (1 - c0)(1 - c1), (1 - c0) c1, c0 (1 - c1), c0 c1.
         */
        long[] twoFoldWeights(long[] c) {
            if (c[0] != foldedWith0 || c[1] != foldedWith1) {
                long r0 = c[0];
                long r1 = c[1];
                twoFold[0] = Fp.mul(Fp.sub(1, r0), Fp.sub(1, r1));
                twoFold[1] = Fp.mul(Fp.sub(1, r0), r1);
                twoFold[2] = Fp.mul(r0, Fp.sub(1, r1));
                twoFold[3] = Fp.mul(r0, r1);
                foldedWith0 = r0;
                foldedWith1 = r1;
            }
            return twoFold;
        }

        /** An array of r in every entry (products take two arrays). */
        long[] broadcast(long r) {
            if (filledWith != r) {
                Arrays.fill(challenge, r);
                filledWith = r;
            }
            return challenge;
        }
    }

    /** T[i] = T[i] + r*(T[i+half] - T[i]) for i in [from, to), canonical; to - from a multiple of the lanes. */
    static void fold(long[] t, int half, long r, int from, int to, Buffers buffers) {
        for (int i = from; i < to; i += RUN) {
            foldPairs(t, i, t, i + half, r, Math.min(RUN, to - i), t, i, buffers);
        }
    }

    /** out[outOff + j] = low[lowOff + j] + r*(high[highOff + j] - low[lowOff + j]), canonical, for j < n <= buffer size. */
    private static void foldPairs(long[] low, int lowOff, long[] high, int highOff, long r, int n, long[] out, int outOff,
                                  Buffers buffers) {
        long[] d = buffers.x;
        differences(low, lowOff, high, highOff, n, d, 0);
        products(buffers.broadcast(r), 0, d, 0, n, d, 0);
        canonicalSums(low, lowOff, d, 0, n, out, outOff);
    }

    /** Canonical sum of a[aOff + i] * b[bOff + i] over i < n, for operands below 2^61 + 2^32. */
    static long dot(long[] a, int aOff, long[] b, int bOff, int n, Buffers buffers) {
        long total = 0;
        int whole = n - n % lanes();
        for (int i = 0; i < whole; i += RUN) {
            int m = Math.min(RUN, whole - i);
            products(a, aOff + i, b, bOff + i, m, buffers.y, 0);
            total = Fp.add(total, sum(buffers.y, 0, m));
        }
        for (int i = whole; i < n; i++) total = Fp.add(total, Fp.mul(Fp.reduceUnsigned(a[aOff + i]), Fp.reduceUnsigned(b[bOff + i])));
        return total;
    }

    /**
     * The split weights of a square sum: W[i] = high[i >> lowVariables] * low[i mod 2^lowVariables], and the pooled
     * window offsets in them. Where {@code low} is the same at both values of a variable (lowPartner = 2^u, at least the
     * lanes), entries j and j + lowPartner share a weight and their squares are added before the one product; where
     * {@code high} is (highPartner = 2^u blocks), a block and its partner are summed together the same way. A 2 x 2
     * sum pool has one offset variable in each factor, so a quarter of the weight products remain.
     */
    record Weights(long[] high, long[] low, int lowVariables, int lowPartner, int highPartner) {
        int blockSize() {
            return 1 << lowVariables;
        }

        /** Units of work: blocks, or a block and its partner where the high factor pairs them. */
        int units(int blocks) {
            return highPartner == 0 ? blocks : blocks / 2;
        }

        /** The first block of a unit. */
        int firstBlock(int unit) {
            return highPartner == 0 ? unit : (unit / highPartner) * 2 * highPartner + unit % highPartner;
        }

        /** Where the k-th block of a unit starts (k = 0, or 1 with a high partner). */
        int blockStart(int unit, int k) {
            return (firstBlock(unit) + k * highPartner) << lowVariables;
        }

        int blocksPerUnit() {
            return highPartner == 0 ? 1 : 2;
        }

    }

    /**
     * {sum W[i]*a_0^2, sum W[i]*a_2^2} over pairs i (A[i], A[i + half]) in units [fromUnit, toUnit) of
     * {@code weights}; blocks a multiple of the lanes.
     */
    static void weightedSquareSumsAtZeroAndTwo(Weights weights, long[] a, int half, int fromUnit, int toUnit, long[] out) {
        squareSums(weights, a, half, null, fromUnit, toUnit, out);
    }

    /**
     * The same over the pairs that folding at (half, c[0]), then (half/2, c[1]) if given, leaves (half >> c.length
     * apart), each block folded just before it is summed: its entries are read from memory once and summed from
     * cache. Blocks write disjoint entries below half/2^(c.length - 1) and read only their own writes and entries
     * from half on, which no block writes, so chunks of units are independent.
     */
    static void foldThenWeightedSquareSums(long[] a, int half, long[] challenges, Weights weights, int fromUnit, int toUnit,
                                           long[] out) {
        squareSums(weights, a, half, challenges, fromUnit, toUnit, out);
    }

    /** @param challenges the folds to apply first, or null */
    private static void squareSums(Weights weights, long[] a, int half, long[] challenges, int fromUnit, int toUnit,
                                   long[] out) {
        int n = weights.blockSize();
        int pairs = challenges == null ? half : half >> challenges.length;
        Buffers buffers = new Buffers(n);
        long[] sq = new long[n];
        long[] folded = challenges != null && challenges.length == 2 ? new long[n] : null;
        long[][] sources = {a, a};
        int[] starts = new int[2];
        int[] aparts = {pairs, pairs};
        boolean[] small = new boolean[2];
        long acc0 = 0;
        long acc2 = 0;
        for (int unit = fromUnit; unit < toUnit; unit++) {
            for (int k = 0; k < weights.blocksPerUnit(); k++) {
                starts[k] = weights.blockStart(unit, k);
                if (challenges != null) {
                    foldRun(a, half, challenges, starts[k], n, folded, buffers);
                    foldRun(a, half, challenges, starts[k] + pairs, n, folded, buffers);
                }
            }
            long w = weights.high()[weights.firstBlock(unit)];
            acc0 = LazyField.mulAdd(acc0, w, weighedSquares(weights, sources, starts, aparts, 0, small, sq, buffers));
            acc2 = LazyField.mulAdd(acc2, w, weighedSquares(weights, sources, starts, aparts, 2, small, sq, buffers));
        }
        out[0] = Fp.reduceUnsigned(acc0);
        out[1] = Fp.reduceUnsigned(acc2);
    }

    /**
     * Entries [from, from + n) of the table that folding at (half, c[0]), then (half/2, c[1]) if given, leaves. With two
     * challenges, A''[j] = A'[j] + c[1]*(A'[j + half/2] - A'[j]) takes A'[j] in place and A'[j + half/2] from
     * {@code upper} (n entries): the intermediate table is never written to the table itself.
     */
    private static void foldRun(long[] a, int half, long[] challenges, int from, int n, long[] upper, Buffers buffers) {
        if (challenges.length == 1) {
            fold(a, half, challenges[0], from, from + n, buffers);
            return;
        }
        int quarter = half / 2;
        // Small integers (the activations, folded for the first time): A'' = sum of the quad's corners times
        // (1 - c0)(1 - c1), (1 - c0) c1, c0 (1 - c1), c0 c1, exactly, in one step.
        if (smallBilinear(a, from, quarter, half, buffers.twoFoldWeights(challenges), n, upper, 0)) {
            System.arraycopy(upper, 0, a, from, n);
            return;
        }
        fold(a, half, challenges[0], from, from + n, buffers);
        foldPairs(a, from + quarter, a, from + quarter + half, challenges[0], n, upper, 0, buffers);
        foldPairs(a, from, upper, 0, challenges[1], n, a, from, buffers);
    }

    /**
     * {@link org.safetynets.backend.Backend#weightedSquareGrid} over units [fromUnit, toUnit) of quads
     * (A[i], A[i + half/2], A[i + half], A[i + 3*half/2]), into out[3u + v]. Per block, the pairs g(u, .) for u = 0, 1
     * and their extrapolation g(2, .) = 2*g(1, .) - g(0, .) are laid out as rows; each of the nine g(u, v) is squared
     * and weighed from cache. Activations before the first fold are small integers: then the rows hold them as signed
     * integers, every g(u, v) is below 9 * 2^27 in magnitude, and its square is one exact lane multiply.
     */
    static void weightedSquareGrid(Weights weights, long[] a, int half, int fromUnit, int toUnit, long[] out) {
        int n = weights.blockSize();
        int quarter = half / 2;
        Buffers buffers = new Buffers(n);
        long[] sq = new long[n];
        long[][] rows = new long[2][6 * n]; // per block of the unit: g(0, 0..1), g(1, 0..1), g(2, 0..1)
        long[][] sources = new long[2][];
        int[] blockStarts = new int[2];
        int[] starts = new int[2];
        int[] aparts = new int[2];
        boolean[] small = new boolean[2];
        long[] acc = new long[9];
        for (int unit = fromUnit; unit < toUnit; unit++) {
            for (int k = 0; k < weights.blocksPerUnit(); k++) {
                int base = weights.blockStart(unit, k);
                blockStarts[k] = base;
                small[k] = signedQuads(a, base, quarter, half, n, rows[k]);
                if (!small[k]) {
                    // field values: g(0, .) and g(1, .) are read from the table, g(2, .) from rows
                    extrapolateToTwo(a, base, half, n, rows[k], 4 * n);
                    extrapolateToTwo(a, base + quarter, half, n, rows[k], 5 * n);
                }
            }
            long w = weights.high()[weights.firstBlock(unit)];
            for (int u = 0; u < 3; u++) {
                for (int k = 0; k < weights.blocksPerUnit(); k++) {
                    boolean fromTable = u < 2 && !small[k];
                    sources[k] = fromTable ? a : rows[k];
                    starts[k] = fromTable ? blockStarts[k] + u * half : 2 * u * n;
                    aparts[k] = fromTable ? quarter : n;
                }
                for (int v = 0; v < 3; v++) {
                    acc[3 * u + v] = LazyField.mulAdd(acc[3 * u + v], w,
                            weighedSquares(weights, sources, starts, aparts, v, small, sq, buffers));
                }
            }
        }
        for (int k = 0; k < 9; k++) out[k] = Fp.reduceUnsigned(acc[k]);
    }

    /**
     * sum over the unit's blocks k and j < blockSize of low[j] * s_k(j)^2, canonical, where s_k(j) is the value at t = v
     * of the pair (S[i], S[i + aparts[k]]), i = starts[k] + j, S = sources[k] (see {@link #squaresInto}). The squares
     * that share a weight (the unit's blocks, and j and j + lowPartner) are added in {@code sq} first, then weighed by
     * one product each.
     */
    private static long weighedSquares(Weights weights, long[][] sources, int[] starts, int[] aparts, int v, boolean[] small,
                                       long[] sq, Buffers buffers) {
        int n = weights.blockSize();
        int partner = weights.lowPartner();
        int run = partner == 0 ? n : partner;
        int halves = partner == 0 ? 1 : 2;
        int last = weights.blocksPerUnit() * halves - 1;
        long total = 0;
        for (int group = 0; group < n; group += halves * run) {
            int source = 0;
            for (int k = 0; k < weights.blocksPerUnit(); k++) {
                for (int h = 0; h < halves; h++, source++) {
                    squaresInto(sources[k], starts[k] + group + h * partner, aparts[k], v, small[k], run, sq, group,
                            source > 0, source == last, buffers);
                }
            }
            total = Fp.add(total, dot(weights.low(), group, sq, group, run, buffers));
        }
        return total;
    }

    /**
     * out[outOff + j]: the square at t = v of the pair (A[from + j], A[from + j + half]), that is of A[from + j] (v = 0),
     * A[from + j + half] (v = 1) or 2*A[from + j + half] - A[from + j] (v = 2), for j < n; with {@code add}, added to
     * what out holds. With {@code small}, A holds signed integers (rows of {@link LaneLoops#signedQuads}) whose squares
     * are exact, left unfolded unless {@code fold}; otherwise field elements, always folded.
     */
    private static void squaresInto(long[] a, int from, int half, int v, boolean small, int n, long[] out, int outOff,
                                    boolean add, boolean fold, Buffers buffers) {
        int at = v == 1 ? from + half : from;
        if (small) {
            if (v < 2) signedSquares(a, at, n, out, outOff, add, fold);
            else signedSquaresAtTwo(a, from, half, n, out, outOff, add, fold);
        } else if (v < 2) {
            products(a, at, a, at, n, out, outOff, add);
        } else {
            extrapolateToTwo(a, from, half, n, buffers.x, 0);
            products(buffers.x, 0, buffers.x, 0, n, out, outOff, add);
        }
    }
}
