package org.safetynets.layer;

import org.safetynets.adversary.RecordingTranscript;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp2;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Prover;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.transcript.FiatShamirTranscript;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each protocol declares its transcript steps once: the messages an honest proof sends are exactly the declared
 * ones, in order (round polynomials of degree + 1 elements, then the declared values by label), and the proof
 * size and the soundness bound's rounds are read off the declaration.
 */
class ProtocolScheduleTest {
    @Test
    void theMessagesOfEveryLayerAreItsDeclaredSchedule() {
        for (Model model : TestModels.zoo(3)) {
            int batch = 3;
            Network network = Network.compile(model, batch);
            List<String> declared = new ArrayList<>();
            declared.add("message outputs " + batch * model.output().size());
            for (int i = network.steps().size() - 1; i >= 0; i--) {
                for (ProtocolSchedule.Step step : network.steps().get(i).protocol().schedule().steps()) {
                    if (step instanceof ProtocolSchedule.SumcheckStep s) {
                        for (int r = 0; r < s.rounds(); r++) declared.add("extension-message sumcheck.round " + (s.degree() + 1));
                    } else {
                        declared.add("extension-message " + ((ProtocolSchedule.ValueStep) step).label() + " 1");
                    }
                }
            }
            RecordingTranscript recorder = new RecordingTranscript(FiatShamirTranscript.forProver());
            Prover.prove(network, model.digest(), InputBatch.of(model, TestModels.inputs(model, batch, 1)), new ReferenceBackend(), recorder,
                    Prover.Progress.NONE);
            List<String> sent = recorder.events.stream().filter(e -> e.contains("message")).toList();
            assertEquals(declared, sent, model.name());
            long words = 0;
            for (String e : sent) {
                int length = Integer.parseInt(e.substring(e.lastIndexOf(' ') + 1));
                words += e.startsWith("extension-message") ? 2L * length : length;
            }
            assertEquals(network.proofWords(), words, model.name());
        }
    }

    @Test
    void sizesAndRoundsAreReadOffTheDeclaration() {
        ProtocolSchedule schedule = ProtocolSchedule.builder().sumcheck(5, 2).value("a").sumcheck(3, 1).value("b").build();
        assertEquals(List.of(new Sumcheck.Rounds(5, 2), new Sumcheck.Rounds(3, 1)), schedule.sumchecks());
        assertEquals(2L * (5 * 3 + 1 + 3 * 2 + 1), schedule.proofWords());
    }

    @Test
    void aStepPlayedOutOfOrderIsRefused() {
        ProtocolSchedule schedule = ProtocolSchedule.builder().sumcheck(0, 2).value("a").build();
        ProtocolSchedule.Play play = schedule.play(FiatShamirTranscript.forProver());
        assertThrows(IllegalStateException.class, () -> play.value("a", Fp2.ONE), "the sum-check comes first");
        ProtocolSchedule.Play again = schedule.play(FiatShamirTranscript.forProver());
        again.verifySumcheck(Fp2.ZERO);
        assertThrows(IllegalStateException.class, () -> again.value("b", Fp2.ONE), "another label");
        assertThrows(IllegalStateException.class, again::end, "a step is left");
    }
}
