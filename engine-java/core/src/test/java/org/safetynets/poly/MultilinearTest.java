package org.safetynets.poly;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Multilinear tools against the textbook formulas, computed with BigInteger mod p over the whole hypercube. */
class MultilinearTest {
    private static final BigInteger P = BigInteger.valueOf((1L << 61) - 1);

    private static long[] randomPoint(SplittableRandom random, int k) {
        long[] point = new long[k];
        for (int j = 0; j < k; j++) point[j] = random.nextLong(P.longValueExact());
        return point;
    }

    private static long[] randomTable(SplittableRandom random, int k) {
        return randomPoint(random, 1 << k);
    }

    private static long[] booleanPoint(int x, int k) {
        long[] point = new long[k];
        for (int j = 0; j < k; j++) point[j] = (x >>> j) & 1;
        return point;
    }

    /** eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)) mod p. */
    private static BigInteger eqReference(long[] a, long[] b) {
        BigInteger result = BigInteger.ONE;
        for (int j = 0; j < a.length; j++) {
            BigInteger aj = BigInteger.valueOf(a[j]);
            BigInteger bj = BigInteger.valueOf(b[j]);
            BigInteger term = aj.multiply(bj).add(BigInteger.ONE.subtract(aj).multiply(BigInteger.ONE.subtract(bj)));
            result = result.multiply(term).mod(P);
        }
        return result;
    }

    /** MLE(table)(point) = sum_x table[x] * eq(point, x), variable j being bit j of x. */
    private static long evaluateReference(long[] table, long[] point) {
        int k = point.length;
        BigInteger sum = BigInteger.ZERO;
        for (int x = 0; x < table.length; x++) {
            sum = sum.add(BigInteger.valueOf(table[x]).multiply(eqReference(point, booleanPoint(x, k))));
        }
        return sum.mod(P).longValueExact();
    }

    /** A few special points alongside random ones: all zeros, all ones, p-1 everywhere, and a small mix. */
    private static long[][] points(SplittableRandom random, int k) {
        long[] zeros = new long[k];
        long[] ones = new long[k];
        long[] minusOnes = new long[k];
        long[] mixed = new long[k];
        for (int j = 0; j < k; j++) {
            ones[j] = 1;
            minusOnes[j] = P.longValueExact() - 1;
            mixed[j] = j % 3 == 0 ? 2 : P.longValueExact() - j;
        }
        return new long[][] {zeros, ones, minusOnes, mixed, randomPoint(random, k), randomPoint(random, k)};
    }

    @Test
    void eqTableMatchesProductFormula() {
        SplittableRandom random = new SplittableRandom(21);
        for (int k = 0; k <= 6; k++) {
            for (long[] point : points(random, k)) {
                long[] table = Multilinear.eqTable(point);
                assertEquals(1 << k, table.length);
                BigInteger sum = BigInteger.ZERO;
                for (int x = 0; x < table.length; x++) {
                    assertEquals(eqReference(point, booleanPoint(x, k)).longValueExact(), table[x], "k=" + k + " x=" + x);
                    sum = sum.add(BigInteger.valueOf(table[x]));
                }
                // sum_x eq(r, x) = 1 for every r
                assertEquals(BigInteger.ONE, sum.mod(P), "k=" + k);
            }
        }
    }

    @Test
    void eqTableAtBooleanPointIsIndicator() {
        for (int k = 0; k <= 5; k++) {
            for (int y = 0; y < (1 << k); y++) {
                long[] table = Multilinear.eqTable(booleanPoint(y, k));
                for (int x = 0; x < table.length; x++) assertEquals(x == y ? 1 : 0, table[x], "k=" + k + " y=" + y + " x=" + x);
            }
        }
    }

    @Test
    void eqAgreesWithTableAndFormula() {
        SplittableRandom random = new SplittableRandom(22);
        for (int k = 0; k <= 6; k++) {
            for (long[] a : points(random, k)) {
                long[] table = Multilinear.eqTable(a);
                for (int x = 0; x < table.length; x++) {
                    assertEquals(table[x], Multilinear.eq(a, booleanPoint(x, k)), "k=" + k + " x=" + x);
                    assertEquals(table[x], Multilinear.eq(booleanPoint(x, k), a), "symmetry k=" + k + " x=" + x);
                }
                for (long[] b : points(random, k)) {
                    assertEquals(eqReference(a, b).longValueExact(), Multilinear.eq(a, b), "k=" + k);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Multilinear.eq(new long[2], new long[3]));
    }

    @Test
    void evaluateMatchesHypercubeSum() {
        SplittableRandom random = new SplittableRandom(23);
        for (int k = 0; k <= 8; k++) {
            for (int trial = 0; trial < 3; trial++) {
                long[] table = randomTable(random, k);
                if (trial == 1) java.util.Arrays.fill(table, P.longValueExact() - 1);
                long[] copy = table.clone();
                for (long[] point : points(random, k)) {
                    assertEquals(evaluateReference(table, point), Multilinear.evaluate(table, point), "k=" + k);
                }
                assertArrayEquals(copy, table, "evaluate must not modify the table");
            }
        }
    }

    @Test
    void evaluateOnBooleanPointsReturnsEntries() {
        SplittableRandom random = new SplittableRandom(24);
        for (int k = 0; k <= 7; k++) {
            long[] table = randomTable(random, k);
            for (int x = 0; x < table.length; x++) {
                assertEquals(table[x], Multilinear.evaluate(table, booleanPoint(x, k)), "k=" + k + " x=" + x);
            }
        }
    }

    @Test
    void evaluateRejectsWrongTableSize() {
        assertThrows(IllegalArgumentException.class, () -> Multilinear.evaluate(new long[3], new long[2]));
        assertThrows(IllegalArgumentException.class, () -> Multilinear.evaluate(new long[8], new long[2]));
        assertThrows(IllegalArgumentException.class, () -> Multilinear.evaluate(new long[2], new long[0]));
    }

    @Test
    void foldHighestVariableThenEvaluate() {
        SplittableRandom random = new SplittableRandom(25);
        for (int k = 1; k <= 8; k++) {
            for (int trial = 0; trial < 4; trial++) {
                long[] table = randomTable(random, k);
                long[] point = randomPoint(random, k);
                long r = point[k - 1];
                long[] rest = Multilinear.slice(point, 0, k - 1);
                long[] folded = table.clone();
                int half = table.length / 2;
                Multilinear.fold(folded, half, r);
                // entries at and above half are left as they were
                for (int i = half; i < table.length; i++) assertEquals(table[i], folded[i]);
                long[] lower = java.util.Arrays.copyOf(folded, half);
                long expected = evaluateReference(table, point);
                assertEquals(expected, Multilinear.evaluate(lower, rest), "k=" + k);
                // folding all the way down gives the evaluation
                int size = half;
                for (int j = k - 2; j >= 0; j--) {
                    size >>= 1;
                    Multilinear.fold(folded, size, point[j]);
                }
                assertEquals(expected, folded[0], "k=" + k);
            }
        }
    }

    @Test
    void foldWithBooleanChallengeSelectsHalf() {
        SplittableRandom random = new SplittableRandom(26);
        long[] table = randomTable(random, 4);
        long[] zero = table.clone();
        Multilinear.fold(zero, 8, 0);
        long[] one = table.clone();
        Multilinear.fold(one, 8, 1);
        for (int i = 0; i < 8; i++) {
            assertEquals(table[i], zero[i]);
            assertEquals(table[i + 8], one[i]);
        }
    }

    @Test
    void prefixIndicatorMatchesBruteForce() {
        SplittableRandom random = new SplittableRandom(27);
        for (int k = 0; k <= 6; k++) {
            for (long[] point : points(random, k)) {
                for (int count = 0; count <= (1 << k); count++) {
                    long[] indicator = new long[1 << k];
                    for (int x = 0; x < count; x++) indicator[x] = 1;
                    assertEquals(evaluateReference(indicator, point), Multilinear.prefixIndicator(point, count),
                            "k=" + k + " count=" + count);
                }
            }
        }
    }

    @Test
    void concatAndSlice() {
        long[] a = {1, 2, 3};
        long[] b = {};
        long[] c = {4, 5};
        long[] joined = Multilinear.concat(a, b, c);
        assertArrayEquals(new long[] {1, 2, 3, 4, 5}, joined);
        assertArrayEquals(new long[0], Multilinear.concat(new long[0][]));
        assertArrayEquals(a, Multilinear.slice(joined, 0, 3));
        assertArrayEquals(c, Multilinear.slice(joined, 3, 2));
        assertArrayEquals(new long[] {3, 4}, Multilinear.slice(joined, 2, 2));
        assertArrayEquals(new long[0], Multilinear.slice(joined, 5, 0));
        // slices are copies
        long[] slice = Multilinear.slice(joined, 0, 2);
        slice[0] = 99;
        assertEquals(1, joined[0]);
        joined[0] = 77;
        assertEquals(1, a[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> Multilinear.slice(new long[] {1, 2}, 1, 2));
    }

    @Test
    void concatPutsFirstPartInLowestVariables() {
        // MLE of a table at concat(low, high) = fold the high part, then the low part
        SplittableRandom random = new SplittableRandom(28);
        long[] table = randomTable(random, 5);
        long[] low = randomPoint(random, 2);
        long[] high = randomPoint(random, 3);
        assertEquals(evaluateReference(table, Multilinear.concat(low, high)), Multilinear.evaluate(table, Multilinear.concat(low, high)));
        // table[x] with x = xLow + 4 * xHigh: a boolean high part selects a contiguous block of 4
        long[] block = java.util.Arrays.copyOfRange(table, 4 * 5, 4 * 5 + 4);
        assertEquals(Multilinear.evaluate(block, low), Multilinear.evaluate(table, Multilinear.concat(low, booleanPoint(5, 3))));
    }

    @Test
    void log2() {
        for (int j = 0; j <= 30; j++) assertEquals(j, Multilinear.log2(1 << j));
        for (int bad : new int[] {0, -1, -2, 3, 5, 6, 7, 12, 1000, (1 << 30) + 1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> Multilinear.log2(bad), "log2(" + bad + ")");
        }
    }

    @Test
    void nextPowerOfTwo() {
        for (int n = 1; n <= 5000; n++) {
            int expected = 1;
            while (expected < n) expected *= 2;
            assertEquals(expected, Multilinear.nextPowerOfTwo(n), "n=" + n);
        }
        assertEquals(1 << 30, Multilinear.nextPowerOfTwo(1 << 30));
        assertEquals(1 << 30, Multilinear.nextPowerOfTwo((1 << 29) + 1));
        for (int j = 0; j <= 30; j++) assertEquals(1 << j, Multilinear.nextPowerOfTwo(1 << j));
        for (int bad : new int[] {0, -1, -1000, Integer.MIN_VALUE, (1 << 30) + 1, Integer.MAX_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> Multilinear.nextPowerOfTwo(bad), "nextPowerOfTwo(" + bad + ")");
        }
    }

    /** Over F_p^2: the product table with eq weights is the eq table, and evaluation at a point agrees with eq against the table. */
    @Test
    void extensionProductTableEqTableAndEvaluation() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        for (int k = 0; k <= 6; k++) {
            org.safetynets.field.Fp2[] r = new org.safetynets.field.Fp2[k];
            org.safetynets.field.Fp2[] zero = new org.safetynets.field.Fp2[k];
            for (int j = 0; j < k; j++) {
                r[j] = new org.safetynets.field.Fp2(random.nextLong(org.safetynets.field.Fp.P), random.nextLong(org.safetynets.field.Fp.P));
                zero[j] = org.safetynets.field.Fp2.ONE.sub(r[j]);
            }
            org.safetynets.field.Fp2[] eq = Multilinear.eqTable(r);
            long[][] table = Multilinear.productTable(zero, r, 0, k);
            long[] values = new long[1 << k];
            for (int x = 0; x < eq.length; x++) {
                assertEquals(eq[x], new org.safetynets.field.Fp2(table[0][x], table[1][x]));
                values[x] = random.nextLong(org.safetynets.field.Fp.P);
            }
            // MLE(values)(r) = sum_x eq(r, x) values[x]
            org.safetynets.field.Fp2 expected = org.safetynets.field.Fp2.ZERO;
            for (int x = 0; x < eq.length; x++) expected = expected.add(eq[x].mul(values[x]));
            assertEquals(expected, Multilinear.evaluate(values, r));
        }
    }
}
