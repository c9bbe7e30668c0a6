package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.PublicBytes;

/**
 * A batch of integer inputs checked against the model: the shape, and the value range that the model's
 * no-overflow proof covers. The verifier's whole per-input cost lives here: binding the batch to the
 * transcript and evaluating its multilinear extension at one point, both done without padding the batch.
 */
public final class InputBatch {
    /** Inputs whose magnitude stays below this take the fast MLE path (see {@link #evaluate}). */
    private static final long SMALL = 1L << 15;
    /** Samples summed in 64 bits before the fast MLE path reduces: 2^16 terms below 2^47 stay below 2^63. */
    private static final int SAMPLES_PER_REDUCTION = 1 << 16;
    private static final int TRANSCRIPT_CHUNK_BYTES = 1 << 16;

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
        for (int b = 0; b < samples.length; b++) requireSample(model, samples[b] == null ? new long[0] : samples[b], "sample " + b);
        return new InputBatch(model, samples);
    }

    /**
     * MalformedInput ("input: NAME has 3 values; the model takes 784 ...", "input: NAME value 7 is ..., outside the
     * model's input range ...") unless {@code sample} is one input of {@code model}: its width, every value in range.
     * {@code name} is how the caller's user knows the sample ("sample 3" of a batch, "sample id 1042" of a table).
     */
    public static void requireSample(Model model, long[] sample, String name) {
        int size = model.input().size();
        if (sample.length != size) {
            throw new MalformedInput("input", name + " has " + sample.length + " values; the model takes " + size + " (" + model.input() + ")");
        }
        long min = model.inputMin();
        long max = model.inputMax();
        for (int i = 0; i < size; i++) {
            if (sample[i] < min || sample[i] > max) {
                throw new MalformedInput("input", name + " value " + i + " is " + sample[i] + ", outside the model's input range [" + min + ", " + max + "]");
            }
        }
    }

    /** LimitExceeded unless a batch of {@code batch} samples, and every padded activation for it, fits {@code limits}. */
    public static void requireWithinLimits(Model model, int batch, Limits limits) {
        limits.requireBatch("input", batch);
        limits.requireTensor("model", "the weights padded to powers of two", model.paddedParameters());
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
     * Written in chunks: at the limits it is more than one Java array holds, and so may be one sample.
     */
    public PublicBytes transcriptBytes() {
        int width = byteWidth(model.inputMax() - model.inputMin());
        int size = model.input().size();
        long length = (long) samples.length * size * width; // < 2^30 * 2^30 * 8: no overflow
        long min = model.inputMin();
        return new PublicBytes() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(Sink sink) {
                // Chunks of at most TRANSCRIPT_CHUNK_BYTES, filled value by value, so that a sample may span chunks:
                // one sample may hold up to 2^30 values of 8 bytes, more than a Java array (and an int) holds.
                byte[] chunk = new byte[(int) Math.min(TRANSCRIPT_CHUNK_BYTES, length)]; // length >= width: no empty chunk
                int at = 0;
                for (long[] sample : samples) {
                    for (int i = 0; i < size; ) {
                        if (chunk.length - at < width) {
                            sink.write(chunk, 0, at);
                            at = 0;
                        }
                        int n = Math.min(size - i, (chunk.length - at) / width);
                        if (width == 1) {
                            // Pixels and other one-byte ranges, the common case: a loop the JIT vectorises.
                            for (int k = 0; k < n; k++) chunk[at + k] = (byte) (sample[i + k] - min);
                            at += n;
                        } else {
                            for (int k = 0; k < n; k++) {
                                long v = sample[i + k] - min;
                                for (int b = 0; b < width; b++) chunk[at++] = (byte) (v >>> (8 * b));
                            }
                        }
                        i += n;
                    }
                }
                sink.write(chunk, 0, at);
            }
        };
    }

    static int byteWidth(long range) {
        int bits = 64 - Long.numberOfLeadingZeros(range);
        return Math.max(1, (bits + 7) / 8);
    }

    /**
     * MLE(padded input)(point), at a point of F_p^2. With the point split into its batch and feature variables,
     * MLE = sum_f eqF[f] * sum_b eqB[b] * x[b][f] over real samples and features only. For small inputs the inner
     * sum runs in plain 64-bit arithmetic: eqB[b] = hi*2^32 + lo, and each of lo*x, hi*x is below 2^32 * 2^15 = 2^47
     * in magnitude, so a run of 2^16 of them sums below 2^63 exactly; after each such run the sums are reduced into
     * the field. A batch of any size is then exact: a sum that wrapped would be a predictable error a host could
     * aim a shifted input at. Wider inputs take modular products.
     *
     * <p>Memory stays small next to the samples: the features are taken {@link #FEATURE_BLOCK} at a time, and eqF is
     * kept as two factors over half its variables (a product per entry), never as a table of the features (one sample
     * of 2^28 values would otherwise need 2^28 F_p^2 elements, about 9 GiB, for one evaluation).
     */
    public Fp2 evaluate(Fp2[] point) {
        if (point.length != layout.variables()) throw new IllegalArgumentException("point of " + point.length + " variables for the input");
        int lb = layout.batchVariables();
        long[][] batchWeights = batchWeights(Multilinear.slice(point, 0, lb));
        SplitEq eqFeature = new SplitEq(Multilinear.slice(point, lb, point.length - lb));
        long bound = Math.max(Math.abs(model.inputMin()), Math.abs(model.inputMax()));
        Shape shape = model.input();
        int size = shape.size();
        Fp2 total = Fp2.ZERO;
        for (int from = 0; from < size; from += FEATURE_BLOCK) {
            int to = Math.min(size, from + FEATURE_BLOCK);
            // The inner sum is linear in the batch weights: its real and imaginary parts are two base-field sums.
            long[] innerRe = bound < SMALL ? smallInnerSums(batchWeights[0], from, to) : fieldInnerSums(batchWeights[0], from, to);
            long[] innerIm = bound < SMALL ? smallInnerSums(batchWeights[1], from, to) : fieldInnerSums(batchWeights[1], from, to);
            for (int i = from; i < to; i++) total = total.add(eqFeature.at(shape.paddedIndexOfFlat(i)).mul(new Fp2(innerRe[i - from], innerIm[i - from])));
        }
        return total;
    }

    /** Features summed over the batch at a time: their accumulators (four arrays of longs) stay in a core's cache. */
    private static final int FEATURE_BLOCK = 1 << 12;

    /**
     * eqB[b] over the padded batch, as {re, im}: two longs a sample, small next to the samples themselves (made as a
     * product table, without an F_p^2 object per entry).
     */
    private static long[][] batchWeights(Fp2[] batchPoint) {
        Fp2[] zero = new Fp2[batchPoint.length];
        for (int j = 0; j < batchPoint.length; j++) zero[j] = Fp2.ONE.sub(batchPoint[j]);
        return Multilinear.productTable(zero, batchPoint, 0, batchPoint.length);
    }

    /** eq(point, x) as high (x) low over the upper and lower halves of the variables: two tables of about 2^(k/2). */
    private static final class SplitEq {
        private final int lowVariables;
        private final Fp2[] low;
        private final Fp2[] high;

        SplitEq(Fp2[] point) {
            this.lowVariables = point.length / 2;
            this.low = Multilinear.eqTable(Multilinear.slice(point, 0, lowVariables));
            this.high = Multilinear.eqTable(Multilinear.slice(point, lowVariables, point.length - lowVariables));
        }

        Fp2 at(int x) {
            return high[x >>> lowVariables].mul(low[x & ((1 << lowVariables) - 1)]);
        }
    }

    /** For each real feature f in [from, to): sum_b weights[b] * x[b][f] in F_p, for inputs below {@link #SMALL} in magnitude. */
    private long[] smallInnerSums(long[] weights, int from, int to) {
        int n = to - from;
        long[] inner = new long[n]; // the runs reduced so far
        long[] low = new long[n];
        long[] high = new long[n];
        long twoTo32 = 1L << 32;
        for (int start = 0; start < samples.length; start += SAMPLES_PER_REDUCTION) {
            int end = Math.min(samples.length, start + SAMPLES_PER_REDUCTION);
            java.util.Arrays.fill(low, 0);
            java.util.Arrays.fill(high, 0);
            for (int b = start; b < end; b++) {
                long lo = weights[b] & 0xFFFFFFFFL;
                long hi = weights[b] >>> 32;
                long[] sample = samples[b];
                if (from == 0) {
                    // the first block (the only one below FEATURE_BLOCK features) without an offset: C2 compiles
                    // this form to a loop 1.3-2x faster than the one with an offset
                    for (int i = 0; i < n; i++) {
                        low[i] += lo * sample[i];
                        high[i] += hi * sample[i];
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        low[i] += lo * sample[from + i];
                        high[i] += hi * sample[from + i];
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                inner[i] = Fp.add(inner[i], Fp.add(Fp.mul(Fp.fromLong(high[i]), twoTo32), Fp.fromLong(low[i])));
            }
        }
        return inner;
    }

    /** The same for inputs of any magnitude within the field's signed range: a modular product per term. */
    private long[] fieldInnerSums(long[] weights, int from, int to) {
        long[] inner = new long[to - from];
        for (int b = 0; b < samples.length; b++) {
            long w = weights[b];
            long[] sample = samples[b];
            for (int i = from; i < to; i++) inner[i - from] = Fp.add(inner[i - from], Fp.mul(w, Fp.fromSigned(sample[i])));
        }
        return inner;
    }
}
