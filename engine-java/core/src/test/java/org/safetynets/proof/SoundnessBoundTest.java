package org.safetynets.proof;

import org.safetynets.adversary.RecordingTranscript;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.layer.Network;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.transcript.FiatShamirTranscript;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soundness bound counts exactly the sum-check rounds and degrees that a proof's transcript carries. */
class SoundnessBoundTest {
    @Test
    void boundMatchesTheRecordedSchedule() {
        for (Model model : TestModels.zoo(51)) {
            for (int batch : new int[] {1, 3, 8}) {
                Network network = Network.compile(model, batch);
                RecordingTranscript recorder = new RecordingTranscript(FiatShamirTranscript.forProver());
                Prover.prove(network, model.digest(), InputBatch.of(model, TestModels.inputs(model, batch, 1)), new ReferenceBackend(), recorder,
                        Prover.Progress.NONE);
                int rounds = 0;
                long degrees = 0;
                for (String event : recorder.events) {
                    if (event.startsWith("extension-message sumcheck.round ")) {
                        rounds++;
                        degrees += Integer.parseInt(event.substring("extension-message sumcheck.round ".length())) - 1;
                    }
                }
                SoundnessBound bound = SoundnessBound.of(network);
                assertEquals(rounds, bound.rounds(), model.name());
                assertEquals(degrees, bound.degreeSum(), model.name());
                assertEquals(recorder.challenges.size(), bound.rounds() + bound.outputVariables(), "one challenge per round plus the output point");
            }
        }
    }

    @Test
    void demoNetworkNumbers() {
        Model demo = DemoNetwork.build(1);
        SoundnessBound at64 = SoundnessBound.of(demo, 64);
        SoundnessBound at256 = SoundnessBound.of(demo, 256);
        // Output 10 -> 16 padded (4 variables) plus the batch bits; every layer's sum-checks over its own variables.
        assertEquals(4 + 6, at64.outputVariables());
        assertEquals(4 + 8, at256.outputVariables());
        // Challenges from F_p^2: the targets are interactive <= 2^-100 and Fiat-Shamir <= 2^-50 at 2^64 queries.
        assertTrue(at64.interactiveLog2() < -100 && at256.interactiveLog2() < -100, at256.describe());
        assertTrue(at256.interactiveNumerator() > at64.interactiveNumerator());
        assertTrue(at256.fiatShamirLog2(64) < -50, at256.describe());
        assertEquals(Math.log(at256.interactiveNumerator()) / Math.log(2) - 2 * Math.log(Fp.P) / Math.log(2), at256.interactiveLog2(), 1e-9);
    }
}
