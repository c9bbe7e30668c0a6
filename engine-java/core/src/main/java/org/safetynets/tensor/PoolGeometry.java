package org.safetynets.tensor;

import org.safetynets.poly.Multilinear;

/**
 * Sum pooling with a power-of-two window s (stride s). With power-of-two padding the window offset is the low
 * log2(s) bits of the input row and column, so pooling is a sum over bits. Partial windows at the edge sum what
 * they cover (the rest is zero padding): the output is ceil(H/s) x ceil(W/s).
 */
public record PoolGeometry(Layout input, int window) {
    public PoolGeometry {
        if (window < 2 || Integer.bitCount(window) != 1) throw new IllegalArgumentException("pool window must be a power of two >= 2, got " + window);
        if (input.shape().height() < window || input.shape().width() < window) {
            throw new IllegalArgumentException("pool window " + window + " is larger than the input " + input.shape());
        }
    }

    public Layout output() {
        Shape in = input.shape();
        return input.withShape(new Shape(in.channels(), (in.height() + window - 1) / window, (in.width() + window - 1) / window));
    }

    /** Bits of one window offset per axis. */
    public int offsetVariables() {
        return Multilinear.log2(window);
    }
}
