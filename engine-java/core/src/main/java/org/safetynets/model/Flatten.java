package org.safetynets.model;

import org.safetynets.tensor.Shape;

/**
 * Views a feature map (C, H, W) as a vector of C*H*W features. Free: the padded tensor is already a features x
 * batch matrix, so the next dense layer just reads its columns in padded order; no protocol step is needed.
 */
public record Flatten() implements Layer {
    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String kind() {
        return "flatten";
    }

    @Override
    public String describe() {
        return "flatten";
    }
}
