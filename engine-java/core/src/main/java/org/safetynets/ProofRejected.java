package org.safetynets;

/**
 * Raised inside the verifier when a check fails; {@code Verifier} turns it into a {@code Verdict.Rejected}.
 * Layer is the 1-based layer index counted from the input (0 for checks on the whole proof), round is the
 * sum-check round (-1 where the failed check is not inside a round).
 */
public final class ProofRejected extends SafetyNetsException {
    private final int layer;
    private final int round;
    private final String reason;

    public ProofRejected(String reason, int layer, int round) {
        super(describe(reason, layer, round));
        this.reason = reason;
        this.layer = layer;
        this.round = round;
    }

    public ProofRejected(String reason) {
        this(reason, 0, -1);
    }

    public ProofRejected atLayer(int layerIndex) {
        return layer != 0 ? this : new ProofRejected(reason, layerIndex, round);
    }

    public String reason() {
        return reason;
    }

    public int layer() {
        return layer;
    }

    public int round() {
        return round;
    }

    private static String describe(String reason, int layer, int round) {
        StringBuilder text = new StringBuilder(reason);
        if (layer > 0) text.append(" (layer ").append(layer);
        if (layer > 0 && round >= 0) text.append(", round ").append(round);
        if (layer > 0) text.append(')');
        return text.toString();
    }
}
