package org.safetynets.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.safetynets.field.Fp2;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.math.BigInteger;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The contract every {@link Backend} keeps, checked exactly against straightforward recomputation with
 * {@link BigInteger} arithmetic mod p written here (never against another backend, so the reference backend is
 * checked too). Sizes are awkward on purpose: 1, odd tails, non-power-of-two images, kernels that do not divide
 * the input; values include 0, 1, p-1, (p±1)/2, small signed integers (as quantised models produce) and
 * uniformly random elements.
 *
 * <p>A backend module extends this class and supplies {@link #newBackend()}; each test gets a fresh backend and
 * closes it.
 */
public abstract class BackendContractTest {
    protected static final long P = (1L << 61) - 1;
    private static final BigInteger BIG_P = BigInteger.valueOf(P);

    protected Backend backend;
    private final Random random = new Random(0x5AFE7E75L);

    protected abstract Backend newBackend();

    @BeforeEach
    void openBackend() {
        backend = newBackend();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    // ---- values ------------------------------------------------------------------------------------------

    /** Kinds of operands: each drives a different arithmetic path in an optimised backend. */
    protected enum Values {
        /** Uniform in [0, p). */
        RANDOM,
        /** 0, 1, 2, p-1, p-2, (p-1)/2, (p+1)/2, 2^32, 2^60 and random elements. */
        EDGES,
        /** The largest signed magnitudes: (p-1)/2, (p+1)/2, p-1 (= -1), p-2. */
        EXTREME,
        /** Signed integers in [-128, 127]. */
        SMALL,
        /** Signed integers of magnitude below 2^27. */
        MEDIUM,
        /** Mostly zero, the rest random. */
        SPARSE,
        /** Every entry 2^27 - 1: sums grow as fast as they can, so delayed reductions meet their bound. */
        SATURATED
    }

    private static final long[] EDGE_VALUES = {0, 1, 2, P - 1, P - 2, (P - 1) / 2, (P + 1) / 2, 1L << 32, 1L << 60};
    private static final long[] EXTREME_VALUES = {(P - 1) / 2, (P + 1) / 2, P - 1, P - 2};

    protected long value(Values kind) {
        return switch (kind) {
            case RANDOM -> randomElement();
            case EDGES -> random.nextInt(3) == 0 ? randomElement() : EDGE_VALUES[random.nextInt(EDGE_VALUES.length)];
            case EXTREME -> EXTREME_VALUES[random.nextInt(EXTREME_VALUES.length)];
            case SMALL -> signed(random.nextInt(256) - 128);
            case MEDIUM -> signed(random.nextInt(1 << 28) - (1 << 27) + 1);
            case SPARSE -> random.nextInt(4) == 0 ? randomElement() : 0;
            case SATURATED -> (1L << 27) - 1;
        };
    }

    protected long randomElement() {
        return Math.floorMod(random.nextLong(), P);
    }

    private static long signed(long v) {
        return Math.floorMod(v, P);
    }

    protected long[] values(int n, Values kind) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = value(kind);
        return out;
    }

    /** A tensor in {@code layout} with values at real positions and real batch entries, zero elsewhere. */
    protected long[] paddedTensor(Layout layout, Values kind) {
        long[] out = new long[layout.size()];
        Shape s = layout.shape();
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++)
                    for (int b = 0; b < layout.batch(); b++) out[layout.index(c, h, w, b)] = value(kind);
        return out;
    }

    // ---- BigInteger arithmetic mod p ---------------------------------------------------------------------

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }

    private static long reduce(BigInteger v) {
        return v.mod(BIG_P).longValueExact();
    }

    private static long mul(long a, long b) {
        return reduce(big(a).multiply(big(b)));
    }

    private static long add(long a, long b) {
        return reduce(big(a).add(big(b)));
    }

    private static long sub(long a, long b) {
        return reduce(big(a).subtract(big(b)));
    }

    // ---- storage -----------------------------------------------------------------------------------------

    @Test
    void uploadDownloadAndGetRoundTrip() {
        for (int n : new int[]{0, 1, 5, 64, 1000}) {
            long[] values = values(n, Values.EDGES);
            long[] copy = values.clone();
            try (DeviceTensor t = backend.upload(values)) {
                assertEquals(n, t.length());
                if (n > 0) values[0] = 7; // the backend holds its own copy
                assertArrayEquals(copy, backend.download(t), "download of " + n);
                for (int i = 0; i < n; i++) assertEquals(copy[i], backend.get(t, i), "get " + i);
                long[] downloaded = backend.download(t);
                if (n > 0) downloaded[n - 1] = 9; // and hands out copies
                assertArrayEquals(copy, backend.download(t), "second download of " + n);
            }
        }
    }

    @Test
    void nameAndDescription() {
        assertFalse(backend.name().isBlank());
        assertFalse(backend.description().isBlank());
    }

    // ---- inference ---------------------------------------------------------------------------------------

    @Test
    void matmulMatchesSchoolbookProduct() {
        int[][] dims = {{1, 1, 1}, {2, 3, 1}, {1, 5, 3}, {5, 40, 2}, {4, 9, 8}, {33, 17, 65}, {7, 300, 9}, {3, 600, 16},
                {1, 64, 130}};
        for (Values kind : Values.values()) {
            for (int[] d : dims) {
                int rows = d[0], inner = d[1], cols = d[2];
                long[] a = values(rows * inner, kind);
                long[] b = values(inner * cols, kind);
                String what = kind + " " + rows + "x" + inner + "x" + cols;
                try (DeviceTensor ta = backend.upload(a); DeviceTensor tb = backend.upload(b);
                     DeviceTensor tc = backend.matmul(ta, tb, rows, inner, cols)) {
                    assertArrayEquals(expectedMatmul(a, b, rows, inner, cols), backend.download(tc), what);
                }
            }
        }
    }

    @Test
    void matmulWithMixedMagnitudes() {
        // Small weights against extreme activations and the reverse: no shortcut may assume both are small.
        int rows = 6, inner = 600, cols = 12;
        long[][] pairs = {values(rows * inner, Values.SMALL), values(inner * cols, Values.EXTREME),
                values(rows * inner, Values.EXTREME), values(inner * cols, Values.SMALL),
                values(rows * inner, Values.MEDIUM), values(inner * cols, Values.RANDOM),
                values(rows * inner, Values.SATURATED), negated(values(inner * cols, Values.SATURATED))};
        for (int p = 0; p < pairs.length; p += 2) {
            try (DeviceTensor ta = backend.upload(pairs[p]); DeviceTensor tb = backend.upload(pairs[p + 1]);
                 DeviceTensor tc = backend.matmul(ta, tb, rows, inner, cols)) {
                assertArrayEquals(expectedMatmul(pairs[p], pairs[p + 1], rows, inner, cols), backend.download(tc), "pair " + p);
            }
        }
    }

    @Test
    void matmulSumsAtMultiplesOfTwoToThe61() {
        // Exact integer sums of -2^61, 2^61, -2^61 + 2^30, ...: where a reduction from a signed or 64-bit sum
        // meets its boundary cases (2^61 = 1 mod p).
        long t30 = 1L << 30;
        long[] a = {signed(-t30), signed(-t30)};
        long[] firstRow = {t30, -t30, t30, t30, 0, 1, -1, t30 - 1};
        long[] secondRow = {t30, -t30, t30 - 1, 0, 0, -1, -1, t30};
        int cols = firstRow.length;
        long[] b = new long[2 * cols];
        for (int j = 0; j < cols; j++) {
            b[j] = signed(firstRow[j]);
            b[cols + j] = signed(secondRow[j]);
        }
        try (DeviceTensor ta = backend.upload(a); DeviceTensor tb = backend.upload(b);
             DeviceTensor tc = backend.matmul(ta, tb, 1, 2, cols)) {
            assertArrayEquals(expectedMatmul(a, b, 1, 2, cols), backend.download(tc));
        }
    }

    private static long[] negated(long[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i] == 0 ? 0 : P - values[i];
        return out;
    }

    private static long[] expectedMatmul(long[] a, long[] b, int rows, int inner, int cols) {
        long[] c = new long[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                BigInteger sum = BigInteger.ZERO;
                for (int k = 0; k < inner; k++) sum = sum.add(big(a[i * inner + k]).multiply(big(b[k * cols + j])));
                c[i * cols + j] = reduce(sum);
            }
        return c;
    }

    @Test
    void conv2dMatchesDefinitionOnAwkwardGeometries() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(2, 7, 5)};
        for (Shape shape : shapes)
            for (int kernel = 1; kernel <= 5; kernel++)
                for (int padding = 0; padding < kernel; padding++)
                    for (int stride = 1; stride <= 2; stride++)
                        for (int batch : new int[]{1, 3}) {
                            Values kind = (kernel + padding + batch) % 2 == 0 ? Values.RANDOM : Values.SMALL;
                            checkConv(new ConvGeometry(new Layout(shape, batch), 3, kernel, stride, padding), kind);
                        }
    }

    @Test
    void conv2dOnLargerBatchesAndEveryValueKind() {
        for (Values kind : Values.values()) {
            checkConv(new ConvGeometry(new Layout(new Shape(3, 5, 7), 64), 3, 3, 1, 1), kind);
            checkConv(new ConvGeometry(new Layout(new Shape(2, 5, 7), 64), 5, 5, 2, 2), kind);
            checkConv(new ConvGeometry(new Layout(new Shape(4, 6, 6), 3), 2, 2, 2, 0), kind);
        }
        // Enough input channels that a medium-magnitude signed accumulator must be reduced on the way.
        checkConv(new ConvGeometry(new Layout(new Shape(40, 5, 5), 2), 2, 5, 1, 2), Values.MEDIUM);
        checkConv(new ConvGeometry(new Layout(new Shape(40, 5, 5), 2), 2, 5, 1, 2), Values.SATURATED);
    }

    private void checkConv(ConvGeometry g, Values kind) {
        long[] kernel = convKernel(g, kind);
        long[] input = paddedTensor(g.input(), kind);
        String what = kind + " " + g;
        try (DeviceTensor tk = backend.upload(kernel); DeviceTensor tx = backend.upload(input);
             DeviceTensor ty = backend.conv2d(tk, tx, g)) {
            assertArrayEquals(expectedConv(kernel, input, g), backend.download(ty), what);
        }
    }

    /** The padded Cop x (Cip*kp*kp) kernel matrix, nonzero only at real (co, ci, kh, kw). */
    private long[] convKernel(ConvGeometry g, Values kind) {
        Shape in = g.input().shape();
        int kp = g.paddedKernel();
        int copRows = g.output().shape().paddedChannels();
        long[] kernel = new long[copRows * g.kernelColumns()];
        for (int co = 0; co < g.outChannels(); co++)
            for (int ci = 0; ci < in.channels(); ci++)
                for (int kh = 0; kh < g.kernel(); kh++)
                    for (int kw = 0; kw < g.kernel(); kw++) kernel[co * g.kernelColumns() + (ci * kp + kh) * kp + kw] = value(kind);
        return kernel;
    }

    private static long[] expectedConv(long[] kernel, long[] input, ConvGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        Shape s = in.shape();
        int kp = g.paddedKernel();
        long[] y = new long[out.size()];
        for (int co = 0; co < g.outChannels(); co++)
            for (int oh = 0; oh < g.outputHeight(); oh++)
                for (int ow = 0; ow < g.outputWidth(); ow++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        BigInteger sum = BigInteger.ZERO;
                        for (int ci = 0; ci < s.channels(); ci++)
                            for (int kh = 0; kh < g.kernel(); kh++)
                                for (int kw = 0; kw < g.kernel(); kw++) {
                                    int ih = oh * g.stride() + kh - g.padding();
                                    int iw = ow * g.stride() + kw - g.padding();
                                    if (ih < 0 || ih >= s.height() || iw < 0 || iw >= s.width()) continue;
                                    long weight = kernel[co * g.kernelColumns() + (ci * kp + kh) * kp + kw];
                                    sum = sum.add(big(weight).multiply(big(input[in.index(ci, ih, iw, b)])));
                                }
                        y[out.index(co, oh, ow, b)] = reduce(sum);
                    }
        return y;
    }

    @Test
    void addBiasTouchesOnlyRealPositions() {
        for (int batch : new int[]{1, 3, 64}) {
            Layout layout = new Layout(new Shape(3, 5, 7), batch);
            long[] y = paddedTensor(layout, Values.EDGES);
            long[] bias = values(layout.shape().paddedChannels(), Values.EDGES);
            long[] expected = y.clone();
            Shape s = layout.shape();
            for (int c = 0; c < s.channels(); c++)
                for (int h = 0; h < s.height(); h++)
                    for (int w = 0; w < s.width(); w++)
                        for (int b = 0; b < batch; b++) {
                            int i = layout.index(c, h, w, b);
                            expected[i] = add(expected[i], bias[c]);
                        }
            try (DeviceTensor t = backend.upload(y)) {
                backend.addBias(t, bias, layout);
                assertArrayEquals(expected, backend.download(t), "batch " + batch);
            }
        }
    }

    @Test
    void squareIsElementwise() {
        for (int n : new int[]{1, 7, 40_000}) {
            for (Values kind : new Values[]{Values.EDGES, Values.RANDOM}) {
                long[] x = values(n, kind);
                long[] expected = new long[n];
                for (int i = 0; i < n; i++) expected[i] = mul(x[i], x[i]);
                try (DeviceTensor t = backend.upload(x); DeviceTensor sq = backend.square(t)) {
                    assertArrayEquals(expected, backend.download(sq), kind + " " + n);
                }
            }
        }
    }

    @Test
    void sumPoolAddsWindowsIncludingPartialOnes() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(1, 4, 4), new Shape(2, 9, 6)};
        for (Shape shape : shapes)
            for (int window : new int[]{2, 4})
                for (int batch : new int[]{1, 3, 64}) {
                    PoolGeometry g = new PoolGeometry(new Layout(shape, batch), window);
                    long[] x = paddedTensor(g.input(), Values.EDGES);
                    try (DeviceTensor t = backend.upload(x); DeviceTensor y = backend.sumPool(t, g)) {
                        assertArrayEquals(expectedPool(x, g), backend.download(y), shape + " window " + window + " batch " + batch);
                    }
                }
    }

    @Test
    void squareThenSumPoolPoolsTheSquares() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(1, 4, 4), new Shape(2, 9, 6)};
        for (Shape shape : shapes)
            for (int window : new int[]{2, 4})
                for (int batch : new int[]{1, 3, 64})
                    for (Values kind : new Values[]{Values.EDGES, Values.SMALL}) {
                        PoolGeometry g = new PoolGeometry(new Layout(shape, batch), window);
                        long[] x = paddedTensor(g.input(), kind);
                        long[] squares = new long[x.length];
                        for (int i = 0; i < x.length; i++) squares[i] = mul(x[i], x[i]);
                        try (DeviceTensor t = backend.upload(x); DeviceTensor y = backend.squareThenSumPool(t, g)) {
                            assertArrayEquals(expectedPool(squares, g), backend.download(y),
                                    shape + " window " + window + " batch " + batch + " " + kind);
                        }
                    }
    }

    /**
     * Squares at the edge of a backend's exact 64-bit path (the CPU backend squares signed values in [-2^31, 2^31)
     * as integers): rows made only of values at that edge, and rows where one value is just past it.
     */
    @Test
    void squareThenSumPoolAtTheIntegerSquareEdge() {
        long edge = 1L << 31;
        long[] inside = {-edge, edge - 1, -(edge - 1), -1, 0, 1};
        long[] past = {edge, -edge - 1, 1L << 40, -(1L << 40)};
        PoolGeometry g = new PoolGeometry(new Layout(new Shape(2, 6, 6), 64), 2);
        for (boolean mixed : new boolean[]{false, true}) {
            Layout in = g.input();
            long[] x = new long[in.size()]; // padding stays zero
            for (int c = 0; c < 2; c++)
                for (int h = 0; h < 6; h++)
                    for (int w = 0; w < 6; w++)
                        for (int b = 0; b < 64; b++) {
                            boolean far = mixed && random.nextInt(200) == 0; // about one row in three holds one
                            x[in.index(c, h, w, b)] = signed(far ? past[random.nextInt(past.length)] : inside[random.nextInt(inside.length)]);
                        }
            long[] squares = new long[x.length];
            for (int i = 0; i < x.length; i++) squares[i] = mul(x[i], x[i]);
            try (DeviceTensor t = backend.upload(x); DeviceTensor y = backend.squareThenSumPool(t, g)) {
                assertArrayEquals(expectedPool(squares, g), backend.download(y), mixed ? "rows with a value past 2^31" : "values within 2^31");
            }
        }
    }

    /**
     * A compacted tensor reads back as the same field elements, through download, get and a kernel, and can still be
     * folded in place, for bounds at and around every narrow width (values at the bound itself and its negation).
     */
    @Test
    void compactKeepsEveryValue() {
        long[] bounds = {0, 1, 55, 127, 128, 32_767, 32_768, (1L << 31) - 1, 1L << 31, 1L << 40, (P - 1) / 2};
        for (long bound : bounds)
            for (int n : new int[]{1, 7, 40_000}) {
                long[] x = new long[n];
                for (int i = 0; i < n; i++) {
                    long v = switch (i % 4) {
                        case 0 -> bound;
                        case 1 -> -bound;
                        case 2 -> 0;
                        default -> bound == 0 ? 0 : Math.floorMod(random.nextLong(), 2 * bound + 1) - bound;
                    };
                    x[i] = signed(v);
                }
                String what = "bound " + bound + ", " + n + " values";
                try (DeviceTensor t = backend.compact(backend.upload(x), bound)) {
                    assertEquals(n, t.length(), what);
                    assertEquals(x[n - 1], backend.get(t, n - 1), what);
                    assertArrayEquals(x, backend.download(t), what);
                }
                try (DeviceTensor t = backend.compact(backend.upload(x), bound); DeviceTensor sq = backend.square(t)) {
                    long[] expected = new long[n];
                    for (int i = 0; i < n; i++) expected[i] = mul(x[i], x[i]);
                    assertArrayEquals(expected, backend.download(sq), what + ", squared");
                }
                if (n % 2 == 0) {
                    long r = randomElement();
                    try (DeviceTensor t = backend.compact(backend.upload(x), bound)) {
                        backend.fold(t, n / 2, r);
                        long[] folded = backend.download(t);
                        for (int i = 0; i < n / 2; i++) {
                            assertEquals(add(x[i], mul(r, sub(x[i + n / 2], x[i]))), folded[i], what + ", folded at " + i);
                        }
                    }
                }
            }
    }

    private static long[] expectedPool(long[] x, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        Shape s = in.shape();
        int w = g.window();
        long[] y = new long[out.size()];
        for (int c = 0; c < s.channels(); c++)
            for (int oh = 0; oh < out.shape().height(); oh++)
                for (int ow = 0; ow < out.shape().width(); ow++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        BigInteger sum = BigInteger.ZERO;
                        for (int dh = 0; dh < w; dh++)
                            for (int dw = 0; dw < w; dw++) {
                                int h = oh * w + dh;
                                int col = ow * w + dw;
                                if (h < s.height() && col < s.width()) sum = sum.add(big(x[in.index(c, h, col, b)]));
                            }
                        y[out.index(c, oh, ow, b)] = reduce(sum);
                    }
        return y;
    }

    // ---- proving -----------------------------------------------------------------------------------------

    @Test
    void eqTableIsTheProductFormula() {
        for (int k : new int[]{0, 1, 2, 3, 5, 15}) {
            long[] point = values(k, Values.EDGES);
            long[] expected = new long[1 << k];
            for (int x = 0; x < expected.length; x++) {
                BigInteger product = BigInteger.ONE;
                for (int j = 0; j < k; j++) {
                    long factor = ((x >>> j) & 1) == 1 ? point[j] : sub(1, point[j]);
                    product = product.multiply(big(factor)).mod(BIG_P);
                }
                expected[x] = reduce(product);
            }
            try (DeviceTensor t = backend.eqTable(point)) {
                assertArrayEquals(expected, backend.download(t), "k = " + k);
            }
        }
    }

    @Test
    void rowAndColumnCombinations() {
        int[][] dims = {{1, 1}, {1, 5}, {5, 1}, {33, 17}, {2, 9000}, {3000, 3}, {300, 70}};
        for (Values kind : new Values[]{Values.RANDOM, Values.EDGES, Values.SMALL}) {
            for (int[] d : dims) {
                int rows = d[0], cols = d[1];
                long[] m = values(rows * cols, kind);
                long[] rowWeights = values(rows, Values.RANDOM);
                long[] colWeights = values(cols, Values.RANDOM);
                long[] expectedRow = new long[cols];
                for (int j = 0; j < cols; j++) {
                    BigInteger sum = BigInteger.ZERO;
                    for (int i = 0; i < rows; i++) sum = sum.add(big(rowWeights[i]).multiply(big(m[i * cols + j])));
                    expectedRow[j] = reduce(sum);
                }
                long[] expectedCol = new long[rows];
                for (int i = 0; i < rows; i++) {
                    BigInteger sum = BigInteger.ZERO;
                    for (int j = 0; j < cols; j++) sum = sum.add(big(m[i * cols + j]).multiply(big(colWeights[j])));
                    expectedCol[i] = reduce(sum);
                }
                String what = kind + " " + rows + "x" + cols;
                try (DeviceTensor tm = backend.upload(m); DeviceTensor er = backend.upload(rowWeights);
                     DeviceTensor ec = backend.upload(colWeights);
                     DeviceTensor row = backend.rowCombination(er, tm, rows, cols);
                     DeviceTensor col = backend.columnCombination(tm, ec, rows, cols)) {
                    assertArrayEquals(expectedRow, backend.download(row), "row combination " + what);
                    assertArrayEquals(expectedCol, backend.download(col), "column combination " + what);
                }
            }
        }
    }

    @Test
    void roundEvaluationsForEveryFactorPattern() {
        int[][] patterns = {{0}, {0, 1}, {0, 1, 1}, {0, 1, 2}, {1, 1}, {1, 0, 1}, {2, 2, 2}, {0, 1, 2, 0}, {}};
        for (int half : new int[]{1, 3, 64, 3000}) {
            long[][] tables = new long[3][];
            for (int f = 0; f < 3; f++) tables[f] = values(2 * half + 5, f == 2 ? Values.EDGES : Values.RANDOM);
            DeviceTensor[] onDevice = new DeviceTensor[3];
            try {
                for (int f = 0; f < 3; f++) onDevice[f] = backend.upload(tables[f]);
                for (int[] factors : patterns)
                    for (int degree = 0; degree <= 3; degree++) {
                        long[] expected = expectedRound(tables, factors, half, degree);
                        long[] actual = backend.roundEvaluations(onDevice, factors, half, degree);
                        assertArrayEquals(expected, actual, "half " + half + " factors " + java.util.Arrays.toString(factors) + " degree " + degree);
                    }
            } finally {
                for (DeviceTensor t : onDevice) if (t != null) t.close();
            }
        }
    }

    private static long[] expectedRound(long[][] tables, int[] factors, int half, int degree) {
        long[] out = new long[degree + 1];
        for (int t = 0; t <= degree; t++) {
            BigInteger sum = BigInteger.ZERO;
            for (int i = 0; i < half; i++) {
                BigInteger product = BigInteger.ONE;
                for (int f : factors) {
                    BigInteger low = big(tables[f][i]);
                    BigInteger at = low.add(BigInteger.valueOf(t).multiply(big(tables[f][i + half]).subtract(low)));
                    product = product.multiply(at).mod(BIG_P);
                }
                sum = sum.add(product);
            }
            out[t] = reduce(sum);
        }
        return out;
    }

    @Test
    void foldBindsTheHighestVariable() {
        // 2^14: a size that SIMD kernels take in whole vectors.
        for (Values kind : Values.values()) for (int half : new int[]{1, 3, 20_000, 1 << 14}) {
            for (long r : new long[]{0, 1, P - 1, randomElement()}) {
                long[] table = values(2 * half + 3, kind);
                long[] expected = table.clone();
                for (int i = 0; i < half; i++) expected[i] = add(table[i], mul(r, sub(table[i + half], table[i])));
                try (DeviceTensor t = backend.upload(table)) {
                    backend.fold(t, half, r);
                    assertArrayEquals(expected, backend.download(t), kind + " half " + half + " r " + r);
                }
            }
        }
    }

    @Test
    void poolOffsetSumsSplitTheWindowOffsets() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(1, 4, 4), new Shape(2, 9, 6)};
        for (Shape shape : shapes)
            for (int window : new int[]{2, 4})
                for (int batch : new int[]{1, 3, 64}) {
                    PoolGeometry g = new PoolGeometry(new Layout(shape, batch), window);
                    long[] x = paddedTensor(g.input(), Values.EDGES);
                    long[] eqOut = values(g.output().size(), Values.RANDOM);
                    long[] expected = expectedPoolOffsets(x, eqOut, g);
                    try (DeviceTensor tx = backend.upload(x); DeviceTensor te = backend.upload(eqOut)) {
                        assertArrayEquals(expected, backend.poolOffsetSums(tx, te, g), shape + " window " + window + " batch " + batch);
                    }
                }
    }

    private static long[] expectedPoolOffsets(long[] x, long[] eqOut, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        Shape s = in.shape();
        int w = g.window();
        BigInteger[] sums = new BigInteger[w * w];
        java.util.Arrays.fill(sums, BigInteger.ZERO);
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int col = 0; col < s.width(); col++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        int offset = (h % w) * w + col % w;
                        BigInteger term = big(eqOut[out.index(c, h / w, col / w, b)]).multiply(big(x[in.index(c, h, col, b)]));
                        sums[offset] = sums[offset].add(term);
                    }
        long[] result = new long[w * w];
        for (int i = 0; i < result.length; i++) result[i] = reduce(sums[i]);
        return result;
    }

    @Test
    void convPatchSumsMatchDefinition() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(2, 7, 5), new Shape(1, 1, 1)};
        for (Shape shape : shapes)
            for (int kernel = 1; kernel <= 5; kernel++)
                for (int padding = 0; padding < kernel; padding++)
                    for (int stride = 1; stride <= 2; stride++) {
                        if (shape.height() + 2 * padding < kernel || shape.width() + 2 * padding < kernel) continue;
                        ConvGeometry g = new ConvGeometry(new Layout(shape, 3), 2, kernel, stride, padding);
                        checkPatchSums(g);
                    }
    }

    private void checkPatchSums(ConvGeometry g) {
        Shape s = g.input().shape();
        long[] x = new long[s.paddedSize()];
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++) x[s.paddedIndex(c, h, w)] = value(Values.EDGES);
        Shape outShape = g.output().shape();
        long[] eqRows = values(outShape.paddedHeight(), Values.RANDOM);
        long[] eqCols = values(outShape.paddedWidth(), Values.RANDOM);
        int kp = g.paddedKernel();
        long[] expected = new long[g.kernelColumns()];
        for (int ci = 0; ci < s.channels(); ci++)
            for (int kh = 0; kh < g.kernel(); kh++)
                for (int kw = 0; kw < g.kernel(); kw++) {
                    BigInteger sum = BigInteger.ZERO;
                    for (int oh = 0; oh < g.outputHeight(); oh++)
                        for (int ow = 0; ow < g.outputWidth(); ow++) {
                            int ih = oh * g.stride() + kh - g.padding();
                            int iw = ow * g.stride() + kw - g.padding();
                            if (ih < 0 || ih >= s.height() || iw < 0 || iw >= s.width()) continue;
                            sum = sum.add(big(eqRows[oh]).multiply(big(eqCols[ow])).multiply(big(x[s.paddedIndex(ci, ih, iw)])));
                        }
                    expected[(ci * kp + kh) * kp + kw] = reduce(sum);
                }
        try (DeviceTensor tx = backend.upload(x); DeviceTensor u = backend.convPatchSums(tx, eqRows, eqCols, g)) {
            assertArrayEquals(expected, backend.download(u), g.toString());
        }
    }

    @Test
    void productTableIsTheProductFormula() {
        for (int k : new int[] {0, 1, 2, 3, 6, 15}) {
            long[] zero = values(k, Values.EDGES);
            long[] one = values(k, Values.RANDOM);
            // Mix in the special shapes the fast paths look for: eq weights (zero + one = 1) and free variables (1, 1).
            for (int j = 0; j < k; j++) {
                if (j % 3 == 1) zero[j] = sub(1, one[j]);
                if (j % 3 == 2) {
                    zero[j] = 1;
                    one[j] = 1;
                }
            }
            long[] expected = new long[1 << k];
            for (int x = 0; x < expected.length; x++) {
                BigInteger product = BigInteger.ONE;
                for (int j = 0; j < k; j++) product = product.multiply(big(((x >>> j) & 1) == 1 ? one[j] : zero[j])).mod(BIG_P);
                expected[x] = reduce(product);
            }
            try (DeviceTensor t = backend.productTable(zero, one)) {
                assertArrayEquals(expected, backend.download(t), "k = " + k);
            }
        }
    }

    // ---- F_p^2: tables a challenge touched ---------------------------------------------------------------
    // The reference is the textbook loop in Fp2 arithmetic (itself checked against BigInteger in Fp2Test); values
    // include 0, 1, p-1, i, -i and 1 + i, base elements inside extension tables, and base tables beside extension ones.

    private static final Fp2[] EDGE_EXTENSION_VALUES = {Fp2.ZERO, Fp2.ONE, Fp2.of(P - 1), Fp2.I, Fp2.I.neg(), new Fp2(1, 1),
        new Fp2(P - 1, P - 1), new Fp2(0, P - 1), new Fp2((P - 1) / 2, (P + 1) / 2)};

    private Fp2 extensionValue(boolean edges) {
        if (edges && random.nextInt(3) != 0) return EDGE_EXTENSION_VALUES[random.nextInt(EDGE_EXTENSION_VALUES.length)];
        return new Fp2(randomElement(), randomElement());
    }

    private Fp2[] extensionValues(int n, boolean edges) {
        Fp2[] out = new Fp2[n];
        for (int i = 0; i < n; i++) out[i] = extensionValue(edges);
        return out;
    }

    /** A table on the backend: with both parts, or (base) its real parts only; the values' imaginary parts are then 0. */
    private ExtTensor uploadExtension(Fp2[] values, boolean base) {
        return backend.upload(Fp2.reals(values), base ? null : Fp2.imaginaries(values));
    }

    private Fp2[] downloadExtension(ExtTensor t, int n) {
        long[] re = backend.download(t.re());
        long[] im = t.isBase() ? new long[re.length] : backend.download(t.im());
        Fp2[] out = new Fp2[n];
        for (int i = 0; i < n; i++) out[i] = new Fp2(re[i], im[i]);
        return out;
    }

    private static Fp2[] baseValues(long[] values) {
        Fp2[] out = new Fp2[values.length];
        for (int i = 0; i < values.length; i++) out[i] = Fp2.of(values[i]);
        return out;
    }

    @Test
    void extensionProductAndEqTablesAreTheProductFormula() {
        for (int k : new int[] {0, 1, 2, 3, 6, 15}) {
            for (int shape = 0; shape < 3; shape++) {
                Fp2[] zero = shape == 2 ? baseValues(values(k, Values.EDGES)) : extensionValues(k, true);
                Fp2[] one = shape == 2 ? baseValues(values(k, Values.RANDOM)) : extensionValues(k, shape == 0);
                for (int j = 0; j < k; j++) { // eq weights (zero = 1 - one) and free variables (1, 1), as the prover uses
                    if (j % 3 == 1) zero[j] = Fp2.ONE.sub(one[j]);
                    if (j % 3 == 2 && shape == 1) {
                        zero[j] = Fp2.ONE;
                        one[j] = Fp2.ONE;
                    }
                }
                Fp2[] expected = new Fp2[1 << k];
                for (int x = 0; x < expected.length; x++) {
                    Fp2 product = Fp2.ONE;
                    for (int j = 0; j < k; j++) product = product.mul(((x >>> j) & 1) == 1 ? one[j] : zero[j]);
                    expected[x] = product;
                }
                String what = "k = " + k + " shape " + shape;
                try (ExtTensor t = backend.productTable(zero, one)) {
                    assertEquals(1 << k, t.length(), what);
                    assertArrayEquals(expected, downloadExtension(t, 1 << k), what);
                }
                Fp2[] eq = new Fp2[1 << k];
                for (int x = 0; x < eq.length; x++) {
                    Fp2 product = Fp2.ONE;
                    for (int j = 0; j < k; j++) product = product.mul(((x >>> j) & 1) == 1 ? one[j] : Fp2.ONE.sub(one[j]));
                    eq[x] = product;
                }
                try (ExtTensor t = backend.eqTable(one)) {
                    assertArrayEquals(eq, downloadExtension(t, 1 << k), "eq " + what);
                }
            }
        }
    }

    @Test
    void extensionConvPatchSumsMatchDefinition() {
        Shape[] shapes = {new Shape(3, 5, 7), new Shape(2, 7, 5), new Shape(1, 1, 1)};
        for (Shape shape : shapes)
            for (int kernel = 1; kernel <= 5; kernel += 2)
                for (int padding = 0; padding < kernel; padding += 2)
                    for (int stride = 1; stride <= 2; stride++) {
                        if (shape.height() + 2 * padding < kernel || shape.width() + 2 * padding < kernel) continue;
                        ConvGeometry g = new ConvGeometry(new Layout(shape, 3), 2, kernel, stride, padding);
                        for (int parts = 0; parts < 3; parts++) checkExtensionPatchSums(g, parts);
                    }
    }

    /** parts: 0 all in F_p^2, 1 a base input with F_p^2 weights, 2 an F_p^2 input with base weights. */
    private void checkExtensionPatchSums(ConvGeometry g, int parts) {
        Shape s = g.input().shape();
        Fp2[] x = new Fp2[s.paddedSize()];
        java.util.Arrays.fill(x, Fp2.ZERO);
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++) x[s.paddedIndex(c, h, w)] = parts == 1 ? Fp2.of(value(Values.EDGES)) : extensionValue(true);
        Shape outShape = g.output().shape();
        Fp2[] eqRows = parts == 2 ? baseValues(values(outShape.paddedHeight(), Values.RANDOM)) : extensionValues(outShape.paddedHeight(), true);
        Fp2[] eqCols = extensionValues(outShape.paddedWidth(), parts == 0);
        if (parts == 2) eqCols = baseValues(Fp2.reals(eqCols));
        int kp = g.paddedKernel();
        Fp2[] expected = new Fp2[g.kernelColumns()];
        java.util.Arrays.fill(expected, Fp2.ZERO);
        for (int ci = 0; ci < s.channels(); ci++)
            for (int kh = 0; kh < g.kernel(); kh++)
                for (int kw = 0; kw < g.kernel(); kw++) {
                    Fp2 sum = Fp2.ZERO;
                    for (int oh = 0; oh < g.outputHeight(); oh++)
                        for (int ow = 0; ow < g.outputWidth(); ow++) {
                            int ih = oh * g.stride() + kh - g.padding();
                            int iw = ow * g.stride() + kw - g.padding();
                            if (ih < 0 || ih >= s.height() || iw < 0 || iw >= s.width()) continue;
                            sum = sum.add(eqRows[oh].mul(eqCols[ow]).mul(x[s.paddedIndex(ci, ih, iw)]));
                        }
                    expected[(ci * kp + kh) * kp + kw] = sum;
                }
        String what = g + " parts " + parts;
        try (ExtTensor tx = uploadExtension(x, parts == 1); ExtTensor u = backend.convPatchSums(tx, eqRows, eqCols, g)) {
            assertArrayEquals(expected, downloadExtension(u, g.kernelColumns()), what);
        }
    }

    @Test
    void extensionRowAndColumnCombinationsMatchDefinition() {
        int[][] shapes = {{1, 1}, {3, 5}, {9, 4}, {64, 7}, {33, 256}};
        for (int[] shape : shapes)
            for (int parts = 0; parts < 4; parts++) {
                int rows = shape[0];
                int cols = shape[1];
                boolean baseMatrix = (parts & 1) == 1;
                boolean baseWeights = (parts & 2) == 2;
                Fp2[] m = baseMatrix ? baseValues(values(rows * cols, Values.EDGES)) : extensionValues(rows * cols, true);
                Fp2[] rowWeights = baseWeights ? baseValues(values(rows, Values.RANDOM)) : extensionValues(rows, true);
                Fp2[] colWeights = baseWeights ? baseValues(values(cols, Values.RANDOM)) : extensionValues(cols, true);
                Fp2[] expectedRow = new Fp2[cols];
                Fp2[] expectedCol = new Fp2[rows];
                java.util.Arrays.fill(expectedRow, Fp2.ZERO);
                java.util.Arrays.fill(expectedCol, Fp2.ZERO);
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++) {
                        expectedRow[c] = expectedRow[c].add(rowWeights[r].mul(m[r * cols + c]));
                        expectedCol[r] = expectedCol[r].add(m[r * cols + c].mul(colWeights[c]));
                    }
                String what = rows + "x" + cols + (baseMatrix ? " base matrix" : "") + (baseWeights ? " base weights" : "");
                try (ExtTensor tm = uploadExtension(m, baseMatrix);
                     ExtTensor er = uploadExtension(rowWeights, baseWeights);
                     ExtTensor ec = uploadExtension(colWeights, baseWeights);
                     ExtTensor row = backend.rowCombination(er, tm, rows, cols);
                     ExtTensor col = backend.columnCombination(tm, ec, rows, cols)) {
                    assertArrayEquals(expectedRow, downloadExtension(row, cols), "eq^T M " + what);
                    assertArrayEquals(expectedCol, downloadExtension(col, rows), "M eq " + what);
                }
            }
    }

    @Test
    void extensionFoldBindsTheHighestVariable() {
        for (int half : new int[] {1, 3, 20_000, 1 << 14}) {
            for (boolean base : new boolean[] {false, true}) {
                for (Fp2 r : new Fp2[] {Fp2.ZERO, Fp2.ONE, Fp2.of(P - 1), Fp2.I, Fp2.I.neg(), Fp2.of(randomElement()),
                    new Fp2(randomElement(), randomElement())}) {
                    Fp2[] table = base ? baseValues(values(2 * half + 3, Values.EDGES)) : extensionValues(2 * half + 3, true);
                    Fp2[] expected = new Fp2[half];
                    for (int i = 0; i < half; i++) expected[i] = table[i].add(r.mul(table[i + half].sub(table[i])));
                    String what = (base ? "base" : "extension") + " half " + half + " r " + r;
                    ExtTensor t = uploadExtension(table, base);
                    ExtTensor folded = null;
                    try {
                        folded = backend.fold(t, half, r);
                        assertArrayEquals(expected, downloadExtension(folded, half), what);
                        if (folded != t) {
                            assertArrayEquals(table, downloadExtension(t, table.length), what + ": a new table leaves the argument alone");
                        } else {
                            assertArrayEquals(java.util.Arrays.copyOfRange(table, half, table.length),
                                    java.util.Arrays.copyOfRange(downloadExtension(t, table.length), half, table.length),
                                    what + ": in place, the upper half is left alone");
                        }
                    } finally {
                        if (folded != null && folded != t) folded.close();
                        t.close();
                    }
                }
            }
        }
    }

    @Test
    void extensionRoundEvaluationsForEveryFactorPattern() {
        // Tables 0 and 2 have imaginary parts, 1 and 3 are base; every mix of them, repeated factors, the empty product.
        int[][] patterns = {{0}, {1}, {0, 1}, {1, 0}, {0, 2}, {0, 1, 1}, {1, 1, 0}, {1, 3}, {0, 2, 2}, {2, 2, 2},
            {0, 1, 2, 3}, {3, 2, 1, 0, 3}, {}};
        for (int half : new int[] {1, 3, 64, 3000}) {
            Fp2[][] tables = new Fp2[4][];
            ExtTensor[] onBackend = new ExtTensor[4];
            try {
                for (int f = 0; f < 4; f++) {
                    boolean base = f % 2 == 1;
                    tables[f] = base ? baseValues(values(2 * half + 5, f == 3 ? Values.EDGES : Values.RANDOM))
                            : extensionValues(2 * half + 5, f == 2);
                    onBackend[f] = uploadExtension(tables[f], base);
                }
                for (int[] factors : patterns) {
                    for (int degree : new int[] {0, 1, 2, 3, 5}) {
                        Fp2[] expected = new Fp2[degree + 1];
                        for (int t = 0; t <= degree; t++) {
                            Fp2 sum = Fp2.ZERO;
                            Fp2 at = Fp2.of(t);
                            for (int i = 0; i < half; i++) {
                                Fp2 product = Fp2.ONE;
                                for (int f : factors) product = product.mul(tables[f][i].add(at.mul(tables[f][i + half].sub(tables[f][i]))));
                                sum = sum.add(product);
                            }
                            expected[t] = sum;
                        }
                        assertArrayEquals(expected, backend.roundEvaluations(onBackend, factors, half, degree),
                                "half " + half + " factors " + java.util.Arrays.toString(factors) + " degree " + degree);
                    }
                }
            } finally {
                for (ExtTensor t : onBackend) if (t != null) t.close();
            }
        }
    }

    /**
     * The x^2 sum-check's rounds (fused or generic) against the plain degree-3 round of E * A * A over a weight
     * table, round by round: eq weights, pooled offsets (zero = one = 1), one_j = 0 (q(1) not derivable from the
     * claim), base and extension challenges; small activations, zero runs and field values.
     */
    @Test
    void squareRoundsMatchThePlainRound() {
        for (int k : new int[] {1, 2, 3, 6, 12}) {
            for (Values kind : Values.values()) {
                for (int weights = 0; weights < 3; weights++) {
                    Fp2[] zero = new Fp2[k];
                    Fp2[] one = new Fp2[k];
                    for (int j = 0; j < k; j++) {
                        one[j] = extensionValue(false);
                        zero[j] = Fp2.ONE.sub(one[j]);
                        if (weights == 1 && j % 3 == 1) {
                            zero[j] = Fp2.ONE;
                            one[j] = Fp2.ONE;
                        }
                        if (weights == 2 && j % 2 == 0) one[j] = Fp2.ZERO;
                    }
                    long[] values = values(1 << k, kind);
                    for (int i = 0; i < values.length; i++) if ((i / 16) % 4 == 3) values[i] = 0; // zero runs
                    checkSquareRounds(zero, one, values, "k " + k + " " + kind + " weights " + weights);
                }
            }
        }
    }

    private void checkSquareRounds(Fp2[] zero, Fp2[] one, long[] values, String what) {
        int k = zero.length;
        Fp2[] e = new Fp2[1 << k];
        for (int x = 0; x < e.length; x++) {
            Fp2 product = Fp2.ONE;
            for (int j = 0; j < k; j++) product = product.mul(((x >>> j) & 1) == 1 ? one[j] : zero[j]);
            e[x] = product;
        }
        Fp2[] a = baseValues(values);
        try (DeviceTensor tensor = backend.upload(values); SquareRounds rounds = backend.squareRounds(zero, one, tensor)) {
            for (int m = k - 1, size = 1 << k; m >= 0; m--, size /= 2) {
                int half = size / 2;
                Fp2[] expected = new Fp2[4];
                Fp2 claim = Fp2.ZERO;
                for (int i = 0; i < size; i++) claim = claim.add(e[i].mul(a[i].square()));
                for (int t = 0; t < 4; t++) {
                    Fp2 sum = Fp2.ZERO;
                    Fp2 at = Fp2.of(t);
                    for (int i = 0; i < half; i++) {
                        Fp2 ei = e[i].add(at.mul(e[i + half].sub(e[i])));
                        Fp2 ai = a[i].add(at.mul(a[i + half].sub(a[i])));
                        sum = sum.add(ei.mul(ai.square()));
                    }
                    expected[t] = sum;
                }
                assertArrayEquals(expected, rounds.roundPolynomial(claim), what + " round " + m);
                Fp2 r = m % 3 == 0 ? Fp2.of(randomElement()) : extensionValue(false);
                rounds.bind(r);
                for (int i = 0; i < half; i++) {
                    e[i] = e[i].add(r.mul(e[i + half].sub(e[i])));
                    a[i] = a[i].add(r.mul(a[i + half].sub(a[i])));
                }
            }
            assertEquals(a[0], rounds.finalValue(), what + " final value");
        }
    }
}
