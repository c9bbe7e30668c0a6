package org.safetynets.proof;

import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audit item 2: a hostile proof well within the default 1 GiB limit, its body padded to hundreds of MiB, must be a
 * REJECT in a small heap. The verifier used to copy the body about five times before comparing its length with the
 * schedule's, an OutOfMemoryError in a 4 GiB heap; it now screens the header first and reads the body in place.
 */
class HugeProofTest {
    private static final int PADDED_BODY_BYTES = 600 << 20;

    /** Runs in a JVM of its own with a 1 GiB heap, which the 600 MiB proof alone fills to 60%. */
    public static final class Child {
        public static void main(String[] args) {
            Model model = TestModels.zoo(1).get(9); // mlp
            long[][] inputs = TestModels.inputs(model, 3, 1);
            byte[] honest = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
            byte[] hostile = new byte[ProofCodec.HEADER_BYTES + PADDED_BODY_BYTES];
            System.arraycopy(honest, 0, hostile, 0, honest.length); // the honest messages, then zeros
            ByteBuffer.wrap(hostile).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, PADDED_BODY_BYTES);
            Verdict verdict = Verifier.verify(model, inputs, hostile);
            System.out.println(verdict instanceof Verdict.Rejected r ? "REJECT: " + r.describe() : "ACCEPT");
        }
    }

    @Test
    void aProofPaddedToHundredsOfMebibytesIsRejectedInAOneGibibyteHeap() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), Child.class.getName())
                .redirectErrorStream(true).start();
        // A bound on a hang, not a timing: the child takes about a second.
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the verifier did not finish");
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("REJECT: proof body has " + PADDED_BODY_BYTES + " bytes; the proof of this model for a batch of 3 has"), output);
    }

    /** The same screening in the caller's heap: a body of the wrong length is rejected without reading it. */
    @Test
    void aBodyOfAnyOtherLengthThanTheSchedulesIsRejectedUnread() {
        Model model = TestModels.zoo(1).get(9);
        long[][] inputs = TestModels.inputs(model, 3, 1);
        byte[] honest = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
        for (int extra : new int[] {-8, 8, 1 << 20}) {
            byte[] changed = java.util.Arrays.copyOf(honest, honest.length + extra);
            ByteBuffer.wrap(changed).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, honest.length + extra - ProofCodec.HEADER_BYTES);
            Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, inputs, changed));
            assertTrue(rejected.reason().startsWith("proof body has " + (honest.length + extra - ProofCodec.HEADER_BYTES) + " bytes"), rejected.describe());
            assertEquals(0, rejected.layer());
        }
    }

    /** Audit item 5: a proof declaring 2^31 - 1 samples is a hostile proof like any other, a REJECT, not an error. */
    @Test
    void aProofDeclaringTheLargestBatchIsRejected() {
        Model model = TestModels.zoo(1).get(9);
        long[][] inputs = TestModels.inputs(model, 3, 1);
        byte[] file = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 4 + 32, Integer.MAX_VALUE);
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, inputs, file));
        assertTrue(rejected.reason().contains("proof is for a batch of 2147483647, the input has 3"), rejected.describe());
        ProofCodec.Header header = ProofCodec.decodeHeader(file, file.length, "p");
        assertEquals(rejected, Verifier.screen(model, inputs.length, header, org.safetynets.Limits.DEFAULTS));
    }
}
