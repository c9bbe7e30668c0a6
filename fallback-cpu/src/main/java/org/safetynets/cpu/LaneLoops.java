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
}
