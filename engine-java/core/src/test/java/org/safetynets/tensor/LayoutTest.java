package org.safetynets.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shapes, padded layouts, and the pooling and convolution geometries, against direct formulas. */
class LayoutTest {
    private static int nextPowerOfTwo(int n) {
        int p = 1;
        while (p < n) p *= 2;
        return p;
    }

    private static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    private static long[][] randomSamples(SplittableRandom random, Layout layout) {
        long[][] samples = new long[layout.batch()][layout.shape().size()];
        for (long[] sample : samples) {
            for (int i = 0; i < sample.length; i++) sample[i] = 1 + random.nextLong((1L << 61) - 2);
        }
        return samples;
    }

    @Test
    void shapeBasics() {
        Shape s = new Shape(3, 5, 7);
        assertEquals(105, s.size());
        assertEquals(4, s.paddedChannels());
        assertEquals(8, s.paddedHeight());
        assertEquals(8, s.paddedWidth());
        assertEquals(256, s.paddedSize());
        assertEquals((2 * 8 + 4) * 8 + 6, s.paddedIndex(2, 4, 6));
        assertEquals("3x5x7", s.toString());
        assertEquals(new Shape(10, 1, 1), Shape.vector(10));
        assertEquals(16, Shape.vector(10).paddedSize());
        for (int[] bad : new int[][] {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {-1, 2, 2}, {2, -3, 2}}) {
            assertThrows(IllegalArgumentException.class, () -> new Shape(bad[0], bad[1], bad[2]));
        }
        // A shape pads to at most 2^30 features, so size() and paddedSize() never overflow an int.
        assertThrows(IllegalArgumentException.class, () -> new Shape(1 << 12, 1 << 12, 1 << 12));
        assertThrows(IllegalArgumentException.class, () -> new Shape(Integer.MAX_VALUE, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Shape((1 << 10) + 1, 1 << 10, 1 << 10));
        assertEquals(1 << 30, new Shape(1 << 10, 1 << 10, 1 << 10).size());
    }

    @Test
    void indexFormulaAndVariableCounts() {
        for (int[] dims : new int[][] {{3, 5, 7, 3}, {1, 1, 1, 1}, {2, 4, 8, 4}, {5, 3, 1, 6}, {1, 9, 2, 1}}) {
            Shape shape = new Shape(dims[0], dims[1], dims[2]);
            Layout layout = new Layout(shape, dims[3]);
            int cp = nextPowerOfTwo(dims[0]);
            int hp = nextPowerOfTwo(dims[1]);
            int wp = nextPowerOfTwo(dims[2]);
            int bp = nextPowerOfTwo(dims[3]);
            assertEquals(bp, layout.paddedBatch());
            assertEquals(cp * hp * wp * bp, layout.size());
            assertTrue(isPowerOfTwo(layout.size()));
            assertTrue(isPowerOfTwo(shape.paddedSize()));
            assertEquals(Integer.numberOfTrailingZeros(bp), layout.batchVariables());
            assertEquals(Integer.numberOfTrailingZeros(wp), layout.widthVariables());
            assertEquals(Integer.numberOfTrailingZeros(hp), layout.heightVariables());
            assertEquals(Integer.numberOfTrailingZeros(cp), layout.channelVariables());
            assertEquals(layout.widthVariables() + layout.heightVariables() + layout.channelVariables(), layout.featureVariables());
            assertEquals(layout.batchVariables() + layout.featureVariables(), layout.variables());
            assertEquals(layout.size(), 1 << layout.variables());
            // every (c, h, w, b) in the padded box has a distinct index ((c*Hp + h)*Wp + w)*Bp + b
            boolean[] used = new boolean[layout.size()];
            for (int c = 0; c < cp; c++) {
                for (int h = 0; h < hp; h++) {
                    for (int w = 0; w < wp; w++) {
                        for (int b = 0; b < bp; b++) {
                            int index = layout.index(c, h, w, b);
                            assertEquals(((c * hp + h) * wp + w) * bp + b, index);
                            assertTrue(!used[index]);
                            used[index] = true;
                        }
                    }
                }
            }
            // variables lowest first: batch bits, then width, height, channel bits
            int index = layout.index(dims[0] - 1, dims[1] - 1, dims[2] - 1, dims[3] - 1);
            int bBits = layout.batchVariables();
            int wBits = layout.widthVariables();
            int hBits = layout.heightVariables();
            assertEquals(dims[3] - 1, index & (bp - 1));
            assertEquals(dims[2] - 1, (index >>> bBits) & (wp - 1));
            assertEquals(dims[1] - 1, (index >>> (bBits + wBits)) & (hp - 1));
            assertEquals(dims[0] - 1, index >>> (bBits + wBits + hBits));
        }
    }

    @Test
    void padUnpadRoundTrip() {
        SplittableRandom random = new SplittableRandom(41);
        for (int[] dims : new int[][] {{3, 5, 7, 3}, {1, 1, 1, 1}, {2, 4, 8, 4}, {5, 3, 1, 6}, {7, 1, 1, 5}, {1, 3, 3, 2}}) {
            Layout layout = new Layout(new Shape(dims[0], dims[1], dims[2]), dims[3]);
            long[][] samples = randomSamples(random, layout);
            long[] padded = layout.pad(samples);
            assertEquals(layout.size(), padded.length);
            assertArrayEquals(samples, layout.unpad(padded));
            // each real value sits at its index, sample values in (c, h, w) row-major order; the rest is zero
            Shape s = layout.shape();
            int nonZero = 0;
            for (long v : padded) if (v != 0) nonZero++;
            assertEquals(s.size() * dims[3], nonZero);
            for (int b = 0; b < dims[3]; b++) {
                int i = 0;
                for (int c = 0; c < s.channels(); c++) {
                    for (int h = 0; h < s.height(); h++) {
                        for (int w = 0; w < s.width(); w++) {
                            assertEquals(samples[b][i++], padded[layout.index(c, h, w, b)]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void padAndUnpadCheckSizes() {
        Layout layout = new Layout(new Shape(3, 5, 7), 3);
        assertThrows(IllegalArgumentException.class, () -> layout.pad(new long[2][105]));
        assertThrows(IllegalArgumentException.class, () -> layout.pad(new long[][] {new long[105], new long[104], new long[105]}));
        assertThrows(IllegalArgumentException.class, () -> layout.unpad(new long[layout.size() - 1]));
        assertThrows(IllegalArgumentException.class, () -> layout.unpad(new long[layout.size() * 2]));
    }

    @Test
    void layoutConstructorErrors() {
        Shape s = new Shape(2, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> new Layout(s, 0));
        assertThrows(IllegalArgumentException.class, () -> new Layout(s, -4));
        assertThrows(IllegalArgumentException.class, () -> new Layout(new Shape(1 << 10, 1 << 10, 1 << 8), 8));
        assertEquals(new Layout(new Shape(4, 2, 2), 3), new Layout(s, 3).withShape(new Shape(4, 2, 2)));
    }

    @Test
    void poolOutputShapeAndPadding() {
        for (int window : new int[] {2, 4, 8}) {
            for (int h = window; h <= 70; h++) {
                int w = Math.max(window, 75 - h);
                Layout input = new Layout(new Shape(3, h, w), 2);
                PoolGeometry pool = new PoolGeometry(input, window);
                Layout output = pool.output();
                assertEquals(3, output.shape().channels());
                assertEquals(2, output.batch());
                assertEquals((h + window - 1) / window, output.shape().height(), "h=" + h);
                assertEquals((w + window - 1) / window, output.shape().width(), "w=" + w);
                assertEquals(input.shape().paddedHeight() / window, output.shape().paddedHeight(), "h=" + h + " s=" + window);
                assertEquals(input.shape().paddedWidth() / window, output.shape().paddedWidth(), "w=" + w + " s=" + window);
                assertEquals(Integer.numberOfTrailingZeros(window), pool.offsetVariables());
                // two fewer window-offset bits per axis, nothing else changes
                assertEquals(input.variables() - 2 * pool.offsetVariables(), output.variables());
            }
        }
    }

    @Test
    void poolConstructorErrors() {
        Layout input = new Layout(new Shape(2, 6, 6), 1);
        for (int window : new int[] {0, 1, 3, 6, -2}) {
            assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(input, window), "window " + window);
        }
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(input, 8));
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(new Layout(new Shape(1, 1, 4), 1), 2));
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(new Layout(new Shape(1, 4, 1), 1), 2));
    }

    @Test
    void convOutputSize() {
        for (int stride : new int[] {1, 2, 3}) {
            for (int kernel = 1; kernel <= 5; kernel++) {
                for (int padding = 0; padding < kernel; padding++) {
                    for (int h = 1; h <= 12; h++) {
                        int w = 13 - h;
                        Layout input = new Layout(new Shape(3, h, w), 2);
                        boolean fits = h + 2 * padding >= kernel && w + 2 * padding >= kernel;
                        int k = kernel;
                        int s = stride;
                        int p = padding;
                        if (!fits) {
                            assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, k, s, p),
                                    "h=" + h + " w=" + w + " k=" + k + " p=" + p);
                            continue;
                        }
                        ConvGeometry conv = new ConvGeometry(input, 4, kernel, stride, padding);
                        // count output positions directly: windows starting at -p, -p+s, ... that end inside H+p
                        int expectedH = 0;
                        for (int start = -padding; start + kernel <= h + padding; start += stride) expectedH++;
                        int expectedW = 0;
                        for (int start = -padding; start + kernel <= w + padding; start += stride) expectedW++;
                        assertEquals(expectedH, conv.outputHeight());
                        assertEquals(expectedW, conv.outputWidth());
                        assertEquals((h + 2 * padding - kernel) / stride + 1, conv.outputHeight());
                        Layout output = conv.output();
                        assertEquals(new Shape(4, expectedH, expectedW), output.shape());
                        assertEquals(2, output.batch());
                        assertEquals(nextPowerOfTwo(kernel), conv.paddedKernel());
                        assertEquals(4 * nextPowerOfTwo(kernel) * nextPowerOfTwo(kernel), conv.kernelColumns());
                    }
                }
            }
        }
    }

    @Test
    void convSameAndStridedExamples() {
        Layout input = new Layout(new Shape(1, 28, 28), 1);
        assertEquals(new Shape(8, 28, 28), new ConvGeometry(input, 8, 3, 1, 1).output().shape());
        assertEquals(new Shape(8, 26, 26), new ConvGeometry(input, 8, 3, 1, 0).output().shape());
        assertEquals(new Shape(8, 14, 14), new ConvGeometry(input, 8, 3, 2, 1).output().shape());
        assertEquals(new Shape(8, 12, 12), new ConvGeometry(input, 8, 5, 2, 0).output().shape());
        assertEquals(new Shape(8, 14, 14), new ConvGeometry(input, 8, 5, 2, 2).output().shape());
    }

    @Test
    void convInputCoordinate() {
        Layout input = new Layout(new Shape(1, 5, 5), 1);
        ConvGeometry conv = new ConvGeometry(input, 1, 3, 2, 1);
        for (int o = 0; o < conv.outputHeight(); o++) {
            for (int k = 0; k < 3; k++) {
                int i = o * 2 + k - 1;
                assertEquals(i >= 0 && i < 5 ? i : -1, conv.inputCoordinate(o, k, 5));
            }
        }
        assertEquals(-1, conv.inputCoordinate(0, 0, 5));
        assertEquals(0, conv.inputCoordinate(0, 1, 5));
        assertEquals(4, conv.inputCoordinate(2, 1, 5));
        assertEquals(-1, conv.inputCoordinate(2, 2, 5));
    }

    @Test
    void convConstructorErrors() {
        Layout input = new Layout(new Shape(2, 6, 6), 1);
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, -3, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 3, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 3, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 3, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 0, 3, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 3, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(input, 4, 7, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(new Layout(new Shape(1, 1, 1), 1), 4, 5, 1, 1));
    }
}
