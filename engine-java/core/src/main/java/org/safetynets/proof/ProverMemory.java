package org.safetynets.proof;

import org.safetynets.layer.Network;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;

/**
 * How much memory the prover holds for a model at a batch size, computed before anything is allocated, so that a
 * request that cannot fit is refused (the prover host's {@code --max-memory}) or skipped ({@code bench compare})
 * with a message instead of an OutOfMemoryError.
 *
 * <p>The prover holds every layer's padded activation (8 bytes a field element) until its sub-protocol runs, and a
 * sub-protocol's tables (eq tables, row and column combinations, the folded copy) are at most a few times its
 * largest tensor; add the input samples and two copies of the padded weights (the model's and the backend's). The
 * sum was checked against the sampled peak of the demo CNN at batch 4096 (see bench/README.md): an upper bound
 * with some room, not an exact figure. All fields are bytes.
 */
public record ProverMemory(long activations, long tables, long samples, long weights) {
    /** Proof tables as a multiple of the largest padded tensor. */
    static final int TABLE_FACTOR = 3;

    /** Nothing fits this: a padded tensor would exceed 2^31 entries, which the engine's int indices cannot hold. */
    public static final ProverMemory TOO_LARGE = new ProverMemory(Long.MAX_VALUE, 0, 0, 0);

    public static ProverMemory of(Model model, int batch) {
        Network network;
        try {
            network = Network.compile(model, batch);
        } catch (ArithmeticException | IllegalArgumentException e) {
            return TOO_LARGE;
        }
        long activations = network.input().size();
        long largest = activations;
        for (Network.Step step : network.steps()) {
            long size = step.protocol().output().size();
            activations += size;
            largest = Math.max(largest, size);
        }
        long weights = 0;
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) weights += (long) Multilinear.nextPowerOfTwo(d.outputs()) * Multilinear.nextPowerOfTwo(d.inputs());
            else if (layer instanceof Conv2d c) {
                long kernel = Multilinear.nextPowerOfTwo(c.kernel());
                weights += (long) Multilinear.nextPowerOfTwo(c.outChannels()) * Multilinear.nextPowerOfTwo(c.inChannels()) * kernel * kernel;
            }
        }
        return new ProverMemory(8 * activations, 8L * TABLE_FACTOR * largest, 8L * batch * model.input().size(), 16 * weights);
    }

    /** The whole estimate (saturating at Long.MAX_VALUE). */
    public long bytes() {
        if (this == TOO_LARGE || activations == Long.MAX_VALUE) return Long.MAX_VALUE;
        return activations + tables + samples + weights;
    }
}
