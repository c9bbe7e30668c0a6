package org.safetynets.quantize;

import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.floatmodel.FloatLayer;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Flatten;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.model.SumPool;
import org.safetynets.model.ValueBounds;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Turns a float network into an integer {@link Model} whose field computation is provably exact.
 *
 * <p>Scales. Layer l's weights become w_int = round(w * s_l) for an integer weight scale s_l. The accumulated
 * scale S (integer value = S * real value) starts at the input scale (inputMax: inputs are q / inputMax), is
 * multiplied by s_l at a weighted layer, squared at x^2, and divided by the pool's factor at a pool (the
 * integer network sums; average pooling's 1/window^2 moves into S). A weighted layer's bias is rounded at its
 * output's scale, round(b * S_in * s_l), so the integer network's output is S_final times the float network's up
 * to rounding, with S_final > 0: argmax is preserved when the rounding is fine enough.
 *
 * <p>Search. Every x^2 doubles the bit width, so the bound, not the weights' precision, limits the scales, and a
 * bit of precision costs more bits of bound the earlier its layer (4 for the first of the paper's CNN, 2 for the
 * second, 1 for the last). The search measures, on a calibration sample, each weighted layer's error curve
 * alone (its weights rounded at scales 2^k / max|w|, every other layer exact), then takes the combination of
 * per-layer scales with the least predicted total error (the sum of the curves) among those for which
 * {@link ValueBounds} proves every value within +-(p-1)/2 over every valid input (0..inputMax everywhere), and
 * finally tries half-bit raises of each layer, kept when the measured error of the whole integer network falls.
 */
public final class Quantizer {
    private static final double STEP = Math.sqrt(2);
    /** Largest weight precision tried per layer: max|w_int| up to 2^MAX_BITS. */
    private static final int MAX_BITS = 14;
    /**
     * The search orders all (MAX_BITS + 1)^layers combinations of per-layer scales: 15^6 ~ 11 million takes seconds,
     * 15^7 would not fit the heap and 15^8 not an int.
     */
    private static final int MAX_WEIGHTED_LAYERS = 6;

    private Quantizer() {
    }

    public record Result(Model model, long[] weightScales, double floatAccuracy, double quantizedAccuracy, int calibrationSize) {
    }

    /**
     * @param inputs calibration inputs in 0..inputMax (the integer levels); the search uses up to
     *               {@code searchSize} of them, the reported accuracies all of them
     */
    public static Result quantize(FloatModel floatModel, long[][] inputs, int[] labels, int searchSize, Consumer<String> log) {
        List<Integer> weighted = new ArrayList<>();
        for (int i = 0; i < floatModel.layers().size(); i++) {
            FloatLayer l = floatModel.layers().get(i);
            if (l instanceof FloatLayer.Dense || l instanceof FloatLayer.Conv) weighted.add(i);
        }
        if (weighted.size() > MAX_WEIGHTED_LAYERS) {
            throw new MalformedInput("quantize", "the scale search handles at most " + MAX_WEIGHTED_LAYERS + " layers with weights (conv or dense), the model has "
                    + weighted.size());
        }
        long[] scales = new long[floatModel.layers().size()];
        for (int i : weighted) scales[i] = Math.max(1, Math.round(1.0 / maxAbs(weights(floatModel.layers().get(i)))));

        List<Layer> start;
        try {
            start = integerLayers(floatModel, scales);
        } catch (IllegalArgumentException e) { // beyond the field even at the smallest scales: no scale search can help
            throw new MalformedInput("quantize", "even at the smallest weight scales, " + e.getMessage());
        }
        ValueBounds startBounds = ValueBounds.analyze(floatModel.input(), 0, floatModel.inputMax(), start);
        for (ValueBounds.LayerBound b : startBounds.layers()) {
            if (!b.withinField()) {
                throw new MalformedInput("quantize", String.format("even with weights of about one bit, layer %d (%s) can reach 2^%.1f "
                        + "over inputs 0..%d, beyond the field's signed range (p-1)/2 ~ 2^60: train with fewer input levels "
                        + "(train --input-max), fewer x^2 layers or smaller fan-in", b.layer(), b.kind(), b.bits(), floatModel.inputMax()));
            }
        }

        int n = Math.min(searchSize, inputs.length);
        double[][] reference = new double[n][];
        IntStream.range(0, n).parallel().forEach(i -> reference[i] = floatModel.forwardLevels(inputs[i]));

        // Error curve of each weighted layer alone: scale 2^k / max|w| for k = 0..MAX_BITS.
        int layers = weighted.size();
        double[][] curve = new double[layers][MAX_BITS + 1];
        for (int j = 0; j < layers; j++) {
            int index = weighted.get(j);
            double unit = 1.0 / maxAbs(weights(floatModel.layers().get(index)));
            for (int k = 0; k <= MAX_BITS; k++) {
                curve[j][k] = error(fakeQuantized(floatModel, index, unit * Math.pow(2, k)), 1.0, inputs, reference, false);
            }
        }
        // Combinations in order of predicted error; the first that provably fits wins.
        int combos = 1;
        for (int j = 0; j < layers; j++) combos *= MAX_BITS + 1;
        Integer[] order = new Integer[combos];
        double[] predicted = new double[combos];
        for (int c = 0; c < combos; c++) {
            order[c] = c;
            int rest = c;
            for (int j = 0; j < layers; j++) {
                predicted[c] += curve[j][rest % (MAX_BITS + 1)];
                rest /= MAX_BITS + 1;
            }
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(c -> predicted[c]));
        boolean found = false;
        for (int c : order) {
            long[] trial = scales.clone();
            int rest = c;
            for (int j = 0; j < layers; j++) {
                int index = weighted.get(j);
                double unit = 1.0 / maxAbs(weights(floatModel.layers().get(index)));
                trial[index] = Math.max(1, Math.round(unit * Math.pow(2, rest % (MAX_BITS + 1))));
                rest /= MAX_BITS + 1;
            }
            if (roughlyFits(floatModel, trial) && fits(floatModel, trial)) {
                scales = trial;
                found = true;
                break;
            }
        }
        if (!found) log.accept("  no combination above one bit per layer fits; keeping the smallest scales");
        double error = error(floatModel, scales, inputs, reference);
        log.accept(String.format("  search: scales %s, relative squared error %.3g", describe(weighted, scales), error));
        for (boolean improved = true; improved; ) {
            improved = false;
            for (int index : weighted) {
                long[] trial = scales.clone();
                trial[index] = Math.max(scales[index] + 1, Math.round(scales[index] * STEP));
                if (!fits(floatModel, trial)) continue;
                double e = error(floatModel, trial, inputs, reference);
                if (e < error) {
                    scales = trial;
                    error = e;
                    improved = true;
                    log.accept(String.format("  refine: scales %s, relative squared error %.3g", describe(weighted, scales), error));
                }
            }
        }

        Model model = new Model(floatModel.name() + "-quantized", floatModel.input(), 0, floatModel.inputMax(), floatModel.inputMax(),
                integerLayers(floatModel, scales));
        FloatModel simulated = simulation(floatModel, scales);
        int[] correct = new int[2];
        IntStream.range(0, inputs.length).parallel().forEach(i -> {
            boolean f = FloatModel.argmax(floatModel.forwardLevels(inputs[i])) == labels[i];
            boolean q = FloatModel.argmax(simulated.forward(toDouble(inputs[i]))) == labels[i];
            synchronized (correct) {
                if (f) correct[0]++;
                if (q) correct[1]++;
            }
        });
        long[] chosen = scales;
        long[] weightScales = weighted.stream().mapToLong(i -> chosen[i]).toArray();
        return new Result(model, weightScales, correct[0] / (double) inputs.length, correct[1] / (double) inputs.length, inputs.length);
    }

    /**
     * The integer layers for the given weight scales (index = layer; ignored where the layer has no weights).
     *
     * @throws IllegalArgumentException naming the layer, where a rounded weight or bias leaves the field's signed
     *                                  range or the integer layer refuses the float layer's parameters
     */
    static List<Layer> integerLayers(FloatModel floatModel, long[] scales) {
        List<Layer> layers = new ArrayList<>();
        double accumulated = floatModel.inputMax();
        for (int i = 0; i < floatModel.layers().size(); i++) {
            FloatLayer layer = floatModel.layers().get(i);
            try {
                if (layer instanceof FloatLayer.Conv c) {
                    layers.add(new Conv2d(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(),
                            round("weights", c.weights(), scales[i]), round("bias", c.bias(), accumulated * scales[i]), scales[i]));
                    accumulated *= scales[i];
                } else if (layer instanceof FloatLayer.Dense d) {
                    layers.add(new Dense(d.outputs(), d.inputs(), round("weights", d.weights(), scales[i]), round("bias", d.bias(), accumulated * scales[i]), scales[i]));
                    accumulated *= scales[i];
                } else if (layer instanceof FloatLayer.Square) {
                    layers.add(new Square());
                    accumulated *= accumulated;
                } else if (layer instanceof FloatLayer.Pool p) {
                    layers.add(new SumPool(p.window()));
                    accumulated /= p.factor();
                } else {
                    layers.add(new Flatten());
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + layer.kind() + "): " + e.getMessage(), e);
            }
        }
        return layers;
    }

    /** The integer network as a float network (exact integers up to 2^53; relative 2^-53 beyond). */
    static FloatModel simulation(FloatModel floatModel, long[] scales) {
        List<FloatLayer> out = new ArrayList<>();
        List<Layer> integer = integerLayers(floatModel, scales);
        for (Layer l : integer) {
            if (l instanceof Conv2d c) out.add(new FloatLayer.Conv(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), toDouble(c.weights()), toDouble(c.bias())));
            else if (l instanceof Dense d) out.add(new FloatLayer.Dense(d.outputs(), d.inputs(), toDouble(d.weights()), toDouble(d.bias())));
            else if (l instanceof Square) out.add(new FloatLayer.Square());
            else if (l instanceof SumPool p) out.add(new FloatLayer.Pool(p.window(), 1.0));
            else out.add(new FloatLayer.Flatten());
        }
        return new FloatModel(floatModel.name(), floatModel.input(), floatModel.inputMax(), out);
    }

    private static boolean fits(FloatModel floatModel, long[] scales) {
        List<Layer> layers;
        try {
            layers = integerLayers(floatModel, scales);
        } catch (IllegalArgumentException e) {
            return false; // a weight or bias beyond the field's signed range
        }
        return ValueBounds.analyze(floatModel.input(), 0, floatModel.inputMax(), layers).layers().stream().allMatch(ValueBounds.LayerBound::withinField);
    }

    /** Sum over the sample of |integer output / S_final - float output|^2, over the sum of |float output|^2. */
    private static double error(FloatModel floatModel, long[] scales, long[][] inputs, double[][] reference) {
        return error(simulation(floatModel, scales), finalScale(floatModel, scales), inputs, reference, true);
    }

    private static double error(FloatModel simulated, double finalScale, long[][] inputs, double[][] reference, boolean integerInputs) {
        double[] parts = IntStream.range(0, reference.length).parallel().mapToObj(i -> {
            double[] q = integerInputs ? simulated.forward(toDouble(inputs[i])) : simulated.forwardLevels(inputs[i]);
            double num = 0;
            double den = 0;
            for (int j = 0; j < q.length; j++) {
                double d = q[j] / finalScale - reference[i][j];
                num += d * d;
                den += reference[i][j] * reference[i][j];
            }
            return new double[] {num, den};
        }).reduce(new double[2], (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        return parts[0] / parts[1];
    }

    /** The float network with only layer {@code index}'s weights rounded to multiples of 1/scale. */
    private static FloatModel fakeQuantized(FloatModel floatModel, int index, double scale) {
        List<FloatLayer> layers = new ArrayList<>(floatModel.layers());
        FloatLayer l = layers.get(index);
        double[] w = weights(l).clone();
        for (int i = 0; i < w.length; i++) w[i] = Math.rint(w[i] * scale) / scale;
        if (l instanceof FloatLayer.Conv c) layers.set(index, new FloatLayer.Conv(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), w, c.bias()));
        else if (l instanceof FloatLayer.Dense d) layers.set(index, new FloatLayer.Dense(d.outputs(), d.inputs(), w, d.bias()));
        return new FloatModel(floatModel.name(), floatModel.input(), floatModel.inputMax(), layers);
    }

    /**
     * A quick necessary condition for {@link #fits}: the same interval analysis in doubles over |w| (a little
     * looser by the bias, tighter for signed inputs), refusing only what is 2 bits beyond the field, so the exact
     * BigInteger check runs on few candidates.
     */
    private static boolean roughlyFits(FloatModel floatModel, long[] scales) {
        double bound = floatModel.inputMax();
        double accumulated = floatModel.inputMax();
        double limit = Fp.MAX_SIGNED;
        for (int i = 0; i < floatModel.layers().size(); i++) {
            FloatLayer layer = floatModel.layers().get(i);
            if (layer instanceof FloatLayer.Conv || layer instanceof FloatLayer.Dense) {
                double[] w = weights(layer);
                double[] b = layer instanceof FloatLayer.Conv c ? c.bias() : ((FloatLayer.Dense) layer).bias();
                int rows = b.length;
                int fanIn = w.length / rows;
                double worst = 0;
                for (int r = 0; r < rows; r++) {
                    double pos = 0;
                    double neg = 0;
                    for (int j = 0; j < fanIn; j++) {
                        double v = Math.rint(w[r * fanIn + j] * scales[i]);
                        if (v > 0) pos += v;
                        else neg -= v;
                    }
                    double bias = Math.abs(Math.rint(b[r] * accumulated * scales[i]));
                    worst = Math.max(worst, Math.max(pos, neg) * bound + bias); // inputs are >= 0 in these networks
                }
                bound = worst;
                accumulated *= scales[i];
            } else if (layer instanceof FloatLayer.Square) {
                bound *= bound;
                accumulated *= accumulated;
            } else if (layer instanceof FloatLayer.Pool p) {
                bound *= p.window() * p.window();
                accumulated /= p.factor();
            }
            if (bound > 4 * limit) return false;
        }
        return true;
    }

    private static String describe(List<Integer> weighted, long[] scales) {
        StringBuilder b = new StringBuilder();
        for (int i : weighted) b.append(b.length() == 0 ? "" : ", ").append("layer ").append(i + 1).append(": ").append(scales[i]);
        return b.toString();
    }

    static double finalScale(FloatModel floatModel, long[] scales) {
        double s = floatModel.inputMax();
        for (int i = 0; i < floatModel.layers().size(); i++) {
            FloatLayer layer = floatModel.layers().get(i);
            if (layer instanceof FloatLayer.Conv || layer instanceof FloatLayer.Dense) s *= scales[i];
            else if (layer instanceof FloatLayer.Square) s *= s;
            else if (layer instanceof FloatLayer.Pool p) s /= p.factor();
        }
        return s;
    }

    private static double[] weights(FloatLayer l) {
        return l instanceof FloatLayer.Conv c ? c.weights() : ((FloatLayer.Dense) l).weights();
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m == 0 ? 1 : m;
    }

    private static long[] round(String what, double[] v, double scale) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            double r = Math.rint(v[i] * scale);
            if (!(Math.abs(r) <= Fp.MAX_SIGNED)) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + v[i] + " times " + scale + " is beyond the field's signed range (p-1)/2 ~ 2^60");
            }
            out[i] = (long) r;
        }
        return out;
    }

    private static double[] toDouble(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
