package org.safetynets.model;

import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PaperArchitectureTest {
    @Test
    void randomModelsHaveTheDocumentedShapesAndFitTheField() {
        for (PaperArchitecture arch : PaperArchitecture.values()) {
            Model model = arch.randomModel(7);
            assertEquals(PaperArchitecture.INPUT, model.input());
            assertEquals(Shape.vector(10), model.output(), arch.cliName());
            assertEquals(arch.layers().size(), model.layers().size());
            // the constructor already proved the bound; check the analysis agrees and reports every layer
            ValueBounds bounds = ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers());
            assertEquals(model.layers().size(), bounds.layers().size());
            assertTrue(bounds.layers().stream().allMatch(ValueBounds.LayerBound::withinField));
        }
    }

    @Test
    void cnnShapesAreThePapersLayout() {
        Model cnn = PaperArchitecture.MNIST_CNN.randomModel(1);
        assertEquals(new Shape(16, 28, 28), cnn.shapes().get(1));
        assertEquals(new Shape(16, 14, 14), cnn.shapes().get(3));
        assertEquals(new Shape(16, 7, 7), cnn.shapes().get(6));
        assertEquals(2, cnn.layers().stream().filter(l -> l instanceof Square).count());
        long squaresFc4 = PaperArchitecture.MNIST_FC4.randomModel(1).layers().stream().filter(l -> l instanceof Square).count();
        assertEquals(3, squaresFc4);
    }

    @Test
    void sameSeedSameModelOtherSeedOtherModel() {
        for (PaperArchitecture arch : PaperArchitecture.values()) {
            assertArrayEquals(arch.randomModel(3).digest(), arch.randomModel(3).digest());
            assertNotEquals(Arrays.toString(arch.randomModel(3).digest()), Arrays.toString(arch.randomModel(4).digest()));
        }
    }

    @Test
    void namesRoundTripAndUnknownNamesAreRejectedWithTheKnownOnes() {
        for (PaperArchitecture arch : PaperArchitecture.values()) assertEquals(arch, PaperArchitecture.forName(arch.cliName()));
        MalformedInput e = assertThrows(MalformedInput.class, () -> PaperArchitecture.forName("lenet"));
        assertTrue(e.getMessage().contains("mnist-cnn"), e.getMessage());
    }

    @Test
    void denseModelsHaveEveryWeightNonzeroAndTheHiddenValuesTheBuilderPromises() {
        Model fc3 = PaperArchitecture.MNIST_FC3.denseModel(5);
        assertEquals(PaperArchitecture.INPUT, fc3.input());
        assertEquals(Shape.vector(10), fc3.output());
        assertEquals(PaperArchitecture.MNIST_FC3.layers().size(), fc3.layers().size());
        Model timit = PaperArchitecture.denseFullyConnected("timit", Shape.vector(45), new int[] {45, 60, 60, 60, 7}, 5);
        for (Model model : new Model[] {fc3, timit}) {
            assertEquals(1, model.inputMin());
            assertEquals(1, model.inputMax());
            // the integer forward pass on the one valid input, written out: every hidden value before x^2 in [-7, 7] \ {0}
            long[] values = new long[model.input().size()];
            Arrays.fill(values, 1);
            int denseLayers = 0;
            for (Layer layer : model.layers()) {
                if (layer instanceof Dense d) {
                    denseLayers++;
                    long[] next = new long[d.outputs()];
                    for (int o = 0; o < d.outputs(); o++) {
                        long sum = d.bias()[o];
                        for (int j = 0; j < d.inputs(); j++) {
                            assertEquals(1, Math.abs(d.weight(o, j)), "weight " + o + "," + j);
                            sum += d.weight(o, j) * values[j];
                        }
                        assertTrue(sum != 0 && Math.abs(sum) <= 7, "value " + sum);
                        next[o] = sum;
                    }
                    values = next;
                } else if (layer instanceof Square) {
                    for (int i = 0; i < values.length; i++) values[i] *= values[i];
                }
            }
            assertEquals(model == fc3 ? 3 : 4, denseLayers);
        }
        assertEquals(Shape.vector(7), timit.output());
        assertArrayEquals(fc3.digest(), PaperArchitecture.MNIST_FC3.denseModel(5).digest());
        assertThrows(IllegalArgumentException.class, () -> PaperArchitecture.MNIST_CNN.denseModel(1));
        assertThrows(IllegalArgumentException.class, () -> PaperArchitecture.denseFullyConnected("x", Shape.vector(4), new int[] {5, 3}, 1));
    }
}
