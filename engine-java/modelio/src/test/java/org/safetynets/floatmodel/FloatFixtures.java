package org.safetynets.floatmodel;

import org.safetynets.tensor.Shape;

import java.util.List;
import java.util.Random;

/** Small seeded float networks for tests (here and in the CLI's tests, through this module's test-jar). */
public final class FloatFixtures {
    private FloatFixtures() {
    }

    public static double[] gaussian(Random r, int n, double sigma) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian() * sigma;
        return v;
    }

    /**
     * A random CNN of the paper's kind, small: on 1x8x8 inputs, conv 3x3 1->4, x^2, avg pool 2, conv 3x3 4->4, x^2,
     * avg pool 2, dense 16->5. Same seed, same network.
     */
    public static FloatModel smallCnn(long seed, long inputMax) {
        Random r = new Random(seed);
        return new FloatModel("small", new Shape(1, 8, 8), inputMax, List.of(
                new FloatLayer.Conv(4, 1, 3, 1, 1, gaussian(r, 36, 0.4), gaussian(r, 4, 0.1)),
                new FloatLayer.Square(), new FloatLayer.Pool(2, 0.25),
                new FloatLayer.Conv(4, 4, 3, 1, 1, gaussian(r, 144, 0.2), gaussian(r, 4, 0.1)),
                new FloatLayer.Square(), new FloatLayer.Pool(2, 0.25), new FloatLayer.Flatten(),
                new FloatLayer.Dense(5, 16, gaussian(r, 80, 0.3), gaussian(r, 5, 0.1))));
    }
}
