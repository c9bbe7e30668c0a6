package org.safetynets.kernels;

import org.junit.jupiter.api.Test;
import org.safetynets.field.Fp;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The signed-path rule every device backend applies, against its bound computed with BigInteger. */
class SignedPathTest {
    @Test
    void magnitudeOfSignedRepresentatives() {
        assertEquals(0, SignedPath.magnitude(0));
        assertEquals(5, SignedPath.magnitude(5));
        assertEquals(5, SignedPath.magnitude(Fp.P - 5));
        assertEquals(Fp.MAX_SIGNED, SignedPath.magnitude(Fp.MAX_SIGNED));
        assertEquals(Fp.MAX_SIGNED, SignedPath.magnitude(Fp.MAX_SIGNED + 1));
    }

    @Test
    void termsPerReduceKeepsASignedSumBelow2To63() {
        long[] magnitudes = {1, 3, 255, 1L << 20, (1L << 29) + 7, 1L << 31, 1L << 40};
        BigInteger limit = BigInteger.ONE.shiftLeft(63);
        for (long a : magnitudes) {
            for (long b : magnitudes) {
                long terms = SignedPath.termsPerReduce(a, b);
                if (terms == 0) {
                    assertTrue(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).bitLength() > 61, a + " * " + b);
                    continue;
                }
                // A canonical start (< 2^61) plus `terms` products of magnitude a*b stays inside the signed 64-bit range.
                BigInteger worst = BigInteger.ONE.shiftLeft(61).add(BigInteger.valueOf(terms).multiply(BigInteger.valueOf(a)).multiply(BigInteger.valueOf(b)));
                assertTrue(worst.compareTo(limit) < 0, a + " * " + b + " x " + terms);
            }
        }
        assertEquals(Long.MAX_VALUE, SignedPath.termsPerReduce(0, 1L << 60));
    }

    @Test
    void signedPathOnlyWhenEnoughTermsFitBetweenReductions() {
        assertTrue(SignedPath.useSigned(16, 1000));
        assertFalse(SignedPath.useSigned(15, 1000));
        assertTrue(SignedPath.useSigned(3, 3), "a short sum that fits whole");
        assertFalse(SignedPath.useSigned(0, 3));
    }
}
