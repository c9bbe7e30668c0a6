package org.safetynets.bench.compare;

/**
 * One (workload, backend, batch) of a comparison: the figures that depend on the backend. Those that do not (float
 * inference, the verifier, the proof size) are in {@code host}, shared by every backend's row of the same (workload,
 * batch) and reported once. Timings are null where a figure does not apply (a matrix product has no prover) or the
 * cell was skipped ({@code note} says why); byte counts are -1 where not measured. Every timing ends after
 * {@code Backend.synchronize()}, so work a device still had queued is included.
 *
 * @param host            the backend-independent figures of this (workload, batch)
 * @param fieldInference  {@code Prover.infer} on the backend; for the matrix product, {@code Backend.matmul}
 * @param prover          {@code Prover.prove}, Fiat-Shamir, its own forward pass included
 * @param preparedProver  the same proof by a {@code Prover.Prepared} made once for the model (digest and network
 *                        not redone per proof, as a prover host proves); null where the prover is
 * @param heapBaselineBytes  heap used (after a collection) just before the prover ran
 * @param peakHeapBytes   the most heap used during any prover run (field product for the matrix product)
 * @param devicePeakBytes the backend's own device-memory high-water mark during the prover, where it reports one
 * @param peakResidentBytes the peak resident memory (VmHWM) of a process of its own that reads the batch, proves it once on
 *                        the backend and verifies the proof ({@link ProcessPeak}); -1 where not measured
 * @param macs            multiply-accumulates of one run, for the matrix product (0 otherwise)
 */
public record Row(String workload, String backend, String backendDescription, int batch, HostRow host, Timings fieldInference,
                  Timings prover, Timings preparedProver, long heapBaselineBytes, long peakHeapBytes, long devicePeakBytes, long peakResidentBytes, double macs,
                  String note) {
    public static Row skipped(String workload, String backend, String backendDescription, int batch, HostRow host, String note) {
        return new Row(workload, backend, backendDescription, batch, host, null, null, null, -1, -1, -1, -1, 0, note);
    }

    public boolean measured() {
        return fieldInference != null;
    }

    /** The proof's overhead over plain inference in the field on the same backend (the design's target: near 1). */
    public double proverOverField() {
        return ratio(prover, fieldInference);
    }

    /** The prepared prover over field inference: a prover host's cost of one more proof. */
    public double preparedProverOverField() {
        return ratio(preparedProver, fieldInference);
    }

    /** The proof's cost over the client's own float forward pass. */
    public double proverOverFloat() {
        return ratio(prover, host.floatInference());
    }

    /** What exact field arithmetic costs over doubles, same network. */
    public double fieldOverFloat() {
        return ratio(fieldInference, host.floatInference());
    }

    /** How much cheaper checking the proof is than running the network in the field. */
    public double fieldOverVerifier() {
        return ratio(fieldInference, host.verifier());
    }

    /** Field inference over the verifier prepared once for the model: how much cheaper a client's check of one more batch is. */
    public double fieldOverPreparedVerifier() {
        return ratio(fieldInference, host.preparedVerifier());
    }

    /** {@link #peakResidentBytes} per sample of the batch; NaN where not measured. */
    public double peakResidentBytesPerSample() {
        return peakResidentBytes < 0 ? Double.NaN : (double) peakResidentBytes / batch;
    }

    /** Field multiply-accumulates per second of the backend, for the matrix product; NaN otherwise. */
    public double fieldMacsPerSecond() {
        return macs > 0 && fieldInference != null ? macs / fieldInference.median() : Double.NaN;
    }

    static double ratio(Timings numerator, Timings denominator) {
        return numerator == null || denominator == null ? Double.NaN : numerator.median() / denominator.median();
    }
}
