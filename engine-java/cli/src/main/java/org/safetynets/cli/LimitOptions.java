package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import picocli.CommandLine.Option;

/**
 * {@code --max-batch}, {@code --max-tensor-elements} and {@code --max-proof-bytes}, shared by every command that
 * reads a model, an input batch or a proof. Exceeding one is one line naming the limit, the value and this option,
 * and exit code 2: a resource refusal, not a verdict (verify never reports a proof it did not check as REJECT).
 */
public final class LimitOptions {
    @Option(names = "--max-batch", paramLabel = "N", description = "Most samples in an input batch or proof (default: ${DEFAULT-VALUE}).")
    int maxBatch = Limits.DEFAULTS.maxBatch();

    @Option(names = "--max-tensor-elements", paramLabel = "N",
            description = "Most elements of any one tensor: a model's parameters, one sample's activation, the input batch, "
                    + "an activation for the whole batch (default: ${DEFAULT-VALUE}).")
    long maxTensorElements = Limits.DEFAULTS.maxTensorElements();

    @Option(names = "--max-proof-bytes", paramLabel = "N", description = "Largest proof file read (default: ${DEFAULT-VALUE}).")
    long maxProofBytes = Limits.DEFAULTS.maxProofBytes();

    public Limits limits() {
        requireWithin("--max-batch", maxBatch, Limits.MAX_BATCH_CEILING);
        requireWithin("--max-tensor-elements", maxTensorElements, Limits.MAX_TENSOR_ELEMENTS_CEILING);
        requireWithin("--max-proof-bytes", maxProofBytes, Limits.MAX_PROOF_BYTES_CEILING);
        return new Limits(maxBatch, maxTensorElements, maxProofBytes);
    }

    /** A limit can be raised only as far as this engine can hold what it bounds (see {@link Limits}). */
    private static void requireWithin(String option, long value, long ceiling) {
        if (value < 1) throw new MalformedInput(option, "must be at least 1, got " + value);
        if (value > ceiling) {
            throw new MalformedInput(option, "must be at most " + ceiling + ", got " + value + ": the engine holds each tensor "
                    + "(and a proof) in one Java array");
        }
    }
}
