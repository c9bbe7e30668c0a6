package org.safetynets.poly;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Lagrange interpolation from evaluations at 0..d against Horner's rule on the coefficients, in BigInteger. */
class UnivariateTest {
    private static final long P_LONG = (1L << 61) - 1;
    private static final BigInteger P = BigInteger.valueOf(P_LONG);

    /** g(x) = sum_i coefficients[i] x^i mod p. */
    private static long horner(long[] coefficients, long x) {
        BigInteger result = BigInteger.ZERO;
        BigInteger bx = BigInteger.valueOf(x);
        for (int i = coefficients.length - 1; i >= 0; i--) {
            result = result.multiply(bx).add(BigInteger.valueOf(coefficients[i])).mod(P);
        }
        return result.longValueExact();
    }

    private static long[] evaluationsAt0ToD(long[] coefficients) {
        long[] values = new long[coefficients.length];
        for (int t = 0; t < values.length; t++) values[t] = horner(coefficients, t);
        return values;
    }

    @Test
    void interpolatesRandomPolynomials() {
        SplittableRandom random = new SplittableRandom(31);
        for (int degree = 0; degree <= 10; degree++) { // past the tabulated denominators (n <= 8) too
            for (int trial = 0; trial < 200; trial++) {
                long[] coefficients = new long[degree + 1];
                for (int i = 0; i <= degree; i++) coefficients[i] = random.nextLong(P_LONG);
                if (trial == 0) java.util.Arrays.fill(coefficients, P_LONG - 1);
                long[] values = evaluationsAt0ToD(coefficients);
                long[] copy = values.clone();
                for (int t = 0; t <= degree; t++) assertEquals(values[t], Univariate.evaluate(values, t));
                long[] xs = {random.nextLong(P_LONG), random.nextLong(P_LONG), degree + 1, degree + 2, 100,
                        P_LONG - 1, P_LONG - 2, P_LONG - degree};
                for (long x : xs) {
                    assertEquals(horner(coefficients, x), Univariate.evaluate(values, x), "degree " + degree + " x=" + x);
                }
                assertArrayEquals(copy, values, "evaluate must not modify its input");
            }
        }
    }

    @Test
    void interpolatesRandomExtensionPolynomials() {
        SplittableRandom random = new SplittableRandom(37);
        for (int degree = 0; degree <= 10; degree++) {
            for (int trial = 0; trial < 50; trial++) {
                org.safetynets.field.Fp2[] coefficients = new org.safetynets.field.Fp2[degree + 1];
                for (int i = 0; i <= degree; i++) coefficients[i] = new org.safetynets.field.Fp2(random.nextLong(P_LONG), random.nextLong(P_LONG));
                org.safetynets.field.Fp2[] values = new org.safetynets.field.Fp2[degree + 1];
                for (int t = 0; t <= degree; t++) values[t] = hornerExtension(coefficients, org.safetynets.field.Fp2.of(t));
                org.safetynets.field.Fp2 x = new org.safetynets.field.Fp2(random.nextLong(P_LONG), random.nextLong(P_LONG));
                assertEquals(hornerExtension(coefficients, x), Univariate.evaluate(values, x), "degree " + degree);
                // extension coefficients at a base-field point: a round message evaluated where a challenge in F_p would land
                org.safetynets.field.Fp2 base = org.safetynets.field.Fp2.of(random.nextLong(P_LONG));
                assertEquals(hornerExtension(coefficients, base), Univariate.evaluate(values, base), "degree " + degree + " at a base-field point");
            }
        }
    }

    private static org.safetynets.field.Fp2 hornerExtension(org.safetynets.field.Fp2[] coefficients, org.safetynets.field.Fp2 x) {
        org.safetynets.field.Fp2 result = org.safetynets.field.Fp2.ZERO;
        for (int i = coefficients.length - 1; i >= 0; i--) result = result.mul(x).add(coefficients[i]);
        return result;
    }

    @Test
    void lowerDegreePolynomialGivenWithMorePoints() {
        // a quadratic sent as a degree-5 message (zero high coefficients) still interpolates exactly
        long[] coefficients = {7, P_LONG - 3, 11, 0, 0, 0};
        long[] values = evaluationsAt0ToD(coefficients);
        for (long x : new long[] {6, 12345, P_LONG - 1}) assertEquals(horner(coefficients, x), Univariate.evaluate(values, x));
    }

    @Test
    void constantAndLinear() {
        assertEquals(42, Univariate.evaluate(new long[] {42}, 0));
        assertEquals(42, Univariate.evaluate(new long[] {42}, 987654321));
        assertEquals(42, Univariate.evaluate(new long[] {42}, P_LONG - 1));
        // g(0)=3, g(1)=5: g(x) = 3 + 2x
        assertEquals(3 + 2 * 10, Univariate.evaluate(new long[] {3, 5}, 10));
        // g(-1) = 1
        assertEquals(1, Univariate.evaluate(new long[] {3, 5}, P_LONG - 1));
    }

    @Test
    void rejectsNoEvaluations() {
        assertThrows(IllegalArgumentException.class, () -> Univariate.evaluate(new long[0], 3));
    }
}
