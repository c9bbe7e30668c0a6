package org.safetynets.sumcheck;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.poly.Univariate;
import org.safetynets.transcript.Transcript;

import java.util.Arrays;

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
    /** The weight factor kept whole in {@link #proveWeightedSquare}: 2^10 entries, which stay in cache. */
    static final int LOW_WEIGHT_VARIABLES = 10;

    private Sumcheck() {
    }

    /** A run of {@code count} rounds of one degree: what a layer's sum-checks cost in soundness (count * degree / p). */
    public record Rounds(int count, int degree) {
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

    /**
     * Proves claim = sum_x E(x) * A(x)^2 for a product weight E(x) = prod_j f_j(x_j), f_j(t) = zero_j + t*(one_j - zero_j),
     * sending the same degree-3 round polynomials as {@link #prove} with tables (E, A, A) would, but cheaper:
     * in the round that binds variable m, s(t) = bound * f_m(t) * q(t) with q(t) = sum over the lower variables x' of
     * E_low(x') * A(x', t)^2, where bound = prod over bound variables of f_j(r_j). So E is never folded: its table over
     * the lower variables shrinks by summing halves (a factor zero+one to divide out, 1 for eq weights), and only
     * q(0) and q(2) are computed: q(1) follows from the running claim, s(0) + s(1) = claim, whenever bound and
     * f_m(1) are non-zero (else it is computed too), and q(3) = q(0) - 3q(1) + 3q(2), q being quadratic.
     *
     * <p>The backend computes each round's sums in the pass that folds the previous challenge in
     * ({@link Backend#foldThenWeightedSquareSums}), and, where it has the pass, the first two rounds together from
     * one pass over the largest table ({@link Backend#weightedSquareGrid}), whose first fold then waits for the
     * second. {@code values} is folded in place; entry 0 ends as MLE(A)(point).
     *
     * @return the point, indexed by variable
     */
    public static long[] proveWeightedSquare(Backend backend, Transcript transcript, long claim, long[] zeroWeights,
                                             long[] oneWeights, DeviceTensor values) {
        int variables = zeroWeights.length;
        long[] point = new long[variables];
        if (variables == 0) return point;
        long bound = 1;
        long scale = 1; // the weight tables hold E_low * scale
        // E_low, the product weight over the variables below the one being bound, is kept as high (x) low: low over
        // the lowest LOW_WEIGHT_VARIABLES variables, high over the rest. Summing a variable out of E_low sums the
        // halves of whichever factor holds it.
        int lowVariables = Math.min(variables - 1, LOW_WEIGHT_VARIABLES);
        long[] grid = variables >= 2 ? firstTwoRounds(backend, zeroWeights, oneWeights, values) : null;
        try (DeviceTensor low = productTable(backend, zeroWeights, oneWeights, 0, lowVariables);
             DeviceTensor high = productTable(backend, zeroWeights, oneWeights, lowVariables, variables - 1)) {
            long[] q02 = null; // q(0), q(2) of the coming round, when the previous round's fold computed them
            long[] unfolded = {}; // challenges not yet folded into values, highest variable first
            for (int m = variables - 1; m >= 0; m--) {
                int half = 1 << m;
                long[] q; // q(0), q(1), q(2)
                if (grid != null && m == variables - 1) {
                    // sum over v of f_{m-1}(v) * G(t, v)
                    q = new long[3];
                    for (int t = 0; t < 3; t++) {
                        q[t] = Fp.add(Fp.mul(zeroWeights[m - 1], grid[3 * t]), Fp.mul(oneWeights[m - 1], grid[3 * t + 1]));
                    }
                } else if (grid != null && m == variables - 2) {
                    // G(u, t) is quadratic in u: interpolated at u = the first challenge
                    q = new long[3];
                    for (int t = 0; t < 3; t++) q[t] = Univariate.evaluate(new long[] {grid[t], grid[3 + t], grid[6 + t]}, point[m + 1]);
                } else if (derivesQ1(bound, oneWeights[m])) {
                    long unscale = Fp.inverse(scale);
                    long[] sums = q02 != null ? q02
                            : backend.weightedSquareSums(high, low, Math.min(m, lowVariables), values, half, new int[] {0, 2});
                    long q0 = Fp.mul(sums[0], unscale);
                    // claim = bound * (f(0) q(0) + f(1) q(1)) with f(0) = zero_m, f(1) = one_m
                    long rest = Fp.sub(Fp.mul(claim, Fp.inverse(bound)), Fp.mul(zeroWeights[m], q0));
                    q = new long[] {q0, Fp.mul(rest, Fp.inverse(oneWeights[m])), Fp.mul(sums[1], unscale)};
                } else {
                    long unscale = Fp.inverse(scale);
                    q = backend.weightedSquareSums(high, low, Math.min(m, lowVariables), values, half, new int[] {0, 1, 2});
                    for (int t = 0; t < 3; t++) q[t] = Fp.mul(q[t], unscale);
                }
                long[] qs = {q[0], q[1], q[2], Fp.add(Fp.sub(q[0], Fp.mul(3, q[1])), Fp.mul(3, q[2]))};
                long[] s = new long[4];
                for (int t = 0; t < 4; t++) {
                    long f = Fp.add(zeroWeights[m], Fp.mul(t, Fp.sub(oneWeights[m], zeroWeights[m])));
                    s[t] = Fp.mul(bound, Fp.mul(f, qs[t]));
                }
                Schedule.roundPolynomial(transcript, 3, s);
                long r = Schedule.roundChallenge(transcript);
                claim = Univariate.evaluate(s, r);
                bound = Fp.mul(bound, Fp.add(zeroWeights[m], Fp.mul(r, Fp.sub(oneWeights[m], zeroWeights[m]))));
                point[m] = r;
                q02 = null;
                unfolded = Arrays.copyOf(unfolded, unfolded.length + 1);
                unfolded[unfolded.length - 1] = r;
                if (m >= 1) {
                    int removed = m - 1;
                    if (removed >= lowVariables) backend.sumHalves(high, 1 << (removed - lowVariables));
                    else backend.sumHalves(low, 1 << removed);
                    scale = Fp.mul(scale, Fp.add(zeroWeights[removed], oneWeights[removed]));
                }
                if (grid != null && m == variables - 1) continue; // the grid serves the next round from the unfolded table
                int foldHalf = half << (unfolded.length - 1);
                // The weights of the next round are ready, so its sums can come out of this fold's pass.
                if (m >= 1 && derivesQ1(bound, oneWeights[m - 1])) {
                    q02 = backend.foldThenWeightedSquareSums(values, foldHalf, unfolded, high, low, Math.min(m - 1, lowVariables));
                } else {
                    for (long c : unfolded) {
                        backend.fold(values, foldHalf, c);
                        foldHalf /= 2;
                    }
                }
                unfolded = new long[0];
            }
        }
        return point;
    }

    /**
     * The backend's {@link Backend#weightedSquareGrid} for the first two rounds (weights over the variables below
     * the top two, in tables of their own), or null where it takes the rounds one at a time.
     */
    private static long[] firstTwoRounds(Backend backend, long[] zeroWeights, long[] oneWeights, DeviceTensor values) {
        int below = zeroWeights.length - 2;
        int lowVariables = Math.min(below, LOW_WEIGHT_VARIABLES);
        try (DeviceTensor low = productTable(backend, zeroWeights, oneWeights, 0, lowVariables);
             DeviceTensor high = productTable(backend, zeroWeights, oneWeights, lowVariables, below)) {
            return backend.weightedSquareGrid(high, low, lowVariables, values, 1 << (below + 1)).orElse(null);
        }
    }

    /** The product table of the weights of variables [from, to): one factor of a split weight. */
    private static DeviceTensor productTable(Backend backend, long[] zeroWeights, long[] oneWeights, int from, int to) {
        return backend.productTable(Arrays.copyOfRange(zeroWeights, from, to), Arrays.copyOfRange(oneWeights, from, to));
    }

    /**
     * Whether a round of {@link #proveWeightedSquare} can take q(1) from the running claim (so the backend computes
     * q(0) and q(2) only): the bound weight and the current variable's weight at 1 must be invertible.
     */
    private static boolean derivesQ1(long bound, long oneWeight) {
        return bound != 0 && oneWeight != 0;
    }

    /** prod_j f_j(point_j): the product weight's multilinear extension at a point (the verifier's side of the above). */
    public static long productWeightAt(long[] zeroWeights, long[] oneWeights, long[] point) {
        long product = 1;
        for (int j = 0; j < point.length; j++) {
            product = Fp.mul(product, Fp.add(zeroWeights[j], Fp.mul(point[j], Fp.sub(oneWeights[j], zeroWeights[j]))));
        }
        return product;
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
