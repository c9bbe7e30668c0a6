package org.safetynets.proof;

import org.junit.jupiter.api.Test;
import org.safetynets.Limits;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Conv2d;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A verifier prepared once for a model gives the one-shot verifier's verdict on every proof, honest or not. */
class PreparedVerifierTest {
    private static final Model MODEL = DemoNetwork.build(5);

    @Test
    void acceptsHonestProofsAtSeveralBatchesWithTheirOutputs() {
        Verifier.Prepared prepared = Verifier.Prepared.of(MODEL, Limits.DEFAULTS);
        for (int batch : new int[] {1, 3, 1}) { // batch 1 twice: its compiled network is reused
            long[][] samples = DemoNetwork.inputs(batch, batch);
            Proof proof = Prover.prove(MODEL, samples, new ReferenceBackend());
            Verdict.Accepted accepted = assertInstanceOf(Verdict.Accepted.class, prepared.verify(samples, proof), "batch " + batch);
            Verdict.Accepted oneShot = assertInstanceOf(Verdict.Accepted.class, Verifier.verify(MODEL, samples, proof));
            assertArrayEquals(oneShot.outputs(), accepted.outputs());
        }
    }

    @Test
    void rejectsWhatTheOneShotVerifierRejects() {
        Verifier.Prepared prepared = Verifier.Prepared.of(MODEL, Limits.DEFAULTS);
        long[][] samples = DemoNetwork.inputs(2, 2);
        byte[] honest = ProofCodec.encode(Prover.prove(MODEL, samples, new ReferenceBackend()));

        byte[] tampered = honest.clone();
        tampered[tampered.length - 3] ^= 1; // the last message
        assertSameRejection(prepared, samples, ProofCodec.decode(tampered, "tampered"));

        long[][] otherInputs = DemoNetwork.inputs(9, 2);
        assertSameRejection(prepared, otherInputs, ProofCodec.decode(honest, "honest"));

        Model otherModel = DemoNetwork.build(6);
        Proof otherModelsProof = Prover.prove(otherModel, samples, new ReferenceBackend());
        Verdict.Rejected digest = assertSameRejection(prepared, samples, otherModelsProof);
        assertEquals("proof is for a different model (digest mismatch)", digest.reason());

        long[][] threeSamples = DemoNetwork.inputs(2, 3);
        assertSameRejection(prepared, threeSamples, ProofCodec.decode(honest, "honest"));
    }

    @Test
    void proofFileBytesGetTheOneShotVerdicts() {
        Verifier.Prepared prepared = Verifier.Prepared.of(MODEL, Limits.DEFAULTS);
        long[][] samples = DemoNetwork.inputs(3, 2);
        byte[] honest = ProofCodec.encode(Prover.prove(MODEL, samples, new ReferenceBackend()));
        Verdict.Accepted accepted = assertInstanceOf(Verdict.Accepted.class, prepared.verify(samples, honest));
        assertArrayEquals(((Verdict.Accepted) Verifier.verify(MODEL, samples, honest)).outputs(), accepted.outputs());

        byte[] tampered = honest.clone();
        tampered[ProofCodec.HEADER_BYTES + 5] ^= 1; // the first output
        byte[] truncated = java.util.Arrays.copyOf(honest, honest.length - 8);
        byte[] longer = java.util.Arrays.copyOf(honest, honest.length + 8);
        byte[] headerOnly = java.util.Arrays.copyOf(honest, ProofCodec.HEADER_BYTES - 1);
        byte[] garbage = new byte[honest.length];
        for (byte[] file : new byte[][] {tampered, truncated, longer, headerOnly, garbage, new byte[0]}) {
            Verdict.Rejected mine = assertInstanceOf(Verdict.Rejected.class, prepared.verify(samples, file));
            Verdict.Rejected oneShot = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(MODEL, samples, file));
            assertEquals(oneShot.reason(), mine.reason());
            assertEquals(oneShot.layer(), mine.layer());
            assertEquals(oneShot.round(), mine.round());
        }
    }

    @Test
    void changingTheCallersModelAfterwardsChangesNothing() {
        Model model = DemoNetwork.build(7);
        Verifier.Prepared prepared = Verifier.Prepared.of(model, Limits.DEFAULTS);
        long[][] samples = DemoNetwork.inputs(1, 2);
        Proof proof = Prover.prove(model, samples, new ReferenceBackend());
        long[] weights = ((Conv2d) model.layers().get(0)).weights();
        weights[0] = weights[0] == 0 ? 1 : 0; // the caller's copy now differs from what the proof is about
        assertInstanceOf(Verdict.Accepted.class, prepared.verify(samples, proof));
        assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, samples, proof));
    }

    private static Verdict.Rejected assertSameRejection(Verifier.Prepared prepared, long[][] samples, Proof proof) {
        Verdict.Rejected mine = assertInstanceOf(Verdict.Rejected.class, prepared.verify(samples, proof));
        Verdict.Rejected oneShot = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(MODEL, samples, proof));
        assertEquals(oneShot.reason(), mine.reason());
        return mine;
    }
}
