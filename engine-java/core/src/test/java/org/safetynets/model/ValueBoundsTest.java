package org.safetynets.model;

import org.junit.jupiter.api.Test;
import org.safetynets.field.Fp;
import org.safetynets.tensor.Shape;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The interval analysis against the plain one: every term's interval in BigInteger arithmetic, summed. */
class ValueBoundsTest {
    @Test
    void matchesTheTermByTermBoundsOnRandomNetworks() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int channels = 1 + random.nextInt(3);
            int side = 4 + random.nextInt(5);
            Shape input = new Shape(channels, side, side);
            long inputMin = signed(random, random.nextInt(4));
            long inputMax = inputMin + Math.abs(signed(random, random.nextInt(4)));
            if (inputMax < inputMin) inputMax = inputMin; // overflowed past Long.MAX_VALUE: a point interval
            List<Layer> layers = new ArrayList<>();
            Shape shape = input;
            for (int depth = 1 + random.nextInt(4); depth > 0; depth--) {
                int kind = random.nextInt(4);
                int c = shape.channels();
                Layer layer;
                if (kind == 0 && shape.height() >= 3 && shape.width() >= 3) {
                    int out = 1 + random.nextInt(4);
                    int k = 1 + 2 * random.nextInt(2); // 1 or 3, padded to keep the size
                    layer = new Conv2d(out, c, k, 1, k / 2, weights(random, out * c * k * k), weights(random, out), 1);
                } else if (kind == 1) {
                    layer = new Square();
                } else if (kind == 2 && shape.height() % 2 == 0 && shape.width() % 2 == 0) {
                    layer = new SumPool(2);
                } else {
                    int out = 1 + random.nextInt(5);
                    int in = shape.size();
                    layers.add(new Flatten());
                    layer = new Dense(out, in, weights(random, out * in), weights(random, out), 1);
                }
                layers.add(layer);
                shape = layer.outputShape(shape);
            }
            List<ValueBounds.LayerBound> actual = ValueBounds.analyze(input, inputMin, inputMax, layers).layers();
            List<BigInteger[]> expected = reference(input, inputMin, inputMax, layers);
            assertEquals(expected.size(), actual.size(), "trial " + trial + ": layers analysed");
            for (int i = 0; i < actual.size(); i++) {
                assertEquals(expected.get(i)[0], actual.get(i).low(), "trial " + trial + ", layer " + (i + 1) + " low");
                assertEquals(expected.get(i)[1], actual.get(i).high(), "trial " + trial + ", layer " + (i + 1) + " high");
            }
        }
    }

    @Test
    void sumsBeyond128BitsStayExact() {
        // 4096 products of about 2^120 each: the 128-bit partial must carry into the BigInteger several times.
        int inputs = 4096;
        long[] w = new long[inputs];
        for (int j = 0; j < inputs; j++) w[j] = j % 3 == 0 ? -Fp.MAX_SIGNED : Fp.MAX_SIGNED;
        Dense dense = new Dense(1, inputs, w, new long[] {Fp.MAX_SIGNED}, 1);
        Shape input = Shape.vector(inputs);
        ValueBounds.LayerBound bound = ValueBounds.analyze(input, -Fp.MAX_SIGNED, Fp.MAX_SIGNED, List.of(dense)).layers().get(0);
        BigInteger limit = BigInteger.valueOf(Fp.MAX_SIGNED);
        BigInteger magnitude = limit.multiply(limit).multiply(BigInteger.valueOf(inputs)); // sum |w| * max|x|
        assertEquals(limit.subtract(magnitude), bound.low());
        assertEquals(limit.add(magnitude), bound.high());
    }

    /** 0, small, mid-size or field-edge values of either sign. */
    private static long signed(SplittableRandom random, int size) {
        long magnitude = switch (size) {
            case 0 -> 0;
            case 1 -> random.nextLong(4);
            case 2 -> random.nextLong(1L << 30);
            default -> Fp.MAX_SIGNED - random.nextLong(3);
        };
        return random.nextBoolean() ? magnitude : -magnitude;
    }

    private static long[] weights(SplittableRandom random, int n) {
        int size = random.nextInt(4);
        long[] w = new long[n];
        for (int i = 0; i < n; i++) w[i] = signed(random, random.nextInt(5) == 0 ? random.nextInt(4) : size);
        return w;
    }

    // ---- the plain analysis: each term's interval in BigInteger, one at a time -----------------------------------

    private static List<BigInteger[]> reference(Shape input, long inputMin, long inputMax, List<Layer> layers) {
        BigInteger limit = BigInteger.valueOf(Fp.MAX_SIGNED);
        BigInteger[] low = {BigInteger.valueOf(inputMin)};
        BigInteger[] high = {BigInteger.valueOf(inputMax)};
        Shape shape = input;
        List<BigInteger[]> out = new ArrayList<>();
        for (Layer layer : layers) {
            Shape next = layer.outputShape(shape);
            BigInteger[] lo = low;
            BigInteger[] hi = high;
            if (layer instanceof Dense d) {
                int perChannel = shape.height() * shape.width();
                lo = new BigInteger[d.outputs()];
                hi = new BigInteger[d.outputs()];
                for (int o = 0; o < d.outputs(); o++) {
                    lo[o] = BigInteger.valueOf(d.bias()[o]);
                    hi[o] = lo[o];
                    for (int j = 0; j < d.inputs(); j++) {
                        BigInteger w = BigInteger.valueOf(d.weight(o, j));
                        BigInteger a = w.multiply(at(low, j / perChannel));
                        BigInteger b = w.multiply(at(high, j / perChannel));
                        lo[o] = lo[o].add(a.min(b));
                        hi[o] = hi[o].add(a.max(b));
                    }
                }
            } else if (layer instanceof Conv2d cv) {
                lo = new BigInteger[cv.outChannels()];
                hi = new BigInteger[cv.outChannels()];
                for (int co = 0; co < cv.outChannels(); co++) {
                    lo[co] = BigInteger.valueOf(cv.bias()[co]);
                    hi[co] = lo[co];
                    for (int ci = 0; ci < cv.inChannels(); ci++) {
                        for (int kh = 0; kh < cv.kernel(); kh++) {
                            for (int kw = 0; kw < cv.kernel(); kw++) {
                                BigInteger w = BigInteger.valueOf(cv.weight(co, ci, kh, kw));
                                BigInteger a = w.multiply(at(low, ci));
                                BigInteger b = w.multiply(at(high, ci));
                                lo[co] = lo[co].add(a.min(b).min(BigInteger.ZERO));
                                hi[co] = hi[co].add(a.max(b).max(BigInteger.ZERO));
                            }
                        }
                    }
                }
            } else if (layer instanceof Square) {
                lo = new BigInteger[low.length];
                hi = new BigInteger[low.length];
                for (int c = 0; c < low.length; c++) {
                    BigInteger a = low[c].multiply(low[c]);
                    BigInteger b = high[c].multiply(high[c]);
                    lo[c] = low[c].signum() <= 0 && high[c].signum() >= 0 ? BigInteger.ZERO : a.min(b);
                    hi[c] = a.max(b);
                }
            } else if (layer instanceof SumPool p) {
                BigInteger cells = BigInteger.valueOf((long) p.window() * p.window());
                lo = new BigInteger[low.length];
                hi = new BigInteger[low.length];
                for (int c = 0; c < low.length; c++) {
                    lo[c] = low[c].signum() < 0 ? low[c].multiply(cells) : low[c];
                    hi[c] = high[c].signum() > 0 ? high[c].multiply(cells) : high[c];
                }
            }
            low = lo;
            high = hi;
            BigInteger min = low[0];
            BigInteger max = high[0];
            for (int c = 1; c < low.length; c++) {
                min = min.min(low[c]);
                max = max.max(high[c]);
            }
            out.add(new BigInteger[] {min, max});
            shape = next;
            if (min.abs().max(max.abs()).compareTo(limit) > 0) break;
        }
        return out;
    }

    private static BigInteger at(BigInteger[] ends, int c) {
        return ends.length == 1 ? ends[0] : ends[c];
    }
}
