package org.safetynets.model;

import org.junit.jupiter.api.Test;
import org.safetynets.tensor.Shape;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The double forward pass against the BigInteger integer network, divided by the output scale. */
class FloatInferenceTest {
    @Test
    void equalsTheIntegerNetworkExactlyOnSmallModels() {
        // Every value of the zoo's models stays far below 2^53, so double arithmetic is exact here.
        for (Model model : TestModels.zoo(3)) {
            for (int batch : new int[] {1, 3, 8}) {
                long[][] inputs = TestModels.inputs(model, batch, 11 + batch);
                double[][] out = FloatInference.of(model).run(inputs);
                assertEquals(batch, out.length);
                for (int b = 0; b < batch; b++) {
                    BigInteger[] expected = IntegerReference.run(model, inputs[b]);
                    assertEquals(expected.length, out[b].length, model.name());
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i].doubleValue(), out[b][i] * model.outputScale(), 0.0,
                                model.name() + " batch " + batch + " sample " + b + " output " + i);
                    }
                }
            }
        }
    }

    @Test
    void appliesTheScalesAsRealValues() {
        // Input scale 2 and weight scales 4 and 3: the real output is the integer output / (2*4)^2 * 3.
        Random random = new Random(5);
        Model model = new Model("scaled", new Shape(2, 6, 6), -3, 3, 2, List.of(
                new Conv2d(3, 2, 3, 1, 1, TestModels.values(random, 3 * 2 * 9, 5), TestModels.values(random, 3, 7), 4),
                new Square(),
                new SumPool(2),
                new Flatten(),
                new Dense(4, 3 * 3 * 3, TestModels.values(random, 4 * 27, 5), TestModels.values(random, 4, 9), 3)));
        assertEquals(Math.pow(2 * 4, 2) * 3, model.outputScale());
        long[][] inputs = TestModels.inputs(model, 5, 9);
        double[][] out = FloatInference.of(model).run(inputs);
        for (int b = 0; b < inputs.length; b++) {
            BigInteger[] expected = IntegerReference.run(model, inputs[b]);
            for (int i = 0; i < expected.length; i++) {
                double real = new BigDecimal(expected[i]).divide(BigDecimal.valueOf(model.outputScale()), MathContext.DECIMAL64).doubleValue();
                assertEquals(real, out[b][i], 1e-12 * Math.max(1, Math.abs(real)), "sample " + b + " output " + i);
            }
        }
    }

    @Test
    void theDemoNetworkAgreesToDoublePrecision() {
        // Its values reach about 2^56, beyond double's exact range: agreement is to a relative 1e-12 of the largest.
        Model model = DemoNetwork.build(2);
        long[][] inputs = DemoNetwork.inputs(2, 2);
        double[][] out = FloatInference.of(model).run(inputs);
        for (int b = 0; b < inputs.length; b++) {
            BigInteger[] expected = IntegerReference.run(model, inputs[b]);
            double largest = 1;
            for (BigInteger e : expected) largest = Math.max(largest, Math.abs(e.doubleValue()));
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i].doubleValue(), out[b][i] * model.outputScale(), 1e-12 * largest, "output " + i);
            }
            assertTrue(largest > 1e6, "the demo's outputs are large enough to test rounding, got " + largest);
        }
    }
}
