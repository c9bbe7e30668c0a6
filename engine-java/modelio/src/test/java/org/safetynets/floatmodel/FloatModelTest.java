package org.safetynets.floatmodel;

import org.junit.jupiter.api.Test;
import org.safetynets.tensor.Shape;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FloatModelTest {
    /** A sample of another length once read only the first features (4 pixels of a 28x28 image) and gave an answer. */
    @Test
    void aSampleOfAnotherLengthIsRefused() {
        FloatModel sum = new FloatModel("sum", Shape.vector(4), 1, List.of(new FloatLayer.Dense(1, 4, new double[] {1, 1, 1, 1}, new double[1])));
        assertArrayEquals(new double[] {10}, sum.forward(new double[] {1, 2, 3, 4}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sum.forward(new double[784]));
        assertEquals("the model takes 4x1x1 inputs, got 784 values", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sum.forwardLevels(new long[3]));
    }
}
