package org.safetynets.kernels;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.cpu.CpuBackendProvider;
import org.safetynets.layer.Network;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.InteractiveSession;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole proofs on a device backend equal the CPU backend's: byte for byte under Fiat-Shamir, and message for
 * message in the interactive protocol when both provers face the same challenges. Each device backend's test
 * extends it, skipping (or failing, where the device is required) when no device is present.
 */
public abstract class DeviceProofEquivalenceTest {
    /** A new backend on the device under test. */
    protected abstract Backend newBackend();

    private static Backend cpu() {
        return new CpuBackendProvider().open(2);
    }

    private static byte[] proofBytes(Backend backend, Model model, long[][] inputs) {
        try (backend) {
            return ProofCodec.encode(Prover.prove(model, inputs, backend));
        }
    }

    @Test
    void demoCnnFiatShamirProofIsByteIdenticalToTheCpuBackends() {
        Model model = DemoNetwork.build(5);
        long[][] inputs = DemoNetwork.inputs(5, 16);
        byte[] onCpu = proofBytes(cpu(), model, inputs);
        byte[] onDevice = proofBytes(newBackend(), model, inputs);
        assertArrayEquals(onCpu, onDevice);
        assertTrue(Verifier.verify(model, inputs, onDevice).accepted());
    }

    @Test
    void everyTestModelFiatShamirProofIsByteIdentical() {
        for (Model model : TestModels.zoo(21)) {
            for (int batch : new int[] {1, 3, 64}) {
                long[][] inputs = TestModels.inputs(model, batch, 3);
                assertArrayEquals(proofBytes(cpu(), model, inputs), proofBytes(newBackend(), model, inputs),
                        model.name() + " batch " + batch);
            }
        }
    }

    /**
     * The prover's end of an interactive protocol with a scripted verifier: challenges come from a seeded generator
     * (each coordinate uniform in [0, p), as the verifier's SecureRandom draws them), and every prover message is recorded.
     */
    private static final class ScriptedVerifier implements Transcript {
        final List<String> messages = new ArrayList<>();
        private final SplittableRandom coins;

        ScriptedVerifier(long seed) {
            this.coins = new SplittableRandom(seed);
        }

        @Override
        public Role role() {
            return Role.PROVER;
        }

        @Override
        public void absorbPublic(String label, long[] values) {
        }

        @Override
        public void absorbPublicBytes(String label, org.safetynets.transcript.PublicBytes bytes) {
        }

        @Override
        public long[] message(String label, int length, long[] proverValues) {
            assertEquals(length, proverValues.length, label);
            messages.add(label + " " + java.util.Arrays.toString(proverValues));
            return proverValues.clone();
        }

        @Override
        public org.safetynets.field.Fp2[] extensionMessage(String label, int length, org.safetynets.field.Fp2[] proverValues) {
            assertEquals(length, proverValues.length, label);
            messages.add(label + " " + java.util.Arrays.toString(proverValues));
            return proverValues.clone();
        }

        @Override
        public org.safetynets.field.Fp2 challenge(String label) {
            messages.add("challenge " + label);
            return org.safetynets.field.Fp2.random(coins);
        }
    }

    private static List<String> interactiveMessages(Backend backend, Model model, long[][] inputs, long seed) {
        try (backend) {
            ScriptedVerifier verifier = new ScriptedVerifier(seed);
            Prover.prove(Network.compile(model, inputs.length), model.digest(), InputBatch.of(model, inputs), backend, verifier,
                    Prover.Progress.NONE);
            return verifier.messages;
        }
    }

    @Test
    void interactiveProverMessagesAreIdenticalGivenTheSameChallenges() {
        List<Model> models = new ArrayList<>(TestModels.zoo(7));
        models.add(DemoNetwork.build(3));
        long seed = 11;
        for (Model model : models) {
            long[][] inputs = model.name().startsWith("demo") ? DemoNetwork.inputs(3, 8) : TestModels.inputs(model, 5, 4);
            List<String> onCpu = interactiveMessages(cpu(), model, inputs, seed);
            List<String> onDevice = interactiveMessages(newBackend(), model, inputs, seed);
            assertEquals(onCpu, onDevice, model.name());
            seed++;
        }
    }

    @Test
    void interactiveSessionWithSecureRandomChallengesAccepts() {
        Model model = DemoNetwork.build(2);
        long[][] inputs = DemoNetwork.inputs(2, 4);
        try (Backend backend = newBackend()) {
            Verdict verdict = InteractiveSession.run(model, inputs, backend);
            assertTrue(verdict.accepted(), verdict::toString);
        }
    }
}
