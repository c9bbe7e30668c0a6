package org.safetynets.sumcheck;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Univariate;
import org.safetynets.transcript.Transcript;

/**
 * The sum-check protocol for claim = sum over x in {0,1}^k of prod_f T_f(x), a product of up to three
 * multilinear tables, so the round polynomial has degree = number of factors.
 *
 * <p>Round j binds the highest remaining variable (k-1-j): the prover sends g_j(t) for t = 0..degree, the
 * verifier checks g_j(0) + g_j(1) against the running claim and replies with a challenge r_j from F_p^2, and the
 * claim becomes g_j(r_j). After k rounds the verifier holds (point, finalClaim) and must check
 * prod_f MLE(T_f)(point) = finalClaim with an oracle of its own (the layer protocol's last step).
 * A lie survives each round with probability at most degree/p^2: challenges come from F_p^2, so a prover that
 * grinds a Fiat-Shamir transcript needs about p^2/degree tries per round, not p/degree.
 */
public final class Sumcheck {
    private Sumcheck() {
    }

    /** A run of {@code count} rounds of one degree: what a layer's sum-checks cost in soundness (count * degree / |F|). */
    public record Rounds(int count, int degree) {
    }

    /** The reduced claim the verifier is left with: prod_f MLE(T_f)(point) should equal finalClaim. */
    public record Reduced(Fp2[] point, Fp2 finalClaim) {
    }

    /** The prover's result: the point, and each table's multilinear extension there. */
    public record Proven(Fp2[] point, Fp2[] finalValues) {
    }

    /** The transcript steps of one sum-check; its prover and verifier both go through here. */
    static final class Schedule {
        private Schedule() {
        }

        static Fp2[] roundPolynomial(Transcript transcript, int degree, Fp2[] evaluations) {
            return transcript.extensionMessage("sumcheck.round", degree + 1, evaluations);
        }

        static Fp2 roundChallenge(Transcript transcript) {
            return transcript.challenge("sumcheck.challenge");
        }
    }

    /**
     * Proves the sum over the hypercube of prod_f tables[factors[f]]. The tables stay their owner's (they may be
     * folded in place); the tables a fold creates are closed here.
     *
     * @return the point, indexed by variable (entry j is the challenge that bound variable j), and each table's MLE there
     */
    public static Proven prove(Backend backend, Transcript transcript, ExtTensor[] tables, int[] factors, int variables) {
        int degree = factors.length;
        Fp2[] point = new Fp2[variables];
        int half = 1 << variables;
        for (ExtTensor table : tables) {
            if (table.length() < half) throw new IllegalArgumentException("table of " + table.length() + " entries for " + variables + " variables");
        }
        ExtTensor[] live = tables.clone();
        try {
            for (int round = 0; round < variables; round++) {
                half >>= 1;
                Fp2[] evaluations = backend.roundEvaluations(live, factors, half, degree);
                Schedule.roundPolynomial(transcript, degree, evaluations);
                Fp2 r = Schedule.roundChallenge(transcript);
                for (int k = 0; k < live.length; k++) {
                    ExtTensor folded = backend.fold(live[k], half, r);
                    if (folded != live[k] && live[k] != tables[k]) live[k].close();
                    live[k] = folded;
                }
                point[variables - 1 - round] = r;
            }
            Fp2[] finals = new Fp2[live.length];
            for (int k = 0; k < live.length; k++) finals[k] = backend.get(live[k], 0);
            return new Proven(point, finals);
        } finally {
            for (int k = 0; k < live.length; k++) if (live[k] != tables[k]) live[k].close();
        }
    }

    /**
     * Proves claim = sum_x E(x) A(x)^2 for the product weight E(x) = prod_j f_j(x_j), f_j(t) = zero_j + t (one_j - zero_j),
     * with the backend's {@link Backend#squareRounds} computing each round: the messages are those of {@link #prove}
     * over the tables (E, A, A). {@code values} stays the caller's to close; it may be folded in place.
     *
     * @return the point, indexed by variable, and MLE(A) there
     */
    public static Proven proveSquare(Backend backend, Transcript transcript, Fp2 claim, Fp2[] zeroWeights, Fp2[] oneWeights,
                                     DeviceTensor values) {
        int variables = zeroWeights.length;
        Fp2[] point = new Fp2[variables];
        try (SquareRounds rounds = backend.squareRounds(zeroWeights, oneWeights, values)) {
            for (int m = variables - 1; m >= 0; m--) {
                Fp2[] s = Schedule.roundPolynomial(transcript, 3, rounds.roundPolynomial(claim));
                Fp2 r = Schedule.roundChallenge(transcript);
                claim = Univariate.evaluate(s, r);
                rounds.bind(r);
                point[m] = r;
            }
            return new Proven(point, new Fp2[] {rounds.finalValue()});
        }
    }

    /** prod_j f_j(point_j): the product weight's multilinear extension at a point (the verifier's side of the above). */
    public static Fp2 productWeightAt(Fp2[] zeroWeights, Fp2[] oneWeights, Fp2[] point) {
        Fp2 product = Fp2.ONE;
        for (int j = 0; j < point.length; j++) {
            product = product.mul(zeroWeights[j].add(point[j].mul(oneWeights[j].sub(zeroWeights[j]))));
        }
        return product;
    }

    /** Checks every round against the running claim; throws ProofRejected (layer 0, the round) on a lie. */
    public static Reduced verify(Transcript transcript, Fp2 claim, int variables, int degree) {
        Fp2[] point = new Fp2[variables];
        Fp2 running = claim;
        for (int round = 0; round < variables; round++) {
            Fp2[] g = Schedule.roundPolynomial(transcript, degree, null);
            if (!g[0].add(g[1]).equals(running)) {
                throw new ProofRejected("sum-check round polynomial g(0) + g(1) does not match the claim", 0, round);
            }
            Fp2 r = Schedule.roundChallenge(transcript);
            running = Univariate.evaluate(g, r);
            point[variables - 1 - round] = r;
        }
        return new Reduced(point, running);
    }
}
