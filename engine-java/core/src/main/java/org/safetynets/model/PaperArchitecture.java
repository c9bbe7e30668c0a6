package org.safetynets.model;

import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The network shapes of the SafetyNets paper (Ghodsi, Gu, Garg, NIPS 2017, section 5), by name, with a builder for
 * integer models of each shape filled with seeded random small weights (for benchmarks of the same shape).
 *
 * <p>Source and assumptions. The paper evaluates an MNIST CNN with quadratic activations and sum pooling and
 * three- and four-layer fully connected networks with quadratic activations; the stored copies of the paper we
 * could reach give no layer widths, so the widths below are ours, chosen to match the paper's description:
 * <ul>
 *   <li>{@link #MNIST_CNN}: conv 5x5 (1 -> 16, padding 2) -> x^2 -> sum pool 2 -> conv 5x5 (16 -> 16, padding 2)
 *       -> x^2 -> sum pool 2 -> flatten -> dense 784 -> 10 (the LeNet-like layout of the paper's CNN);</li>
 *   <li>{@link #MNIST_FC3}: dense 784 -> 1000 -> x^2 -> dense 1000 -> 1000 -> x^2 -> dense 1000 -> 10
 *       (three weight layers);</li>
 *   <li>{@link #MNIST_FC4}: as FC3 with a third hidden layer of 1000 and x^2 (four weight layers).</li>
 * </ul>
 * All take 1 x 28 x 28 inputs (MNIST). Every x^2 doubles the bit width of the values, so the random models use
 * ternary weights {-1, 0, 1}, small biases, and the largest input range (and, if needed, the sparsest weights)
 * for which {@link ValueBounds} proves that no value leaves the field's signed range.
 */
public enum PaperArchitecture {
    MNIST_CNN("mnist-cnn", "conv 5x5 1->16, x^2, sum pool 2, conv 5x5 16->16, x^2, sum pool 2, dense 784->10"),
    MNIST_FC3("mnist-fc3", "dense 784->1000, x^2, dense 1000->1000, x^2, dense 1000->10"),
    MNIST_FC4("mnist-fc4", "dense 784->1000, x^2, dense 1000->1000, x^2, dense 1000->1000, x^2, dense 1000->10");

    /** MNIST images: one channel, 28 x 28. */
    public static final Shape INPUT = new Shape(1, 28, 28);
    public static final int CLASSES = 10;
    public static final int CNN_CHANNELS = 16;
    public static final int FC_HIDDEN = 1000;

    private static final long[] RANDOM_INPUT_MAX = {255, 15, 3, 1};
    private static final int[] RANDOM_DENSITY_DIVISOR = {1, 4, 16, 64};

    private final String cliName;
    private final String summary;

    PaperArchitecture(String cliName, String summary) {
        this.cliName = cliName;
        this.summary = summary;
    }

    /** The name the command line takes ({@code --arch mnist-cnn}). */
    public String cliName() {
        return cliName;
    }

    public String summary() {
        return summary;
    }

    public static PaperArchitecture forName(String name) {
        for (PaperArchitecture a : values()) if (a.cliName.equals(name)) return a;
        throw new MalformedInput("--arch", "unknown architecture '" + name + "'; known: "
                + Arrays.stream(values()).map(PaperArchitecture::cliName).collect(Collectors.joining(", ")));
    }

    /**
     * The layer skeleton: one {@link LayerSpec} per layer, in order. Weighted layers carry their sizes; the
     * trainer builds its float network and the random builder its integer one from the same list.
     */
    public List<LayerSpec> layers() {
        List<LayerSpec> specs = new ArrayList<>();
        switch (this) {
            case MNIST_CNN -> {
                specs.add(LayerSpec.conv(CNN_CHANNELS, 1, 5, 1, 2));
                specs.add(LayerSpec.square());
                specs.add(LayerSpec.pool(2));
                specs.add(LayerSpec.conv(CNN_CHANNELS, CNN_CHANNELS, 5, 1, 2));
                specs.add(LayerSpec.square());
                specs.add(LayerSpec.pool(2));
                specs.add(LayerSpec.flatten());
                specs.add(LayerSpec.dense(CLASSES, CNN_CHANNELS * 7 * 7));
            }
            case MNIST_FC3, MNIST_FC4 -> {
                int hidden = this == MNIST_FC3 ? 2 : 3;
                specs.add(LayerSpec.flatten());
                int in = INPUT.size();
                for (int i = 0; i < hidden; i++) {
                    specs.add(LayerSpec.dense(FC_HIDDEN, in));
                    specs.add(LayerSpec.square());
                    in = FC_HIDDEN;
                }
                specs.add(LayerSpec.dense(CLASSES, in));
            }
        }
        return specs;
    }

    /**
     * An integer model of this shape with seeded random ternary weights and biases in [-2, 2]: same seed, same
     * model. It tries input ranges 0..255, 0..15, 0..3, 0..1 and weight densities 1, 1/4, 1/16, 1/64 of the
     * ternary draw, in that order, and returns the first that provably fits the field.
     */
    public Model randomModel(long seed) {
        for (int divisor : RANDOM_DENSITY_DIVISOR) {
            for (long inputMax : RANDOM_INPUT_MAX) {
                List<Layer> layers = randomLayers(new SplittableRandom(seed), divisor);
                if (ValueBounds.analyze(INPUT, 0, inputMax, layers).layers().stream().allMatch(ValueBounds.LayerBound::withinField)) {
                    return new Model(cliName + "-random-seed" + seed, INPUT, 0, inputMax, inputMax, layers);
                }
            }
        }
        throw new IllegalStateException(cliName + ": no random ternary model fits the field"); // unreachable for these shapes
    }

    private List<Layer> randomLayers(SplittableRandom random, int densityDivisor) {
        List<Layer> layers = new ArrayList<>();
        for (LayerSpec spec : layers()) {
            switch (spec.kind()) {
                case CONV -> layers.add(new Conv2d(spec.outputs(), spec.inputs(), spec.kernel(), spec.stride(), spec.padding(),
                        ternary(random, spec.outputs() * spec.inputs() * spec.kernel() * spec.kernel(), densityDivisor),
                        small(random, spec.outputs()), 1));
                case DENSE -> layers.add(new Dense(spec.outputs(), spec.inputs(),
                        ternary(random, spec.outputs() * spec.inputs(), densityDivisor), small(random, spec.outputs()), 1));
                case SQUARE -> layers.add(new Square());
                case POOL -> layers.add(new SumPool(spec.kernel()));
                case FLATTEN -> layers.add(new Flatten());
            }
        }
        return layers;
    }

    /** Ternary weights; with divisor d, a nonzero draw is kept with probability 1/d. */
    private static long[] ternary(SplittableRandom random, int n, int divisor) {
        long[] w = new long[n];
        for (int i = 0; i < n; i++) {
            long v = random.nextInt(3) - 1;
            w[i] = divisor == 1 || random.nextInt(divisor) == 0 ? v : 0;
        }
        return w;
    }

    private static long[] small(SplittableRandom random, int n) {
        long[] b = new long[n];
        for (int i = 0; i < n; i++) b[i] = random.nextInt(5) - 2;
        return b;
    }

    /** One layer of an architecture skeleton. For conv: outputs/inputs are channels; for pool, kernel is the window. */
    public record LayerSpec(Kind kind, int outputs, int inputs, int kernel, int stride, int padding) {
        public enum Kind { CONV, DENSE, SQUARE, POOL, FLATTEN }

        static LayerSpec conv(int out, int in, int kernel, int stride, int padding) {
            return new LayerSpec(Kind.CONV, out, in, kernel, stride, padding);
        }

        static LayerSpec dense(int out, int in) {
            return new LayerSpec(Kind.DENSE, out, in, 0, 0, 0);
        }

        static LayerSpec square() {
            return new LayerSpec(Kind.SQUARE, 0, 0, 0, 0, 0);
        }

        static LayerSpec pool(int window) {
            return new LayerSpec(Kind.POOL, 0, 0, window, window, 0);
        }

        static LayerSpec flatten() {
            return new LayerSpec(Kind.FLATTEN, 0, 0, 0, 0, 0);
        }
    }
}
