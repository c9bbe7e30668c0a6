package org.safetynets.tensor;

import org.safetynets.poly.Multilinear;

/**
 * A k x k convolution with stride and zero padding, from {@code input} to {@code outChannels} channels:
 * Y[co, oh, ow, b] = sum_{ci, kh, kw} K[co, ci, kh, kw] * X[ci, oh*stride + kh - padding, ow*stride + kw - padding, b].
 *
 * <p>The kernel is stored as a padded matrix with Cop rows and Cip*kp*kp columns, column index
 * (ci*kp + kh)*kp + kw, where kp is the kernel size padded to a power of two.
 */
public record ConvGeometry(Layout input, int outChannels, int kernel, int stride, int padding) {
    public ConvGeometry {
        if (kernel <= 0 || stride <= 0 || padding < 0 || outChannels <= 0) {
            throw new IllegalArgumentException("conv needs kernel, stride, output channels > 0 and padding >= 0");
        }
        if (padding >= kernel) throw new IllegalArgumentException("padding " + padding + " must be smaller than the kernel " + kernel);
        int oh = (input.shape().height() + 2 * padding - kernel) / stride + 1;
        int ow = (input.shape().width() + 2 * padding - kernel) / stride + 1;
        if (input.shape().height() + 2 * padding < kernel || input.shape().width() + 2 * padding < kernel || oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("kernel " + kernel + " does not fit the input " + input.shape() + " with padding " + padding);
        }
        long kp = Multilinear.nextPowerOfTwo(kernel);
        if ((long) Multilinear.nextPowerOfTwo(outChannels) * input.shape().paddedChannels() * kp * kp > Shape.MAX_PADDED_SIZE) {
            throw new IllegalArgumentException("the padded kernel matrix of " + outChannels + " x " + input.shape().channels() + " x "
                    + kernel + " x " + kernel + " has more than 2^30 entries");
        }
    }

    public int outputHeight() {
        return (input.shape().height() + 2 * padding - kernel) / stride + 1;
    }

    public int outputWidth() {
        return (input.shape().width() + 2 * padding - kernel) / stride + 1;
    }

    public Layout output() {
        return input.withShape(new Shape(outChannels, outputHeight(), outputWidth()));
    }

    public int paddedKernel() {
        return Multilinear.nextPowerOfTwo(kernel);
    }

    /** Columns of the padded kernel matrix: Cip * kp * kp. */
    public int kernelColumns() {
        return input.shape().paddedChannels() * paddedKernel() * paddedKernel();
    }

    /** Input row (or column) read by output position o at kernel offset k, or -1 where it falls in the zero padding. */
    public int inputCoordinate(int o, int k, int inputExtent) {
        int i = o * stride + k - padding;
        return i >= 0 && i < inputExtent ? i : -1;
    }
}
