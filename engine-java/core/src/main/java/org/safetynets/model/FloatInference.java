package org.safetynets.model;

import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The network as a client would run it without SafetyNets: a plain double-precision forward pass on real values
 * (integer / scale), on one thread, with no field arithmetic, no padding and no proof. It is the yardstick the
 * verifier's cost is compared with ("checking the proof is N times cheaper than running the network yourself").
 *
 * <p>Weights are converted to reals once, here, as a client holding a float model would have them; {@link #run}
 * then costs only the forward pass. Activations are unpadded features x batch arrays with the batch innermost,
 * so every inner loop runs over the batch and the JIT can vectorise it. Results equal the integer network's
 * divided by {@link Model#outputScale()} up to double rounding (exactly, while every value stays below 2^53).
 */
public final class FloatInference {
    private final Model model;
    private final List<RealParameters> parameters; // per model layer; null where a layer has no weights

    private record RealParameters(double[] weights, double[] bias) {
    }

    private FloatInference(Model model) {
        this.model = model;
        List<RealParameters> converted = new ArrayList<>();
        double scale = model.inputScale();
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) {
                converted.add(realParameters(d.weights(), d.weightScale(), d.bias(), scale * d.weightScale()));
                scale *= d.weightScale();
            } else if (layer instanceof Conv2d c) {
                converted.add(realParameters(c.weights(), c.weightScale(), c.bias(), scale * c.weightScale()));
                scale *= c.weightScale();
            } else {
                if (layer instanceof Square) scale *= scale;
                converted.add(null);
            }
        }
        this.parameters = converted;
    }

    /** Converts the model's integer weights to reals; what a client that runs the network itself holds. */
    public static FloatInference of(Model model) {
        return new FloatInference(model);
    }

    public Model model() {
        return model;
    }

    /**
     * Runs the network on a batch of integer inputs (at the model's input scale).
     *
     * @return real outputs, sample by sample, in the output's (c, h, w) row-major order
     */
    public double[][] run(long[][] samples) {
        int batch = samples.length;
        Shape shape = model.input();
        int features = shape.size();
        double[] x = new double[features * batch];
        double inputScale = model.inputScale();
        for (int b = 0; b < batch; b++) {
            long[] sample = samples[b];
            if (sample.length != features) {
                throw new IllegalArgumentException("sample " + b + " has " + sample.length + " values, the model takes " + features);
            }
            for (int i = 0; i < features; i++) x[i * batch + b] = sample[i] / inputScale;
        }
        List<Layer> layers = model.layers();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            Shape next = layer.outputShape(shape);
            RealParameters real = parameters.get(l);
            if (layer instanceof Dense d) x = FloatKernels.dense(d.outputs(), d.inputs(), real.weights(), real.bias(), x, batch);
            else if (layer instanceof Conv2d c) {
                x = FloatKernels.conv(c.kernel(), c.stride(), c.padding(), real.weights(), real.bias(), shape, next, x, batch);
            } else if (layer instanceof Square) x = FloatKernels.square(x);
            else if (layer instanceof SumPool p) x = FloatKernels.pool(p.window(), 1, shape, next, x, batch);
            // Flatten: the (c, h, w) row-major features are already the dense layer's columns
            shape = next;
        }
        int outputs = shape.size();
        double[][] out = new double[batch][outputs];
        for (int b = 0; b < batch; b++) for (int i = 0; i < outputs; i++) out[b][i] = x[i * batch + b];
        return out;
    }

    private static RealParameters realParameters(long[] weights, long weightScale, long[] bias, double biasScale) {
        double[] w = new double[weights.length];
        for (int i = 0; i < w.length; i++) w[i] = weights[i] / (double) weightScale;
        double[] beta = new double[bias.length];
        for (int i = 0; i < beta.length; i++) beta[i] = bias[i] / biasScale;
        return new RealParameters(w, beta);
    }
}
