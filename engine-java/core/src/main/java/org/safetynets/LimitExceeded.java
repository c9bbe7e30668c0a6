package org.safetynets;

/**
 * A file or request asks for more than a configured {@link Limits} allows. Not a claim that the input is wrong:
 * the limit can be raised (the message names the option), which is why it is its own type.
 */
public final class LimitExceeded extends SafetyNetsException {
    private final Limits.Kind limit;
    private final long allowed;

    /**
     * @param source  what was being read (a file name, "proof", "input")
     * @param what    the thing over the limit with its size, e.g. "proof of 2000 bytes"
     */
    public LimitExceeded(String source, String what, Limits.Kind limit, long allowed) {
        super(source + ": " + what + " exceeds the limit " + limit.limitName() + " = " + allowed + " (raise it with " + limit.option() + ")");
        this.limit = limit;
        this.allowed = allowed;
    }

    public Limits.Kind limit() {
        return limit;
    }

    public long allowed() {
        return allowed;
    }
}
