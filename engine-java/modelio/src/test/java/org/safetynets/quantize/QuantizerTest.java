package org.safetynets.quantize;

import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.floatmodel.FloatLayer;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.ValueBounds;
import org.safetynets.tensor.Shape;

import java.math.BigInteger;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safetynets.floatmodel.FloatFixtures.gaussian;
import static org.safetynets.floatmodel.FloatFixtures.smallCnn;

class QuantizerTest {
    private static long[][] inputs(Random r, int n, int size, long inputMax) {
        long[][] x = new long[n][size];
        for (long[] s : x) for (int i = 0; i < size; i++) s[i] = r.nextInt((int) inputMax + 1);
        return x;
    }

    /** Exact integer inference with BigInteger: the slow obviously-correct reference for the field result. */
    private static BigInteger[] exact(Model model, long[] input) {
        BigInteger[] x = new BigInteger[input.length];
        for (int i = 0; i < x.length; i++) x[i] = BigInteger.valueOf(input[i]);
        Shape shape = model.input();
        for (org.safetynets.model.Layer layer : model.layers()) {
            Shape next = layer.outputShape(shape);
            BigInteger[] y = new BigInteger[next.size()];
            java.util.Arrays.fill(y, BigInteger.ZERO);
            if (layer instanceof org.safetynets.model.Conv2d c) {
                for (int co = 0; co < c.outChannels(); co++)
                    for (int oh = 0; oh < next.height(); oh++)
                        for (int ow = 0; ow < next.width(); ow++) {
                            BigInteger s = BigInteger.valueOf(c.bias()[co]);
                            for (int ci = 0; ci < c.inChannels(); ci++)
                                for (int kh = 0; kh < c.kernel(); kh++)
                                    for (int kw = 0; kw < c.kernel(); kw++) {
                                        int ih = oh * c.stride() - c.padding() + kh;
                                        int iw = ow * c.stride() - c.padding() + kw;
                                        if (ih < 0 || iw < 0 || ih >= shape.height() || iw >= shape.width()) continue;
                                        s = s.add(BigInteger.valueOf(c.weight(co, ci, kh, kw)).multiply(x[(ci * shape.height() + ih) * shape.width() + iw]));
                                    }
                            y[(co * next.height() + oh) * next.width() + ow] = s;
                        }
            } else if (layer instanceof Dense d) {
                for (int o = 0; o < d.outputs(); o++) {
                    BigInteger s = BigInteger.valueOf(d.bias()[o]);
                    for (int j = 0; j < d.inputs(); j++) s = s.add(BigInteger.valueOf(d.weight(o, j)).multiply(x[j]));
                    y[o] = s;
                }
            } else if (layer instanceof org.safetynets.model.Square) {
                for (int i = 0; i < x.length; i++) y[i] = x[i].multiply(x[i]);
            } else if (layer instanceof org.safetynets.model.SumPool p) {
                for (int c = 0; c < shape.channels(); c++)
                    for (int h = 0; h < shape.height(); h++)
                        for (int w = 0; w < shape.width(); w++) {
                            int o = (c * next.height() + h / p.window()) * next.width() + w / p.window();
                            y[o] = y[o].add(x[(c * shape.height() + h) * shape.width() + w]);
                        }
            } else {
                y = x;
            }
            x = y;
            shape = next;
        }
        return x;
    }

    @Test
    void quantizedModelFitsTheFieldAndTracksTheFloatNetwork() {
        for (long inputMax : new long[] {1, 3}) {
            FloatModel floatModel = smallCnn(5, inputMax);
            Random r = new Random(9);
            long[][] x = inputs(r, 200, 64, inputMax);
            int[] labels = new int[x.length];
            for (int i = 0; i < x.length; i++) labels[i] = FloatModel.argmax(floatModel.forwardLevels(x[i])); // the float network's own answers
            Quantizer.Result result = Quantizer.quantize(floatModel, x, labels, 100, line -> { });
            Model model = result.model();
            // the proof: every layer within the field over every valid input, with little headroom left unused
            List<ValueBounds.LayerBound> bounds = ValueBounds.analyze(model.input(), 0, inputMax, model.layers()).layers();
            assertTrue(bounds.stream().allMatch(ValueBounds.LayerBound::withinField));
            assertTrue(bounds.get(bounds.size() - 1).headroomBits() < 3, "the search should use the budget: " + bounds.get(bounds.size() - 1).headroomBits());
            assertEquals(1.0, result.floatAccuracy());
            assertTrue(result.quantizedAccuracy() >= 0.9, "argmax agreement (random inputs have near ties) " + result.quantizedAccuracy());
            // the integer output is S_final times the float output, up to rounding; and exact integers stay in the field
            long[] scales = scalesByLayer(floatModel, result.weightScales());
            double scale = Quantizer.finalScale(floatModel, scales);
            FloatModel simulation = Quantizer.simulation(floatModel, scales);
            double num = 0;
            double den = 0;
            for (int i = 0; i < 20; i++) {
                BigInteger[] integer = exact(model, x[i]);
                double[] inputAsDouble = java.util.Arrays.stream(x[i]).asDoubleStream().toArray();
                double[] simulated = simulation.forward(inputAsDouble);
                for (int j = 0; j < simulated.length; j++) {
                    assertEquals(integer[j].doubleValue(), simulated[j], 1e-9 * Math.abs(integer[j].doubleValue()) + 1, "the search's simulation");
                }
                double[] real = floatModel.forwardLevels(x[i]);
                for (int j = 0; j < real.length; j++) {
                    assertTrue(integer[j].abs().compareTo(BigInteger.valueOf(Fp.MAX_SIGNED)) <= 0);
                    double d = integer[j].doubleValue() / scale - real[j];
                    num += d * d;
                    den += real[j] * real[j];
                }
            }
            // a wrong scale or a bias at the wrong scale would be off by factors, not by rounding
            assertTrue(num / den < 0.02, "relative squared error " + num / den);
        }
    }

    @Test
    void aNetworkThatCannotFitIsRefusedNamingTheLayerAndTheBound() {
        Random r = new Random(1);
        List<FloatLayer> layers = new java.util.ArrayList<>();
        int width = 64;
        layers.add(new FloatLayer.Dense(width, 64, gaussian(r, 64 * 64, 1), new double[width]));
        for (int i = 0; i < 4; i++) {
            layers.add(new FloatLayer.Square());
            layers.add(new FloatLayer.Dense(width, width, gaussian(r, width * width, 1), new double[width]));
        }
        FloatModel deep = new FloatModel("deep", Shape.vector(64), 255, layers);
        MalformedInput e = assertThrows(MalformedInput.class, () -> Quantizer.quantize(deep, new long[][] {new long[64]}, new int[] {0}, 1, s -> { }));
        assertTrue(e.getMessage().matches(".*layer \\d+ \\((square|dense)\\) can reach 2\\^[0-9.]+ over inputs 0\\.\\.255.*"), e.getMessage());
    }

    private static long[] scalesByLayer(FloatModel m, long[] weightScales) {
        long[] s = new long[m.layers().size()];
        int k = 0;
        for (int i = 0; i < s.length; i++) if (m.layers().get(i) instanceof FloatLayer.Conv || m.layers().get(i) instanceof FloatLayer.Dense) s[i] = weightScales[k++];
        return s;
    }

    /** A float model no weight scale can map into the field is a user error naming the layer and the value, not a crash. */
    @Test
    void parametersBeyondTheFieldAtEveryScaleAreRefusedNamingTheLayer() {
        FloatModel hugeWeights = new FloatModel("huge", Shape.vector(4), 1, List.of(new FloatLayer.Square(),
                new FloatLayer.Dense(2, 4, new double[] {1, 1, 1, 1, 1e38, 1e38, 1e38, 1e38}, new double[2])));
        MalformedInput e = assertThrows(MalformedInput.class, () -> Quantizer.quantize(hugeWeights, new long[1][4], new int[1], 1, s -> { }));
        assertTrue(e.getMessage().startsWith("quantize: even at the smallest weight scales, layer 2 (dense): weights[4] = 1.0E38 times 1.0 is beyond"),
                e.getMessage());

        FloatModel hugeBias = new FloatModel("huge", Shape.vector(4), 1, List.of(new FloatLayer.Dense(2, 4, new double[8], new double[] {0, -1e30})));
        e = assertThrows(MalformedInput.class, () -> Quantizer.quantize(hugeBias, new long[1][4], new int[1], 1, s -> { }));
        assertTrue(e.getMessage().startsWith("quantize: even at the smallest weight scales, layer 1 (dense): bias[1] = -1.0E30 times"), e.getMessage());

        FloatModel widePadding = new FloatModel("pad", new Shape(1, 4, 4), 1, List.of(new FloatLayer.Conv(1, 1, 1, 1, 1, new double[] {1}, new double[1])));
        e = assertThrows(MalformedInput.class, () -> Quantizer.quantize(widePadding, new long[1][16], new int[1], 1, s -> { }));
        assertTrue(e.getMessage().contains("layer 1 (conv2d): conv2d needs positive channels, kernel and stride, and 0 <= padding < kernel"), e.getMessage());
    }

    /** Eight weighted layers once overflowed the count of scale combinations: NegativeArraySizeException, exit 3. */
    @Test
    void aModelWithMoreWeightedLayersThanTheSearchHandlesIsRefused() {
        List<FloatLayer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) layers.add(new FloatLayer.Dense(2, 2, new double[] {0.5, 0.25, -0.5, 1}, new double[2]));
        FloatModel deep = new FloatModel("deep", Shape.vector(2), 1, layers);
        MalformedInput e = assertThrows(MalformedInput.class, () -> Quantizer.quantize(deep, new long[][] {{1, 0}}, new int[1], 1, s -> { }));
        assertEquals("quantize: the scale search handles at most 6 layers with weights (conv or dense), the model has 8", e.getMessage());
    }
}
