package org.safetynets.floatmodel;

import org.safetynets.MalformedInput;
import org.safetynets.model.FloatKernels;
import org.safetynets.tensor.Shape;

import java.util.List;

/**
 * A real-valued network: input shape, the number of input levels it was trained on (inputs are q / inputMax for
 * q in 0..inputMax, see {@link org.safetynets.data.Pixels}), and its layers. {@link #forward} is the plain
 * obviously-correct double-precision inference that accuracy figures and the quantizer's search use.
 */
public record FloatModel(String name, Shape input, long inputMax, List<FloatLayer> layers) {
    public FloatModel {
        layers = List.copyOf(layers);
        if (inputMax < 1) throw new MalformedInput("model", "input levels must be at least 1, got " + inputMax);
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                s = layers.get(i).outputShape(s);
            } catch (IllegalArgumentException e) {
                throw new MalformedInput("model", "layer " + (i + 1) + " (" + layers.get(i).kind() + "): " + e.getMessage());
            }
        }
    }

    public Shape output() {
        Shape s = input;
        for (FloatLayer l : layers) s = l.outputShape(s);
        return s;
    }

    /** The network on one sample (values in (c, h, w) order): the shared double loops at batch 1. */
    public double[] forward(double[] x) {
        // Callers check their data against the input shape; a wrong length here would silently read other features.
        if (x.length != input.size()) throw new IllegalArgumentException("the model takes " + input + " inputs, got " + x.length + " values");
        Shape shape = input;
        for (FloatLayer layer : layers) {
            Shape next = layer.outputShape(shape);
            if (layer instanceof FloatLayer.Dense d) x = FloatKernels.dense(d.outputs(), d.inputs(), d.weights(), d.bias(), x, 1);
            else if (layer instanceof FloatLayer.Conv c) {
                x = FloatKernels.conv(c.kernel(), c.stride(), c.padding(), c.weights(), c.bias(), shape, next, x, 1);
            } else if (layer instanceof FloatLayer.Square) x = FloatKernels.square(x);
            else if (layer instanceof FloatLayer.Pool p) x = FloatKernels.pool(p.window(), p.factor(), shape, next, x, 1);
            shape = next;
        }
        return x;
    }

    /** The network on integer input levels q (real input q / inputMax). */
    public double[] forwardLevels(long[] levels) {
        double[] x = new double[levels.length];
        for (int i = 0; i < x.length; i++) x[i] = levels[i] / (double) inputMax;
        return forward(x);
    }

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
