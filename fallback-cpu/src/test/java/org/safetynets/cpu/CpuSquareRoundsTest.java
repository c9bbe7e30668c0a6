package org.safetynets.cpu;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp2;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fused x^2 sum-check rounds against the plain degree-3 round of E * A * A over a materialised weight table
 * ({@link Fp2Reference}), round by round: every message, the final value, and the caller's values untouched.
 */
class CpuSquareRoundsTest {
    private static final int[] VARIABLES = {1, 2, 3, 5, 11, 13};

    /** How the weights f_j(t) = zero_j + t (one_j - zero_j) are drawn. */
    enum WeightKind {
        /** eq(r, .): zero = 1 - r, one = r. */
        EQ,
        /** eq with every third variable summed over (zero = one = 1), as on a pool's window offsets. */
        POOLED,
        /** zero and one drawn independently (0, 1 and p - 1 among them). */
        RANDOM,
        /** one_j = 0 on some variables: q(1) cannot come from the claim there. */
        ONE_ZERO,
        /** a challenge at a root of f_j: the bound weight becomes 0, and every later q(1) is computed. */
        ZERO_BOUND
    }

    @Test
    void matchesThePlainRoundOverEveryShapeAndWeight() {
        long seed = 1;
        for (int threads : new int[] {1, 2}) {
            for (int k : VARIABLES) {
                for (WeightKind kind : WeightKind.values()) {
                    for (boolean grid : new boolean[] {true, false}) {
                        for (boolean simd : simdSettings()) check(k, kind, threads, grid, simd, seed++);
                    }
                }
            }
        }
    }

    @Test
    void largeTablesSplitOverThreads() {
        for (boolean simd : simdSettings()) {
            check(15, WeightKind.POOLED, 2, true, simd, 99);
            check(16, WeightKind.EQ, 2, true, simd, 100);
            check(15, WeightKind.ONE_ZERO, 2, false, simd, 101);
        }
    }

    /**
     * Runs of small activations, of field elements and of zeros side by side, so that runs sharing a pooled weight
     * take different paths (lanes, scalar, skipped) and still add up to the same sums.
     */
    @Test
    void mixedRunsUnderPooledWeights() {
        Random random = new Random(5);
        for (int k : new int[] {13, 15}) {
            long[] values = new long[1 << k];
            for (int i = 0; i < values.length; i++) {
                values[i] = switch ((i / 128) % 5) {
                    case 1 -> Fp2Reference.randomElement(random);
                    case 3 -> 0;
                    default -> org.safetynets.field.Fp.fromSigned(random.nextInt(1 << 20) - (1 << 19));
                };
            }
            for (boolean simd : simdSettings()) check(k, WeightKind.POOLED, 2, true, simd, values, 200 + k);
        }
    }

    @Test
    void noVariables() {
        try (WorkerPool pool = new WorkerPool(1);
             CpuSquareRounds rounds = new CpuSquareRounds(pool, new Fp2[0], new Fp2[0], new long[] {42}, true)) {
            assertEquals(Fp2.of(42), rounds.finalValue());
        }
    }

    @Test
    void theBackendHandsOutTheFusedRounds() {
        Random random = new Random(7);
        int k = 6;
        Fp2[] zero = new Fp2[k];
        Fp2[] one = new Fp2[k];
        drawWeights(random, WeightKind.EQ, zero, one);
        long[] values = Fp2Reference.randomValues(random, 1 << k);
        try (CpuBackend backend = new CpuBackend(2, false); DeviceTensor tensor = backend.upload(values)) {
            Fp2[] e = Fp2Reference.productTable(zero, one);
            Fp2[] a = Fp2Reference.lift(values, 1 << k);
            try (SquareRounds rounds = backend.squareRounds(zero, one, tensor)) {
                assertEquals(CpuSquareRounds.class, rounds.getClass());
                int size = 1 << k;
                for (int m = k - 1; m >= 0; m--, size /= 2) {
                    Fp2[] expected = Fp2Reference.roundEvaluations(new Fp2[][] {e, a}, new int[] {0, 1, 1}, size / 2, 3);
                    assertArrayEquals(expected, rounds.roundPolynomial(claim(e, a, size)), "round " + m);
                    Fp2 r = Fp2Reference.randomFp2(random);
                    rounds.bind(r);
                    e = Fp2Reference.fold(e, size / 2, r);
                    a = Fp2Reference.fold(a, size / 2, r);
                }
                assertEquals(a[0], rounds.finalValue());
            }
            assertArrayEquals(values, backend.download(tensor));
        }
    }

    /** Scalar passes always; the SIMD passes too where this JVM has the Vector API. */
    private static boolean[] simdSettings() {
        return Simd.usable() ? new boolean[] {false, true} : new boolean[] {false};
    }

    private static void check(int k, WeightKind kind, int threads, boolean grid, boolean simd, long seed) {
        check(k, kind, threads, grid, simd, null, seed);
    }

    /** @param given the values, or null to draw them */
    private static void check(int k, WeightKind kind, int threads, boolean grid, boolean simd, long[] given, long seed) {
        Random random = new Random(seed);
        Fp2[] zero = new Fp2[k];
        Fp2[] one = new Fp2[k];
        drawWeights(random, kind, zero, one);
        long[] values = given != null ? given.clone()
                : Fp2Reference.randomValues(random, (1 << k) + (seed % 3 == 0 ? 5 : 0)); // a longer tensor too
        long[] original = values.clone();
        Fp2[] e = Fp2Reference.productTable(zero, one);
        Fp2[] a = Fp2Reference.lift(values, 1 << k);
        String what = "k=" + k + " " + kind + " threads=" + threads + " grid=" + grid + " simd=" + simd + " seed=" + seed;
        try (WorkerPool pool = new WorkerPool(threads);
             CpuSquareRounds rounds = new CpuSquareRounds(pool, zero, one, values, grid, simd)) {
            int size = 1 << k;
            for (int m = k - 1; m >= 0; m--, size /= 2) {
                Fp2[] expected = Fp2Reference.roundEvaluations(new Fp2[][] {e, a}, new int[] {0, 1, 1}, size / 2, 3);
                assertArrayEquals(expected, rounds.roundPolynomial(claim(e, a, size)), what + " round " + m);
                Fp2 r = challenge(random, kind, zero[m], one[m], m);
                rounds.bind(r);
                e = Fp2Reference.fold(e, size / 2, r);
                a = Fp2Reference.fold(a, size / 2, r);
            }
            assertEquals(a[0], rounds.finalValue(), what + " final value");
        }
        assertArrayEquals(original, values, what + ": the caller's values changed");
    }

    /** The running claim, sum over the live entries of E A^2 (what the driver holds as s(r) of the last round). */
    private static Fp2 claim(Fp2[] e, Fp2[] a, int size) {
        Fp2 sum = Fp2.ZERO;
        for (int i = 0; i < size; i++) sum = sum.add(e[i].mul(a[i].square()));
        return sum;
    }

    private static void drawWeights(Random random, WeightKind kind, Fp2[] zero, Fp2[] one) {
        for (int j = 0; j < zero.length; j++) {
            Fp2 r = Fp2Reference.randomFp2(random);
            zero[j] = Fp2.ONE.sub(r);
            one[j] = r;
            switch (kind) {
                case POOLED -> {
                    if (j % 3 == 1) {
                        zero[j] = Fp2.ONE;
                        one[j] = Fp2.ONE;
                    }
                }
                case RANDOM -> zero[j] = Fp2Reference.randomFp2(random);
                case ONE_ZERO, ZERO_BOUND -> {
                    if (j % 2 == 0) one[j] = Fp2.ZERO;
                }
                default -> {
                }
            }
        }
    }

    /** A random challenge; for ZERO_BOUND, a root of f_m in the middle round, so the bound weight is 0 after it. */
    private static Fp2 challenge(Random random, WeightKind kind, Fp2 zero, Fp2 one, int m) {
        if (kind == WeightKind.ZERO_BOUND && m % 4 == 1 && !zero.equals(one)) {
            return zero.mul(zero.sub(one).inverse()); // f(r) = zero + r (one - zero) = 0
        }
        return switch (random.nextInt(6)) {
            case 0 -> Fp2.of(Fp2Reference.randomElement(random));
            default -> Fp2Reference.randomFp2(random);
        };
    }
}
