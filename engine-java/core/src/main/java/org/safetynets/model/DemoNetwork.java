package org.safetynets.model;

import org.safetynets.tensor.Shape;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's small random quantized CNN, the shape of the paper's MNIST network:
 * conv 5x5 (1 -> 8) -> x^2 -> sum pool 2 -> conv 5x5 (8 -> 16) -> x^2 -> sum pool 2 -> flatten -> dense 784 -> 10,
 * on 28 x 28 single-channel inputs.
 *
 * <p>Two x^2 layers double the bit width twice, so for the no-overflow proof over every valid input to hold in
 * 2^60, inputs take 2 bits (0..3) and weights are ternary {-1, 0, 1}: the last layer's worst case is about 2^56.
 * A trained model (with its own quantizer) replaces this one for real data.
 */
public final class DemoNetwork {
    public static final Shape INPUT = new Shape(1, 28, 28);
    public static final long INPUT_MAX = 3;

    private DemoNetwork() {
    }

    /** Same seed, same model. */
    public static Model build(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2d(8, 1, 5, 1, 2, ternary(random, 8 * 25), small(random, 8), 1),
                new Square(),
                new SumPool(2),
                new Conv2d(16, 8, 5, 1, 2, ternary(random, 16 * 8 * 25), small(random, 16), 1),
                new Square(),
                new SumPool(2),
                new Flatten(),
                new Dense(10, 16 * 7 * 7, ternary(random, 10 * 16 * 7 * 7), small(random, 10), 1));
        return new Model("demo-cnn-seed" + seed, INPUT, 0, INPUT_MAX, 1, layers);
    }

    /** A batch of random valid inputs; same seed, same batch. */
    public static long[][] inputs(long seed, int batch) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long[][] samples = new long[batch][INPUT.size()];
        for (long[] sample : samples) for (int i = 0; i < sample.length; i++) sample[i] = random.nextInt((int) INPUT_MAX + 1);
        return samples;
    }

    private static long[] ternary(SplittableRandom random, int n) {
        long[] w = new long[n];
        for (int i = 0; i < n; i++) w[i] = random.nextInt(3) - 1;
        return w;
    }

    private static long[] small(SplittableRandom random, int n) {
        long[] b = new long[n];
        for (int i = 0; i < n; i++) b[i] = random.nextInt(5) - 2;
        return b;
    }
}
