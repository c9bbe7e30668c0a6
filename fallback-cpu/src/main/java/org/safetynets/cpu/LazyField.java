package org.safetynets.cpu;

import org.safetynets.field.Fp;

/**
 * Multiply-accumulate over F_p without reducing every step: the building blocks the CPU kernels share.
 *
 * <p><b>Unsigned accumulation</b> (any canonical operands). For canonical a, b the product hi*2^64 + lo is
 * below 2^122, and {@link #term(long, long)} = (lo & P) + (product >>> 61) is congruent to a*b (2^61 = 1 mod p)
 * and at most 2*(2^61 - 1) < 2^62. An accumulator read as an unsigned 64-bit value is folded with
 * {@link #fold(long)}: (acc & P) + (acc >>> 61) < 2^61 + 8, still congruent. After a fold it takes
 * {@link #TERMS_PER_FOLD} = 3 terms: 2^61 + 8 + 3*(2^62 - 2) < 2^64. {@link Fp#reduceUnsigned} makes it canonical.
 *
 * <p><b>Signed accumulation</b> (known small operands). Quantised weights and activations are small signed
 * integers: when every |a| <= maxA and |b| <= maxB with maxA*maxB = m < 2^62, a plain signed {@code long}
 * accumulator that starts canonical (< 2^61) takes {@link #signedTermsPerReduce} = floor(2^62 / m) products
 * a*b of the signed representatives without overflow (2^61 + 2^62 < 2^63): one multiply and one add per step,
 * which the JIT vectorises. {@link #canonicalOfSigned} brings it back to [0, p).
 */
final class LazyField {
    static final long P = Fp.P;
    static final int TERMS_PER_FOLD = 3;
    /** Below this many terms between reductions the signed path's extra passes stop paying for themselves. */
    static final int MIN_SIGNED_TERMS = 16;

    private LazyField() {
    }

    /** A value < 2^62 congruent to a*b, for canonical a, b. */
    static long term(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        return (lo & P) + ((lo >>> 61) | (hi << 3));
    }

    /** A value < 2^61 + 8 congruent to acc, for any acc read as unsigned. */
    static long fold(long acc) {
        return (acc & P) + (acc >>> 61);
    }

    /**
     * acc + a*b for an accumulator below 2^63 (unsigned), keeping it below 2^63: fold(acc) + term < 2^61 + 8 +
     * 2^62. One fold per step: for loops that are not the hot path.
     */
    static long mulAdd(long acc, long a, long b) {
        return fold(acc) + term(a, b);
    }

    /**
     * The signed integer in [-(p-1)/2, (p-1)/2] that a canonical element represents: a - p above (p-1)/2, written
     * without a branch, since the signs of activations are unpredictable.
     */
    static long signed(long a) {
        return a - (((Fp.MAX_SIGNED - a) >> 63) & P);
    }

    /**
     * Whether every x[from + k], k < n, is a signed integer in [-2^bits, 2^bits): x + 2^bits mod p is then below
     * 2^(bits + 1). Only ORs in the loop, no branch (the activations' signs are unpredictable).
     */
    static boolean allSignedBelow(long[] x, int from, int n, int bits) {
        long offset = 1L << bits;
        long shifted = 0;
        for (int k = from; k < from + n; k++) shifted |= Fp.add(x[k], offset);
        return shifted >>> (bits + 1) == 0;
    }

    /** |signed(a)|. */
    static long magnitude(long a) {
        return a > Fp.MAX_SIGNED ? P - a : a;
    }

    /** The canonical element congruent to any signed long. */
    static long canonicalOfSigned(long s) {
        // s = (s >> 61)*2^61 + (s & P) with s >> 61 in [-4, 3], so r = (s & P) + (s >> 61) is in [-4, 2^61 + 2].
        long r = (s & P) + (s >> 61);
        r += (r >> 63) & P;
        return r >= P ? r - P : r;
    }

    /**
     * How many products of magnitude at most maxA*maxB a signed accumulator holding a canonical value may take,
     * or 0 when the products may reach 2^62 (then the unsigned path is used).
     */
    static long signedTermsPerReduce(long maxA, long maxB) {
        if (maxA == 0 || maxB == 0) return Long.MAX_VALUE;
        int bits = (64 - Long.numberOfLeadingZeros(maxA)) + (64 - Long.numberOfLeadingZeros(maxB));
        if (bits > 62) return 0;
        return (1L << 62) / (maxA * maxB);
    }

    /** Whether a reduction of {@code terms} products with these magnitude bounds should take the signed path. */
    static boolean useSigned(long maxA, long maxB, long terms) {
        long chunk = signedTermsPerReduce(maxA, maxB);
        return chunk >= Math.min(terms, MIN_SIGNED_TERMS) && chunk > 0;
    }

    /** Canonical dot product of n entries, a[aOff + i] * b[bOff + i*bStride], for canonical operands. */
    static long dot(long[] a, int aOff, long[] b, int bOff, int bStride, int n) {
        long acc0 = 0;
        long acc1 = 0;
        int i = 0;
        // Two independent accumulators, each folded once per 3 terms (see the class comment).
        for (; i + 6 <= n; i += 6) {
            int bi = bOff + i * bStride;
            acc0 = fold(acc0) + term(a[aOff + i], b[bi]) + term(a[aOff + i + 2], b[bi + 2 * bStride])
                    + term(a[aOff + i + 4], b[bi + 4 * bStride]);
            acc1 = fold(acc1) + term(a[aOff + i + 1], b[bi + bStride]) + term(a[aOff + i + 3], b[bi + 3 * bStride])
                    + term(a[aOff + i + 5], b[bi + 5 * bStride]);
        }
        long acc = fold(acc0) + fold(acc1); // < 2^62 + 16
        for (; i < n; i++) acc = mulAdd(acc, a[aOff + i], b[bOff + i * bStride]);
        return Fp.reduceUnsigned(acc);
    }
}
