package org.safetynets.adversary;

import org.safetynets.field.Fp;
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
    private final long epsilon;
    private int messages;
    private boolean lying;
    private long delta;
    private long[] honestRound;
    private long[] sentRound;
    private long honestFinal;
    private boolean fakedRound;
    private boolean adaptedValue;

    public ConsistentLiar(Transcript inner, int start, long epsilon) {
        super(inner);
        this.start = start;
        this.epsilon = epsilon;
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
        int index = messages++;
        long[] sent = honest;
        if (label.equals("sumcheck.round")) {
            if (index == start && length >= 3) {
                sent = honest.clone();
                for (int t = 0; t < length; t++) sent[t] = Fp.add(sent[t], Fp.mul(epsilon, Fp.mul(t, Fp.sub(t, 1))));
                lying = true;
                fakedRound = true;
            } else if (lying) {
                sent = honest.clone();
                for (int t = 0; t < length; t++) sent[t] = Fp.add(sent[t], Fp.mul(delta, Fp.sub(1, t)));
            }
            honestRound = honest;
            sentRound = sent;
        } else if (lying && delta != 0 && length == 1) {
            long adapted = adapt(label, honest[0]);
            sent = new long[] {adapted};
            delta = Fp.sub(adapted, honest[0]);
        }
        inner.message(label, length, sent);
        return honest;
    }

    @Override
    public long challenge(String label) {
        long r = inner.challenge(label);
        if (lying && label.equals("sumcheck.challenge") && honestRound != null) {
            honestFinal = Univariate.evaluate(honestRound, r);
            delta = Fp.sub(Univariate.evaluate(sentRound, r), honestFinal);
            honestRound = null;
        }
        return r;
    }

    /**
     * The verifier checks M * c = final claim (dense, conv) or E * c^2 = final claim (x^2), with M, E fixed by the
     * model and the point; honestly M * c = honestFinal, and the verifier's final claim is honestFinal + delta.
     */
    private long adapt(String label, long c) {
        if (honestFinal == 0 || c == 0) return c; // no multiplier to scale: the final check will catch it
        long ratio = Fp.mul(Fp.add(honestFinal, delta), Fp.inverse(honestFinal));
        if (label.equals("square.input")) {
            long root = Fp.pow(ratio, (Fp.P + 1) / 4); // p = 3 mod 4: a square root when ratio is a square
            if (Fp.mul(root, root) != ratio) return c;
            adaptedValue = true;
            return Fp.mul(c, root);
        }
        adaptedValue = true;
        return Fp.mul(c, ratio);
    }
}
