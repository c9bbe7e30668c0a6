package org.safetynets.model;

import org.safetynets.Limits;
import org.safetynets.tensor.Shape;

/**
 * A k x k convolution with stride and zero padding. Weights are [outChannels][inChannels][k][k] row-major
 * integers (real value weight / weightScale); bias has one integer per output channel at the output's scale.
 */
public record Conv2d(int outChannels, int inChannels, int kernel, int stride, int padding, long[] weights, long[] bias,
                     long weightScale) implements Layer {
    public Conv2d {
        if (outChannels <= 0 || inChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || padding >= kernel) {
            throw new IllegalArgumentException("conv2d needs positive channels, kernel and stride, and 0 <= padding < kernel");
        }
        // Saturating: four ints can overflow a long, and a wrapped count could match a short array.
        Parameters.requireLength("conv2d weights", weights, Limits.product(outChannels, inChannels, kernel, kernel));
        Parameters.requireLength("conv2d bias", bias, outChannels);
        Parameters.requireSigned("conv2d weights", weights);
        Parameters.requireSigned("conv2d bias", bias);
        if (weightScale <= 0) throw new IllegalArgumentException("conv2d weight scale must be positive, got " + weightScale);
    }

    public long weight(int co, int ci, int kh, int kw) {
        return weights[((co * inChannels + ci) * kernel + kh) * kernel + kw];
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.channels() != inChannels) {
            throw new IllegalArgumentException("conv2d expects " + inChannels + " input channels but receives " + input.channels());
        }
        // In longs: height + 2 * padding can exceed an int for a hostile file's values.
        long paddedHeight = input.height() + 2L * padding;
        long paddedWidth = input.width() + 2L * padding;
        if (paddedHeight < kernel || paddedWidth < kernel) {
            throw new IllegalArgumentException("conv2d kernel " + kernel + " does not fit input " + input + " with padding " + padding);
        }
        long h = (paddedHeight - kernel) / stride + 1;
        long w = (paddedWidth - kernel) / stride + 1;
        if (h > Shape.MAX_PADDED_SIZE || w > Shape.MAX_PADDED_SIZE) {
            throw new IllegalArgumentException("conv2d output " + h + "x" + w + " is too large");
        }
        return new Shape(outChannels, (int) h, (int) w);
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    @Override
    public String describe() {
        return "conv2d " + inChannels + " -> " + outChannels + ", " + kernel + "x" + kernel + ", stride " + stride + ", padding " + padding;
    }
}
