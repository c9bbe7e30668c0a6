package org.safetynets.proof;

import org.junit.jupiter.api.Test;
import org.safetynets.Limits;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Conv2d;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.transcript.FiatShamirTranscript;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A prover prepared once for a model makes the one-shot prover's proofs, byte for byte. */
class PreparedProverTest {
    private static final Model MODEL = DemoNetwork.build(5);

    private static byte[] oneShot(Model model, long[][] samples) {
        return ProofCodec.encode(Prover.prove(model, samples, new ReferenceBackend()));
    }

    @Test
    void proofsAreTheOneShotProversAcrossMoreBatchSizesThanItKeeps() {
        Prover.Prepared prepared = Prover.Prepared.of(MODEL, Limits.DEFAULTS);
        Verifier.Prepared verifier = prepared.verifier();
        // Six batch sizes (more than the networks kept), then the first ones again after they were dropped.
        for (int batch : new int[] {1, 2, 3, 4, 5, 6, 1, 2, 2}) {
            long[][] samples = DemoNetwork.inputs(batch + 10, batch);
            byte[] proof = ProofCodec.encode(prepared.prove(samples, new ReferenceBackend(), Prover.Progress.NONE));
            assertArrayEquals(oneShot(MODEL, samples), proof, "batch " + batch);
            assertInstanceOf(Verdict.Accepted.class, verifier.verify(samples, proof));
            byte[] tampered = proof.clone();
            tampered[tampered.length - 1] ^= 1;
            assertInstanceOf(Verdict.Rejected.class, verifier.verify(samples, tampered));
        }
        assertArrayEquals(MODEL.digest(), prepared.digest());
    }

    @Test
    void theTranscriptFormMakesTheSameMessages() {
        Prover.Prepared prepared = Prover.Prepared.of(MODEL, Limits.DEFAULTS);
        long[][] samples = DemoNetwork.inputs(4, 3);
        FiatShamirTranscript transcript = FiatShamirTranscript.forProver();
        prepared.prove(InputBatch.of(MODEL, samples), new ReferenceBackend(), transcript, Prover.Progress.NONE);
        assertArrayEquals(Prover.prove(MODEL, samples, new ReferenceBackend()).body(), transcript.proofBytes());
    }

    @Test
    void changingTheCallersModelAfterwardsChangesNothing() {
        Model model = DemoNetwork.build(7);
        long[][] samples = DemoNetwork.inputs(1, 2);
        byte[] before = oneShot(model, samples);
        Prover.Prepared prepared = Prover.Prepared.of(model, Limits.DEFAULTS);
        long[] weights = ((Conv2d) model.layers().get(0)).weights();
        weights[0] = weights[0] == 0 ? 1 : 0;
        assertArrayEquals(before, ProofCodec.encode(prepared.prove(samples, new ReferenceBackend(), Prover.Progress.NONE)));
    }

    @Test
    void concurrentProofsOfSeveralBatchSizesAreEachTheOneShotProof() throws Exception {
        Prover.Prepared prepared = Prover.Prepared.of(MODEL, Limits.DEFAULTS);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<long[][]> inputs = new ArrayList<>();
            List<Future<byte[]>> proofs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                long[][] samples = DemoNetwork.inputs(i, 1 + i % 6);
                inputs.add(samples);
                proofs.add(threads.submit(() -> ProofCodec.encode(prepared.prove(samples, new ReferenceBackend(), Prover.Progress.NONE))));
            }
            for (int i = 0; i < proofs.size(); i++) assertArrayEquals(oneShot(MODEL, inputs.get(i)), proofs.get(i).get(), "proof " + i);
        } finally {
            threads.shutdownNow();
        }
    }
}
