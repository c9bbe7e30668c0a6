package org.safetynets.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp2;
import org.safetynets.field.LimbPlan;
import org.safetynets.poly.Univariate;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the shared contract (BackendContractTest) does not reach on a device, for every {@link KernelBackend}: sizes that need many work-groups and grid-stride loops in
 * every reduction, matrix tiles with tails in all three dimensions, the signed paths at their reduction boundaries,
 * points and offsets beyond one launch, and the backend's own bookkeeping (transfers, ownership, leaks, memory).
 * Results are compared element for element with the sequential reference backend. Each device backend's test
 * extends it, skipping (or failing, where the device is required) when no device is present.
 */
public abstract class KernelBackendTest {
    private static final long P = (1L << 61) - 1;
    private final SplittableRandom random = new SplittableRandom(0xC0FFEE);
    private final ReferenceBackend reference = new ReferenceBackend();
    protected KernelBackend<?> backend;

    /** A new backend on the device under test; the subclass skips the class first where there is none. */
    protected abstract KernelBackend<?> newBackend();

    @BeforeEach
    void open() {
        backend = newBackend();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    private long[] values(int n, LongSupplier value) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = value.getAsLong();
        return out;
    }

    private long randomElement() {
        return random.nextLong(P);
    }

    /** A signed integer of magnitude at most 2^bits - 1, as a field element. */
    private long signed(int bits) {
        long v = random.nextLong((1L << bits) * 2 - 1) - ((1L << bits) - 1);
        return Math.floorMod(v, P);
    }

    private long[] onBoth(long[][] inputs, java.util.function.Function<DeviceTensor[], DeviceTensor> op, Backend on) {
        DeviceTensor[] tensors = new DeviceTensor[inputs.length];
        try {
            for (int i = 0; i < inputs.length; i++) tensors[i] = on.upload(inputs[i]);
            try (DeviceTensor out = op.apply(tensors)) {
                return on.download(out);
            }
        } finally {
            for (DeviceTensor t : tensors) if (t != null) t.close();
        }
    }

    private void assertSame(long[][] inputs, java.util.function.BiFunction<Backend, DeviceTensor[], DeviceTensor> op, String what) {
        assertArrayEquals(onBoth(inputs, t -> op.apply(reference, t), reference), onBoth(inputs, t -> op.apply(backend, t), backend), what);
    }

    @Test
    void matmulTilesWithTailsOnEveryPath() {
        int rows = 37, inner = 161, cols = 83; // no dimension a multiple of the 16 x 16 tile
        // random: 128-bit path; 29-bit signed: 2^62 / 2^58 = 16 products between reductions, a reduction every tile;
        // 8-bit signed: no reduction at all.
        LongSupplier[] kinds = {this::randomElement, () -> signed(29), () -> signed(8)};
        for (LongSupplier kind : kinds) {
            long[] a = values(rows * inner, kind);
            long[] b = values(inner * cols, kind);
            assertSame(new long[][] {a, b}, (on, t) -> on.matmul(t[0], t[1], rows, inner, cols), "matmul");
        }
        long[] a = values(5 * 2000, () -> signed(20));
        long[] b = values(2000 * 17, () -> signed(20));
        assertSame(new long[][] {a, b}, (on, t) -> on.matmul(t[0], t[1], 5, 2000, 17), "long inner dimension");
    }

    /** max |signed(x)| over the values, as the driver measures it. */
    private static long maxMagnitude(long[] values) {
        long max = 0;
        for (long v : values) max = Math.max(max, SignedPath.magnitude(v));
        return max;
    }

    /** A weight of magnitude at most maxW, both signs, with the extremes +-maxW among them. */
    private long weight(long maxW) {
        long v = random.nextInt(8) == 0 ? (random.nextBoolean() ? maxW : -maxW) : random.nextLong(2 * maxW + 1) - maxW;
        return Math.floorMod(v, P);
    }

    /** Any field element, often one near 0 or near p (small negatives) or at a limb boundary (2^31 - 1, 2^31, 2^61 - 2). */
    private long activation() {
        long[] edges = {0, 1, P - 1, P - 2, (1L << 31) - 1, 1L << 31, P - (1L << 31), P - 1 - (1L << 31), (1L << 60), P / 2, P / 2 + 1};
        return random.nextInt(4) == 0 ? edges[random.nextInt(edges.length)] : randomElement();
    }

    /**
     * {@code op} on {@code device} equals the reference, and where the device uses the limb kernels it ran on them
     * (the counter moved), with the plan LimbPlan makes of the data: {@code limbs} limbs and, where {@code blocks},
     * blocks shorter than the terms, so that the sums are recombined on the way.
     */
    private void assertLimbProduct(KernelBackend<?> device, long[] weights, long[] activations, long terms, int limbs, boolean blocks,
                                   java.util.function.BiFunction<Backend, DeviceTensor[], DeviceTensor> op, String what) {
        assertLimbProduct(device, weights, activations, terms, limbs, blocks, true, op, what);
    }

    /** As above; {@code limbKernel}: whether the driver's rules put this product on a limb kernel where it has them. */
    private void assertLimbProduct(KernelBackend<?> device, long[] weights, long[] activations, long terms, int limbs, boolean blocks,
                                   boolean limbKernel, java.util.function.BiFunction<Backend, DeviceTensor[], DeviceTensor> op,
                                   String what) {
        LimbPlan plan = LimbPlan.of(maxMagnitude(weights), maxMagnitude(activations), terms);
        assertNotNull(plan, what);
        assertEquals(limbs, plan.limbs(), what + ": " + plan);
        assertEquals(blocks, plan.block() < terms, what + ": " + plan + " over " + terms + " terms");
        long[][] inputs = {weights, activations};
        long before = device.limbProducts();
        long[] expected = onBoth(inputs, t -> op.apply(reference, t), reference);
        assertArrayEquals(expected, onBoth(inputs, t -> op.apply(device, t), device), what);
        boolean ran = limbKernel && device.limbKernelsUnavailable() == null;
        assertEquals(before + (ran ? 1 : 0), device.limbProducts(), what + (ran ? " ran on the limb kernels" : " kept the older paths"));
    }

    /**
     * The limb-method products (matmul_limb; conv2d_limb; on OpenCL conv2d_limb8 for batches and columns of 8) against the
     * reference: one limb and two, one block and many (the largest weights two limbs take, 2^16, allow blocks of 16
     * terms), negative weights and activations, activations near p and at the limbs' boundaries, tails in every
     * dimension and output channels not a multiple of the 4 a work-item computes.
     */
    @Test
    void limbProductsMatchTheReference() {
        limbProductsMatchTheReference(backend);
    }

    /** The test above on {@code device}: a backend of the same device made with other kernel choices. */
    protected void limbProductsMatchTheReference(KernelBackend<?> device) {
        int rows = 37, inner = 161, cols = 83;
        long maxTwo = LimbPlan.MAX_TWO_LIMB_WEIGHT;
        // one limb in one block; one limb in blocks of about 16 terms (2^10 * 2^37 * 16 = 2^51); two limbs with weights
        // of 4 bits (blocks of 2^16 terms) and of 2^16 (blocks of 16 terms). The last two are the worst case, every
        // weight +maxW and every activation at its largest limbs (p - 1: 2^30 - 1 and 2^31 - 2; (p - 1)/2, the largest
        // signed value, which makes it two limbs: 2^29 - 1 and 2^31 - 1): sums that
        // leave 2^53, where a double is no longer exact, unless they are recombined every block.
        Object[][] cases = {
            {255L, (LongSupplier) () -> signed(20), 1, false, false},
            {1023L, (LongSupplier) () -> signed(37), 1, true, false},
            {15L, (LongSupplier) this::activation, 2, false, false},
            {maxTwo, (LongSupplier) this::activation, 2, true, false},
            {1023L, (LongSupplier) () -> (1L << 37) - 1, 1, true, true},
            {maxTwo, (LongSupplier) () -> random.nextBoolean() ? P - 1 : P / 2, 2, true, true},
        };
        for (Object[] c : cases) {
            long maxW = (Long) c[0];
            LongSupplier x = (LongSupplier) c[1];
            int limbs = (Integer) c[2];
            boolean blocks = (Boolean) c[3];
            LongSupplier weights = (Boolean) c[4] ? () -> maxW : () -> weight(maxW);
            long[] a = values(rows * inner, weights);
            long[] b = values(inner * cols, x);
            // 83 columns: matmul_limb, except on a CPU device where the signed path applies (KernelBackend.tiledLimbProduct)
            boolean tiled = device.tiledLimbProduct(SignedPath.termsPerReduce(maxMagnitude(a), maxMagnitude(b)) / KernelBackend.TILE);
            assertLimbProduct(device, a, b, inner, limbs, blocks, tiled, (on, t) -> on.matmul(t[0], t[1], rows, inner, cols),
                    "matmul, weights up to " + maxW + ", " + limbs + " limb(s)");
            // 88 columns, a multiple of 8: on OpenCL, conv2d_limb8 as a 1 x 1 convolution
            long[] b8 = values(inner * 88, x);
            assertLimbProduct(device, a, b8, inner, limbs, blocks, (on, t) -> on.matmul(t[0], t[1], rows, inner, 88),
                    "matmul of 88 columns, weights up to " + maxW + ", " + limbs + " limb(s)");
            for (int batch : new int[] {5, 3}) { // padded batch 8 (conv2d_limb8 on OpenCL) and 4 (conv2d_limb)
                for (int outChannels : new int[] {3, 6}) {
                    ConvGeometry g = new ConvGeometry(new Layout(new Shape(6, 9, 7), batch), outChannels, 5, 1, 2);
                    long[] kernel = new long[g.output().shape().paddedChannels() * g.kernelColumns()];
                    int kp = g.paddedKernel();
                    for (int co = 0; co < outChannels; co++)
                        for (int ci = 0; ci < 6; ci++)
                            for (int kh = 0; kh < 5; kh++)
                                for (int kw = 0; kw < 5; kw++) kernel[co * g.kernelColumns() + (ci * kp + kh) * kp + kw] = weights.getAsLong();
                    long[] input = new long[g.input().size()];
                    for (int ci = 0; ci < 6; ci++)
                        for (int h = 0; h < 9; h++)
                            for (int w = 0; w < 7; w++)
                                for (int bi = 0; bi < batch; bi++) input[g.input().index(ci, h, w, bi)] = x.getAsLong();
                    assertLimbProduct(device, kernel, input, 6 * 25, limbs, blocks, (on, t) -> on.conv2d(t[0], t[1], g),
                            "conv, weights up to " + maxW + ", " + limbs + " limb(s), batch " + batch + ", " + outChannels + " channels");
                }
            }
        }
    }

    @Test
    void convSignedPathReducesOnTheWay() {
        // 2^62 / (2^29 * 2^29) = 16 products per reduction, against 6 * 25 = 150 taps per output.
        ConvGeometry g = new ConvGeometry(new Layout(new Shape(6, 9, 7), 5), 3, 5, 1, 2);
        for (int bits : new int[] {29, 8}) {
            long[] kernel = new long[g.output().shape().paddedChannels() * g.kernelColumns()];
            int kp = g.paddedKernel();
            for (int co = 0; co < 3; co++)
                for (int ci = 0; ci < 6; ci++)
                    for (int kh = 0; kh < 5; kh++)
                        for (int kw = 0; kw < 5; kw++) kernel[co * g.kernelColumns() + (ci * kp + kh) * kp + kw] = signed(bits);
            long[] input = new long[g.input().size()];
            Shape s = g.input().shape();
            for (int c = 0; c < s.channels(); c++)
                for (int h = 0; h < s.height(); h++)
                    for (int w = 0; w < s.width(); w++)
                        for (int b = 0; b < 5; b++) input[g.input().index(c, h, w, b)] = signed(bits);
            assertSame(new long[][] {kernel, input}, (on, t) -> on.conv2d(t[0], t[1], g), "conv " + bits + " bits");
        }
    }

    @Test
    void reductionsOverManyWorkGroups() {
        int half = (1 << 18) + 3;
        long[][] tables = {values(2 * half, this::randomElement), values(2 * half, this::randomElement), values(2 * half, this::randomElement)};
        DeviceTensor[] here = new DeviceTensor[3];
        DeviceTensor[] there = new DeviceTensor[3];
        try {
            for (int i = 0; i < 3; i++) {
                here[i] = backend.upload(tables[i]);
                there[i] = reference.upload(tables[i]);
            }
            int[][] patterns = {{0, 1}, {0, 1, 1}, {0, 1, 2}, {2}};
            for (int[] factors : patterns) {
                assertArrayEquals(reference.roundEvaluations(there, factors, half, factors.length),
                        backend.roundEvaluations(here, factors, half, factors.length), Arrays.toString(factors));
            }
            // More points than one launch evaluates, and more factors than the common shapes.
            assertArrayEquals(reference.roundEvaluations(there, new int[] {0, 1, 2, 0, 1}, 1000, 11),
                    backend.roundEvaluations(here, new int[] {0, 1, 2, 0, 1}, 1000, 11));
            assertArrayEquals(reference.roundEvaluations(there, new int[] {0, 1}, 1000, 9),
                    backend.roundEvaluations(here, new int[] {0, 1}, 1000, 9));
        } finally {
            for (int i = 0; i < 3; i++) {
                if (here[i] != null) here[i].close();
            }
        }
    }

    @Test
    void combinationsOfTallWideAndSquareMatrices() {
        int[][] dims = {{20_000, 5}, {5, 20_000}, {700, 300}, {4096, 17}, {16, 1024}, {2048, 256}, {3000, 8}};
        for (int[] d : dims) {
            int rows = d[0], cols = d[1];
            long[] m = values(rows * cols, this::randomElement);
            long[] er = values(rows, this::randomElement);
            long[] ec = values(cols, this::randomElement);
            assertSame(new long[][] {er, m}, (on, t) -> on.rowCombination(t[0], t[1], rows, cols), "row " + rows + "x" + cols);
            assertSame(new long[][] {m, ec}, (on, t) -> on.columnCombination(t[0], t[1], rows, cols), "column " + rows + "x" + cols);
        }
    }

    /**
     * eq^T M and M eq with both operands over F_p^2 (combined on the device), and M eq of a base matrix with F_p^2
     * weights (one pass for both parts where the vector kernel serves), against the reference's by-parts sums.
     */
    @Test
    void extensionCombinationsOfTallWideAndSquareMatrices() {
        int[][] dims = {{20_000, 5}, {5, 20_000}, {700, 300}, {16, 1024}, {2048, 256}, {3000, 8}};
        for (int[] d : dims) {
            int rows = d[0], cols = d[1];
            long[][] m = {values(rows * cols, this::randomElement), values(rows * cols, this::randomElement)};
            long[][] er = {values(rows, this::randomElement), values(rows, this::randomElement)};
            long[][] ec = {values(cols, this::randomElement), values(cols, this::randomElement)};
            try (ExtTensor mHere = backend.upload(m[0], m[1]); ExtTensor mThere = reference.upload(m[0], m[1]);
                 ExtTensor rHere = backend.upload(er[0], er[1]); ExtTensor rThere = reference.upload(er[0], er[1]);
                 ExtTensor cHere = backend.upload(ec[0], ec[1]); ExtTensor cThere = reference.upload(ec[0], ec[1]);
                 ExtTensor rowHere = backend.rowCombination(rHere, mHere, rows, cols);
                 ExtTensor rowThere = reference.rowCombination(rThere, mThere, rows, cols);
                 ExtTensor colHere = backend.columnCombination(mHere, cHere, rows, cols);
                 ExtTensor colThere = reference.columnCombination(mThere, cThere, rows, cols)) {
                assertArrayEquals(parts(reference, rowThere)[0], parts(backend, rowHere)[0], "row " + rows + "x" + cols + ", real part");
                assertArrayEquals(parts(reference, rowThere)[1], parts(backend, rowHere)[1], "row " + rows + "x" + cols + ", imaginary part");
                assertArrayEquals(parts(reference, colThere)[0], parts(backend, colHere)[0], "column " + rows + "x" + cols + ", real part");
                assertArrayEquals(parts(reference, colThere)[1], parts(backend, colHere)[1], "column " + rows + "x" + cols + ", imaginary part");
            }
            try (ExtTensor mHere = backend.upload(m[0], null); ExtTensor mThere = reference.upload(m[0], null);
                 ExtTensor cHere = backend.upload(ec[0], ec[1]); ExtTensor cThere = reference.upload(ec[0], ec[1]);
                 ExtTensor colHere = backend.columnCombination(mHere, cHere, rows, cols);
                 ExtTensor colThere = reference.columnCombination(mThere, cThere, rows, cols)) {
                assertArrayEquals(parts(reference, colThere)[0], parts(backend, colHere)[0], "base column " + rows + "x" + cols + ", real part");
                assertArrayEquals(parts(reference, colThere)[1], parts(backend, colHere)[1], "base column " + rows + "x" + cols + ", imaginary part");
            }
        }
        assertEquals(0, backend.openTensors());
    }

    @Test
    void poolWithWideWindowAndLargeBatch() {
        for (PoolGeometry g : new PoolGeometry[] {new PoolGeometry(new Layout(new Shape(3, 17, 9), 70), 8),
            new PoolGeometry(new Layout(new Shape(8, 28, 28), 256), 2)}) {
            long[] x = values(g.input().size(), this::randomElement);
            long[] eq = values(g.output().size(), this::randomElement);
            assertSame(new long[][] {x}, (on, t) -> on.sumPool(t[0], g), "pool " + g);
            assertSame(new long[][] {x}, (on, t) -> on.squareThenSumPool(t[0], g), "x^2 then pool " + g);
            try (DeviceTensor rx = reference.upload(x); DeviceTensor re = reference.upload(eq);
                 DeviceTensor dx = backend.upload(x); DeviceTensor de = backend.upload(eq)) {
                assertArrayEquals(reference.poolOffsetSums(rx, re, g), backend.poolOffsetSums(dx, de, g), "offsets " + g);
            }
        }
    }

    @Test
    void largeProductTableAndFold() {
        long[] zero = values(20, this::randomElement);
        long[] one = values(20, this::randomElement);
        try (DeviceTensor mine = backend.productTable(zero, one); DeviceTensor theirs = reference.productTable(zero, one)) {
            assertArrayEquals(reference.download(theirs), backend.download(mine));
            long r = randomElement();
            backend.fold(mine, 1 << 19, r);
            reference.fold(theirs, 1 << 19, r);
            assertArrayEquals(reference.download(theirs), backend.download(mine));
        }
    }

    /**
     * Conv patch sums over F_p^2 (one device launch) against the reference's sum of base patch sums, for an input of
     * F_p and of F_p^2 and eq weights of F_p^2 and of F_p: the demo CNN's second convolution (16 x 16 outputs of which
     * 14 x 14 real), stride and padding, and a kernel wider than the input's rows.
     */
    @Test
    void extensionConvPatchSumsMatchTheReference() {
        ConvGeometry[] geometries = {new ConvGeometry(new Layout(new Shape(8, 14, 14), 4), 16, 5, 1, 2),
            new ConvGeometry(new Layout(new Shape(3, 9, 6), 2), 2, 3, 2, 1), new ConvGeometry(new Layout(new Shape(2, 3, 5), 1), 1, 5, 1, 2)};
        for (ConvGeometry g : geometries) {
            Shape in = g.input().shape();
            long[] re = values(in.paddedSize(), this::randomElement);
            long[] im = values(in.paddedSize(), this::randomElement);
            for (int kind = 0; kind < 4; kind++) {
                boolean baseInput = kind == 1;
                boolean baseRows = kind == 2;
                boolean baseCols = kind == 3;
                Fp2[] rows = new Fp2[g.output().shape().paddedHeight()];
                Fp2[] cols = new Fp2[g.output().shape().paddedWidth()];
                for (int i = 0; i < rows.length; i++) rows[i] = new Fp2(randomElement(), baseRows ? 0 : randomElement());
                for (int i = 0; i < cols.length; i++) cols[i] = new Fp2(randomElement(), baseCols ? 0 : randomElement());
                try (ExtTensor xHere = backend.upload(re, baseInput ? null : im); ExtTensor xThere = reference.upload(re, baseInput ? null : im);
                     ExtTensor uHere = backend.convPatchSums(xHere, rows, cols, g); ExtTensor uThere = reference.convPatchSums(xThere, rows, cols, g)) {
                    long[][] expected = parts(reference, uThere);
                    long[][] actual = parts(backend, uHere);
                    assertArrayEquals(expected[0], actual[0], g + " kind " + kind + ", real part");
                    assertArrayEquals(expected[1], actual[1], g + " kind " + kind + ", imaginary part");
                }
            }
        }
        assertEquals(0, backend.openTensors());
    }

    /** Both parts of a table, or its real part alone where {@code im} is null, downloaded from {@code on}. */
    private static long[][] parts(Backend on, ExtTensor t) {
        return new long[][] {on.download(t.re()), t.isBase() ? null : on.download(t.im())};
    }

    /**
     * The F_p^2 kernels at sizes that take many work-groups and grid-stride loops, against the reference backend
     * (whose F_p^2 operations are Backend's defaults from the base kernels): an eq table of an F_p^2 point over 19
     * variables, folds of it and of a base table, and rounds over every mix of base and extension tables.
     */
    @Test
    void extensionKernelsOverManyWorkGroups() {
        int k = 19;
        Fp2[] point = new Fp2[k];
        for (int j = 0; j < k; j++) point[j] = new Fp2(randomElement(), j == 3 ? 0 : randomElement());
        long[] base = values(1 << k, this::randomElement);
        long[] baseIm = values(1 << k, this::randomElement);
        try (ExtTensor eqHere = backend.eqTable(point); ExtTensor eqThere = reference.eqTable(point);
             ExtTensor wHere = backend.upload(base, null); ExtTensor wThere = reference.upload(base, null);
             ExtTensor xHere = backend.upload(base, baseIm); ExtTensor xThere = reference.upload(base, baseIm)) {
            assertArrayEquals(parts(reference, eqThere)[0], parts(backend, eqHere)[0], "eq table, real part");
            assertArrayEquals(parts(reference, eqThere)[1], parts(backend, eqHere)[1], "eq table, imaginary part");
            ExtTensor[] here = {eqHere, wHere, xHere};
            ExtTensor[] there = {eqThere, wThere, xThere};
            int half = (1 << (k - 1)) - 3;
            for (int[] factors : new int[][] {{0, 1}, {1, 0}, {0, 1, 1}, {0, 2}, {1, 2, 2}, {0, 1, 2}, {2}, {1, 1}}) {
                assertArrayEquals(reference.roundEvaluations(there, factors, half, factors.length),
                        backend.roundEvaluations(here, factors, half, factors.length), Arrays.toString(factors));
            }
            // More points than one launch evaluates.
            assertArrayEquals(reference.roundEvaluations(there, new int[] {0, 1, 2, 1}, 1000, 9),
                    backend.roundEvaluations(here, new int[] {0, 1, 2, 1}, 1000, 9));
            Fp2 r = new Fp2(randomElement(), randomElement());
            for (int t = 0; t < 3; t++) {
                ExtTensor foldedHere = backend.fold(here[t], 1 << (k - 1), r);
                ExtTensor foldedThere = reference.fold(there[t], 1 << (k - 1), r);
                try {
                    long[][] expected = parts(reference, foldedThere);
                    long[][] actual = parts(backend, foldedHere);
                    int n = 1 << (k - 1);
                    assertArrayEquals(expected[0], Arrays.copyOf(actual[0], n), "fold of table " + t + ", real part");
                    assertArrayEquals(expected[1], Arrays.copyOf(actual[1], n), "fold of table " + t + ", imaginary part");
                } finally {
                    if (foldedHere != here[t]) foldedHere.close();
                    if (foldedThere != there[t]) foldedThere.close();
                }
            }
        }
    }

    /**
     * The x^2 sum-check's rounds (square_sums) against the reference's generic rounds over 17 variables: up to 128
     * blocks of 2^10 pairs, more than the groups a reduction launches on a device of a few compute units, so groups take
     * several blocks; small activations with zero runs and field values, pooled (zero = one = 1) and eq weights,
     * one_j = 0 (q(1) computed rather than derived), base and extension challenges. The claim passed each round is
     * the true one, so q(1) follows from it wherever it can.
     */
    @Test
    void squareRoundsOverManyBlocksMatchTheReference() {
        squareRoundsOverManyBlocksMatchTheReference(backend);
    }

    /** The test above on {@code device}: a backend of the same device made with other kernel choices. */
    protected void squareRoundsOverManyBlocksMatchTheReference(KernelBackend<?> device) {
        int k = 17;
        Fp2[] zero = new Fp2[k];
        Fp2[] one = new Fp2[k];
        for (int j = 0; j < k; j++) {
            one[j] = new Fp2(randomElement(), randomElement());
            zero[j] = Fp2.ONE.sub(one[j]);
        }
        zero[12] = one[12] = Fp2.ONE; // a pooled window offset in the high factor
        zero[4] = one[4] = Fp2.ONE; // and one in the low factor
        one[7] = Fp2.ZERO;
        long[] values = values(1 << k, () -> random.nextInt(4) == 0 ? randomElement() : (random.nextLong(1 << 20) - (1 << 19) + P) % P);
        for (int i = 0; i < values.length; i++) if ((i / 512) % 5 == 2) values[i] = 0;
        try (DeviceTensor here = device.upload(values); DeviceTensor there = reference.upload(values);
             SquareRounds rounds = device.squareRounds(zero, one, here);
             SquareRounds expected = reference.squareRounds(zero, one, there)) {
            Fp2 claim = null;
            for (int m = k - 1; m >= 0; m--) {
                Fp2[] round = expected.roundPolynomial(claim);
                if (claim == null) claim = round[0].add(round[1]);
                assertArrayEquals(round, rounds.roundPolynomial(claim), "round " + m);
                Fp2 r = m % 4 == 1 ? Fp2.of(randomElement()) : new Fp2(randomElement(), randomElement());
                expected.bind(r);
                rounds.bind(r);
                claim = Univariate.evaluate(round, r);
            }
            assertEquals(expected.finalValue(), rounds.finalValue());
        }
        assertEquals(0, device.openTensors());
    }

    /** Eq tables, folds and rounds over F_p^2 run on the device: a round returns only its coordinates. */
    @Test
    void extensionOperationsMoveOnlyWeightsAndResults() {
        Fp2[] point = {new Fp2(randomElement(), randomElement()), new Fp2(randomElement(), randomElement()), Fp2.I};
        long up = backend.bytesToDevice();
        long down = backend.bytesFromDevice();
        try (ExtTensor eq = backend.eqTable(point); ExtTensor w = backend.upload(values(8, this::randomElement), null)) {
            assertEquals(up + 2 * 3 * 16 + 64, backend.bytesToDevice(), "the weights (two sets of three) and the base table");
            ExtTensor folded = backend.fold(w, 4, point[0]);
            try (folded) {
                backend.fold(eq, 4, point[1]);
                assertEquals(down, backend.bytesFromDevice(), "folds move nothing back");
                backend.roundEvaluations(new ExtTensor[] {eq, folded}, new int[] {0, 1, 1}, 2, 3);
                assertEquals(down + 4 * 16, backend.bytesFromDevice(), "a degree-3 round: four F_p^2 elements");
                assertEquals(up + 2 * 3 * 16 + 64, backend.bytesToDevice());
            }
        }
    }

    @Test
    void countsBytesMovedEachWay() {
        long up = backend.bytesToDevice();
        long down = backend.bytesFromDevice();
        try (DeviceTensor t = backend.upload(values(1000, this::randomElement))) {
            assertEquals(up + 8000, backend.bytesToDevice());
            backend.download(t);
            backend.get(t, 999);
            assertEquals(down + 8008, backend.bytesFromDevice());
            try (DeviceTensor sq = backend.square(t)) {
                assertEquals(up + 8000, backend.bytesToDevice(), "a kernel on resident tensors moves nothing");
                assertEquals(down + 8008, backend.bytesFromDevice());
            }
            // A round message: the reduction finishes on the device and returns degree + 1 elements.
            backend.roundEvaluations(new DeviceTensor[] {t}, new int[] {0, 0}, 500, 2);
            assertEquals(down + 8008 + 24, backend.bytesFromDevice());
        }
    }

    @Test
    void tracksOwnershipAndLeaks() {
        try (KernelBackend<?> other = newBackend()) {
            DeviceTensor t = backend.upload(new long[] {1, 2, 3});
            assertEquals(1, backend.openTensors());
            assertThrows(IllegalArgumentException.class, () -> other.download(t));
            t.close();
            t.close();
            assertEquals(0, backend.openTensors());
            assertThrows(IllegalStateException.class, () -> backend.download(t));
            assertThrows(IllegalArgumentException.class, () -> backend.upload(new long[] {P}));
            try (DeviceTensor u = backend.upload(new long[] {4})) {
                assertThrows(IndexOutOfBoundsException.class, () -> backend.get(u, 1));
            }
            other.upload(new long[] {5}); // left open: other.close() reports it and frees it
        }
    }

    @Test
    void devicePeakCountsTensorsUntilReset() {
        backend.resetDevicePeak();
        long held = backend.devicePeakBytes().orElseThrow(); // scratch buffers of earlier calls
        try (DeviceTensor t = backend.upload(values(1 << 16, this::randomElement))) {
            assertEquals(held + (8L << 16), backend.devicePeakBytes().orElseThrow());
        }
        assertEquals(held + (8L << 16), backend.devicePeakBytes().orElseThrow(), "the peak outlives the tensor");
        backend.resetDevicePeak();
        assertEquals(held, backend.devicePeakBytes().orElseThrow(), "a new window starts at what is held now");
    }

    @Test
    void closedBackendRefusesNewTensors() {
        KernelBackend<?> other = newBackend();
        other.close();
        other.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.upload(new long[] {1}));
        assertTrue(e.getMessage().contains(other.name() + " backend is closed"), e.getMessage());
    }
}
