package org.safetynets.cpu;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.safetynets.field.Fp;

/**
 * The proof's memory-wide kernels on SIMD lanes (the incubating Vector API): the fold, the square sum-check's
 * sums and the dot products of row and column combinations. They compute the same field elements as the scalar
 * kernels, a lane at a time instead of an element at a time.
 *
 * <p><b>The lane product.</b> Vector lanes have no 64 x 64 -> 128-bit multiply, so a product of a, b < 2^61 + 2^32
 * is taken in 32-bit limbs, a = a1*2^32 + a0 (a1 <= 2^29): p00 = a0*b0 < 2^64 (an unsigned lane), p01 = a0*b1 + a1*b0
 * < 2^62, p11 = a1*b1 <= 2^58, and with 2^61 = 1 mod p,
 * a*b = p11*2^64 + p01*2^32 + p00 = 8*p11 + (p01 >>> 29) + (p01 mod 2^29)*2^32 + (p00 mod 2^61) + (p00 >>> 61) mod p.
 * That {@link #term} is below 3*2^61 + 2^34 < 2^63. An accumulator read as unsigned, folded to below 2^61 + 8
 * ({@link #fold}), takes one term without reaching 2^64.
 *
 * <p>This class loads only where the JVM has the module ({@code --add-modules jdk.incubator.vector});
 * {@link CpuBackend} checks with {@link #available()} before touching it.
 */
final class SimdKernels {
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final long P = Fp.P;
    private static final long LOW32 = 0xFFFF_FFFFL;
    private static final long LOW29 = (1L << 29) - 1;
    /** Table entries of magnitude below SMALL keep every grid value g(u, v) below 9 * 2^27 < 2^31, squares below 2^62. */
    private static final long SMALL = 1L << 27;
    private static final int SMALL_BITS_PLUS_ONE = 28;

    private SimdKernels() {
    }

    /** Lanes per vector: 8 with AVX-512, 4 with AVX2. */
    static int lanes() {
        return LANES;
    }

    /** A value below 2^63 congruent to a*b, for lanes a, b below 2^61 + 2^32. */
    private static LongVector term(LongVector a, LongVector b) {
        LongVector a0 = a.and(LOW32);
        LongVector a1 = a.lanewise(VectorOperators.LSHR, 32);
        LongVector b0 = b.and(LOW32);
        LongVector b1 = b.lanewise(VectorOperators.LSHR, 32);
        LongVector p00 = a0.mul(b0);
        LongVector p01 = a0.mul(b1).add(a1.mul(b0));
        LongVector p11 = a1.mul(b1);
        return p00.and(P)
                .add(p00.lanewise(VectorOperators.LSHR, 61))
                .add(p01.lanewise(VectorOperators.LSHR, 29))
                .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                .add(p11.lanewise(VectorOperators.LSHL, 3));
    }

    /** A value below 2^61 + 8 congruent to x, for any lane read as unsigned. */
    private static LongVector fold(LongVector x) {
        return x.and(P).add(x.lanewise(VectorOperators.LSHR, 61));
    }

    /** The canonical element congruent to x, for lanes below 2^63. */
    private static LongVector canonical(LongVector x) {
        LongVector s = fold(x).sub(P); // fold(x) <= P + 3, so s is in [-P, 3]
        return s.add(s.lanewise(VectorOperators.ASHR, 63).and(P));
    }

    /** Canonical sum of the lanes of an unsigned accumulator. */
    private static long sumLanes(LongVector acc) {
        long[] lanes = fold(acc).toArray();
        long sum = 0;
        for (long lane : lanes) sum = Fp.add(sum, Fp.reduceUnsigned(lane));
        return sum;
    }

    /** T[i] = T[i] + r*(T[i+half] - T[i]) for i in [from, to), canonical; to - from a multiple of the lanes. */
    static void fold(long[] t, int half, long r, int from, int to) {
        LongVector rv = LongVector.broadcast(SPECIES, r);
        for (int i = from; i < to; i += LANES) {
            foldLanes(LongVector.fromArray(SPECIES, t, i), LongVector.fromArray(SPECIES, t, i + half), rv).intoArray(t, i);
        }
    }

    /** low + r*(high - low), canonical, for canonical lanes. */
    private static LongVector foldLanes(LongVector low, LongVector high, LongVector r) {
        LongVector diff = fold(high.add(P).sub(low)); // high - low + p in [1, 2p], folded below 2^61 + 1
        return canonical(low.add(fold(term(r, diff))));
    }

    /**
     * {sum W[i]*a_0^2, sum W[i]*a_2^2} over pairs i in blocks [fromBlock, toBlock) of 2^lowVariables pairs, with
     * W[i] = high[i >> lowVariables] * low[i mod 2^lowVariables]; 2^lowVariables a multiple of the lanes. Each block
     * is summed against {@code low} in the lanes, then multiplied by its high weight once.
     */
    static void weightedSquareSumsAtZeroAndTwo(long[] high, long[] low, int lowVariables, long[] a, int half,
                                               int fromBlock, int toBlock, long[] out) {
        int blockSize = 1 << lowVariables;
        // Squares into a buffer, then weights, each in its own small loop: C2 inlines the lane arithmetic of small
        // methods only (one loop with four lane products inlined none of them and ran 5x slower than scalar code).
        long[] sq = new long[blockSize];
        long acc0 = 0;
        long acc2 = 0;
        for (int b = fromBlock; b < toBlock; b++) {
            int base = b << lowVariables;
            acc0 = LazyField.mulAdd(acc0, high[b], weighedSquaresAtZero(a, base, blockSize, low, sq));
            acc2 = LazyField.mulAdd(acc2, high[b], weighedSquaresAtTwo(a, base, half, blockSize, low, sq));
        }
        out[0] = Fp.reduceUnsigned(acc0);
        out[1] = Fp.reduceUnsigned(acc2);
    }

    /**
     * The same over the pairs that folding at (half, c[0]), then (half/2, c[1]) if given, leaves (half >> c.length
     * apart), each block folded just before it is summed: its entries are read from memory once and summed from
     * cache. Blocks write disjoint entries below half and read those above unchanged, so chunks of blocks are
     * independent.
     */
    static void foldThenWeightedSquareSums(long[] a, int half, long[] challenges, long[] high, long[] low, int lowVariables,
                                           int fromBlock, int toBlock, long[] out) {
        int blockSize = 1 << lowVariables;
        int pairs = half >> challenges.length;
        long[] sq = new long[blockSize];
        long[] scratch = new long[blockSize];
        long acc0 = 0;
        long acc2 = 0;
        for (int b = fromBlock; b < toBlock; b++) {
            int base = b << lowVariables;
            foldRun(a, half, challenges, base, blockSize, scratch);
            foldRun(a, half, challenges, base + pairs, blockSize, scratch);
            acc0 = LazyField.mulAdd(acc0, high[b], weighedSquaresAtZero(a, base, blockSize, low, sq));
            acc2 = LazyField.mulAdd(acc2, high[b], weighedSquaresAtTwo(a, base, pairs, blockSize, low, sq));
        }
        out[0] = Fp.reduceUnsigned(acc0);
        out[1] = Fp.reduceUnsigned(acc2);
    }

    /**
     * Entries [from, from + n) of the table that folding at (half, c[0]), then (half/2, c[1]) if given, leaves. With two
     * challenges, A''[j] = A'[j] + c[1]*(A'[j + half/2] - A'[j]) takes A'[j] in place and A'[j + half/2] from
     * {@code scratch} (n entries): the intermediate table is never written to the table itself. (Three loops of one
     * lane product each: C2 gives up inlining the lane arithmetic of one loop with three.)
     */
    private static void foldRun(long[] a, int half, long[] challenges, int from, int n, long[] scratch) {
        fold(a, half, challenges[0], from, from + n);
        if (challenges.length == 1) return;
        int quarter = half / 2;
        foldInto(a, half, challenges[0], from + quarter, n, scratch);
        LongVector r = LongVector.broadcast(SPECIES, challenges[1]);
        for (int j = 0; j < n; j += LANES) {
            foldLanes(LongVector.fromArray(SPECIES, a, from + j), LongVector.fromArray(SPECIES, scratch, j), r)
                    .intoArray(a, from + j);
        }
    }

    /** out[j] = T[from + j] + r*(T[from + j + half] - T[from + j]) for j < n, canonical. */
    private static void foldInto(long[] t, int half, long r, int from, int n, long[] out) {
        LongVector rv = LongVector.broadcast(SPECIES, r);
        for (int j = 0; j < n; j += LANES) {
            foldLanes(LongVector.fromArray(SPECIES, t, from + j), LongVector.fromArray(SPECIES, t, from + j + half), rv)
                    .intoArray(out, j);
        }
    }

    /**
     * {@link org.safetynets.backend.Backend#weightedSquareGrid} over blocks [fromBlock, toBlock) of 2^lowVariables
     * quads (A[i], A[i + half/2], A[i + half], A[i + 3*half/2]), into out[3u + v]. Per block: g(0, v) and g(1, v) are
     * pairs of the table itself; g(2, v) = 2*g(1, v) - g(0, v) goes through a buffer; each of the nine is squared and
     * weighed by {@code low} from cache, then by the block's high weight.
     */
    static void weightedSquareGrid(long[] high, long[] low, int lowVariables, long[] a, int half, int fromBlock, int toBlock,
                                   long[] out) {
        int blockSize = 1 << lowVariables;
        int quarter = half / 2;
        long[] sq = new long[blockSize];
        long[] rowTwo = new long[2 * blockSize]; // g(2, 0) then g(2, 1)
        long[] acc = new long[9];
        for (int b = fromBlock; b < toBlock; b++) {
            int base = b << lowVariables;
            long w = high[b];
            // Activations before the first fold are small integers: then every g(u, v) is below 9 * 2^27 in
            // magnitude, and its square is one lane multiply, exact.
            boolean small = small(a, base, blockSize) && small(a, base + quarter, blockSize) && small(a, base + half, blockSize)
                    && small(a, base + half + quarter, blockSize);
            for (int u = 0; u < 2; u++) {
                int row = base + u * half;
                acc[3 * u] = LazyField.mulAdd(acc[3 * u], w, weighedSquaresAtZero(a, row, blockSize, low, sq, small));
                acc[3 * u + 1] = LazyField.mulAdd(acc[3 * u + 1], w, weighedSquaresAtZero(a, row + quarter, blockSize, low, sq, small));
                acc[3 * u + 2] = LazyField.mulAdd(acc[3 * u + 2], w, weighedSquaresAtTwo(a, row, quarter, blockSize, low, sq, small));
            }
            extrapolateToTwo(a, base, half, blockSize, rowTwo, 0);
            extrapolateToTwo(a, base + quarter, half, blockSize, rowTwo, blockSize);
            acc[6] = LazyField.mulAdd(acc[6], w, weighedSquaresAtZero(rowTwo, 0, blockSize, low, sq, small));
            acc[7] = LazyField.mulAdd(acc[7], w, weighedSquaresAtZero(rowTwo, blockSize, blockSize, low, sq, small));
            acc[8] = LazyField.mulAdd(acc[8], w, weighedSquaresAtTwo(rowTwo, 0, blockSize, blockSize, low, sq, small));
        }
        for (int k = 0; k < 9; k++) out[k] = Fp.reduceUnsigned(acc[k]);
    }

    /** Whether every A[from + j], j < n, is a signed integer in [-SMALL, SMALL). */
    private static boolean small(long[] a, int from, int n) {
        LongVector any = LongVector.zero(SPECIES);
        for (int j = 0; j < n; j += LANES) {
            // signed(x) + SMALL is in [0, 2 * SMALL) exactly when signed(x) is in range; a negative sum has its top bit set
            any = any.or(signed(LongVector.fromArray(SPECIES, a, from + j)).add(SMALL));
        }
        return (any.reduceLanes(VectorOperators.OR) >>> SMALL_BITS_PLUS_ONE) == 0;
    }

    /**
     * The signed integer a lane represents: lanes above (p-1)/2 are negative. Takes any lane below 2^61 + 2^32 (p and
     * p + 1, which a fold may leave, come out as 0 and 1).
     */
    private static LongVector signed(LongVector x) {
        return x.sub(LongVector.broadcast(SPECIES, Fp.MAX_SIGNED).sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
    }

    /** out[off + j] = 2*A[from + j + half] - A[from + j] (below 2^61 + 2, not canonical) for j < n. */
    private static void extrapolateToTwo(long[] a, int from, int half, int n, long[] out, int off) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, from + j);
            LongVector x1 = LongVector.fromArray(SPECIES, a, from + j + half);
            fold(x1.add(x1).add(P).sub(x0)).intoArray(out, off + j);
        }
    }

    /** sum low[j] * A[from + j]^2 over j < n, canonical, through the buffer sq. */
    private static long weighedSquaresAtZero(long[] a, int from, int n, long[] low, long[] sq) {
        return weighedSquaresAtZero(a, from, n, low, sq, false);
    }

    /** The same, with {@code small}: the values are signed integers below 2^31 in magnitude. */
    private static long weighedSquaresAtZero(long[] a, int from, int n, long[] low, long[] sq, boolean small) {
        if (small) smallSquaresAtZero(a, from, n, sq);
        else squaresAtZero(a, from, n, sq);
        return dot(low, 0, sq, 0, n);
    }

    /** sum low[j] * (2*A[from + j + half] - A[from + j])^2 over j < n, canonical, through the buffer sq. */
    private static long weighedSquaresAtTwo(long[] a, int from, int half, int n, long[] low, long[] sq) {
        return weighedSquaresAtTwo(a, from, half, n, low, sq, false);
    }

    /** The same, with {@code small}: 2*A[from + j + half] - A[from + j] are signed integers below 2^31 in magnitude. */
    private static long weighedSquaresAtTwo(long[] a, int from, int half, int n, long[] low, long[] sq, boolean small) {
        if (small) smallSquaresAtTwo(a, from, half, n, sq);
        else squaresAtTwo(a, from, half, n, sq);
        return dot(low, 0, sq, 0, n);
    }

    /** sq0[j] = A[from + j]^2 (below 2^61 + 2) for signed values below 2^31 in magnitude: one lane multiply, exact. */
    private static void smallSquaresAtZero(long[] a, int from, int n, long[] sq0) {
        for (int j = 0; j < n; j += LANES) {
            LongVector s0 = signed(LongVector.fromArray(SPECIES, a, from + j));
            fold(s0.mul(s0)).intoArray(sq0, j);
        }
    }

    /** sq2[j] = (2*A[from + j + half] - A[from + j])^2 (below 2^61 + 2) for small signed values, the same way. */
    private static void smallSquaresAtTwo(long[] a, int from, int half, int n, long[] sq2) {
        for (int j = 0; j < n; j += LANES) {
            LongVector s0 = signed(LongVector.fromArray(SPECIES, a, from + j));
            LongVector s1 = signed(LongVector.fromArray(SPECIES, a, from + j + half));
            LongVector s2 = s1.add(s1).sub(s0);
            fold(s2.mul(s2)).intoArray(sq2, j);
        }
    }

    /** sq0[j] = A[from + j]^2 (below 2^61 + 4, not canonical) for j < n. */
    private static void squaresAtZero(long[] a, int from, int n, long[] sq0) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, from + j);
            fold(term(x0, x0)).intoArray(sq0, j);
        }
    }

    /** sq2[j] = (2*A[from + j + half] - A[from + j])^2 (below 2^61 + 4, not canonical) for j < n. */
    private static void squaresAtTwo(long[] a, int from, int half, int n, long[] sq2) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, from + j);
            LongVector x1 = LongVector.fromArray(SPECIES, a, from + j + half);
            LongVector x2 = fold(x1.add(x1).add(P).sub(x0)); // 2*a_1 - a_0 + p in [1, 3p), folded below 2^61 + 2
            fold(term(x2, x2)).intoArray(sq2, j);
        }
    }

    /** Canonical sum of a[aOff + i] * b[bOff + i] over i < n, for operands below 2^61 + 2^32. */
    static long dot(long[] a, int aOff, long[] b, int bOff, int n) {
        LongVector acc = LongVector.zero(SPECIES);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            acc = fold(acc).add(term(LongVector.fromArray(SPECIES, a, aOff + i), LongVector.fromArray(SPECIES, b, bOff + i)));
        }
        long sum = sumLanes(acc);
        for (; i < n; i++) sum = Fp.add(sum, Fp.mul(a[aOff + i], b[bOff + i]));
        return sum;
    }
}
