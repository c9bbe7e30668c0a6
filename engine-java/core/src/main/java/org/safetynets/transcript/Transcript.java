package org.safetynets.transcript;

import org.safetynets.field.Fp2;

/**
 * The only channel between a prover and a verifier. Protocol code is written once against this interface and
 * runs unchanged in both modes: Fiat-Shamir ({@link FiatShamirTranscript}, a proof is a byte string) and
 * interactive ({@link InteractiveTranscript}, messages cross a channel and the verifier draws the challenges).
 *
 * <p>Protocol code never calls a transcript directly: each protocol's steps live in one schedule that both its
 * prover and its verifier call, so the two sides cannot drift apart.
 */
public interface Transcript {
    enum Role { PROVER, VERIFIER }

    Role role();

    /** Binds a value both sides already hold (model digest, shapes, the input batch) before any challenge. */
    void absorbPublic(String label, long[] values);

    /** Binds public bytes (a digest, a compactly encoded input batch) as one event. */
    void absorbPublicBytes(String label, PublicBytes bytes);

    default void absorbPublicBytes(String label, byte[] bytes) {
        absorbPublicBytes(label, PublicBytes.of(bytes));
    }

    /**
     * A message of base-field elements from the prover (the outputs: witness values live in F_p). On the prover's
     * side {@code proverValues} holds exactly {@code length} canonical field elements and is sent; on the verifier's
     * side it must be null and the message is received. Both sides get back the message they now agree on. A
     * verifier that cannot read a well-formed message throws {@link org.safetynets.ProofRejected}.
     */
    long[] message(String label, int length, long[] proverValues);

    /**
     * A message of F_p^2 elements (round polynomials, claimed evaluations: everything that depends on a challenge),
     * with the same contract as {@link #message}; each element travels as two canonical words, re then im.
     */
    Fp2[] extensionMessage(String label, int length, Fp2[] proverValues);

    /** A one-element prover message (a claimed evaluation): the value on the prover's side, null on the verifier's. */
    default Fp2 value(String label, Fp2 proverValue) {
        return extensionMessage(label, 1, proverValue == null ? null : new Fp2[] {proverValue})[0];
    }

    /** A uniformly random element of F_p^2 that the prover cannot predict before its preceding messages. */
    Fp2 challenge(String label);

    default Fp2[] challenges(String label, int count) {
        Fp2[] out = new Fp2[count];
        for (int i = 0; i < count; i++) out[i] = challenge(label);
        return out;
    }

    default boolean isProver() {
        return role() == Role.PROVER;
    }
}
