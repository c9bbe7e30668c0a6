package org.safetynets.proof;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.safetynets.MalformedInput;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.IntegerReference;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outputs a verified proof establishes are the integer network's, not its residues mod p, up to the edge of
 * what the model's no-overflow analysis ({@code ValueBounds}) accepts. Each zoo model is pushed to that edge twice:
 * to the widest symmetric input range it accepts, and, at range 3, to the largest multiplier of every weight it
 * accepts. Each is proven on extreme inputs (all at the maximum, all at the minimum, and a mix), verified, and
 * compared with the integer network run in BigInteger. An analysis that admitted one value too many would let a
 * correct proof establish a wrapped output.
 */
class ExactnessAtValueBoundTest {
    private static final int BATCH = 3;
    /** The search for a range starts below 2^60: inputs are signed field elements, below p/2 in magnitude. */
    private static final long RANGE_CAP = 1L << 60;
    private static final long MULTIPLIER_CAP = 1L << 58;

    private static Model withRange(Model m, long max) {
        return new Model(m.name(), m.input(), -max, max, m.inputScale(), m.layers());
    }

    private static Model withWeightsTimes(Model m, long factor) {
        List<Layer> layers = new ArrayList<>();
        for (Layer layer : m.layers()) {
            if (layer instanceof Dense d) {
                layers.add(new Dense(d.outputs(), d.inputs(), times(d.weights(), factor), d.bias(), d.weightScale()));
            } else if (layer instanceof Conv2d c) {
                layers.add(new Conv2d(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), times(c.weights(), factor), c.bias(), c.weightScale()));
            } else {
                layers.add(layer);
            }
        }
        return new Model(m.name(), m.input(), m.inputMin(), m.inputMax(), m.inputScale(), layers);
    }

    private static long[] times(long[] weights, long factor) {
        long[] scaled = weights.clone();
        for (int i = 0; i < scaled.length; i++) scaled[i] = Math.multiplyExact(scaled[i], factor);
        return scaled;
    }

    /** Whether the model is accepted (its constructor runs the no-overflow analysis). */
    private static boolean accepted(LongFunction<Model> make, long parameter) {
        try {
            make.apply(parameter);
            return true;
        } catch (MalformedInput | ArithmeticException e) {
            return false;
        }
    }

    /** The largest parameter in [1, cap] that {@code make} accepts, by bisection (acceptance is monotone in it). */
    private static long largestAccepted(LongFunction<Model> make, long cap) {
        long lo = 1;
        long hi = cap;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (accepted(make, mid)) lo = mid;
            else hi = mid - 1;
        }
        assertTrue(accepted(make, lo), "parameter 1 must be accepted");
        return lo;
    }

    @TestFactory
    Stream<DynamicTest> verifiedOutputsAreTheIntegerNetworksAtTheEdgeOfTheBound() {
        return TestModels.zoo(21).stream().map(base -> DynamicTest.dynamicTest(base.name(), () -> {
            Random random = new Random(9);
            List<Model> edges = new ArrayList<>();
            LongFunction<Model> ranged = max -> withRange(base, max);
            long range = largestAccepted(ranged, RANGE_CAP);
            if (range < RANGE_CAP) assertFalse(accepted(ranged, range + 1), "range " + (range + 1) + " is past the edge");
            edges.add(ranged.apply(range));
            LongFunction<Model> scaled = factor -> withWeightsTimes(withRange(base, 3), factor);
            long factor = largestAccepted(scaled, MULTIPLIER_CAP);
            if (factor > 1) {
                if (factor < MULTIPLIER_CAP) assertFalse(accepted(scaled, factor + 1), "weights times " + (factor + 1) + " are past the edge");
                edges.add(scaled.apply(factor));
            }
            for (Model model : edges) {
                String what = model.name() + " inputs in +-" + model.inputMax();
                long[][] samples = new long[BATCH][model.input().size()];
                for (int i = 0; i < samples[0].length; i++) {
                    samples[0][i] = model.inputMax();
                    samples[1][i] = random.nextBoolean() ? model.inputMin() : model.inputMax();
                    samples[2][i] = model.inputMin();
                }
                Proof proof = Prover.prove(model, samples, new ReferenceBackend());
                Verdict verdict = Verifier.verify(model, samples, ProofCodec.encode(proof));
                assertTrue(verdict.accepted(), what + ": " + verdict);
                long[][] outputs = ((Verdict.Accepted) verdict).outputs();
                for (int b = 0; b < BATCH; b++) {
                    BigInteger[] expected = IntegerReference.run(model, samples[b]);
                    for (int f = 0; f < expected.length; f++) {
                        assertEquals(expected[f], BigInteger.valueOf(outputs[b][f]), what + ": sample " + b + " output " + f);
                    }
                }
            }
        }));
    }
}
