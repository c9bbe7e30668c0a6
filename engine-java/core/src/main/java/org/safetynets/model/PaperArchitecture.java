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
 *
 * <p>The paper's TIMIT network, {@link #TIMIT_FC_WIDTHS} (1845 -> 2000 -> 2000 -> 2000 -> 183, x^2 after each
 * hidden layer), is not a constant here: {@code train} has no TIMIT data. {@link #denseFullyConnected} builds it,
 * and the fully connected MNIST shapes, with every weight nonzero for benchmarks ({@link #denseModel}).
 */
public enum PaperArchitecture {
    MNIST_CNN("mnist-cnn", "conv 5x5 1->16, x^2, sum pool 2, conv 5x5 16->16, x^2, sum pool 2, dense 784->10"),
    MNIST_FC3("mnist-fc3", "dense 784->1000, x^2, dense 1000->1000, x^2, dense 1000->10"),
    MNIST_FC4("mnist-fc4", "dense 784->1000, x^2, dense 1000->1000, x^2, dense 1000->1000, x^2, dense 1000->10");

    /** The TIMIT network's layer widths, input first (Ghodsi, Gu, Garg 2017, section 5). */
    public static final int[] TIMIT_FC_WIDTHS = {1845, 2000, 2000, 2000, 183};

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

    /**
     * This fully connected shape with every weight nonzero: {@link #denseFullyConnected} over 1 x 28 x 28 inputs.
     *
     * @throws IllegalArgumentException for the CNN, whose {@link #randomModel} is dense already
     */
    public Model denseModel(long seed) {
        if (this == MNIST_CNN) throw new IllegalArgumentException("mnist-cnn: randomModel is dense already");
        int hidden = this == MNIST_FC3 ? 2 : 3;
        int[] widths = new int[hidden + 2];
        widths[0] = INPUT.size();
        for (int i = 1; i <= hidden; i++) widths[i] = FC_HIDDEN;
        widths[hidden + 1] = CLASSES;
        return denseFullyConnected(cliName + "-dense-seed" + seed, INPUT, widths, seed);
    }

    /**
     * A fully connected x^2 network (dense, x^2, ..., dense; {@code widths[0]} = the input size) in which every
     * weight is +1 or -1, so that inference does every multiply-add of the shape: the CPU backend skips zero
     * weights, and the sparse ternary models of {@link #randomModel} do about 1% of their shape's work.
     *
     * <p>Why the inputs are one point: with fan-in 2000 and nonzero integer weights, each dense layer adds 11 bits
     * to any interval of width at least 1 and each x^2 doubles it, so no input range wider than a point lets
     * {@link ValueBounds} prove a network of three x^2 layers within the field. The model declares the input range
     * [1, 1]; the analysis is then exact, and each bias is chosen so that each hidden value is a seeded random
     * integer in [-7, 7] other than 0 (nonzero, so that no zero-skipping pass of the prover gets an easier table
     * than a trained network would give it). Costs depend on the shapes and on which entries are zero, not on the
     * values.
     */
    public static Model denseFullyConnected(String name, Shape input, int[] widths, long seed) {
        if (widths.length < 2 || widths[0] != input.size()) {
            throw new IllegalArgumentException("widths must start with the input size " + input.size() + ": " + Arrays.toString(widths));
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = new ArrayList<>();
        if (input.channels() != input.size()) layers.add(new Flatten());
        long[] values = new long[widths[0]];
        Arrays.fill(values, 1);
        for (int l = 1; l < widths.length; l++) {
            int in = widths[l - 1];
            int out = widths[l];
            long[] weights = new long[out * in];
            long[] bias = new long[out];
            long[] next = new long[out];
            for (int o = 0; o < out; o++) {
                long sum = 0;
                for (int j = 0; j < in; j++) {
                    long w = random.nextBoolean() ? 1 : -1;
                    weights[o * in + j] = w;
                    sum += w * values[j];
                }
                long target = random.nextInt(1, 8) * (random.nextBoolean() ? 1 : -1);
                bias[o] = target - sum;
                next[o] = target;
            }
            layers.add(new Dense(out, in, weights, bias, 1));
            boolean hidden = l < widths.length - 1;
            if (hidden) {
                layers.add(new Square());
                for (int o = 0; o < out; o++) next[o] *= next[o];
            }
            values = next;
        }
        return new Model(name, input, 1, 1, 1, layers);
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
