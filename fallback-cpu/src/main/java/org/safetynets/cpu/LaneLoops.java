package org.safetynets.cpu;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.safetynets.field.Fp;

/**
 * The loops over SIMD lanes (the incubating Vector API) that {@link SimdKernels} builds its kernels from, over
 * arrays of field elements, n a multiple of the lanes.
 *
 * <p><b>Why every method here is one loop that calls no method of ours.</b> C2 inlines the Vector API's own
 * methods whatever the size of the code around them, but inlines ours only while the method being compiled is
 * small. A helper of ours that takes or returns a vector, left out of line, makes every lane a heap object: a
 * kernel built that way ran 5x slower than scalar code. So the lane arithmetic below is written out in each loop,
 * and kernels compose these loops through arrays, which cost nothing to pass whether inlined or not.
 *
 * <p><b>Lazy values.</b> Lanes hold canonical elements or values congruent to them below 2^61 + 8 ("folded"):
 * folding x is (x mod 2^61) + (x >>> 61), congruent since 2^61 = 1 mod p, and below 2^61 + 8 for any x read as
 * unsigned.
 *
 * <p><b>The lane product.</b> Lanes have no 64 x 64 -> 128-bit multiply, so a product of a, b below 2^61 + 2^32 is
 * taken in 32-bit limbs, a = a1*2^32 + a0 with a1 <= 2^29: p00 = a0*b0 < 2^64 (read as unsigned), p01 = a0*b1 + a1*b0
 * < 2^62, p11 = a1*b1 <= 2^58, and a*b = p11*2^64 + p01*2^32 + p00 = 8*p11 + (p01 >>> 29) + (p01 mod 2^29)*2^32 +
 * (p00 mod 2^61) + (p00 >>> 61) mod p, which is below 3*2^61 + 2^34 < 2^63 before its fold.
 */
final class LaneLoops {
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final long P = Fp.P;
    private static final long LOW32 = 0xFFFF_FFFFL;
    private static final long LOW29 = (1L << 29) - 1;
    /** Table values below SMALL in magnitude keep the square sum-check's g(u, v) below 9 * 2^27 < 2^31. */
    static final long SMALL = 1L << 27;
    private static final int SMALL_BITS_PLUS_ONE = 28;

    private LaneLoops() {
    }

    /** Lanes per vector: 8 with AVX-512, 4 with AVX2. */
    static int lanes() {
        return LANES;
    }

    /** out[outOff + j] = x[xOff + j] * y[yOff + j] mod p, folded, for operands below 2^61 + 2^32. */
    static void products(long[] x, int xOff, long[] y, int yOff, int n, long[] out, int outOff) {
        products(x, xOff, y, yOff, n, out, outOff, false);
    }

    /** The same, with {@code add}: out[outOff + j] plus the product (out folded), folded. */
    static void products(long[] x, int xOff, long[] y, int yOff, int n, long[] out, int outOff, boolean add) {
        for (int j = 0; j < n; j += LANES) {
            LongVector a = LongVector.fromArray(SPECIES, x, xOff + j);
            LongVector b = LongVector.fromArray(SPECIES, y, yOff + j);
            LongVector a0 = a.and(LOW32);
            LongVector a1 = a.lanewise(VectorOperators.LSHR, 32);
            LongVector b0 = b.and(LOW32);
            LongVector b1 = b.lanewise(VectorOperators.LSHR, 32);
            LongVector p00 = a0.mul(b0);
            LongVector p01 = a0.mul(b1).add(a1.mul(b0));
            LongVector p11 = a1.mul(b1);
            LongVector t = p00.and(P)
                    .add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61));
            if (add) {
                t = t.add(LongVector.fromArray(SPECIES, out, outOff + j));
                t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61));
            }
            t.intoArray(out, outOff + j);
        }
    }

    /** The canonical sum of x[off + j], j < n, for folded values. */
    static long sum(long[] x, int off, int n) {
        LongVector acc = LongVector.zero(SPECIES);
        for (int j = 0; j < n; j += LANES) {
            // folded acc + folded x < 2^62 + 16
            acc = acc.and(P).add(acc.lanewise(VectorOperators.LSHR, 61)).add(LongVector.fromArray(SPECIES, x, off + j));
        }
        long sum = 0;
        for (long lane : acc.toArray()) sum = Fp.add(sum, Fp.reduceUnsigned(lane));
        return sum;
    }

    /** out[outOff + j] = high[highOff + j] - low[lowOff + j] mod p, folded (at most p + 1), for canonical operands. */
    static void differences(long[] low, int lowOff, long[] high, int highOff, int n, long[] out, int outOff) {
        for (int j = 0; j < n; j += LANES) {
            LongVector d = LongVector.fromArray(SPECIES, high, highOff + j).add(P).sub(LongVector.fromArray(SPECIES, low, lowOff + j));
            d.and(P).add(d.lanewise(VectorOperators.LSHR, 61)).intoArray(out, outOff + j);
        }
    }

    /** out[outOff + j] = x[xOff + j] + y[yOff + j] mod p, canonical, for x canonical and y folded. */
    static void canonicalSums(long[] x, int xOff, long[] y, int yOff, int n, long[] out, int outOff) {
        for (int j = 0; j < n; j += LANES) {
            LongVector s = LongVector.fromArray(SPECIES, x, xOff + j).add(LongVector.fromArray(SPECIES, y, yOff + j));
            LongVector f = s.and(P).add(s.lanewise(VectorOperators.LSHR, 61)).sub(P); // fold(s) <= p + 2: f in [-p, 2]
            f.add(f.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(out, outOff + j);
        }
    }

    /** out[outOff + j] = 2*A[from + j + half] - A[from + j] mod p, folded, for folded values. */
    static void extrapolateToTwo(long[] a, int from, int half, int n, long[] out, int outOff) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, from + j);
            LongVector x1 = LongVector.fromArray(SPECIES, a, from + j + half);
            LongVector x2 = x1.add(x1).add(P).sub(x0); // below 3*2^61 + 2^4
            x2.and(P).add(x2.lanewise(VectorOperators.LSHR, 61)).intoArray(out, outOff + j);
        }
    }

    /**
     * out[outOff + j] = sum over k of c[k] * X_k[i], canonical, i = from + j, for the quads X_0 = A[i], X_1 = A[i + quarter],
     * X_2 = A[i + half], X_3 = A[i + half + quarter] of signed integers in [-SMALL, SMALL) and canonical coefficients:
     * the two folds of a quad in one step. Each coefficient is split into 32-bit limbs, c = ch*2^32 + cl, so the four
     * products with each limb add up exactly in a signed lane (below 2^61 and 2^58 in magnitude), and
     * H*2^32 + L = (H >>> 29) + (H mod 2^29)*2^32 + L mod p once H and L are made non-negative by adding p.
     *
     * @return whether every value read lies in [-SMALL, SMALL); out is meaningless otherwise
     */
    static boolean smallBilinear(long[] a, int from, int quarter, int half, long[] c, int n, long[] out, int outOff) {
        LongVector maxSigned = LongVector.broadcast(SPECIES, Fp.MAX_SIGNED);
        LongVector any = LongVector.zero(SPECIES);
        for (int j = 0; j < n; j += LANES) {
            int i = from + j;
            LongVector high = LongVector.zero(SPECIES);
            LongVector low = LongVector.zero(SPECIES);
            for (int k = 0; k < 4; k++) {
                LongVector x = LongVector.fromArray(SPECIES, a, i + (k & 1) * quarter + (k >> 1) * half);
                LongVector s = x.sub(maxSigned.sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
                any = any.or(s.add(SMALL)); // in [0, 2 * SMALL) exactly when s is in range
                high = high.add(s.mul(c[k] >>> 32));
                low = low.add(s.mul(c[k] & LOW32));
            }
            high = high.add(high.lanewise(VectorOperators.ASHR, 63).and(P)); // in [0, p)
            low = low.add(low.lanewise(VectorOperators.ASHR, 63).and(P)); // in [0, p]
            LongVector t = low.add(high.lanewise(VectorOperators.LSHR, 29)).add(high.and(LOW29).lanewise(VectorOperators.LSHL, 32));
            LongVector f = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).sub(P); // fold(t) <= p + 1: f in [-p, 1]
            f.add(f.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(out, outOff + j);
        }
        return (any.reduceLanes(VectorOperators.OR) >>> SMALL_BITS_PLUS_ONE) == 0;
    }

    /**
     * The quads at [from, from + n) as signed integers, with their extrapolation to u = 2: rows[v*n + j] = g(0, v),
     * rows[(2 + v)*n + j] = g(1, v) and rows[(4 + v)*n + j] = g(2, v) = 2*g(1, v) - g(0, v) for v in {0, 1}, where
     * g(0, 0) = A[i], g(0, 1) = A[i + quarter], g(1, 0) = A[i + half], g(1, 1) = A[i + half + quarter], i = from + j.
     * (A folded value above (p-1)/2 is negative: x - p; p and p + 1, which a fold may leave, come out as 0 and 1.)
     *
     * @return whether every value read lies in [-SMALL, SMALL); the rows are meaningless otherwise
     */
    static boolean signedQuads(long[] a, int from, int quarter, int half, int n, long[] rows) {
        LongVector maxSigned = LongVector.broadcast(SPECIES, Fp.MAX_SIGNED);
        LongVector any = LongVector.zero(SPECIES);
        for (int j = 0; j < n; j += LANES) {
            int i = from + j;
            LongVector x00 = LongVector.fromArray(SPECIES, a, i);
            LongVector x01 = LongVector.fromArray(SPECIES, a, i + quarter);
            LongVector x10 = LongVector.fromArray(SPECIES, a, i + half);
            LongVector x11 = LongVector.fromArray(SPECIES, a, i + half + quarter);
            LongVector s00 = x00.sub(maxSigned.sub(x00).lanewise(VectorOperators.ASHR, 63).and(P));
            LongVector s01 = x01.sub(maxSigned.sub(x01).lanewise(VectorOperators.ASHR, 63).and(P));
            LongVector s10 = x10.sub(maxSigned.sub(x10).lanewise(VectorOperators.ASHR, 63).and(P));
            LongVector s11 = x11.sub(maxSigned.sub(x11).lanewise(VectorOperators.ASHR, 63).and(P));
            // s + SMALL is in [0, 2 * SMALL) exactly when s is in range; a negative sum has its top bit set
            any = any.or(s00.add(SMALL)).or(s01.add(SMALL)).or(s10.add(SMALL)).or(s11.add(SMALL));
            s00.intoArray(rows, j);
            s01.intoArray(rows, n + j);
            s10.intoArray(rows, 2 * n + j);
            s11.intoArray(rows, 3 * n + j);
            s10.add(s10).sub(s00).intoArray(rows, 4 * n + j);
            s11.add(s11).sub(s01).intoArray(rows, 5 * n + j);
        }
        return (any.reduceLanes(VectorOperators.OR) >>> SMALL_BITS_PLUS_ONE) == 0;
    }

    /**
     * out[outOff + j] = s[from + j]^2 for signed integers below 2^31 in magnitude: one exact lane multiply, below 2^62.
     * With {@code add}, added to out[outOff + j]; with {@code fold}, folded. Unfolded sums of up to four squares of
     * the grid's values (each below (9 * 2^27)^2 < 2^60.4) stay below 2^63.
     */
    static void signedSquares(long[] s, int from, int n, long[] out, int outOff, boolean add, boolean fold) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, s, from + j);
            LongVector sq = x.mul(x);
            if (add) sq = sq.add(LongVector.fromArray(SPECIES, out, outOff + j));
            if (fold) sq = sq.and(P).add(sq.lanewise(VectorOperators.LSHR, 61));
            sq.intoArray(out, outOff + j);
        }
    }

    /** The same for (2*s[from + j + apart] - s[from + j])^2. */
    static void signedSquaresAtTwo(long[] s, int from, int apart, int n, long[] out, int outOff, boolean add, boolean fold) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x0 = LongVector.fromArray(SPECIES, s, from + j);
            LongVector x1 = LongVector.fromArray(SPECIES, s, from + j + apart);
            LongVector x2 = x1.add(x1).sub(x0);
            LongVector sq = x2.mul(x2);
            if (add) sq = sq.add(LongVector.fromArray(SPECIES, out, outOff + j));
            if (fold) sq = sq.and(P).add(sq.lanewise(VectorOperators.LSHR, 61));
            sq.intoArray(out, outOff + j);
        }
    }
}
