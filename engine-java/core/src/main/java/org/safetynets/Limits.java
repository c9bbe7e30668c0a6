package org.safetynets;

/**
 * The resources a prover, a verifier or a decoder may spend on what a user or a hostile file declares. Every
 * decoder checks a declared size against these before allocating for it, so a 60-byte file that declares a
 * 2^40-element tensor is refused, not obeyed. One immutable value, passed to whatever reads or allocates;
 * {@link #DEFAULTS} suit every shipped model with room to spare.
 *
 * @param maxBatch          the most samples in one input batch (and in a proof's header)
 * @param maxTensorElements the most elements of any one tensor held in memory: a model's parameters (all layers
 *                          together, as they are read at once), one sample's padded activation at any layer, an
 *                          input batch (samples x features), and the prover's padded activation for the whole batch
 * @param maxProofBytes     the most bytes of an encoded proof (header and body)
 */
public record Limits(int maxBatch, long maxTensorElements, long maxProofBytes) {
    /** 2^16 samples; 2^28 elements (2 GiB of field elements); 1 GiB of proof. */
    public static final Limits DEFAULTS = new Limits(1 << 16, 1L << 28, 1L << 30);
    /**
     * The most any limit may be raised to, what this engine can hold at all: a tensor is one Java array indexed by
     * an int and padded to a power of two (so 2^30 elements, and 2^30 samples), and a proof is one byte array.
     */
    public static final int MAX_BATCH_CEILING = 1 << 30;
    public static final long MAX_TENSOR_ELEMENTS_CEILING = 1L << 30;
    public static final long MAX_PROOF_BYTES_CEILING = Integer.MAX_VALUE - 8;

    /** The named limits; {@link #option()} is the command-line option that raises each one. */
    public enum Kind {
        MAX_BATCH("max-batch"), MAX_TENSOR_ELEMENTS("max-tensor-elements"), MAX_PROOF_BYTES("max-proof-bytes");

        private final String name;

        Kind(String name) {
            this.name = name;
        }

        /** The limit's name, e.g. "max-batch"; the CLI option is this name with "--" in front. */
        public String limitName() {
            return name;
        }

        public String option() {
            return "--" + name;
        }
    }

    /** @throws IllegalArgumentException naming the limit, for a value below 1 or above its ceiling */
    public Limits {
        requireWithin(Kind.MAX_BATCH, maxBatch, MAX_BATCH_CEILING);
        requireWithin(Kind.MAX_TENSOR_ELEMENTS, maxTensorElements, MAX_TENSOR_ELEMENTS_CEILING);
        requireWithin(Kind.MAX_PROOF_BYTES, maxProofBytes, MAX_PROOF_BYTES_CEILING);
    }

    private static void requireWithin(Kind kind, long value, long ceiling) {
        if (value < 1 || value > ceiling) {
            throw new IllegalArgumentException(kind.limitName() + " must be between 1 and " + ceiling + ", got " + value
                    + (value > ceiling ? " (" + ceilingReason(kind) + ")" : ""));
        }
    }

    private static String ceilingReason(Kind kind) {
        return kind == Kind.MAX_PROOF_BYTES ? "a proof is held in one byte array" : "a tensor is one Java array, padded to a power of two";
    }

    public Limits withMaxBatch(int value) {
        return new Limits(value, maxTensorElements, maxProofBytes);
    }

    public Limits withMaxTensorElements(long value) {
        return new Limits(maxBatch, value, maxProofBytes);
    }

    public Limits withMaxProofBytes(long value) {
        return new Limits(maxBatch, maxTensorElements, value);
    }

    /** @throws LimitExceeded if {@code batch} samples are more than allowed */
    public void requireBatch(String source, long batch) {
        if (batch > maxBatch) throw new LimitExceeded(source, "batch of " + batch + " samples", Kind.MAX_BATCH, maxBatch);
    }

    /** @param elements a count computed with {@link #product}, so an overflow reads as "too many" */
    public void requireTensor(String source, String what, long elements) {
        if (elements > maxTensorElements) {
            throw new LimitExceeded(source, what + " of " + (elements == Long.MAX_VALUE ? "more than 2^63" : Long.toString(elements))
                    + " elements", Kind.MAX_TENSOR_ELEMENTS, maxTensorElements);
        }
    }

    public void requireProofBytes(String source, long bytes) {
        if (bytes > maxProofBytes) throw new LimitExceeded(source, "proof of " + bytes + " bytes", Kind.MAX_PROOF_BYTES, maxProofBytes);
    }

    /** The product of non-negative factors, saturating at Long.MAX_VALUE instead of wrapping (a declared size can be anything). */
    public static long product(long... factors) {
        long result = 1;
        for (long f : factors) {
            if (f < 0) throw new IllegalArgumentException("negative size " + f);
            if (f != 0 && result > Long.MAX_VALUE / f) return Long.MAX_VALUE;
            result *= f;
        }
        return result;
    }
}
