package org.safetynets.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.safetynets.field.Fp;
import org.safetynets.field.LimbPlan;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

/**
 * Register-blocked products for a small-weight left operand (the dense layer's W, the convolution's kernel) and
 * any right operand (activations of up to 61 bits): the limb method, exact, with one fused multiply-add per limb
 * and term in 64-bit floating-point lanes.
 *
 * <p><b>Limbs.</b> An activation is split into limbs (one signed limb, or two of 31 and 30 bits) whose products with
 * every weight, summed over a block of terms, stay exact integers in doubles; {@link LimbPlan} (shared with the device
 * kernels) picks the limbs and the block from the data's maxima (checked exactly, like the signed path of
 * {@link ProductKernels}).
 * Why 2^51 and not 2^53: an integer d with |d| < 2^51 moves between a long and a double by one add and one
 * reinterpretation of the bits ({@link #MAGIC}: d + 1.5*2^52 has d + 2^51 in its mantissa), which vectorises;
 * the Vector API's own double-to-long conversion made the tile's recombination slower than scalar code on JDK 17. A block's limb sums S are recombined mod p once: S_hi*2^31 + S_lo,
 * where multiplying a canonical h by 2^31 mod p is a rotation of its 61 bits (2^61 = 1 mod p).
 *
 * <p><b>Register blocking.</b> A tile is {@value #ROWS} output rows (output channels, rows of W) by {@value #VECTORS}
 * vectors of consecutive outputs along the right operand's contiguous run (the (ow, b) run of one output row of a
 * convolution at stride 1; a row of the product). Its accumulators stay in registers for a whole block of terms,
 * each term reading the activations' limbs once and broadcasting one weight per row: {@value #ROWS}x the reuse of the
 * streaming kernels, whose accumulators travel through memory every term. A term whose {@value #ROWS} weights are all
 * zero is left out of the tile's term list (padded output rows have only zero weights, so they cost nothing).
 *
 * <p>As in {@link LaneLoops}, each tile loop is one method calling none of ours, so C2 keeps the vectors in registers.
 */
final class LimbProducts {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final VectorSpecies<Long> LONG_SPECIES = VectorSpecies.of(long.class, SPECIES.vectorShape());
    /** Output rows per tile. */
    static final int ROWS = 4;
    /** Vectors of outputs per tile row. */
    static final int VECTORS = 2;
    /** Outputs per tile row. */
    static final int WIDTH = VECTORS * LANES;
    private static final long LOW_LIMB = (1L << LimbPlan.LIMB_BITS) - 1;
    /** 1.5*2^52: for an integer |d| < 2^51, the bits of d + MAGIC are the bits of MAGIC plus d. */
    private static final double MAGIC = 0x1.8p52;
    private static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    /** Columns of a product's right operand copied and tiled as one work unit: a scratch of inner x SPAN limbs. */
    private static final int SPAN = 4 * WIDTH;
    /** Outputs computed per work unit along a run: a few tiles, so that a unit is a few microseconds at least. */
    private static final int UNIT_WIDTH = 16 * WIDTH;

    private LimbProducts() {
    }

    // ---- limbs -------------------------------------------------------------------------------------------

    /**
     * Limb {@code limb} of canonical x under a plan of {@code limbs} limbs, as a double: exact, since a limb of two is
     * below 2^31 and a plan takes one limb only for magnitudes below 2^51.
     */
    static double limb(long x, int limbs, int limb) {
        if (limbs == 1) return LazyField.signed(x);
        return limb == 0 ? x >>> LimbPlan.LIMB_BITS : x & LOW_LIMB;
    }

    /** The canonical element a block's limb sums stand for: S_0 (one limb), or S_hi*2^31 + S_lo (two). */
    static long recombine(double high, double low, int limbs) {
        long h = LazyField.canonicalOfSigned((long) high);
        if (limbs == 1) return h;
        // h*2^31 = (h mod 2^30)*2^31 + (h >>> 30)*2^61 = the low 30 bits moved up, the high 31 bits moved down.
        long rotated = ((h << LimbPlan.LIMB_BITS) & LazyField.P) | (h >>> (61 - LimbPlan.LIMB_BITS));
        return Fp.add(rotated, LazyField.canonicalOfSigned((long) low));
    }

    /** The signed weights of rows [r0, r0 + ROWS) at the given terms, term-major: w[t*ROWS + r]; missing rows zero. */
    private static double[] tileWeights(long[] a, int rowStride, int r0, int rows, int[] columns, int count) {
        double[] w = new double[count * ROWS];
        for (int t = 0; t < count; t++) {
            for (int r = 0; r < ROWS && r0 + r < rows; r++) w[t * ROWS + r] = LazyField.signed(a[(r0 + r) * rowStride + columns[t]]);
        }
        return w;
    }

    /** Keeps the columns (terms) where some row of [r0, r0 + ROWS) has a nonzero weight; returns how many. */
    private static int nonzeroColumns(long[] a, int rowStride, int r0, int rows, int[] columns, int count) {
        int kept = 0;
        for (int t = 0; t < count; t++) {
            boolean any = false;
            for (int r = 0; r < ROWS && r0 + r < rows; r++) any |= a[(r0 + r) * rowStride + columns[t]] != 0;
            if (any) columns[kept++] = columns[t];
        }
        return kept;
    }

    /** The terms of one tile: the weights, and where each term's activations start relative to the tile's run. */
    private record Terms(double[] weights, int[] offsets, int count) {
    }

    // ---- matrix product ----------------------------------------------------------------------------------

    /** C = A*B (A rows x inner small weights, B inner x cols), canonical, by a {@link LimbPlan} that is not null. */
    static long[] matmul(WorkerPool pool, long[] a, long[] b, int rows, int inner, int cols, LimbPlan plan) {
        long[] c = new long[Math.multiplyExact(rows, cols)];
        int limbs = plan.limbs();
        int groups = (rows + ROWS - 1) / ROWS;
        Terms[] terms = new Terms[groups];
        for (int g = 0; g < groups; g++) {
            int[] columns = new int[inner];
            for (int k = 0; k < inner; k++) columns[k] = k;
            int count = nonzeroColumns(a, inner, g * ROWS, rows, columns, inner);
            int[] offsets = new int[count];
            for (int t = 0; t < count; t++) offsets[t] = columns[t] * SPAN;
            terms[g] = new Terms(tileWeights(a, inner, g * ROWS, rows, columns, count), offsets, count);
        }
        int spans = (cols + SPAN - 1) / SPAN;
        long work = (long) rows * inner * cols;
        // A unit is a span of SPAN columns: its limbs are copied into a scratch of inner x SPAN (each thread reuses
        // one, so it stays in cache and no table-sized array is allocated per call), then tile after tile along the
        // span, every row group in turn. The scratch has one tile's slack at the end: a tile's last vectors may run
        // past its last row (and a narrow last span's rows read stale entries past their end: outputs not stored).
        pool.forRange(spans, work, (from, to) -> {
            double[] sums = new double[limbs * ROWS * WIDTH];
            double[][] x = new double[limbs][inner * SPAN + WIDTH];
            for (int u = from; u < to; u++) {
                int q0 = u * SPAN;
                int width = Math.min(SPAN, cols - q0);
                for (int k = 0; k < inner; k++) {
                    for (int l = 0; l < limbs; l++) copyLimbs(b, k * cols + q0, x[l], k * SPAN, width, limbs, l);
                }
                for (int q = 0; q < width; q += WIDTH) {
                    for (int g = 0; g < groups; g++) {
                        int r0 = g * ROWS;
                        tile(x, 0, q, terms[g], plan, sums, c, r0, Math.min(rows, r0 + ROWS), cols, q0 + q, Math.min(WIDTH, width - q));
                    }
                }
            }
        });
        return c;
    }

    // ---- convolution -------------------------------------------------------------------------------------

    /**
     * The convolution of {@link ProductKernels#conv2d} for stride 1, by a {@link LimbPlan} that is not null. The input's
     * limbs are copied into a zero-bordered image (pad rows above and below, pad columns left and right of each
     * row), so that output (oh, ow, b) at kernel offset (kh, kw) reads entry oh + kh, ow + kw of the copy: along a
     * run of (ow, b) the reads are one contiguous run, for every term.
     */
    static long[] conv2d(WorkerPool pool, long[] kernel, long[] input, ConvGeometry g, LimbPlan plan) {
        if (g.stride() != 1) throw new IllegalArgumentException("the limb convolution takes stride 1, not " + g.stride());
        Layout inLayout = g.input();
        Shape in = inLayout.shape();
        Layout outLayout = g.output();
        long[] y = new long[outLayout.size()];
        int limbs = plan.limbs();
        int bp = inLayout.paddedBatch();
        int pad = g.padding();
        int k = g.kernel();
        int kp = g.paddedKernel();
        int channels = in.channels();
        int bordered = in.width() + 2 * pad;
        int rowStride = bordered * bp;
        int channelStride = (in.height() + 2 * pad) * rowStride;
        int run = g.outputWidth() * bp;
        double[][] x = borderedLimbs(pool, input, inLayout, pad, rowStride, channelStride, limbs, WIDTH);

        // Terms per (group, first valid kh, end of valid kh): rows of the zero border are left out of the list.
        int groups = (g.outChannels() + ROWS - 1) / ROWS;
        int outH = g.outputHeight();
        Terms[][] byRow = new Terms[groups][outH];
        for (int grp = 0; grp < groups; grp++) {
            Terms[] cache = new Terms[(k + 1) * (k + 1)];
            for (int oh = 0; oh < outH; oh++) {
                int khLo = Math.max(0, pad - oh);
                int khHi = Math.min(k, in.height() + pad - oh);
                int key = khLo * (k + 1) + khHi;
                if (cache[key] == null) cache[key] = convTerms(kernel, g, grp * ROWS, channels, khLo, khHi, k, kp, bp, rowStride, channelStride);
                byRow[grp][oh] = cache[key];
            }
        }
        int spans = (run + UNIT_WIDTH - 1) / UNIT_WIDTH;
        long work = (long) outLayout.size() * channels * k * k;
        int outRows = g.outChannels();
        int outChannelStride = outLayout.index(1, 0, 0, 0);
        int outRowStride = outLayout.index(0, 1, 0, 0);
        // Units are (output row, span of its run); tile after tile along a span, every row group in turn: the
        // activations a tile reads stay in cache while every group uses them.
        pool.forRange(Math.multiplyExact(outH, spans), work, (from, to) -> {
            double[] sums = new double[limbs * ROWS * WIDTH];
            for (int u = from; u < to; u++) {
                int oh = u / spans;
                int q0 = (u % spans) * UNIT_WIDTH;
                int q1 = Math.min(run, q0 + UNIT_WIDTH);
                for (int q = q0; q < q1; q += WIDTH) {
                    for (int grp = 0; grp < groups; grp++) {
                        int r0 = grp * ROWS;
                        tile(x, oh * rowStride, q, byRow[grp][oh], plan, sums, y, r0, Math.min(outRows, r0 + ROWS),
                                outChannelStride, oh * outRowStride + q, Math.min(WIDTH, q1 - q));
                    }
                }
            }
        });
        return y;
    }

    private static Terms convTerms(long[] kernel, ConvGeometry g, int r0, int channels, int khLo, int khHi, int k, int kp,
                                   int bp, int rowStride, int channelStride) {
        int[] columns = new int[channels * k * k];
        int[] offsets = new int[columns.length];
        int count = 0;
        for (int ci = 0; ci < channels; ci++) {
            for (int kh = khLo; kh < khHi; kh++) {
                for (int kw = 0; kw < k; kw++) columns[count++] = (ci * kp + kh) * kp + kw;
            }
        }
        // The offset of column (ci, kh, kw) in the bordered copy: ci*channelStride + kh*rowStride + kw*bp.
        int kept = nonzeroColumns(kernel, g.kernelColumns(), r0, g.outChannels(), columns, count);
        for (int t = 0; t < kept; t++) {
            int column = columns[t];
            int kw = column % kp;
            int kh = (column / kp) % kp;
            int ci = column / (kp * kp);
            offsets[t] = ci * channelStride + kh * rowStride + kw * bp;
        }
        return new Terms(tileWeights(kernel, g.kernelColumns(), r0, g.outChannels(), columns, kept), offsets, kept);
    }

    // ---- one tile ----------------------------------------------------------------------------------------

    /**
     * out[outBase + r*outRowStride + j] for rows r0 <= r < r1 (relative row r - r0) and j < width: the tile's sums over
     * its terms, block by block, recombined and added mod p. Activations of term t for output j of the tile sit at
     * {@code base + terms.offsets[t] + q + j} of each limb array.
     */
    private static void tile(double[][] x, int base, int q, Terms terms, LimbPlan plan, double[] sums, long[] out, int r0,
                             int r1, int outRowStride, int outBase, int width) {
        int count = terms.count();
        int limbs = plan.limbs();
        for (int t0 = 0; t0 < count; t0 += (int) Math.min(plan.block(), count - t0)) {
            int t1 = (int) Math.min(count, t0 + plan.block());
            if (limbs == 1) {
                oneLimbTile(x[0], base + q, terms.offsets(), terms.weights(), t0, t1, sums);
            } else {
                twoLimbTile(x[0], x[1], base + q, terms.offsets(), terms.weights(), t0, t1, sums);
            }
            if (width == WIDTH) {
                recombineTile(sums, limbs, out, outBase + r0 * outRowStride, outRowStride, r1 - r0);
                continue;
            }
            for (int r = 0; r < r1 - r0; r++) {
                int o = outBase + (r0 + r) * outRowStride;
                for (int j = 0; j < width; j++) {
                    double low = limbs == 1 ? 0 : sums[(ROWS + r) * WIDTH + j];
                    out[o + j] = Fp.add(out[o + j], recombine(sums[r * WIDTH + j], low, limbs));
                }
            }
        }
    }

    /**
     * {@link #recombine} lane by lane for a whole tile, added mod p into out[outBase + r*outRowStride + j], r < rows,
     * j < WIDTH (which starts zero). Always added, even for a tile's first block: a branch taken only by products of
     * several blocks left C2 a rarely-taken path to deoptimise on, and such products then ran up to 10x slower.
     */
    private static void recombineTile(double[] sums, int limbs, long[] out, int outBase, int outRowStride, int rows) {
        long p = LazyField.P;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < WIDTH; j += LANES) {
                int o = outBase + r * outRowStride + j;
                // The sum as a long (see MAGIC), then canonicalOfSigned: (s mod 2^61) + (s >> 61) is in [-4, 2^61 + 2];
                // add p where negative, then subtract it where the result is p or more.
                LongVector v = DoubleVector.fromArray(SPECIES, sums, r * WIDTH + j).add(MAGIC).reinterpretAsLongs().sub(MAGIC_BITS);
                v = v.and(p).add(v.lanewise(VectorOperators.ASHR, 61));
                v = v.add(v.lanewise(VectorOperators.ASHR, 63).and(p)).sub(p);
                v = v.add(v.lanewise(VectorOperators.ASHR, 63).and(p));
                if (limbs == 2) {
                    v = v.lanewise(VectorOperators.LSHL, LimbPlan.LIMB_BITS).and(p).or(v.lanewise(VectorOperators.LSHR, 61 - LimbPlan.LIMB_BITS));
                    LongVector low = DoubleVector.fromArray(SPECIES, sums, (ROWS + r) * WIDTH + j).add(MAGIC).reinterpretAsLongs()
                            .sub(MAGIC_BITS);
                    low = low.and(p).add(low.lanewise(VectorOperators.ASHR, 61));
                    low = low.add(low.lanewise(VectorOperators.ASHR, 63).and(p)).sub(p);
                    low = low.add(low.lanewise(VectorOperators.ASHR, 63).and(p));
                    v = v.add(low).sub(p); // two canonical values less p: in [-p, p - 2]
                    v = v.add(v.lanewise(VectorOperators.ASHR, 63).and(p));
                }
                v = v.add(LongVector.fromArray(LONG_SPECIES, out, o)).sub(p);
                v.add(v.lanewise(VectorOperators.ASHR, 63).and(p)).intoArray(out, o);
            }
        }
    }

    /** sums[r*WIDTH + j] = sum over t in [t0, t1) of w[t*ROWS + r] * x[start + offsets[t] + j], exactly. */
    private static void oneLimbTile(double[] x, int start, int[] offsets, double[] w, int t0, int t1, double[] sums) {
        DoubleVector a00 = DoubleVector.zero(SPECIES);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        for (int t = t0; t < t1; t++) {
            int o = start + offsets[t];
            DoubleVector x0 = DoubleVector.fromArray(SPECIES, x, o);
            DoubleVector x1 = DoubleVector.fromArray(SPECIES, x, o + LANES);
            int wo = t * ROWS;
            DoubleVector w0 = DoubleVector.broadcast(SPECIES, w[wo]);
            DoubleVector w1 = DoubleVector.broadcast(SPECIES, w[wo + 1]);
            DoubleVector w2 = DoubleVector.broadcast(SPECIES, w[wo + 2]);
            DoubleVector w3 = DoubleVector.broadcast(SPECIES, w[wo + 3]);
            a00 = x0.fma(w0, a00);
            a01 = x1.fma(w0, a01);
            a10 = x0.fma(w1, a10);
            a11 = x1.fma(w1, a11);
            a20 = x0.fma(w2, a20);
            a21 = x1.fma(w2, a21);
            a30 = x0.fma(w3, a30);
            a31 = x1.fma(w3, a31);
        }
        a00.intoArray(sums, 0);
        a01.intoArray(sums, LANES);
        a10.intoArray(sums, WIDTH);
        a11.intoArray(sums, WIDTH + LANES);
        a20.intoArray(sums, 2 * WIDTH);
        a21.intoArray(sums, 2 * WIDTH + LANES);
        a30.intoArray(sums, 3 * WIDTH);
        a31.intoArray(sums, 3 * WIDTH + LANES);
    }

    /** The same for two limbs: high limb sums at sums[r*WIDTH + j], low limb sums at sums[(ROWS + r)*WIDTH + j]. */
    private static void twoLimbTile(double[] xh, double[] xl, int start, int[] offsets, double[] w, int t0, int t1,
                                    double[] sums) {
        DoubleVector h00 = DoubleVector.zero(SPECIES);
        DoubleVector h01 = h00;
        DoubleVector h10 = h00;
        DoubleVector h11 = h00;
        DoubleVector h20 = h00;
        DoubleVector h21 = h00;
        DoubleVector h30 = h00;
        DoubleVector h31 = h00;
        DoubleVector l00 = h00;
        DoubleVector l01 = h00;
        DoubleVector l10 = h00;
        DoubleVector l11 = h00;
        DoubleVector l20 = h00;
        DoubleVector l21 = h00;
        DoubleVector l30 = h00;
        DoubleVector l31 = h00;
        for (int t = t0; t < t1; t++) {
            int o = start + offsets[t];
            DoubleVector hx0 = DoubleVector.fromArray(SPECIES, xh, o);
            DoubleVector hx1 = DoubleVector.fromArray(SPECIES, xh, o + LANES);
            DoubleVector lx0 = DoubleVector.fromArray(SPECIES, xl, o);
            DoubleVector lx1 = DoubleVector.fromArray(SPECIES, xl, o + LANES);
            int wo = t * ROWS;
            DoubleVector w0 = DoubleVector.broadcast(SPECIES, w[wo]);
            DoubleVector w1 = DoubleVector.broadcast(SPECIES, w[wo + 1]);
            DoubleVector w2 = DoubleVector.broadcast(SPECIES, w[wo + 2]);
            DoubleVector w3 = DoubleVector.broadcast(SPECIES, w[wo + 3]);
            h00 = hx0.fma(w0, h00);
            h01 = hx1.fma(w0, h01);
            h10 = hx0.fma(w1, h10);
            h11 = hx1.fma(w1, h11);
            h20 = hx0.fma(w2, h20);
            h21 = hx1.fma(w2, h21);
            h30 = hx0.fma(w3, h30);
            h31 = hx1.fma(w3, h31);
            l00 = lx0.fma(w0, l00);
            l01 = lx1.fma(w0, l01);
            l10 = lx0.fma(w1, l10);
            l11 = lx1.fma(w1, l11);
            l20 = lx0.fma(w2, l20);
            l21 = lx1.fma(w2, l21);
            l30 = lx0.fma(w3, l30);
            l31 = lx1.fma(w3, l31);
        }
        h00.intoArray(sums, 0);
        h01.intoArray(sums, LANES);
        h10.intoArray(sums, WIDTH);
        h11.intoArray(sums, WIDTH + LANES);
        h20.intoArray(sums, 2 * WIDTH);
        h21.intoArray(sums, 2 * WIDTH + LANES);
        h30.intoArray(sums, 3 * WIDTH);
        h31.intoArray(sums, 3 * WIDTH + LANES);
        int lo = ROWS * WIDTH;
        l00.intoArray(sums, lo);
        l01.intoArray(sums, lo + LANES);
        l10.intoArray(sums, lo + WIDTH);
        l11.intoArray(sums, lo + WIDTH + LANES);
        l20.intoArray(sums, lo + 2 * WIDTH);
        l21.intoArray(sums, lo + 2 * WIDTH + LANES);
        l30.intoArray(sums, lo + 3 * WIDTH);
        l31.intoArray(sums, lo + 3 * WIDTH + LANES);
    }

    // ---- limb copies -------------------------------------------------------------------------------------

    /** out[o + j] = {@link #limb}(values[v + j], limbs, limb) for j < n, lanes at a time (see MAGIC). */
    private static void copyLimbs(long[] values, int v, double[] out, int o, int n, int limbs, int limb) {
        int j = 0;
        if (limbs == 1) {
            for (; j + LANES <= n; j += LANES) {
                LongVector x = LongVector.fromArray(LONG_SPECIES, values, v + j);
                // LazyField.signed: x - p where x > (p - 1)/2
                LongVector s = x.sub(x.neg().add(Fp.MAX_SIGNED).lanewise(VectorOperators.ASHR, 63).and(LazyField.P));
                s.add(MAGIC_BITS).reinterpretAsDoubles().sub(MAGIC).intoArray(out, o + j);
            }
        } else if (limb == 0) {
            for (; j + LANES <= n; j += LANES) {
                LongVector x = LongVector.fromArray(LONG_SPECIES, values, v + j);
                x.lanewise(VectorOperators.LSHR, LimbPlan.LIMB_BITS).add(MAGIC_BITS).reinterpretAsDoubles().sub(MAGIC).intoArray(out, o + j);
            }
        } else {
            for (; j + LANES <= n; j += LANES) {
                LongVector x = LongVector.fromArray(LONG_SPECIES, values, v + j);
                x.and(LOW_LIMB).add(MAGIC_BITS).reinterpretAsDoubles().sub(MAGIC).intoArray(out, o + j);
            }
        }
        for (; j < n; j++) out[o + j] = limb(values[v + j], limbs, limb);
    }

    /** The limbs of the real channels of a conv input, each row (ih, all iw, all b) moved into a zero border. */
    private static double[][] borderedLimbs(WorkerPool pool, long[] input, Layout layout, int pad, int rowStride,
                                            int channelStride, int limbs, int slack) {
        Shape in = layout.shape();
        int bp = layout.paddedBatch();
        int rowLength = in.width() * bp;
        double[][] out = new double[limbs][in.channels() * channelStride + slack];
        pool.forRange(in.channels() * in.height(), (long) in.channels() * in.height() * rowLength, (from, to) -> {
            for (int u = from; u < to; u++) {
                int ci = u / in.height();
                int ih = u % in.height();
                int src = layout.index(ci, ih, 0, 0);
                int dst = ci * channelStride + (ih + pad) * rowStride + pad * bp;
                for (int l = 0; l < limbs; l++) copyLimbs(input, src, out[l], dst, rowLength, limbs, l);
            }
        });
        return out;
    }
}
