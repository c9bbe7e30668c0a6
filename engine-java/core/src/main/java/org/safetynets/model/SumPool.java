package org.safetynets.model;

import org.safetynets.tensor.Shape;

/**
 * Sum pooling over s x s windows with stride s, s a power of two; windows at a ragged edge sum what they cover
 * (output ceil(H/s) x ceil(W/s)). Average pooling is this layer with 1/s^2 folded into the next layer's scale.
 */
public record SumPool(int window) implements Layer {
    public SumPool {
        if (window < 2 || Integer.bitCount(window) != 1) throw new IllegalArgumentException("sum-pool window must be a power of two >= 2, got " + window);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.height() < window || input.width() < window) {
            throw new IllegalArgumentException("sum-pool window " + window + " is larger than its input " + input);
        }
        return new Shape(input.channels(), (input.height() + window - 1) / window, (input.width() + window - 1) / window);
    }

    @Override
    public String kind() {
        return "sumpool";
    }

    @Override
    public String describe() {
        return "sum pool " + window + "x" + window;
    }
}
