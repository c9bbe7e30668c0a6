package org.safetynets.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.LimbPlan;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The limb products against BigInteger sums (products) and ReferenceBackend (convolutions): small signed weights
 * (negative ones, the largest magnitude two limbs take), activations of every width up to p - 1, and blocks filled to
 * their exact limit.
 */
class LimbProductsTest {
    private static final long P = (1L << 61) - 1;
    private static final BigInteger BIG_P = BigInteger.valueOf(P);
    private static WorkerPool pool;

    @BeforeAll
    static void start() {
        assumeTrue(Simd.usable(), "this JVM has no jdk.incubator.vector module");
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        if (pool != null) pool.close();
    }

    @Test
    void planPicksLimbsFromTheBounds() {
        // Pixels against ternary weights: one limb, blocks of floor((2^51 - 1) / 3) terms.
        assertEquals(new LimbPlan(1, ((1L << 51) - 1) / 3), LimbPlan.of(1, 3, 1000));
        // The shipped model's dense layer (40-bit activations, weights up to 32): one limb, (2^51 - 1) / 2^45 = 63 terms.
        assertEquals(new LimbPlan(1, 63), LimbPlan.of(32, 1L << 40, 1024));
        // 60-bit activations (a worst case after x²): two limbs, 2^20 / 46 terms a block.
        assertEquals(new LimbPlan(2, (1L << 20) / 46), LimbPlan.of(46, 1L << 60, 1024));
    }

    @Test
    void planEdges() {
        // One limb while a block of 16 terms stays below 2^51: 16 * (2^47 - 1) = 2^51 - 16.
        assertEquals(new LimbPlan(1, 16), LimbPlan.of(1, (1L << 47) - 1, 1000));
        // One more and the block is 15 terms: two limbs, 2^20 terms a block for weight 1.
        assertEquals(new LimbPlan(2, 1L << 20), LimbPlan.of(1, 1L << 47, 1000));
        // A short product takes one limb with a block as long as the product.
        assertEquals(new LimbPlan(1, 3), LimbPlan.of(1, 1L << 49, 2));
        // Two limbs up to 2^16, with blocks of exactly 16 terms there; none past it.
        assertEquals(new LimbPlan(2, 16), LimbPlan.of(1L << 16, P / 2, 1000));
        assertNull(LimbPlan.of((1L << 16) + 1, P / 2, 1000));
        assertNull(LimbPlan.of(0, P / 2, 1000));
        assertNotNull(LimbPlan.of(46, P / 2, 1000));
    }

    @Test
    void limbsRecombineToTheElement() {
        for (long x : new long[] {0, 1, 2, (1L << 31) - 1, 1L << 31, (1L << 60), P - 2, P - 1, 123456789012345678L}) {
            double hi = LimbProducts.limb(x, 2, 0);
            double lo = LimbProducts.limb(x, 2, 1);
            assertEquals(x, LimbProducts.recombine(hi, lo, 2), "x = " + x);
            // One limb holds the signed representative, which a plan only chooses when it is below 2^51.
            if (LazyField.magnitude(x) <= LimbPlan.EXACT) {
                assertEquals(x, LimbProducts.recombine(LimbProducts.limb(x, 1, 0), 0, 1), "x = " + x);
            }
        }
        // Negative sums of limbs: -1 * 2^31 + 0 is p - 2^31.
        assertEquals(P - (1L << 31), LimbProducts.recombine(-1, 0, 2));
    }

    /** Weights in [-maxW, maxW] (a quarter zero), activations by kind, products at awkward sizes. */
    @Test
    void matmulAgreesWithBigIntegers() {
        SplittableRandom random = new SplittableRandom(7);
        int[][] shapes = {{1, 1, 8}, {5, 37, 19}, {10, 200, 64}, {16, 1024, 24}, {3, 70, 300}};
        long[] weightBounds = {1, 46, LimbPlan.MAX_TWO_LIMB_WEIGHT};
        for (int[] s : shapes) {
            for (long maxW : weightBounds) {
                for (Activations kind : Activations.values()) {
                    long[] a = weights(random, s[0] * s[1], maxW);
                    long[] b = kind.fill(random, s[1] * s[2]);
                    long[] expected = referenceMatmul(a, b, s[0], s[1], s[2]);
                    String what = s[0] + "x" + s[1] + "x" + s[2] + " maxW=" + maxW + " " + kind;
                    assertArrayEquals(expected, ProductKernels.matmul(pool, a, b, s[0], s[1], s[2], true), what);
                    assertArrayEquals(expected, ProductKernels.matmul(pool, a, b, s[0], s[1], s[2], false), what + " (streaming)");
                }
            }
        }
    }

    /**
     * Every limb at its largest (p - 1: hi = 2^30 - 1, lo = 2^31 - 1) against the largest weight, of one sign, over
     * products that fill whole blocks and a remainder: each block's sums reach block * maxW * limb, the plan's limit.
     */
    @Test
    void largestLimbsTimesLargestWeightsFillTheBlocks() {
        for (long maxW : new long[] {1, 46, LimbPlan.MAX_TWO_LIMB_WEIGHT}) {
            LimbPlan plan = LimbPlan.of(maxW, P / 2, 1 << 20);
            int inner = (int) Math.min(3 * plan.block() + 5, 4000);
            for (long w : new long[] {maxW, P - maxW}) {
                long[] a = new long[4 * inner];
                java.util.Arrays.fill(a, w);
                long[] b = new long[inner * 16];
                java.util.Arrays.fill(b, P - 1);
                assertArrayEquals(referenceMatmul(a, b, 4, inner, 16), ProductKernels.matmul(pool, a, b, 4, inner, 16, true),
                        "maxW=" + maxW + " w=" + w);
            }
        }
        // One limb at its limit: 16 terms of 2^47 - 1, all of one sign, per block of 16.
        long[] a = new long[2 * 40];
        java.util.Arrays.fill(a, P - 1);
        long[] b = new long[40 * 8];
        java.util.Arrays.fill(b, P - ((1L << 47) - 1));
        assertEquals(new LimbPlan(1, 16), LimbPlan.of(1, (1L << 47) - 1, 40));
        assertArrayEquals(referenceMatmul(a, b, 2, 40, 8), ProductKernels.matmul(pool, a, b, 2, 40, 8, true));
    }

    @Test
    void convolutionAgreesWithTheReference() {
        SplittableRandom random = new SplittableRandom(11);
        int[][] cases = { // in channels, height, width, batch, out channels, kernel, padding
                {1, 28, 28, 3, 8, 5, 2}, {8, 14, 14, 16, 5, 5, 2}, {3, 9, 7, 1, 6, 3, 1}, {2, 6, 5, 2, 4, 3, 0}, {1, 5, 5, 8, 1, 5, 4}};
        for (int[] c : cases) {
            ConvGeometry g = new ConvGeometry(new Layout(new Shape(c[0], c[1], c[2]), c[3]), c[4], c[5], 1, c[6]);
            for (long maxW : new long[] {1, 32, LimbPlan.MAX_TWO_LIMB_WEIGHT}) {
                for (Activations kind : Activations.values()) {
                    long[] kernel = kernelOf(random, g, maxW);
                    long[] input = inputOf(random, g.input(), kind);
                    long[] expected = referenceConv(kernel, input, g);
                    String what = g + " maxW=" + maxW + " " + kind;
                    assertArrayEquals(expected, ProductKernels.conv2d(pool, kernel, input, g, true), what);
                    assertArrayEquals(expected, ProductKernels.conv2d(pool, kernel, input, g, false), what + " (streaming)");
                }
            }
        }
    }

    /** Activations as the layers see them: pixels, post-x² values of a few dozen bits, any element. */
    private enum Activations {
        SMALL, BITS_40, FIELD;

        long[] fill(SplittableRandom random, int n) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) out[i] = next(random, i);
            return out;
        }

        long next(SplittableRandom random, int i) {
            return switch (this) {
                case SMALL -> Math.floorMod(random.nextLong(-3, 4), P);
                case BITS_40 -> Math.floorMod(random.nextLong(-(1L << 40), 1L << 40), P);
                case FIELD -> switch (i % 7) {
                    case 0 -> P - 1;
                    case 1 -> 0;
                    default -> random.nextLong(P);
                };
            };
        }
    }

    private static long[] weights(SplittableRandom random, int n, long maxW) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long w = random.nextInt(4) == 0 ? 0 : random.nextLong(-maxW, maxW + 1);
            if (i == 0) w = -maxW; // the extremes always present
            if (i == 1 && n > 1) w = maxW;
            out[i] = Math.floorMod(w, P);
        }
        return out;
    }

    private static long[] kernelOf(SplittableRandom random, ConvGeometry g, long maxW) {
        int kp = g.paddedKernel();
        long[] out = new long[g.output().shape().paddedChannels() * g.kernelColumns()];
        long[] w = weights(random, g.outChannels() * g.input().shape().channels() * g.kernel() * g.kernel(), maxW);
        int i = 0;
        for (int co = 0; co < g.outChannels(); co++)
            for (int ci = 0; ci < g.input().shape().channels(); ci++)
                for (int kh = 0; kh < g.kernel(); kh++)
                    for (int kw = 0; kw < g.kernel(); kw++) out[co * g.kernelColumns() + (ci * kp + kh) * kp + kw] = w[i++];
        return out;
    }

    private static long[] inputOf(SplittableRandom random, Layout layout, Activations kind) {
        Shape s = layout.shape();
        long[] out = new long[layout.size()];
        int i = 0;
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++)
                    for (int b = 0; b < layout.batch(); b++) out[layout.index(c, h, w, b)] = kind.next(random, i++);
        return out;
    }

    private static long[] referenceMatmul(long[] a, long[] b, int rows, int inner, int cols) {
        long[] c = new long[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                BigInteger sum = BigInteger.ZERO;
                for (int k = 0; k < inner; k++) sum = sum.add(BigInteger.valueOf(a[i * inner + k]).multiply(BigInteger.valueOf(b[k * cols + j])));
                c[i * cols + j] = sum.mod(BIG_P).longValueExact();
            }
        return c;
    }

    /** The convolution by ReferenceBackend, the engine's sequential reference (Fp.mul, itself checked against BigInteger). */
    private static long[] referenceConv(long[] kernel, long[] input, ConvGeometry g) {
        try (Backend reference = new ReferenceBackend();
             DeviceTensor k = reference.upload(kernel);
             DeviceTensor x = reference.upload(input);
             DeviceTensor y = reference.conv2d(k, x, g)) {
            return reference.download(y);
        }
    }
}
