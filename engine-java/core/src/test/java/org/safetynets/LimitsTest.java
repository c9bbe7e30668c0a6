package org.safetynets;

import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelBytes;
import org.safetynets.model.ModelCodec;
import org.safetynets.model.TestModels;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each limit, at each place that enforces it: the value just at the limit passes, one over is refused with a
 * LimitExceeded naming the limit, the value and the option, and a header that declares 2^40 elements is refused
 * before anything is allocated for it (the allocation would fail outright if it were attempted).
 */
class LimitsTest {
    private static final int DENSE = 1;
    private static final int CONV2D = 2;
    private static final int SQUARE = 3;

    private static LimitExceeded refused(Limits.Kind kind, org.junit.jupiter.api.function.Executable action) {
        LimitExceeded e = assertThrows(LimitExceeded.class, action);
        assertEquals(kind, e.limit(), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds the limit " + kind.limitName() + " = " + e.allowed()), e.getMessage());
        assertTrue(e.getMessage().contains("raise it with " + kind.option()), e.getMessage());
        return e;
    }

    @Test
    void defaultsAndValidation() {
        assertEquals(new Limits(1 << 16, 1L << 28, 1L << 30), Limits.DEFAULTS);
        assertThrows(IllegalArgumentException.class, () -> new Limits(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.withMaxTensorElements(0));
        assertThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.withMaxProofBytes(-1));
        assertEquals(Long.MAX_VALUE, Limits.product(1L << 32, 1L << 32));
        assertEquals(Long.MAX_VALUE, Limits.product(65536, 65536, 65536, 65536), "2^64 must saturate, not wrap to 0");
        assertEquals(0, Limits.product(0, Long.MAX_VALUE));
        assertEquals(6, Limits.product(1, 2, 3));
    }

    @Test
    void proofBytesPresentAndDeclared() {
        Model model = TestModels.zoo(1).get(9); // mlp
        long[][] inputs = TestModels.inputs(model, 3, 1);
        byte[] file = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
        ProofCodec.decode(file, "p", Limits.DEFAULTS.withMaxProofBytes(file.length));
        LimitExceeded e = refused(Limits.Kind.MAX_PROOF_BYTES, () -> ProofCodec.decode(file, "p.bin", Limits.DEFAULTS.withMaxProofBytes(file.length - 1)));
        assertTrue(e.getMessage().startsWith("p.bin: proof of " + file.length + " bytes"), e.getMessage());

        // An 80-byte header declaring a 2^40-byte body: refused from the header (the body is not there), nothing allocated.
        byte[] header = java.util.Arrays.copyOf(file, ProofCodec.HEADER_BYTES);
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, 1L << 40);
        assertTrue(assertThrows(MalformedInput.class, () -> ProofCodec.decode(header, "p")).getMessage().contains("truncated"));
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, -1L); // u64 2^64 - 1
        assertTrue(assertThrows(MalformedInput.class, () -> ProofCodec.decode(header, "p")).getMessage().contains("18446744073709551615"));

        // The verifier turns it into a rejection that names the limit, never an exception.
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class,
                Verifier.verify(model, inputs, file, Limits.DEFAULTS.withMaxProofBytes(100)));
        assertTrue(rejected.reason().contains("max-proof-bytes = 100"), rejected.reason());
        assertTrue(Verifier.verify(model, inputs, file, Limits.DEFAULTS.withMaxProofBytes(file.length)).accepted());
    }

    @Test
    void batchInAProofHeader() {
        Model model = TestModels.zoo(1).get(9);
        long[][] inputs = TestModels.inputs(model, 3, 1);
        byte[] file = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
        ProofCodec.decode(file, "p", Limits.DEFAULTS.withMaxBatch(3));
        refused(Limits.Kind.MAX_BATCH, () -> ProofCodec.decode(file, "p", Limits.DEFAULTS.withMaxBatch(2)));
    }

    @Test
    void batchAndActivationsOfAnInputBatch() {
        Model demo = DemoNetwork.build(1);
        long[][] inputs = DemoNetwork.inputs(1, 5);
        InputBatch.of(demo, inputs, Limits.DEFAULTS.withMaxBatch(5));
        refused(Limits.Kind.MAX_BATCH, () -> InputBatch.of(demo, inputs, Limits.DEFAULTS.withMaxBatch(4)));
        refused(Limits.Kind.MAX_BATCH, () -> Prover.prove(demo, inputs, new ReferenceBackend(), Prover.Progress.NONE, Limits.DEFAULTS.withMaxBatch(4)));
        // The largest activation is the first conv's output, 8 x 32 x 32 padded, times 8 padded samples = 2^16.
        InputBatch.of(demo, inputs, Limits.DEFAULTS.withMaxTensorElements(1 << 16));
        LimitExceeded e = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> InputBatch.of(demo, inputs, Limits.DEFAULTS.withMaxTensorElements((1 << 16) - 1)));
        assertTrue(e.getMessage().contains("layer 1's padded output for a batch of 5 of 65536 elements"), e.getMessage());
        // At the default limits the demo network's largest batch is 2^15 (2^13 * 2^15 = 2^28 elements).
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> InputBatch.of(demo, new long[(1 << 15) + 1][], Limits.DEFAULTS));
        // The verifier rejects (no exception) a batch over its limits.
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(demo, inputs,
                Prover.prove(demo, inputs, new ReferenceBackend()), Limits.DEFAULTS.withMaxBatch(4)));
        assertTrue(rejected.reason().contains("max-batch = 4"), rejected.reason());
    }

    @Test
    void modelParameters() {
        byte[] dense = ModelBytes.header(5, 1, 1, 1).u8(DENSE).u32(3).u32(5).i64(1).i64s(1, 15).i64s(0, 3).bytes();
        // 3 x 5 weights and 3 biases; held padded as 4 rows of 8 weights and a bias: 36 elements.
        assertEquals(18, ModelCodec.decode(dense, "m", Limits.DEFAULTS.withMaxTensorElements(36)).parameters());
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(dense, "m", Limits.DEFAULTS.withMaxTensorElements(35)));
        LimitExceeded real = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(dense, "m", Limits.DEFAULTS.withMaxTensorElements(17)));
        assertTrue(real.getMessage().contains("parameters through layer 1 of 18 elements"), real.getMessage());
        // 2^20 x 2^20 = 2^40 weights declared in a 70-byte file.
        byte[] huge = ModelBytes.header(1 << 20, 1, 1, 1).u8(DENSE).u32(1 << 20).u32(1 << 20).i64(1).bytes();
        LimitExceeded e = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(huge, "huge.snm"));
        assertTrue(e.getMessage().startsWith("huge.snm: parameters through layer 1 of " + ((1L << 40) + (1 << 20)) + " elements"), e.getMessage());
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(huge, "huge.snm", Limits.DEFAULTS.withMaxTensorElements(Limits.MAX_TENSOR_ELEMENTS_CEILING)));
        // Even with the limit raised as far as it goes, a declared size is checked against the bytes present.
        byte[] large = ModelBytes.header(1 << 14, 1, 1, 1).u8(DENSE).u32(1 << 14).u32(1 << 14).i64(1).bytes();
        MalformedInput short_ = assertThrows(MalformedInput.class, () -> ModelCodec.decode(large, "large.snm", Limits.DEFAULTS.withMaxTensorElements(Limits.MAX_TENSOR_ELEMENTS_CEILING)));
        assertTrue(short_.getMessage().contains("ends early"), short_.getMessage());
    }

    /**
     * Regression: a conv layer declaring 2^16 x 2^16 channels and a 2^16 kernel has 2^64 weights, which a long
     * product wrapped to 0; the decoder then read no weights, built the layer, and crashed with an
     * ArrayIndexOutOfBoundsException in the bound analysis instead of refusing the file.
     */
    @Test
    void wrappedParameterCountIsRefused() {
        int n = 1 << 16;
        byte[] bytes = ModelBytes.header(n, 1, 1, 1).u8(CONV2D).u32(n).u32(n).u32(n).u32(1).u32(n - 1).i64(1).i64s(0, n).bytes();
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(bytes, "m"));
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(bytes, "m", Limits.DEFAULTS.withMaxTensorElements(Limits.MAX_TENSOR_ELEMENTS_CEILING)));
    }

    @Test
    void modelActivationShapes() {
        // One sample's input pads to 2^30 features: over the default 2^28, and refused before any analysis.
        byte[] wide = ModelBytes.header(1 << 10, 1 << 10, 1 << 10, 1).u8(SQUARE).bytes();
        LimitExceeded e = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(wide, "m"));
        assertTrue(e.getMessage().contains("input of 1024x1024x1024 pads to a tensor of 1073741824 elements"), e.getMessage());
        // A shape that declares 2^40 features is malformed whatever the limit: no sample can be an array that large.
        byte[] huge = ModelBytes.header(1 << 20, 1 << 10, 1 << 10, 1).u8(SQUARE).bytes();
        assertTrue(assertThrows(MalformedInput.class, () -> ModelCodec.decode(huge, "m", Limits.DEFAULTS.withMaxTensorElements(Limits.MAX_TENSOR_ELEMENTS_CEILING)))
                .getMessage().contains("pads to more than 2^30 features"));
        // A conv whose output is larger than its input: the layer's output is what is over the limit.
        byte[] growing = ModelBytes.header(1, 4, 4, 1).u8(CONV2D).u32(64).u32(1).u32(1).u32(1).u32(0).i64(1).i64s(1, 64).i64s(0, 64).bytes();
        ModelCodec.decode(growing, "m", Limits.DEFAULTS.withMaxTensorElements(1024));
        e = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(growing, "m", Limits.DEFAULTS.withMaxTensorElements(1023)));
        assertTrue(e.getMessage().contains("layer 1 output 64x4x4 pads to a tensor of 1024 elements"), e.getMessage());
    }

    /** Regression: 2^27 declared input channels made the bound analysis allocate two 2^27-entry arrays (over 1 GiB) from a 60-byte file. */
    @Test
    void manyDeclaredChannelsCostNothingToAnalyse() {
        byte[] bytes = ModelBytes.header(1 << 27, 1, 1, 1).u8(SQUARE).bytes();
        Runtime runtime = Runtime.getRuntime();
        long before = runtime.totalMemory() - runtime.freeMemory();
        Model model = ModelCodec.decode(bytes, "m");
        long after = runtime.totalMemory() - runtime.freeMemory();
        assertEquals(1 << 27, model.input().channels());
        assertTrue(after - before < 64L << 20, "decoding allocated " + ((after - before) >> 20) + " MiB");
    }

    /**
     * Audit item 3: a limit can be raised only as far as the engine can hold what it bounds (one Java array per
     * tensor, padded to a power of two): past that, Layout used to fail with an untyped exception mid-run.
     */
    @Test
    void limitsStopAtWhatTheEngineCanHold() {
        new Limits(Limits.MAX_BATCH_CEILING, Limits.MAX_TENSOR_ELEMENTS_CEILING, Limits.MAX_PROOF_BYTES_CEILING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.withMaxTensorElements((1L << 30) + 1));
        assertTrue(e.getMessage().contains("max-tensor-elements must be between 1 and 1073741824"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.withMaxBatch((1 << 30) + 1));
        assertThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.withMaxProofBytes(1L << 31));
        // At the ceilings every activation the limits admit is one the layout can index: no untyped failure.
        Limits widest = new Limits(Limits.MAX_BATCH_CEILING, Limits.MAX_TENSOR_ELEMENTS_CEILING, Limits.MAX_PROOF_BYTES_CEILING);
        Model demo = DemoNetwork.build(1);
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> InputBatch.requireWithinLimits(demo, 1 << 18, widest));
        InputBatch.requireWithinLimits(demo, 1 << 17, widest);
        new org.safetynets.tensor.Layout(demo.input(), 1 << 17);
    }

    /**
     * Audit item 3: the prover and verifier hold each weight matrix padded to powers of two, up to 4x the real
     * parameter count per layer; that padded count is what the tensor limit bounds, in the decoder and before a proof.
     */
    @Test
    void paddedWeightsCountAgainstTheTensorLimit() {
        int n = 1025; // pads to 2048: the padded matrix is about 4x the real one
        Model model = new Model("wide-dense", org.safetynets.tensor.Shape.vector(n), 0, 1, 1,
                java.util.List.of(new org.safetynets.model.Dense(n, n, new long[n * n], new long[n], 1)));
        assertEquals((long) n * n + n, model.parameters());
        assertEquals(2048L * 2049, model.paddedParameters());
        byte[] file = ModelCodec.encode(model);
        Limits roomForRealOnly = Limits.DEFAULTS.withMaxTensorElements(2L * n * n);
        LimitExceeded e = refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> ModelCodec.decode(file, "wide.snm", roomForRealOnly));
        assertTrue(e.getMessage().contains("weights padded to powers of two of " + 2048L * 2049 + " elements"), e.getMessage());
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> InputBatch.requireWithinLimits(model, 1, roomForRealOnly));
        refused(Limits.Kind.MAX_TENSOR_ELEMENTS, () -> Prover.prove(model, new long[][] {new long[n]}, new ReferenceBackend(), Prover.Progress.NONE, roomForRealOnly));
        ModelCodec.decode(file, "wide.snm", Limits.DEFAULTS.withMaxTensorElements(2048L * 2049));
    }

    /** Regression: an input range beyond +-(p-1)/2 was accepted when a zero-weight first layer kept every bound small. */
    @Test
    void inputRangeMustFitTheField() {
        byte[] bytes = ModelBytes.header(1, 1, 1, 1).bytes();
        // Rewrite the header's input range to [Long.MIN_VALUE, Long.MAX_VALUE] and add a dense layer of zero weights.
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(bytes.length - 28, Long.MIN_VALUE).putLong(bytes.length - 20, Long.MAX_VALUE);
        byte[] file = ByteBuffer.allocate(bytes.length + 1 + 4 + 4 + 8 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN)
                .put(bytes).put((byte) DENSE).putInt(1).putInt(1).putLong(1).putLong(0).putLong(0).array();
        MalformedInput e = assertThrows(MalformedInput.class, () -> ModelCodec.decode(file, "m"));
        assertTrue(e.getMessage().contains("leaves the field's signed range"), e.getMessage());
    }
}
