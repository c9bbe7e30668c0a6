package org.safetynets.backend;

import org.safetynets.field.Fp2;

/**
 * The prover's side of the x^2 sum-check, claim = sum over x of E(x) A(x)^2 with a product weight
 * E(x) = prod_j f_j(x_j), f_j(t) = zero_j + t (one_j - zero_j), and A a table of witness values: what a round
 * needs from the backend, round after round (the round-oracle the sum-check driver plays; the messages are those
 * of the plain protocol over the tables E, A, A, so any implementation gives the same proof).
 * {@link Backend#squareRounds} gives one built from the generic kernels; a backend may supply a fused one.
 */
public interface SquareRounds extends AutoCloseable {
    /**
     * The round polynomial s(t), t = 0..3, of the round that binds the highest live variable, given the running
     * claim s(0) + s(1) (which an implementation may use to derive s(1) instead of computing it).
     */
    Fp2[] roundPolynomial(Fp2 claim);

    /** Binds the highest live variable to the challenge r. */
    void bind(Fp2 r);

    /** MLE(A)(point) once every variable is bound. */
    Fp2 finalValue();

    /** Frees what it allocated; the values tensor stays its owner's to close (its contents may have been folded). */
    @Override
    void close();

    // ---- the round from its sums, shared by the implementations that split the weight ---------------------------
    // In the round that binds variable m, s(t) = bound * f_m(t) * q(t), where bound is the product of f_j(r_j) over
    // the variables bound so far and q(t) = sum over the lower variables x' of E_low(x') A(x', t)^2: the sums a backend
    // computes, with no table of E.

    /**
     * Whether q(1) follows from the running claim, claim = bound (f_m(0) q(0) + f_m(1) q(1)), so that a round needs
     * the sums at t = 0 and 2 only: when neither bound nor f_m(1) = {@code one} is zero.
     */
    static boolean q1FollowsFromClaim(Fp2 bound, Fp2 one) {
        return !bound.equals(Fp2.ZERO) && !one.equals(Fp2.ZERO);
    }

    /**
     * q(1) = (claim / bound - f_m(0) q(0)) / f_m(1) = (claim - bound f_m(0) q(0)) / (bound f_m(1)), with one inversion a
     * round rather than two; requires {@link #q1FollowsFromClaim}.
     */
    static Fp2 q1FromClaim(Fp2 claim, Fp2 zero, Fp2 one, Fp2 bound, Fp2 q0) {
        return claim.sub(bound.mul(zero).mul(q0)).mul(bound.mul(one).inverse());
    }

    /**
     * s(t), t = 0..3, from q(0), q(1), q(2) of the round whose variable has f(0) = {@code zero}, f(1) = {@code one}:
     * q is quadratic, so q(3) = q(0) - 3 q(1) + 3 q(2).
     */
    static Fp2[] roundFromSums(Fp2 zero, Fp2 one, Fp2 bound, Fp2 q0, Fp2 q1, Fp2 q2) {
        Fp2 three = Fp2.of(3);
        Fp2[] q = {q0, q1, q2, q0.sub(three.mul(q1)).add(three.mul(q2))};
        Fp2 slope = one.sub(zero);
        Fp2[] s = new Fp2[4];
        for (int t = 0; t < 4; t++) s[t] = bound.mul(zero.add(slope.mul(t))).mul(q[t]);
        return s;
    }
}
