package org.safetynets.cpu;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

import java.util.Random;

/**
 * Slow, obviously correct F_p^2 sum-check arithmetic over {@link Fp2} objects, and random test data: what the CPU
 * backend's F_p^2 kernels are compared with.
 */
final class Fp2Reference {
    private Fp2Reference() {
    }

    /** T[i] + r (T[i + half] - T[i]) for i < half. */
    static Fp2[] fold(Fp2[] table, int half, Fp2 r) {
        Fp2[] out = new Fp2[half];
        for (int i = 0; i < half; i++) out[i] = table[i].add(r.mul(table[i + half].sub(table[i])));
        return out;
    }

    /** For t = 0..degree: sum over i < half of prod_f of the line through T_f[i], T_f[i + half] at t. */
    static Fp2[] roundEvaluations(Fp2[][] tables, int[] factors, int half, int degree) {
        Fp2[] out = new Fp2[degree + 1];
        for (int t = 0; t <= degree; t++) {
            Fp2 sum = Fp2.ZERO;
            for (int i = 0; i < half; i++) {
                Fp2 product = Fp2.ONE;
                for (int f : factors) {
                    Fp2[] table = tables[f];
                    product = product.mul(table[i].add(table[i + half].sub(table[i]).mul(t)));
                }
                sum = sum.add(product);
            }
            out[t] = sum;
        }
        return out;
    }

    /** E[x] = prod_j (x_j ? one_j : zero_j), by definition. */
    static Fp2[] productTable(Fp2[] zero, Fp2[] one) {
        Fp2[] table = new Fp2[1 << zero.length];
        for (int x = 0; x < table.length; x++) {
            Fp2 e = Fp2.ONE;
            for (int j = 0; j < zero.length; j++) e = e.mul((x >> j & 1) == 1 ? one[j] : zero[j]);
            table[x] = e;
        }
        return table;
    }

    static Fp2[] lift(long[] values, int n) {
        Fp2[] out = new Fp2[n];
        for (int i = 0; i < n; i++) out[i] = Fp2.of(values[i]);
        return out;
    }

    static long randomElement(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Fp.P - 1;
            default -> Math.floorMod(random.nextLong(), Fp.P);
        };
    }

    static Fp2 randomFp2(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> Fp2.ZERO;
            case 1 -> Fp2.ONE;
            case 2 -> Fp2.of(Fp.P - 1);
            case 3 -> Fp2.of(randomElement(random));
            default -> new Fp2(randomElement(random), randomElement(random));
        };
    }

    /**
     * Witness-like values: small signed integers, full field elements, zero runs (padding), or values at the edge of
     * the kernels' integer paths (magnitudes around 2^27, and 2^31).
     */
    static long[] randomValues(Random random, int n) {
        long[] values = new long[n];
        int kind = random.nextInt(4);
        long[] edges = {(1L << 27) - 1, -((1L << 27) - 1), 1L << 27, -(1L << 27), (1L << 27) + 1, -(1L << 31), 0, 1, -1};
        for (int i = 0; i < n; i++) {
            values[i] = switch (kind) {
                case 0 -> Fp.fromSigned(random.nextInt(1 << 16) - (1 << 15));
                case 1 -> randomElement(random);
                case 2 -> Fp.fromSigned(edges[random.nextInt(edges.length)]);
                default -> (i / 300) % 3 == 1 ? 0 : Fp.fromSigned(random.nextInt(255) - 127);
            };
        }
        return values;
    }
}
