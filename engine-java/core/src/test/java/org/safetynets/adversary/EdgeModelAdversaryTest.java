package org.safetynets.adversary;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Flatten;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.model.SumPool;
import org.safetynets.model.TestModels;
import org.safetynets.proof.Verdict;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cheats of {@link AdversaryTest} on geometries its zoo does not reach, where an off-by-one in the padding, the
 * variable counts or the conv geometry would live: sum-checks of zero rounds (a 1x1 dense layer and an x^2 on one
 * value at batch 1, so the output has no variables at all), a 1x1 conv of one channel, a conv whose stride exceeds
 * its kernel, a dense layer read straight from a conv's (c, h, w) output with no flatten, a 4x4 square+pool whose
 * windows are ragged in both axes, and a negative-only input range at batch 9 (padded to 16). On each, every wrong
 * output entry, a spread of perturbed message elements, the consistent liar from every sum-check, and an honest
 * proof for other inputs must be rejected in both modes.
 */
class EdgeModelAdversaryTest {
    private static Model model(String name, Shape input, long min, long max, Layer... layers) {
        return new Model(name, input, min, max, 1, List.of(layers));
    }

    private static List<Setting> settings() {
        Random r = new Random(5);
        List<Model> models = new ArrayList<>();
        models.add(model("dense-1x1", Shape.vector(1), -3, 3, new Dense(1, 1, new long[] {2}, new long[] {5}, 1)));
        // A zero weight makes the output the bias whatever the input: a replayed proof claims the right outputs.
        models.add(model("dense-1x1-zero-weight", Shape.vector(1), -3, 3, new Dense(1, 1, new long[] {0}, new long[] {5}, 1)));
        models.add(model("square-of-one-value", Shape.vector(1), -3, 3, new Square()));
        models.add(model("conv-k1-one-channel", new Shape(1, 3, 3), -3, 3, new Conv2d(1, 1, 1, 1, 0, new long[] {3}, new long[] {-2}, 1)));
        models.add(model("conv-k2-s3-p1", new Shape(2, 7, 8), -3, 3, TestModels.conv(r, 3, 2, 2, 3, 1)));
        models.add(model("conv-then-dense-no-flatten", new Shape(2, 5, 3), -3, 3, TestModels.conv(r, 3, 2, 3, 1, 1), TestModels.dense(r, 2, 3 * 5 * 3)));
        models.add(model("square-pool4-ragged", new Shape(2, 6, 9), -3, 3, new Square(), new SumPool(4), new Flatten(), TestModels.dense(r, 3, 2 * 2 * 3)));
        models.add(model("mlp-negative-range", Shape.vector(5), -7, -1, TestModels.dense(r, 4, 5), new Square(), TestModels.dense(r, 3, 4)));
        int[] batches = {1, 1, 1, 1, 5, 3, 2, 9};
        List<Setting> settings = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            settings.add(new Setting(m, TestModels.inputs(m, batches[i], 1 + i), new ReferenceBackend()));
        }
        return settings;
    }

    private static Stream<DynamicTest> perSetting(String name, Consumer<Setting> body) {
        return settings().stream().map(s -> DynamicTest.dynamicTest(name + " " + s.model().name(), () -> body.accept(s)));
    }

    private static Verdict.Rejected rejected(Verdict verdict, String what) {
        if (verdict instanceof Verdict.Rejected r) return r;
        return fail(what + ": ACCEPTED with outputs " + Arrays.deepToString(((Verdict.Accepted) verdict).outputs()));
    }

    /** Plays {@code cheat} in both modes; each must be rejected. Returns the two rejections (Fiat-Shamir first). */
    private static Verdict.Rejected[] bothRejected(Setting s, CheatingProver cheat, String what) {
        String where = s.model().name() + " " + what;
        return new Verdict.Rejected[] {rejected(cheat.fiatShamir(s), where + " (Fiat-Shamir)"), rejected(cheat.interactive(s), where + " (interactive)")};
    }

    /** The harness itself on these geometries: the honest prover through it is accepted, else no rejection means anything. */
    @TestFactory
    Stream<DynamicTest> honestProverIsAccepted() {
        return perSetting("honest", s -> {
            CheatingProver honest = CheatingProver.wrapping(t -> t);
            assertTrue(honest.fiatShamir(s).accepted(), "Fiat-Shamir");
            assertTrue(honest.interactive(s).accepted(), "interactive");
        });
    }

    /** One output entry + 1: the last layer's first check, or its only one when it has no rounds, catches it. */
    @TestFactory
    Stream<DynamicTest> wrongOutputEntry() {
        return perSetting("wrong output", s -> {
            int outputs = s.batch() * s.model().output().size();
            for (int k = 0; k < outputs; k++) {
                int entry = k;
                TamperingTranscript[] sent = new TamperingTranscript[2];
                int[] plays = {0};
                Verdict.Rejected[] verdicts = bothRejected(s, CheatingProver.wrapping(t -> sent[plays[0]++] = new TamperingTranscript(t, 0, entry)), "output " + k + " + 1");
                assertTrue(sent[0].tampered() && sent[1].tampered(), "output " + k + " was not changed");
                for (Verdict.Rejected r : verdicts) assertEquals(s.lastLayer(), r.layer(), "output " + k + ": " + r.describe());
            }
        });
    }

    /** About four elements of every prover message, each + 1 in turn. */
    @TestFactory
    Stream<DynamicTest> messagesPerturbed() {
        return perSetting("perturbed messages", s -> {
            for (MessageMap.Message m : MessageMap.of(s).messages()) {
                for (int element = 0; element < m.length(); element += Math.max(1, m.length() / 4)) {
                    int at = element;
                    TamperingTranscript[] sent = new TamperingTranscript[2];
                    int[] plays = {0};
                    String what = "message " + m.index() + " '" + m.label() + "' element " + at;
                    bothRejected(s, CheatingProver.wrapping(t -> sent[plays[0]++] = new TamperingTranscript(t, m.index(), at)), what);
                    assertTrue(sent[0].tampered() && sent[1].tampered(), what + " was not changed");
                }
            }
        });
    }

    /** A faked claim carried consistently through every later round: only a final check against the model can catch it. */
    @TestFactory
    Stream<DynamicTest> consistentLiar() {
        return perSetting("consistent liar", s -> {
            for (MessageMap.Message start : MessageMap.of(s).sumcheckStarts()) {
                ConsistentLiar[] liars = new ConsistentLiar[2];
                int[] plays = {0};
                String what = "lie from message " + start.index();
                bothRejected(s, CheatingProver.wrapping(t -> liars[plays[0]++] = new ConsistentLiar(t, start.index(), 11)), what);
                assertTrue(liars[0].fakedRound() && liars[1].fakedRound(), what + ": no round was faked");
            }
        });
    }

    /**
     * An honest proof for other inputs of the same batch size: Fiat-Shamir binds the inputs before the first
     * challenge, and the interactive verifier evaluates its own inputs at the end.
     */
    @TestFactory
    Stream<DynamicTest> replayOfAnotherBatch() {
        return perSetting("replay", s -> {
            // Every value moved to the next one in the range (wrapping), so the batches differ even at batch 1.
            Model m = s.model();
            long[][] other = new long[s.batch()][];
            for (int b = 0; b < other.length; b++) {
                other[b] = s.inputs()[b].clone();
                for (int i = 0; i < other[b].length; i++) other[b][i] = other[b][i] == m.inputMax() ? m.inputMin() : other[b][i] + 1;
            }
            bothRejected(s, CheatingProver.honestFor(s.model(), other, s.model().digest(), t -> t), "replay of another batch's proof");
        });
    }
}
