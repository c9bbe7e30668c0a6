package org.safetynets.cpu;

import org.safetynets.field.Fp;
import org.safetynets.field.LimbPlan;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

import static org.safetynets.cpu.LazyField.P;

/**
 * The hot path: the field matrix product and convolution of inference.
 *
 * <p>Both accumulate straight into a contiguous segment of the output (a row of C; the (ow, b) run of one
 * output row (co, oh)), streaming one contiguous run of the right operand per term, so the innermost loop walks
 * memory in order. Two paths give the same field elements (see {@link LazyField}):
 * <ul>
 *   <li>unsigned: any canonical operands, two 64-bit multiplies per term, a fold pass every 3 terms;</li>
 *   <li>signed: when the operands' signed representatives are small enough (checked on the data, exactly), one
 *   multiply and one add per term on signed copies, which the JIT vectorises; a reduction pass every
 *   floor(2^62 / (maxA*maxB)) terms.</li>
 * </ul>
 * Terms with a zero left operand (a weight, an entry of A) are skipped: they add nothing.
 *
 * <p>These are the streaming kernels: each term's products travel through the output segment in memory. With the
 * backend's SIMD kernels on, a product whose left operand is small (a layer's weights, at most 2^16 in magnitude)
 * and that {@link LimbProducts} can tile (a matrix of 8 columns or more, a convolution at stride 1) goes there
 * instead: register-blocked, exact in double lanes, for activations of any width.
 */
final class ProductKernels {
    /** Output entries per work unit: a segment this long stays in L1 while the operand streams past. */
    private static final int SEGMENT = 2048;
    /** Below this many columns a matrix product is a set of dot products instead. */
    private static final int NARROW = 8;

    private ProductKernels() {
    }

    // ---- matrix product ----------------------------------------------------------------------------------

    /**
     * C = A*B, A rows x inner, B inner x cols, row-major, canonical. With {@code limbs} (the backend's SIMD kernels
     * are on) and A's entries small, {@link LimbProducts} takes it.
     */
    static long[] matmul(WorkerPool pool, long[] a, long[] b, int rows, int inner, int cols, boolean limbs) {
        if (rows == 0 || cols == 0 || inner == 0) return new long[Math.multiplyExact(rows, cols)];
        if (limbs && cols >= NARROW) {
            LimbPlan plan = limbPlan(pool, a, rows * inner, b, inner * cols, inner);
            if (plan != null) return LimbProducts.matmul(pool, a, b, rows, inner, cols, plan);
        }
        long[] c = new long[Math.multiplyExact(rows, cols)];
        long work = (long) rows * inner * cols;
        if (cols < NARROW) {
            pool.forRange(rows, work, (from, to) -> {
                for (int i = from; i < to; i++) {
                    for (int j = 0; j < cols; j++) c[i * cols + j] = LazyField.dot(a, i * inner, b, j, cols, inner);
                }
            });
            return c;
        }
        int blocks = (cols + SEGMENT - 1) / SEGMENT;
        int units = Math.multiplyExact(rows, blocks);
        long maxA = maxMagnitude(pool, a, rows * inner, Long.MAX_VALUE);
        long maxB = maxMagnitude(pool, b, inner * cols, signedPartnerCap(maxA));
        if (LazyField.useSigned(maxA, maxB, inner)) {
            long[] as = signedCopy(pool, a, rows * inner);
            long[] bs = signedCopy(pool, b, inner * cols);
            long chunk = LazyField.signedTermsPerReduce(maxA, maxB);
            pool.forRange(units, work, (from, to) -> {
                for (int u = from; u < to; u++) {
                    int i = u / blocks;
                    int j0 = (u % blocks) * SEGMENT;
                    matmulSignedSegment(as, bs, c, i, inner, cols, j0, Math.min(cols, j0 + SEGMENT), chunk);
                }
            });
        } else {
            pool.forRange(units, work, (from, to) -> {
                for (int u = from; u < to; u++) {
                    int i = u / blocks;
                    int j0 = (u % blocks) * SEGMENT;
                    matmulSegment(a, b, c, i, inner, cols, j0, Math.min(cols, j0 + SEGMENT));
                }
            });
        }
        return c;
    }

    /** C[i, j0..j1) by the unsigned path; the segment starts zero. */
    private static void matmulSegment(long[] a, long[] b, long[] c, int i, int inner, int cols, int j0, int j1) {
        combineRows(a, i * inner, b, cols, j0, j1 - j0, 0, inner, c, i * cols + j0);
    }

    /**
     * out[o + j] = sum over k in [k0, k1) of a[aOff + k] * b[k*bStride + j0 + j] for j < n, for canonical
     * operands (the unsigned path); the output segment starts zero and ends canonical.
     */
    static void combineRows(long[] a, int aOff, long[] b, int bStride, int j0, int n, int k0, int k1, long[] out, int o) {
        int terms = 0;
        for (int k = k0; k < k1; k++) {
            long x = a[aOff + k];
            if (x == 0) continue;
            if (terms == LazyField.TERMS_PER_FOLD) {
                foldSegment(out, o, o + n);
                terms = 0;
            }
            accumulate(out, o, b, k * bStride + j0, n, x);
            terms++;
        }
        reduceSegment(out, o, o + n);
    }

    private static void matmulSignedSegment(long[] as, long[] bs, long[] c, int i, int inner, int cols, int j0, int j1,
                                            long chunk) {
        int out = i * cols;
        long terms = 0;
        for (int k = 0; k < inner; k++) {
            long x = as[i * inner + k];
            if (x == 0) continue;
            if (terms == chunk) {
                canonicalSegment(c, out + j0, out + j1);
                terms = 0;
            }
            accumulateSigned(c, out + j0, bs, k * cols + j0, j1 - j0, x);
            terms++;
        }
        canonicalSegment(c, out + j0, out + j1);
    }

    // ---- convolution -------------------------------------------------------------------------------------

    /**
     * Y[co, oh, ow, b] = sum over real ci < C, kh, kw < k with the input coordinate inside the image of
     * K[co, (ci*kp + kh)*kp + kw] * X[ci, oh*stride + kh - pad, ow*stride + kw - pad, b], for co < outChannels,
     * oh, ow real and every padded b. Every other entry stays zero.
     */
    static long[] conv2d(WorkerPool pool, long[] kernel, long[] input, ConvGeometry g, boolean limbs) {
        if (limbs && g.stride() == 1) {
            long taps = (long) g.input().shape().channels() * g.kernel() * g.kernel();
            LimbPlan plan = limbPlan(pool, kernel, g.outChannels() * g.kernelColumns(), input, g.input().size(), taps);
            if (plan != null) return LimbProducts.conv2d(pool, kernel, input, g, plan);
        }
        Layout out = g.output();
        long[] y = new long[out.size()];
        Shape in = g.input().shape();
        int bp = g.input().paddedBatch();
        int outW = g.outputWidth();
        int owPerUnit = Math.max(1, Math.min(outW, SEGMENT / bp));
        int owBlocks = (outW + owPerUnit - 1) / owPerUnit;
        int units = Math.multiplyExact(Math.multiplyExact(g.outputHeight(), owBlocks), g.outChannels());
        long taps = (long) in.channels() * g.kernel() * g.kernel();
        long work = (long) out.size() * taps;
        int kernelRows = g.outChannels() * g.kernelColumns();
        long maxK = maxMagnitude(pool, kernel, kernelRows, Long.MAX_VALUE);
        long maxX = maxMagnitude(pool, input, g.input().size(), signedPartnerCap(maxK));
        boolean signed = LazyField.useSigned(maxK, maxX, taps);
        long[] k = signed ? signedCopy(pool, kernel, kernelRows) : kernel;
        long[] x = signed ? signedCopy(pool, input, g.input().size()) : input;
        long chunk = signed ? LazyField.signedTermsPerReduce(maxK, maxX) : LazyField.TERMS_PER_FOLD;
        // Units run channel-fastest, so the consecutive units of one chunk read the same input rows.
        pool.forRange(units, work, (from, to) -> {
            for (int u = from; u < to; u++) {
                int co = u % g.outChannels();
                int rest = u / g.outChannels();
                int ow0 = (rest % owBlocks) * owPerUnit;
                int oh = rest / owBlocks;
                convSegment(k, x, y, g, co, oh, ow0, Math.min(outW, ow0 + owPerUnit), signed, chunk);
            }
        });
        return y;
    }

    /** Y[co, oh, ow0..ow1, all b]: a contiguous run of the output, which starts zero. */
    private static void convSegment(long[] kernel, long[] x, long[] y, ConvGeometry g, int co, int oh, int ow0,
                                    int ow1, boolean signed, long chunk) {
        Layout inLayout = g.input();
        Shape in = inLayout.shape();
        int bp = inLayout.paddedBatch();
        int stride = g.stride();
        int pad = g.padding();
        int kp = g.paddedKernel();
        int kernelRow = co * g.kernelColumns();
        int rowBase = g.output().index(co, oh, 0, 0);
        int segFrom = rowBase + ow0 * bp;
        int segTo = rowBase + ow1 * bp;
        long terms = 0;
        for (int ci = 0; ci < in.channels(); ci++) {
            for (int kh = 0; kh < g.kernel(); kh++) {
                int ih = g.inputCoordinate(oh, kh, in.height());
                if (ih < 0) continue;
                int xRow = inLayout.index(ci, ih, 0, 0);
                for (int kw = 0; kw < g.kernel(); kw++) {
                    long w = kernel[kernelRow + (ci * kp + kh) * kp + kw];
                    if (w == 0) continue;
                    // Output columns whose input column ow*stride + kw - pad lies in [0, W).
                    int lo = Math.max(ow0, Math.floorDiv(pad - kw + stride - 1, stride));
                    int hi = Math.min(ow1, Math.floorDiv(in.width() - 1 + pad - kw, stride) + 1);
                    if (lo >= hi) continue;
                    if (terms == chunk) {
                        if (signed) canonicalSegment(y, segFrom, segTo);
                        else foldSegment(y, segFrom, segTo);
                        terms = 0;
                    }
                    int yo = rowBase + lo * bp;
                    int xo = xRow + (lo * stride + kw - pad) * bp;
                    if (stride == 1) {
                        // Consecutive output columns read consecutive input columns: one contiguous run.
                        if (signed) accumulateSigned(y, yo, x, xo, (hi - lo) * bp, w);
                        else accumulate(y, yo, x, xo, (hi - lo) * bp, w);
                    } else if (bp == 1) {
                        if (signed) accumulateSignedStrided(y, yo, x, xo, stride, hi - lo, w);
                        else accumulateStrided(y, yo, x, xo, stride, hi - lo, w);
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            int dy = (ow - lo) * bp;
                            int dx = (ow - lo) * stride * bp;
                            if (signed) accumulateSigned(y, yo + dy, x, xo + dx, bp, w);
                            else accumulate(y, yo + dy, x, xo + dx, bp, w);
                        }
                    }
                    terms++;
                }
            }
        }
        if (signed) canonicalSegment(y, segFrom, segTo);
        else reduceSegment(y, segFrom, segTo);
    }

    // ---- inner loops -------------------------------------------------------------------------------------

    /** y[yo + j] += term(w, x[xo + j]) for j < n (unsigned accumulators, see {@link LazyField}). */
    private static void accumulate(long[] y, int yo, long[] x, int xo, int n, long w) {
        for (int j = 0; j < n; j++) {
            long v = x[xo + j];
            long lo = w * v;
            long hi = Math.multiplyHigh(w, v);
            y[yo + j] += (lo & P) + ((lo >>> 61) | (hi << 3));
        }
    }

    private static void accumulateStrided(long[] y, int yo, long[] x, int xo, int xStride, int n, long w) {
        for (int j = 0; j < n; j++) {
            long v = x[xo + j * xStride];
            long lo = w * v;
            long hi = Math.multiplyHigh(w, v);
            y[yo + j] += (lo & P) + ((lo >>> 61) | (hi << 3));
        }
    }

    /** y[yo + j] += w * x[xo + j] on signed representatives. */
    private static void accumulateSigned(long[] y, int yo, long[] x, int xo, int n, long w) {
        for (int j = 0; j < n; j++) y[yo + j] += w * x[xo + j];
    }

    private static void accumulateSignedStrided(long[] y, int yo, long[] x, int xo, int xStride, int n, long w) {
        for (int j = 0; j < n; j++) y[yo + j] += w * x[xo + j * xStride];
    }

    private static void foldSegment(long[] y, int from, int to) {
        for (int j = from; j < to; j++) {
            long v = y[j];
            y[j] = (v & P) + (v >>> 61);
        }
    }

    private static void reduceSegment(long[] y, int from, int to) {
        for (int j = from; j < to; j++) y[j] = Fp.reduceUnsigned(y[j]);
    }

    private static void canonicalSegment(long[] y, int from, int to) {
        for (int j = from; j < to; j++) y[j] = LazyField.canonicalOfSigned(y[j]);
    }

    // ---- operand scans -----------------------------------------------------------------------------------

    /** The limb plan for weights[0..weightCount) against activations[0..activationCount), or null. */
    private static LimbPlan limbPlan(WorkerPool pool, long[] weights, int weightCount, long[] activations,
                                              int activationCount, long terms) {
        long maxW = maxMagnitude(pool, weights, weightCount, LimbPlan.MAX_TWO_LIMB_WEIGHT);
        if (maxW == 0 || maxW > LimbPlan.MAX_TWO_LIMB_WEIGHT) return null;
        // Exact up to the one-limb limit; past it, some magnitude above it, which is all the plan needs to know.
        long maxX = maxMagnitude(pool, activations, activationCount, LimbPlan.EXACT / maxW);
        return LimbPlan.of(maxW, maxX, terms);
    }

    /**
     * max |signed(values[i])| over i < n, or some magnitude above {@code cap} as soon as one is seen (the
     * signed path is then out of reach and the exact maximum does not matter).
     */
    static long maxMagnitude(WorkerPool pool, long[] values, int n, long cap) {
        long[][] partial = pool.partials(n, n, 1, (from, to, out) -> {
            long max = 0;
            for (int i = from; i < to && max <= cap; i++) max = Math.max(max, LazyField.magnitude(values[i]));
            out[0] = max;
        });
        long max = 0;
        for (long[] p : partial) max = Math.max(max, p[0]);
        return max;
    }

    /** The largest magnitude of the other operand that could still allow the signed path beside {@code max}. */
    static long signedPartnerCap(long max) {
        int bits = 64 - Long.numberOfLeadingZeros(max);
        return bits >= 62 ? 0 : (1L << (62 - bits)) - 1;
    }

    /** The signed representatives of values[0..n). */
    static long[] signedCopy(WorkerPool pool, long[] values, int n) {
        long[] out = new long[n];
        pool.forRange(n, n, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = LazyField.signed(values[i]);
        });
        return out;
    }
}
