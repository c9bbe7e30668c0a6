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
            LongVector low = LongVector.fromArray(SPECIES, t, i);
            LongVector high = LongVector.fromArray(SPECIES, t, i + half);
            LongVector diff = fold(high.add(P).sub(low)); // high - low + p in [1, 2p], folded below 2^61 + 1
            canonical(low.add(fold(term(rv, diff)))).intoArray(t, i);
        }
    }

    /**
     * {sum W[i]*a_0^2, sum W[i]*a_2^2} over pairs i in blocks [fromBlock, toBlock) of 2^lowVariables pairs, with
     * W[i] = high[i >> lowVariables] * low[i mod 2^lowVariables]; 2^lowVariables a multiple of the lanes. Each block
     * is summed against {@code low} in the lanes, then multiplied by its high weight once.
     */
    static void weightedSquareSumsAtZeroAndTwo(long[] high, long[] low, int lowVariables, long[] a, int half,
                                               int fromBlock, int toBlock, long[] out) {
        squareSums(high, low, lowVariables, a, half, fromBlock, toBlock, out, false, 0);
    }

    /**
     * The same over the pairs half/2 apart of the table that folding at (half, r) leaves, each block folded just
     * before it is summed: its entries are read from memory once and summed from cache. Blocks write disjoint
     * entries below half and read those above unchanged, so chunks of blocks are independent.
     */
    static void foldThenWeightedSquareSums(long[] a, int half, long r, long[] high, long[] low, int lowVariables,
                                           int fromBlock, int toBlock, long[] out) {
        squareSums(high, low, lowVariables, a, half / 2, fromBlock, toBlock, out, true, r);
    }

    private static void squareSums(long[] high, long[] low, int lowVariables, long[] a, int half, int fromBlock,
                                   int toBlock, long[] out, boolean foldFirst, long r) {
        int blockSize = 1 << lowVariables;
        // Squares first, then weights, each in its own small loop: C2 inlines the lane arithmetic of small methods
        // only (one loop with four lane products inlined none of them and ran 5x slower than scalar code).
        long[] sq0 = new long[blockSize];
        long[] sq2 = new long[blockSize];
        long acc0 = 0;
        long acc2 = 0;
        for (int b = fromBlock; b < toBlock; b++) {
            int base = b << lowVariables;
            if (foldFirst) {
                fold(a, 2 * half, r, base, base + blockSize);
                fold(a, 2 * half, r, base + half, base + half + blockSize);
            }
            squaresAtZero(a, base, blockSize, sq0);
            squaresAtTwo(a, base, half, blockSize, sq2);
            acc0 = LazyField.mulAdd(acc0, high[b], dot(low, 0, sq0, 0, blockSize));
            acc2 = LazyField.mulAdd(acc2, high[b], dot(low, 0, sq2, 0, blockSize));
        }
        out[0] = Fp.reduceUnsigned(acc0);
        out[1] = Fp.reduceUnsigned(acc2);
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
