package org.safetynets.sumcheck;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.poly.Univariate;
import org.safetynets.transcript.Transcript;

/**
 * The sum-check protocol for claim = sum over x in {0,1}^k of prod_f T_f(x), a product of up to three
 * multilinear tables, so the round polynomial has degree = number of factors.
 *
 * <p>Round j binds the highest remaining variable (k-1-j): the prover sends g_j(t) for t = 0..degree, the
 * verifier checks g_j(0) + g_j(1) against the running claim and replies with a challenge r_j, and the claim
 * becomes g_j(r_j). After k rounds the verifier holds (point, finalClaim) and must check
 * prod_f MLE(T_f)(point) = finalClaim with an oracle of its own (the layer protocol's last step).
 * A lie survives each round with probability at most degree/p.
 */
public final class Sumcheck {
    private Sumcheck() {
    }

    /** The reduced claim the verifier is left with: prod_f MLE(T_f)(point) should equal finalClaim. */
    public record Reduced(long[] point, long finalClaim) {
    }

    /** The transcript steps of one sum-check; its prover and verifier both go through here. */
    static final class Schedule {
        private Schedule() {
        }

        static long[] roundPolynomial(Transcript transcript, int degree, long[] evaluations) {
            return transcript.message("sumcheck.round", degree + 1, evaluations);
        }

        static long roundChallenge(Transcript transcript) {
            return transcript.challenge("sumcheck.challenge");
        }
    }

    /**
     * Proves the sum over the hypercube of prod_f tables[factors[f]]. The tables are folded in place; after the
     * last round each holds its MLE at the returned point in entry 0.
     *
     * @return the point, indexed by variable (entry j is the challenge that bound variable j)
     */
    public static long[] prove(Backend backend, Transcript transcript, DeviceTensor[] tables, int[] factors, int variables) {
        int degree = factors.length;
        long[] point = new long[variables];
        int half = 1 << variables;
        for (DeviceTensor table : tables) {
            if (table.length() < half) throw new IllegalArgumentException("table of " + table.length() + " entries for " + variables + " variables");
        }
        for (int round = 0; round < variables; round++) {
            half >>= 1;
            long[] evaluations = backend.roundEvaluations(tables, factors, half, degree);
            Schedule.roundPolynomial(transcript, degree, evaluations);
            long r = Schedule.roundChallenge(transcript);
            for (DeviceTensor table : tables) backend.fold(table, half, r);
            point[variables - 1 - round] = r;
        }
        return point;
    }

    /** Checks every round against the running claim; throws ProofRejected (layer 0, the round) on a lie. */
    public static Reduced verify(Transcript transcript, long claim, int variables, int degree) {
        long[] point = new long[variables];
        long running = claim;
        for (int round = 0; round < variables; round++) {
            long[] g = Schedule.roundPolynomial(transcript, degree, null);
            if (Fp.add(g[0], g[1]) != running) {
                throw new ProofRejected("sum-check round polynomial g(0) + g(1) does not match the claim", 0, round);
            }
            long r = Schedule.roundChallenge(transcript);
            running = Univariate.evaluate(g, r);
            point[variables - 1 - round] = r;
        }
        return new Reduced(point, running);
    }
}
