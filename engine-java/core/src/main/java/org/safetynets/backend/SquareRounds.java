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
}
