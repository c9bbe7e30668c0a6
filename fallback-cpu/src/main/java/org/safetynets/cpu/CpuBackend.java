package org.safetynets.cpu;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The multithreaded Java backend: tensors are {@code long[]} on the heap, kernels split their work over the
 * backend's own {@link WorkerPool}. It computes exactly what the sequential reference computes, for any number
 * of threads: field arithmetic is exact, so partitioning the work and adding partial sums cannot change a
 * result. The matrix product and the convolution live in {@link ProductKernels}; the lazy reductions they and
 * the other kernels use, with their invariants, in {@link LazyField}.
 */
public final class CpuBackend implements Backend {
    private final WorkerPool pool;
    private final AtomicInteger openTensors = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Whether each of the proof's memory-wide kernels runs on SIMD lanes ({@link SimdKernels}); same results either way. */
    private final KernelChoice kernels;

    /**
     * Tensors of at least this many elements are held compact between the passes ({@link #compact}); smaller ones stay
     * field elements. Compacting and widening back cost about 4 ns an element here (demo CNN, batch 256: 14 ms of a
     * 92 ms proof for tensors of 2 Mi elements and less), and below 2^23 elements the saving (under 56 MiB a tensor)
     * is small beside the JVM's own young generation; the batches where memory binds (thousands of samples) have
     * tensors far above it (the shipped model's first convolution output is 2^24 elements at batch 1,024).
     */
    static final long COMPACT_MIN_ELEMENTS = 1L << 23;
    private final long compactMinElements;

    /** @param threads worker threads, at least 1 (1 runs every kernel on the caller's thread) */
    public CpuBackend(int threads) {
        this(threads, Simd.byDefault());
    }

    /** @param simd whether to run the SIMD kernels on every call they can take; requires {@link Simd#usable()} */
    CpuBackend(int threads, boolean simd) {
        this(threads, simd ? KernelChoice.always() : KernelChoice.scalar());
    }

    CpuBackend(int threads, KernelChoice kernels) {
        this(threads, kernels, COMPACT_MIN_ELEMENTS);
    }

    /** @param compactMinElements the smallest tensor {@link #compact} narrows (0: every one) */
    CpuBackend(int threads, KernelChoice kernels, long compactMinElements) {
        if (kernels.anySimd() && !Simd.usable()) throw new IllegalStateException("SIMD kernels need --add-modules jdk.incubator.vector");
        if (compactMinElements < 0) throw new IllegalArgumentException("negative compaction size: " + compactMinElements);
        this.pool = new WorkerPool(threads);
        this.kernels = kernels;
        this.compactMinElements = compactMinElements;
    }

    /**
     * A host array owned by one backend; counted while open so that {@link #close()} can report leaks. Between the
     * forward pass and its use in the backward pass it may be held compact ({@link CompactValues}): the first
     * kernel that reads it widens it back to field elements for good (it is then read once or twice and closed).
     */
    private final class CpuTensor implements DeviceTensor {
        private long[] data;
        /** The narrow array while compact, else null; at most one of data and compact is set. */
        private Object compact;
        private final int length;

        CpuTensor(long[] data) {
            this.data = data;
            this.length = data.length;
            openTensors.incrementAndGet();
        }

        synchronized long[] data() {
            if (data == null) {
                if (compact == null) throw new IllegalStateException("tensor used after close");
                data = CompactValues.widen(pool, compact);
                compact = null;
            }
            return data;
        }

        synchronized void compact(long magnitude) {
            if (compact != null) return;
            Object narrow = CompactValues.narrow(pool, data(), magnitude);
            if (narrow != null) {
                compact = narrow;
                data = null;
            }
        }

        /** Bytes per element as held now: 8 for field elements, 1, 2 or 4 while compact. */
        synchronized int bytesPerElement() {
            return compact instanceof byte[] ? 1 : compact instanceof short[] ? 2 : compact instanceof int[] ? 4 : Long.BYTES;
        }

        CpuBackend owner() {
            return CpuBackend.this;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public synchronized void close() {
            if (data != null || compact != null) {
                data = null;
                compact = null;
                openTensors.decrementAndGet();
            }
        }
    }

    private long[] data(DeviceTensor tensor) {
        return own(tensor).data();
    }

    private CpuTensor own(DeviceTensor tensor) {
        if (!(tensor instanceof CpuTensor t) || t.owner() != this) {
            throw new IllegalArgumentException("tensor does not belong to this cpu backend");
        }
        return t;
    }

    private long[] data(DeviceTensor tensor, long minLength, String what) {
        long[] d = data(tensor);
        if (d.length < minLength) {
            throw new IllegalArgumentException(what + " has " + d.length + " elements, needs at least " + minLength);
        }
        return d;
    }

    private DeviceTensor wrap(long[] values) {
        ensureOpen();
        return new CpuTensor(values);
    }

    private void ensureOpen() {
        if (closed.get()) throw new IllegalStateException("cpu backend is closed");
    }

    /** How many bytes each element of {@code tensor} takes as it is held now (see {@link #compact}). */
    int bytesPerElement(DeviceTensor tensor) {
        return own(tensor).bytesPerElement();
    }

    /** Tensors created and not yet closed. */
    int openTensors() {
        return openTensors.get();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        int threads = pool.threads();
        return "cpu: " + threads + (threads == 1 ? " thread" : " threads") + " (Java, " + kernels.describe() + ")";
    }

    @Override
    public DeviceTensor upload(long[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Fp.isCanonical(values[i])) {
                throw new IllegalArgumentException("element " + i + " is " + values[i] + ", not a canonical field element");
            }
        }
        return wrap(values.clone());
    }

    @Override
    public long[] download(DeviceTensor tensor) {
        return data(tensor).clone();
    }

    @Override
    public long get(DeviceTensor tensor, int index) {
        return data(tensor)[index];
    }

    // ---- inference ---------------------------------------------------------------------------------------

    @Override
    public DeviceTensor matmul(DeviceTensor a, DeviceTensor b, int rows, int inner, int cols) {
        if (rows < 0 || inner < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        long[] x = data(a, (long) rows * inner, "matmul A");
        long[] y = data(b, (long) inner * cols, "matmul B");
        return wrap(ProductKernels.matmul(pool, x, y, rows, inner, cols, kernels.simd((long) rows * inner + (long) inner * cols)));
    }

    @Override
    public DeviceTensor conv2d(DeviceTensor kernel, DeviceTensor input, ConvGeometry geometry) {
        long[] k = data(kernel, (long) geometry.outChannels() * geometry.kernelColumns(), "conv kernel");
        long[] x = data(input, geometry.input().size(), "conv input");
        return wrap(ProductKernels.conv2d(pool, k, x, geometry, kernels.simd((long) geometry.outChannels() * geometry.kernelColumns() + geometry.input().size())));
    }

    @Override
    public void addBias(DeviceTensor tensor, long[] bias, Layout layout) {
        long[] y = data(tensor, layout.size(), "biased tensor");
        Shape s = layout.shape();
        if (bias.length < s.channels()) throw new IllegalArgumentException("bias has " + bias.length + " entries for " + s.channels() + " channels");
        int batch = layout.batch();
        // Units are (channel, row) pairs; only real positions and real batch entries change, padding stays zero.
        pool.forRange(s.channels() * s.height(), (long) s.size() * batch, (from, to) -> {
            for (int u = from; u < to; u++) {
                int c = u / s.height();
                int h = u % s.height();
                long beta = bias[c];
                for (int w = 0; w < s.width(); w++) {
                    int base = layout.index(c, h, w, 0);
                    for (int b = 0; b < batch; b++) y[base + b] = Fp.add(y[base + b], beta);
                }
            }
        });
    }

    @Override
    public DeviceTensor square(DeviceTensor input) {
        long[] x = data(input);
        long[] y = new long[x.length];
        pool.forRange(x.length, x.length, (from, to) -> {
            for (int i = from; i < to; i++) y[i] = Fp.mul(x[i], x[i]);
        });
        return wrap(y);
    }

    @Override
    public DeviceTensor sumPool(DeviceTensor input, PoolGeometry g) {
        return wrap(sumPool(input, g, false));
    }

    /** The pooled sums of the input's entries, or of their squares. */
    private long[] sumPool(DeviceTensor input, PoolGeometry g, boolean squares) {
        Layout in = g.input();
        Layout out = g.output();
        long[] x = data(input, in.size(), "pool input");
        long[] y = new long[out.size()];
        int s = g.window();
        int bp = in.paddedBatch();
        Shape inShape = in.shape();
        int rowsOut = inShape.paddedHeight() / s;
        // Every padded input entry (c, h, w, b) adds into output (c, h/s, w/s, b); units are output rows (c, h/s).
        pool.forRange(inShape.paddedChannels() * rowsOut, in.size(), (from, to) -> {
            for (int u = from; u < to; u++) {
                int c = u / rowsOut;
                int oh = u % rowsOut;
                for (int h = oh * s; h < oh * s + s; h++) {
                    for (int w = 0; w < inShape.paddedWidth(); w++) {
                        int src = in.index(c, h, w, 0);
                        int dst = out.index(c, oh, w / s, 0);
                        if (squares && LazyField.allSignedBelow(x, src, bp, 31)) {
                            // |v| <= 2^31: v^2 <= 2^62 is exact in a long, and reducing it takes two operations, not a
                            // modular product. The activations a square reads are small integers: one thread pooled
                            // the demo CNN's 2^21 first-layer squares in 5.4 ms instead of 7.7 (two threads stay
                            // near 3.2 ms, held by memory)
                            for (int b = 0; b < bp; b++) {
                                long v = LazyField.signed(x[src + b]);
                                y[dst + b] = Fp.add(y[dst + b], Fp.reduceUnsigned(v * v));
                            }
                        } else if (squares) {
                            for (int b = 0; b < bp; b++) y[dst + b] = Fp.add(y[dst + b], Fp.mul(x[src + b], x[src + b]));
                        } else {
                            for (int b = 0; b < bp; b++) y[dst + b] = Fp.add(y[dst + b], x[src + b]);
                        }
                    }
                }
            }
        });
        return y;
    }

    /** sumPool(square(x)) in one pass: the squared tensor is never stored. */
    @Override
    public DeviceTensor squareThenSumPool(DeviceTensor input, PoolGeometry g) {
        return wrap(sumPool(input, g, true));
    }

    /**
     * Keeps the tensor as bytes, shorts or ints while the bound allows ({@link CompactValues}), if it has at least
     * {@link #COMPACT_MIN_ELEMENTS} elements.
     */
    @Override
    public DeviceTensor compact(DeviceTensor tensor, long magnitude) {
        if (magnitude < 0) throw new IllegalArgumentException("negative bound " + magnitude);
        CpuTensor own = own(tensor);
        if (own.length() >= compactMinElements) own.compact(magnitude);
        return tensor;
    }

    // ---- proving -----------------------------------------------------------------------------------------

    @Override
    public DeviceTensor productTable(long[] zeroWeights, long[] oneWeights) {
        if (zeroWeights.length != oneWeights.length) throw new IllegalArgumentException("weights of different lengths");
        if (zeroWeights.length > 30) throw new IllegalArgumentException("product table over " + zeroWeights.length + " variables is too large");
        for (int j = 0; j < zeroWeights.length; j++) {
            requireCanonical(zeroWeights[j], "product-table weight");
            requireCanonical(oneWeights[j], "product-table weight");
        }
        // E[x] = E_low[x mod 2^l] * E_high[x >> l]: two small tables, then one multiplication per entry, each
        // entry written once (the doubling construction rewrites the table once per variable).
        int k = zeroWeights.length;
        int l = k / 2;
        long[] low = smallProductTable(zeroWeights, oneWeights, 0, l);
        long[] high = smallProductTable(zeroWeights, oneWeights, l, k - l);
        long[] table = new long[1 << k];
        int lowSize = low.length;
        pool.forRange(high.length, table.length, (from, to) -> {
            for (int u = from; u < to; u++) {
                long h = high[u];
                int base = u * lowSize;
                for (int i = 0; i < lowSize; i++) table[base + i] = Fp.mul(h, low[i]);
            }
        });
        return wrap(table);
    }

    /** The product table over variables [from, from + count), sequentially (at most 2^15 entries here). */
    private static long[] smallProductTable(long[] zeroWeights, long[] oneWeights, int from, int count) {
        long[] table = new long[1 << count];
        table[0] = 1;
        int size = 1;
        for (int j = from; j < from + count; j++) {
            for (int i = 0; i < size; i++) {
                long t = table[i];
                table[i + size] = Fp.mul(t, oneWeights[j]);
                table[i] = Fp.mul(t, zeroWeights[j]);
            }
            size <<= 1;
        }
        return table;
    }

    @Override
    public DeviceTensor rowCombination(DeviceTensor weights, DeviceTensor matrix, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        long[] e = data(weights, rows, "row weights");
        long[] m = data(matrix, (long) rows * cols, "matrix");
        long work = (long) rows * cols;
        long[] out = new long[cols];
        if (cols >= 1024 * pool.threads()) {
            // Wide: each chunk owns a band of columns and runs over every row.
            int band = 256;
            int bands = (cols + band - 1) / band;
            pool.forRange(bands, work, (from, to) -> {
                for (int u = from; u < to; u++) {
                    int j0 = u * band;
                    ProductKernels.combineRows(e, 0, m, cols, j0, Math.min(band, cols - j0), 0, rows, out, j0);
                }
            });
            return wrap(out);
        }
        // Tall: each chunk combines a range of rows into its own partial vector; the partials are added.
        long[][] partials = pool.partials(rows, work, cols, (from, to, partial) -> {
            for (int j0 = 0; j0 < cols; j0 += 2048) {
                ProductKernels.combineRows(e, 0, m, cols, j0, Math.min(2048, cols - j0), from, to, partial, j0);
            }
        });
        for (long[] partial : partials) {
            for (int j = 0; j < cols; j++) out[j] = Fp.add(out[j], partial[j]);
        }
        return wrap(out);
    }

    @Override
    public DeviceTensor columnCombination(DeviceTensor matrix, DeviceTensor weights, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        long[] m = data(matrix, (long) rows * cols, "matrix");
        long[] e = data(weights, cols, "column weights");
        long work = (long) rows * cols;
        if (rows >= 4 * pool.threads()) {
            long[] out = new long[rows];
            boolean simd = kernels.simd(work);
            pool.forRange(rows, work, (from, to) -> {
                if (simd) {
                    SimdKernels.Buffers buffers = new SimdKernels.Buffers();
                    for (int i = from; i < to; i++) out[i] = SimdKernels.dot(m, i * cols, e, 0, cols, buffers);
                } else {
                    for (int i = from; i < to; i++) out[i] = LazyField.dot(m, i * cols, e, 0, 1, cols);
                }
            });
            return wrap(out);
        }
        // Few long rows: split the columns and add the partial dot products.
        return wrap(pool.sumRange(cols, work, rows, (from, to, partial) -> {
            for (int i = 0; i < rows; i++) partial[i] = LazyField.dot(m, i * cols + from, e, from, 1, to - from);
        }));
    }

    @Override
    public long[] roundEvaluations(DeviceTensor[] tables, int[] factors, int half, int degree) {
        if (degree < 0 || half < 0) throw new IllegalArgumentException("negative degree or size");
        long[][] data = new long[tables.length][];
        for (int f : factors) {
            if (f < 0 || f >= tables.length) throw new IllegalArgumentException("factor " + f + " names no table");
            if (data[f] == null) data[f] = data(tables[f], 2L * half, "sum-check table " + f);
        }
        return RoundKernels.evaluations(pool, data, factors, half, degree);
    }

    @Override
    public void fold(DeviceTensor table, int half, long r) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        requireCanonical(r, "fold challenge");
        long[] t = data(table, 2L * half, "folded table");
        // Writes only [0, half) and reads [half, 2*half) unchanged, so chunks are independent.
        if (half % Simd.CHUNK == 0 && kernels.simd(2L * half)) {
            pool.forRange(half / Simd.CHUNK, half,
                    (from, to) -> SimdKernels.fold(t, half, r, from * Simd.CHUNK, to * Simd.CHUNK, new SimdKernels.Buffers()));
            return;
        }
        pool.forRange(half, half, (from, to) -> {
            for (int i = from; i < to; i++) {
                long low = t[i];
                long high = t[i + half];
                if ((low | high) != 0) t[i] = Fp.add(low, Fp.mul(r, Fp.sub(high, low))); // zero padding stays zero
            }
        });
    }

    // ---- F_p^2 -------------------------------------------------------------------------------------------

    /** The x^2 sum-check without a table of the weight: see {@link CpuSquareRounds}. */
    @Override
    public SquareRounds squareRounds(Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
        long[] table = data(values);
        return new CpuSquareRounds(pool, zeroWeights, oneWeights, table, true, kernels.simd(table.length));
    }

    /**
     * In place for an extension table; a base table folded by an extension challenge gets new parts of
     * {@code half} entries (the argument is left as it was), as the default does.
     */
    @Override
    public ExtTensor fold(ExtTensor table, int half, Fp2 r) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        if (table.isBase() && r.isBase()) {
            fold(table.re(), half, r.re());
            return table;
        }
        long c = r.re();
        long d = r.im();
        long[] re = data(table.re(), 2L * half, "folded table (real part)");
        if (table.isBase()) {
            long[] foldedRe = new long[half];
            long[] foldedIm = new long[half];
            pool.forRange(half, 2L * half, (from, to) -> ExtensionFoldKernels.foldBase(re, half, c, d, foldedRe, foldedIm, from, to));
            DeviceTensor realPart = wrap(foldedRe);
            return new ExtTensor(realPart, wrap(foldedIm));
        }
        long[] im = data(table.im(), 2L * half, "folded table (imaginary part)");
        // Writes only [0, half) and reads [half, 2*half) unchanged, so chunks are independent.
        pool.forRange(half, 4L * half, (from, to) -> ExtensionFoldKernels.foldExtension(re, im, half, c, d, from, to));
        return table;
    }

    /**
     * M weights for a base M (the prover's activations) and F_p^2 weights, as the layer protocols combine a batch: one
     * pass over M, each row's two dot products back to back while it is in cache. The default takes two passes.
     */
    @Override
    public ExtTensor columnCombination(ExtTensor matrix, ExtTensor weights, int rows, int cols) {
        if (!matrix.isBase() || weights.isBase() || rows < 4 * pool.threads()) {
            return Backend.super.columnCombination(matrix, weights, rows, cols);
        }
        if (cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        long[] m = data(matrix.re(), (long) rows * cols, "matrix");
        long[] eRe = data(weights.re(), cols, "column weights (real part)");
        long[] eIm = data(weights.im(), cols, "column weights (imaginary part)");
        long work = 2L * rows * cols;
        long[] re = new long[rows];
        long[] im = new long[rows];
        boolean simd = kernels.simd(work);
        pool.forRange(rows, work, (from, to) -> {
            if (simd) {
                SimdKernels.Buffers buffers = new SimdKernels.Buffers();
                for (int i = from; i < to; i++) {
                    re[i] = SimdKernels.dot(m, i * cols, eRe, 0, cols, buffers);
                    im[i] = SimdKernels.dot(m, i * cols, eIm, 0, cols, buffers);
                }
            } else {
                for (int i = from; i < to; i++) {
                    re[i] = LazyField.dot(m, i * cols, eRe, 0, 1, cols);
                    im[i] = LazyField.dot(m, i * cols, eIm, 0, 1, cols);
                }
            }
        });
        DeviceTensor realPart = wrap(re);
        return new ExtTensor(realPart, wrap(im));
    }

    @Override
    public Fp2[] roundEvaluations(ExtTensor[] tables, int[] factors, int half, int degree) {
        if (degree < 0 || half < 0) throw new IllegalArgumentException("negative degree or size");
        if (factors.length == 0 || factors.length > ExtensionRoundKernels.MAX_FACTORS) {
            return Backend.super.roundEvaluations(tables, factors, half, degree);
        }
        boolean allBase = true;
        for (int f : factors) {
            if (f < 0 || f >= tables.length) throw new IllegalArgumentException("factor " + f + " names no table");
            allBase &= tables[f].isBase();
        }
        if (allBase) {
            DeviceTensor[] parts = new DeviceTensor[tables.length];
            for (int f : factors) parts[f] = tables[f].re();
            long[] sums = roundEvaluations(parts, factors, half, degree);
            Fp2[] out = new Fp2[degree + 1];
            for (int t = 0; t <= degree; t++) out[t] = Fp2.of(sums[t]);
            return out;
        }
        long[][] re = new long[tables.length][];
        long[][] im = new long[tables.length][];
        for (int f : factors) {
            if (f < 0 || f >= tables.length) throw new IllegalArgumentException("factor " + f + " names no table");
            if (re[f] != null) continue;
            re[f] = data(tables[f].re(), 2L * half, "sum-check table " + f + " (real part)");
            if (!tables[f].isBase()) im[f] = data(tables[f].im(), 2L * half, "sum-check table " + f + " (imaginary part)");
        }
        long[] sums = ExtensionRoundKernels.evaluations(pool, re, im, factors, half, degree);
        Fp2[] out = new Fp2[degree + 1];
        for (int t = 0; t <= degree; t++) out[t] = new Fp2(sums[2 * t], sums[2 * t + 1]);
        return out;
    }

    @Override
    public long[] poolOffsetSums(DeviceTensor input, DeviceTensor eqOut, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        long[] x = data(input, in.size(), "pool input");
        long[] e = data(eqOut, out.size(), "pool output eq table");
        int s = g.window();
        int bp = in.paddedBatch();
        Shape inShape = in.shape();
        int rowsOut = inShape.paddedHeight() / s;
        int colsOut = inShape.paddedWidth() / s;
        // sums[dh*s + dw] = sum over (c, oh, ow, b) of eq[c, oh, ow, b] * x[c, oh*s + dh, ow*s + dw, b].
        return pool.sumRange(inShape.paddedChannels() * rowsOut, in.size(), s * s, (from, to, sums) -> {
            for (int u = from; u < to; u++) {
                int c = u / rowsOut;
                int oh = u % rowsOut;
                for (int dh = 0; dh < s; dh++) {
                    for (int ow = 0; ow < colsOut; ow++) {
                        int eqAt = out.index(c, oh, ow, 0);
                        for (int dw = 0; dw < s; dw++) {
                            long dot = LazyField.dot(e, eqAt, x, in.index(c, oh * s + dh, ow * s + dw, 0), 1, bp);
                            sums[dh * s + dw] = Fp.add(sums[dh * s + dw], dot);
                        }
                    }
                }
            }
        });
    }

    @Override
    public DeviceTensor convPatchSums(DeviceTensor x, long[] eqRows, long[] eqCols, ConvGeometry g) {
        Shape in = g.input().shape();
        long[] xs = data(x, in.paddedSize(), "conv patch input");
        requirePatchWeights(eqRows.length, eqCols.length, g);
        return wrap(patchSums(g, eqRows, null, eqCols, null, xs, null)[0]);
    }

    @Override
    public ExtTensor convPatchSums(ExtTensor x, Fp2[] eqRows, Fp2[] eqCols, ConvGeometry g) {
        Shape in = g.input().shape();
        requirePatchWeights(eqRows.length, eqCols.length, g);
        long[] xRe = data(x.re(), in.paddedSize(), "conv patch input (real part)");
        long[] xIm = x.isBase() ? null : data(x.im(), in.paddedSize(), "conv patch input (imaginary part)");
        long[][] u = patchSums(g, Fp2.reals(eqRows), Fp2.imaginaries(eqRows), Fp2.reals(eqCols), Fp2.imaginaries(eqCols), xRe, xIm);
        return new ExtTensor(wrap(u[0]), wrap(u[1]));
    }

    private static void requirePatchWeights(int rows, int cols, ConvGeometry g) {
        if (rows < g.outputHeight() || cols < g.outputWidth()) {
            throw new IllegalArgumentException("eq tables of " + rows + " and " + cols
                    + " entries for a " + g.outputHeight() + "x" + g.outputWidth() + " output");
        }
    }

    /**
     * The patch sums u[tap] = sum over output positions (oh, ow) whose input pixel lies in the image of
     * rows[oh] cols[ow] x[ci, oh*stride + kh - pad, ow*stride + kw - pad], for each tap (ci, kh, kw): all in the base
     * field (every imaginary part null, and so the result's), or with F_p^2 weights and a base or F_p^2 input.
     *
     * <p>The weight of a position is a product, so the sum is taken in two steps: V[ci, ih, kw] = sum over ow of
     * cols[ow] x[ci, ih, ow*stride + kw - pad] for every input row ih, then u = sum over oh of rows[oh] V[ci, ih(oh, kh), kw].
     * That is C*H*k*outW + C*k*k*outH products against C*k*k*outH*outW taking every position's weight at every tap: a
     * k-th of them (a fifth for 5x5 kernels). These sums do not grow with the batch (x is already combined over it),
     * so they are a fixed cost of each proof: about a sixth of the prover's time for one sample of the shipped MNIST
     * CNN before.
     */
    private long[][] patchSums(ConvGeometry g, long[] rowRe, long[] rowIm, long[] colRe, long[] colIm, long[] xRe, long[] xIm) {
        Shape in = g.input().shape();
        int height = in.height();
        int k = g.kernel();
        int kp = g.paddedKernel();
        int outH = g.outputHeight();
        int outW = g.outputWidth();
        int stride = g.stride();
        int pad = g.padding();
        if ((rowIm == null) != (colIm == null) || (xIm != null && colIm == null)) {
            throw new IllegalArgumentException("patch sums take base weights with a base input, or F_p^2 weights");
        }
        boolean extension = colIm != null;
        // Karatsuba for an F_p^2 x F_p^2 dot product: with the sums of the parts, im = (cs . xs) - (cr . xr) - (ci . xi).
        long[] colSum = xIm != null ? sums(colRe, colIm, outW) : null;
        long[] xSum = xIm != null ? sums(xRe, xIm, xRe.length) : null;
        int rowsOfV = in.channels() * height;
        long[] vRe = new long[rowsOfV * k];
        long[] vIm = extension ? new long[rowsOfV * k] : null;
        pool.forRange(rowsOfV, (long) rowsOfV * k * outW * (xSum != null ? 3 : 2), (from, to) -> {
            for (int row = from; row < to; row++) {
                int ci = row / height;
                int ih = row % height;
                for (int kw = 0; kw < k; kw++) {
                    // Output columns whose input column ow*stride + kw - pad lies in [0, W).
                    int lo = Math.max(0, Math.floorDiv(pad - kw + stride - 1, stride));
                    int hi = Math.min(outW, Math.floorDiv(in.width() - 1 + pad - kw, stride) + 1);
                    int v = row * k + kw;
                    if (lo >= hi) continue;
                    int xAt = in.paddedIndex(ci, ih, lo * stride + kw - pad);
                    int n = hi - lo;
                    if (xSum != null) {
                        long rr = LazyField.dot(colRe, lo, xRe, xAt, stride, n);
                        long ii = LazyField.dot(colIm, lo, xIm, xAt, stride, n);
                        vRe[v] = Fp.sub(rr, ii);
                        vIm[v] = Fp.sub(Fp.sub(LazyField.dot(colSum, lo, xSum, xAt, stride, n), rr), ii);
                    } else {
                        vRe[v] = LazyField.dot(colRe, lo, xRe, xAt, stride, n);
                        if (colIm != null) vIm[v] = LazyField.dot(colIm, lo, xRe, xAt, stride, n);
                    }
                }
            }
        });
        long[] uRe = new long[g.kernelColumns()];
        long[] uIm = extension ? new long[g.kernelColumns()] : null;
        for (int ci = 0; ci < in.channels(); ci++) {
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    long re = 0;
                    long im = 0;
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = g.inputCoordinate(oh, kh, height);
                        if (ih < 0) continue;
                        int v = (ci * height + ih) * k + kw;
                        long r = rowRe[oh];
                        long s = rowIm == null ? 0 : rowIm[oh];
                        long a = vRe[v];
                        long b = vIm == null ? 0 : vIm[v];
                        re = Fp.add(re, Fp.sub(Fp.mul(r, a), Fp.mul(s, b)));
                        if (extension) im = Fp.add(im, Fp.add(Fp.mul(r, b), Fp.mul(s, a)));
                    }
                    int tap = (ci * kp + kh) * kp + kw;
                    uRe[tap] = re;
                    if (extension) uIm[tap] = im;
                }
            }
        }
        return new long[][] {uRe, uIm};
    }

    private static long[] sums(long[] re, long[] im, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = Fp.add(re[i], im[i]);
        return out;
    }

    private static void requireCanonical(long value, String what) {
        if (!Fp.isCanonical(value)) throw new IllegalArgumentException(what + " " + value + " is not a canonical field element");
    }

    /** Stops the worker threads; reports on standard error, once, tensors that were never closed. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        pool.close();
        int leaked = openTensors.get();
        if (leaked > 0) {
            System.err.println("cpu backend closed with " + leaked + (leaked == 1 ? " tensor" : " tensors") + " still open");
        }
    }
}
