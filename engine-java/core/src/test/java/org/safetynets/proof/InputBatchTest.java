package org.safetynets.proof;

import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.model.Model;
import org.safetynets.model.Flatten;
import org.safetynets.model.Square;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.PublicBytes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputBatchTest {
    /** The bytes a {@link PublicBytes} writes, in one array (small test sizes only). */
    static byte[] collect(PublicBytes bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytes.writeTo(out::write);
        assertEquals(bytes.length(), out.size(), "declared and written lengths");
        return out.toByteArray();
    }

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
                    Fp2[] point = new Fp2[input.layout().variables()];
                    for (int j = 0; j < point.length; j++) point[j] = new Fp2(Math.floorMod(random.nextLong(), Fp.P), Math.floorMod(random.nextLong(), Fp.P));
                    assertEquals(Multilinear.evaluate(padded, point), input.evaluate(point), range[0] + ".." + range[1] + " batch " + batch);
                }
            }
        }
    }

    /** Inputs of more features than one block of the evaluation (4096), in both the small and the wide path. */
    @Test
    void evaluateOverSeveralFeatureBlocksEqualsTheMleOfThePaddedTensor() {
        Random random = new Random(5);
        Shape shape = new Shape(2, 70, 70); // 9800 features, three blocks
        for (long[] range : new long[][] {{-5, 5}, {-(1L << 45), 1L << 45}}) {
            for (int batch : new int[] {1, 5}) {
                Model model = new Model("m", shape, range[0], range[1], 1, List.of(new Flatten()));
                InputBatch input = InputBatch.of(model, samples(random, batch, shape.size(), range[0], range[1]));
                Fp2[] point = new Fp2[input.layout().variables()];
                for (int j = 0; j < point.length; j++) point[j] = new Fp2(Math.floorMod(random.nextLong(), Fp.P), Math.floorMod(random.nextLong(), Fp.P));
                assertEquals(Multilinear.evaluate(input.padded(), point), input.evaluate(point), range[0] + ".." + range[1] + " batch " + batch);
            }
        }
    }

    @Test
    void transcriptBytesAreCompactAndInjective() {
        Model model = new Model("m", Shape.vector(3), -1, 300, 1, List.of(new Square()));
        InputBatch a = InputBatch.of(model, new long[][] {{-1, 0, 300}});
        byte[] bytes = collect(a.transcriptBytes());
        assertEquals(6, bytes.length, "values -1..300 take 2 bytes each");
        assertEquals(0, bytes[0]);
        assertEquals(1, bytes[2]);
        assertEquals(301 & 0xFF, bytes[4] & 0xFF);
        assertEquals(1, bytes[5]);
        assertNotEquals(new String(bytes), new String(collect(InputBatch.of(model, new long[][] {{-1, 1, 300}}).transcriptBytes())));
        // One byte per value where the range fits (pixels), sample after sample.
        Model pixels = new Model("p", Shape.vector(3), -1, 254, 1, List.of(new Square()));
        assertArrayEquals(new byte[] {0, 1, (byte) 255, 5, 0, 2},
                collect(InputBatch.of(pixels, new long[][] {{-1, 0, 254}, {4, -1, 1}}).transcriptBytes()));
        assertEquals(1, InputBatch.byteWidth(0));
        assertEquals(1, InputBatch.byteWidth(255));
        assertEquals(2, InputBatch.byteWidth(256));
        assertEquals(8, InputBatch.byteWidth(Long.MAX_VALUE));
    }

    /**
     * Audit item 1: the fast path summed up to the whole batch in 64 bits, which wraps beyond 2^16 samples of
     * inputs near 2^15; the verifier then rejected honest proofs (and the wrap was an error a host could aim at).
     */
    @Test
    void evaluateIsExactForBatchesBeyond2To16WithMaximalInputs() {
        Random random = new Random(17);
        Shape shape = Shape.vector(3);
        Model model = new Model("m", shape, -32767, 32767, 1, List.of(new Flatten()));
        for (int batch : new int[] {(1 << 16) + 1, 200_000}) {
            long[][] samples = new long[batch][];
            long[] high = {32767, 32767, 32767};
            long[] mixed = {32767, -32767, 32767};
            for (int b = 0; b < batch; b++) samples[b] = b % 7 == 3 ? mixed : high;
            InputBatch input = InputBatch.of(model, samples, new org.safetynets.Limits(1 << 18, 1L << 28, 1L << 30));
            long[] padded = input.padded();
            for (int trial = 0; trial < 3; trial++) {
                Fp2[] point = new Fp2[input.layout().variables()];
                for (int j = 0; j < point.length; j++) point[j] = new Fp2(Math.floorMod(random.nextLong(), Fp.P), Math.floorMod(random.nextLong(), Fp.P));
                assertEquals(Multilinear.evaluate(padded, point), input.evaluate(point), "batch " + batch);
            }
        }
    }

    /**
     * Audit item 3: 2^28 values of 8 bytes (within the default limits) encode to 2^31 bytes, more than one array
     * holds; the encoding is streamed in chunks instead. The samples share one array so the test needs little memory.
     */
    @Test
    void transcriptBytesOfTwoGibibytesStreamInChunks() {
        int features = 1 << 14;
        long[] sample = new long[features];
        for (int i = 0; i < features; i++) sample[i] = (i % 3 - 1) * (1L << 59) + i;
        Model model = new Model("wide", Shape.vector(features), -Fp.MAX_SIGNED, Fp.MAX_SIGNED, 1, List.of(new Flatten()));
        long[][] samples = new long[1 << 14][];
        java.util.Arrays.fill(samples, sample);
        PublicBytes bytes = InputBatch.of(model, samples).transcriptBytes();
        assertEquals(1L << 31, bytes.length());
        long[] written = {0};
        long[] firstValueOfEachSample = new long[samples.length];
        bytes.writeTo((chunk, offset, length) -> {
            for (int k = 0; k < length; k++) {
                long position = written[0] + k;
                if (position % (8L * features) < 8) {
                    firstValueOfEachSample[(int) (position / (8L * features))] |= (chunk[offset + k] & 0xFFL) << (8 * (position % 8));
                }
            }
            written[0] += length;
        });
        assertEquals(1L << 31, written[0]);
        for (long v : firstValueOfEachSample) assertEquals(sample[0] + Fp.MAX_SIGNED, v, "value minus the input minimum");
    }

    /**
     * A sample longer than a chunk is split across chunks (a red-team find: a chunk sized by one sample's bytes
     * overflowed an int at 2^31 bytes a sample and the verifier crashed), for byte widths that do and do not divide
     * the chunk; the bytes are the plain encoding, value by value, and no chunk is longer than 64 KiB.
     */
    @Test
    void samplesLongerThanAChunkSpanChunks() {
        Random random = new Random(11);
        int features = 70_001;
        long[][] ranges = {{0, 255}, {-300, 300}, {0, 1L << 20}, {-Fp.MAX_SIGNED, Fp.MAX_SIGNED}}; // 1, 2, 3 and 8 bytes
        for (long[] range : ranges) {
            Model model = new Model("wide", Shape.vector(features), range[0], range[1], 1, List.of(new Flatten()));
            long[][] samples = samples(random, 3, features, range[0], range[1]);
            int width = InputBatch.byteWidth(range[1] - range[0]);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (long[] sample : samples)
                for (long value : sample)
                    for (int b = 0; b < width; b++) expected.write((int) ((value - range[0]) >>> (8 * b)));
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            InputBatch.of(model, samples).transcriptBytes().writeTo((chunk, offset, length) -> {
                assertTrue(length <= 1 << 16, length + " bytes in one chunk");
                written.write(chunk, offset, length);
            });
            assertArrayEquals(expected.toByteArray(), written.toByteArray(), width + "-byte values");
        }
    }

    @Test
    void badBatchesAreNamed() {
        Model model = new Model("m", Shape.vector(3), 0, 3, 1, List.of(new Square()));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[0][])).getMessage().contains("empty"));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[][] {{1, 2}})).getMessage().contains("sample 0 has 2 values"));
        assertTrue(assertThrows(MalformedInput.class, () -> InputBatch.of(model, new long[][] {{1, 2, 4}})).getMessage().contains("value 2 is 4"));
    }
}
