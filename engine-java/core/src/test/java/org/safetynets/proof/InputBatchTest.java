package org.safetynets.proof;

import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.model.Model;
import org.safetynets.model.Flatten;
import org.safetynets.model.Square;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputBatchTest {
    private static long[][] samples(Random random, int batch, int size, long min, long max) {
        long[][] s = new long[batch][size];
        for (long[] sample : s) for (int i = 0; i < size; i++) sample[i] = min + Math.floorMod(random.nextLong(), max - min + 1);
        return s;
    }

    /** The fast MLE (small values, no padding) and the slow one (wide range) both equal evaluation of the padded tensor. */
    @Test
    void evaluateEqualsTheMleOfThePaddedTensor() {
        Random random = new Random(3);
        long[][] ranges = {{0, 3}, {-7, 7}, {-32767, 32767}, {0, 1L << 40}, {-(1L << 50), 5}};
        for (long[] range : ranges) {
            for (int batch : new int[] {1, 3, 64, 130}) {
                Shape shape = new Shape(3, 5, 7);
                Model model = new Model("m", shape, range[0], range[1], 1, List.of(new Flatten()));
                InputBatch input = InputBatch.of(model, samples(random, batch, shape.size(), range[0], range[1]));
                long[] padded = input.padded();
                for (int trial = 0; trial < 3; trial++) {
                    long[] point = new long[input.layout().variables()];
                    for (int j = 0; j < point.length; j++) point[j] = Math.floorMod(random.nextLong(), Fp.P);
                    assertEquals(Multilinear.evaluate(padded, point), input.evaluate(point), range[0] + ".." + range[1] + " batch " + batch);
                }
            }
        }
    }

    @Test
    void transcriptBytesAreCompactAndInjective() {
        Model model = new Model("m", Shape.vector(3), -1, 300, 1, List.of(new Square()));
        InputBatch a = InputBatch.of(model, new long[][] {{-1, 0, 300}});
        byte[] bytes = a.transcriptBytes();
        assertEquals(6, bytes.length, "values -1..300 take 2 bytes each");
        assertEquals(0, bytes[0]);
        assertEquals(1, bytes[2]);
        assertEquals(301 & 0xFF, bytes[4] & 0xFF);
        assertEquals(1, bytes[5]);
        assertNotEquals(new String(bytes), new String(InputBatch.of(model, new long[][] {{-1, 1, 300}}).transcriptBytes()));
        // One byte per value where the range fits (pixels), sample after sample.
        Model pixels = new Model("p", Shape.vector(3), -1, 254, 1, List.of(new Square()));
        assertArrayEquals(new byte[] {0, 1, (byte) 255, 5, 0, 2},
                InputBatch.of(pixels, new long[][] {{-1, 0, 254}, {4, -1, 1}}).transcriptBytes());
        assertEquals(1, InputBatch.byteWidth(0));
        assertEquals(1, InputBatch.byteWidth(255));
        assertEquals(2, InputBatch.byteWidth(256));
        assertEquals(8, InputBatch.byteWidth(Long.MAX_VALUE));
    }

    @Test
    void badBatchesAreNamed() {
        Model model = new Model("m", Shape.vector(3), 0, 3, 1, List.of(new Square()));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[0][])).getMessage().contains("empty"));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[][] {{1, 2}})).getMessage().contains("sample 0 has 2 values"));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[][] {{1, 2, 4}})).getMessage().contains("value 2 is 4"));
    }
}
