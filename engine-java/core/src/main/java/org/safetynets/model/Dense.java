package org.safetynets.model;

import org.safetynets.Limits;
import org.safetynets.tensor.Shape;

/**
 * y = W x + bias. W is outputs x inputs, row-major; when the input is a feature map (C, H, W) the columns follow
 * its (c, h, w) row-major flattening. Weights are integers whose real value is weight / weightScale; the bias
 * is an integer at the output's scale (input scale x weightScale).
 */
public record Dense(int outputs, int inputs, long[] weights, long[] bias, long weightScale) implements Layer {
    public Dense {
        if (outputs <= 0 || inputs <= 0) throw new IllegalArgumentException("dense needs positive sizes, got " + outputs + "x" + inputs);
        Parameters.requireLength("dense weights", weights, Limits.product(outputs, inputs));
        Parameters.requireLength("dense bias", bias, outputs);
        Parameters.requireSigned("dense weights", weights);
        Parameters.requireSigned("dense bias", bias);
        if (weightScale <= 0) throw new IllegalArgumentException("dense weight scale must be positive, got " + weightScale);
    }

    public long weight(int row, int column) {
        return weights[row * inputs + column];
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.size() != inputs) {
            throw new IllegalArgumentException("dense expects " + inputs + " inputs but receives " + input.size() + " (" + input + ")");
        }
        return Shape.vector(outputs);
    }

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public String describe() {
        return "dense " + inputs + " -> " + outputs;
    }
}
