package org.safetynets.layer;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.field.Fp2;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;

/**
 * A layer protocol's transcript steps, declared once: its sum-checks (rounds and degree) and its single values
 * (claimed evaluations, by label), in order. The prover and the verifier both play the same declaration through
 * {@link #play}, which refuses a step out of order, so the two sides cannot drift apart; the soundness bound
 * ({@link #sumchecks}) and the proof size ({@link #proofWords}) are read off it rather than written again.
 */
public final class ProtocolSchedule {
    /** One step of a schedule. */
    public sealed interface Step permits SumcheckStep, ValueStep {
    }

    /** A sum-check of {@code rounds} rounds whose round polynomials have degree {@code degree}. */
    public record SumcheckStep(int rounds, int degree) implements Step {
    }

    /** One F_p^2 value the prover sends (a claimed evaluation), under its transcript label. */
    public record ValueStep(String label) implements Step {
    }

    private final List<Step> steps;

    private ProtocolSchedule(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        public Builder sumcheck(int rounds, int degree) {
            if (rounds < 0 || degree < 1) throw new IllegalArgumentException("sum-check of " + rounds + " rounds, degree " + degree);
            steps.add(new SumcheckStep(rounds, degree));
            return this;
        }

        public Builder value(String label) {
            steps.add(new ValueStep(label));
            return this;
        }

        public ProtocolSchedule build() {
            return new ProtocolSchedule(steps);
        }
    }

    public List<Step> steps() {
        return steps;
    }

    /** The sum-checks in the order they run: what the soundness bound counts. */
    public List<Sumcheck.Rounds> sumchecks() {
        List<Sumcheck.Rounds> out = new ArrayList<>();
        for (Step step : steps) if (step instanceof SumcheckStep s) out.add(new Sumcheck.Rounds(s.rounds(), s.degree()));
        return out;
    }

    /** 8-byte words the prover sends: degree + 1 evaluations a round and one element a value, two words per F_p^2 element. */
    public long proofWords() {
        long elements = 0;
        for (Step step : steps) {
            if (step instanceof SumcheckStep s) elements += (long) s.rounds() * (s.degree() + 1);
            else elements += 1; // a ValueStep
        }
        return 2 * elements;
    }

    /** A run of this schedule over one transcript, by either side. */
    public Play play(Transcript transcript) {
        return new Play(transcript);
    }

    /**
     * The steps in order over one transcript: each call must be the next declared step (an out-of-order call is a
     * bug in the protocol code, an IllegalStateException), and {@link #end} checks that none is left.
     */
    public final class Play {
        private final Transcript transcript;
        private int next;

        private Play(Transcript transcript) {
            this.transcript = transcript;
        }

        /** The next step, consumed only if it is the kind asked for and {@code matches} it. */
        private <S extends Step> S expect(Class<S> kind, java.util.function.Predicate<S> matches, String what) {
            if (next >= steps.size() || !kind.isInstance(steps.get(next)) || !matches.test(kind.cast(steps.get(next)))) {
                throw new IllegalStateException("step " + next + " of the schedule " + steps + " is not " + what);
            }
            return kind.cast(steps.get(next++));
        }

        private SumcheckStep sumcheck(int degree) {
            return expect(SumcheckStep.class, s -> s.degree() == degree, "a sum-check of degree " + degree);
        }

        /** Prover: the next sum-check, over the product of {@code tables} picked by {@code factors}. */
        public Sumcheck.Proven proveSumcheck(Backend backend, ExtTensor[] tables, int[] factors) {
            SumcheckStep step = sumcheck(factors.length);
            return Sumcheck.prove(backend, transcript, tables, factors, step.rounds());
        }

        /** Prover: the next sum-check, the x^2 one (degree 3) over the product weight given by its per-variable values. */
        public Sumcheck.Proven proveSquare(Backend backend, Fp2 claim, Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
            expect(SumcheckStep.class, s -> s.degree() == 3 && s.rounds() == zeroWeights.length,
                    "the x^2 sum-check over " + zeroWeights.length + " variables");
            return Sumcheck.proveSquare(backend, transcript, claim, zeroWeights, oneWeights, values);
        }

        /** Verifier: the next sum-check, from {@code claim}. */
        public Sumcheck.Reduced verifySumcheck(Fp2 claim) {
            SumcheckStep step = expect(SumcheckStep.class, x -> true, "a sum-check");
            return Sumcheck.verify(transcript, claim, step.rounds(), step.degree());
        }

        /** The next value: sent by the prover ({@code proverValue}), received by the verifier (null). */
        public Fp2 value(String label, Fp2 proverValue) {
            expect(ValueStep.class, v -> v.label().equals(label), "value '" + label + "'");
            return transcript.value(label, proverValue);
        }

        /** Every declared step was played. */
        public void end() {
            if (next != steps.size()) throw new IllegalStateException("schedule ended after " + next + " of " + steps.size() + " steps");
        }
    }
}
