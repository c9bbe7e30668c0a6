package org.safetynets.proof;

/** The verifier's answer: it never throws on hostile bytes. */
public sealed interface Verdict permits Verdict.Accepted, Verdict.Rejected {
    boolean accepted();

    /** The outputs the proof establishes, as signed integers, sample by sample. */
    record Accepted(long[][] outputs) implements Verdict {
        @Override
        public boolean accepted() {
            return true;
        }
    }

    /** Why the proof was rejected; layer is the 1-based model layer (0: the proof as a whole), round -1 outside a sum-check. */
    record Rejected(String reason, int layer, int round) implements Verdict {
        @Override
        public boolean accepted() {
            return false;
        }

        public String describe() {
            StringBuilder text = new StringBuilder(reason);
            if (layer > 0) text.append(" [layer ").append(layer).append(round >= 0 ? ", round " + round : "").append(']');
            return text.toString();
        }
    }
}
