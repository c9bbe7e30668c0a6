package org.safetynets.proof;

import org.safetynets.adversary.ForwardingTranscript;
import org.safetynets.adversary.RecordingTranscript;
import org.safetynets.adversary.TamperingTranscript;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.PublicBytes;
import org.safetynets.transcript.Transcript;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fiat-Shamir binds every public value: changing any one of them (the protocol version, each byte of the model
 * digest, the batch size and each shape field, each input value, each output value) changes every challenge of
 * the proof. A value left out of the hash would leave the challenges unchanged, which is the classic
 * Fiat-Shamir break: a prover could then choose that value after seeing the challenges.
 */
class FiatShamirBindingTest {
    private final Model model = TestModels.zoo(31).get(9); // mlp: 7 inputs -> dense -> x^2 -> dense -> 3 outputs
    private final long[][] inputs = TestModels.inputs(model, 2, 3);
    private final Network network = Network.compile(model, inputs.length);
    private final InputBatch input = InputBatch.of(model, inputs);

    private RecordingTranscript prove(UnaryOperator<Transcript> cheat) {
        RecordingTranscript recorder = new RecordingTranscript(cheat.apply(FiatShamirTranscript.forProver()));
        Prover.prove(network, model.digest(), input, new ReferenceBackend(), recorder, Prover.Progress.NONE);
        return recorder;
    }

    /** Changes element {@code index} of the public value labelled {@code target} before it is absorbed. */
    private static UnaryOperator<Transcript> changePublic(String target, int index) {
        return inner -> new ForwardingTranscript(inner) {
            @Override
            public void absorbPublic(String label, long[] values) {
                long[] copy = values.clone();
                if (label.equals(target)) copy[index] += 1;
                inner.absorbPublic(label, copy);
            }

            @Override
            public void absorbPublicBytes(String label, PublicBytes bytes) {
                byte[] copy = InputBatchTest.collect(bytes);
                if (label.equals(target)) copy[index] ^= 1;
                inner.absorbPublicBytes(label, copy);
            }
        };
    }

    @Test
    void everyPublicValueIsAbsorbedBeforeTheFirstChallenge() {
        List<String> events = prove(t -> t).events;
        List<String> beforeFirstChallenge = events.subList(0, events.indexOf(events.stream().filter(e -> e.startsWith("challenge")).findFirst().orElseThrow()));
        assertEquals(List.of("public protocol.version 1", "public-bytes model.digest 32", "public shapes 7",
                "public-bytes input " + inputs.length * model.input().size(), "message outputs " + inputs.length * model.output().size()),
                beforeFirstChallenge);
    }

    @Test
    void changingAnyPublicValueChangesEveryChallenge() {
        List<org.safetynets.field.Fp2> baseline = prove(t -> t).challenges;
        assertTrue(baseline.size() > 10, "challenges: " + baseline.size());
        List<String> variants = new ArrayList<>();
        List<UnaryOperator<Transcript>> cheats = new ArrayList<>();
        variants.add("protocol version");
        cheats.add(changePublic("protocol.version", 0));
        for (int i = 0; i < 32; i++) {
            variants.add("model digest byte " + i);
            cheats.add(changePublic("model.digest", i));
        }
        String[] shapeFields = {"batch size", "input channels", "input height", "input width", "output channels", "output height", "output width"};
        for (int i = 0; i < shapeFields.length; i++) {
            variants.add(shapeFields[i]);
            cheats.add(changePublic("shapes", i));
        }
        int inputBytes = (int) input.transcriptBytes().length();
        assertEquals(inputs.length * model.input().size(), inputBytes, "one byte per input value for the range 0..3");
        for (int i = 0; i < inputBytes; i++) {
            variants.add("input sample " + i / model.input().size() + " value " + i % model.input().size());
            cheats.add(changePublic("input", i));
        }
        int outputs = inputs.length * model.output().size();
        for (int i = 0; i < outputs; i++) {
            int element = i;
            variants.add("output " + i);
            cheats.add(t -> new TamperingTranscript(t, 0, element));
        }
        for (int v = 0; v < variants.size(); v++) {
            List<org.safetynets.field.Fp2> changed = prove(cheats.get(v)).challenges;
            assertEquals(baseline.size(), changed.size(), variants.get(v));
            for (int c = 0; c < baseline.size(); c++) {
                assertNotEquals(baseline.get(c), changed.get(c), variants.get(v) + ": challenge " + c + " did not change");
            }
        }
        assertEquals(1 + 32 + 7 + 14 + 6, variants.size());
    }
}
