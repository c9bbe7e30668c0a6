package org.safetynets.bench.compare;

import org.safetynets.layer.Network;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Shape;

/**
 * How much Java heap a (workload, batch) needs, computed before anything is allocated so that a batch that
 * cannot fit is skipped with a message instead of ending the run with an OutOfMemoryError.
 *
 * <p>The prover holds every layer's padded activation (8 bytes a field element) until its sub-protocol runs,
 * and a sub-protocol's tables (eq tables, row and column combinations, the folded copy) are at most a few
 * times its largest tensor. Float inference holds two unpadded double activations at a time. The sum of these
 * was checked against the sampled peak of the demo CNN at batch 4096 (see bench/README.md): it is an upper
 * bound with some room, not an exact figure.
 */
record MemoryEstimate(long bytes, String what) {
    /** Proof tables as a multiple of the largest padded tensor. */
    static final int TABLE_FACTOR = 3;

    static MemoryEstimate network(Model model, int batch) {
        Network network;
        try {
            network = Network.compile(model, batch);
        } catch (ArithmeticException | IllegalArgumentException e) {
            // Layout refuses a padded batch of 2^31 entries or more (ints index the tensors).
            return new MemoryEstimate(Long.MAX_VALUE, "a padded tensor would exceed 2^31 entries");
        }
        long activations = network.input().size();
        long largest = activations;
        for (Network.Step step : network.steps()) {
            long size = step.protocol().output().size();
            activations += size;
            largest = Math.max(largest, size);
        }
        long largestFloat = model.input().size();
        for (Shape shape : model.shapes()) largestFloat = Math.max(largestFloat, shape.size());
        long samples = (long) batch * model.input().size();
        // The prover uploads each weight tensor padded (a backend copy) and derives it from the model's arrays.
        long weights = 0;
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) weights += (long) Multilinear.nextPowerOfTwo(d.outputs()) * Multilinear.nextPowerOfTwo(d.inputs());
            else if (layer instanceof Conv2d c) {
                long kernel = Multilinear.nextPowerOfTwo(c.kernel());
                weights += (long) Multilinear.nextPowerOfTwo(c.outChannels()) * Multilinear.nextPowerOfTwo(c.inChannels()) * kernel * kernel;
            }
        }
        long bytes = 8 * (activations + TABLE_FACTOR * largest + 2 * largestFloat * batch + samples + 2 * weights);
        return new MemoryEstimate(bytes, "padded activations " + mib(8 * activations) + ", proof tables "
                + mib(8L * TABLE_FACTOR * largest) + ", float activations " + mib(16 * largestFloat * batch)
                + ", weight copies " + mib(16 * weights));
    }

    static MemoryEstimate matrixProduct(int size) {
        long n2 = (long) size * size;
        // A, B and C as host arrays and as backend tensors, and the float operands and product
        return new MemoryEstimate(8 * n2 * 9, "three field matrices on the host and the backend, three double matrices");
    }

    /** The heap the JVM can still grow into, after the live data. */
    static long available(long liveBytes) {
        return Runtime.getRuntime().maxMemory() - liveBytes;
    }

    static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024.0));
    }
}
