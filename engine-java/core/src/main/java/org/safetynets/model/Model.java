package org.safetynets.model;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A quantized network: input shape, the integer range every input value lies in (what the no-overflow proof
 * quantifies over), the input scale (real value = integer / inputScale), and the layers in order.
 * Construction validates every shape and proves with {@link ValueBounds} that no value can leave the field's
 * signed range, so a model that exists can be proven exactly.
 */
public record Model(String name, Shape input, long inputMin, long inputMax, long inputScale, List<Layer> layers) {
    public Model {
        layers = List.copyOf(layers);
        if (name == null || name.isEmpty()) throw new MalformedInput("model", "name is empty");
        // The name is printed (inspect, prove, demo, a host's model list): a control character there could draw a
        // fake ACCEPT or REJECT line, or recolour the terminal.
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new MalformedInput("model", String.format("name has a control character (U+%04X) at position %d", (int) name.charAt(i), i));
            }
        }
        if (layers.isEmpty()) throw new MalformedInput("model", "has no layers");
        if (inputMin > inputMax) throw new MalformedInput("model", "input range [" + inputMin + ", " + inputMax + "] is empty");
        if (inputScale <= 0) throw new MalformedInput("model", "input scale must be positive, got " + inputScale);
        // Inputs embed into F_p as signed integers: beyond +-(p-1)/2 two inputs would be the same field element.
        if (inputMin < -Fp.MAX_SIGNED || inputMax > Fp.MAX_SIGNED) {
            throw new MalformedInput("model", "input range [" + inputMin + ", " + inputMax + "] leaves the field's signed range +-(p-1)/2");
        }
        Shape shape = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new MalformedInput("model", "layer " + (i + 1) + " (" + layers.get(i).kind() + "): " + e.getMessage());
            }
            if (layers.get(i) instanceof Conv2d && i > 0 && flattenedBefore(layers, i)) {
                throw new MalformedInput("model", "layer " + (i + 1) + " (conv2d) follows a flatten");
            }
        }
        ValueBounds.analyze(input, inputMin, inputMax, layers).requireWithinField();
    }

    private static boolean flattenedBefore(List<Layer> layers, int index) {
        for (int i = 0; i < index; i++) if (layers.get(i) instanceof Flatten || layers.get(i) instanceof Dense) return true;
        return false;
    }

    /** Shapes between layers: element 0 is the input, element i the output of layer i (1-based). */
    public List<Shape> shapes() {
        List<Shape> shapes = new ArrayList<>();
        Shape shape = input;
        shapes.add(shape);
        for (Layer layer : layers) {
            shape = layer.outputShape(shape);
            shapes.add(shape);
        }
        return shapes;
    }

    public Shape output() {
        List<Shape> shapes = shapes();
        return shapes.get(shapes.size() - 1);
    }

    /**
     * The scale of the outputs exactly: real output = integer / exactOutputScale. An integer (the input scale, times
     * each weight scale, squared at each x^2), which can exceed a long and even a double (an input scale of 2^62 and
     * five x^2 layers); files that carry it write these digits.
     */
    public java.math.BigInteger exactOutputScale() {
        java.math.BigInteger scale = java.math.BigInteger.valueOf(inputScale);
        for (Layer layer : layers) {
            if (layer instanceof Dense d) scale = scale.multiply(java.math.BigInteger.valueOf(d.weightScale()));
            else if (layer instanceof Conv2d c) scale = scale.multiply(java.math.BigInteger.valueOf(c.weightScale()));
            else if (layer instanceof Square) scale = scale.multiply(scale);
        }
        return scale;
    }

    /** {@link #exactOutputScale()} as a double, for arithmetic on real values (rounded once; infinite beyond 2^1024). */
    public double outputScale() {
        return exactOutputScale().doubleValue();
    }

    /** Weights and biases of one layer (0 for layers without parameters). */
    public static long parameters(Layer layer) {
        if (layer instanceof Dense d) return (long) d.weights().length + d.bias().length;
        if (layer instanceof Conv2d c) return (long) c.weights().length + c.bias().length;
        return 0;
    }

    /** Weights and biases of every layer. */
    public long parameters() {
        long total = 0;
        for (Layer layer : layers) total += parameters(layer);
        return total;
    }

    /**
     * Elements of the weight matrices and biases as the prover and verifier hold them, every dimension padded to a
     * power of two (a dense layer's rows and columns, a convolution's channels and kernel sides): up to 4x the real
     * count per padded pair, so it is this, not {@link #parameters()}, that a memory limit must count. Saturates
     * at Long.MAX_VALUE.
     */
    public long paddedParameters() {
        List<Shape> shapes = shapes();
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            Shape in = shapes.get(i);
            Shape out = shapes.get(i + 1);
            long n = 0;
            if (layers.get(i) instanceof Dense) {
                n = Limits.product(out.paddedSize(), in.paddedSize() + 1L); // + 1: the bias column
            } else if (layers.get(i) instanceof Conv2d c) {
                long kernel = Multilinear.nextPowerOfTwo(c.kernel());
                n = Limits.product(out.paddedChannels(), Limits.product(in.paddedChannels(), kernel, kernel) + 1);
            }
            total = n > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + n;
        }
        return total;
    }

    /** SHA-256 of the canonical encoding: the identity a proof binds to. */
    public byte[] digest() {
        return ModelCodec.digest(this);
    }
}
