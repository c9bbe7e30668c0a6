package org.safetynets.model;

import org.safetynets.LimitExceeded;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCodecTest {
    /** Red-team find: a name with a carriage return and an escape printed a fake REJECT line and recoloured the terminal. */
    @Test
    void aNameWithAControlCharacterIsRefused() {
        for (String name : new String[] {"evil\rREJECT: fake", "a\u001b[31m", "tab\there", "del\u007f", "c1\u0085"}) {
            MalformedInput e = assertThrows(MalformedInput.class, () -> new Model(name, Shape.vector(1), 0, 1, 1, List.of(new Square())));
            assertTrue(e.getMessage().contains("name has a control character"), e.getMessage());
        }
        assertEquals("ünïcode ok", new Model("ünïcode ok", Shape.vector(1), 0, 1, 1, List.of(new Square())).name());
    }

    @Test
    void roundTripsByteForByte() {
        for (Model model : TestModels.zoo(11)) {
            byte[] bytes = ModelCodec.encode(model);
            Model decoded = ModelCodec.decode(bytes, "m");
            assertArrayEquals(bytes, ModelCodec.encode(decoded), model.name());
            assertArrayEquals(model.digest(), decoded.digest());
            assertEquals(model.shapes(), decoded.shapes());
        }
        Model demo = DemoNetwork.build(3);
        assertArrayEquals(ModelCodec.encode(demo), ModelCodec.encode(ModelCodec.decode(ModelCodec.encode(demo), "demo")));
        assertArrayEquals(ModelCodec.encode(DemoNetwork.build(3)), ModelCodec.encode(demo), "same seed, same model");
        assertFalse(Arrays.equals(DemoNetwork.build(4).digest(), demo.digest()));
    }

    @Test
    void mismatchedShapesAreNamed() {
        // A dense layer that expects 6 inputs after a 5-feature input: rewrite the inputs field of a valid file.
        Model model = TestModels.model("m", Shape.vector(5), TestModels.dense(new java.util.Random(1), 2, 5));
        byte[] bytes = ModelCodec.encode(model);
        int nameEnd = 8 + 4 + 2 + 1;
        int layerStart = nameEnd + 12 + 24 + 4;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(layerStart + 1 + 4, 6);
        MalformedInput e = assertThrows(MalformedInput.class, () -> ModelCodec.decode(bytes, "bad.snm"));
        assertTrue(e.getMessage().startsWith("bad.snm: "), e.getMessage());
        assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
    }

    @Test
    void truncatedAndTrailingAndForeignFilesAreRefused() {
        byte[] bytes = ModelCodec.encode(DemoNetwork.build(1));
        for (int cut : new int[] {0, 7, 12, 40, bytes.length / 2, bytes.length - 1}) {
            MalformedInput e = assertThrows(MalformedInput.class, () -> ModelCodec.decode(Arrays.copyOf(bytes, cut), "m"));
            assertTrue(e.getMessage().contains("ends early") || e.getMessage().contains("magic"), e.getMessage());
        }
        assertThrows(MalformedInput.class, () -> ModelCodec.decode(Arrays.copyOf(bytes, bytes.length + 1), "m"));
        byte[] version = bytes.clone();
        version[8] = 9;
        assertTrue(assertThrows(MalformedInput.class, () -> ModelCodec.decode(version, "m")).getMessage().contains("version 9"));
    }

    /** Regression (found by ModelFuzzTest): an invalid UTF-8 name decoded leniently, so two files gave one model and one digest. */
    @Test
    void invalidUtf8NameIsRefused() {
        byte[] bytes = ModelCodec.encode(TestModels.zoo(42).get(10)); // named "cnn"
        bytes[16] = (byte) 0xFF;
        MalformedInput e = assertThrows(MalformedInput.class, () -> ModelCodec.decode(bytes, "m"));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void hugeDeclaredLayerIsRefusedBeforeAllocating() {
        Model model = TestModels.model("m", Shape.vector(5), TestModels.dense(new java.util.Random(1), 2, 5));
        byte[] bytes = ModelCodec.encode(model);
        int layerStart = 8 + 4 + 2 + 1 + 12 + 24 + 4;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(layerStart + 1, 1 << 30).putInt(layerStart + 5, 1 << 30);
        LimitExceeded e = assertThrows(LimitExceeded.class, () -> ModelCodec.decode(bytes, "m"));
        assertEquals(Limits.Kind.MAX_TENSOR_ELEMENTS, e.limit());
        assertTrue(e.getMessage().contains("parameters through layer 1 of " + ((1L << 60) + (1L << 30)) + " elements"), e.getMessage());
    }

    @Test
    void networksThatCouldOverflowTheFieldAreRefusedWithTheLayer() {
        // 255-valued inputs through dense -> x^2 -> dense -> x^2 -> dense -> x^2 grow past 2^60.
        long[] w = new long[16];
        Arrays.fill(w, 100);
        Dense d = new Dense(4, 4, w, new long[4], 1);
        MalformedInput e = assertThrows(MalformedInput.class, () ->
                new Model("big", Shape.vector(4), 0, 255, 1, List.of(d, new Square(), d, new Square(), d, new Square())));
        assertTrue(e.getMessage().contains("layer 4 (square)"), e.getMessage());
        ValueBounds bounds = ValueBounds.analyze(Shape.vector(4), 0, 255, List.of(d, new Square()));
        assertEquals(4L * 100 * 255, bounds.layers().get(0).magnitude().longValueExact());
        assertEquals(Math.pow(4L * 100 * 255, 2), bounds.layers().get(1).magnitude().doubleValue());
    }

    @Test
    void boundsAreSoundOnRandomInputs() {
        for (Model model : TestModels.zoo(12)) {
            List<ValueBounds.LayerBound> bounds = ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers()).layers();
            java.util.Random random = new java.util.Random(5);
            for (int trial = 0; trial < 20; trial++) {
                long[] sample = TestModels.inputs(model, 1, random.nextLong())[0];
                java.math.BigInteger[] out = IntegerReference.run(model, sample);
                java.math.BigInteger last = bounds.get(bounds.size() - 1).magnitude();
                for (java.math.BigInteger v : out) assertTrue(v.abs().compareTo(last) <= 0, model.name());
            }
        }
    }
}
