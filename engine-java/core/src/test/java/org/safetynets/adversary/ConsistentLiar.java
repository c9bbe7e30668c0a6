package org.safetynets.adversary;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Univariate;
import org.safetynets.transcript.Transcript;

/**
 * The strongest cheat a sum-check admits: a prover that fakes one claim and keeps every later message consistent
 * with the fake, so that no round check (g(0) + g(1) = running claim) ever fails.
 *
 * <p>At round message {@code start} it sends g + eps * t(t-1) instead of g: the same g(0) + g(1), so the round
 * passes, but the verifier's running claim g'(r) now differs from the honest g(r) by delta. Every later round
 * polynomial is sent as g + delta * (1 - t), whose g(0) + g(1) is the honest sum plus delta, exactly the verifier's
 * (fake) running claim. A claimed evaluation c closing a sum-check is adapted so that the verifier's final check
 * holds for the fake claim where the prover can solve for it (c' = c * target/honest for dense and conv, a square
 * root for x^2 when one exists), and the lie then continues into the next layer with delta = c' - c. What is left
 * to catch it is what the prover cannot choose: the model's weights and selections in the final checks, and the
 * input batch at the end. The prover behind it keeps its honest state.
 */
public final class ConsistentLiar extends ForwardingTranscript {
    private final int start;
    private final Fp2 epsilon;
    private int messages;
    private boolean lying;
    private Fp2 delta = Fp2.ZERO;
    private Fp2[] honestRound;
    private Fp2[] sentRound;
    private Fp2 honestFinal = Fp2.ZERO;
    private boolean fakedRound;
    private boolean adaptedValue;

    public ConsistentLiar(Transcript inner, int start, long epsilon) {
        super(inner);
        this.start = start;
        this.epsilon = Fp2.of(Fp.fromLong(epsilon));
    }

    /** Whether the lie was started (the chosen message was a round message of degree 2 or more). */
    public boolean fakedRound() {
        return fakedRound;
    }

    /** Whether at least one final check was satisfied for the fake claim (the lie crossed a layer boundary). */
    public boolean adaptedValue() {
        return adaptedValue;
    }

    @Override
    public long[] message(String label, int length, long[] honest) {
        messages++; // the outputs: passed on as they are
        return inner.message(label, length, honest);
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] honest) {
        int index = messages++;
        Fp2[] sent = honest;
        if (label.equals("sumcheck.round")) {
            if (index == start && length >= 3) {
                sent = honest.clone();
                for (int t = 0; t < length; t++) sent[t] = sent[t].add(epsilon.mul(Fp.mul(t, Fp.sub(t, 1))));
                lying = true;
                fakedRound = true;
            } else if (lying) {
                sent = honest.clone();
                for (int t = 0; t < length; t++) sent[t] = sent[t].add(delta.mul(Fp.sub(1, t)));
            }
            honestRound = honest;
            sentRound = sent;
        } else if (lying && !delta.equals(Fp2.ZERO) && length == 1) {
            Fp2 adapted = adapt(label, honest[0]);
            sent = new Fp2[] {adapted};
            delta = adapted.sub(honest[0]);
        }
        inner.extensionMessage(label, length, sent);
        return honest;
    }

    @Override
    public Fp2 challenge(String label) {
        Fp2 r = inner.challenge(label);
        if (lying && label.equals("sumcheck.challenge") && honestRound != null) {
            honestFinal = Univariate.evaluate(honestRound, r);
            delta = Univariate.evaluate(sentRound, r).sub(honestFinal);
            honestRound = null;
        }
        return r;
    }

    /**
     * The verifier checks M * c = final claim (dense, conv) or E * c^2 = final claim (x^2), with M, E fixed by the
     * model and the point; honestly M * c = honestFinal, and the verifier's final claim is honestFinal + delta.
     */
    private Fp2 adapt(String label, Fp2 c) {
        if (honestFinal.equals(Fp2.ZERO) || c.equals(Fp2.ZERO)) return c; // no multiplier to scale: the final check will catch it
        Fp2 ratio = honestFinal.add(delta).mul(honestFinal.inverse());
        if (label.equals("square.input")) {
            Fp2 root = squareRoot(ratio);
            if (root == null) return c;
            adaptedValue = true;
            return c.mul(root);
        }
        adaptedValue = true;
        return c.mul(ratio);
    }

    /**
     * A square root in F_p^2 for p = 3 mod 4, or null if there is none (Adj and Rodriguez-Henriquez, "Square root
     * computation over even extension fields", algorithm 9): a1 = a^((p-3)/4), alpha = a1^2 a, x0 = a1 a; then
     * x = i x0 if alpha = -1, else (1 + alpha)^((p-1)/2) x0. Checked by squaring.
     */
    private static Fp2 squareRoot(Fp2 a) {
        Fp2 a1 = pow(a, (Fp.P - 3) / 4);
        Fp2 alpha = a1.square().mul(a);
        Fp2 x0 = a1.mul(a);
        Fp2 x = alpha.equals(Fp2.ONE.neg()) ? Fp2.I.mul(x0) : pow(Fp2.ONE.add(alpha), (Fp.P - 1) / 2).mul(x0);
        return x.square().equals(a) ? x : null;
    }

    private static Fp2 pow(Fp2 base, long exponent) {
        Fp2 result = Fp2.ONE;
        Fp2 b = base;
        for (long e = exponent; e != 0; e >>>= 1) {
            if ((e & 1) != 0) result = result.mul(b);
            b = b.square();
        }
        return result;
    }
}
