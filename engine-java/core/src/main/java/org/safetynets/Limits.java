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

    public Limits {
        if (maxBatch < 1) throw new IllegalArgumentException("max-batch must be at least 1, got " + maxBatch);
        if (maxTensorElements < 1) throw new IllegalArgumentException("max-tensor-elements must be at least 1, got " + maxTensorElements);
        if (maxProofBytes < 1) throw new IllegalArgumentException("max-proof-bytes must be at least 1, got " + maxProofBytes);
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
