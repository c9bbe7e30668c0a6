package org.safetynets.floatmodel;

import org.safetynets.tensor.Shape;

/**
 * One layer of a real-valued network of the kinds the prover handles. Weights are doubles so that the same types
 * also describe an integer network exactly (integers up to 2^53) when the quantizer simulates one.
 */
public sealed interface FloatLayer {
    Shape outputShape(Shape input);

    String kind();

    /** y = W x + bias; W is outputs x inputs row-major, columns in the (c, h, w) order of the input. */
    record Dense(int outputs, int inputs, double[] weights, double[] bias) implements FloatLayer {
        public Dense {
            if (weights.length != (long) outputs * inputs || bias.length != outputs) throw new IllegalArgumentException("dense parameter sizes");
        }

        public Shape outputShape(Shape input) {
            if (input.size() != inputs) throw new IllegalArgumentException("dense expects " + inputs + " inputs, gets " + input.size());
            return Shape.vector(outputs);
        }

        public String kind() {
            return "dense";
        }
    }

    /** Convolution; weights [out][in][k][k]. */
    record Conv(int outChannels, int inChannels, int kernel, int stride, int padding, double[] weights, double[] bias) implements FloatLayer {
        public Conv {
            if (weights.length != (long) outChannels * inChannels * kernel * kernel || bias.length != outChannels) {
                throw new IllegalArgumentException("conv parameter sizes");
            }
        }

        public Shape outputShape(Shape input) {
            if (input.channels() != inChannels) throw new IllegalArgumentException("conv expects " + inChannels + " channels, gets " + input.channels());
            // As the integer Conv2d: integer division rounds -1 / 2 up to 0, so a kernel wider than the padded input by
            // less than the stride would otherwise give one output.
            if (input.height() + 2L * padding < kernel || input.width() + 2L * padding < kernel) {
                throw new IllegalArgumentException("conv kernel " + kernel + " does not fit input " + input + " with padding " + padding);
            }
            return new Shape(outChannels, (input.height() + 2 * padding - kernel) / stride + 1, (input.width() + 2 * padding - kernel) / stride + 1);
        }

        public String kind() {
            return "conv2d";
        }
    }

    record Square() implements FloatLayer {
        public Shape outputShape(Shape input) {
            return input;
        }

        public String kind() {
            return "square";
        }
    }

    /**
     * factor * (sum over each window x window block, stride window): factor 1 is sum pooling, 1/window^2 average
     * pooling. The integer network sums, and the factor moves into the accumulated scale.
     */
    record Pool(int window, double factor) implements FloatLayer {
        public Shape outputShape(Shape input) {
            return new Shape(input.channels(), (input.height() + window - 1) / window, (input.width() + window - 1) / window);
        }

        public String kind() {
            return "sumpool";
        }
    }

    record Flatten() implements FloatLayer {
        public Shape outputShape(Shape input) {
            return input;
        }

        public String kind() {
            return "flatten";
        }
    }
}
