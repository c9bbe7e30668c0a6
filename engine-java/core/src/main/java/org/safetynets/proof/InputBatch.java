package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

/**
 * A batch of integer inputs checked against the model: the shape, and the value range that the model's
 * no-overflow proof covers. The verifier's whole per-input cost lives here: binding the batch to the
 * transcript and evaluating its multilinear extension at one point, both done without padding the batch.
 */
public final class InputBatch {
    /** Inputs whose magnitude stays below this take the fast MLE path (see {@link #evaluate}). */
    private static final long SMALL = 1L << 15;

    private final Model model;
    private final long[][] samples;
    private final Layout layout;

    private InputBatch(Model model, long[][] samples) {
        this.model = model;
        this.samples = samples;
        this.layout = new Layout(model.input(), samples.length);
    }

    /** Validates under {@link Limits#DEFAULTS}. */
    public static InputBatch of(Model model, long[][] samples) {
        return of(model, samples, Limits.DEFAULTS);
    }

    /**
     * Validates {@code samples} (sample by sample, each in (c, h, w) row-major order); MalformedInput names the fault.
     * LimitExceeded if the batch, or any layer's padded activation for the whole batch (what the prover will hold),
     * is over {@code limits}: checked here, before a prover or verifier allocates for this batch.
     */
    public static InputBatch of(Model model, long[][] samples, Limits limits) {
        if (samples.length == 0) throw new MalformedInput("input", "the batch is empty");
        requireWithinLimits(model, samples.length, limits);
        int size = model.input().size();
        long min = model.inputMin();
        long max = model.inputMax();
        for (int b = 0; b < samples.length; b++) {
            long[] sample = samples[b];
            if (sample == null || sample.length != size) {
                throw new MalformedInput("input", "sample " + b + " has " + (sample == null ? 0 : sample.length)
                        + " values; the model takes " + size + " (" + model.input() + ")");
            }
            for (int i = 0; i < size; i++) {
                if (sample[i] < min || sample[i] > max) {
                    throw new MalformedInput("input", "sample " + b + " value " + i + " is " + sample[i]
                            + ", outside the model's input range [" + min + ", " + max + "]");
                }
            }
        }
        return new InputBatch(model, samples);
    }

    /** LimitExceeded unless a batch of {@code batch} samples, and every padded activation for it, fits {@code limits}. */
    public static void requireWithinLimits(Model model, int batch, Limits limits) {
        limits.requireBatch("input", batch);
        long paddedBatch = Long.highestOneBit(Math.max(1, batch - 1L)) * (batch > 1 ? 2 : 1);
        java.util.List<Shape> shapes = model.shapes();
        for (int i = 0; i < shapes.size(); i++) {
            limits.requireTensor("input", (i == 0 ? "the padded input" : "layer " + i + "'s padded output") + " for a batch of "
                    + batch, Limits.product(shapes.get(i).paddedSize(), paddedBatch));
        }
    }

    public int batch() {
        return samples.length;
    }

    public Layout layout() {
        return layout;
    }

    /** The padded input tensor in field form (the prover's starting tensor). */
    public long[] padded() {
        long[] padded = layout.pad(samples);
        for (int i = 0; i < padded.length; i++) padded[i] = Fp.fromSigned(padded[i]);
        return padded;
    }

    /**
     * The canonical encoding bound into the transcript: every value minus the model's input minimum, as an
     * unsigned little-endian integer of the fewest bytes that hold (max - min), sample by sample. Injective for
     * a fixed model and batch size (both bound beside it), and 8/width times shorter to hash than field elements.
     */
    public byte[] transcriptBytes() {
        int width = byteWidth(model.inputMax() - model.inputMin());
        int size = model.input().size();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(samples.length, size), width)];
        long min = model.inputMin();
        int at = 0;
        for (long[] sample : samples) {
            if (width == 1) {
                // Pixels and other one-byte ranges, the common case: a loop the JIT vectorises.
                for (int i = 0; i < size; i++) out[at + i] = (byte) (sample[i] - min);
                at += size;
                continue;
            }
            for (int i = 0; i < size; i++) {
                long v = sample[i] - min;
                for (int k = 0; k < width; k++) out[at++] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    static int byteWidth(long range) {
        int bits = 64 - Long.numberOfLeadingZeros(range);
        return Math.max(1, (bits + 7) / 8);
    }

    /**
     * MLE(padded input)(point). With the point split into its batch and feature variables,
     * MLE = sum_f eqF[f] * sum_b eqB[b] * x[b][f] over real samples and features only. For small inputs the inner
     * sum runs in plain 64-bit arithmetic: eqB[b] = hi*2^32 + lo, and sum_b lo*x, sum_b hi*x cannot overflow
     * (|x| < 2^15, lo < 2^32, at most 2^16 samples), so one reduction per feature replaces one per value.
     */
    public long evaluate(long[] point) {
        if (point.length != layout.variables()) throw new IllegalArgumentException("point of " + point.length + " variables for the input");
        long bound = Math.max(Math.abs(model.inputMin()), Math.abs(model.inputMax()));
        if (bound >= SMALL) return Multilinear.evaluate(padded(), point);
        int lb = layout.batchVariables();
        long[] eqBatch = Multilinear.eqTable(Multilinear.slice(point, 0, lb));
        long[] eqFeature = Multilinear.eqTable(Multilinear.slice(point, lb, point.length - lb));
        Shape shape = model.input();
        int size = shape.size();
        long[] low = new long[size];
        long[] high = new long[size];
        for (int b = 0; b < samples.length; b++) {
            long lo = eqBatch[b] & 0xFFFFFFFFL;
            long hi = eqBatch[b] >>> 32;
            long[] sample = samples[b];
            for (int i = 0; i < size; i++) {
                low[i] += lo * sample[i];
                high[i] += hi * sample[i];
            }
        }
        long twoTo32 = 1L << 32;
        long total = 0;
        for (int i = 0; i < size; i++) {
            long inner = Fp.add(Fp.mul(Fp.fromLong(high[i]), twoTo32), Fp.fromLong(low[i]));
            total = Fp.add(total, Fp.mul(eqFeature[shape.paddedIndexOfFlat(i)], inner));
        }
        return total;
    }
}
