package org.safetynets.proof;

import org.safetynets.adversary.RecordingTranscript;
import org.safetynets.adversary.TamperingTranscript;
import org.safetynets.backend.Backend;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.layer.Network;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.IntegerReference;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.transcript.FiatShamirTranscript;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every layer protocol, alone and chained, on the reference backend: honest proofs verify in both transcript
 * modes, and a proof is rejected when any single output, proof element, weight, bias or input is changed.
 */
class ProtocolTest {
    private final Backend backend = new ReferenceBackend();

    private static final int[] BATCHES = {1, 3, 64};

    @TestFactory
    Stream<DynamicTest> honestProofsVerifyInBothModes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Model model : TestModels.zoo(1)) {
            for (int batch : BATCHES) {
                if (batch == 64 && model.name().startsWith("cnn")) continue; // covered at batch 3; keeps the suite fast
                tests.add(DynamicTest.dynamicTest(model.name() + " batch " + batch, () -> {
                    long[][] inputs = TestModels.inputs(model, batch, batch);
                    Proof proof = Prover.prove(model, inputs, backend);
                    Verdict verdict = Verifier.verify(model, inputs, ProofCodec.encode(proof));
                    assertTrue(verdict.accepted(), () -> model.name() + ": " + verdict);
                    assertOutputsEqualIntegerNetwork(model, inputs, ((Verdict.Accepted) verdict).outputs());
                    assertEquals(ProofCodec.HEADER_BYTES + 8 * Network.compile(model, batch).proofWords(), proof.encodedSize());
                    Verdict interactive = InteractiveSession.run(model, inputs, backend);
                    assertTrue(interactive.accepted(), () -> model.name() + " interactive: " + interactive);
                    assertArrayEquals(((Verdict.Accepted) verdict).outputs(), ((Verdict.Accepted) interactive).outputs());
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void fieldInferenceEqualsTheIntegerNetwork() {
        for (Model model : TestModels.zoo(2)) {
            long[][] inputs = TestModels.inputs(model, 5, 9);
            assertOutputsEqualIntegerNetwork(model, inputs, Prover.infer(model, inputs, backend));
        }
    }

    private static void assertOutputsEqualIntegerNetwork(Model model, long[][] inputs, long[][] outputs) {
        for (int b = 0; b < inputs.length; b++) {
            BigInteger[] expected = IntegerReference.run(model, inputs[b]);
            long[] actual = outputs[b];
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], BigInteger.valueOf(actual[i]), model.name() + " sample " + b + " output " + i);
            }
        }
    }

    /** Every single field element of the proof body, changed in turn, is caught (small chained networks). */
    @TestFactory
    Stream<DynamicTest> everyProofElementIsBound() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Model model : TestModels.zoo(3)) {
            if (!List.of("mlp", "cnn-stride2", "pool2", "conv-s2-p0").contains(model.name())) continue;
            tests.add(DynamicTest.dynamicTest(model.name(), () -> {
                long[][] inputs = TestModels.inputs(model, 3, 4);
                Proof proof = Prover.prove(model, inputs, backend);
                byte[] body = proof.body();
                int elements = body.length / Fp.BYTES;
                for (int i = 0; i < elements; i++) {
                    byte[] tampered = body.clone();
                    long v = Fp.read(tampered, i * Fp.BYTES, "test");
                    Fp.write(Fp.add(v, 1 + i % 5), tampered, i * Fp.BYTES);
                    Proof cheat = new Proof(proof.modelDigest(), proof.batch(), proof.input(), proof.output(), tampered);
                    Verdict verdict = Verifier.verify(model, inputs, cheat);
                    assertFalse(verdict.accepted(), model.name() + ": changing proof element " + i + " of " + elements + " was accepted");
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void changedOutputEntryIsRejectedAndNamed() {
        Model model = TestModels.zoo(4).get(10); // cnn
        long[][] inputs = TestModels.inputs(model, 3, 1);
        Proof proof = Prover.prove(model, inputs, backend);
        byte[] body = proof.body();
        Fp.write(Fp.add(Fp.read(body, 8, "test"), 1), body, 8);
        Verdict verdict = Verifier.verify(model, inputs, new Proof(proof.modelDigest(), 3, proof.input(), proof.output(), body));
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, verdict);
        assertEquals(model.layers().size(), rejected.layer(), "the last layer's sub-protocol catches a wrong output: " + rejected.describe());
    }

    @Test
    void changedInputIsRejected() {
        for (Model model : TestModels.zoo(5)) {
            long[][] inputs = TestModels.inputs(model, 3, 2);
            Proof proof = Prover.prove(model, inputs, backend);
            long[][] other = Arrays.stream(inputs).map(long[]::clone).toArray(long[][]::new);
            other[2][other[2].length - 1] = other[2][other[2].length - 1] == 0 ? 1 : 0;
            assertFalse(Verifier.verify(model, other, proof).accepted(), model.name());
        }
    }

    /** A host that ran a different model (one weight or one bias changed) cannot pass, even claiming the right digest. */
    @TestFactory
    Stream<DynamicTest> differentWeightsAreRejected() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Model model : TestModels.zoo(6)) {
            for (int layer = 0; layer < model.layers().size(); layer++) {
                for (boolean bias : new boolean[] {false, true}) {
                    Model cheap = withChangedParameter(model, layer, bias);
                    if (cheap == null) continue;
                    int at = layer;
                    tests.add(DynamicTest.dynamicTest(model.name() + " layer " + (layer + 1) + (bias ? " bias" : " weight"), () -> {
                        long[][] inputs = TestModels.inputs(model, 3, 7);
                        // The digest check alone catches an honest-about-its-model host...
                        assertFalse(Verifier.verify(model, inputs, Prover.prove(cheap, inputs, backend)).accepted());
                        // ...and the protocol catches one that runs the other weights but claims this model's digest.
                        InputBatch padded = InputBatch.of(model, inputs);
                        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
                        Prover.prove(Network.compile(cheap, 3), model.digest(), padded, backend, prover, Prover.Progress.NONE);
                        Proof lie = new Proof(model.digest(), 3, model.input(), model.output(), prover.proofBytes());
                        Verdict verdict = Verifier.verify(model, inputs, lie);
                        assertFalse(verdict.accepted(), "layer " + (at + 1) + " changed but accepted");
                    }));
                }
            }
        }
        return tests.stream();
    }

    private static Model withChangedParameter(Model model, int index, boolean bias) {
        List<Layer> layers = new ArrayList<>(model.layers());
        Layer layer = layers.get(index);
        if (layer instanceof Dense d) {
            long[] w = d.weights().clone();
            long[] b = d.bias().clone();
            if (bias) b[b.length - 1] += 1;
            else w[w.length / 2] += w[w.length / 2] > 0 ? -1 : 1;
            layers.set(index, new Dense(d.outputs(), d.inputs(), w, b, d.weightScale()));
        } else if (layer instanceof Conv2d c) {
            long[] w = c.weights().clone();
            long[] b = c.bias().clone();
            if (bias) b[0] -= 1;
            else w[w.length - 1] += w[w.length - 1] > 0 ? -1 : 1;
            layers.set(index, new Conv2d(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), w, b, c.weightScale()));
        } else {
            return null;
        }
        return new Model(model.name(), model.input(), model.inputMin(), model.inputMax(), model.inputScale(), layers);
    }

    /** The interactive verifier rejects the same cheats: each prover message perturbed in turn. */
    @TestFactory
    Stream<DynamicTest> interactiveRejectsEveryPerturbedMessage() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Model model : TestModels.zoo(8)) {
            if (!List.of("mlp", "cnn", "pool4").contains(model.name())) continue;
            long[][] inputs = TestModels.inputs(model, 3, 3);
            int messages = countMessages(model, inputs);
            for (int m = 0; m < messages; m++) {
                int message = m;
                tests.add(DynamicTest.dynamicTest(model.name() + " message " + m, () -> {
                    TamperingTranscript[] cheat = new TamperingTranscript[1];
                    Verdict verdict = InteractiveSession.run(model, inputs, backend, t -> cheat[0] = new TamperingTranscript(t, message, 0));
                    assertTrue(cheat[0].tampered());
                    assertFalse(verdict.accepted(), "perturbed message " + message + " accepted");
                }));
            }
        }
        return tests.stream();
    }

    private int countMessages(Model model, long[][] inputs) {
        RecordingTranscript recorder = new RecordingTranscript(FiatShamirTranscript.forProver());
        Prover.prove(Network.compile(model, inputs.length), model.digest(), InputBatch.of(model, inputs), backend, recorder, Prover.Progress.NONE);
        return (int) recorder.events.stream().filter(e -> e.startsWith("message")).count();
    }

    /** Prover and verifier walk the same schedule: identical (kind, label, length) events. */
    @Test
    void proverAndVerifierSchedulesAreIdentical() {
        for (Model model : TestModels.zoo(9)) {
            long[][] inputs = TestModels.inputs(model, 3, 5);
            InputBatch padded = InputBatch.of(model, inputs);
            Network network = Network.compile(model, 3);
            FiatShamirTranscript proverSide = FiatShamirTranscript.forProver();
            RecordingTranscript prover = new RecordingTranscript(proverSide);
            Prover.prove(network, model.digest(), padded, backend, prover, Prover.Progress.NONE);
            RecordingTranscript verifier = new RecordingTranscript(FiatShamirTranscript.forVerifier(proverSide.proofBytes()));
            assertTrue(Verifier.verify(network, model.digest(), padded, verifier).accepted());
            assertEquals(prover.events, verifier.events, model.name());
        }
    }

    @Test
    void proofsAreDeterministic() {
        Model model = TestModels.zoo(10).get(10);
        long[][] inputs = TestModels.inputs(model, 3, 3);
        assertArrayEquals(ProofCodec.encode(Prover.prove(model, inputs, backend)), ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend())));
    }
}
