package org.safetynets.bench;

import org.safetynets.field.Fp;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

/**
 * The operands of one layer as {@code bench/c/layer_kernels.c} draws them, so that the C kernels and the Java backend
 * multiply the same tensors and their checksums ({@link FieldFill#checksum}) must agree: splitmix64 from
 * {@link FieldFill#SEED} ({@link FieldFill}'s generator before its reduction); the weights first, each
 * (z mod (2*maxW + 1)) - maxW (z unsigned) taken mod p, in (co, ci, kh, kw) or (row, k) order; then the activations,
 * each z mod 2^bits (bits <= 60) or z reduced mod p (bits = 61), in (ci, h, w, b) or (k, col) order, b below the real
 * batch; padding stays zero.
 */
final class LayerFill {
    private long state = FieldFill.SEED;
    private final long maxWeight;
    private final int bits;

    private LayerFill(long maxWeight, int bits) {
        if (maxWeight < 1 || bits < 1 || bits > 61) throw new IllegalArgumentException("weights up to " + maxWeight + ", " + bits + "-bit activations");
        this.maxWeight = maxWeight;
        this.bits = bits;
    }

    /** A convolution's padded kernel matrix and padded input. */
    record Conv(long[] kernel, long[] input) {
        static Conv of(ConvGeometry g, long maxWeight, int bits) {
            LayerFill fill = new LayerFill(maxWeight, bits);
            Shape in = g.input().shape();
            int kp = g.paddedKernel();
            long[] kernel = new long[g.output().shape().paddedChannels() * g.kernelColumns()];
            for (int co = 0; co < g.outChannels(); co++)
                for (int ci = 0; ci < in.channels(); ci++)
                    for (int kh = 0; kh < g.kernel(); kh++)
                        for (int kw = 0; kw < g.kernel(); kw++) kernel[co * g.kernelColumns() + (ci * kp + kh) * kp + kw] = fill.weight();
            Layout layout = g.input();
            long[] input = new long[layout.size()];
            for (int ci = 0; ci < in.channels(); ci++)
                for (int h = 0; h < in.height(); h++)
                    for (int w = 0; w < in.width(); w++)
                        for (int b = 0; b < layout.batch(); b++) input[layout.index(ci, h, w, b)] = fill.activation();
            return new Conv(kernel, input);
        }
    }

    /** A dense layer's weights (rows x inner) and activations (inner x cols). */
    record Dense(long[] weights, long[] activations) {
        static Dense of(int rows, int inner, int cols, long maxWeight, int bits) {
            LayerFill fill = new LayerFill(maxWeight, bits);
            long[] weights = new long[Math.multiplyExact(rows, inner)];
            for (int i = 0; i < weights.length; i++) weights[i] = fill.weight();
            long[] activations = new long[Math.multiplyExact(inner, cols)];
            for (int i = 0; i < activations.length; i++) activations[i] = fill.activation();
            return new Dense(weights, activations);
        }
    }

    private long raw() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long weight() {
        long w = Long.remainderUnsigned(raw(), 2 * maxWeight + 1) - maxWeight;
        return Math.floorMod(w, Fp.P);
    }

    private long activation() {
        long z = raw();
        return bits >= 61 ? Fp.reduceUnsigned(z) : z & ((1L << bits) - 1);
    }
}
