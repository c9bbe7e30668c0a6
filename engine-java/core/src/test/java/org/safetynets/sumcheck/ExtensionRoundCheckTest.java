package org.safetynets.sumcheck;

import org.junit.jupiter.api.Test;
import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.transcript.FiatShamirTranscript;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifier's round check g(0) + g(1) = claim holds in F_p^2, on both coordinates, over exactly degree + 1
 * values. A check on the real part alone would let a prover put its lie in the imaginary part, where half the
 * soundness of the extension lives; a round message shorter than the degree must end the proof, not be read as a
 * polynomial of lower degree.
 */
class ExtensionRoundCheckTest {
    private static final Fp2 CLAIM = new Fp2(12345, 678);
    private static final Fp2 G0 = new Fp2(5, 7);
    private static final Fp2 G1 = CLAIM.sub(G0);
    private static final Fp2 G2 = new Fp2(99, 1);

    /** A proof body of one round message: its values at 0..d as (re, im) words. */
    private static byte[] roundMessage(Fp2... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2 * Fp.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Fp2 v : values) b.putLong(v.re()).putLong(v.im());
        return b.array();
    }

    /** One round of degree 2 read from {@code body} against {@code claim}. */
    private static Sumcheck.Reduced verifyOneRound(byte[] body, Fp2 claim) {
        return Sumcheck.verify(FiatShamirTranscript.forVerifier(body), claim, 1, 2);
    }

    @Test
    void aRoundThatSumsToTheClaimPasses() {
        assertEquals(1, verifyOneRound(roundMessage(G0, G1, G2), CLAIM).point().length);
    }

    @Test
    void aLieInTheImaginaryPartAloneIsCaught() {
        Fp2 g1 = new Fp2(G1.re(), Fp.add(G1.im(), 1)); // g(0) + g(1) right in re, off by one in im
        ProofRejected e = assertThrows(ProofRejected.class, () -> verifyOneRound(roundMessage(G0, g1, G2), CLAIM));
        assertEquals(0, e.round());
    }

    @Test
    void aClaimReducedToItsRealPartIsCaught() {
        assertTrue(CLAIM.im() != 0, "the claim must have an imaginary part to drop");
        ProofRejected e = assertThrows(ProofRejected.class, () -> verifyOneRound(roundMessage(G0, G1, G2), Fp2.of(CLAIM.re())));
        assertEquals(0, e.round());
    }

    @Test
    void aRoundMessageShorterThanItsDegreeEndsTheProof() {
        // g(0) and g(1) alone sum to the claim: read as a line they would pass the round check.
        ProofRejected e = assertThrows(ProofRejected.class, () -> verifyOneRound(roundMessage(G0, G1), CLAIM));
        assertTrue(e.getMessage().contains("proof ends early"), e.getMessage());
    }
}
