package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.adversary.ForwardingTranscript;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.layer.Network;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.PublicBytes;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audit item 1: batches beyond 2^16 samples with inputs near 2^15, the largest the verifier's fast input
 * evaluation takes. Its 64-bit sums wrapped past 2^16 samples, so honest proofs were rejected, and since the wrap
 * depends only on the inputs and the point, the verifier's input check was no longer the MLE of its inputs.
 */
class LargeBatchProofTest {
    /** dense 2 -> 2, x^2, dense 2 -> 1 over inputs in [-32767, 32767]: small enough to prove 200,000 samples here. */
    private static final Model MODEL = new Model("wide-inputs", Shape.vector(2), -32767, 32767, 1, List.of(
            new Dense(2, 2, new long[] {1, -1, 1, 1}, new long[] {3, -2}, 1),
            new Square(),
            new Dense(1, 2, new long[] {1, -1}, new long[] {0}, 1)));
    private static final Limits LIMITS = Limits.DEFAULTS.withMaxBatch(1 << 18);

    /** Maximal inputs, mostly the largest value (the worst case for the sums), some of the smallest. */
    private static long[][] maximalInputs(int batch) {
        long[][] samples = new long[batch][];
        for (int b = 0; b < batch; b++) samples[b] = b % 5 == 1 ? new long[] {-32767, 32767} : new long[] {32767, 32767};
        return samples;
    }

    @Test
    void honestProofsBeyond2To16SamplesAreAccepted() {
        for (int batch : new int[] {(1 << 16) + 1, 200_000}) {
            long[][] inputs = maximalInputs(batch);
            byte[] file = ProofCodec.encode(Prover.prove(MODEL, inputs, new ReferenceBackend(), Prover.Progress.NONE, LIMITS));
            Verdict verdict = Verifier.verify(MODEL, inputs, file, LIMITS);
            assertTrue(verdict.accepted(), "batch " + batch + ": " + verdict);
            long[][] outputs = ((Verdict.Accepted) verdict).outputs();
            // Sample 0: (32767 - 32767 + 3, 32767 + 32767 - 2) -> squares -> 9 - 65532^2; sample 1: (-65534 + 3, -2).
            assertEquals(9 - 65532L * 65532, outputs[0][0]);
            assertEquals(65531L * 65531 - 4, outputs[1][0]);
        }
    }

    /**
     * A host that binds the verifier's inputs in the transcript but runs the network on other inputs (one value
     * shifted): every message is consistent with the shifted inputs, so only the verifier's own evaluation of its
     * inputs can catch it, and it must, at layer 0.
     */
    @Test
    void aProofOfShiftedInputsIsRejected() {
        int batch = 200_000;
        long[][] inputs = maximalInputs(batch);
        long[][] shifted = inputs.clone();
        shifted[batch - 1] = new long[] {32766, 32767};
        InputBatch bound = InputBatch.of(MODEL, inputs, LIMITS);
        FiatShamirTranscript transcript = FiatShamirTranscript.forProver();
        ForwardingTranscript bindsTheVerifiersInputs = new ForwardingTranscript(transcript) {
            @Override
            public void absorbPublicBytes(String label, PublicBytes bytes) {
                inner.absorbPublicBytes(label, label.equals("input") ? bound.transcriptBytes() : bytes);
            }
        };
        Prover.prove(Network.compile(MODEL, batch), MODEL.digest(), InputBatch.of(MODEL, shifted, LIMITS), new ReferenceBackend(),
                bindsTheVerifiersInputs, Prover.Progress.NONE);
        byte[] file = ProofCodec.encode(new Proof(MODEL.digest(), batch, MODEL.input(), MODEL.output(), transcript.proofBytes()));
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(MODEL, inputs, file, LIMITS));
        assertEquals(0, rejected.layer(), rejected.describe());
        assertTrue(rejected.reason().contains("does not match the input batch"), rejected.describe());
        // The same proof is accepted against the inputs it was computed on, had the host bound those: it is honest about them.
        assertTrue(Verifier.verify(MODEL, shifted, ProofCodec.encode(Prover.prove(MODEL, shifted, new ReferenceBackend(),
                Prover.Progress.NONE, LIMITS)), LIMITS).accepted());
    }
}
