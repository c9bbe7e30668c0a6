package org.safetynets.kernels;

import org.safetynets.field.Fp;

/**
 * When a device may multiply signed representatives in plain 64-bit arithmetic (the quantised inference path),
 * with the same rule as the CPU backend: if every |a| <= maxA and |b| <= maxB with maxA*maxB = m < 2^62, a signed
 * 64-bit sum that starts canonical (< 2^61) takes floor(2^62 / m) products without overflow (2^61 + 2^62 < 2^63)
 * before it must be brought back to [0, p). Either path gives the same canonical results; this one is faster.
 */
public final class SignedPath {
    /** Below this many terms between reductions the extra reductions stop paying for themselves. */
    public static final int MIN_TERMS = 16;

    private SignedPath() {
    }

    /** |signed(a)| for a canonical element. */
    public static long magnitude(long a) {
        return a > Fp.MAX_SIGNED ? Fp.P - a : a;
    }

    /** Products a signed accumulator may take between reductions, or 0 when the products may reach 2^62. */
    public static long termsPerReduce(long maxA, long maxB) {
        if (maxA == 0 || maxB == 0) return Long.MAX_VALUE;
        int bits = (64 - Long.numberOfLeadingZeros(maxA)) + (64 - Long.numberOfLeadingZeros(maxB));
        if (bits > 62) return 0;
        return (1L << 62) / (maxA * maxB);
    }

    /** Whether a reduction of {@code terms} products should take the signed path, given {@link #termsPerReduce}. */
    public static boolean useSigned(long chunk, long terms) {
        return chunk > 0 && chunk >= Math.min(terms, MIN_TERMS);
    }
}
