package org.safetynets;

/** Bytes or values supplied by a user (model, proof, tensor file, option) that do not decode or do not fit. */
public final class MalformedInput extends SafetyNetsException {
    private final String source;

    /**
     * @param source what was being read (a file name, "proof", "model", an option name)
     * @param problem what is wrong with it, in words a user can act on
     */
    public MalformedInput(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    public String source() {
        return source;
    }
}
