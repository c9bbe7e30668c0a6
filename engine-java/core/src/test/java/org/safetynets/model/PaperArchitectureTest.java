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
}
