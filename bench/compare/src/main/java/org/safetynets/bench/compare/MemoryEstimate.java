package org.safetynets.bench.compare;

import org.safetynets.model.Model;
import org.safetynets.proof.ProverMemory;
import org.safetynets.tensor.Shape;

/**
 * How much Java heap a (workload, batch) needs, computed before anything is allocated so that a batch that
 * cannot fit is skipped with a message instead of ending the run with an OutOfMemoryError: the prover's
 * {@link ProverMemory} and float inference's two unpadded double activations at a time.
 */
record MemoryEstimate(long bytes, String what) {
    static MemoryEstimate network(Model model, int batch) {
        ProverMemory prover = ProverMemory.of(model, batch);
        if (prover.bytes() == Long.MAX_VALUE) return new MemoryEstimate(Long.MAX_VALUE, "a padded tensor would exceed 2^31 entries");
        long largestFloat = model.input().size();
        for (Shape shape : model.shapes()) largestFloat = Math.max(largestFloat, shape.size());
        long floats = 16 * largestFloat * batch;
        return new MemoryEstimate(prover.bytes() + floats, "padded activations " + mib(prover.activations()) + ", proof tables "
                + mib(prover.tables()) + ", float activations " + mib(floats) + ", weight copies " + mib(prover.weights()));
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
