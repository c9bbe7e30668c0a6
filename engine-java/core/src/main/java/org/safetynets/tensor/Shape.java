package org.safetynets.tensor;

import org.safetynets.poly.Multilinear;

/**
 * The real (unpadded) shape of one sample's features: channels x height x width. A plain vector of n features
 * is (n, 1, 1). Every dimension pads to a power of two, so a padded tensor is a multilinear polynomial.
 */
public record Shape(int channels, int height, int width) {
    /** The largest padded size of one sample: so that size() and paddedSize() are ints that never overflow. */
    public static final int MAX_PADDED_SIZE = 1 << 30;

    public Shape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("shape dimensions must be positive: " + channels + "x" + height + "x" + width);
        }
        long padded = 1;
        for (int n : new int[] {channels, height, width}) {
            padded *= n > MAX_PADDED_SIZE ? (long) MAX_PADDED_SIZE + 1 : Multilinear.nextPowerOfTwo(n);
            if (padded > MAX_PADDED_SIZE) {
                throw new IllegalArgumentException("shape " + channels + "x" + height + "x" + width + " pads to more than 2^30 features");
            }
        }
    }

    public static Shape vector(int features) {
        return new Shape(features, 1, 1);
    }

    public int paddedChannels() {
        return Multilinear.nextPowerOfTwo(channels);
    }

    public int paddedHeight() {
        return Multilinear.nextPowerOfTwo(height);
    }

    public int paddedWidth() {
        return Multilinear.nextPowerOfTwo(width);
    }

    /** Real features per sample. */
    public int size() {
        return Math.multiplyExact(Math.multiplyExact(channels, height), width);
    }

    /** Padded features per sample: the row count of the features x batch matrix. */
    public int paddedSize() {
        return Math.multiplyExact(Math.multiplyExact(paddedChannels(), paddedHeight()), paddedWidth());
    }

    /** Row of feature (c, h, w) in the padded features x batch matrix. */
    public int paddedIndex(int c, int h, int w) {
        return (c * paddedHeight() + h) * paddedWidth() + w;
    }

    /** Row of the feature at {@code flat} in the (c, h, w) row-major order of a sample's real features. */
    public int paddedIndexOfFlat(int flat) {
        int plane = height * width;
        return paddedIndex(flat / plane, (flat % plane) / width, flat % width);
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
