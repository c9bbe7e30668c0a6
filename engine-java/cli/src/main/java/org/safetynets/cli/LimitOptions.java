package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import picocli.CommandLine.Option;

/**
 * {@code --max-batch}, {@code --max-tensor-elements} and {@code --max-proof-bytes}, shared by every command that
 * reads a model, an input batch or a proof. Exceeding one is one line naming the limit, the value and this option,
 * and exit code 2: a resource refusal, not a verdict (verify never reports a proof it did not check as REJECT).
 */
final class LimitOptions {
    @Option(names = "--max-batch", paramLabel = "N", description = "Most samples in an input batch or proof (default: ${DEFAULT-VALUE}).")
    int maxBatch = Limits.DEFAULTS.maxBatch();

    @Option(names = "--max-tensor-elements", paramLabel = "N",
            description = "Most elements of any one tensor: a model's parameters, one sample's activation, the input batch, "
                    + "an activation for the whole batch (default: ${DEFAULT-VALUE}).")
    long maxTensorElements = Limits.DEFAULTS.maxTensorElements();

    @Option(names = "--max-proof-bytes", paramLabel = "N", description = "Largest proof file read (default: ${DEFAULT-VALUE}).")
    long maxProofBytes = Limits.DEFAULTS.maxProofBytes();

    Limits limits() {
        if (maxBatch < 1) throw new MalformedInput("--max-batch", "must be at least 1, got " + maxBatch);
        if (maxTensorElements < 1) throw new MalformedInput("--max-tensor-elements", "must be at least 1, got " + maxTensorElements);
        if (maxProofBytes < 1) throw new MalformedInput("--max-proof-bytes", "must be at least 1, got " + maxProofBytes);
        return new Limits(maxBatch, maxTensorElements, maxProofBytes);
    }
}
