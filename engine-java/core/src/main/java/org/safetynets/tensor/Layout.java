package org.safetynets.tensor;

import org.safetynets.poly.Multilinear;

/**
 * A batch of tensors as one padded features x batch matrix: entry (c, h, w, b) sits at
 * ((c*Hp + h)*Wp + w)*Bp + b. In MLE variables (lowest first): batch bits, width bits, height bits, channel bits.
 * Padded entries are zero, and every layer keeps them zero.
 */
public record Layout(Shape shape, int batch) {
    public Layout {
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive: " + batch);
        if ((long) shape.paddedSize() * Multilinear.nextPowerOfTwo(batch) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + batch + " " + shape + " tensors pads to more than 2^30 entries");
        }
    }

    public int paddedBatch() {
        return Multilinear.nextPowerOfTwo(batch);
    }

    /** Entries of the padded tensor (a power of two). */
    public int size() {
        return shape.paddedSize() * paddedBatch();
    }

    public int index(int c, int h, int w, int b) {
        return shape.paddedIndex(c, h, w) * paddedBatch() + b;
    }

    public int batchVariables() {
        return Multilinear.log2(paddedBatch());
    }

    public int widthVariables() {
        return Multilinear.log2(shape.paddedWidth());
    }

    public int heightVariables() {
        return Multilinear.log2(shape.paddedHeight());
    }

    public int channelVariables() {
        return Multilinear.log2(shape.paddedChannels());
    }

    public int featureVariables() {
        return Multilinear.log2(shape.paddedSize());
    }

    public int variables() {
        return Multilinear.log2(size());
    }

    /** Pads a batch given sample by sample, each in (c, h, w) row-major order. */
    public long[] pad(long[][] samples) {
        if (samples.length != batch) throw new IllegalArgumentException("expected " + batch + " samples, got " + samples.length);
        for (int b = 0; b < batch; b++) {
            if (samples[b].length != shape.size()) {
                throw new IllegalArgumentException("sample " + b + " has " + samples[b].length + " values, expected " + shape.size());
            }
        }
        long[] out = new long[size()];
        int paddedBatch = paddedBatch();
        // Feature by feature, so that the writes are contiguous (a row of the features x batch matrix); the reads
        // walk one column of the samples, whose cache lines serve the next features too.
        for (int i = 0; i < shape.size(); i++) {
            int row = shape.paddedIndexOfFlat(i) * paddedBatch;
            for (int b = 0; b < batch; b++) out[row + b] = samples[b][i];
        }
        return out;
    }

    /** Inverse of {@link #pad}: the real entries, sample by sample. */
    public long[][] unpad(long[] padded) {
        if (padded.length != size()) throw new IllegalArgumentException("tensor of " + padded.length + " entries, layout needs " + size());
        long[][] out = new long[batch][shape.size()];
        int paddedBatch = paddedBatch();
        // Row by row of the padded matrix, as pad writes it.
        for (int i = 0; i < shape.size(); i++) {
            int row = shape.paddedIndexOfFlat(i) * paddedBatch;
            for (int b = 0; b < batch; b++) out[b][i] = padded[row + b];
        }
        return out;
    }

    public Layout withShape(Shape other) {
        return new Layout(other, batch);
    }
}
